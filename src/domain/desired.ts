// Desired WeCom state: what the mapping layer says WeCom *should* contain for one connection.
// Keys are directory ids (organization id for a department, account id for a member); WeCom ids
// (department id, userid) of existing objects come from links, never from here (except userid,
// which is itself a mapped value).

/** A desired department, one per in-scope organization. */
export interface DesiredDepartment {
  /** Organization id. */
  key: string;
  name: string;
  nameEn?: string;
  /** Organization id of the parent; null = directly under the connection's WeCom root department. */
  parentKey: string | null;
  /** Sibling order (larger first); undefined = don't care. */
  order?: number;
}

/** An extended attribute as WeCom spells it (mirrors the wire shape; domain imports nothing else). */
export type DesiredExtAttr =
  | { type: 0; name: string; text: { value: string } }
  | { type: 1; name: string; web: { url: string; title: string } };

/**
 * Member fields the mapping computes. An absent optional field means "should be empty" for
 * clearable text fields (alias, mobile, email, telephone, position, address, external_position,
 * biz_mail), [] for direct_leader, no attribute for extattr; for gender and avatar_mediaid it means
 * "don't care" (WeCom cannot clear them).
 */
export interface DesiredMemberFields {
  name: string;
  alias?: string;
  mobile?: string;
  email?: string;
  biz_mail?: string;
  telephone?: string;
  position?: string;
  gender?: '1' | '2';
  /** 0 when the account is disabled in the directory (the planner applies onAccountDisabled). */
  enable: 0 | 1;
  address?: string;
  extattr?: { attrs: DesiredExtAttr[] };
  direct_leader?: string[];
  external_position?: string;
  avatar_mediaid?: string;
}

/** A desired member, one per in-scope account. */
export interface DesiredMember {
  /** Account id. */
  key: string;
  userid: string;
  fields: DesiredMemberFields;
  /**
   * Organization ids the member belongs to, the first being the main department; null when the
   * connection's default-department override is active (create into the default department, never
   * touch affiliation on update).
   */
  departmentKeys: string[] | null;
  /** Organization ids (a subset of departmentKeys) where the member is a department leader. */
  isLeaderIn?: string[];
  /** Order inside each department, aligned with departmentKeys; undefined = don't care. */
  order?: number[];
  /** to_invite on create (WeCom's default is true). */
  toInvite?: boolean;
}

export interface DesiredState {
  departments: DesiredDepartment[];
  members: DesiredMember[];
}
