// Mapping definitions: plain JSON data (stored as a row, versioned), saying how each WeCom field
// is computed from directory objects with expressions of the mapping language (../expression/).

/** WeCom department fields computed by an expression over an organization. */
export interface DepartmentFieldSources {
  /** Required. Must give 1–64 characters without \ : * ? " < > | (above 32: a warning, the older limit). */
  name: string;
  name_en?: string;
  /** Sibling order (larger first); must give an integer 0..2^32-1. */
  order?: string;
  /**
   * WeCom department id to adopt when `matching.departments` is 'id' (e.g.
   * `number(attrs.wecom_department_id)`); not sent to WeCom.
   */
  id?: string;
}

/** WeCom member fields computed by an expression over an account. */
export interface MemberFieldSources {
  /** Required. Must give a WeCom userid: `^[A-Za-z0-9][A-Za-z0-9_.-]*$`, at most 64 bytes. */
  userid: string;
  /** Required, non-empty. */
  name: string;
  alias?: string;
  mobile?: string;
  email?: string;
  biz_mail?: string;
  telephone?: string;
  position?: string;
  /** "1"/1 male, "2"/2 female; null, "", "0"/0 = not set. */
  gender?: string;
  /** 1/true enabled, 0/false disabled; absent = from the account's status. */
  enable?: string;
  address?: string;
  external_position?: string;
  /** Boolean: send WeCom's invitation when the member is created. */
  to_invite?: string;
}

export const DEPARTMENT_FIELDS = ['name', 'name_en', 'order', 'id'] as const satisfies readonly (keyof DepartmentFieldSources)[];

export const MEMBER_SOURCE_FIELDS = [
  'userid', 'name', 'alias', 'mobile', 'email', 'biz_mail', 'telephone', 'position', 'gender', 'enable', 'address',
  'external_position', 'to_invite',
] as const satisfies readonly (keyof MemberFieldSources)[];
export type MemberSourceField = (typeof MEMBER_SOURCE_FIELDS)[number];

export interface AffiliationRules {
  /** 'all-organizations': every in-scope organization, primary first; 'primary-only': one department. */
  mode: 'all-organizations' | 'primary-only';
  /** Evaluated per (account, organization) with `organization` added to the account context → boolean. */
  leaderExpression?: string;
  /** direct_leader from the account's manager ('manager', default) or not at all ('none'). */
  directLeader?: 'manager' | 'none';
}

export type ExtAttrDefinition =
  | { name: string; type: 'text'; value: string }
  | { name: string; type: 'web'; url: string; title: string };

export interface ScopeRules {
  /** Organization ids: only these subtrees are synced (each becomes a department under the WeCom root). Absent or [] = every directory root. */
  organizationRoots?: string[];
  /** Boolean expression over an organization; false puts it and its subtree out of scope. */
  organizationFilter?: string;
  /** Boolean expression over an account; false puts it out of scope. */
  accountFilter?: string;
  /** Default true: disabled accounts stay in scope with enable 0. false: they are out of scope. */
  includeDisabledAccounts?: boolean;
}

export type MemberMatchRule = 'userid' | 'mobile' | 'email';
export type DepartmentMatchRule = 'id' | 'name-path' | 'none';

export interface MatchingRules {
  /** Order of attempts when adopting existing WeCom members; [] = never adopt. */
  members: MemberMatchRule[];
  departments: DepartmentMatchRule;
}

export interface MappingDefinition {
  version: 1;
  departments: DepartmentFieldSources;
  members: MemberFieldSources;
  affiliation: AffiliationRules;
  extattrs: ExtAttrDefinition[];
  scope: ScopeRules;
  matching: MatchingRules;
}

/** A problem found in a definition: the field path (`members.mobile`, `extattrs[1].url`) and, for expressions, where. */
export interface DefinitionError {
  path: string;
  code: string;
  message: string;
  position?: { offset: number; line: number; column: number };
  /** For expression errors: the source line and a caret line. */
  pointer?: string;
  /** What the message names (a function's name and the likely one meant), for other languages. */
  params?: Record<string, string>;
}

/** A per-object problem of a mapping run. It never aborts the run. */
export interface MappingProblem {
  objectType: 'organization' | 'account';
  /** Organization or account id (for scope roots that do not exist: the id named in the definition). */
  key: string;
  /** The WeCom field (`userid`, `extattr.工号`), or `scope`, `department`, `direct_leader`, … */
  field: string;
  message: string;
  /** The expression error code, when an expression failed. */
  code?: string;
  /**
   * 'object-skipped': the object is left out of the desired state (held: not to be treated as
   * deleted); 'field-omitted': the object is kept without that field; 'info': nothing was left out.
   */
  effect: 'object-skipped' | 'field-omitted' | 'info';
}
