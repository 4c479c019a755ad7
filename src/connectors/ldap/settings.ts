// An LDAP source's settings: where the server is, what to read, how entries become accounts and
// organizations, and when a pull is held. Plain data (the `sources.settings` JSON column, no
// secrets: the bind password is stored encrypted beside it), defaults per server flavour, and
// validation.
import { type FieldError, fieldError } from '../../domain/common.js';
import { validate as validateExpression } from '../../mapping/expression/index.js';

/** OpenLDAP (and other RFC 4512 servers with entryUUID/modifyTimestamp) or Active Directory. */
export type Flavor = 'openldap' | 'ad';
export const FLAVORS: readonly Flavor[] = ['openldap', 'ad'];

/** The account fields an entry maps to, each an expression of the mapping language over the entry. */
export const FIELD_NAMES = ['username', 'displayName', 'mobile', 'email', 'telephone', 'title', 'employeeNumber'] as const;
export type LdapField = (typeof FIELD_NAMES)[number];

interface FlavorDefaults {
  /** The server's stable key of an entry: the identity of what it becomes. */
  keyAttribute: string;
  /** What a delta pull polls. */
  stampAttribute: string;
  userFilter: string;
  orgFilter: string;
  fields: Readonly<Record<LdapField, string>>;
  managerAttribute: string;
}

export const FLAVOR_DEFAULTS: Readonly<Record<Flavor, FlavorDefaults>> = Object.freeze({
  openldap: {
    keyAttribute: 'entryUUID',
    stampAttribute: 'modifyTimestamp',
    // people only: service accounts (account/simpleSecurityObject) and groups are not inetOrgPerson
    userFilter: '(objectClass=inetOrgPerson)',
    orgFilter: '(objectClass=organizationalUnit)',
    fields: { username: 'uid', displayName: 'cn', mobile: 'mobile', email: 'mail', telephone: 'telephoneNumber', title: 'title', employeeNumber: 'employeeNumber' },
    managerAttribute: 'manager',
  },
  ad: {
    keyAttribute: 'objectGUID',
    stampAttribute: 'uSNChanged',
    // people, not computers (objectClass=user too) nor contacts
    userFilter: '(&(objectCategory=person)(objectClass=user))',
    orgFilter: '(objectClass=organizationalUnit)',
    fields: {
      username: 'sAMAccountName',
      displayName: 'coalesce(displayName, cn)',
      mobile: 'coalesce(mobile, telephoneNumber)',
      email: 'mail',
      telephone: 'telephoneNumber',
      title: 'title',
      employeeNumber: 'employeeID',
    },
    managerAttribute: 'manager',
  },
});

export interface SafetySettings {
  /** A pull may delete or disable at most this fraction of the accounts (and organizations) the source owns … */
  maxFraction: number;
  /** … or this many, whichever is larger; beyond that it is held. An empty search result is always held while the source owns anything. */
  minimum: number;
}

export const DEFAULT_SAFETY: Readonly<SafetySettings> = Object.freeze({ maxFraction: 0.1, minimum: 5 });

export interface LdapSettings {
  flavor: Flavor;
  /** ldap://host[:port] or ldaps://host[:port] */
  url: string;
  /** ldap:// upgraded with StartTLS before the bind. */
  startTls: boolean;
  /** PEM of the CA that signed the server's certificate (ldaps:// or StartTLS); null = the system's CAs. */
  ca: string | null;
  /** '' = anonymous bind. */
  bindDn: string;
  baseDn: string;
  /** null = the flavour's default. */
  userFilter: string | null;
  orgFilter: string | null;
  /** The organizations the source creates for top-level OUs go under this one; null = top level. Entries outside every OU go here too. */
  parentOrganizationId: string | null;
  /** Expressions overriding the flavour's default fields. */
  fields: Partial<Record<LdapField, string>>;
  /** Entries per page of a paged search. */
  pageSize: number;
  safety: SafetySettings;
  /** Pull every this many minutes while the service runs; null = only on demand. */
  intervalMinutes: number | null;
}

export const SOURCE_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

export function effectiveFields(s: LdapSettings): Record<LdapField, string> {
  return { ...FLAVOR_DEFAULTS[s.flavor].fields, ...s.fields };
}

