// A PostgreSQL deployment as real processes: `serve --no-worker` queues runs and sends nothing to
// WeCom; a `wecom-sync worker` executes them under the run id serve answered; directory writes on
// serve wake the worker; SIGTERM lets the worker finish what it runs; a worker refuses to start
// without the deployment's secret key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRun } from '../../src/sync/state/runs.js';
import { api, connectionInput, createDeployment, type Deployment, type Proc, simCalls, simState, startProcess, startSimulatorProcess, until } from './cluster.js';

const CORP = 'wwjobsserve';
let d: Deployment;
let sim: Proc;
let serve: Proc;
const procs: Proc[] = [];

beforeAll(async () => {
  [d, sim] = await Promise.all([createDeployment(), startSimulatorProcess([CORP])]);
  procs.push(sim);
  await d.connections.create(connectionInput('acme', CORP, sim.url));
  const org = await d.directory.createOrganization({ name: 'Engineering' });
  for (let i = 0; i < 5; i++) await d.directory.createAccount({ username: `u${i}`, displayName: `User ${i}`, organizationIds: [org.id], mobile: `+86 1380000${1000 + i}` });
  serve = await startProcess(['serve', '--no-worker'], d.env(), /serving on/);
  procs.push(serve);
}, 60_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  await d?.close();
});

const members = async (): Promise<string[]> =>
  (await simState(sim)).find((c) => c.corpid === CORP)!.members.map((m) => m.userid).filter((u) => u.startsWith('u')).sort();

describe('serve --no-worker and wecom-sync worker', () => {
  it('a worker refuses to start against PostgreSQL without WECOM_SYNC_SECRET_KEY, saying why', async () => {
    const env = d.env();
    delete (env as Record<string, string | undefined>).WECOM_SYNC_SECRET_KEY;
    const p = startProcess(['worker'], env, /ready on/);
    await expect(p).rejects.toThrow(/exited \(2\)[\s\S]*needs WECOM_SYNC_SECRET_KEY: every process of a deployment must use the same key/);
  });

  it('POST /runs answers 202 with a queued run id and sends nothing to WeCom; a second request coalesces into it', async () => {
    const first = await api(serve.url, d.token, 'POST', '/connections/acme/runs');
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'queued', coalesced: false });
    const again = await api(serve.url, d.token, 'POST', '/connections/acme/runs');
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ run: first.body.run, status: 'queued', coalesced: true });
    // plans are made by workers, and none runs yet (test/jobs/plans.test.ts: with one)
    const plan = await api(serve.url, d.token, 'GET', '/connections/acme/plan');
    expect(plan).toMatchObject({ status: 503, body: { code: 'plan.no-worker' } });
    const run = await api(serve.url, d.token, 'GET', `/runs/${first.body.run as string}`);
    expect(run.body).toMatchObject({ status: 'queued', finished: false });
    expect(await simCalls(sim)).toEqual([]);
  });

  it('a worker executes the queued run under that id; a directory write on serve reaches WeCom through it', async () => {
    const worker = await startProcess(['worker'], d.env({ WECOM_SYNC_SWEEP_SECONDS: '1' }), /ready on/);
    procs.push(worker);
    const runId = (await d.store.db.selectFrom('runs').select('id').executeTakeFirstOrThrow()).id;
    const done = await until('the queued run to finish', async () => {
      const r = await getRun(d.store.db, runId);
      return r && r.status !== 'queued' && r.status !== 'planned' && r.status !== 'running' ? r : undefined;
    });
    expect(done.status).toBe('succeeded');
    expect(await members()).toEqual(['u0', 'u1', 'u2', 'u3', 'u4']);
    // /readyz and /metrics of the worker
    expect((await fetch(`${worker.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${worker.url}/metrics`)).text()).toMatch(/wecom_sync_active_runs \d/);

    const org = (await d.directory.snapshot()).organizations[0]!;
    const t0 = Date.now();
    const created = await api(serve.url, d.token, 'POST', '/accounts', { username: 'u5', displayName: 'User 5', organizationIds: [org.id], mobile: '+86 13800001005' });
    expect(created.status).toBe(201);
    await until('u5 in WeCom', async () => (await members()).includes('u5'), 10_000);
    // woken by the write (LISTEN/NOTIFY), not by the 1 s sweep or the 2 s poll
    expect(Date.now() - t0).toBeLessThan(1000);
    // the incremental run is a run of its own, not the API's
    // (the member reaches WeCom a moment before the run records its end: wait for that, bounded)
    const runs = await until('the incremental run to finish', async () => {
      const rs = await d.store.db.selectFrom('runs').select(['id', 'kind', 'status']).orderBy('created_at').execute();
      return rs.every((r) => r.status !== 'running' && r.status !== 'planned') ? rs : undefined;
    });
    expect(runs.map((r) => [r.kind, r.status])).toEqual([
      ['full', 'succeeded'],
      ['incremental', 'succeeded'],
    ]);
    expect(runs[0]!.id).toBe(runId);

    // SIGTERM: a clean stop
    expect(await worker.stop('SIGTERM')).toBe(0);
    const row = await d.store.db.selectFrom('sync_workers').selectAll().executeTakeFirstOrThrow();
    expect(row.state).toBe('stopped');
  });

  it('serve without --no-worker on PostgreSQL is a worker of the cluster: it syncs a write itself and is registered', async () => {
    const both = await startProcess(['serve'], d.env({ WECOM_SYNC_SWEEP_SECONDS: '1' }), /serving on/);
    procs.push(both);
    const org = (await d.directory.snapshot()).organizations[0]!;
    const created = await api(both.url, d.token, 'POST', '/accounts', { username: 'u6', displayName: 'User 6', organizationIds: [org.id], mobile: '+86 13800001006' });
    expect(created.status).toBe(201);
    await until('u6 in WeCom', async () => (await members()).includes('u6'), 10_000);
    // (a worker of an earlier test may still be registered while it drains: this serve is the one at its URL)
    const rows = await d.store.db.selectFrom('sync_workers').select(['state', 'url']).where('state', '=', 'running').where('url', '=', both.url).execute();
    expect(rows).toEqual([{ state: 'running', url: both.url }]);
    expect(await both.stop('SIGTERM')).toBe(0);
  });
});
