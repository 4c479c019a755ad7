// A connection: one WeCom company to sync into (the seed's "pre-integrated application").
// Plain types, defaults and the pure field validation; storage and secrets live in src/connections.
import { X509Certificate } from 'node:crypto';
import { ProxyConfigError, parseProxyList } from '../wecom/transport/proxy-pool.js';
import { parseBudgetWindow } from '../wecom/transport/budget-text.js';
import { WECOM_BUDGET, type Budget } from '../wecom/transport/rate-limiter.js';
import { validate as validateExpression } from '../mapping/expression/index.js';
import { type CodedText, type FlatParams, coded } from '../messages/index.js';
import { CONTROL_CHARS, type FieldError, charLength, fieldError } from './common.js';

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
function normaliseApiBase(raw: string): { value: string } | { error: CodedText<FlatParams> } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { error: coded('invalid.api-base.url') };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { error: coded('invalid.api-base.https') };
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return { error: coded('invalid.api-base.http-loopback') };
  if (url.username || url.password) return { error: coded('invalid.api-base.credentials') };
  if (url.search || url.hash) return { error: coded('invalid.api-base.query') };
  return { value: `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}` };
}

/** Splits and checks a PEM bundle: every block must be a certificate Node can parse. */
function checkCaPem(pem: string): CodedText<FlatParams> | null {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks || blocks.length === 0) return coded('invalid.pem.no-block');
  for (const [i, b] of blocks.entries()) {
    try {
      new X509Certificate(b);
    } catch {
      return coded('invalid.pem.unparsable', { n: i + 1 });
    }
  }
  return null;
}

function checkText(errors: FieldError[], field: string, value: unknown, max: number): value is string {
  if (typeof value !== 'string' || value.trim() === '') {
    errors.push(fieldError(field, 'invalid.required'));
    return false;
  }
  if (charLength(value) > max) {
    errors.push(fieldError(field, 'invalid.too-long', { max }));
    return false;
  }
  if (CONTROL_CHARS.test(value)) {
    errors.push(fieldError(field, 'invalid.control-chars'));
    return false;
  }
  return true;
}

/** Checks a secret without ever quoting it. */
export function checkSecretValue(field: string, value: unknown): FieldError | null {
  if (typeof value !== 'string' || value === '') return fieldError(field, 'invalid.required');
  if (value.length > 1024) return fieldError(field, 'invalid.too-long', { max: 1024 });
  if (/[\s\u0000-\u001f\u007f]/.test(value)) return fieldError(field, 'invalid.secret-chars');
  return null;
}

