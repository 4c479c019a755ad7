// The first-start demo: the sample company generator; the Demo service on both backends (start →
// the run fills the simulator → remove leaves nothing behind, and nothing of a real directory
// goes); and inside `serve`: the REST routes, labels, refusals, a directory change reaching the
// simulator through the worker, the resume after a restart, and WECOM_SYNC_DEMO=off.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Connections, SecretBox } from '../../src/connections/index.js';
import { Demo, demoScopeConflict } from '../../src/demo/demo.js';
import { defaultMappingDefinition } from '../../src/mapping/definitions/index.js';
import { SAMPLE_COMPANY_NAME, SAMPLE_COMPANY_SHORT_NAME, sampleCompany } from '../../src/demo/sample-company.js';
import { Directory } from '../../src/directory/directory.js';
import { checkAccountFields, normalizeMobile } from '../../src/domain/account.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { resolveServeConfig } from '../../src/server/config.js';
import { type Service, startService } from '../../src/server/service.js';
import type { WorkerEvent } from '../../src/sync/index.js';
import { SyncPipeline } from '../../src/sync/index.js';
import { getRun } from '../../src/sync/state/runs.js';
import { createWeComClient } from '../../src/wecom/index.js';
import { BACKENDS, type TestStore } from '../store/backends.js';

const fastClient = (o: Parameters<typeof createWeComClient>[0]) => createWeComClient({ ...o, retry: { baseDelayMs: 2, maxDelayMs: 10 } });

describe('the sample company', () => {
  const c = sampleCompany();

  it('is a realistic three-level Chinese company of ~35 organizations and ~300 people', () => {
    expect(c.name).toBe(SAMPLE_COMPANY_NAME);
    expect(c.organizations.length).toBeGreaterThanOrEqual(30);
    expect(c.organizations.length).toBeLessThanOrEqual(40);
    expect(c.accounts.length).toBeGreaterThanOrEqual(280);
    expect(c.accounts.length).toBeLessThanOrEqual(320);
    const byKey = new Map(c.organizations.map((o) => [o.key, o]));
    const depth = (key: string): number => (byKey.get(key)!.parentKey === null ? 1 : 1 + depth(byKey.get(key)!.parentKey!));
    expect(Math.max(...c.organizations.map((o) => depth(o.key)))).toBe(3);
    expect(c.organizations.filter((o) => o.parentKey === null)).toHaveLength(1);
    for (const name of ['总裁办', '研发中心', '平台研发部', '测试部', '产品部', '销售中心', '华东大区', '人力资源部', '财务部', '行政部'])
      expect(c.organizations.map((o) => o.name)).toContain(name);
    // sibling names unique, every organization has people
    const siblings = new Set(c.organizations.map((o) => `${o.parentKey}/${o.name}`));
    expect(siblings.size).toBe(c.organizations.length);
    for (const o of c.organizations.slice(1)) expect(c.accounts.some((a) => a.organizationKey === o.key), o.name).toBe(true);
  });

  it('gives every person a valid, unique identity and a manager chain up to the CEO', () => {
    const usernames = new Set(c.accounts.map((a) => a.username.toLowerCase()));
    expect(usernames.size).toBe(c.accounts.length);
    expect(new Set(c.accounts.map((a) => a.mobile)).size).toBe(c.accounts.length);
    const keys = new Map(c.accounts.map((a) => [a.key, a]));
    for (const a of c.accounts) {
      expect(a.displayName).toMatch(/^[\u4e00-\u9fff]{2,4}$/);
      expect(a.username).toMatch(/^[a-z]+\d*$/);
      expect(a.email).toBe(`${a.username}@xinghe-tech.example`);
      expect(normalizeMobile(a.mobile)).toEqual({ ok: true, value: a.mobile });
      expect(checkAccountFields({ username: a.username, displayName: a.displayName, email: a.email, telephone: a.telephone, title: a.title, employeeNumber: a.employeeNumber })).toEqual([]);
      // the chain of managers ends at the CEO without a cycle
      let m = a;
      for (let i = 0; m.managerKey !== null; i++) {
        expect(i).toBeLessThan(5);
        m = keys.get(m.managerKey)!;
      }
      expect(m.title).toBe('首席执行官');
    }
    expect(c.accounts.filter((a) => a.managerKey === null)).toHaveLength(1);
    expect(new Set(c.accounts.map((a) => a.gender))).toEqual(new Set(['male', 'female']));
  });

  it('is deterministic for a seed, different for another, and avoids usernames already taken', () => {
    expect(sampleCompany()).toEqual(c);
    const other = sampleCompany({ seed: 7 });
    expect(other.organizations.map((o) => o.name)).toEqual(c.organizations.map((o) => o.name));
    expect(other.accounts.map((a) => a.displayName)).not.toEqual(c.accounts.map((a) => a.displayName));
    const taken = new Set([c.accounts[0]!.username, c.accounts[5]!.username]);
    const avoided = sampleCompany({ takenUsernames: taken });
    expect(avoided.accounts.map((a) => a.username)).not.toContain(c.accounts[0]!.username);
    expect(avoided.accounts[0]!.username).toBe(`${c.accounts[0]!.username}2`);
    expect(avoided.accounts.map((a) => a.displayName)).toEqual(c.accounts.map((a) => a.displayName));
  });
});

