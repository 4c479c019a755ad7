// Sync routes against the simulator over HTTPS: plan → start run → poll → members in WeCom →
// empty plan; held run → approve; failed operation → retry; 401/403, 404/409, no secret anywhere.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { resolveServeConfig } from '../../src/server/config.js';
import { startService } from '../../src/server/service.js';
import { startSimulator } from '../../src/simulator/index.js';
import { CORP, type SyncEnv, connectionBody, expectAccess, expectNoSecrets, syncEnv } from './sync-fixtures.js';

const PROBLEM = 'application/problem+json';
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

describe('sync routes', () => {
  let env: SyncEnv;
  const bodies: string[] = [];
  beforeEach(async () => {
    env = await syncEnv();
    bodies.length = 0;
    // a member created by hand in WeCom, unknown to the directory
    env.sim.sim.seedMember(CORP.corpid, { userid: 'zed', name: 'Zed (by hand)', department: [1], mobile: '13900000009' });
  });
  afterEach(async () => {
    await env.close();
  });

  const call = async (method: Method, url: string, payload?: unknown, headers: Record<string, string> = env.admin) => {
    const r = await env.h.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
    bodies.push(r.body);
    return r;
  };
  const ok = async (method: Method, url: string, payload?: unknown, headers?: Record<string, string>) => {
    const r = await call(method, url, payload, headers);
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
    return r.json();
  };

  /** Polls GET /runs/:id over HTTP (each iteration awaits the call) until the run is finished, bounded. */
  type RunView = { finished: boolean; status: string; summary: { succeeded: number; failed: number; message: string }; operations: Array<Record<string, unknown>> };
  const waitForRun = async (id: string): Promise<RunView> => {
    const deadline = Date.now() + 30_000;
    for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
      // a real HTTP request (not inject): it goes through the event loop, so the run progresses meanwhile
      const r = await fetch(`${env.url}/api/v1/runs/${id}`, { headers: env.viewer });
      expect(r.status).toBe(200);
      const run = (await r.json()) as RunView;
      bodies.push(JSON.stringify(run));
      if (run.finished) return run;
    }
    throw new Error(`run ${id} did not finish`);
  };

  const seedDirectory = async (n = 3): Promise<{ org: string; accounts: string[] }> => {
    const org = (await ok('POST', '/api/v1/organizations', { name: 'R&D' })).id as string;
    const accounts: string[] = [];
    for (let i = 0; i < n; i++)
      accounts.push((await ok('POST', '/api/v1/accounts', { username: `u${i}`, displayName: `User ${i}`, organizationIds: [org], mobile: `+86 1380000${1000 + i}` })).id);
    return { org, accounts };
  };

  const startRun = async (): Promise<string> => {
    const r = await call('POST', '/api/v1/connections/acme/runs');
    expect(r.statusCode, r.body).toBe(202);
    expect(r.headers.location).toBe(`/api/v1/runs/${r.json().run}`);
    return r.json().run;
  };

  it('create → test → plan → run → poll → members in WeCom → empty plan; runs and status', async () => {
    await seedDirectory();
    // a budget override of 2 calls a second per API: the plan's 3 user/create take at least 1 s
    expect((await call('POST', '/api/v1/connections', { ...connectionBody(env), rateBudget: '2/1s' })).statusCode).toBe(201);
    expect((await ok('POST', '/api/v1/connections/acme/test')).ok).toBe(true);

    const plan = await ok('GET', '/api/v1/connections/acme/plan', undefined, env.viewer);
    expect(plan.summary).toMatchObject({ total: 4, 'department.create': 1, 'member.create': 3 });
    expect(plan.estimate).toEqual({ seconds: 1, limitedBy: { api: 'user/create', count: 2, windowMs: 1000 } });
    expect(plan.operations).toContainEqual(expect.objectContaining({ kind: 'member.create', target: { userid: 'u0' } }));
    expect(plan.held).toBe(false);
    expect(Array.isArray(plan.warnings)).toBe(true);

    const id = await startRun();
    const run = await waitForRun(id);
    expect(run.status).toBe('succeeded');
    expect(run.summary).toMatchObject({ succeeded: 4, failed: 0 });
    expect(run.operations).toHaveLength(4);
    expect(run.operations.every((o) => o.status === 'succeeded' && o.errcode === null)).toBe(true);
    expect(run.operations).toContainEqual(expect.objectContaining({ kind: 'member.create', target: 'member u1' }));

    const members = env.sim.sim.company(CORP.corpid).members;
    for (const u of ['u0', 'u1', 'u2']) expect(members.find(u)).toBeDefined();

    const again = await ok('GET', '/api/v1/connections/acme/plan', undefined, env.viewer);
    expect(again.operations).toEqual([]);
    expect(again.summary).toEqual({ total: 0 });

    const runs = await ok('GET', '/api/v1/connections/acme/runs?limit=5', undefined, env.viewer);
    expect(runs.items).toEqual([expect.objectContaining({ id, status: 'succeeded', finished: true, kind: 'full' })]);
    const status = await ok('GET', '/api/v1/connections/acme/status', undefined, env.viewer);
    expect(status).toMatchObject({ connection: { name: 'acme' }, links: { departments: 1, members: 3, pending: 0 }, held: [], failures: [] });
    expect(status.runs[0]).toMatchObject({ id, status: 'succeeded' });

    const audit = (await env.h.auditLog.list({ limit: 100 })).items;
    expect(audit).toContainEqual(expect.objectContaining({ action: 'run.start', targetType: 'run', targetId: id }));
    await expectNoSecrets(env, bodies);
  });

  it('says plans and runs in the language asked for, with the names of the objects, and the codes beside the English', async () => {
    const { org } = await seedDirectory(1);
    const sub = (await ok('POST', '/api/v1/organizations', { name: '平台组', parentId: org })).id as string;
    await ok('POST', '/api/v1/accounts', { username: 'lilei', displayName: '李雷', organizationIds: [sub], mobile: '+86 13800002000' });
    await ok('POST', '/api/v1/connections', connectionBody(env));

    const plan = await ok('GET', '/api/v1/connections/acme/plan', undefined, env.viewer);
    const dept = plan.operations.find((o: { key: string }) => o.key === sub);
    // English by default: what scripts read; the same as codes for other languages; the object's path
    expect(dept).toMatchObject({ kind: 'department.create', cause: 'created in directory', note: { code: 'note.dept.new-id' }, subject: { name: '平台组', path: 'R&D/平台组' } });
    expect(dept.reason).toMatch(/^created in directory \(new department id \d+ chosen by the planner\)$/);
    const member = plan.operations.find((o: { target: { userid?: string } }) => o.target.userid === 'lilei');
    expect(member).toMatchObject({ cause: 'created in directory', subject: { name: '李雷' }, reason: 'created in directory' });

    const zh = await ok('GET', '/api/v1/connections/acme/plan', undefined, { ...env.viewer, 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' });
    expect(zh.operations.find((o: { key: string }) => o.key === sub).reason).toMatch(/^目录中新建（新部门的 ID \d+ 由同步计划选定）$/);

    const id = await startRun();
    expect((await waitForRun(id)).status).toBe('succeeded');
    const run = await ok('GET', `/api/v1/runs/${id}`, undefined, { ...env.viewer, 'accept-language': 'zh' });
    expect(run.summary.message).toBe('4 个操作全部成功');
    expect(run.summary.note).toEqual({ code: 'summary.all-succeeded', params: { n: 4 } });
    expect(run.operations.find((o: { key: string }) => o.key === sub)).toMatchObject({ subject: { path: 'R&D/平台组' }, cause: 'created in directory', reason: expect.stringMatching(/^目录中新建/) });
    const english = await ok('GET', `/api/v1/connections/acme/runs`, undefined, env.viewer);
    expect(english.items[0].summary.message).toBe('4 operations succeeded');
  });

  it('refuses a second run while one is active (409)', async () => {
    await seedDirectory(2);
    await call('POST', '/api/v1/connections', connectionBody(env));
    const [a, b] = await Promise.all([call('POST', '/api/v1/connections/acme/runs'), call('POST', '/api/v1/connections/acme/runs')]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([202, 409]);
    const refused = a.statusCode === 409 ? a : b;
    expect(refused.headers['content-type']).toContain(PROBLEM);
    const started = (a.statusCode === 202 ? a : b).json().run as string;
    expect((await waitForRun(started)).status).toBe('succeeded');
  });

  it('a run over the safety threshold is held; approve applies it', async () => {
    const { accounts } = await seedDirectory(3);
    await call('POST', '/api/v1/connections', connectionBody(env));
    expect((await waitForRun(await startRun())).status).toBe('succeeded');

    await ok('PATCH', '/api/v1/connections/acme', { policies: { safety: { maxDeletes: 0 } } });
    expect((await call('DELETE', `/api/v1/accounts/${accounts[0]}`)).statusCode).toBe(204);
    expect((await ok('GET', '/api/v1/connections/acme/plan', undefined, env.viewer)).held).toBe(true);

    const id = await startRun();
    const held = await waitForRun(id);
    expect(held.status).toBe('held');
    expect(env.sim.sim.company(CORP.corpid).members.find('u0')).toBeDefined();
    expect((await ok('GET', '/api/v1/connections/acme/status', undefined, env.viewer)).held).toEqual([id]);

    // approving needs the admin role; retrying a held run is refused
    expect((await call('POST', `/api/v1/runs/${id}/approve`, undefined, env.viewer)).statusCode).toBe(403);
    expect((await call('POST', `/api/v1/runs/${id}/retry`)).statusCode).toBe(409);

    const r = await call('POST', `/api/v1/runs/${id}/approve`);
    expect(r.statusCode, r.body).toBe(202);
    expect(r.json()).toMatchObject({ run: id });
    const done = await waitForRun(id);
    expect(done.status).toBe('succeeded');
    expect(done.operations).toContainEqual(expect.objectContaining({ kind: 'member.delete', target: 'member u0', status: 'succeeded' }));
    expect(env.sim.sim.company(CORP.corpid).members.find('u0')).toBeUndefined();
    expect((await call('POST', `/api/v1/runs/${id}/approve`)).statusCode).toBe(409);
    expect((await env.h.auditLog.list({ action: 'run.approve' })).items).toHaveLength(1);
    await expectNoSecrets(env, bodies);
  });

  it('a failed operation is explained in the run; retry sends it again', async () => {
    const { accounts } = await seedDirectory(2);
    await call('POST', '/api/v1/connections', connectionBody(env));
    expect((await waitForRun(await startRun())).status).toBe('succeeded');

    await ok('PATCH', `/api/v1/accounts/${accounts[1]}`, { mobile: '+86 13900000009' }); // zed's number
    const id = await startRun();
    const partial = await waitForRun(id);
    expect(partial.status).toBe('partial');
    const failed = partial.operations.find((o) => o.status === 'failed')!;
    expect(failed).toMatchObject({ kind: 'member.update', target: 'member u1', errcode: 60104 });
    expect(failed.explanation).toEqual({ en: expect.any(String), zh: expect.any(String) });
    const status = await ok('GET', '/api/v1/connections/acme/status', undefined, env.viewer);
    expect(status.failures).toEqual([expect.objectContaining({ runId: id, errcode: 60104, target: 'member u1' })]);

    // the number is freed in WeCom by hand; retry
    env.sim.sim.company(CORP.corpid).members.delete('zed');
    const r = await call('POST', `/api/v1/runs/${id}/retry`);
    expect(r.statusCode, r.body).toBe(202);
    const done = await waitForRun(id);
    expect(done.status).toBe('succeeded');
    expect(env.sim.sim.company(CORP.corpid).members.find('u1')?.mobile).toContain('13900000009');
    expect((await call('POST', `/api/v1/runs/${id}/retry`)).statusCode).toBe(409);
    expect((await env.h.auditLog.list({ action: 'run.retry' })).items).toHaveLength(1);
    await expectNoSecrets(env, bodies);
  });

  it('answers unknown connections and runs with 404, bad parameters with 400', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/connections/nope/plan'],
      ['POST', '/api/v1/connections/nope/runs'],
      ['GET', '/api/v1/connections/nope/runs'],
      ['GET', '/api/v1/connections/nope/status'],
      ['GET', '/api/v1/runs/run_nope'],
      ['POST', '/api/v1/runs/run_nope/approve'],
      ['POST', '/api/v1/runs/run_nope/retry'],
    ] as const) {
      const r = await call(method, url);
      expect(r.statusCode, `${method} ${url}`).toBe(404);
      expect(r.headers['content-type']).toContain(PROBLEM);
    }
    await call('POST', '/api/v1/connections', connectionBody(env));
    const bad = await call('GET', '/api/v1/connections/acme/runs?limit=0');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toContainEqual(expect.objectContaining({ field: 'limit' }));
  });

  it('a wrong secret: the plan and the run start answer 502, explained, without the secret', async () => {
    await seedDirectory(1);
    await call('POST', '/api/v1/connections', connectionBody(env, { secret: 'wrong-secret-SHOULD-NOT-LEAK' }));
    const plan = await call('GET', '/api/v1/connections/acme/plan');
    expect(plan.statusCode).toBe(502);
    expect(plan.headers['content-type']).toContain(PROBLEM);
    const run = await call('POST', '/api/v1/connections/acme/runs');
    expect(run.statusCode).toBe(502);
    expect(bodies.join('\n')).not.toContain('wrong-secret-SHOULD-NOT-LEAK');
  });

  it('needs credentials (401) and the admin role for writes (403); every route is documented', async () => {
    await call('POST', '/api/v1/connections', connectionBody(env));
    const routes = [
      { method: 'GET', url: '/api/v1/connections/acme/plan', admin: false },
      { method: 'POST', url: '/api/v1/connections/acme/runs', admin: true },
      { method: 'GET', url: '/api/v1/connections/acme/runs', admin: false },
      { method: 'GET', url: '/api/v1/connections/acme/status', admin: false },
      { method: 'GET', url: '/api/v1/runs/run_x', admin: false },
      { method: 'POST', url: '/api/v1/runs/run_x/approve', admin: true },
      { method: 'POST', url: '/api/v1/runs/run_x/retry', admin: true },
    ] as const;
    await expectAccess(env, [...routes]);
    const doc = (await env.h.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    for (const r of routes) {
      const path = r.url.replace('/acme', '/{name}').replace('/run_x', '/{id}');
      expect(doc.paths[path]?.[r.method.toLowerCase()]?.['x-access'], `${r.method} ${path}`).toBe(r.admin ? 'admin' : 'viewer');
    }
    expect(doc.paths['/api/v1/connections/{name}/runs'].post.responses['202']).toBeDefined();
  });
});

