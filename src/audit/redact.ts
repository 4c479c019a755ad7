// Removes secrets from values that are about to be stored or shown: any key that looks like a
// secret (secret, password, token, key, authorization, cookie, credential) has its value replaced,
// at any depth. Values that look like our own credentials (`wst_…` API tokens, `wsc_…` SCIM tokens) are replaced too.

const REDACTED = '[redacted]';

const SECRET_KEY = /secret|passw(or)?d|token|key|authori[sz]ation|cookie|credential/i;
const SECRET_VALUE = /^ws[tc]_/;

function isSecretKey(key: string): boolean {
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