function checkExtattrs(errors: FieldError[], list: unknown): ExtAttrConfig[] {
  if (!Array.isArray(list)) {
    errors.push(fieldError('extattrs', 'invalid.not-list'));
    return [];
  }
  const out: ExtAttrConfig[] = [];
  const seen = new Set<string>();
  list.forEach((raw: unknown, i) => {
    const field = `extattrs[${i}]`;
    if (typeof raw !== 'object' || raw === null) {
      errors.push(fieldError(field, 'invalid.extattr-shape'));
      return;
    }
    const e = raw as Record<string, unknown>;
    if (!checkText(errors, `${field}.name`, e.name, 64)) return;
    const name = (e.name as string).trim();
    if (e.type !== 'text' && e.type !== 'web') {
      errors.push(fieldError(`${field}.type`, 'invalid.extattr-type'));
      return;
    }
    const key = name.toLowerCase();
    if (seen.has(key)) {
      errors.push(fieldError(`${field}.name`, 'invalid.extattr-twice', { name }));
      return;
    }
    seen.add(key);
    const item: ExtAttrConfig = { name, type: e.type };
    if (e.expression !== undefined && e.expression !== null) {
      if (typeof e.expression !== 'string' || e.expression.trim() === '') {
        errors.push(fieldError(`${field}.expression`, 'invalid.expression-empty'));
        return;
      }
      const problem = validateExpression(e.expression);
      if (problem) {
        errors.push(fieldError(`${field}.expression`, 'invalid.expression', { detail: problem.message }));
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
    errors.push(fieldError('policies', 'invalid.not-object'));
    return out;
  }
  const pick = <T extends string>(field: keyof ConnectionPolicies, allowed: readonly T[], v: unknown): T | undefined => {
    if (v === undefined) return undefined;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    errors.push(fieldError(`policies.${field}`, 'invalid.one-of', { allowed: allowed.join(', ') }));
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
      else errors.push(fieldError('policies.safety.maxDeletes', 'invalid.whole-number-range', { min: 0, max: 1_000_000 }));
    }
    if (s.maxDeletePercent !== undefined) {
      if (typeof s.maxDeletePercent === 'number' && Number.isFinite(s.maxDeletePercent) && s.maxDeletePercent >= 0 && s.maxDeletePercent <= 100)
        out.safety.maxDeletePercent = s.maxDeletePercent;
      else errors.push(fieldError('policies.safety.maxDeletePercent', 'invalid.number-range', { min: 0, max: 100 }));
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
    if (checkText(errors, 'name', patch.name, 64)) {
      const name = (patch.name as string).trim();
      if (ID_LIKE_RE.test(name)) errors.push(fieldError('name', 'invalid.connection-name-id-like'));
      s.name = name;
    }
  }
  if (!base || has('corpId')) {
    const v = typeof patch.corpId === 'string' ? patch.corpId.trim() : patch.corpId;
    if (typeof v !== 'string' || v === '') errors.push(fieldError('corpId', 'invalid.corpid-required'));
    else if (!CORPID_RE.test(v)) errors.push(fieldError('corpId', 'invalid.corpid'));
    else s.corpId = v;
  }
  if (!base || has('rootDepartmentId')) {
    if (isPositiveInt32(patch.rootDepartmentId)) s.rootDepartmentId = patch.rootDepartmentId;
    else errors.push(fieldError('rootDepartmentId', 'invalid.root-department'));
  }
  if (has('defaultDepartmentId') || (patch.defaultDepartmentId === null && 'defaultDepartmentId' in patch)) {
    const v = patch.defaultDepartmentId;
    if (v === null) s.defaultDepartmentId = null;
    else if (isPositiveInt32(v)) s.defaultDepartmentId = v;
    else errors.push(fieldError('defaultDepartmentId', 'invalid.default-department'));
  }
  if (has('extattrs')) s.extattrs = checkExtattrs(errors, patch.extattrs);
  if (has('proxies')) {
    try {
      s.proxies = parseProxyList(patch.proxies).map((p) => p.key);
    } catch (err) {
      if (!(err instanceof ProxyConfigError)) throw err;
      errors.push(err.text ? { field: 'proxies', ...err.text } : { field: 'proxies', message: err.message });
    }
  }
  if ('proxyUsername' in patch && patch.proxyUsername !== undefined) {
    const u = patch.proxyUsername;
    if (u === null || u === '') s.proxyUsername = null;
    else if (typeof u !== 'string' || u.length > 256 || /[\s:\u0000-\u001f\u007f]/.test(u))
      errors.push(fieldError('proxyUsername', 'invalid.proxy-username'));
    else s.proxyUsername = u;
  }
  if (has('apiBase')) {
    const r = typeof patch.apiBase === 'string' ? normaliseApiBase(patch.apiBase) : { error: coded('invalid.api-base.url') };
    if ('error' in r) errors.push({ field: 'apiBase', ...r.error });
    else s.apiBase = r.value;
  }
  if ('caPem' in patch && patch.caPem !== undefined) {
    const r = resolvePem(patch.caPem);
    if (typeof r === 'object' && r !== null) errors.push({ field: 'caPem', ...r.error });
    else s.caPem = r;
  }
  if ('proxyCaPem' in patch && patch.proxyCaPem !== undefined) {
    const r = resolvePem(patch.proxyCaPem);
    if (typeof r === 'object' && r !== null) errors.push({ field: 'proxyCaPem', ...r.error });
    else s.proxyCaPem = r;
  }
  if (s.proxyCaPem !== null && !s.proxies.some((p) => p.startsWith('https://')) && !errors.some((e) => e.field === 'proxies'))
    errors.push(fieldError('proxyCaPem', 'invalid.proxy-ca-without-https'));
  if ('rateBudget' in patch && patch.rateBudget !== undefined) {
    const r = checkRateBudget(patch.rateBudget);
    if (r !== null && 'error' in r) errors.push({ field: 'rateBudget', ...r.error });
    else s.rateBudget = r;
  }
  if (has('rateSharePercent')) {
    const v = patch.rateSharePercent;
    if (typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 100) s.rateSharePercent = v;
    else errors.push(fieldError('rateSharePercent', 'invalid.rate-share'));
  }
  if (has('scope')) {
    const roots = patch.scope?.organizationRoots;
    if (roots !== undefined) {
      if (!Array.isArray(roots) || roots.some((r) => typeof r !== 'string' || r.trim() === ''))
        errors.push(fieldError('scope.organizationRoots', 'invalid.organization-id-list'));
      else s.scope = { organizationRoots: [...new Set(roots.map((r) => r.trim()))] };
    }
  }
  if (has('policies')) s.policies = checkPolicies(errors, s.policies, patch.policies);
  if ('mapping' in patch && patch.mapping !== undefined) {
    const m = patch.mapping;
    if (m === null) s.mapping = null;
    else if (typeof m !== 'object' || Array.isArray(m)) errors.push(fieldError('mapping', 'invalid.mapping-shape'));
    else s.mapping = JSON.parse(JSON.stringify(m)) as unknown;
  }
  return { settings: s, errors };
}

/** PEM text → normalised, null → cleared, or why it cannot be used. */
function resolvePem(v: unknown): string | null | { error: CodedText<FlatParams> } {
  if (v === null || v === '') return null;
  const problem = typeof v === 'string' ? checkCaPem(v) : coded('invalid.pem.no-block');
  return problem ? { error: problem } : (v as string).trim() + '\n';
}

/** A budget override: windows or their text (`200/1s,2000/30s`), null = WeCom's documented budget. */
function checkRateBudget(v: unknown): Budget[] | null | { error: CodedText<FlatParams> } {
  if (v === null || v === '') return null;
  const windows: Budget[] = [];
  const items: unknown[] = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : [v];
  for (const item of items) {
    const w = typeof item === 'string' ? parseBudgetWindow(item, 60_000) : (item as Budget);
    if (typeof w !== 'object' || w === null || 'error' in w)
      return { error: typeof item === 'string' ? coded('invalid.rate-budget.syntax', { value: item.trim() }) : coded('invalid.rate-budget.shape') };
    if (!Number.isInteger(w.count) || w.count < 1 || w.count > 1e9 || typeof w.windowMs !== 'number' || !(w.windowMs >= 1) || w.windowMs > 86_400_000)
      return { error: coded('invalid.rate-budget.window') };
    windows.push({ count: w.count, windowMs: w.windowMs });
  }
  if (windows.length === 0 || windows.length > 3) return { error: coded('invalid.rate-budget.count') };
  if (new Set(windows.map((w) => w.windowMs)).size !== windows.length) return { error: coded('invalid.rate-budget.twice') };
  return windows.sort((a, b) => a.windowMs - b.windowMs);
}

/**
 * The per-API budget the connection's client keeps: its override or WeCom's documented windows,
 * each scaled to the connection's share (at least one call per window).
 */
export function connectionBudget(c: Pick<Connection, 'rateBudget' | 'rateSharePercent'>): Budget[] {
  return (c.rateBudget ?? WECOM_BUDGET).map((w) => ({ count: Math.max(1, Math.floor((w.count * c.rateSharePercent) / 100)), windowMs: w.windowMs }));
}

/** Advice that does not block saving, with its code for a client to word it in its own language. */
export function corpIdAdvice(corpId: string): CodedText[] {
  return USUAL_CORPID_RE.test(corpId) ? [] : [coded('warning.corpid-unusual', { corpId })];
}

/** That advice in English (the CLI, the API's `warnings`). */
export function corpIdWarnings(corpId: string): string[] {
  return corpIdAdvice(corpId).map((a) => a.message);
}
