// Shapes of the connection, demo and mapping answers of /api/v1 used by the connection pages
// (Connections, ConnectionForm, Mapping), and a helper putting 422 field errors on antd forms.
import type { FieldError } from '../api';

export interface ExtAttr {
  name: string;
  type: 'text' | 'web';
  expression?: string;
}

export interface Connection {
  id: string;
  name: string;
  corpId: string;
  rootDepartmentId: number;
  defaultDepartmentId: number | null;
  extattrs: ExtAttr[];
  proxies: string[];
  proxyUsername: string | null;
  apiBase: string;
  caPem: string | null;
  scope: { organizationRoots: string[] };
  policies: unknown;
  hasSecret: boolean;
  hasProxyPassword: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
  warnings?: string[];
  /** Set on the demo connection (GET /demo). */
  demo?: boolean;
}

export interface Explanation {
  en: string;
  zh: string;
}

export type CheckStatus = 'ok' | 'failed' | 'warning' | 'skipped';

export interface TestResult {
  ok: boolean;
  checks: { name: string; status: CheckStatus; message: Explanation; errcode?: number; route?: string; egressIp?: string }[];
  route: string | null;
  egressIp: string | null;
  routes: { route: string; healthy: boolean; lastError: string | null; egressIp: string | null }[];
}

export interface DemoStatus {
  state: 'available' | 'active' | 'unavailable';
  reason?: string;
  connection?: { id: string; name: string };
  organizations?: number;
  accounts?: number;
}

/** `extattrs[0].name`, `extattrs.0.name`, `members.mobile` → an antd form name path. */
export function fieldPath(field: string): (string | number)[] {
  return field
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((s) => s !== '')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * Split 422 field errors into those a form shows under a field (`known` says whether the form
 * has it) and the rest (shown above the form).
 */
export function splitFieldErrors(
  errors: FieldError[],
  known: (path: (string | number)[]) => boolean,
): { fields: { name: (string | number)[]; errors: string[] }[]; rest: FieldError[] } {
  const byField = new Map<string, { name: (string | number)[]; errors: string[] }>();
  const rest: FieldError[] = [];
  for (const e of errors) {
    const name = fieldPath(e.field);
    if (!known(name)) {
      rest.push(e);
      continue;
    }
    const key = JSON.stringify(name);
    const entry = byField.get(key) ?? { name, errors: [] };
    entry.errors.push(e.message);
    byField.set(key, entry);
  }
  return { fields: [...byField.values()], rest };
}
