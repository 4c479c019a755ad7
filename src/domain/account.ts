// Accounts: people in the directory. Plain types and stateless rules (formats, normalisation).
// Rules that need other objects (unique usernames, existing organizations and manager) live in the
// directory service.
import { type CodedText, type FlatParams, coded } from '../messages/index.js';
import { type Attributes, type FieldError, type Status, CONTROL_CHARS, charLength, fieldError } from './common.js';
import { type FieldSpecs, changedFields, detachedList, fieldNames, jsonAttributes, text } from './fields.js';

export type Gender = 'unspecified' | 'male' | 'female';
export const GENDERS: readonly Gender[] = ['unspecified', 'male', 'female'];

export interface Account {
  /** Stable directory id, `acc_` + a time-sortable suffix. */
  id: string;
  externalId: string | null;
  /** Unique case-insensitively; the case given is kept. */
  username: string;
  displayName: string;
  /** Normalised `+CC NATIONAL`, e.g. `+86 13800000000` (see normalizeMobile). */
  mobile: string | null;
  email: string | null;
  telephone: string | null;
  title: string | null;
  gender: Gender;
  employeeNumber: string | null;
  /** Id of another account. */
  managerId: string | null;
  /** One or more organization ids; the primary one is listed first. */
  organizationIds: string[];
  primaryOrganizationId: string;
  status: Status;
  attributes: Attributes;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface AccountFields {
  externalId: string | null;
  username: string;
  displayName: string;
  mobile: string | null;
  email: string | null;
  telephone: string | null;
  title: string | null;
  gender: Gender;
  employeeNumber: string | null;
  managerId: string | null;
  organizationIds: string[];
  /** Defaults to organizationIds[0]; must be one of organizationIds. */
  primaryOrganizationId: string;
  status: Status;
  attributes: Attributes;
}

export type AccountCreate = Pick<AccountFields, 'username' | 'displayName' | 'organizationIds'> &
  Partial<Omit<AccountFields, 'username' | 'displayName' | 'organizationIds'>>;
export type AccountPatch = Partial<AccountFields>;

/** Where each account field is stored and how it converts; the order is the change feed's. */
export const ACCOUNT_FIELD_SPECS = {
  externalId: text('external_id'),
  username: text('username'),
  displayName: text('display_name'),
  mobile: text('mobile'),
  email: text('email'),
  telephone: text('telephone'),
  title: text('title'),
  gender: text('gender'),
  employeeNumber: text('employee_number'),
  managerId: text('manager_id'),
  /** Kept as membership rows, primary first. */
  organizationIds: detachedList(),
  primaryOrganizationId: text('primary_organization_id'),
  status: text('status'),
  attributes: jsonAttributes('attributes'),
} satisfies FieldSpecs<AccountFields>;

/** The account fields a caller may set: the names its change-feed entries list. */
export const ACCOUNT_FIELDS = fieldNames(ACCOUNT_FIELD_SPECS);

/** The names of the fields that differ between an account and new field values. */
export const diffAccount = (before: Account, after: AccountFields): string[] => changedFields(ACCOUNT_FIELD_SPECS, before, after);

const ACCOUNT_LIMITS = {
  usernameMaxChars: 64,
  displayNameMaxChars: 64,
  titleMaxChars: 128,
  telephoneMaxChars: 32,
  employeeNumberMaxChars: 64,
  externalIdMaxChars: 128,
  emailMaxChars: 64,
  organizationsMax: 100,
} as const;

const USERNAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.@-]*$/;
const EMAIL_RE = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
const TELEPHONE_RE = /^[0-9+\-,() ]+$/;

/** The key under which usernames are unique. */
export const usernameKey = (username: string): string => username.toLowerCase();

export function checkUsername(username: unknown, field = 'username'): FieldError | null {
  if (typeof username !== 'string' || username === '') return fieldError(field, 'invalid.required');
  if (charLength(username) > ACCOUNT_LIMITS.usernameMaxChars) return fieldError(field, 'invalid.too-long', { max: ACCOUNT_LIMITS.usernameMaxChars });
  if (!USERNAME_RE.test(username)) return fieldError(field, 'invalid.username-chars');
  return null;
}

export function checkEmail(email: string, field = 'email'): FieldError | null {
  if (email.length > ACCOUNT_LIMITS.emailMaxChars || !EMAIL_RE.test(email))
    return fieldError(field, 'invalid.email', { value: email });
  return null;
}

// Country calling codes recognised when a number is written without a separator after the code
// (`+8613800000000`). With a separator (`+44 7700…`, `+44-7700…`) any 1–4 digit code is accepted.
const KNOWN_COUNTRY_CODES = new Set([
  '1', '7', '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84', '86',
  '90', '91', '92', '93', '94', '95', '98', '212', '234', '254', '351', '352', '353', '358', '852', '853', '855',
  '856', '880', '886', '966', '971', '972', '974',
]);
const DEFAULT_COUNTRY_CODE = '86';
const CN_MOBILE_RE = /^1[3-9]\d{9}$/;

