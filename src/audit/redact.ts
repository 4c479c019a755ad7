// What the audit log (and anything else stored or shown) may keep of a value.
//
// Secrets: any key that looks like a secret (secret, password, token, key, authorization, cookie,
// credential) has its value replaced, at any depth, and values that look like our own credentials
// (`wst_…` API tokens, `wsc_…` SCIM tokens) are replaced too. Secrets are never recorded.
//
// Personal data (the audit policy, README "Audit log"): the contact fields of a person — mobile,
// telephone, e-mail, business e-mail, address — and the values of custom attributes (which may hold
// anything: an ID number, a birthday) are recorded masked: `138****5678`, `a***@example.com`,
// `北***`. Enough to tell that and roughly how a value changed, not enough to read it back.

const REDACTED = '[redacted]';

const SECRET_KEY = /secret|passw(or)?d|token|key|authori[sz]ation|cookie|credential/i;
const SECRET_VALUE = /^ws[tc]_/;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 20) return REDACTED;
  if (typeof value === 'string') return SECRET_VALUE.test(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = isSecretKey(k) ? REDACTED : redactSecrets(v, depth + 1);
    return out;
  }
  return value;
}

const PHONE_FIELDS = new Set(['mobile', 'telephone']);
const EMAIL_FIELDS = new Set(['email', 'biz_mail', 'bizMail']);
const OTHER_PERSONAL_FIELDS = new Set(['address']);

/** A field (`mobile`, `attributes.id_card`, `extattr.生日`) whose values are personal data. */
export function isPersonalField(field: string): boolean {
  const base = field.split('.')[0]!;
  return PHONE_FIELDS.has(base) || EMAIL_FIELDS.has(base) || OTHER_PERSONAL_FIELDS.has(base) || base === 'attributes' || base === 'extattr';
}

/** A masked personal value: a phone keeps its first 3 and last 4 characters, an e-mail its first letter and domain, anything else its first character. */
export function maskPersonal(field: string, value: unknown): unknown {
  if (value === null || value === undefined || value === '') return value ?? null;
  if (Array.isArray(value)) return value.map((v) => maskPersonal(field, v));
  const s = String(value);
  const chars = [...s];
  const base = field.split('.')[0]!;
  if (PHONE_FIELDS.has(base)) return chars.length > 7 ? `${chars.slice(0, 3).join('')}****${chars.slice(-4).join('')}` : '****';
  if (EMAIL_FIELDS.has(base)) {
    const at = s.lastIndexOf('@');
    if (at > 0) return `${[...s.slice(0, at)][0]}***${s.slice(at)}`;
  }
  return chars.length > 1 ? `${chars[0]}***` : '***';
}
