// Fixtures for the connection, mapping, sync and object-status routes: the harness app with those routes on its own store
// (a Connections with a fresh SecretBox, a SyncPipeline wired like the CLI's), and the simulator
// over HTTPS with its self-signed CA.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { Connections, SecretBox } from '../../src/connections/index.js';
import { Directory } from '../../src/directory/directory.js';
import { connectionRoutes } from '../../src/server/routes/connections.js';
import { mappingRoutes } from '../../src/server/routes/mapping.js';
import { objectRoutes } from '../../src/server/routes/objects.js';
import { syncRoutes } from '../../src/server/routes/sync.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { SyncPipeline } from '../../src/sync/index.js';
import { createWeComClient } from '../../src/wecom/index.js';
import { type TestStore, sqliteBackend } from '../store/backends.js';
import { type Harness, bearer, harness } from './harness.js';

export const CORP = { corpid: 'wwroutes0000000001', secret: 'routes-secret-0123456789abcdef' };
export const PROXY_PASSWORD = 'proxy-pass-SHOULD-NOT-LEAK-42';

export interface SyncEnv {
  h: Harness;
  sim: RunningSimulator;
  connections: Connections;
  sync: SyncPipeline;
  admin: Record<string, string>;
  viewer: Record<string, string>;
  /** The app listening on loopback (real HTTP, for polling: each poll yields to the event loop). */
  url: string;
  close(): Promise<void>;
}

export async function syncEnv(): Promise<SyncEnv> {
  const sim = await startSimulator({ port: 0, corps: [{ corpid: CORP.corpid, secret: CORP.secret }] });
  let t: TestStore | undefined;
  let connections!: Connections;
  let sync!: SyncPipeline;
  const box = SecretBox.fromKey(randomBytes(32));
  const h = await harness({
    backend: {
      ...sqliteBackend,
      open: async () => {
        t = await sqliteBackend.open();
        connections = new Connections(t.store, box);
        sync = new SyncPipeline({
          store: t.store,
          directory: new Directory(t.store),
          connections,
          clientFactory: (o) => createWeComClient({ ...o, retry: { baseDelayMs: 2, maxDelayMs: 10 } }),
        });
        return t;
      },
    },
    // resolved at registration (app.ready inside harness), after the store above is open
    routes: [
      async (api) => {
        await api.register(connectionRoutes({ connections, testOptions: { client: { retry: { baseDelayMs: 2, maxDelayMs: 10 } } } }));
      },
      async (api) => {
        await api.register(mappingRoutes({ connections, directory: sync.directory }));
      },
      async (api) => {
        await api.register(syncRoutes({ sync, connections, closeService: true }));
      },
      async (api) => {
        await api.register(objectRoutes({ sync, connections }));
      },
    ],
  });
  const url = await h.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    h,
    sim,
    url,
    connections,
    sync,
    admin: bearer(h.adminToken),
    viewer: bearer(h.viewerToken),
    async close() {
      await h.dispose();
      await sim.close();
    },
  };
}

export function connectionBody(env: SyncEnv, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'acme',
    corpId: CORP.corpid,
    secret: CORP.secret,
    rootDepartmentId: 1,
    apiBase: env.sim.url,
    caPem: env.sim.caPem,
    policies: { onAccountDeleted: 'delete', safety: { maxDeletes: 1000, maxDeletePercent: 100 } },
    ...over,
  };
}

/** No response body or audit entry may contain a secret's text. */
export async function expectNoSecrets(env: SyncEnv, bodies: string[]): Promise<void> {
  const audit = JSON.stringify((await env.h.auditLog.list({ limit: 500 })).items);
  for (const text of [...bodies, audit]) {
    expect(text).not.toContain(CORP.secret);
    expect(text).not.toContain(PROXY_PASSWORD);
  }
}

/** Every route of the given list: 401 without credentials, 403 for a viewer on admin routes. */
export async function expectAccess(env: SyncEnv, routes: Array<{ method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; admin: boolean }>): Promise<void> {
  for (const r of routes) {
    const payload = r.method === 'POST' || r.method === 'PATCH' ? {} : undefined;
    const none = await env.h.inject({ method: r.method, url: r.url, ...(payload ? { payload } : {}) });
    expect(none.statusCode, `${r.method} ${r.url} anonymous`).toBe(401);
    expect(none.headers['content-type']).toContain('application/problem+json');
    if (r.admin) {
      const v = await env.h.inject({ method: r.method, url: r.url, headers: env.viewer, ...(payload ? { payload } : {}) });
      expect(v.statusCode, `${r.method} ${r.url} viewer`).toBe(403);
    }
  }
}
