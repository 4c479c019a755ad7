// A lost or changed secret key: `serve` says at start which connections' stored secrets it cannot
// decrypt (log, /readyz, the connection objects the console's banner reads), the API answers 409
// with a plain message instead of 500, and entering the secrets again repairs the connection.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { resolveServeConfig } from '../../src/server/config.js';
import { type Service, startService } from '../../src/server/service.js';

const SECRET = 'the-address-book-secret-0123456789';
const PROXY_PASSWORD = 'the-proxy-password-42';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of JSON bodies
}
const readyStatus = async (url: string): Promise<unknown> => ((await (await fetch(`${url}/readyz`)).json()) as { status: unknown }).status;

async function start(dir: string, lines: string[]): Promise<{ service: Service; call: (method: string, url: string, body?: unknown) => Promise<Answer> }> {
  const logger = createLogger({ level: 'info', destination: new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }) });
  const config = resolveServeConfig({ port: '0', dataDir: dir }, { WECOM_SYNC_ADMIN_PASSWORD: 'long-enough-pw', WECOM_SYNC_WORKER: 'off', WECOM_SYNC_DEMO: 'off' });
  const service = await startService(config, { logger, metrics: createMetrics({ defaults: false }), announce: () => {} });
  const admin = (await service.auth.findUser('admin'))!;
  const { token } = await service.auth.createToken({ kind: 'user', userId: admin.id, username: 'admin', role: 'admin' }, `t${lines.length}`, 'admin');
  const call = async (method: string, url: string, body?: unknown) => {
    const r = await fetch(`${service.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    return { status: r.status, body: text, json: () => JSON.parse(text) };
  };
  return { service, call };
}

describe('a lost secret key', () => {
  it('is detected at start, answered with 409 and a plain message, and repaired by entering the secrets again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-key-'));
    dirs.push(dir);
    const lines: string[] = [];
    let { service, call } = await start(dir, lines);
    const connection = { name: 'acme', corpId: 'ww0123456789abcdef', secret: SECRET, rootDepartmentId: 1, proxies: '127.0.0.1:1', proxyUsername: 'sync', proxyPassword: PROXY_PASSWORD };
    expect((await call('POST', '/api/v1/connections', connection)).status).toBe(201);
    expect((await call('POST', '/api/v1/connections', { ...connection, name: 'direct', proxies: [], proxyUsername: null, proxyPassword: null })).status).toBe(201);
    expect((await call('GET', '/api/v1/connections')).json().items.map((c: { unreadableSecrets: string[] }) => c.unreadableSecrets)).toEqual([[], []]);
    expect(await readyStatus(service.url)).toBe('ready');
    await service.close();

    // the key file is lost: the next start makes a new key
    fs.rmSync(path.join(dir, 'secret.key'));
    lines.length = 0;
    ({ service, call } = await start(dir, lines));
    try {
      const logged = lines.map((l) => JSON.parse(l) as { level: string; msg: string; connections?: string[] });
      const said = logged.find((l) => l.level === 'error' && /cannot be decrypted/.test(l.msg));
      expect(said).toBeDefined();
      expect(said!.connections).toEqual(['acme', 'direct']);
      expect(said!.msg).toContain('"acme"');

      const ready = await fetch(`${service.url}/readyz`);
      expect(ready.status).toBe(200);
      const readyBody = await ready.json();
      expect(readyBody).toMatchObject({ status: 'degraded', checks: [{ name: 'store', ok: true }, { name: 'secrets', ok: false, error: expect.stringContaining('2 connections') }] });

      const list = (await call('GET', '/api/v1/connections')).json().items;
      expect(list.map((c: { name: string; unreadableSecrets: string[] }) => [c.name, c.unreadableSecrets])).toEqual([
        ['acme', ['secret', 'proxyPassword']],
        ['direct', ['secret']],
      ]);

      for (const [method, url] of [['POST', '/api/v1/connections/acme/test'], ['GET', '/api/v1/connections/acme/plan'], ['POST', '/api/v1/connections/acme/runs']] as const) {
        const r = await call(method, url, method === 'POST' ? {} : undefined);
        expect(r.status, `${url}: ${r.body}`).toBe(409);
        expect(r.json()).toMatchObject({ type: 'urn:wecom-sync:problem:secret-unreadable', detail: expect.stringMatching(/^The secret of connection "acme" cannot be decrypted with this service.s secret key.*Enter it again/) });
        expect(r.body).not.toContain(dir);
        expect(r.body).not.toContain('secret.key');
      }

      // entering the secret again is not enough while the proxy password is unreadable too, and the answer says so
      const half = await call('PATCH', '/api/v1/connections/acme', { secret: SECRET });
      expect(half.status, half.body).toBe(200);
      expect(half.json().unreadableSecrets).toEqual(['proxyPassword']);
      const still = await call('POST', '/api/v1/connections/acme/test');
      expect(still.status).toBe(409);
      expect(still.json().detail).toMatch(/^The proxy password of connection "acme" cannot be decrypted/);

      // both secrets entered again (in one PATCH, as the console's form sends them): repaired
      const both = await call('PATCH', '/api/v1/connections/acme', { secret: SECRET, proxyPassword: PROXY_PASSWORD });
      expect(both.status, both.body).toBe(200);
      expect(both.json().unreadableSecrets).toEqual([]);
      expect(await service.sync.connections.clientOptions('acme')).toMatchObject({ secret: SECRET, proxyPassword: PROXY_PASSWORD });
      expect((await call('POST', '/api/v1/connections/acme/test')).status).toBe(200);
      expect((await call('PATCH', '/api/v1/connections/direct', { secret: SECRET })).json().unreadableSecrets).toEqual([]);
      expect(await readyStatus(service.url)).toBe('ready');
    } finally {
      await service.close();
    }
  });
});
