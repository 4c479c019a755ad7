// Wire shapes of WeCom's contact API (request and response bodies), as WeCom spells them.

export interface DepartmentCreate {
  name: string;
  name_en?: string;
  parentid: number;
  order?: number;
  id?: number;
}

export interface DepartmentUpdate {
  id: number;
  name?: string;
  name_en?: string;
  parentid?: number;
  order?: number;
}

/** A department as department/list and department/get return it. */
export interface Department {
  id: number;
  name: string;
  name_en?: string;
  department_leader: string[];
  parentid: number;
  order: number;
}

/** A row of department/simplelist. */
export interface DepartmentIdRow {
  id: number;
  parentid: number;
  order: number;
}

export interface ExtAttrText {
  type: 0;
  name: string;
  text: { value: string };
}
export interface ExtAttrWeb {
  type: 1;
  name: string;
  web: { url: string; title: string };
}
export type ExtAttr = ExtAttrText | ExtAttrWeb;

export interface MemberWritable {
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
  extattr?: { attrs: ExtAttr[] };
  external_position?: string;
  address?: string;
  main_department?: number;
}

export interface MemberCreate extends MemberWritable {
  userid: string;
  name: string;
  department: number[];
  to_invite?: boolean;
}

export interface MemberUpdate extends MemberWritable {
  userid: string;
  new_userid?: string;
}

/** Member status as user/get reports it: 1 activated, 2 disabled, 4 not activated, 5 left. */
export type MemberStatus = 1 | 2 | 4 | 5;

/** A member as user/get and user/list return it. */
export interface Member {
  userid: string;
  name: string;
  department: number[];
  order: number[];
  position: string;
  mobile: string;
  gender: '0' | '1' | '2';
  email: string;
  biz_mail: string;
  is_leader_in_dept: number[];
  direct_leader: string[];
  avatar: string;
  thumb_avatar: string;
  telephone: string;
  alias: string;
  address: string;
  open_userid?: string;
  main_department: number;
  extattr: { attrs: ExtAttr[] };
  status: MemberStatus;
  qr_code: string;
  external_position: string;
  enable: 0 | 1;
}

/** A row of user/simplelist. */
export interface MemberBrief {
  userid: string;
  name: string;
  department: number[];
}

/** A row of user/list_id: one per (userid, department) pair. */
export interface DeptUserRow {
  userid: string;
  department: number;
}

export type BatchJobType = 'sync_user' | 'replace_user' | 'replace_party';

export interface BatchJobRequest {
  media_id: string;
  to_invite?: boolean;
  callback?: { url: string; token: string; encodingaeskey: string };
}

export interface BatchUserResult {
  userid: string;
  errcode: number;
  errmsg: string;
}
export interface BatchPartyResult {
  action: number;
  partyid: number;
  errcode: number;
  errmsg: string;
}

export interface BatchJobResult {
  status: 1 | 2 | 3;
  type: BatchJobType;
  total: number;
  percentage: number;
  result: Array<BatchUserResult | BatchPartyResult>;
}
