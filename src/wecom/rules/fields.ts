// WeCom's field rules for contact-API requests, as one table of stateless checks, in each reading
// of the documentation (./choices.ts: `current` = today's documentation, `strict` = the older or
// stricter reading where sources disagree). The simulator runs them in its configured reading
// before its stateful checks (uniqueness, existence, tree shape). The client refuses before
// sending only what every reading refuses (certainRefusal): where sources disagree it sends and
// WeCom decides. An oracle written from the reference (test/wecom/oracle.test.ts) checks both.

import { Errcode } from '../errors/catalog.js';

export interface RuleViolation {
  errcode: number;
  field: string;
  message: string;
}

/** Which reading of WeCom's documentation a check follows (see ./choices.ts). */
export type Reading = 'current' | 'strict';
export const READINGS: readonly Reading[] = ['current', 'strict'];

export interface RuleOptions {
  /** default 'current' */
  reading?: Reading;
  /** refuse fields WeCom does not know with 40058 (WeCom ignores them); a test aid that catches misspelt fields */
  refuseUnknownFields?: boolean;
}

/** The limits on which the readings differ (sources in ./choices.ts). */
interface ReadingLimits {
  departmentNameMaxChars: number;
  aliasMaxChars: number;
  departmentsPerMember: number;
  userid: RegExp;
  mobile: RegExp;
  /** extattr type 2 (mini program) */
  extattrMiniprogram: boolean;
  /** `order` in user/update without `department`: ignored, or refused (40058) */
  orderWithoutDepartment: 'ignored' | 'refused';
  /** gender sent as the integers 1 and 2 */
  integerGender: boolean;
  /** user/update with enable=0 for the company creator: allowed, or refused (301005) */
  creatorDisable: 'allowed' | 'refused';
  /** batch/syncuser|replaceuser row naming an unknown department: the member goes to 其他(待设置部门), or the row fails (60123) */
  batchUnknownDepartment: 'pending-department' | 'row-fails';
}

export const READING_LIMITS: Readonly<Record<Reading, ReadingLimits>> = {
  current: {
    departmentNameMaxChars: 64,
    aliasMaxChars: 64,
    departmentsPerMember: 100,
    userid: /^[A-Za-z0-9][A-Za-z0-9_.@-]*$/,
    mobile: /^(\+\d{1,4}[ -]?)?\d[\d-]*$/,
    extattrMiniprogram: true,
    orderWithoutDepartment: 'ignored',
    integerGender: true,
    creatorDisable: 'allowed',
    batchUnknownDepartment: 'pending-department',
  },
  strict: {
    departmentNameMaxChars: 32,
    aliasMaxChars: 32,
    departmentsPerMember: 20,
    userid: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    mobile: /^(\+\d{1,4}[ -])?\d[\d-]*$/,
    extattrMiniprogram: false,
    orderWithoutDepartment: 'refused',
    integerGender: false,
    creatorDisable: 'refused',
    batchUnknownDepartment: 'row-fails',
  },
};

const limitsOf = (o: RuleOptions | undefined): ReadingLimits => READING_LIMITS[o?.reading ?? 'current'];

/** The refusal every reading agrees on, or null when some reading accepts: what a client may refuse before sending. */
export function certainRefusal<T>(check: (body: T, o?: RuleOptions) => RuleViolation | null, body: T): RuleViolation | null {
  let first: RuleViolation | null = null;
  for (const reading of READINGS) {
    const bad = check(body, { reading });
    if (!bad) return null;
    first ??= bad;
  }
  return first;
}

