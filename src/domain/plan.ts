// A plan: the ordered WeCom operations that make WeCom match the directory, each with its reason.
// Bodies are the exact WeCom request bodies (mirrors of src/wecom/types.ts; the planner checks
// at compile time that they stay assignable).
import type { DesiredExtAttr } from './desired.js';

export interface DepartmentCreateBody {
  name: string;
  name_en?: string;
  parentid: number;
  order?: number;
  id: number;
}

export interface DepartmentUpdateBody {
  id: number;
  name?: string;
  name_en?: string;
  parentid?: number;
  order?: number;
}

export interface MemberWritableBody {
  name?: string;
  alias?: string;
  mobile?: string;
  department?: number[];
  order?: number[];
  position?: string;
  gender?: '1' | '2';
  email?: string;
  biz_mail?: string;
  telephone?: string;
  is_leader_in_dept?: number[];
  direct_leader?: string[];
  avatar_mediaid?: string;
  enable?: 0 | 1;
  extattr?: { attrs: DesiredExtAttr[] };
  external_position?: string;
  address?: string;
  main_department?: number;
}

export interface MemberCreateBody extends MemberWritableBody {
  userid: string;
  name: string;
  department: number[];
  to_invite?: boolean;
}

export interface MemberUpdateBody extends MemberWritableBody {
  userid: string;
  new_userid?: string;
}

export const REASON_CAUSES = [
  'created in directory',
  'changed in directory',
  'mapping changed',
  'deleted in directory',
  'disabled in directory',
  'drift: deleted in WeCom',
  'drift: moved in WeCom',
  'no shadow state',
  'temporary rename to free a name',
  'userid changed in directory',
  'moved out of a department being deleted',
  're-hired: linked to the member left by a deleted account',
  're-created: takes over the department left by a deleted organization',
  'orphan: removal requested',
] as const;

export type ReasonCause = (typeof REASON_CAUSES)[number];

export interface FieldChange {
  field: string;
  old: unknown;
  new: unknown;
}

/** A text as a code with parameters; src/messages renders it in English or Chinese. */
export interface Note {
  code: string;
  params?: Record<string, NoteParam>;
}
export type NoteParam = string | number | Note;

export interface Reason {
  cause: ReasonCause;
  /** One human sentence adding what the cause alone does not say (English: the rendered `note`). */
  detail?: string;
  /** `detail` as a code with parameters, for other languages (absent in plans stored before it). */
  note?: Note;
  changes: FieldChange[];
}

interface OperationBase {
  /** Stable and deterministic, e.g. `dept.create:org_12`. */
  id: string;
  /** Directory key (organization or account id) the operation is for. */
  key: string;
  /** Ids of operations that must have succeeded before this one may start. */
  dependsOn: string[];
  reason: Reason;
}

export type Operation =
  | (OperationBase & { kind: 'department.create'; target: { departmentId: number }; body: DepartmentCreateBody })
  | (OperationBase & { kind: 'department.update'; target: { departmentId: number }; body: DepartmentUpdateBody })
  | (OperationBase & { kind: 'department.delete'; target: { departmentId: number }; body: { id: number } })
  | (OperationBase & { kind: 'member.create'; target: { userid: string }; body: MemberCreateBody })
  | (OperationBase & { kind: 'member.update'; target: { userid: string }; body: MemberUpdateBody })
  | (OperationBase & { kind: 'member.disable'; target: { userid: string }; body: MemberUpdateBody })
  | (OperationBase & { kind: 'member.delete'; target: { userid: string }; body: { userid: string } });

export type OperationKind = Operation['kind'];

export const OPERATION_KINDS: readonly OperationKind[] = [
  'department.create', 'department.update', 'department.delete',
  'member.create', 'member.update', 'member.disable', 'member.delete',
];

/** The WeCom API an operation calls: its queue in the executor, its budget in the client's limiter. */
export const OPERATION_API: Readonly<Record<OperationKind, string>> = {
  'department.create': 'department/create',
  'department.update': 'department/update',
  'department.delete': 'department/delete',
  'member.create': 'user/create',
  'member.update': 'user/update',
  'member.disable': 'user/update',
  'member.delete': 'user/delete',
};

/** A link the executor drops without calling WeCom (policy "keep", or the object is already gone). */
export interface Unlink {
  type: 'department' | 'member';
  key: string;
  reason: string;
}

/**
 * A link that moves, without a WeCom call, from a directory object that is gone (a deleted
 * account or organization) to the new object that maps to the same WeCom member or department
 * (a re-hire, a re-created organization). The executor moves it before the operations run; the
 * operations of `to` are planned against the moved link's shadow.
 */
export interface Relink {
  type: 'department' | 'member';
  from: string;
  to: string;
  /** How the new object was matched to the link: 'userid', 'mobile', 'email', 'name-path', 'code'. */
  by: string;
  reason: string;
}

export interface PlanWarning {
  code: string;
  /** English (the rendered `note`). */
  message: string;
  /** `message` as a code with parameters, for other languages (absent in plans stored before it). */
  note?: Note;
  key?: string;
  /** A conflict the rules cannot settle (code 'rehire-ambiguous'): the contested member and every claimant. */
  conflict?: { wecomId: string; claimants: string[]; rule: string };
}

export interface Plan {
  /** In a topological order of dependsOn; running them one by one in this order is always valid. */
  operations: Operation[];
  unlinks: Unlink[];
  /** Links taken over by a new object (re-hire); absent = none. Done before the operations. */
  relinks?: Relink[];
  summary: { total: number; byKind: Record<OperationKind, number> };
  safety: {
    deletes: number;
    disables: number;
    /** Linked objects before the plan (the base of maxDeletePercent). */
    linked: number;
    exceeded: boolean;
    limit: { maxDeletes: number; maxDeletePercent: number };
  };
  warnings: PlanWarning[];
}
