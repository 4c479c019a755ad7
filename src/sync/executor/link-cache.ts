// The connection's links in memory, authoritative while this process holds the run's lease: the
// executor reads them to decide (uncertain creates, conflicts, the link after a success) and
// updates them after each committed change, instead of reading the store per operation.
import type { Links } from '../../domain/link.js';
import type { Operation, Relink } from '../../domain/plan.js';
import { applyOperation } from '../planner/apply.js';
import type { StoredDepartmentLink, StoredLinks, StoredMemberLink } from '../state/links.js';
import type { LinkEffect } from './perform.js';

/** The link of an operation's key after it: a link to store, null = delete it, absent = unchanged. */
export interface LinkChange {
  department?: StoredDepartmentLink | null;
  member?: StoredMemberLink | null;
}

const isDepartmentKind = (op: Operation): boolean => op.kind.startsWith('department.');

function strip<T extends { state: unknown }>(l: T): Omit<T, 'state'> {
  const { state: _s, ...rest } = l;
  return rest;
}

export class LinkCache {
  private readonly departments = new Map<string, StoredDepartmentLink>();
  private readonly members = new Map<string, StoredMemberLink>();
  /** department id → key, userid (lower case) → key: who holds an id */
  private readonly deptIds = new Map<number, string>();
  private readonly userids = new Map<string, string>();

  constructor(links: StoredLinks) {
    for (const l of links.departments) this.setDepartment(l);
    for (const l of links.members) this.setMember(l);
  }

  /** Whether an earlier attempt of this very create left its pending link (it may have been applied). */
  hasPendingCreate(op: Operation): boolean {
    if (op.kind === 'department.create') {
      const l = this.departments.get(op.key);
      return l?.state === 'pending' && l.departmentId === op.body.id;
    }
    if (op.kind === 'member.create') {
      const l = this.members.get(op.key);
      return l?.state === 'pending' && l.userid.toLowerCase() === op.body.userid.toLowerCase();
    }
    return false;
  }

  /** Why the operation must not be sent: the id or userid it would link is linked to another key. */
  conflictOf(op: Operation): string | null {
    if (op.kind === 'department.create') {
      const h = this.deptIds.get(op.body.id);
      return h !== undefined && h !== op.key ? `department id ${op.body.id} is already linked to organization ${h}` : null;
    }
    const userid = op.kind === 'member.create' ? op.body.userid : op.kind === 'member.update' ? op.body.new_userid : undefined;
    if (userid === undefined) return null;
    const h = this.userids.get(userid.toLowerCase());
    return h !== undefined && h !== op.key ? `userid ${userid} is already linked to account ${h}` : null;
  }

  /** The pending link a create records before it is sent (naming the id / userid it will create). */
  pendingOf(op: Operation): LinkChange {
    if (op.kind === 'department.create') return { department: { key: op.key, departmentId: op.body.id, origin: 'created', shadow: null, state: 'pending' } };
    if (op.kind === 'member.create') return { member: { key: op.key, userid: op.body.userid, origin: 'created', shadow: null, state: 'pending' } };
    return {};
  }

  /** The link change an operation's outcome implies (a success: the planner's own bookkeeping, active). */
  changeAfter(op: Operation, effect: LinkEffect): LinkChange {
    const department = isDepartmentKind(op);
    if (effect === 'gone' || effect === 'drop-pending') return department ? { department: null } : { member: null };
    if (effect === 'keep') return {};
    const after = applyOperation(op, this.linksOf(op));
    if (department) {
      const l = after.departments.find((x) => x.key === op.key);
      return { department: l ? { ...l, state: 'active' } : null };
    }
    const l = after.members.find((x) => x.key === op.key);
    return { member: l ? { ...l, state: 'active' } : null };
  }

  /** Takes a change in once it is committed. */
  apply(key: string, change: LinkChange): void {
    if (change.department === null) this.dropDepartment(key);
    else if (change.department) this.setDepartment(change.department);
    if (change.member === null) this.dropMember(key);
    else if (change.member) this.setMember(change.member);
  }

  /** A relink's link under its new key (replacing the stale link `to` may have); null when done already (`from` gone). */
  movedLink(r: Relink): LinkChange | null {
    if (r.type === 'department') {
      const l = this.departments.get(r.from);
      return l ? { department: { ...l, key: r.to } } : null;
    }
    const l = this.members.get(r.from);
    return l ? { member: { ...l, key: r.to } } : null;
  }

  /** Drops links without a WeCom call (a plan's unlinks). */
  unlink(type: 'department' | 'member', key: string): void {
    if (type === 'department') this.dropDepartment(key);
    else this.dropMember(key);
  }

  /**
   * The linked member (other than `key`'s) last written with this mobile or e-mail: who holds it
   * when WeCom answers 60104 / 60106. Mobiles compare without spaces, hyphens and a +86 prefix.
   */
  holderOf(field: 'mobile' | 'email', value: string, key: string): StoredMemberLink | null {
    const norm = field === 'mobile' ? normalizeMobile : (v: string) => v.trim().toLowerCase();
    const wanted = norm(value);
    for (const l of this.members.values()) {
      const v = l.shadow?.[field];
      if (l.key !== key && v !== undefined && norm(v) === wanted) return l;
    }
    return null;
  }

  /** The link of the operation's key, as the planner's types. */
  private linksOf(op: Operation): Links {
    const d = isDepartmentKind(op) ? this.departments.get(op.key) : undefined;
    const m = isDepartmentKind(op) ? undefined : this.members.get(op.key);
    return { departments: d ? [strip(d)] : [], members: m ? [strip(m)] : [] };
  }

  private setDepartment(l: StoredDepartmentLink): void {
    this.dropDepartment(l.key);
    this.departments.set(l.key, l);
    this.deptIds.set(l.departmentId, l.key);
  }

  private dropDepartment(key: string): void {
    const old = this.departments.get(key);
    if (old && this.deptIds.get(old.departmentId) === key) this.deptIds.delete(old.departmentId);
    this.departments.delete(key);
  }

  private setMember(l: StoredMemberLink): void {
    this.dropMember(l.key);
    this.members.set(l.key, l);
    this.userids.set(l.userid.toLowerCase(), l.key);
  }

  private dropMember(key: string): void {
    const old = this.members.get(key);
    if (old && this.userids.get(old.userid.toLowerCase()) === key) this.userids.delete(old.userid.toLowerCase());
    this.members.delete(key);
  }
}

const normalizeMobile = (v: string): string => v.replace(/[\s-]/g, '').replace(/^\+86/, '');
