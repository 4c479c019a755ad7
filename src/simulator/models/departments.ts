// Department model: the tree of one company and every rule WeCom enforces on it.
// Stateless field checks come from the shared rule table (fields.ts); this file adds the
// stateful ones: existence, sibling names (name and name_en), cycles, depth, node counts, delete preconditions.
import { Errcode } from '../../wecom/errors/catalog.js';
import { checkDepartmentCreate, checkDepartmentId, checkDepartmentUpdate, LIMITS, type RuleOptions } from '../../wecom/rules/fields.js';
import type { Department, DepartmentIdRow } from '../../wecom/types.js';
import { raise, SimError } from '../errors.js';
import type { Company } from './company.js';

export const ROOT_ID = 1;

export interface DepartmentRecord {
  id: number;
  name: string;
  name_en?: string;
  parentid: number;
  order: number;
}

/** Sibling names are compared after NFKC normalisation and lower-casing (see STRICT_CHOICES). */
export const siblingNameKey = (parentid: number, name: string): string =>
  `${parentid}\u0000${name.normalize('NFKC').toLowerCase()}`;

export class Departments {
  private readonly byId = new Map<number, DepartmentRecord>();
  private readonly kids = new Map<number, Set<number>>();
  private readonly names = new Map<string, number>();
  /** sibling English names: the same rule as names */
  private readonly namesEn = new Map<string, number>();
  private nextId = 2;

  constructor(
    private readonly company: Company,
    rootName: string,
  ) {
    this.insert({ id: ROOT_ID, name: rootName, parentid: 0, order: 0 });
  }

