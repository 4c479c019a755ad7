// The sync worker hosted by `serve`: a directory write through the REST API reaches WeCom (the
// simulator over HTTPS) without anyone running `sync`, the sync metrics are fed, and the graceful
// shutdown stops the worker before the store closes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Connections } from '../../src/connections/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { resolveServeConfig } from '../../src/server/config.js';
import { type Service, startService } from '../../src/server/service.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import type { WorkerEvent } from '../../src/sync/index.js';
import { hasAnyRun } from '../../src/sync/state/runs.js';
import { createWeComClient } from '../../src/wecom/index.js';

const CORP = { corpid: 'wwserve', secret: 'serve-secret-0123456789' };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(env: Record<string, string> = {}): Promise<{ service: Service; sim: RunningSimulator; token: string; metrics: ReturnType<typeof createMetrics> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-worker-'));
  cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const sim = await startSimulator({ port: 0, corps: [CORP] });
  cleanups.push(() => sim.close());
  const metrics = createMetrics({ defaults: false });
  const config = resolveServeConfig({ port: '0', dataDir: dir }, { WECOM_SYNC_ADMIN_PASSWORD: 'chosen-password-1', ...env });
  const service = await startService(config, {
    logger: createLogger({ level: 'silent' }),
    metrics,
    announce: () => {},
    // an hour-long poll: only the REST API's notify() can wake the worker within the test
    sync: { pollMs: 3_600_000, clientFactory: (o) => createWeComClient({ ...o, retry: { baseDelayMs: 2, maxDelayMs: 10 } }) },
  });
  cleanups.push(() => service.close());
  const admin = (await service.auth.findUser('admin'))!;
  const token = (await service.auth.createToken({ kind: 'user', userId: admin.id, username: 'admin', role: 'admin' }, 'test', 'admin')).token;
  await new Connections(service.store, service.secretBox).create({
    name: 'acme',
    corpId: CORP.corpid,
    secret: CORP.secret,
    rootDepartmentId: 1,
    apiBase: sim.url,
    caPem: sim.caPem ?? null,
    policies: { onAccountDeleted: 'delete', onAccountDisabled: 'disable', onOrganizationDeleted: 'delete', safety: { maxDeletes: 1000, maxDeletePercent: 100 } },
  });
  return { service, sim, token, metrics };
}

async function post(service: Service, token: string, url: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${service.url}${url}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(r.status, await r.clone().text()).toBe(201);
  return (await r.json()) as Record<string, unknown>;
}

/** Resolves once `done()` holds, checked after every worker cycle (no sleeps). */
function until(service: Service, done: () => boolean, seen: WorkerEvent[]): Promise<void> {
  const worker = service.sync.worker!;
  return new Promise((resolve) => {
    const check = (e: WorkerEvent): void => {
      seen.push(e);
      if (e.type === 'idle' && done()) {
        worker.off('event', check);
        resolve();
      }
    };
    worker.on('event', check);
  });
}

