// A tiny pure model of WeCom's contact rules, used to check that plans are valid step by step.
// It enforces: body field rules (the shared rule table), parent exists, sibling names unique,
// no cycles, delete only empty leaves, member departments exist and are never empty, userids
// unique (case-insensitive), and that the connection's root and anything outside it is untouched.
import type { Operation } from '../../../src/domain/plan.js';
import type { Observed } from '../../../src/sync/planner/types.js';
import { checkDepartmentCreate, checkDepartmentUpdate, checkMemberCreate, checkMemberUpdate } from '../../../src/wecom/rules/fields.js';

interface ModelDepartment {
  id: number;
  name: string;
  name_en?: string;
  parentid: number;
  order: number;
}

interface ModelMember {
  userid: string;
  department: number[];
  fields: Record<string, unknown>;
}

class ModelError extends Error {
  constructor(
    readonly errcode: number,
    message: string,
  ) {
    super(`${errcode}: ${message}`);
  }
}

export class WeComModel {
  readonly departments = new Map<number, ModelDepartment>();
  readonly members = new Map<string, ModelMember>();

  /** `companyRoot` is department 1; `connectionRoot` is the root this connection syncs under. */
  constructor(readonly connectionRoot: number) {
    this.departments.set(1, { id: 1, name: 'Company', parentid: 0, order: 0 });
  }

  clone(): WeComModel {
    const m = new WeComModel(this.connectionRoot);
    m.departments.clear();
    for (const [k, v] of this.departments) m.departments.set(k, structuredClone(v));
    for (const [k, v] of this.members) m.members.set(k, structuredClone(v));
    return m;
  }

  addDepartment(d: ModelDepartment): void {
    this.departments.set(d.id, d);
  }

  addMember(m: ModelMember): void {
    this.members.set(m.userid.toLowerCase(), m);
  }

  private inConnectionSubtree(id: number): boolean {
    let cur: number | undefined = id;
    for (let i = 0; cur !== undefined && i < 1000; i++) {
      if (cur === this.connectionRoot) return true;
      cur = this.departments.get(cur)?.parentid;
    }
    return false;
  }

  private isDescendantOrSelf(id: number, ancestor: number): boolean {
    let cur: number | undefined = id;
    for (let i = 0; cur !== undefined && i < 1000; i++) {
      if (cur === ancestor) return true;
      cur = this.departments.get(cur)?.parentid;
    }
    return false;
  }

  private checkSiblingName(parentid: number, name: string, self: number): void {
    for (const d of this.departments.values())
      if (d.parentid === parentid && d.name === name && d.id !== self) throw new ModelError(60008, `sibling ${d.id} under ${parentid} is already named "${name}"`);
  }

  private checkManaged(id: number): void {
    if (id === this.connectionRoot) throw new ModelError(-1, `the connection root ${id} was touched`);
    if (!this.inConnectionSubtree(id)) throw new ModelError(-1, `department ${id} outside the connection root was touched`);
  }

  private checkMemberDepartments(list: number[] | undefined): void {
    if (list === undefined) return;
    if (list.length === 0) throw new ModelError(40066, 'empty department list');
    for (const d of list) if (!this.departments.has(d)) throw new ModelError(60123, `department ${d} does not exist`);
  }

  private checkLeaders(list: string[] | undefined): void {
    for (const u of list ?? []) if (!this.members.has(u.toLowerCase())) throw new ModelError(60111, `direct leader ${u} does not exist`);
  }

