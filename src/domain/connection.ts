// A connection: one WeCom company to sync into (the seed's "pre-integrated application").
// Plain types, defaults and the pure field validation; storage and secrets live in src/connections.
import { X509Certificate } from 'node:crypto';
import { ProxyConfigError, parseProxyList } from '../wecom/transport/proxy-pool.js';
import { parseBudgetWindow } from '../wecom/transport/budget-text.js';
import { WECOM_BUDGET, type Budget } from '../wecom/transport/rate-limiter.js';
import { validate as validateExpression } from '../mapping/expression/index.js';
import { CONTROL_CHARS, type FieldError, charLength } from './common.js';

const DEFAULT_API_BASE = 'https://qyapi.weixin.qq.com';

export type OnAccountDeleted = 'delete' | 'disable' | 'ignore';
export type OnAccountDisabled = 'disable' | 'delete';
export type OnOrganizationDeleted = 'delete' | 'keep';
export const ON_ACCOUNT_DELETED: readonly OnAccountDeleted[] = ['delete', 'disable', 'ignore'];
export const ON_ACCOUNT_DISABLED: readonly OnAccountDisabled[] = ['disable', 'delete'];
export const ON_ORGANIZATION_DELETED: readonly OnOrganizationDeleted[] = ['delete', 'keep'];

export interface SafetyThreshold {
  /** A run that would delete or disable more than this many WeCom objects stops before writing. */
  maxDeletes: number;
  /** …or more than this percentage (0–100) of the linked objects of that type. */
  maxDeletePercent: number;
}

export interface ConnectionPolicies {
  onAccountDeleted: OnAccountDeleted;
  onAccountDisabled: OnAccountDisabled;
  onOrganizationDeleted: OnOrganizationDeleted;
  safety: SafetyThreshold;
}

/**
 * Safe by default:
 * - a deleted account disables its member (`enable=0`) rather than deleting it: a disabled member
 *   keeps chat history and can be re-enabled if the deletion was a mistake (a re-hire, a bad import);
 * - a disabled account disables its member, the reversible choice;
 * - a deleted organization deletes its department — WeCom only deletes empty departments, so
 *   members are moved out first and nothing but the empty shell goes;
 * - a run that would delete or disable more than 50 objects or 20 % of them stops for review, so
 *   one bad import cannot wipe a company's contacts.
 */
export const DEFAULT_POLICIES: Readonly<ConnectionPolicies> = Object.freeze({
  onAccountDeleted: 'disable',
  onAccountDisabled: 'disable',
  onOrganizationDeleted: 'delete',
  safety: Object.freeze({ maxDeletes: 50, maxDeletePercent: 20 }),
});

export type ExtAttrType = 'text' | 'web';
export interface ExtAttrConfig {
  /** The extended attribute's name as configured in the WeCom admin console. */
  name: string;
  type: ExtAttrType;
  /** Mapping-language expression computing the value; absent = not mapped here (see the mapping definition). */
  expression?: string;
}

export interface ConnectionScope {
  /** Directory organization ids whose subtrees are synced; [] = the whole directory. */
  organizationRoots: string[];
}