export const LIMITS = {
  departmentMaxDepth: 15,
  departmentMaxTotal: 30_000,
  departmentMaxChildNodes: 30_000,
  departmentIdMin: 2,
  int32Max: 2 ** 31 - 1,
  uint32Max: 2 ** 32 - 1,
  useridMaxBytes: 64,
  memberNameMaxChars: 64,
  mobileMaxChars: 32,
  emailMinBytes: 6,
  emailMaxBytes: 64,
  telephoneMaxBytes: 32,
  positionMaxChars: 128,
  addressMaxChars: 128,
  externalPositionMaxChars: 12,
  directLeaderMax: 5,
  extattrTextMaxChars: 64,
  extattrWebTitleMaxChars: 12,
  batchDeleteMax: 200,
  listIdMaxLimit: 10_000,
  mediaFileMinBytes: 6,
  mediaFileMaxBytes: 20 * 1024 * 1024,
  replaceUserProtectMinCount: 50,
  replaceUserProtectRatio: 0.2,
} as const;

/** Length in Unicode characters (code points), as WeCom counts "UTF-8 characters". */
export const charLength = (s: string): number => [...s].length;
/** Length in UTF-8 bytes, as WeCom counts "bytes". */
export const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

const DEPARTMENT_NAME_FORBIDDEN = /[\\:*?"<>|]/;
const EMAIL_RE = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
const TELEPHONE_RE = /^[0-9+\-,]+$/;

const v = (errcode: number, field: string, message: string): RuleViolation => ({ errcode, field, message });

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);
const isUint32 = (x: unknown): x is number => isInt(x) && x >= 0 && x <= LIMITS.uint32Max;

function unknownField(body: Record<string, unknown>, allowed: ReadonlySet<string>, o: RuleOptions | undefined): RuleViolation | null {
  if (!o?.refuseUnknownFields) return null;
  for (const key of Object.keys(body)) {
    if (!allowed.has(key)) return v(Errcode.InvalidParameter, key, `unknown field "${key}"`);
  }
  return null;
}

// ---------------------------------------------------------------- departments

function checkDepartmentName(field: string, name: unknown, o: RuleOptions | undefined): RuleViolation | null {
  if (typeof name !== 'string') return v(Errcode.DepartmentNameLength, field, `${field} must be a string`);
  const n = charLength(name);
  const max = limitsOf(o).departmentNameMaxChars;
  if (n < 1 || n > max || name.trim() === '')
    return v(Errcode.DepartmentNameLength, field, `${field} must be 1–${max} characters (got ${n})`);
  if (DEPARTMENT_NAME_FORBIDDEN.test(name))
    return v(Errcode.DepartmentNameIllegal, field, `${field} may not contain \\ : * ? " < > |`);
  return null;
}

const DEPARTMENT_CREATE_FIELDS = new Set(['name', 'name_en', 'parentid', 'order', 'id']);
const DEPARTMENT_UPDATE_FIELDS = new Set(['id', 'name', 'name_en', 'parentid', 'order']);

function checkDepartmentCommon(body: Record<string, unknown>, o: RuleOptions | undefined): RuleViolation | null {
  if (body.name !== undefined) {
    const bad = checkDepartmentName('name', body.name, o);
    if (bad) return bad;
  }
  if (body.name_en !== undefined) {
    const bad = checkDepartmentName('name_en', body.name_en, o);
    if (bad) return bad;
  }
  if (body.parentid !== undefined && !(isInt(body.parentid) && body.parentid >= 1 && body.parentid <= LIMITS.int32Max))
    return v(Errcode.InvalidParameter, 'parentid', 'parentid must be a positive 32-bit integer');
  if (body.order !== undefined && !isUint32(body.order))
    return v(Errcode.InvalidParameter, 'order', 'order must be an integer in [0, 2^32)');
  return null;
}

export function checkDepartmentCreate(body: unknown, o?: RuleOptions): RuleViolation | null {
  if (!isObject(body)) return v(Errcode.InvalidParameter, 'body', 'body must be a JSON object');
  const unknown = unknownField(body, DEPARTMENT_CREATE_FIELDS, o);
  if (unknown) return unknown;
  if (body.name === undefined) return v(Errcode.DepartmentNameLength, 'name', 'name is required');
  if (body.parentid === undefined) return v(Errcode.ParentDepartmentNotFound, 'parentid', 'parentid is required');
  if (body.id !== undefined && !(isInt(body.id) && body.id >= LIMITS.departmentIdMin && body.id <= LIMITS.int32Max))
    return v(Errcode.InvalidParameter, 'id', `id must be an integer in ${LIMITS.departmentIdMin}..2^31-1`);
  return checkDepartmentCommon(body, o);
}