  apply(op: Operation): void {
    switch (op.kind) {
      case 'department.create': {
        const b = op.body;
        const bad = checkDepartmentCreate(b);
        if (bad) throw new ModelError(bad.errcode, bad.message);
        if (this.departments.has(b.id)) throw new ModelError(60008, `department id ${b.id} exists`);
        if (!this.departments.has(b.parentid)) throw new ModelError(60004, `parent ${b.parentid} not found`);
        if (!this.inConnectionSubtree(b.parentid)) throw new ModelError(-1, `created outside the connection root under ${b.parentid}`);
        this.checkSiblingName(b.parentid, b.name, b.id);
        const d: ModelDepartment = { id: b.id, name: b.name, parentid: b.parentid, order: b.order ?? 0 };
        if (b.name_en !== undefined) d.name_en = b.name_en;
        this.departments.set(b.id, d);
        return;
      }
      case 'department.update': {
        const b = op.body;
        const bad = checkDepartmentUpdate(b);
        if (bad) throw new ModelError(bad.errcode, bad.message);
        const d = this.departments.get(b.id);
        if (!d) throw new ModelError(60003, `department ${b.id} not found`);
        this.checkManaged(b.id);
        const parentid = b.parentid ?? d.parentid;
        if (b.parentid !== undefined) {
          if (!this.departments.has(parentid)) throw new ModelError(60004, `parent ${parentid} not found`);
          if (this.isDescendantOrSelf(parentid, b.id)) throw new ModelError(60010, `moving ${b.id} under ${parentid} makes a cycle`);
          if (!this.inConnectionSubtree(parentid)) throw new ModelError(-1, `moved outside the connection root`);
        }
        const name = b.name ?? d.name;
        this.checkSiblingName(parentid, name, b.id);
        d.parentid = parentid;
        d.name = name;
        if (b.name_en !== undefined) d.name_en = b.name_en;
        if (b.order !== undefined) d.order = b.order;
        return;
      }
      case 'department.delete': {
        const id = op.body.id;
        if (!this.departments.has(id)) throw new ModelError(60003, `department ${id} not found`);
        this.checkManaged(id);
        for (const d of this.departments.values()) if (d.parentid === id) throw new ModelError(60006, `department ${id} has sub-department ${d.id}`);
        for (const m of this.members.values()) if (m.department.includes(id)) throw new ModelError(60005, `department ${id} has member ${m.userid}`);
        this.departments.delete(id);
        return;
      }
      case 'member.create': {
        const b = op.body;
        const bad = checkMemberCreate(b);
        if (bad) throw new ModelError(bad.errcode, bad.message);
        if (this.members.has(b.userid.toLowerCase())) throw new ModelError(60102, `userid ${b.userid} exists`);
        this.checkMemberDepartments(b.department);
        this.checkLeaders(b.direct_leader);
        const { userid, department, to_invite: _t, ...fields } = b;
        this.members.set(userid.toLowerCase(), { userid, department: [...department], fields: structuredClone(fields) as Record<string, unknown> });
        return;
      }
      case 'member.update':
      case 'member.disable': {
        const b = op.body;
        const bad = checkMemberUpdate(b);
        if (bad) throw new ModelError(bad.errcode, bad.message);
        const m = this.members.get(b.userid.toLowerCase());
        if (!m) throw new ModelError(60111, `userid ${b.userid} not found`);
        const { userid: _u, new_userid, department, ...fields } = b;
        this.checkMemberDepartments(department);
        this.checkLeaders(b.direct_leader);
        if (new_userid !== undefined && new_userid.toLowerCase() !== m.userid.toLowerCase() && this.members.has(new_userid.toLowerCase()))
          throw new ModelError(60102, `new_userid ${new_userid} exists`);
        if (department) m.department = [...department];
        Object.assign(m.fields, structuredClone(fields));
        if (new_userid !== undefined) {
          this.members.delete(m.userid.toLowerCase());
          m.userid = new_userid;
          this.members.set(new_userid.toLowerCase(), m);
        }
        return;
      }
      case 'member.delete': {
        const key = op.body.userid.toLowerCase();
        if (!this.members.has(key)) throw new ModelError(60111, `userid ${op.body.userid} not found`);
        this.members.delete(key);
        return;
      }
    }
  }

  /** What department/simplelist (whole company) and user/list_id would say. */
  observed(): Required<Observed> {
    return {
      departments: [...this.departments.values()].map((d) => ({ id: d.id, parentid: d.parentid, order: d.order })),
      members: [...this.members.values()].map((m) => ({ userid: m.userid, department: [...m.department] })),
    };
  }
}