export interface Connection {
  id: string;
  name: string;
  corpId: string;
  rootDepartmentId: number;
  defaultDepartmentId: number | null;
  extattrs: ExtAttrConfig[];
  /** Ordered `host:port` (HTTP CONNECT) or `https://host:port` (CONNECT inside TLS) list; [] = direct. */
  proxies: string[];
  proxyUsername: string | null;
  /** Extra CA (PEM) trusted for the certificates of `https://` proxies. */
  proxyCaPem: string | null;
  apiBase: string;
  /** Extra CA (PEM) trusted for the API base's certificate (the simulator, a TLS-inspecting gateway). */
  caPem: string | null;
  /**
   * WeCom's per-API budget for the company, one window or several (all kept); null = the documented
   * 10,000 per minute and 150,000 per hour. An advanced override, e.g. for a simulator in tests.
   */
  rateBudget: Budget[] | null;
  /** The share (in %, above 0, at most 100) of that budget this connection may use: other applications of the company spend the same budget. */
  rateSharePercent: number;
  scope: ConnectionScope;
  policies: ConnectionPolicies;
  /** A MappingDefinition JSON (owned by src/mapping/definitions); null = the default definition. */
  mapping: unknown | null;
  hasSecret: boolean;
  hasProxyPassword: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** What `create` takes. Secrets are plaintext here and never leave the service again. */
export interface ConnectionInput {
  name: string;
  corpId: string;
  secret: string;
  rootDepartmentId: number;
  defaultDepartmentId?: number | null;
  extattrs?: ExtAttrConfig[];
  /** `"host:port,host:port"` or a list; parsed by the WeCom client's parseProxyList. */
  proxies?: string | string[];
  proxyUsername?: string | null;
  proxyPassword?: string | null;
  proxyCaPem?: string | null;
  apiBase?: string;
  caPem?: string | null;
  /** windows, or `"200/1s,2000/30s"`; null = WeCom's documented budget */
  rateBudget?: Budget[] | string | null;
  rateSharePercent?: number;
  scope?: Partial<ConnectionScope>;
  policies?: Partial<Omit<ConnectionPolicies, 'safety'>> & { safety?: Partial<SafetyThreshold> };
  mapping?: unknown | null;
}

/** What `update` takes: absent = keep, null = clear (for optional fields). */
export type ConnectionPatch = Partial<ConnectionInput>;

/** The non-secret settings after defaults and normalisation, ready to store. */
export type ConnectionSettings = Omit<Connection, 'id' | 'hasSecret' | 'hasProxyPassword' | 'version' | 'createdAt' | 'updatedAt'>;

const INT32_MAX = 2 ** 31 - 1;
/** Any non-empty run of letters and digits is accepted (see corpIdWarnings for the usual shape). */
const CORPID_RE = /^[A-Za-z0-9]{1,64}$/;
/** WeCom corpids seen in practice: `ww` (or the older `wx`) + 16 lower-case hex digits. */
const USUAL_CORPID_RE = /^w[wx][0-9a-f]{16}$/;
const ID_LIKE_RE = /^con_[0-9a-z]{26}$/;

function isPositiveInt32(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= INT32_MAX;
}

const isLoopbackHost = (host: string): boolean =>
  host === 'localhost' || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host) || host === '[::1]';

/** Normalises an API base URL, or explains why it cannot be used. */
function normaliseApiBase(raw: string): { value: string } | { error: string } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { error: 'must be a URL such as https://qyapi.weixin.qq.com' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { error: 'must be an https:// URL' };
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
    return { error: 'must use https:// (plain http:// is allowed only for localhost / loopback addresses, e.g. a local simulator)' };
  if (url.username || url.password) return { error: 'may not contain credentials' };
  if (url.search || url.hash) return { error: 'may not contain a query or fragment' };
  return { value: `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}` };
}

/** Splits and checks a PEM bundle: every block must be a certificate Node can parse. */
function checkCaPem(pem: string): string | null {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks || blocks.length === 0) return 'must be PEM text with at least one "-----BEGIN CERTIFICATE-----" block';
  for (const [i, b] of blocks.entries()) {
    try {
      new X509Certificate(b);
    } catch {
      return `certificate #${i + 1} of the PEM text cannot be parsed`;
    }
  }
  return null;
}

function checkText(errors: FieldError[], field: string, value: unknown, max: number, what: string): value is string {
  if (typeof value !== 'string' || value.trim() === '') {
    errors.push({ field, message: `${what} is required` });
    return false;
  }
  if (charLength(value) > max) {
    errors.push({ field, message: `${what} may have at most ${max} characters` });
    return false;
  }
  if (CONTROL_CHARS.test(value)) {
    errors.push({ field, message: `${what} may not contain control characters` });
    return false;
  }
  return true;
}

/** Checks a secret without ever quoting it. */
export function checkSecretValue(field: string, value: unknown, what: string): FieldError | null {
  if (typeof value !== 'string' || value === '') return { field, message: `${what} is required (it may not be empty)` };
  if (value.length > 1024) return { field, message: `${what} is too long (at most 1024 characters)` };
  if (/[\s\u0000-\u001f\u007f]/.test(value)) return { field, message: `${what} may not contain spaces, line breaks or control characters` };
  return null;
}