describe('wecom-sync serve', () => {
  it('serves the connection and sync routes on the hosted sync engine', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-routes-'));
    const sim = await startSimulator({ port: 0, corps: [CORP] });
    const config = resolveServeConfig({ port: '0', dataDir: dir }, { WECOM_SYNC_ADMIN_PASSWORD: 'chosen-password-1', WECOM_SYNC_WORKER: 'off' });
    const service = await startService(config, { logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaults: false }), announce: () => {} });
    try {
      const admin = (await service.auth.findUser('admin'))!;
      const token = (await service.auth.createToken({ kind: 'user', userId: admin.id, username: 'admin', role: 'admin' }, 'test', 'admin')).token;
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const body = { name: 'acme', corpId: CORP.corpid, secret: CORP.secret, rootDepartmentId: 1, apiBase: sim.url, caPem: sim.caPem };
      const created = await fetch(`${service.url}/api/v1/connections`, { method: 'POST', headers, body: JSON.stringify(body) });
      expect(created.status).toBe(201);
      const text = await created.text();
      expect(text).not.toContain(CORP.secret);
      const plan = await fetch(`${service.url}/api/v1/connections/acme/plan`, { headers });
      expect(plan.status).toBe(200);
      expect(((await plan.json()) as { summary: unknown }).summary).toEqual({ total: 0 });
    } finally {
      await service.close();
      await sim.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