export function checkDepartmentUpdate(body: unknown, o?: RuleOptions): RuleViolation | null {
  if (!isObject(body)) return v(Errcode.InvalidParameter, 'body', 'body must be a JSON object');
  const unknown = unknownField(body, DEPARTMENT_UPDATE_FIELDS, o);
  if (unknown) return unknown;
  if (body.id === undefined) return v(Errcode.EmptyParameter, 'id', 'id is required');
  if (!(isInt(body.id) && body.id >= 1 && body.id <= LIMITS.int32Max))
    return v(Errcode.InvalidParameter, 'id', 'id must be a positive 32-bit integer');
  return checkDepartmentCommon(body, o);
}

export function checkDepartmentId(id: unknown): RuleViolation | null {
  if (id === undefined || id === '') return v(Errcode.EmptyParameter, 'id', 'id is required');
  if (!(isInt(id) && id >= 1 && id <= LIMITS.int32Max)) return v(Errcode.InvalidParameter, 'id', 'id must be a positive 32-bit integer');
  return null;
}

// ---------------------------------------------------------------- members

export function checkUserid(field: string, userid: unknown, o?: RuleOptions): RuleViolation | null {
  if (userid === undefined || userid === '') return v(Errcode.MissingUserid, field, `${field} is required`);
  if (typeof userid !== 'string') return v(Errcode.InvalidUserid, field, `${field} must be a string`);
  if (byteLength(userid) > LIMITS.useridMaxBytes)
    return v(Errcode.InvalidUserid, field, `${field} must be at most ${LIMITS.useridMaxBytes} bytes`);
  const at = limitsOf(o).userid.test('a@b');
  if (!limitsOf(o).userid.test(userid))
    return v(Errcode.InvalidUserid, field, `${field} may contain only letters, digits, _ - .${at ? ' @' : ''} and must start with a letter or digit`);
  return null;
}

export function checkMobile(mobile: string, o?: RuleOptions): RuleViolation | null {
  if (charLength(mobile) > LIMITS.mobileMaxChars || !limitsOf(o).mobile.test(mobile))
    return v(
      Errcode.MobileInvalid,
      'mobile',
      `mobile must be digits and -, optionally led by +CC${o?.reading === 'strict' ? ' and a space or hyphen' : ''}, at most ${LIMITS.mobileMaxChars} characters`,
    );
  return null;
}

function checkEmail(field: 'email' | 'biz_mail', email: string): RuleViolation | null {
  const code = field === 'email' ? Errcode.EmailInvalid : Errcode.BizMailInvalid;
  const n = byteLength(email);
  if (n < LIMITS.emailMinBytes || n > LIMITS.emailMaxBytes || !EMAIL_RE.test(email))
    return v(code, field, `${field} must be a valid address of ${LIMITS.emailMinBytes}–${LIMITS.emailMaxBytes} bytes`);
  return null;
}

