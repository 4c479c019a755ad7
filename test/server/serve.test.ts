// `wecom-sync serve` as a real process, and the service's graceful shutdown and configuration.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineRoute } from '../../src/server/route.js';
import { ConfigError, resolveServeConfig } from '../../src/server/config.js';
import { startService } from '../../src/server/service.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';

const BIN = path.resolve(__dirname, '../../bin/wecom-sync.mjs');
const dirs: string[] = [];
const tmpDir = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-serve-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** An environment without the settings a developer's shell might carry. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['DATABASE_URL', 'WECOM_SYNC_ADMIN_PASSWORD', 'WECOM_SYNC_SECRET_KEY', 'WECOM_SYNC_DATA_DIR', 'HOST', 'PORT', 'WECOM_SYNC_CONFIG', 'LOG_LEVEL']) delete env[k];
  return { ...env, ...extra };
}

interface Running {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  stdout: () => string;
  exit: Promise<number | null>;
}

/** Starts `serve` and resolves once it prints its URL. */
function serve(args: string[], env: NodeJS.ProcessEnv): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stdout!.on('data', (c) => (out += String(c)));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (c) => {
      err += String(c);
      const m = /serving on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ child, url: m[1]!, stderr: () => err, stdout: () => out, exit });
    });
    void exit.then((code) => reject(new Error(`serve exited with ${code} before listening:\n${err}`)));
  });
}

describe('wecom-sync serve (real process)', () => {
  it('starts, prints the URL and the one-time admin password, serves, and exits 0 on SIGTERM', async () => {
    const dir = tmpDir();
    const s = await serve(['--port', '0', '--data-dir', dir], cleanEnv());
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const password = /this password[^\n]*:\n\n\s+(\S+)\n/.exec(s.stderr())?.[1];
      expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);

      const health = await fetch(`${s.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${s.url}/api/v1/organizations`)).status).toBe(401);
      const login = await fetch(`${s.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
      expect(login.status).toBe(200);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      expect((await fetch(`${s.url}/api/v1/organizations`, { headers: { cookie } })).status).toBe(200);
      expect(fs.existsSync(path.join(dir, 'wecom-sync.sqlite'))).toBe(true);
      expect(fs.existsSync(path.join(dir, 'secret.key'))).toBe(true);

      s.child.kill('SIGTERM');
      expect(await s.exit).toBe(0);
      // The JSON logs on stdout never carry the password or the session cookie.
      expect(s.stdout()).toContain('"level":"info"');
      expect(s.stdout()).not.toContain(password!);
      expect(s.stdout()).not.toContain(cookie.split('=')[1]!);
    } finally {
      s.child.kill('SIGKILL');
    }

    // Second start on the same data: the admin exists, no password is printed.
    const again = await serve(['--port', '0', '--data-dir', dir], cleanEnv());
    try {
      expect(again.stderr()).not.toContain('password');
      again.child.kill('SIGINT');
      expect(await again.exit).toBe(0);
    } finally {
      again.child.kill('SIGKILL');
    }
  });

  it('refuses bad configuration with exit code 2 and a sentence', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', 'eighty', '--data-dir', tmpDir()], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c) => (err += String(c)));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('--port "eighty"');
  });
});

describe('graceful shutdown (in process)', () => {
  it('lets an in-flight request finish, refuses new connections, then closes the store', async () => {
    const dir = tmpDir();
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const config = resolveServeConfig({ port: '0', dataDir: dir }, { WECOM_SYNC_ADMIN_PASSWORD: 'chosen-password-1' });
    const announced: string[] = [];
    const service = await startService(config, {
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics({ defaults: false }),
      announce: (t) => announced.push(t),
      routes: [
        async (api) => {
          defineRoute(api, { method: 'GET', url: '/test/slow', operationId: 'slow', summary: 'slow', tags: ['test'], access: 'public', responses: { 200: { description: 'ok', schema: z.object({ done: z.boolean() }) } } }, async () => {
            entered();
            await gate;
            return { done: true };
          });
        },
      ],
    });
    expect(announced).toEqual([]); // the password came from the environment: nothing to print
    const steps: string[] = [];
    service.onShutdown(async () => {
      steps.push('shutdown step');
    });

    const slow = fetch(`${service.url}/api/v1/test/slow`).then(async (r) => ({ status: r.status, body: await r.json() }));
    await inside;
    // A connection that never sends a request (browsers open such sockets speculatively): Node
    // counts it as busy, not idle; it must not hold the shutdown until the headers timeout.
    const silent = net.connect(Number(new URL(service.url).port), '127.0.0.1');
    await once(silent, 'connect');
    const silentClosed = once(silent, 'close');
    const closed = service.close().then(() => steps.push('closed'));
    // Once closing, new connections are refused (the listener is gone).
    await expect(fetch(`${service.url}/healthz`)).rejects.toThrow();
    expect(steps).toEqual([]);
    release();
    expect(await slow).toEqual({ status: 200, body: { done: true } });
    await closed;
    await silentClosed;
    expect(steps).toEqual(['shutdown step', 'closed']);
    await expect(service.store.db.selectFrom('users').selectAll().execute()).rejects.toThrow();
  });

  it('creates the first admin with WECOM_SYNC_ADMIN_PASSWORD and refuses one that is too short', async () => {
    const dir = tmpDir();
    const quiet = { logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaults: false }), announce: () => {} };
    await expect(startService(resolveServeConfig({ port: '0', dataDir: dir }, { WECOM_SYNC_ADMIN_PASSWORD: 'short' }), quiet)).rejects.toThrow(/WECOM_SYNC_ADMIN_PASSWORD must be at least 8/);
    const service = await startService(resolveServeConfig({ port: '0', dataDir: dir }, { WECOM_SYNC_ADMIN_PASSWORD: 'long-enough-pw' }), quiet);
    try {
      const r = await fetch(`${service.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'long-enough-pw' }) });
      expect(r.status).toBe(200);
      const entries = await service.auditLog.list();
      expect(entries.items.map((e) => e.action)).toEqual(['auth.login', 'user.create']);
      expect(entries.items[1]).toMatchObject({ actorKind: 'system', detail: { role: 'admin', initialLogin: 'from the environment' } });
    } finally {
      await service.close();
    }
  });
});