export function userFilterOf(s: LdapSettings): string {
  return s.userFilter ?? FLAVOR_DEFAULTS[s.flavor].userFilter;
}

export function orgFilterOf(s: LdapSettings): string {
  return s.orgFilter ?? FLAVOR_DEFAULTS[s.flavor].orgFilter;
}

/** A filter is parenthesised and balanced (the server checks the rest). */
function filterProblem(f: string): 'invalid.ldap-filter-parens' | 'invalid.ldap-filter-unbalanced' | null {
  const t = f.trim();
  if (!t.startsWith('(') || !t.endsWith(')')) return 'invalid.ldap-filter-parens';
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '\\') i++;
    else if (t[i] === '(') depth++;
    else if (t[i] === ')' && --depth < 0) break;
  }
  return depth === 0 ? null : 'invalid.ldap-filter-unbalanced';
}

/** Stateless checks of the settings. */
export function checkSettings(s: LdapSettings): FieldError[] {
  const errors: FieldError[] = [];
  if (!FLAVORS.includes(s.flavor)) errors.push(fieldError('flavor', 'invalid.one-of', { allowed: FLAVORS.join(', ') }));
  let url: URL | null = null;
  try {
    url = new URL(s.url);
  } catch {
    errors.push(fieldError('url', 'invalid.ldap-url'));
  }
  if (url) {
    if (url.protocol !== 'ldap:' && url.protocol !== 'ldaps:') errors.push(fieldError('url', 'invalid.ldap-scheme'));
    else if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.username !== '' || url.password !== '')
      errors.push(fieldError('url', 'invalid.ldap-url-extra'));
    if (s.startTls && url.protocol === 'ldaps:') errors.push(fieldError('startTls', 'invalid.ldap-starttls'));
  }
  if (s.baseDn.trim() === '') errors.push(fieldError('baseDn', 'invalid.required'));
  for (const [field, f] of [['userFilter', s.userFilter], ['orgFilter', s.orgFilter]] as const) {
    const p = f === null ? null : filterProblem(f);
    if (p) errors.push(fieldError(field, p));
  }
  for (const [k, v] of Object.entries(s.fields)) {
    if (!(FIELD_NAMES as readonly string[]).includes(k)) errors.push(fieldError(`fields.${k}`, 'invalid.not-account-field', { fields: FIELD_NAMES.join(', ') }));
    else if (v !== undefined) {
      const err = validateExpression(v);
      if (err) errors.push({ field: `fields.${k}`, message: err.format() });
    }
  }
  if (s.ca !== null && !s.ca.includes('-----BEGIN CERTIFICATE-----')) errors.push(fieldError('ca', 'invalid.pem.no-block'));
  if (!Number.isInteger(s.pageSize) || s.pageSize < 1 || s.pageSize > 5000) errors.push(fieldError('pageSize', 'invalid.whole-number-range', { min: 1, max: 5000 }));
  if (!(s.safety.maxFraction >= 0 && s.safety.maxFraction <= 1)) errors.push(fieldError('safety.maxFraction', 'invalid.number-range', { min: 0, max: 1 }));
  if (!Number.isInteger(s.safety.minimum) || s.safety.minimum < 0) errors.push(fieldError('safety.minimum', 'invalid.whole-number-min', { min: 0 }));
  if (s.intervalMinutes !== null && (!Number.isInteger(s.intervalMinutes) || s.intervalMinutes < 1 || s.intervalMinutes > 10_080))
    errors.push(fieldError('intervalMinutes', 'invalid.interval-minutes'));
  return errors;
}

/** Settings from defaults and what the operator gave. */
export function withDefaults(given: Partial<LdapSettings> & Pick<LdapSettings, 'url' | 'baseDn'>): LdapSettings {
  return {
    flavor: given.flavor ?? 'openldap',
    url: given.url,
    startTls: given.startTls ?? false,
    ca: given.ca ?? null,
    bindDn: given.bindDn ?? '',
    baseDn: given.baseDn,
    userFilter: given.userFilter ?? null,
    orgFilter: given.orgFilter ?? null,
    parentOrganizationId: given.parentOrganizationId ?? null,
    fields: given.fields ?? {},
    pageSize: given.pageSize ?? 500,
    safety: { ...DEFAULT_SAFETY, ...given.safety },
    intervalMinutes: given.intervalMinutes ?? null,
  };
}
