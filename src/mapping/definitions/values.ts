// Turning expression results into WeCom field values. Each coercion returns the value, ABSENT for
// "no value" (null, "", white space only), or a TypeProblem describing why the result cannot be
// that field. Only the rules the mapping layer must guarantee are checked here (userid form,
// department names, numbers); WeCom's other field rules (lengths, mobile and e-mail forms) are
// checked by the WeCom client before sending, from the one table in src/wecom/rules/ that the
// mapping layer may not import.
import type { Value } from '../expression/index.js';

export const ABSENT = Symbol('absent');
export class TypeProblem {
  constructor(readonly message: string) {}
}

export type Coerced<T> = T | typeof ABSENT | TypeProblem;

/**
 * WeCom limits the mapping layer relies on: those of WeCom's current documentation (mirrors the
 * current reading in src/wecom/rules/fields.ts). The mapping never refuses what WeCom accepts; where
 * an older reading was stricter it only warns (departmentNameSafeChars), and WeCom's answer decides.
 */
export const WECOM = {
  useridMaxBytes: 64,
  departmentNameMaxChars: 64,
  /** names longer than this are refused by WeCom's older limit (60001): allowed, with a warning */
  departmentNameSafeChars: 32,
  departmentsPerMember: 100,
  directLeaderMax: 5,
  uint32Max: 2 ** 32 - 1,
  int32Max: 2 ** 31 - 1,
} as const;

export const USERID_RE = /^[A-Za-z0-9][A-Za-z0-9_.@-]*$/;
const DEPARTMENT_NAME_FORBIDDEN = /[\\:*?"<>|]/;

const describe = (v: Value): string => (typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v) : `${typeof v} ${String(v)}`);

export function asText(v: Value): Coerced<string> {
  if (v === null) return ABSENT;
  if (typeof v === 'string') return v.trim() === '' ? ABSENT : v;
  if (typeof v === 'number') return String(v);
  return new TypeProblem(`must be text, not ${describe(v)}`);
}

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');
const charLength = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

export function asUserid(v: Value): Coerced<string> {
  const t = asText(v);
  if (typeof t !== 'string') return t;
  if (byteLength(t) > WECOM.useridMaxBytes) return new TypeProblem(`${describe(t)} is longer than ${WECOM.useridMaxBytes} bytes`);
  if (!USERID_RE.test(t)) return new TypeProblem(`${describe(t)} is not a WeCom userid (letters, digits, _ . - @ and starting with a letter or digit)`);
  return t;
}

export function asDepartmentName(v: Value): Coerced<string> {
  const t = asText(v);
  if (typeof t !== 'string') return t;
  const n = charLength(t);
  if (n > WECOM.departmentNameMaxChars) return new TypeProblem(`${describe(t)} is longer than ${WECOM.departmentNameMaxChars} characters`);
  if (DEPARTMENT_NAME_FORBIDDEN.test(t)) return new TypeProblem(`${describe(t)} contains one of \\ : * ? " < > |, which WeCom refuses`);
  return t;
}

/** An integer in [min, max]; numeric text ("12") is accepted. */
export function asInteger(v: Value, min: number, max: number): Coerced<number> {
  if (v === null || (typeof v === 'string' && v.trim() === '')) return ABSENT;
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) return new TypeProblem(`must be a whole number from ${min} to ${max}, not ${describe(v)}`);
  return n;
}

export function asGender(v: Value): Coerced<'1' | '2'> {
  if (v === null || v === '' || v === 0 || v === '0') return ABSENT;
  if (v === 1 || v === '1') return '1';
  if (v === 2 || v === '2') return '2';
  return new TypeProblem(`must be "1" (male), "2" (female) or null, not ${describe(v)}`);
}

export function asEnable(v: Value): Coerced<0 | 1> {
  if (v === null || v === '') return ABSENT;
  if (v === 1 || v === true || v === '1' || v === 'true') return 1;
  if (v === 0 || v === false || v === '0' || v === 'false') return 0;
  return new TypeProblem(`must be 1 or 0 (or true/false), not ${describe(v)}`);
}

export function asBoolean(v: Value): Coerced<boolean> {
  if (v === null || v === '') return ABSENT;
  if (v === true || v === 1 || v === 'true' || v === '1') return true;
  if (v === false || v === 0 || v === 'false' || v === '0') return false;
  return new TypeProblem(`must be true or false, not ${describe(v)}`);
}

/** Filters and leader rules: a boolean; null counts as false (a missing attribute). */
export function asCondition(v: Value): Coerced<boolean> {
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  return new TypeProblem(`must be true or false, not ${describe(v)}`);
}
