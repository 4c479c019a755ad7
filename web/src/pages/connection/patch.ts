// Form values → request bodies: POST /connections for a new connection, and the diff against the
// stored connection → the PATCH body of an edit (nothing changed = an empty body, nothing sent).
import type { Connection, RequestBody } from '../../api/types';
import { DEFAULT_API_BASE, DEFAULT_POLICIES, type Policies, budgetText, type FormValues } from './form';

/** The values of a form that passed its rules (the root department is required). */
export type SubmittedValues = FormValues & { rootDepartmentId: number };
type CreateBody = RequestBody<'/connections', 'post'>;
type PatchBody = RequestBody<'/connections/{name}', 'patch'>;

const parseProxies = (s: string | undefined): string[] =>
  (s ?? '')
    .split(/[\s,;]+/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
const text = (s: string | null | undefined): string | null => {
  const v = (s ?? '').trim();
  return v === '' ? null : v;
};
/** The PEM as typed, without surrounding blank space; null when empty. */
const pem = (s: string | null | undefined): string | null => (s && s.trim() !== '' ? s.trim() + '\n' : null);
const normExtattrs = (list: FormValues['extattrs'] | undefined) =>
  (list ?? []).map((a) => {
    const expression = text(a.expression);
    return { name: (a.name ?? '').trim(), type: a.type ?? 'text', ...(expression !== null ? { expression } : {}) };
  });
/** The scope roots chosen, without duplicates (the order the picker keeps does not matter). */
const scopeRoots = (v: FormValues): string[] => [...new Set(v.scope?.organizationRoots ?? [])];
const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));
type PolicyInput = NonNullable<CreateBody['policies']>;
/** The policies that differ from `base` (only those: the service keeps the others), or null when none does; an emptied number keeps its value. */
function policyChanges(p: Partial<Policies> | undefined, base: Policies): PolicyInput | null {
  const out: PolicyInput = {};
  if (p?.onAccountDeleted && p.onAccountDeleted !== base.onAccountDeleted) out.onAccountDeleted = p.onAccountDeleted;
  if (p?.onAccountDisabled && p.onAccountDisabled !== base.onAccountDisabled) out.onAccountDisabled = p.onAccountDisabled;
  if (p?.onOrganizationDeleted && p.onOrganizationDeleted !== base.onOrganizationDeleted) out.onOrganizationDeleted = p.onOrganizationDeleted;
  const maxDeletes = num(p?.safety?.maxDeletes);
  const maxDeletePercent = num(p?.safety?.maxDeletePercent);
  const safety: NonNullable<PolicyInput['safety']> = {};
  if (maxDeletes !== null && maxDeletes !== base.safety.maxDeletes) safety.maxDeletes = maxDeletes;
  if (maxDeletePercent !== null && maxDeletePercent !== base.safety.maxDeletePercent) safety.maxDeletePercent = maxDeletePercent;
  if (Object.keys(safety).length) out.safety = safety;
  return Object.keys(out).length ? out : null;
}
const num = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The POST body of a new connection: optional fields only when set, the API base only when not the default. */
export function createBody(v: SubmittedValues): CreateBody {
  const body: CreateBody = {
    name: v.name.trim(),
    corpId: v.corpId.trim(),
    secret: (v.secret ?? '').trim(),
    rootDepartmentId: v.rootDepartmentId,
  };
  if (num(v.defaultDepartmentId) !== null) body.defaultDepartmentId = num(v.defaultDepartmentId);
  const extattrs = normExtattrs(v.extattrs);
  if (extattrs.length) body.extattrs = extattrs;
  const proxies = parseProxies(v.proxies);
  if (proxies.length) body.proxies = proxies;
  if (text(v.proxyUsername) !== null) body.proxyUsername = text(v.proxyUsername);
  if (v.proxyPassword) body.proxyPassword = v.proxyPassword;
  const apiBase = text(v.apiBase);
  if (apiBase !== null && apiBase !== DEFAULT_API_BASE) body.apiBase = apiBase;
  if (pem(v.caPem) !== null) body.caPem = pem(v.caPem);
  if (pem(v.proxyCaPem) !== null) body.proxyCaPem = pem(v.proxyCaPem);
  const share = num(v.rateSharePercent) ?? 100;
  if (share !== 100) body.rateSharePercent = share;
  if (text(v.rateBudget) !== null) body.rateBudget = text(v.rateBudget);
  const roots = scopeRoots(v);
  if (roots.length) body.scope = { organizationRoots: roots };
  const policies = policyChanges(v.policies, DEFAULT_POLICIES);
  if (policies) body.policies = policies;
  return body;
}

/**
 * The PATCH body of an edit: only the fields that differ from the stored connection; null clears.
 * An empty secret or proxy password keeps the stored one; "remove the stored proxy password" sends null.
 */
export function patchBody(v: SubmittedValues, c: Connection): PatchBody {
  const body: PatchBody = {};
  const name = v.name.trim();
  if (name !== c.name) body.name = name;
  const corpId = v.corpId.trim();
  if (corpId !== c.corpId) body.corpId = corpId;
  if (v.secret && v.secret.trim() !== '') body.secret = v.secret.trim();
  if (v.rootDepartmentId !== c.rootDepartmentId) body.rootDepartmentId = v.rootDepartmentId;
  if (num(v.defaultDepartmentId) !== c.defaultDepartmentId) body.defaultDepartmentId = num(v.defaultDepartmentId);
  const extattrs = normExtattrs(v.extattrs);
  if (JSON.stringify(extattrs) !== JSON.stringify(normExtattrs(c.extattrs))) body.extattrs = extattrs;
  const proxies = parseProxies(v.proxies);
  if (JSON.stringify(proxies) !== JSON.stringify(c.proxies)) body.proxies = proxies;
  if (text(v.proxyUsername) !== c.proxyUsername) body.proxyUsername = text(v.proxyUsername);
  if (v.proxyPassword) body.proxyPassword = v.proxyPassword;
  else if (v.clearProxyPassword && c.hasProxyPassword) body.proxyPassword = null;
  const apiBase = text(v.apiBase);
  if ((apiBase ?? DEFAULT_API_BASE) !== c.apiBase) body.apiBase = apiBase;
  if (pem(v.caPem) !== (c.caPem ? pem(c.caPem) : null)) body.caPem = pem(v.caPem);
  if (pem(v.proxyCaPem) !== (c.proxyCaPem ? pem(c.proxyCaPem) : null)) body.proxyCaPem = pem(v.proxyCaPem);
  const share = num(v.rateSharePercent) ?? 100;
  if (share !== c.rateSharePercent) body.rateSharePercent = share;
  if ((text(v.rateBudget) ?? '').replace(/\s+/g, '') !== budgetText(c.rateBudget)) body.rateBudget = text(v.rateBudget);
  const roots = scopeRoots(v);
  if (!sameSet(roots, c.scope.organizationRoots)) body.scope = roots.length ? { organizationRoots: roots } : null;
  const policies = policyChanges(v.policies, c.policies as Policies);
  if (policies) body.policies = policies;
  return body;
}