function checkExtattr(extattr: unknown, o: RuleOptions | undefined): RuleViolation | null {
  if (!isObject(extattr) || !Array.isArray(extattr.attrs))
    return v(Errcode.InvalidParameter, 'extattr', 'extattr must be {"attrs":[…]}');
  for (const [i, attr] of extattr.attrs.entries()) {
    const f = `extattr.attrs[${i}]`;
    if (!isObject(attr) || typeof attr.name !== 'string' || attr.name === '')
      return v(Errcode.InvalidParameter, f, 'each attribute needs a name');
    if (attr.type === 0) {
      const text = attr.text;
      if (!isObject(text) || typeof text.value !== 'string') return v(Errcode.InvalidParameter, f, 'text attribute needs text.value');
      if (charLength(text.value) > LIMITS.extattrTextMaxChars)
        return v(Errcode.InvalidParameter, f, `text value must be at most ${LIMITS.extattrTextMaxChars} characters`);
    } else if (attr.type === 1) {
      const web = attr.web;
      if (!isObject(web) || typeof web.url !== 'string' || typeof web.title !== 'string')
        return v(Errcode.InvalidParameter, f, 'web attribute needs web.url and web.title');
      if (charLength(web.title) > LIMITS.extattrWebTitleMaxChars)
        return v(Errcode.InvalidParameter, f, `web title must be at most ${LIMITS.extattrWebTitleMaxChars} characters`);
      const cleared = web.url === '' && web.title === '';
      if (!cleared && !/^https?:\/\/\S+$/.test(web.url))
        return v(Errcode.InvalidParameter, f, 'web url must start with http:// or https://');
    } else if (attr.type === 2 && limitsOf(o).extattrMiniprogram) {
      const mp = attr.miniprogram;
      if (!isObject(mp) || typeof mp.appid !== 'string' || typeof mp.pagepath !== 'string' || typeof mp.title !== 'string')
        return v(Errcode.InvalidParameter, f, 'mini program attribute needs miniprogram.appid, .pagepath and .title');
    } else {
      const types = limitsOf(o).extattrMiniprogram ? '0 (text), 1 (web) or 2 (mini program)' : '0 (text) or 1 (web)';
      return v(Errcode.InvalidParameter, f, `attribute type must be ${types}`);
    }
  }
  return null;
}

const MEMBER_WRITABLE_FIELDS = [
  'name', 'alias', 'mobile', 'department', 'order', 'position', 'gender', 'email', 'biz_mail', 'telephone',
  'is_leader_in_dept', 'direct_leader', 'avatar_mediaid', 'enable', 'extattr', 'external_position', 'address',
  'main_department', 'external_profile', 'nickname',
];
const MEMBER_CREATE_FIELDS = new Set(['userid', 'to_invite', ...MEMBER_WRITABLE_FIELDS]);
const MEMBER_UPDATE_FIELDS = new Set(['userid', 'new_userid', 'biz_mail_alias', ...MEMBER_WRITABLE_FIELDS]);