describe('serve configuration', () => {
  it('takes flags over environment over the config file over defaults', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ PORT: 9000, HOST: '0.0.0.0', LOG_LEVEL: 'warn', WECOM_SYNC_DATA_DIR: dir }));
    const fromFile = resolveServeConfig({ config: file }, {});
    expect(fromFile).toMatchObject({ host: '0.0.0.0', port: 9000, logLevel: 'warn', dataDir: dir, metricsAccess: 'authenticated' });
    expect(fromFile.store).toEqual({ kind: 'sqlite', file: path.join(dir, 'wecom-sync.sqlite') });
    const fromEnv = resolveServeConfig({ config: file }, { PORT: '9001', HOST: '' });
    expect(fromEnv).toMatchObject({ host: '0.0.0.0', port: 9001 });
    const fromFlags = resolveServeConfig({ config: file, port: '9002', host: '127.0.0.1' }, { PORT: '9001' });
    expect(fromFlags).toMatchObject({ host: '127.0.0.1', port: 9002, metricsAccess: 'public' });
    expect(resolveServeConfig({}, {})).toMatchObject({ host: '127.0.0.1', port: 8080, logLevel: 'info', bodyLimit: 1048576, sessionTtlMs: 12 * 3600_000, trustProxy: false });
    expect(resolveServeConfig({}, { DATABASE_URL: 'postgres://u:p@db/x' }).store).toEqual({ kind: 'postgres', url: 'postgres://u:p@db/x' });
    expect(resolveServeConfig({ host: '0.0.0.0' }, { WECOM_SYNC_METRICS_AUTH: 'public' }).metricsAccess).toBe('public');
    expect(resolveServeConfig({ host: '::1' }, {}).metricsAccess).toBe('public');
  });

  it('explains bad values', () => {
    expect(() => resolveServeConfig({}, { PORT: '70000' })).toThrow(ConfigError);
    expect(() => resolveServeConfig({}, { LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => resolveServeConfig({}, { DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => resolveServeConfig({}, { WECOM_SYNC_METRICS_AUTH: 'maybe' })).toThrow(/WECOM_SYNC_METRICS_AUTH/);
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ PROT: 1 }));
    expect(() => resolveServeConfig({ config: path.join(dir, 'c.json') }, {})).toThrow(/unknown setting "PROT"/);
  });
});
