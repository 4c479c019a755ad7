// Shapes of the connection, demo and test answers of /api/v1 used by the connection pages
// (Connections, ConnectionForm). Field errors on forms: ./formErrors.
import type { Explanation } from '../i18n';

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
  /** Stored secrets the service's key cannot decrypt (it was lost or changed): enter them again. */
  unreadableSecrets: ('secret' | 'proxyPassword')[];
  version: number;
  createdAt: string;
  updatedAt: string;
  warnings?: string[];
  /** Set on the demo connection (GET /demo). */
  demo?: boolean;
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
