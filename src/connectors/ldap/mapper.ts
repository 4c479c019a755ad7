// From LDAP entries to what the directory should hold. Pure.
//
// - An organizational unit becomes an organization named after its RDN value (`ou=研发中心` →
//   研发中心), placed under the nearest OU above it (by DN), or at the source's parent
//   organization. So everything about organizations comes from the DN and the key alone.
// - A user entry becomes an account through the source's field expressions (the mapping
//   language), evaluated over the entry: an attribute name gives its first value (`mail`),
//   `values.<attr>[n]` the n-th of a multi-valued one; binary attributes are canonical text
//   (objectGUID as 8-4-4-4-12, objectSid as S-1-…). The account's organization is its nearest OU.
// - Identity is the server's stable key (entryUUID / objectGUID), never the DN.
// - AD: userAccountControl bit 2 (ACCOUNTDISABLE) → a disabled account.
import { type CodedText, type TextParams, clause, coded } from '../../messages/index.js';
import { normalizeMobile } from '../../domain/account.js';
import { type CompiledExpression, ExpressionError, compile } from '../../mapping/expression/index.js';
import { dnKey, leafValue } from './dn.js';
import { FIELD_NAMES, FLAVOR_DEFAULTS, type LdapField, type LdapSettings, effectiveFields } from './settings.js';
import { type RawEntry, first, values } from './values.js';

export type AccountValues = Record<LdapField, string | null> & { username: string; displayName: string };

export interface MappedAccount {
  key: string;
  dn: string;
  fields: AccountValues;
  enabled: boolean;
  /** The manager's DN as the entry names it (resolved to an account by the planner). */
  managerDn: string | null;
  /** modifyTimestamp (OpenLDAP) or uSNChanged (AD): the delta high-water mark candidates. */
  stamp: string | null;
}

/** A bad entry: skipped and reported with its DN. */
export interface EntryError {
  dn: string;
  message: string;
  /** The message's code and params (src/messages), for saying it in another language. */
  code?: string;
  params?: TextParams;
}

export type MapResult = { ok: true; account: MappedAccount } | { ok: false; error: EntryError };

const ACCOUNTDISABLE = 2;

/** The stable key of an entry in canonical text (lower-case), or null. */
export function entryKey(entry: RawEntry, keyAttribute: string): string | null {
  return first(entry, keyAttribute)?.toLowerCase() ?? null;
}

/** An organization's name: the leaf RDN's value, within the directory's rules (no "/", at most 64 characters). */
export function organizationName(dn: string): string {
  return [...leafValue(dn).replaceAll('/', '／').replace(/[\u0000-\u001f\u007f]/g, ' ').trim()].slice(0, 64).join('').trim();
}

/** A plain attribute name expression (`uid`) names the attribute in "missing" messages. */
const PLAIN = /^[A-Za-z][A-Za-z0-9-]*$/;

/** A source's field expressions, compiled once. */
export class LdapMapping {
  private readonly fields: Record<LdapField, CompiledExpression>;
  private readonly sources: Record<LdapField, string>;
  readonly keyAttribute: string;
  readonly stampAttribute: string;
  readonly managerAttribute: string;
  /** Attribute names the expressions read (for the search's attribute list). */
  readonly attributes: string[];

  constructor(private readonly settings: Pick<LdapSettings, 'flavor' | 'fields'>) {
    this.sources = effectiveFields(settings as LdapSettings);
    this.fields = Object.fromEntries(FIELD_NAMES.map((f) => [f, compile(this.sources[f])])) as Record<LdapField, CompiledExpression>;
    const d = FLAVOR_DEFAULTS[settings.flavor];
    this.keyAttribute = d.keyAttribute;
    this.stampAttribute = d.stampAttribute;
    this.managerAttribute = d.managerAttribute;
    const read = new Set<string>();
    for (const f of FIELD_NAMES)
      for (const p of this.fields[f].pathSegments) {
        if (p[0] === 'values' && typeof p[1] === 'string') read.add(p[1]);
        else if (typeof p[0] === 'string') read.add(p[0]);
      }
    this.attributes = [...new Set([...read, d.keyAttribute, d.stampAttribute, d.managerAttribute, ...(settings.flavor === 'ad' ? ['userAccountControl'] : [])])].sort();
  }

  /** The expression context: each attribute an expression reads → its first value; `values` → all values. */
  private context(entry: RawEntry, expr: CompiledExpression): Record<string, unknown> {
    const ctx: Record<string, unknown> = {};
    for (const p of expr.pathSegments) {
      const root = p[0];
      if (typeof root !== 'string') continue;
      if (root === 'values' && typeof p[1] === 'string') {
        const all = (ctx.values ??= {}) as Record<string, string[]>;
        all[p[1]] = values(entry, p[1]);
      } else ctx[root] = first(entry, root);
    }
    return ctx;
  }

  private evaluate(entry: RawEntry, field: LdapField): string | null {
    const expr = this.fields[field];
    let v: unknown;
    try {
      v = expr.evaluate(this.context(entry, expr));
    } catch (err) {
      if (err instanceof ExpressionError) return null;
      throw err;
    }
    if (v === null || v === undefined) return null;
    const s = (typeof v === 'string' ? v : String(v)).trim();
    return s === '' ? null : s;
  }

  mapAccount(entry: RawEntry): MapResult {
    const bad = (text: CodedText): MapResult => ({ ok: false, error: { dn: entry.dn, ...text } });
    const key = entryKey(entry, this.keyAttribute);
    if (key === null) return bad(coded('row.ldap-key-missing', { attribute: this.keyAttribute }));
    const out = {} as Record<LdapField, string | null>;
    for (const f of FIELD_NAMES) out[f] = this.evaluate(entry, f);
    const missing = (f: 'username' | 'displayName'): CodedText =>
      PLAIN.test(this.sources[f]) ? coded('row.ldap-attribute-missing', { attribute: this.sources[f], field: f }) : coded('row.ldap-expression-empty', { field: f, expression: this.sources[f] });
    if (out.username === null) return bad(missing('username'));
    if (out.displayName === null) return bad(missing('displayName'));
    if (out.mobile !== null) {
      const m = normalizeMobile(out.mobile);
      if (!m.ok) return bad(coded('row.ldap-mobile', { detail: clause(m.error) }));
      out.mobile = m.value;
    }
    const uac = Number(first(entry, 'userAccountControl') ?? '0');
    const enabled = this.settings.flavor !== 'ad' || !(Number.isFinite(uac) && (uac & ACCOUNTDISABLE) !== 0);
    return {
      ok: true,
      account: {
        key,
        dn: entry.dn,
        fields: out as AccountValues,
        enabled,
        managerDn: first(entry, this.managerAttribute),
        stamp: first(entry, this.stampAttribute),
      },
    };
  }
}

/** Generalized time (`20261207180102Z`, `20261207180102.5Z`) and USNs compare as text of equal shape; this orders either. */
export function laterStamp(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) >= BigInt(b) ? a : b;
  return a >= b ? a : b;
}

export { dnKey };
