// State shared by the planner's phases while one plan is computed.
import type { DepartmentLink, MemberLink } from '../../domain/link.js';
import type { Note, Operation, PlanWarning, Relink, Unlink } from '../../domain/plan.js';
import { type Message, type MessageCode, type Param, msg, render } from '../../messages/index.js';
import type { ObservedMember, PlannerInput, PlannerSettings } from './types.js';

/** A desired department with its WeCom id resolved (from its link, or assigned by the planner). */
export interface DepartmentTarget {
  key: string;
  id: number;
  name: string;
  nameEn?: string;
  order?: number;
  parentId: number;
  depth: number;
  link?: DepartmentLink;
  /** The linked department exists in WeCom (false when the observed list lacks it). */
  exists: boolean;
  /** Taken over in this plan from the link of this deleted organization. */
  rehiredFrom?: string;
}

export interface PlanContext {
  input: PlannerInput;
  settings: PlannerSettings;
  warnings: PlanWarning[];
  unlinks: Unlink[];
  /** Links taken over by a new object (re-hire, re-created organization). */
  relinks: Relink[];
  /** Operations per phase, each in a valid order on its own. */
  departmentOps: Operation[];
  memberOps: Operation[];
  deleteOps: Operation[];

  // departments
  targets: Map<string, DepartmentTarget>;
  /** Linked departments left alone this run (conflicts, outside the root subtree, …). */
  untouchedDepartmentKeys: Set<string>;
  /** Department id of every desired organization members may use: targets, plus linked ones left alone. */
  departmentIdOf: Map<string, number>;
  /** Linked departments no longer desired whose policy is delete: id -> link. */
  deleteCandidates: Map<number, DepartmentLink>;
  /** Department id -> the operation that creates it in this plan. */
  createdBy: Map<number, string>;
  /** Department id -> the latest operation on it. */
  lastDepartmentOp: Map<number, string>;
  /** Department id -> operations that moved a sub-department out of it. */
  childLeftBy: Map<number, string[]>;
  /** Department id -> operations that take a member out of it. */
  memberLeftBy: Map<number, string[]>;
  /** Department id -> number of members still in it once the member operations ran. */
  remainingMembers: Map<number, number>;

  // members
  memberLinks: Map<string, LinkedMember>;
  observedMembers?: Map<string, ObservedMember>;
}

/** A member link with what WeCom's list says about it, computed once. */
export interface LinkedMember {
  link: MemberLink;
  /** lower-cased userid (WeCom compares userids case-insensitively) */
  lu: string;
  /** present in WeCom (true when the member list was not read) */
  exists: boolean;
  /** departments now: from the member list, else from the shadow */
  current: number[];
  /** the account is in the desired state (possibly left alone because of a conflict) */
  desired: boolean;
  /** departments once this plan's operations ran, when they change them */
  after?: number[];
  /** Re-hire: the deleted account whose link this account took over in this plan. */
  rehiredFrom?: string;
}

/** Is this userid the company's creator (never deleted or disabled, see PlannerSettings.protectedUserids)? */
export function isCreator(ctx: PlanContext, userid: string): boolean {
  const lu = userid.toLowerCase();
  return (ctx.settings.protectedUserids ?? []).some((u) => u.toLowerCase() === lu);
}

/** Warns that the creator is left as it is instead of being deleted or disabled (`instead`: an instead.* clause). */
export function warnCreator(ctx: PlanContext, key: string, userid: string, instead: Message): void {
  warn(ctx, 'creator-protected', msg('warning.creator-protected', { key, userid, instead }), key);
}

/** A plan warning: its code, its text (English in `message`, the code and parameters in `note`). */
export function warn(ctx: PlanContext, code: string, text: Message, key?: string): void {
  ctx.warnings.push(warning(code, text, key));
}

export function warning(code: string, text: Message, key?: string): PlanWarning {
  const w: PlanWarning = { code, message: render(text), note: text };
  if (key !== undefined) w.key = key;
  return w;
}

/** A reason's note and its English detail, from one catalogue entry. */
export function noted(code: MessageCode, params?: Record<string, Param>): { detail: string; note: Note } {
  const note = msg(code, params);
  return { detail: render(note), note };
}

export function pushTo<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