function checkMemberCommon(body: Record<string, unknown>, o: RuleOptions | undefined): RuleViolation | null {
  const lim = limitsOf(o);
  if (body.name !== undefined) {
    if (typeof body.name !== 'string' || body.name.trim() === '' || charLength(body.name) > LIMITS.memberNameMaxChars)
      return v(Errcode.UserNameInvalid, 'name', `name must be 1–${LIMITS.memberNameMaxChars} characters`);
  }
  if (body.alias !== undefined) {
    if (typeof body.alias !== 'string' || charLength(body.alias) > lim.aliasMaxChars)
      return v(Errcode.InvalidParameter, 'alias', `alias must be at most ${lim.aliasMaxChars} characters`);
  }
  if (body.mobile !== undefined) {
    if (typeof body.mobile !== 'string') return v(Errcode.MobileInvalid, 'mobile', 'mobile must be a string');
    if (body.mobile !== '') {
      const bad = checkMobile(body.mobile, o);
      if (bad) return bad;
    }
  }
  for (const field of ['email', 'biz_mail'] as const) {
    const value = body[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') return checkEmail(field, '');
    if (value !== '') {
      const bad = checkEmail(field, value);
      if (bad) return bad;
    }
  }
  const dept = body.department;
  if (dept !== undefined) {
    if (!Array.isArray(dept)) return v(Errcode.MissingDepartment, 'department', 'department must be an array of department ids');
    if (dept.length === 0) return v(Errcode.InvalidDepartmentList, 'department', 'department may not be empty');
    if (dept.length > lim.departmentsPerMember)
      return v(Errcode.TooManyDepartments, 'department', `a member may belong to at most ${lim.departmentsPerMember} departments`);
    if (!dept.every((d) => isInt(d) && d >= 1 && d <= LIMITS.int32Max))
      return v(Errcode.InvalidDepartmentList, 'department', 'department ids must be positive integers');
    if (new Set(dept).size !== dept.length) return v(Errcode.InvalidDepartmentList, 'department', 'department ids must be distinct');
  }
  // WeCom uses order only together with department; without it the current documentation ignores it
  if (body.order !== undefined && (dept !== undefined || lim.orderWithoutDepartment === 'refused')) {
    if (!Array.isArray(body.order) || !body.order.every(isUint32))
      return v(Errcode.InvalidParameter, 'order', 'order must be an array of integers in [0, 2^32)');
    if (!Array.isArray(dept) || body.order.length !== dept.length)
      return v(Errcode.InvalidParameter, 'order', 'order must be sent with department and have the same length');
  }
  if (body.is_leader_in_dept !== undefined) {
    const leaders = body.is_leader_in_dept;
    if (!Array.isArray(leaders) || !leaders.every((x) => x === 0 || x === 1))
      return v(Errcode.InvalidParameter, 'is_leader_in_dept', 'is_leader_in_dept must be an array of 0/1');
    if (Array.isArray(dept) && leaders.length !== dept.length)
      return v(Errcode.LeaderSizeMismatch, 'is_leader_in_dept', 'is_leader_in_dept must have as many elements as department');
  }
  if (body.position !== undefined) {
    if (typeof body.position !== 'string' || charLength(body.position) > LIMITS.positionMaxChars)
      return v(Errcode.PositionInvalid, 'position', `position must be at most ${LIMITS.positionMaxChars} characters`);
  }
  if (body.gender !== undefined && body.gender !== '1' && body.gender !== '2' && !(lim.integerGender && (body.gender === 1 || body.gender === 2)))
    return v(Errcode.InvalidParameter, 'gender', `gender must be ${lim.integerGender ? '1 or "1"' : 'the string "1"'} (male) or ${lim.integerGender ? '2 or "2"' : '"2"'} (female)`);
  if (body.telephone !== undefined) {
    const t = body.telephone;
    if (typeof t !== 'string' || byteLength(t) > LIMITS.telephoneMaxBytes || (t !== '' && !TELEPHONE_RE.test(t)))
      return v(Errcode.TelephoneInvalid, 'telephone', `telephone must be digits, + - , and at most ${LIMITS.telephoneMaxBytes} bytes`);
  }
  if (body.direct_leader !== undefined) {
    const dl = body.direct_leader;
    if (!Array.isArray(dl) || !dl.every((x) => typeof x === 'string'))
      return v(Errcode.InvalidParameter, 'direct_leader', 'direct_leader must be an array of userids');
    if (dl.length > LIMITS.directLeaderMax)
      return v(Errcode.InvalidParameter, 'direct_leader', `at most ${LIMITS.directLeaderMax} direct leaders`);
  }
  if (body.avatar_mediaid !== undefined && typeof body.avatar_mediaid !== 'string')
    return v(Errcode.AvatarMediaInvalid, 'avatar_mediaid', 'avatar_mediaid must be a media id');
  if (body.enable !== undefined && body.enable !== 0 && body.enable !== 1)
    return v(Errcode.InvalidParameter, 'enable', 'enable must be 0 or 1');
  if (body.extattr !== undefined) {
    const bad = checkExtattr(body.extattr, o);
    if (bad) return bad;
  }
  if (body.external_position !== undefined) {
    if (typeof body.external_position !== 'string' || charLength(body.external_position) > LIMITS.externalPositionMaxChars)
      return v(Errcode.InvalidParameter, 'external_position', `external_position must be at most ${LIMITS.externalPositionMaxChars} characters`);
  }
  if (body.address !== undefined) {
    if (typeof body.address !== 'string' || charLength(body.address) > LIMITS.addressMaxChars)
      return v(Errcode.InvalidParameter, 'address', `address must be at most ${LIMITS.addressMaxChars} characters`);
  }
  if (body.main_department !== undefined) {
    if (!isInt(body.main_department) || body.main_department < 1)
      return v(Errcode.InvalidParameter, 'main_department', 'main_department must be a department id');
    if (Array.isArray(dept) && !dept.includes(body.main_department))
      return v(Errcode.InvalidParameter, 'main_department', 'main_department must be one of department');
  }
  return null;
}

export function checkMemberCreate(body: unknown, o?: RuleOptions): RuleViolation | null {
  if (!isObject(body)) return v(Errcode.InvalidParameter, 'body', 'body must be a JSON object');
  const unknown = unknownField(body, MEMBER_CREATE_FIELDS, o);
  if (unknown) return unknown;
  const badId = checkUserid('userid', body.userid, o);
  if (badId) return badId;
  if (body.name === undefined) return v(Errcode.UserNameInvalid, 'name', 'name is required');
  if (body.department === undefined) return v(Errcode.MissingDepartment, 'department', 'department is required');
  if (body.to_invite !== undefined && typeof body.to_invite !== 'boolean')
    return v(Errcode.InvalidParameter, 'to_invite', 'to_invite must be a boolean');
  const bad = checkMemberCommon(body, o);
  if (bad) return bad;
  if (!body.mobile && !body.email) return v(Errcode.MobileAndEmailEmpty, 'mobile', 'mobile and email may not both be empty');
  return null;
}

export function checkMemberUpdate(body: unknown, o?: RuleOptions): RuleViolation | null {
  if (!isObject(body)) return v(Errcode.InvalidParameter, 'body', 'body must be a JSON object');
  const unknown = unknownField(body, MEMBER_UPDATE_FIELDS, o);
  if (unknown) return unknown;
  const badId = checkUserid('userid', body.userid, o);
  if (badId) return badId;
  if (body.new_userid !== undefined) {
    const bad = checkUserid('new_userid', body.new_userid, o);
    if (bad) return bad;
  }
  return checkMemberCommon(body, o);
}

export function checkBatchDelete(body: unknown): RuleViolation | null {
  if (!isObject(body)) return v(Errcode.InvalidParameter, 'body', 'body must be a JSON object');
  const list = body.useridlist;
  if (!Array.isArray(list) || list.length === 0) return v(Errcode.InvalidUseridList, 'useridlist', 'useridlist must be a non-empty array');
  if (list.length > LIMITS.batchDeleteMax)
    return v(Errcode.UseridListTooLong, 'useridlist', `at most ${LIMITS.batchDeleteMax} userids per call`);
  if (!list.every((u) => typeof u === 'string' && u !== '')) return v(Errcode.InvalidUseridList, 'useridlist', 'userids must be strings');
  return null;
}

export function checkListId(body: unknown): RuleViolation | null {
  if (!isObject(body)) return v(Errcode.InvalidParameter, 'body', 'body must be a JSON object');
  if (body.cursor !== undefined && typeof body.cursor !== 'string') return v(Errcode.InvalidCursor, 'cursor', 'cursor must be a string');
  if (body.limit !== undefined && !(isInt(body.limit) && body.limit >= 1 && body.limit <= LIMITS.listIdMaxLimit))
    return v(Errcode.InvalidParameter, 'limit', `limit must be an integer in 1..${LIMITS.listIdMaxLimit}`);
  return null;
}

export function checkGetUseridByMobile(body: unknown): RuleViolation | null {
  if (!isObject(body) || typeof body.mobile !== 'string') return v(Errcode.InvalidParameter, 'mobile', 'mobile is required');
  const n = byteLength(body.mobile);
  if (n < 5 || n > 32) return v(Errcode.InvalidParameter, 'mobile', 'mobile must be 5–32 bytes');
  return null;
}

export function checkGetUseridByEmail(body: unknown): RuleViolation | null {
  if (!isObject(body) || typeof body.email !== 'string') return v(Errcode.InvalidParameter, 'email', 'email is required');
  if (body.email_type !== undefined && body.email_type !== 1 && body.email_type !== 2)
    return v(Errcode.InvalidParameter, 'email_type', 'email_type must be 1 (corporate) or 2 (personal)');
  return checkEmail('email', body.email);
}