describe('the sync worker inside serve', () => {
  it('syncs an account created through the REST API into WeCom, feeds the metrics, and stops on shutdown', async () => {
    const { service, sim, token } = await setup();
    expect(service.sync.worker).not.toBeNull();
    const company = sim.sim.company(CORP.corpid);
    const member = () => company.members.all().find((m) => m.name === 'Ada Lovelace');

    const seen: WorkerEvent[] = [];
    // A connection that never ran is left alone: its first run is started by a person (after the plan).
    const ignored = until(service, () => true, seen);
    const org = await post(service, token, '/api/v1/organizations', { name: 'Engineering' });
    await ignored;
    expect(company.departments.all().some((d) => d.name === 'Engineering')).toBe(false);
    expect(await hasAnyRun(service.store.db, (await new Connections(service.store, service.secretBox).get('acme')).id)).toBe(false);
    const first = await service.sync.pipeline.apply('acme');
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');

    const synced = until(service, () => member() !== undefined, seen);
    await post(service, token, '/api/v1/accounts', { username: 'ada', displayName: 'Ada Lovelace', organizationIds: [org.id], mobile: '13800000001', email: 'ada@example.com' });
    await synced;

    const m = member()!;
    expect(m.mobile).toMatch(/13800000001$/);
    const dept = company.departments.all().find((d) => d.name === 'Engineering');
    expect(dept).toBeDefined();
    expect(m.department).toEqual([dept!.id]);
    const runs = seen.filter((e): e is Extract<WorkerEvent, { type: 'run' }> => e.type === 'run');
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((r) => r.report.status === 'succeeded')).toBe(true);
    expect(seen.filter((e) => e.type === 'error')).toEqual([]);

    // the metrics, as Prometheus scrapes them (loopback bind: public)
    await service.sync.worker!.whenIdle();
    await service.sync.settled();
    const text = await (await fetch(`${service.url}/metrics`)).text();
    const count = /^wecom_api_call_duration_seconds_count\{[^}]*\} (\d+)/m.exec(text);
    expect(count, text).not.toBeNull();
    expect(Number(count![1])).toBeGreaterThan(0);
    expect(text).toMatch(/^wecom_sync_operations_total\{kind="member\.create",result="succeeded",errcode="0"\} 1$/m);
    expect(text).toMatch(/^wecom_sync_operations_total\{kind="department\.create",result="succeeded",errcode="0"\} 1$/m);
    // once per run: the first (started like the console's Apply) and the worker's
    expect(text).toMatch(new RegExp(`^wecom_sync_runs_total\\{status="succeeded"\\} ${new Set(runs.map((r) => r.report.runId)).size + 1}$`, 'm'));
    const connection = (await new Connections(service.store, service.secretBox).get('acme')).id;
    expect(text).toContain(`wecom_sync_change_feed_lag{connection="${connection}"} 0`);
    expect(text).toMatch(/^wecom_sync_queue_depth 0$/m);

    // graceful shutdown: the worker stops (no run left active), then the store closes
    const stopped: string[] = [];
    const origStop = service.sync.worker!.stop.bind(service.sync.worker!);
    service.sync.worker!.stop = async () => {
      await origStop();
      stopped.push('worker stopped');
    };
    const origClose = service.store.close.bind(service.store);
    service.store.close = async () => {
      stopped.push('store closing');
      await origClose();
    };
    await service.close();
    expect(stopped).toEqual(['worker stopped', 'store closing']);
  });

  it('WECOM_SYNC_WORKER=off: no worker; a run started another way (the API) is still counted', async () => {
    const { service, sim, token, metrics } = await setup({ WECOM_SYNC_WORKER: 'off', WECOM_SYNC_FULL_INTERVAL: '0' });
    expect(service.sync.worker).toBeNull();
    await post(service, token, '/api/v1/organizations', { name: 'Engineering' });
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    expect(sim.sim.company(CORP.corpid).departments.all().some((d) => d.name === 'Engineering')).toBe(false);

    const report = await service.sync.pipeline.apply('acme');
    expect(report.status).toBe('succeeded');
    await service.sync.settled();
    const runs = await metrics.runsTotal.get();
    expect(runs.values).toEqual([{ labels: { status: 'succeeded' }, value: 1 }]);
    const ops = await metrics.operationsTotal.get();
    expect(ops.values).toEqual([{ labels: { kind: 'department.create', result: 'succeeded', errcode: '0' }, value: 1 }]);
    expect((await metrics.wecomCallDuration.get()).values.some((v) => v.metricName === 'wecom_api_call_duration_seconds_count' && v.value > 0)).toBe(true);
  });

  it('a retried run is counted too: its operations that succeed on retry appear in the metrics', async () => {
    const { service, sim, token, metrics } = await setup({ WECOM_SYNC_WORKER: 'off', WECOM_SYNC_FULL_INTERVAL: '0' });
    const company = sim.sim.company(CORP.corpid);
    const org = await post(service, token, '/api/v1/organizations', { name: 'Engineering' });
    await post(service, token, '/api/v1/accounts', { username: 'ada', displayName: 'Ada', mobile: '13900000001', organizationIds: [org.id] });
    const bob = await post(service, token, '/api/v1/accounts', { username: 'bob', displayName: 'Bob', mobile: '13900000002', organizationIds: [org.id] });
    const first = await service.sync.pipeline.apply('acme');
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');

    // Bob takes Ada's number in the directory: WeCom refuses the update (60104)
    const patched = await fetch(`${service.url}/api/v1/accounts/${String(bob.id)}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mobile: '13900000001' }),
    });
    expect(patched.status).toBe(200);
    const partial = await service.sync.pipeline.apply('acme');
    expect(partial.status).toBe('partial');
    company.members.delete('ada'); // the number is freed in WeCom by hand
    const retried = await service.sync.pipeline.retry('acme', partial.runId!);
    expect(retried.status).toBe('succeeded');
    await service.sync.settled();

    const runs = (await metrics.runsTotal.get()).values.map((v) => [v.labels.status, v.value]);
    expect(runs).toEqual(expect.arrayContaining([['partial', 1], ['succeeded', 2]]));
    const updates = (await metrics.operationsTotal.get()).values.filter((v) => v.labels.kind === 'member.update');
    expect(updates).toEqual(
      expect.arrayContaining([
        { labels: { kind: 'member.update', result: 'failed', errcode: '60104' }, value: 1 },
        { labels: { kind: 'member.update', result: 'succeeded', errcode: '0' }, value: 1 },
      ]),
    );
  });

  it('parses the worker settings', () => {
    expect(resolveServeConfig({}, {})).toMatchObject({ worker: true, fullIntervalMs: 3600_000 });
    expect(resolveServeConfig({}, { WECOM_SYNC_WORKER: 'off', WECOM_SYNC_FULL_INTERVAL: '0' })).toMatchObject({ worker: false, fullIntervalMs: 0 });
    expect(() => resolveServeConfig({}, { WECOM_SYNC_WORKER: 'maybe' })).toThrow(/WECOM_SYNC_WORKER/);
    expect(() => resolveServeConfig({}, { WECOM_SYNC_FULL_INTERVAL: '-5' })).toThrow(/WECOM_SYNC_FULL_INTERVAL/);
  });
});

describe('a saved mapping change', () => {
  async function call(service: Service, token: string, method: string, url: string, body?: unknown): Promise<Record<string, unknown>> {
    const r = await fetch(`${service.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    expect(r.status, await r.clone().text()).toBeLessThan(300);
    return (await r.json()) as Record<string, unknown>;
  }
  /** The stored (default) definition with members.position computed by `expression`. */
  async function withPosition(service: Service, token: string, expression: string): Promise<unknown> {
    const m = (await call(service, token, 'GET', '/api/v1/connections/acme/mapping')) as { definition: { members: Record<string, string> } };
    return { ...m.definition, members: { ...m.definition.members, position: expression } };
  }

  it('is pending until a full run applies it; the plan says "mapping changed" for what only the mapping changed', async () => {
    const { service, sim, token } = await setup({ WECOM_SYNC_WORKER: 'off', WECOM_SYNC_FULL_INTERVAL: '0' });
    const company = sim.sim.company(CORP.corpid);
    const org = await post(service, token, '/api/v1/organizations', { name: 'Engineering' });
    await post(service, token, '/api/v1/accounts', { username: 'ada', displayName: 'Ada', title: 'engineer', mobile: '13700000001', organizationIds: [org.id] });
    const bob = await post(service, token, '/api/v1/accounts', { username: 'bob', displayName: 'Bob', title: 'engineer', mobile: '13700000002', organizationIds: [org.id] });
    expect((await service.sync.pipeline.apply('acme')).status).toBe('succeeded');
    const status = async () => (await call(service, token, 'GET', '/api/v1/connections/acme/status')) as { mapping: { pending: boolean } };
    expect((await status()).mapping.pending).toBe(false);

    // bob changes in the directory, then the mapping changes for everyone
    await call(service, token, 'PATCH', `/api/v1/accounts/${String(bob.id)}`, { displayName: 'Bob Li' });
    await call(service, token, 'PUT', '/api/v1/connections/acme/mapping', { definition: await withPosition(service, token, "upper(title)") });
    expect((await status()).mapping.pending).toBe(true);

    const plan = (await call(service, token, 'GET', '/api/v1/connections/acme/plan')) as { operations: Array<{ kind: string; target: { userid?: string }; reason: string }> };
    const reasonOf = (userid: string) => plan.operations.find((o) => o.target.userid === userid)?.reason;
    expect(reasonOf('ada')).toMatch(/^mapping changed/);
    expect(reasonOf('bob')).toBe('changed in directory');
    expect(plan.operations).toHaveLength(2);

    const applied = await service.sync.pipeline.apply('acme');
    expect(applied.status).toBe('succeeded');
    expect(company.members.get('ada')?.position).toBe('ENGINEER');
    expect((await status()).mapping.pending).toBe(false);
    expect(((await call(service, token, 'GET', '/api/v1/connections/acme/plan')) as { operations: unknown[] }).operations).toEqual([]);
  });

  it('in serve, reaches WeCom at once: the worker starts a full run when the mapping is saved', async () => {
    const { service, sim, token } = await setup();
    const company = sim.sim.company(CORP.corpid);
    const org = await post(service, token, '/api/v1/organizations', { name: 'Engineering' });
    await post(service, token, '/api/v1/accounts', { username: 'ada', displayName: 'Ada', title: 'engineer', mobile: '13700000001', organizationIds: [org.id] });
    expect((await service.sync.pipeline.apply('acme')).status).toBe('succeeded');
    await service.sync.worker!.whenIdle();

    const seen: WorkerEvent[] = [];
    const applied = until(service, () => company.members.get('ada')?.position === 'ENGINEER', seen);
    await call(service, token, 'PUT', '/api/v1/connections/acme/mapping', { definition: await withPosition(service, token, 'upper(title)') });
    await applied;
    const runs = seen.filter((e): e is Extract<WorkerEvent, { type: 'run' }> => e.type === 'run');
    expect(runs.map((r) => r.report.kind)).toEqual(['full']);
    expect(runs[0]!.report.plan?.operations.map((o) => o.reason.cause)).toEqual(['mapping changed']);
  });
});
