// The connection form's values: empty for a new connection, from the stored connection on edit
// (secrets never come back: their fields start empty), and which fields the form has.
import type { Connection } from '../../api/types';

export const DEFAULT_API_BASE = 'https://qyapi.weixin.qq.com';

export interface FormValues {
  name: string;
  corpId: string;
  secret?: string;
  rootDepartmentId: number | null;
  defaultDepartmentId?: number | null;
  extattrs: { name: string; type: 'text' | 'web'; expression?: string }[];
  /** One host:port per line (commas and spaces also separate). */
  proxies: string;
  proxyUsername?: string;
  proxyPassword?: string;
  clearProxyPassword?: boolean;
  /** CA (PEM) for https:// proxies. */
  proxyCaPem?: string;
  apiBase?: string;
  caPem?: string;
  /** Share (%) of WeCom's per-API budget; empty = 100. */
  rateSharePercent?: number | null;
  /** Budget override as text ("200/1s,2000/30s"); empty = WeCom's documented budget. */
  rateBudget?: string;
  /** The directory organizations whose subtrees are synced; [] = the whole directory. */
  scope: { organizationRoots: string[] };
  /** What a deletion or a disabling in the directory does in WeCom, and the safety threshold. */
  policies: Policies;
}

export type Policies = Connection['policies'] & {
  onAccountDeleted: 'delete' | 'disable' | 'ignore';
  onAccountDisabled: 'disable' | 'delete';
  onOrganizationDeleted: 'delete' | 'keep';
};

/** A new connection's policies: the service's defaults (DEFAULT_POLICIES in src/domain/connection.ts), safe ones. */
export const DEFAULT_POLICIES: Policies = {
  onAccountDeleted: 'disable',
  onAccountDisabled: 'disable',
  onOrganizationDeleted: 'delete',
  safety: { maxDeletes: 50, maxDeletePercent: 20 },
};

const FORM_FIELDS = new Set([
  'name', 'corpId', 'secret', 'rootDepartmentId', 'defaultDepartmentId', 'extattrs', 'proxies', 'proxyUsername', 'proxyPassword',
  'proxyCaPem', 'apiBase', 'caPem', 'rateSharePercent', 'rateBudget', 'scope', 'policies',
]);
/** The fields in the collapsed "Advanced" section. */
export const ADVANCED_FIELDS = new Set(['proxyCaPem', 'apiBase', 'caPem', 'rateSharePercent', 'rateBudget']);

/** Budget windows as the form (and `--rate-budget`) write them: "200/1s,2000/30s", "10000/1m,150000/1h". */
export const budgetText = (windows: { count: number; windowMs: number }[] | null): string =>
  (windows ?? [])
    .map(({ count, windowMs: w }) => `${count}/${w % 3_600_000 === 0 ? `${w / 3_600_000}h` : w % 60_000 === 0 ? `${w / 60_000}m` : w % 1000 === 0 ? `${w / 1000}s` : `${w}ms`}`)
    .join(',');

/** Whether the form shows a field at this error path (an extattrs row only while it is in the form). */
export function formHas(p: (string | number)[], extattrCount: number): boolean {
  const top = String(p[0]);
  if (!FORM_FIELDS.has(top)) return false;
  if (top === 'extattrs' && p.length > 1) return typeof p[1] === 'number' && p[1] < extattrCount;
  return true;
}

export const emptyValues = (): FormValues => ({
  name: '',
  corpId: '',
  secret: '',
  rootDepartmentId: 1,
  defaultDepartmentId: null,
  extattrs: [],
  proxies: '',
  proxyUsername: '',
  proxyPassword: '',
  proxyCaPem: '',
  apiBase: DEFAULT_API_BASE,
  caPem: '',
  rateSharePercent: 100,
  rateBudget: '',
  scope: { organizationRoots: [] },
  policies: { ...DEFAULT_POLICIES, safety: { ...DEFAULT_POLICIES.safety } },
});

export const fromConnection = (c: Connection): FormValues => ({
  name: c.name,
  corpId: c.corpId,
  secret: '',
  rootDepartmentId: c.rootDepartmentId,
  defaultDepartmentId: c.defaultDepartmentId,
  extattrs: c.extattrs.map((a) => ({ name: a.name, type: a.type, expression: a.expression ?? '' })),
  proxies: c.proxies.join('\n'),
  proxyUsername: c.proxyUsername ?? '',
  proxyPassword: '',
  clearProxyPassword: false,
  proxyCaPem: c.proxyCaPem ?? '',
  apiBase: c.apiBase,
  caPem: c.caPem ?? '',
  rateSharePercent: c.rateSharePercent,
  rateBudget: budgetText(c.rateBudget),
  scope: { organizationRoots: [...c.scope.organizationRoots] },
  policies: { ...(c.policies as Policies), safety: { ...c.policies.safety } },
});
