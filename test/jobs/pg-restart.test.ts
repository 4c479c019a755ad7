// A PostgreSQL restart during runs: `serve --no-worker` and 2 workers on a private PostgreSQL server
// (test/helpers/postgres.ts — the machine's shared server is never restarted), two connections
// syncing. The server is stopped (pg_ctl -m fast: every connection closed) mid-run, kept down longer
// than the run lease, and started again. Every process stays up; /readyz says not ready while the
// database is gone and ready once it is back; the workers send nothing while they cannot hold their
// leases; the runs finish under the ids serve answered, with nothing lost and nothing sent twice;
// and a directory write through serve reaches WeCom afterwards (the queue and its wake-ups work).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivatePostgres, privatePostgresUnavailable, startPrivatePostgres } from '../helpers/postgres.js';
import { api, connectionInput, createDeployment, ended, type Deployment, type Proc, simCalls, simState, startProcess, startSimulatorProcess, until } from './cluster.js';

const why = privatePostgresUnavailable();
if (why) console.warn(`[pg-restart.test] skipped: ${why}`);

const CORPS = ['wwpgrestart1', 'wwpgrestart2'];
const MEMBERS = 40;
const LEASE_SECONDS = 3;

describe.skipIf(why !== null)('a PostgreSQL restart during runs', () => {
  let server: PrivatePostgres | undefined;
  let d: Deployment | undefined;
  let sim: Proc;
  let serve: Proc;
  let workers: Proc[] = [];
  const procs: Proc[] = [];

  beforeAll(async () => {
    server = await startPrivatePostgres();
    [d, sim] = await Promise.all([createDeployment(server.url), startSimulatorProcess(CORPS, ['--rate-limit', '10/1s', '--rate-limit-hour', 'off'])]);
    procs.push(sim);
    for (const [i, corp] of CORPS.entries()) {
      const org = await d.directory.createOrganization({ name: `Company ${i}` });
      await d.connections.create(connectionInput(`restart${i}`, corp, sim.url, { rateBudget: '10/1s', scope: { organizationRoots: [org.id] } }));
      for (let m = 0; m < MEMBERS; m++)
        await d.directory.createAccount({ username: `r${i}m${m}`, displayName: `Member ${i}-${m}`, organizationIds: [org.id], mobile: `+86 137${String(i * 1000 + m).padStart(8, '0')}` });
    }
    const env = d.env({ WECOM_SYNC_LEASE_SECONDS: String(LEASE_SECONDS), WECOM_SYNC_SWEEP_SECONDS: '1', WECOM_SYNC_FULL_INTERVAL: '0' });
    const started = await Promise.all([
      startProcess(['serve', '--no-worker'], d.env(), /serving on/),
      startProcess(['worker'], env, /ready on/),
      startProcess(['worker'], env, /ready on/),
    ]);
    procs.push(...started);
    [serve, ...workers] = started as [Proc, Proc, Proc];
  }, 120_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    try {
      server?.start(); // (if the test stopped while it was down) so that the database can be dropped
    } catch {
      // already running
    }
    await d?.close().catch(() => {});
    server?.dispose();
  });

  /** /readyz's status; a process that exited fails the test at once, with what it wrote */
  const ready = async (p: Proc): Promise<number> => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error(`wecom-sync ${p.child.spawnargs.slice(2).join(' ')} exited (${p.child.exitCode ?? p.child.signalCode}):\n${p.output().slice(-3000)}`);
    return (await fetch(`${p.url}/readyz`)).status;
  };
  const succeededOps = async (runId: string): Promise<number> =>
    Number((await d!.store.db.selectFrom('run_operations').select((eb) => eb.fn.countAll().as('n')).where('run_id', '=', runId).where('status', '=', 'succeeded').executeTakeFirstOrThrow()).n);

  it('every process survives; the runs finish under their ids with nothing lost and nothing sent twice', async () => {
    const db = d!;
    const runIds: string[] = [];
    for (const i of CORPS.keys()) {
      const r = await api(serve.url, db.token, 'POST', `/connections/restart${i}/runs`);
      expect(r.status).toBe(202);
      runIds.push(r.body.run as string);
    }
    await until('both runs to be under way', async () => (await Promise.all(runIds.map(succeededOps))).every((n) => n >= 8), 30_000);

    const doneAtStop = await Promise.all(runIds.map(succeededOps));
    server!.stop();
    const stoppedAt = Date.now();
    const all = [serve, ...workers];
    await until('every process to report not ready', async () => (await Promise.all(all.map(ready))).every((s) => s === 503), 20_000);
    // down for longer than the lease: the workers cannot confirm theirs, so they stop sending
    // (within three quarters of it); this wait is the outage's length, not a synchronisation
    const quietFrom = stoppedAt + LEASE_SECONDS * 1000;
    await until('the outage to outlast the lease', async () => Date.now() > quietFrom + 1000, 10_000);
    expect(all.filter((p) => p.child.exitCode !== null || p.child.signalCode !== null)).toEqual([]);
    server!.start();
    const restartedAt = Date.now();
    const sent = (await simCalls(sim)).filter((c) => CORPS.includes(c.corpid ?? '') && c.at > quietFrom && c.at < restartedAt);
    expect(sent).toEqual([]);

    await until('every process to report ready again', async () => (await Promise.all(all.map(ready))).every((s) => s === 200), 30_000);
    console.log(`database down ${restartedAt - stoppedAt} ms with ${doneAtStop.join(' and ')} of ${MEMBERS + 1} operations done; every process ready ${Date.now() - restartedAt} ms after the restart`);
    const runs = await until('both runs to end', () => ended(db.store, runIds), 60_000);
    for (const r of runs.filter((x) => x.status !== 'succeeded')) {
      const left = await db.store.db.selectFrom('run_operations').select(['kind', 'key', 'status', 'errcode', 'errmsg']).where('run_id', '=', r.id).where('status', '!=', 'succeeded').execute();
      console.log(`run ${r.id} ended ${r.status}:`, JSON.stringify(r.error), JSON.stringify(left.slice(0, 10)));
    }
    expect(runs.map((r) => [r.id, r.status])).toEqual(runIds.map((id) => [id, 'succeeded']));

    const state = await simState(sim);
    const calls = await simCalls(sim);
    for (const [i, corp] of CORPS.entries()) {
      const members = state.find((c) => c.corpid === corp)!.members.filter((m) => m.userid !== 'creator');
      expect(members.map((m) => m.userid).sort(), corp).toEqual(Array.from({ length: MEMBERS }, (_, m) => `r${i}m${m}`).sort());
      const creates = calls.filter((c) => c.corpid === corp && c.api === 'user/create');
      // each created once (a create in flight when the database went away is sent again: answered "exists")
      expect(creates.filter((c) => c.errcode === 0), corp).toHaveLength(MEMBERS);
      expect(creates.filter((c) => c.errcode !== 0 && c.errcode !== 60102), corp).toEqual([]);
      expect(calls.filter((c) => c.corpid === corp && (c.errcode === 45009 || c.errcode === null)), corp).toEqual([]);
    }

    // the deployment works on: a write through serve wakes a worker, which syncs it
    const org = (await db.directory.getTree()).find((o) => o.name === 'Company 0')!;
    const created = await api(serve.url, db.token, 'POST', '/accounts', { username: 'r0late', displayName: 'Late', organizationIds: [org.id], mobile: '+86 13799999999' });
    expect(created.status).toBe(201);
    await until('the late account in WeCom', async () => (await simState(sim)).find((c) => c.corpid === CORPS[0])!.members.some((m) => m.userid === 'r0late'), 15_000);
    expect(all.filter((p) => p.child.exitCode !== null || p.child.signalCode !== null).map((p) => p.output().slice(-2000))).toEqual([]);
  }, 150_000);
});
