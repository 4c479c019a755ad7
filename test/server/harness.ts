// Test harness: the fully wired admin app (auth, audit, metrics) on a fresh store, driven by inject.
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync, InjectOptions, LightMyRequestResponse } from 'fastify';
import { AuditLog } from '../../src/audit/index.js';
import { AuthService, type Role } from '../../src/auth/index.js';
import { ScimEndpoints } from '../../src/connectors/scim/index.js';
import { Sources } from '../../src/connectors/ldap/index.js';
import { SecretBox } from '../../src/connections/crypto.js';
import { Directory } from '../../src/directory/directory.js';
import { type Metrics, createMetrics } from '../../src/observability/metrics.js';
import { buildApp } from '../../src/server/app.js';
import { SESSION_COOKIE } from '../../src/server/cookies.js';
import { type TestBackend, type TestStore, sqliteBackend } from '../store/backends.js';

export const PROBLEM = 'application/problem+json';
export const ADMIN_PASSWORD = 'correct horse battery';
export const VIEWER_PASSWORD = 'viewer password 1';

export interface Harness {
  t: TestStore;
  app: FastifyInstance;
  auth: AuthService;
  auditLog: AuditLog;
  metrics: Metrics;
  adminToken: string;
  viewerToken: string;
  inject(opts: InjectOptions): Promise<LightMyRequestResponse>;
  /** Signs in and returns the session cookie pair (`wecom_sync_session=…`). */
  login(username?: string, password?: string): Promise<string>;
  dispose(): Promise<void>;
}

interface HarnessOptions {
  backend?: TestBackend;
  metricsAccess?: 'public' | 'authenticated';
  routes?: FastifyPluginAsync[];
  bodyLimit?: number;
  trustProxy?: boolean | string;
  logger?: FastifyBaseLogger;
  /** Mount /api/v1/sources with a SecretBox of this key. */
  sourcesKey?: Buffer;
}

export async function harness(opts: HarnessOptions = {}): Promise<Harness> {
  const t = await (opts.backend ?? sqliteBackend).open();
  const auth = new AuthService(t.store);
  const auditLog = new AuditLog(t.store);
  const metrics = createMetrics();
  const admin = await auth.ensureAdmin(ADMIN_PASSWORD);
  if (!admin.created) throw new Error('expected a fresh store');
  await auth.createUser('viewer', VIEWER_PASSWORD, 'viewer');
  const directory = new Directory(t.store);
  const app = buildApp({
    directory,
    scim: new ScimEndpoints(t.store, directory),
    ...(opts.sourcesKey ? { sources: new Sources(directory, SecretBox.fromKey(opts.sourcesKey)) } : {}),
    store: t.store,
    auth,
    auditLog,
    metrics,
    metricsAccess: opts.metricsAccess ?? 'public',
    ...(opts.routes ? { routes: opts.routes } : {}),
    ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}),
    ...(opts.trustProxy ? { trustProxy: opts.trustProxy } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  await app.ready();
  const principal = async (username: string, role: Role) => {
    const u = (await auth.findUser(username))!;
    return { kind: 'user' as const, userId: u.id, username, role };
  };
  const adminToken = (await auth.createToken(await principal('admin', 'admin'), 'ci-admin', 'admin')).token;
  const viewerToken = (await auth.createToken(await principal('viewer', 'viewer'), 'ci-viewer', 'viewer')).token;
  return {
    t,
    app,
    auth,
    auditLog,
    metrics,
    adminToken,
    viewerToken,
    inject: (o) => app.inject(o),
    async login(username = 'admin', password = ADMIN_PASSWORD) {
      const r = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
      if (r.statusCode !== 200) throw new Error(`login failed: ${r.statusCode} ${r.body}`);
      const set = String(r.headers['set-cookie']);
      const m = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(set);
      return `${SESSION_COOKIE}=${m![1]}`;
    },
    async dispose() {
      await app.close();
      await t.dispose();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
