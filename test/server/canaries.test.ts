// Secret canaries: after a full scenario through the real service — a connection whose secret and
// proxy password are recognisable, reached through a real authenticating proxy; test, plan, apply
// against the simulator; a failed sign-in; audit and status read back — no secret appears in any
// response body, in the log, or anywhere in the store's files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { resolveServeConfig } from '../../src/server/config.js';
import { startService } from '../../src/server/service.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { type RunningTinyproxy, startTinyproxy } from '../helpers/tinyproxy.js';

const CORP = 'wwcanary0000000001';
const CANARY = {
  secret: 'CANARYsecretXq7Zk2Wm9Vt4Lp8Rf3',
  proxyPassword: 'CANARYproxyPw5Hd1Ns6Bg0',
  adminPassword: 'CANARYadminPw8Jc2Ty7',
  wrongPassword: 'CANARYwrongPw3Kv9Qz4',
};

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('secret canaries', () => {
  it('appear in no response, no log line and no byte of the store after a full scenario', async () => {
    const sim: RunningSimulator = await startSimulator({ port: 0, corps: [{ corpid: CORP, secret: CANARY.secret }] });
    cleanup.push(() => sim.close());
    const proxy: RunningTinyproxy = await startTinyproxy({ egress: '127.0.0.1', connectPorts: [sim.port], username: 'sync', password: CANARY.proxyPassword });
    cleanup.push(() => proxy.stop());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-canary-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));

    const log: string[] = [];
    const logger = createLogger({ level: 'trace', destination: new Writable({ write: (c, _e, done) => (log.push(String(c)), done()) }) });
    const config = resolveServeConfig({ port: '0', dataDir: dir }, { WECOM_SYNC_ADMIN_PASSWORD: CANARY.adminPassword, WECOM_SYNC_WORKER: 'off', WECOM_SYNC_DEMO: 'off' });
    const service = await startService(config, { logger, metrics: createMetrics({ defaults: false }), announce: () => {} });
    let closed = false;
    cleanup.push(async () => {
      if (!closed) await service.close();
    });

    const bodies: string[] = [];
    const secrets = new Set(Object.values(CANARY));
    let cookie = '';
    const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
      const r = await fetch(`${service.url}${url}`, {
        method,
        headers: { ...(cookie ? { cookie, 'x-requested-with': 'fetch' } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await r.text();
      bodies.push(`${method} ${url} ${r.status} ${text}`);
      return { status: r.status, text, json: () => JSON.parse(text) as Record<string, unknown>, headers: r.headers };
    };

    // a failed sign-in, then a real one (its cookie and a token become canaries too)
    expect((await call('POST', '/api/v1/auth/login', { username: 'admin', password: CANARY.wrongPassword })).status).toBe(401);
    const login = await call('POST', '/api/v1/auth/login', { username: 'admin', password: CANARY.adminPassword });
    expect(login.status).toBe(200);
    cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    secrets.add(cookie.split('=')[1]!);
    const token = (await call('POST', '/api/v1/tokens', { name: 'ci', role: 'viewer' })).json().token as string;
    bodies.pop(); // the one answer that shows a token, once, by design
    secrets.add(token);

    // a small directory, and the connection through the authenticating proxy
    const org = (await call('POST', '/api/v1/organizations', { name: '研发部' })).json();
    for (const u of ['zhangsan', 'lisi']) expect((await call('POST', '/api/v1/accounts', { username: u, displayName: u, organizationIds: [org.id], email: `${u}@example.com` })).status).toBe(201);
    const created = await call('POST', '/api/v1/connections', {
      name: 'acme',
      corpId: CORP,
      secret: CANARY.secret,
      rootDepartmentId: 1,
      proxies: proxy.address,
      proxyUsername: 'sync',
      proxyPassword: CANARY.proxyPassword,
      apiBase: sim.url,
      caPem: sim.caPem,
    });
    expect(created.status, created.text).toBe(201);
    const tested = await call('POST', '/api/v1/connections/acme/test');
    expect(tested.json().ok, tested.text).toBe(true);
    expect((await call('GET', '/api/v1/connections/acme/plan')).status).toBe(200);
    const started = await call('POST', '/api/v1/connections/acme/runs', {});
    expect(started.status, started.text).toBe(202);
    const runId = started.json().run as string;
    let run: Record<string, unknown> = {};
    for (let i = 0; i < 200 && !run.finished; i++) run = (await call('GET', `/api/v1/runs/${runId}`)).json();
    expect(run).toMatchObject({ finished: true, status: 'succeeded' });
    expect(sim.sim.calls.some((c) => c.api === 'user/create')).toBe(true);

    // a change of the proxy password, a wrong current password, then everything an admin reads back
    expect((await call('PATCH', '/api/v1/connections/acme', { proxyPassword: CANARY.proxyPassword })).status).toBe(200);
    expect((await call('POST', '/api/v1/auth/password', { currentPassword: CANARY.wrongPassword, newPassword: 'another-password-1' })).status).toBe(403);
    for (const url of ['/api/v1/audit?limit=1000', '/api/v1/connections', '/api/v1/connections/acme', '/api/v1/connections/acme/status', '/api/v1/connections/acme/runs', `/api/v1/runs/${runId}`, '/api/v1/connections/acme/mapping', '/api/v1/users', '/api/v1/tokens', '/api/v1/auth/me', '/readyz', '/metrics', '/api/v1/openapi.json'])
      expect((await call('GET', url)).status, url).toBe(200);
    const audit = JSON.stringify((await call('GET', '/api/v1/audit?limit=1000')).json());
    expect(audit).toContain('auth.login.failure');
    expect(audit).toContain('connection.test');

    // the store's files as they are on disk while serving (WAL included), and after the shutdown
    const storeFiles = () => fs.readdirSync(dir).filter((f) => f.startsWith('wecom-sync.sqlite')).map((f) => [f, fs.readFileSync(path.join(dir, f))] as const);
    const live = storeFiles();
    expect(live.map(([f]) => f)).toContain('wecom-sync.sqlite-wal');
    await service.close();
    closed = true;
    const after = storeFiles();

    expect(log.length).toBeGreaterThan(20);
    const logText = log.join('');
    for (const s of secrets) {
      for (const b of bodies) expect(b.includes(s), `a response carries ${s}: ${b.slice(0, 300)}`).toBe(false);
      expect(logText.includes(s), `the log carries ${s}`).toBe(false);
      for (const [f, bytes] of [...live, ...after]) {
        expect(bytes.includes(Buffer.from(s, 'utf8')), `${f} holds ${s}`).toBe(false);
        expect(bytes.includes(Buffer.from(s, 'utf16le')), `${f} holds ${s} (UTF-16)`).toBe(false);
      }
    }
  });
});