function checkExtattrs(errors: FieldError[], list: unknown): ExtAttrConfig[] {
  if (!Array.isArray(list)) {
    errors.push({ field: 'extattrs', message: 'must be a list' });
    return [];
  }
  const out: ExtAttrConfig[] = [];
  const seen = new Set<string>();
  list.forEach((raw: unknown, i) => {
    const field = `extattrs[${i}]`;
    if (typeof raw !== 'object' || raw === null) {
      errors.push({ field, message: 'must be an object with name and type' });
      return;
    }
    const e = raw as Record<string, unknown>;
    if (!checkText(errors, `${field}.name`, e.name, 64, 'the extended attribute name')) return;
    const name = (e.name as string).trim();
    if (e.type !== 'text' && e.type !== 'web') {
      errors.push({ field: `${field}.type`, message: 'must be "text" or "web"' });
      return;
    }
    const key = name.toLowerCase();
    if (seen.has(key)) {
      errors.push({ field: `${field}.name`, message: `extended attribute "${name}" is listed twice` });
      return;
    }
    seen.add(key);
    const item: ExtAttrConfig = { name, type: e.type };
    if (e.expression !== undefined && e.expression !== null) {
      if (typeof e.expression !== 'string' || e.expression.trim() === '') {
        errors.push({ field: `${field}.expression`, message: 'must be a non-empty expression' });
        return;
      }
      const problem = validateExpression(e.expression);
      if (problem) {
        errors.push({ field: `${field}.expression`, message: `invalid expression: ${problem.message}` });
        return;
      }
      item.expression = e.expression;
    }
    out.push(item);
  });
  return out;
}

function checkPolicies(errors: FieldError[], base: ConnectionPolicies, p: ConnectionInput['policies']): ConnectionPolicies {
  const out: ConnectionPolicies = { ...base, safety: { ...base.safety } };
  if (p === undefined) return out;
  if (typeof p !== 'object' || p === null) {
    errors.push({ field: 'policies', message: 'must be an object' });
    return out;
  }
  const pick = <T extends string>(field: keyof ConnectionPolicies, allowed: readonly T[], v: unknown): T | undefined => {
    if (v === undefined) return undefined;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    errors.push({ field: `policies.${field}`, message: `must be one of ${allowed.join(', ')}` });
    return undefined;
  };
  out.onAccountDeleted = pick('onAccountDeleted', ON_ACCOUNT_DELETED, p.onAccountDeleted) ?? out.onAccountDeleted;
  out.onAccountDisabled = pick('onAccountDisabled', ON_ACCOUNT_DISABLED, p.onAccountDisabled) ?? out.onAccountDisabled;
  out.onOrganizationDeleted = pick('onOrganizationDeleted', ON_ORGANIZATION_DELETED, p.onOrganizationDeleted) ?? out.onOrganizationDeleted;
  const s = p.safety;
  if (s !== undefined) {
    if (s.maxDeletes !== undefined) {
      if (typeof s.maxDeletes === 'number' && Number.isInteger(s.maxDeletes) && s.maxDeletes >= 0 && s.maxDeletes <= 1_000_000)
        out.safety.maxDeletes = s.maxDeletes;
      else errors.push({ field: 'policies.safety.maxDeletes', message: 'must be a whole number from 0 to 1000000' });
    }
    if (s.maxDeletePercent !== undefined) {
      if (typeof s.maxDeletePercent === 'number' && Number.isFinite(s.maxDeletePercent) && s.maxDeletePercent >= 0 && s.maxDeletePercent <= 100)
        out.safety.maxDeletePercent = s.maxDeletePercent;
      else errors.push({ field: 'policies.safety.maxDeletePercent', message: 'must be a number from 0 to 100' });
    }
  }
  return out;
}

/**
 * Applies a patch (or a full input, over `base` = null) and checks every field. Returns the
 * normalised settings and field-level errors; messages never contain a secret.
 * Database-dependent checks (unique name, scope organizations exist) are the service's.
 */
