// SCIM end to end through `serve`: an endpoint made with the CLI on a fresh data directory before
// the first start, a user provisioned over HTTP reaching WeCom (the simulator) through the hosted
// sync worker (what WeCom refuses reported for that object, not refused by SCIM), and a token
// issued by the CLI while the service runs working at once.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Connections } from '../../../src/connections/index.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { resolveServeConfig } from '../../../src/server/config.js';
import { type Service, startService } from '../../../src/server/service.js';
import { startSimulator } from '../../../src/simulator/index.js';
import { createWeComClient } from '../../../src/wecom/index.js';
import { ENTERPRISE, GROUP, SCIM_JSON, USER } from './helpers.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/wecom-sync.mjs');
const CORP = { corpid: 'wwscim', secret: 'scim-secret-0123456789' };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  return new Promise((resolve) =>
    execFile(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr })),
  );
}

async function scim(service: Service, token: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${service.url}${url}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': SCIM_JSON } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: r.status, json: r.status === 204 ? {} : ((await r.json()) as Record<string, unknown>) };
}

describe('SCIM through serve', () => {
  it('the CLI makes an endpoint before the first start; a SCIM user reaches WeCom through the worker; a token issued while it runs works at once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-scim-'));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const created = await cli(['scim', 'create', 'entra', '--json', '--data-dir', dir]);
    expect(created.code, created.stderr).toBe(0);
    const endpoint = JSON.parse(created.stdout) as { name: string; path: string; token: string };
    expect(Object.keys(endpoint)).toEqual(['name', 'path', 'token']);
    expect(endpoint).toMatchObject({ name: 'entra', path: '/scim/v2/entra', token: expect.stringMatching(/^wsc_/) });

    const sim = await startSimulator({ port: 0, corps: [CORP] });
    cleanups.push(() => sim.close());
    const service = await startService(resolveServeConfig({ port: '0', dataDir: dir }, { WECOM_SYNC_ADMIN_PASSWORD: 'chosen-password-1' }), {
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics({ defaults: false }),
      announce: () => {},
      // an hour-long poll: only a SCIM write's notify() can wake the worker within the test
      sync: { pollMs: 3_600_000, clientFactory: (o) => createWeComClient({ ...o, retry: { baseDelayMs: 2, maxDelayMs: 10 } }) },
    });
    cleanups.push(() => service.close());
    await new Connections(service.store, service.secretBox).create({ name: 'acme', corpId: CORP.corpid, secret: CORP.secret, rootDepartmentId: 1, apiBase: sim.url, caPem: sim.caPem ?? null });
    expect((await service.sync.pipeline.apply('acme')).status).toBe('succeeded');

    const company = sim.sim.company(CORP.corpid);
    const worker = service.sync.worker!;
    const arrived = (name: string) =>
      new Promise<void>((resolve) => {
        const check = (e: { type: string }): void => {
          if (e.type === 'idle' && company.members.all().some((m) => m.name === name)) {
            worker.off('event', check);
            resolve();
          }
        };
        worker.on('event', check);
      });

    const synced = arrived('Ada Lovelace');
    const ada = await scim(service, endpoint.token, 'POST', `${endpoint.path}/Users`, {
      schemas: [USER, ENTERPRISE], userName: 'ada@example.com', name: { formatted: 'Ada Lovelace' }, phoneNumbers: [{ value: '13800000001', type: 'mobile' }],
      emails: [{ value: 'ada@example.com', type: 'work', primary: true }], [ENTERPRISE]: { department: '研发中心/平台部' },
    });
    expect(ada.status).toBe(201);
    await synced;
    const member = company.members.all().find((m) => m.name === 'Ada Lovelace')!;
    expect(member.mobile).toMatch(/13800000001$/);
    const dept = company.departments.all().find((d) => d.name === '平台部')!;
    expect(member.department).toEqual([dept.id]);

    // accepted even though WeCom will refuse it: the sync reports it for that object
    const cycle = new Promise<void>((resolve) => {
      const done = (e: { type: string }): void => {
        if (e.type === 'run') {
          worker.off('event', done);
          resolve();
        }
      };
      worker.on('event', done);
    });
    const pat = await scim(service, endpoint.token, 'POST', `${endpoint.path}/Users`, { schemas: [USER], userName: 'pat', displayName: 'Pat', emails: [{ value: 'pat@localhost', type: 'work', primary: true }] });
    expect(pat.status).toBe(201);
    await cycle;
    await worker.whenIdle();
    const admin = (await service.auth.findUser('admin'))!;
    const apiToken = (await service.auth.createToken({ kind: 'user', userId: admin.id, username: 'admin', role: 'admin' }, 'test', 'admin')).token;
    const failed = (await (await fetch(`${service.url}/api/v1/connections/acme/objects?status=failed`, { headers: { authorization: `Bearer ${apiToken}` } })).json()) as { items: Array<{ id: string }> };
    expect(failed.items.map((i) => i.id)).toEqual([pat.json.id]);
    expect(JSON.stringify(failed.items[0])).toMatch(/email/i);

    // a token issued by the CLI while the service runs
    const issued = await cli(['scim', 'token', 'entra', '--json', '--data-dir', dir]);
    expect(issued.code, issued.stderr).toBe(0);
    const second = JSON.parse(issued.stdout) as { token: string; path: string };
    expect(second.path).toBe(endpoint.path);
    const group = await scim(service, second.token, 'POST', `${endpoint.path}/Groups`, { schemas: [GROUP], displayName: 'Everyone', members: [{ value: ada.json.id }] });
    expect(group.status).toBe(201);
    const listed = await cli(['scim', 'list', '--json', '--data-dir', dir]);
    expect(JSON.parse(listed.stdout)).toEqual([{ name: 'entra', path: '/scim/v2/entra', mode: 'department', users: 2, groups: 1, activeTokens: 2 }]);
  }, 120_000);
});