  get size(): number {
    return this.byId.size;
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  record(id: number): DepartmentRecord | undefined {
    return this.byId.get(id);
  }

  all(): DepartmentRecord[] {
    return [...this.byId.values()];
  }

  childCount(id: number): number {
    return this.kids.get(id)?.size ?? 0;
  }

  /** Sub-departments plus members directly in the department (WeCom's "child nodes", max 30,000). */
  childNodes(id: number): number {
    return this.childCount(id) + this.company.members.countIn(id);
  }

  /** Level of a department: the root is level 1. */
  level(id: number): number {
    let n = 0;
    for (let cur = this.byId.get(id); cur; cur = cur.parentid ? this.byId.get(cur.parentid) : undefined) n++;
    return n;
  }

  /** Levels from `id` down to its deepest descendant (1 for a leaf). */
  private height(id: number): number {
    let best = 0;
    for (const kid of this.kids.get(id) ?? []) best = Math.max(best, this.height(kid));
    return best + 1;
  }

  /** `id` and all its descendants, parents before children, siblings by order (larger first) then id. */
  subtree(id: number): DepartmentRecord[] {
    const out: DepartmentRecord[] = [];
    const visit = (d: DepartmentRecord): void => {
      out.push(d);
      for (const kid of this.sortedKids(d.id)) visit(kid);
    };
    const start = this.byId.get(id);
    if (start) visit(start);
    return out;
  }

  isDescendantOrSelf(id: number, ancestor: number): boolean {
    for (let cur = this.byId.get(id); cur; cur = cur.parentid ? this.byId.get(cur.parentid) : undefined)
      if (cur.id === ancestor) return true;
    return false;
  }

  private sortedKids(id: number): DepartmentRecord[] {
    return [...(this.kids.get(id) ?? [])]
      .map((k) => this.byId.get(k) as DepartmentRecord)
      .sort((a, b) => b.order - a.order || a.id - b.id);
  }

  private insert(d: DepartmentRecord): void {
    this.byId.set(d.id, d);
    this.indexNames(d);
    if (d.parentid) this.addKid(d.parentid, d.id);
  }

  private indexNames(d: DepartmentRecord): void {
    this.names.set(siblingNameKey(d.parentid, d.name), d.id);
    if (d.name_en) this.namesEn.set(siblingNameKey(d.parentid, d.name_en), d.id);
  }

  private unindexNames(d: DepartmentRecord): void {
    this.names.delete(siblingNameKey(d.parentid, d.name));
    if (d.name_en) this.namesEn.delete(siblingNameKey(d.parentid, d.name_en));
  }

  private remove(d: DepartmentRecord): void {
    this.byId.delete(d.id);
    this.unindexNames(d);
    this.kids.get(d.parentid)?.delete(d.id);
    this.kids.delete(d.id);
  }

  /** Refuses (60008) a name or name_en a sibling other than `self` already has. */
  private requireFreeNames(parentid: number, name: string, nameEn: string | undefined, self?: number): void {
    const clash = this.names.get(siblingNameKey(parentid, name));
    if (clash !== undefined && clash !== self) throw new SimError(Errcode.DepartmentExists, `sibling department ${clash} already has the name "${name}"`);
    const clashEn = nameEn ? this.namesEn.get(siblingNameKey(parentid, nameEn)) : undefined;
    if (clashEn !== undefined && clashEn !== self)
      throw new SimError(Errcode.DepartmentExists, `sibling department ${clashEn} already has the English name "${nameEn}"`);
  }

  /** The child of `parentid` with this name (compared as siblings are), if any. */
  childNamed(parentid: number, name: string): number | undefined {
    return this.names.get(siblingNameKey(parentid, name));
  }

  private requireNodeRoom(parentid: number): void {
    if (this.childNodes(parentid) >= LIMITS.departmentMaxChildNodes)
      throw new SimError(Errcode.TooManyNodes, `department ${parentid} already has ${LIMITS.departmentMaxChildNodes} child nodes`);
  }

  private allocateId(): number {
    while (this.byId.has(this.nextId)) this.nextId++;
    return this.nextId++;
  }

  /** `rules`: the company's reading, or another for restoring a state file (saved under any reading). */
  create(body: unknown, rules: RuleOptions = this.company.rules): number {
    raise(checkDepartmentCreate(body, rules));
    const b = body as { name: string; name_en?: string; parentid: number; order?: number; id?: number };
    if (!this.byId.has(b.parentid)) throw new SimError(Errcode.ParentDepartmentNotFound, `parent department ${b.parentid} not found`);
    if (b.id !== undefined && this.byId.has(b.id)) throw new SimError(Errcode.DepartmentExists, `department id ${b.id} already exists`);
    if (this.byId.size >= LIMITS.departmentMaxTotal)
      throw new SimError(Errcode.TooManyNodes, `the company already has ${LIMITS.departmentMaxTotal} departments`);
    this.requireNodeRoom(b.parentid);
    if (this.level(b.parentid) + 1 > LIMITS.departmentMaxDepth)
      throw new SimError(Errcode.DepthExceeded, `a department under ${b.parentid} would be at level ${this.level(b.parentid) + 1} (root = 1, max ${LIMITS.departmentMaxDepth})`);
    this.requireFreeNames(b.parentid, b.name, b.name_en);
    const id = b.id ?? this.allocateId();
    this.insert({ id, name: b.name, ...(b.name_en !== undefined ? { name_en: b.name_en } : {}), parentid: b.parentid, order: b.order ?? 0 });
    return id;
  }

  /** Applies an update; returns which aspects changed (bit-OR: 2 rename, 4 move, 8 reorder). */
  update(body: unknown): number {
    raise(checkDepartmentUpdate(body, this.company.rules));
    const b = body as { id: number; name?: string; name_en?: string; parentid?: number; order?: number };
    const d = this.byId.get(b.id);
    if (!d) throw new SimError(Errcode.DepartmentNotFound, `department ${b.id} not found`);
    const parentid = b.parentid ?? d.parentid;
    const name = b.name ?? d.name;
    const moving = parentid !== d.parentid;
    if (b.parentid !== undefined && (b.id === ROOT_ID || moving)) {
      if (!this.byId.has(parentid)) throw new SimError(Errcode.ParentDepartmentNotFound, `parent department ${parentid} not found`);
      if (b.id === ROOT_ID || this.isDescendantOrSelf(parentid, d.id))
        throw new SimError(Errcode.DepartmentCycle, `department ${parentid} is ${d.id} itself or one of its descendants`);
    }
    if (moving) {
      this.requireNodeRoom(parentid);
      const deepest = this.level(parentid) + this.height(d.id);
      if (deepest > LIMITS.departmentMaxDepth)
        throw new SimError(Errcode.DepthExceeded, `moving department ${d.id} under ${parentid} would reach level ${deepest} (root = 1, max ${LIMITS.departmentMaxDepth})`);
    }
    const nameEn = b.name_en ?? d.name_en;
    if (moving || name !== d.name || nameEn !== d.name_en) this.requireFreeNames(parentid, name, nameEn, d.id);
    let action = 0;
    if (name !== d.name || (b.name_en !== undefined && b.name_en !== d.name_en)) action |= 2;
    if (moving) action |= 4;
    if (b.order !== undefined && b.order !== d.order) action |= 8;
    this.unindexNames(d);
    if (moving) {
      this.kids.get(d.parentid)?.delete(d.id);
      this.addKid(parentid, d.id);
      d.parentid = parentid;
    }
    d.name = name;
    if (b.name_en !== undefined) d.name_en = b.name_en;
    if (b.order !== undefined) d.order = b.order;
    this.indexNames(d);
    return action;
  }

  private addKid(parent: number, kid: number): void {
    let set = this.kids.get(parent);
    if (!set) this.kids.set(parent, (set = new Set()));
    set.add(kid);
  }

  delete(id: unknown): void {
    raise(checkDepartmentId(id));
    const d = this.byId.get(id as number);
    if (id === ROOT_ID) throw new SimError(Errcode.RootDepartmentDelete, 'the root department may not be deleted');
    if (!d) throw new SimError(Errcode.DepartmentNotFound, `department ${String(id)} not found`);
    if (this.company.members.countIn(d.id) > 0)
      throw new SimError(Errcode.DepartmentHasMembers, `department ${d.id} still has ${this.company.members.countIn(d.id)} members`);
    if (this.childCount(d.id) > 0) throw new SimError(Errcode.DepartmentHasChildren, `department ${d.id} still has sub-departments`);
    this.remove(d);
  }

  private require(id: unknown): DepartmentRecord {
    raise(checkDepartmentId(id));
    const d = this.byId.get(id as number);
    if (!d) throw new SimError(Errcode.DepartmentNotFound, `department ${String(id)} not found`);
    return d;
  }

  view(d: DepartmentRecord): Department {
    return {
      id: d.id,
      name: d.name,
      ...(d.name_en !== undefined ? { name_en: d.name_en } : {}),
      department_leader: this.company.members.leadersOf(d.id),
      parentid: d.parentid,
      order: d.order,
    };
  }

  get(id: unknown): Department {
    return this.view(this.require(id));
  }

  /** department/list: `id` and all descendants, or the whole tree. */
  list(id?: unknown): Department[] {
    const start = id === undefined ? ROOT_ID : this.require(id).id;
    return this.subtree(start).map((d) => this.view(d));
  }

  /** department/simplelist rows. */
  simplelist(id?: unknown): DepartmentIdRow[] {
    const start = id === undefined ? ROOT_ID : this.require(id).id;
    return this.subtree(start).map((d) => ({ id: d.id, parentid: d.parentid, order: d.order }));
  }
}