describe('the demo scope rule', () => {
  const record = { connectionId: 'con_demo', corpId: 'ww1', rootOrganizationId: 'org_a', organizationIds: ['org_a', 'org_b'], accountIds: [], createdAt: '' };
  it('keeps the sample company out of real connections and real objects out of the demo', () => {
    expect(demoScopeConflict(null, [], null)).toBeNull();
    expect(demoScopeConflict(record, [], null)).toMatchObject({ code: 'demo-active.whole-directory', params: { company: expect.any(String) }, message: expect.stringMatching(/whole directory/) });
    expect(demoScopeConflict(record, ['org_real', 'org_b'], 'con_real')).toMatchObject({ code: 'demo-active.sample-organization', params: { organizationId: 'org_b' }, message: expect.stringMatching(/org_b belongs to the demo/) });
    expect(demoScopeConflict(record, ['org_real'], 'con_real')).toBeNull();
    expect(demoScopeConflict(record, ['org_a'], 'con_demo')).toBeNull();
    expect(demoScopeConflict(record, ['org_b', 'org_real'], 'con_demo')).toMatchObject({ code: 'demo-active.outside-sample', params: { organizationId: 'org_real' }, message: expect.stringMatching(/may not include organization org_real/) });
    expect(demoScopeConflict(record, [], 'con_demo')).toMatchObject({ code: 'demo-active.outside-sample', message: expect.stringMatching(/may not include the whole directory/) });
    // the English default names no REST call: the console offers its own Remove demo button, the CLI says where it is
    for (const c of [demoScopeConflict(record, [], null), demoScopeConflict(record, ['org_b'], null)]) expect(c?.message).not.toMatch(/DELETE|\/api\//);
  });
});

describe.each(BACKENDS)('the Demo service on $name', (backend) => {
  let t: TestStore;
  let demo: Demo;
  let directory: Directory;
  let connections: Connections;
  let pipeline: SyncPipeline;
  beforeEach(async () => {
    t = await backend.open();
    directory = new Directory(t.store);
    connections = new Connections(t.store, SecretBox.fromKey(randomBytes(32)));
    pipeline = new SyncPipeline({ store: t.store, directory, connections, clientFactory: fastClient });
    demo = new Demo({ store: t.store, directory, connections });
    demo.attach({ pipeline, worker: null, notify: () => {} });
  });
  afterEach(async () => {
    await demo.stop();
    await pipeline.close();
    await t.dispose();
  });

  it('starts: the first run fills the simulator; remove leaves nothing behind and keeps the real directory', async () => {
    const real = await directory.createOrganization({ name: '真实公司' });
    const realAccount = await directory.createAccount({ username: 'real.person', displayName: 'Real', organizationIds: [real.id] });
    expect(await demo.status()).toMatchObject({ state: 'available', company: SAMPLE_COMPANY_NAME, organizations: 33 });

    const started = await demo.start();
    expect(started).toMatchObject({ state: 'active', connection: { name: 'demo' }, organizations: 33 });
    expect(started.run).toMatch(/^run_/);
    await demo.drain();
    const run = await getRun(t.store.db, started.run!);
    expect(run?.status, JSON.stringify(run?.error)).toBe('succeeded');

    const company = demo.simulator!.sim.allCompanies()[0]!;
    expect(company.departments.record(1)?.name).toBe(SAMPLE_COMPANY_SHORT_NAME);
    const names = company.departments.all().map((d) => d.name);
    for (const n of [SAMPLE_COMPANY_NAME, '研发中心', '平台研发部', '华东大区']) expect(names).toContain(n);
    expect(names).not.toContain('真实公司'); // the demo's scope is the sample company only
    // WeCom lists siblings larger order first: the top-level departments appear in the directory's order (总裁办 first)
    const companyDept = company.departments.all().find((d) => d.name === SAMPLE_COMPANY_NAME)!;
    const shown = company.departments.all().filter((d) => d.parentid === companyDept.id).sort((a, b) => b.order - a.order).map((d) => d.name);
    const orgs = (await directory.snapshot()).organizations;
    const top = orgs.find((o) => o.name === SAMPLE_COMPANY_NAME)!;
    expect(shown).toEqual(orgs.filter((o) => o.parentId === top.id).sort((a, b) => a.order - b.order).map((o) => o.name));
    expect(shown[0]).toBe('总裁办');
    expect(company.members.size).toBe(started.accounts + 1); // and the company's creator
    expect(company.members.find('real.person')).toBeUndefined();
    const ceo = company.members.all().find((m) => m.position === '首席执行官')!;
    expect(company.members.all().filter((m) => m.direct_leader.includes(ceo.userid)).length).toBeGreaterThanOrEqual(10);

    const status = await demo.status();
    expect(status).toMatchObject({ state: 'active', connection: { id: started.connection.id, name: 'demo' }, simulator: { url: demo.simulator!.url } });
    expect(await demo.connectionId()).toBe(started.connection.id);
    // a second start is refused
    await expect(demo.start()).rejects.toThrow(/already active/);

    const removed = await demo.remove();
    expect(removed).toEqual({ organizations: 33, accounts: started.accounts });
    expect(demo.simulator).toBeNull();
    expect(await connections.list()).toEqual([]);
    for (const table of ['runs', 'run_operations', 'member_links', 'department_links', 'sync_cursors', 'demo'] as const)
      expect(await t.store.db.selectFrom(table).selectAll().execute(), table).toEqual([]);
    const left = await directory.snapshot();
    expect(left.organizations.map((o) => o.id)).toEqual([real.id]);
    expect(left.accounts.map((a) => a.id)).toEqual([realAccount.id]);
    expect(await demo.status()).toMatchObject({ state: 'available' });
  });

  it('refuses to start when a real connection exists', async () => {
    await connections.create({ name: 'acme', corpId: 'ww0123456789abcdef', secret: 's3cret', rootDepartmentId: 1 });
    const status = await demo.status();
    expect(status.state).toBe('unavailable');
    expect(status.reason).toContain('"acme"');
    await expect(demo.start()).rejects.toThrow(/cannot start/);
    expect(await t.store.db.selectFrom('demo').selectAll().execute()).toEqual([]);
    expect((await directory.snapshot()).organizations).toEqual([]);
  });

  it('refuses to remove while objects added since sit inside the sample company, and removes once they are gone', async () => {
    await demo.start();
    await demo.drain();
    const record = (await demo.record())!;
    const team = record.organizationIds[3]!;
    const added = await directory.createAccount({ username: 'newcomer', displayName: '新同事', organizationIds: [team] });
    const sub = await directory.createOrganization({ name: '新小组', parentId: team });
    const refused = await demo.remove().then(() => null, (e: Error) => e);
    expect(refused?.message).toMatch(/objects added since it started/);
    expect(refused?.message).toContain('account "newcomer"');
    expect(refused?.message).toContain('organization "新小组"');
    expect((await demo.status()).state).toBe('active');
    expect(await connections.list()).toHaveLength(1);

    await directory.deleteAccount(added.id);
    await directory.deleteOrganization(sub.id);
    // a real account managed by a sample person only loses its manager
    const realOrg = await directory.createOrganization({ name: 'Real' });
    const report = await directory.createAccount({ username: 'report', displayName: 'Report', organizationIds: [realOrg.id], managerId: record.accountIds[0]! });
    await demo.remove();
    expect((await directory.requireAccount(report.id)).managerId).toBeNull();
    expect((await directory.snapshot()).organizations.map((o) => o.name)).toEqual(['Real']);
  });

  it('refuses a sample company next to a top-level organization of the same name, leaving nothing', async () => {
    await directory.createOrganization({ name: SAMPLE_COMPANY_NAME });
    await expect(demo.start()).rejects.toThrow(/already has a top-level organization/);
    expect(await connections.list()).toEqual([]);
    expect(await t.store.db.selectFrom('demo').selectAll().execute()).toEqual([]);
    expect(demo.simulator).toBeNull();
    expect((await directory.snapshot()).organizations).toHaveLength(1);
  });
});

// ------------------------------------------------------------------ inside serve

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-demo-'));
  cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function serve(dir: string, env: Record<string, string> = {}): Promise<{ service: Service; admin: Record<string, string>; viewer: Record<string, string> }> {
  const config = resolveServeConfig({ port: '0', dataDir: dir }, { WECOM_SYNC_ADMIN_PASSWORD: 'chosen-password-1', ...env });
  const service = await startService(config, {
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics({ defaults: false }),
    announce: () => {},
    sync: { pollMs: 3_600_000, clientFactory: fastClient },
  });
  let closed = false;
  cleanups.push(async () => {
    if (!closed) await service.close();
  });
  const close = service.close.bind(service);
  service.close = async () => {
    closed = true;
    await close();
  };
  const adminUser = (await service.auth.findUser('admin'))!;
  const principal = { kind: 'user' as const, userId: adminUser.id, username: 'admin', role: 'admin' as const };
  const token = async (role: 'admin' | 'viewer') => (await service.auth.createToken(principal, `t-${role}-${randomBytes(3).toString('hex')}`, role)).token;
  return { service, admin: { authorization: `Bearer ${await token('admin')}` }, viewer: { authorization: `Bearer ${await token('viewer')}` } };
}

async function call(service: Service, method: string, url: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: () => unknown; text: string }> {
  const r = await fetch(`${service.url}${url}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  return { status: r.status, text, json: () => JSON.parse(text) };
}

const BIN = path.resolve(__dirname, '../../bin/wecom-sync.mjs');
/** Runs the CLI on the service's data directory (asynchronously: the service in this process keeps serving). */
function cli(args: string[], dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, WECOM_SYNC_DATA_DIR: dir };
  for (const k of ['DATABASE_URL', 'WECOM_SYNC_SECRET_KEY']) delete env[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

/** Resolves once `done()` holds after a worker cycle (no sleeps); the worker is woken meanwhile. */
function until(service: Service, done: () => boolean): Promise<void> {
  const worker = service.sync.worker!;
  return new Promise((resolve) => {
    if (done()) return resolve();
    const check = (e: WorkerEvent): void => {
      if (e.type === 'idle' && done()) {
        worker.off('event', check);
        resolve();
      }
    };
    worker.on('event', check);
    service.sync.notify();
  });
}

describe('the demo in serve', () => {
  it('offers, starts, labels, syncs changes, survives a restart and is removed', async () => {
    const dir = dataDir();
    let { service, admin, viewer } = await serve(dir);
    // a real organization made before the demo
    const real = await call(service, 'POST', '/api/v1/organizations', admin, { name: 'Headquarters' });
    expect(real.status).toBe(201);

    const offered = await call(service, 'GET', '/api/v1/demo', viewer);
    expect(offered.status).toBe(200);
    expect(offered.json()).toMatchObject({ state: 'available', company: SAMPLE_COMPANY_NAME, organizations: 33 });

    // a viewer may look but not start; nobody without credentials may look
    expect((await call(service, 'POST', '/api/v1/demo', viewer)).status).toBe(403);
    expect((await call(service, 'DELETE', '/api/v1/demo', viewer)).status).toBe(403);
    expect((await call(service, 'GET', '/api/v1/demo', {})).status).toBe(401);
    expect((await call(service, 'DELETE', '/api/v1/demo', admin)).status).toBe(404);

    const started = await call(service, 'POST', '/api/v1/demo', admin);
    expect(started.status, started.text).toBe(201);
    const body = started.json() as { connection: { id: string; name: string }; run: string; accounts: number };
    expect(body).toMatchObject({ state: 'active', connection: { name: 'demo' } });
    await service.demo.drain();
    const run = await call(service, 'GET', `/api/v1/runs/${body.run}`, viewer);
    expect((run.json() as { status: string }).status).toBe('succeeded');
    let company = service.demo.simulator!.sim.allCompanies()[0]!;
    expect(company.members.size).toBe(body.accounts + 1); // and the company's creator

    // labels: the connection says it is the demo; the status says active
    const list = (await call(service, 'GET', '/api/v1/connections', viewer)).json() as { items: Array<{ name: string; demo: boolean; scope: { organizationRoots: string[] } }> };
    expect(list.items).toEqual([expect.objectContaining({ name: 'demo', demo: true })]);
    expect((await call(service, 'GET', '/api/v1/connections/demo', viewer)).json()).toMatchObject({ demo: true });
    expect((await call(service, 'GET', '/api/v1/demo', viewer)).json()).toMatchObject({ state: 'active', connection: body.connection });
    expect((await call(service, 'POST', '/api/v1/demo', admin)).status).toBe(409);
    // the demo connection is removed with the demo, not on its own
    const del = await call(service, 'DELETE', '/api/v1/connections/demo', admin);
    expect(del.status).toBe(409);
    expect(del.text).toContain('DELETE /api/v1/demo');
    // a real connection over the whole directory (or a sample organization) would sync the sample people: refused
    const whole = await call(service, 'POST', '/api/v1/connections', admin, { name: 'acme', corpId: 'ww0123456789abcdef', secret: 'x-secret', rootDepartmentId: 1 });
    expect(whole.status, whole.text).toBe(409);
    // a code and params the console words in the user's language; an English default without a REST call
    expect(whole.json()).toMatchObject({ type: 'urn:wecom-sync:problem:demo-active', code: 'demo-active.whole-directory', params: { company: expect.any(String) } });
    expect((whole.json() as { detail: string }).detail).not.toContain('/api/v1');
    const sampleScope = await call(service, 'POST', '/api/v1/connections', admin, {
      name: 'acme', corpId: 'ww0123456789abcdef', secret: 'x-secret', rootDepartmentId: 1, scope: { organizationRoots: list.items[0]!.scope.organizationRoots },
    });
    expect(sampleScope.status).toBe(409);
    // nor may the demo's own connection reach beyond the sample company (its scope, or its mapping's)
    const realId = (real.json() as { id: string }).id;
    const wider = defaultMappingDefinition();
    wider.scope.organizationRoots = [realId];
    expect((await call(service, 'PUT', '/api/v1/connections/demo/mapping', admin, { definition: wider })).status).toBe(409);
    expect((await call(service, 'PATCH', '/api/v1/connections/demo', admin, { scope: null })).status).toBe(409);
    expect((await call(service, 'PUT', '/api/v1/connections/demo/mapping', admin, { definition: defaultMappingDefinition() })).status).toBe(200);
    // the command line says so too, and refuses the same
    const listed = await cli(['connection', 'list'], dir);
    expect(listed.stdout).toMatch(/^demo \[demo\]\s+ww[0-9a-f]{16}\s+1\s+direct/m);
    expect(JSON.parse((await cli(['connection', 'list', '--json'], dir)).stdout)).toEqual([expect.objectContaining({ name: 'demo', demo: true })]);
    const cliDelete = await cli(['connection', 'delete', 'demo', '--yes'], dir);
    expect(cliDelete.code).toBe(2);
    expect(cliDelete.stderr).toContain('belongs to the demo');

    // a directory change reaches the simulator through the worker
    const record = (await service.demo.record())!;
    const someone = (await call(service, 'GET', `/api/v1/accounts/${record.accountIds[10]}`, viewer)).json() as { username: string; displayName: string };
    const renamed = await call(service, 'PATCH', `/api/v1/accounts/${record.accountIds[10]}`, admin, { displayName: '张三丰', title: '首席布道师' });
    expect(renamed.status, renamed.text).toBe(200);
    await until(service, () => company.members.find(someone.username)?.name === '张三丰');
    expect(company.members.find(someone.username)).toMatchObject({ name: '张三丰', position: '首席布道师' });

    // restart on the same data directory: a new simulator (empty), which the worker fills again
    const oldUrl = service.demo.simulator!.url;
    await service.close();
    ({ service, admin, viewer } = await serve(dir));
    expect(service.demo.simulator).not.toBeNull();
    expect(service.demo.simulator!.url).not.toBe(oldUrl);
    company = service.demo.simulator!.sim.allCompanies()[0]!;
    await until(service, () => company.members.size === body.accounts + 1); // and the company's creator
    expect(company.members.find(someone.username)?.name).toBe('张三丰');
    expect((await call(service, 'GET', '/api/v1/connections/demo', viewer)).json()).toMatchObject({ apiBase: service.demo.simulator!.url, demo: true });
    expect((await call(service, 'POST', '/api/v1/connections/demo/test', admin)).json()).toMatchObject({ ok: true });

    // remove: the connection, its runs and the sample company go; the real organization stays
    const removed = await call(service, 'DELETE', '/api/v1/demo', admin);
    expect(removed.status, removed.text).toBe(204);
    expect(service.demo.simulator).toBeNull();
    expect((await call(service, 'GET', '/api/v1/connections', viewer)).json()).toEqual({ items: [] });
    expect((await call(service, 'GET', `/api/v1/runs/${body.run}`, viewer)).status).toBe(404);
    const orgs = (await call(service, 'GET', '/api/v1/organizations', viewer)).json() as { items: Array<{ name: string }> };
    expect(orgs.items.map((o) => o.name)).toEqual(['Headquarters']);
    expect(((await call(service, 'GET', '/api/v1/accounts', viewer)).json() as { items: unknown[] }).items).toEqual([]);
    expect((await call(service, 'GET', '/api/v1/demo', viewer)).json()).toMatchObject({ state: 'available' });
    const actions = (await service.auditLog.list({ limit: 100 })).items.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['demo.start', 'demo.remove']));

    // the routes are documented
    const doc = (await call(service, 'GET', '/api/v1/openapi.json', {})).json() as { paths: Record<string, Record<string, { 'x-access': string }>> };
    expect(doc.paths['/api/v1/demo']?.get?.['x-access']).toBe('viewer');
    expect(doc.paths['/api/v1/demo']?.post?.['x-access']).toBe('admin');
    expect(doc.paths['/api/v1/demo']?.delete?.['x-access']).toBe('admin');
  }, 120_000);

  it('is unavailable (409 on start) when a real connection exists, and when switched off', async () => {
    const { service, admin, viewer } = await serve(dataDir(), { WECOM_SYNC_WORKER: 'off' });
    const c = await call(service, 'POST', '/api/v1/connections', admin, { name: 'acme', corpId: 'ww0123456789abcdef', secret: 'x-secret', rootDepartmentId: 1 });
    expect(c.status).toBe(201);
    expect((c.json() as { demo: boolean }).demo).toBe(false);
    const status = (await call(service, 'GET', '/api/v1/demo', viewer)).json() as { state: string; reason: string };
    expect(status.state).toBe('unavailable');
    expect(status.reason).toContain('"acme"');
    const refused = await call(service, 'POST', '/api/v1/demo', admin);
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('connection is configured');
    // deleting a real connection stays possible
    expect((await call(service, 'DELETE', '/api/v1/connections/acme', admin)).status).toBe(204);

    const off = await serve(dataDir(), { WECOM_SYNC_DEMO: 'off', WECOM_SYNC_WORKER: 'off' });
    expect((await call(off.service, 'GET', '/api/v1/demo', off.viewer)).json()).toMatchObject({ state: 'unavailable', reason: expect.stringContaining('WECOM_SYNC_DEMO=off') });
    expect((await call(off.service, 'POST', '/api/v1/demo', off.admin)).status).toBe(409);
  });
});