type MobileResult = { ok: true; value: string } | { ok: false; error: CodedText<FlatParams> };

/**
 * Normalises a mobile number to `+CC NATIONAL` (one space, digits only after it), the form WeCom
 * accepts as is. Accepted input: `13800000000` (China assumed), `+86 13800000000`,
 * `+86-138-0000-0000`, `+8613800000000`, `008613800000000`, `(+86) 138 0000 0000`.
 * For +86 the national part must be a mainland mobile (11 digits starting 13–19).
 */
export function normalizeMobile(input: string): MobileResult {
  const raw = input.trim().replace(/^\((\+?\d{1,4})\)\s*/, '$1 ');
  if (raw === '') return { ok: false, error: coded('invalid.empty') };
  const bad = (): MobileResult => ({ ok: false, error: coded('invalid.mobile', { value: input }) });
  if (!/^[+\d][\d\s\-().]*$/.test(raw)) return bad();
  let cc: string;
  let national: string;
  const intl = /^(?:\+|00)(\d{1,4})[\s\-.]+(.*)$/.exec(raw);
  if (intl) {
    cc = intl[1]!;
    national = intl[2]!.replace(/[\s\-().]/g, '');
  } else if (/^(?:\+|00)/.test(raw)) {
    const digits = raw.replace(/^(?:\+|00)/, '').replace(/[\s\-().]/g, '');
    const found = [1, 2, 3].map((n) => digits.slice(0, n)).reverse().find((p) => KNOWN_COUNTRY_CODES.has(p));
    if (!found) return { ok: false, error: coded('invalid.mobile-country-code', { value: input }) };
    cc = found;
    national = digits.slice(found.length);
  } else {
    cc = DEFAULT_COUNTRY_CODE;
    national = raw.replace(/[\s\-().]/g, '');
  }
  if (!/^\d{4,14}$/.test(national) || cc.startsWith('0')) return bad();
  if (cc === '86' && !CN_MOBILE_RE.test(national)) return bad();
  return { ok: true, value: `+${cc} ${national}` };
}

function optionalText(errors: FieldError[], field: string, value: string | null | undefined, max: number): void {
  if (value == null) return;
  if (value.trim() === '') errors.push(fieldError(field, 'invalid.blank'));
  else if (charLength(value) > max) errors.push(fieldError(field, 'invalid.too-long', { max }));
  else if (CONTROL_CHARS.test(value)) errors.push(fieldError(field, 'invalid.control-chars'));
}

/** Stateless checks of account fields. Mobile must already be normalised (see normalizeMobile). */
export function checkAccountFields(f: Partial<AccountFields>): FieldError[] {
  const errors: FieldError[] = [];
  if (f.username !== undefined) {
    const bad = checkUsername(f.username);
    if (bad) errors.push(bad);
  }
  if (f.displayName !== undefined) {
    if (typeof f.displayName !== 'string' || f.displayName.trim() === '') errors.push(fieldError('displayName', 'invalid.required'));
    else optionalText(errors, 'displayName', f.displayName, ACCOUNT_LIMITS.displayNameMaxChars);
  }
  if (f.email != null) {
    const bad = checkEmail(f.email);
    if (bad) errors.push(bad);
  }
  if (f.mobile != null && !/^\+\d{1,4} \d{4,14}$/.test(f.mobile)) errors.push(fieldError('mobile', 'invalid.mobile-not-normalised'));
  if (f.telephone != null) {
    if (!TELEPHONE_RE.test(f.telephone)) errors.push(fieldError('telephone', 'invalid.telephone'));
    else optionalText(errors, 'telephone', f.telephone, ACCOUNT_LIMITS.telephoneMaxChars);
  }
  optionalText(errors, 'title', f.title, ACCOUNT_LIMITS.titleMaxChars);
  optionalText(errors, 'employeeNumber', f.employeeNumber, ACCOUNT_LIMITS.employeeNumberMaxChars);
  optionalText(errors, 'externalId', f.externalId, ACCOUNT_LIMITS.externalIdMaxChars);
  if (f.organizationIds !== undefined) {
    if (f.organizationIds.length === 0) errors.push(fieldError('organizationIds', 'invalid.organizations-none'));
    else if (f.organizationIds.length > ACCOUNT_LIMITS.organizationsMax)
      errors.push(fieldError('organizationIds', 'invalid.organizations-too-many', { max: ACCOUNT_LIMITS.organizationsMax }));
    else if (new Set(f.organizationIds).size !== f.organizationIds.length)
      errors.push(fieldError('organizationIds', 'invalid.organizations-twice'));
  }
  return errors;
}

/** Puts the primary organization first, keeping the others in order. */
export function orderOrganizations(ids: string[], primary: string): string[] {
  return [primary, ...ids.filter((id) => id !== primary)];
}