export function resolveSettings(base: ConnectionSettings | null, patch: ConnectionPatch): { settings: ConnectionSettings; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const has = (k: keyof ConnectionPatch): boolean => Object.prototype.hasOwnProperty.call(patch, k) && patch[k] !== undefined;
  const s: ConnectionSettings = base
    ? { ...base, extattrs: [...base.extattrs], proxies: [...base.proxies], rateBudget: base.rateBudget?.map((w) => ({ ...w })) ?? null, scope: { organizationRoots: [...base.scope.organizationRoots] }, policies: { ...base.policies, safety: { ...base.policies.safety } } }
    : {
        name: '',
        corpId: '',
        rootDepartmentId: 0,
        defaultDepartmentId: null,
        extattrs: [],
        proxies: [],
        proxyUsername: null,
        proxyCaPem: null,
        apiBase: DEFAULT_API_BASE,
        caPem: null,
        rateBudget: null,
        rateSharePercent: 100,
        scope: { organizationRoots: [] },
        policies: { ...DEFAULT_POLICIES, safety: { ...DEFAULT_POLICIES.safety } },
        mapping: null,
      };

  if (!base || has('name')) {
    if (checkText(errors, 'name', patch.name, 64, 'the name')) {
      const name = (patch.name as string).trim();
      if (ID_LIKE_RE.test(name)) errors.push({ field: 'name', message: 'may not look like a connection id (con_…)' });
      s.name = name;
    }
  }
  if (!base || has('corpId')) {
    const v = typeof patch.corpId === 'string' ? patch.corpId.trim() : patch.corpId;
    if (typeof v !== 'string' || v === '') errors.push({ field: 'corpId', message: 'the company ID (corpid) is required' });
    else if (!CORPID_RE.test(v)) errors.push({ field: 'corpId', message: 'the company ID (corpid) must be 1–64 letters and digits, e.g. ww0123456789abcdef' });
    else s.corpId = v;
  }
  if (!base || has('rootDepartmentId')) {
    if (isPositiveInt32(patch.rootDepartmentId)) s.rootDepartmentId = patch.rootDepartmentId;
    else errors.push({ field: 'rootDepartmentId', message: 'the WeCom root department ID must be a positive whole number (the company root is 1)' });
  }
  if (has('defaultDepartmentId') || (patch.defaultDepartmentId === null && 'defaultDepartmentId' in patch)) {
    const v = patch.defaultDepartmentId;
    if (v === null) s.defaultDepartmentId = null;
    else if (isPositiveInt32(v)) s.defaultDepartmentId = v;
    else errors.push({ field: 'defaultDepartmentId', message: 'the default department ID must be a positive whole number' });
  }
  if (has('extattrs')) s.extattrs = checkExtattrs(errors, patch.extattrs);
  if (has('proxies')) {
    try {
      s.proxies = parseProxyList(patch.proxies).map((p) => p.key);
    } catch (err) {
      if (!(err instanceof ProxyConfigError)) throw err;
      errors.push({ field: 'proxies', message: err.message });
    }
  }
  if ('proxyUsername' in patch && patch.proxyUsername !== undefined) {
    const u = patch.proxyUsername;
    if (u === null || u === '') s.proxyUsername = null;
    else if (typeof u !== 'string' || u.length > 256 || /[\s:\u0000-\u001f\u007f]/.test(u))
      errors.push({ field: 'proxyUsername', message: 'the proxy username may not contain ":", spaces or control characters (Basic authentication), at most 256 characters' });
    else s.proxyUsername = u;
  }
  if (has('apiBase')) {
    const r = typeof patch.apiBase === 'string' ? normaliseApiBase(patch.apiBase) : { error: 'must be a URL' };
    if ('error' in r) errors.push({ field: 'apiBase', message: `the API base URL ${r.error}` });
    else s.apiBase = r.value;
  }
  if ('caPem' in patch && patch.caPem !== undefined) {
    const r = resolvePem(patch.caPem);
    if (typeof r === 'object' && r !== null) errors.push({ field: 'caPem', message: `the CA certificate ${r.error}` });
    else s.caPem = r;
  }
  if ('proxyCaPem' in patch && patch.proxyCaPem !== undefined) {
    const r = resolvePem(patch.proxyCaPem);
    if (typeof r === 'object' && r !== null) errors.push({ field: 'proxyCaPem', message: `the proxy CA certificate ${r.error}` });
    else s.proxyCaPem = r;
  }
  if (s.proxyCaPem !== null && !s.proxies.some((p) => p.startsWith('https://')) && !errors.some((e) => e.field === 'proxies'))
    errors.push({ field: 'proxyCaPem', message: 'a proxy CA certificate is set but no https:// proxy is configured' });
  if ('rateBudget' in patch && patch.rateBudget !== undefined) {
    const r = checkRateBudget(patch.rateBudget);
    if (r !== null && 'error' in r) errors.push({ field: 'rateBudget', message: r.error });
    else s.rateBudget = r;
  }
  if (has('rateSharePercent')) {
    const v = patch.rateSharePercent;
    if (typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 100) s.rateSharePercent = v;
    else errors.push({ field: 'rateSharePercent', message: 'the share of the rate budget must be a percentage above 0 and at most 100' });
  }
  if (has('scope')) {
    const roots = patch.scope?.organizationRoots;
    if (roots !== undefined) {
      if (!Array.isArray(roots) || roots.some((r) => typeof r !== 'string' || r.trim() === ''))
        errors.push({ field: 'scope.organizationRoots', message: 'must be a list of organization ids' });
      else s.scope = { organizationRoots: [...new Set(roots.map((r) => r.trim()))] };
    }
  }
  if (has('policies')) s.policies = checkPolicies(errors, s.policies, patch.policies);
  if ('mapping' in patch && patch.mapping !== undefined) {
    const m = patch.mapping;
    if (m === null) s.mapping = null;
    else if (typeof m !== 'object' || Array.isArray(m)) errors.push({ field: 'mapping', message: 'must be a mapping definition object, or null for the default' });
    else s.mapping = JSON.parse(JSON.stringify(m)) as unknown;
  }
  return { settings: s, errors };
}

/** PEM text → normalised, null → cleared, or why it cannot be used. */
function resolvePem(v: unknown): string | null | { error: string } {
  if (v === null || v === '') return null;
  const problem = typeof v === 'string' ? checkCaPem(v) : 'must be PEM text';
  return problem ? { error: problem } : (v as string).trim() + '\n';
}

/** A budget override: windows or their text (`200/1s,2000/30s`), null = WeCom's documented budget. */
function checkRateBudget(v: unknown): Budget[] | null | { error: string } {
  if (v === null || v === '') return null;
  const windows: Budget[] = [];
  const items: unknown[] = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : [v];
  for (const item of items) {
    const w = typeof item === 'string' ? parseBudgetWindow(item, 60_000) : (item as Budget);
    if (typeof w !== 'object' || w === null || 'error' in w) return { error: `the rate budget ${w && 'error' in w ? w.error : 'must be a list of { count, windowMs }'}` };
    if (!Number.isInteger(w.count) || w.count < 1 || w.count > 1e9 || typeof w.windowMs !== 'number' || !(w.windowMs >= 1) || w.windowMs > 86_400_000)
      return { error: 'the rate budget: each window needs a whole count from 1 to 1,000,000,000 and a length from 1 ms to one day' };
    windows.push({ count: w.count, windowMs: w.windowMs });
  }
  if (windows.length === 0 || windows.length > 3) return { error: 'the rate budget has one to three windows, e.g. 10000/60s,150000/1h' };
  if (new Set(windows.map((w) => w.windowMs)).size !== windows.length) return { error: 'the rate budget lists the same window length twice' };
  return windows.sort((a, b) => a.windowMs - b.windowMs);
}

/**
 * The per-API budget the connection's client keeps: its override or WeCom's documented windows,
 * each scaled to the connection's share (at least one call per window).
 */
export function connectionBudget(c: Pick<Connection, 'rateBudget' | 'rateSharePercent'>): Budget[] {
  return (c.rateBudget ?? WECOM_BUDGET).map((w) => ({ count: Math.max(1, Math.floor((w.count * c.rateSharePercent) / 100)), windowMs: w.windowMs }));
}

/** Advice that does not block saving. */
export function corpIdWarnings(corpId: string): string[] {
  return USUAL_CORPID_RE.test(corpId)
    ? []
    : [`company ID "${corpId}" does not look like a WeCom corpid (usually "ww" followed by 16 hex digits); check it under My Company in the WeCom admin console`];
}
