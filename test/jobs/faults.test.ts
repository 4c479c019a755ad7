// Faults of a PostgreSQL deployment, with real worker processes and a simulator process: a worker
// killed with kill -9 mid-run — another worker resumes the run under its id, soon (same machine:
// at once, found by the sweep), and finishes it without creating anything twice; a worker stopped
// with SIGTERM hands its run back once its calls in flight are recorded; two workers racing for
// one connection — only one run.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgJobQueue } from '../../src/jobs/index.js';
import { getRun, queueRun } from '../../src/sync/state/runs.js';
import { runCli } from '../helpers/cli.js';
import { connectionInput, createDeployment, type Deployment, type Proc, simCalls, simState, startProcess, startSimulatorProcess, until } from './cluster.js';

const CORP = 'wwjobsfaults';
let d: Deployment;
let sim: Proc;
let queue: PgJobQueue;
const procs: Proc[] = [];
// PGAPPNAME names the workers' store connections (pg-boss and the listener name theirs), so a test can cut them
const workerEnv = (): Record<string, string> =>
  d.env({ WECOM_SYNC_LEASE_SECONDS: '2', WECOM_SYNC_SWEEP_SECONDS: '1', PGAPPNAME: 'wecom-sync-worker-test', LOG_LEVEL: process.env.DEBUG_JOBS ? 'debug' : 'warn' });
const startWorker = async (): Promise<Proc> => {
  const w = await startProcess(['worker'], workerEnv(), /ready on/);
  procs.push(w);
  return w;
};
/** The workers alive now (the tests share them: a process start costs seconds of CPU). */
let live: Proc[] = [];
/** The live worker executing `runId`, and the others. */
async function ownerOf(runId: string): Promise<{ owner: Proc; others: Proc[] }> {
  const lease = (await getRun(d.store.db, runId))!.leaseOwner!;
  const owner = live.find((w) => w.child.pid === Number(lease.split(':')[1]))!;
  return { owner, others: live.filter((w) => w !== owner) };
}

beforeAll(async () => {
  [d, sim] = await Promise.all([createDeployment(), startSimulatorProcess([CORP])]);
  procs.push(sim);
  queue = await PgJobQueue.start({ url: d.db.url });
  live = await Promise.all([startWorker(), startWorker()]);
}, 60_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  await queue?.stop();
  await d?.close();
});

/** A connection whose root department holds `n` accounts, synced at 25 calls a second (so a run lasts). */
async function connection(name: string, root: number, n: number): Promise<string> {
  await fetch(`${sim.url}/_sim/corps/${CORP}/departments`, { method: 'POST', body: JSON.stringify({ name: `root-${name}`, parentid: 1, id: root }) });
  const c = await d.connections.create(connectionInput(name, CORP, sim.url, { rootDepartmentId: root, rateBudget: '20/1s', scope: { organizationRoots: [] } }));
  const org = await d.directory.createOrganization({ name: `org-${name}` });
  await d.connections.update(c.id, { scope: { organizationRoots: [org.id] } });
  for (let i = 0; i < n; i++)
    await d.directory.createAccount({ username: `${name}${i}`, displayName: `${name} ${i}`, organizationIds: [org.id], mobile: `+86 139${String(root * 1000 + i).padStart(8, '0')}` });
  return c.id;
}

const succeededOps = async (runId: string): Promise<number> =>
  Number((await d.store.db.selectFrom('run_operations').select((eb) => eb.fn.countAll().as('n')).where('run_id', '=', runId).where('status', '=', 'succeeded').executeTakeFirstOrThrow()).n);
const finished = (runId: string) => async () => {
  const r = await getRun(d.store.db, runId);
  return r && !['queued', 'planned', 'running'].includes(r.status) ? r : undefined;
};
const membersOf = async (prefix: string): Promise<string[]> =>
  (await simState(sim)).find((c) => c.corpid === CORP)!.members.map((m) => m.userid).filter((u) => u.startsWith(prefix));

describe('workers and faults', () => {
  it('kill -9 mid-run: another worker resumes the run under its id within the bound and creates nothing twice', async () => {
    const id = await connection('kill', 1001, 60);
    const { runId } = await queueRun(d.store, id, 'full');
    await queue.send([{ connectionId: id }]);
    await until('the run to be under way', async () => (await succeededOps(runId)) >= 10);
    const { owner: victim, others } = await ownerOf(runId);
    const other = others[0]!;
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await victim.exited).toBe('SIGKILL');
    expect(await succeededOps(runId)).toBeLessThan(60);
    // taken over: the lease owner is the other process
    await until('the takeover', async () => {
      const r = await getRun(d.store.db, runId);
      return r?.leaseOwner?.split(':')[1] === String(other.child.pid) || (r?.status === 'succeeded' && r);
    });
    const takeoverMs = Date.now() - killedAt;
    // same machine: the dead pid is seen at once; the sweep (1 s) sends the job
    expect(takeoverMs).toBeLessThan(4000);
    const run = await until('the run to finish', finished(runId), 30_000);
    expect(run.status).toBe('succeeded');
    expect(run.id).toBe(runId);
    expect((await membersOf('kill')).sort()).toHaveLength(60);
    // each member created once; a create in flight at the kill may be sent again (answered "exists")
    const creates = (await simCalls(sim)).filter((c) => c.api === 'user/create' && c.corpid === CORP);
    expect(creates.filter((c) => c.errcode === 0)).toHaveLength(60);
    expect(creates.length - 60).toBeLessThanOrEqual(25);
    expect(creates.every((c) => c.errcode === 0 || c.errcode === 60102)).toBe(true);
    live = [other, await startWorker()];
  }, 60_000);

  it('SIGTERM mid-run: the worker hands its run back once its calls are recorded; another finishes it', async () => {
    const id = await connection('term', 1002, 60);
    const { runId } = await queueRun(d.store, id, 'full');
    await queue.send([{ connectionId: id }]);
    await until('the run to be under way', async () => (await succeededOps(runId)) >= 10);
    const { owner: a, others } = await ownerOf(runId);
    // the other worker is stopped as well, so that what SIGTERM leaves behind can be seen
    others[0]!.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    expect(await a.stop('SIGTERM')).toBe(0);
    // it did not wait for the run (60 calls at 20/s) to end: handed back, unfinished
    const left = await getRun(d.store.db, runId);
    expect(left!.status).toBe('running');
    expect(await succeededOps(runId)).toBeLessThan(60);
    expect(Date.parse(left!.leaseExpiresAt!)).toBeLessThanOrEqual(Date.now());
    const inFlight = await d.store.db.selectFrom('run_operations').select('op_id').where('run_id', '=', runId).where('status', '=', 'running').execute();
    expect(inFlight).toEqual([]);
    others[0]!.child.kill('SIGCONT');
    const run = await until('the run to finish', finished(runId), 30_000);
    expect(run.status).toBe('succeeded');
    expect(run.leaseOwner).toBeNull();
    expect((await membersOf('term')).sort()).toHaveLength(60);
    const creates = (await simCalls(sim)).filter((c) => c.api === 'user/create' && c.errcode === 0);
    expect(creates).toHaveLength(120);
    // nothing was in flight when it was handed back: no create was sent twice
    expect((await simCalls(sim)).filter((c) => c.api === 'user/create' && c.errcode === 60102)).toHaveLength(
      (await simCalls(sim)).filter((c) => c.api === 'user/create' && c.errcode === 60102 && c.at < stoppedAt).length,
    );
    live = [others[0]!, await startWorker()];
  }, 60_000);

  it('two workers racing for one connection: one run; the job that arrives meanwhile is dropped, not run twice', async () => {
    const id = await connection('race', 1003, 80);
    const [a, b] = live as [Proc, Proc];
    const { runId } = await queueRun(d.store, id, 'full');
    await queue.send([{ connectionId: id }]);
    await until('the run to be under way', async () => (await succeededOps(runId)) >= 3);
    // wecom-sync status --cluster: which worker runs what
    const status = await runCli(['status', '--cluster', '--json'], { env: { DATABASE_URL: d.db.url } });
    expect(status.stderr).toBe('');
    const cluster = JSON.parse(status.stdout) as { workers: Array<{ pid: number; state: string; runs: Array<{ runId: string; connection: string }> }> };
    const registered = cluster.workers.filter((w) => w.state === 'running');
    expect(registered.map((w) => w.pid).sort()).toEqual([a.child.pid, b.child.pid].sort());
    expect(registered.flatMap((w) => w.runs)).toEqual([expect.objectContaining({ runId, connection: 'race' })]);
    // more jobs for the connection while it runs: whichever worker takes them meets the active run
    await queue.send([{ connectionId: id }]);
    await until('the second job to be taken', async () => (await queue.depth()) === 0);
    await queue.send([{ connectionId: id }]);
    const run = await until('the run to finish', finished(runId), 30_000);
    expect(run.status).toBe('succeeded');
    const runs = await d.store.db.selectFrom('runs').select(['id', 'status']).where('connection_id', '=', id).execute();
    expect(runs).toEqual([{ id: runId, status: 'succeeded' }]);
    expect((await membersOf('race')).sort()).toHaveLength(80);
  }, 60_000);

  it('the workers lose their database connections mid-run: they go on when it answers again, and the run finishes without duplicates', async () => {
    const id = await connection('cut', 1004, 60);
    const createdBefore = (await simCalls(sim)).filter((c) => c.api === 'user/create' && c.errcode === 0).length;
    const { runId } = await queueRun(d.store, id, 'full');
    await queue.send([{ connectionId: id }]);
    await until('the run to be under way', async () => (await succeededOps(runId)) >= 10);
    // every connection of the workers (store, pg-boss, LISTEN) is closed by the server, as in a restart
    const cut = await d.store.db
      .selectFrom(sql<{ pid: number; application_name: string; datname: string }>`pg_stat_activity`.as('a'))
      .select(sql<boolean>`pg_terminate_backend(a.pid)`.as('done'))
      .where('a.datname', '=', new URL(d.db.url).pathname.slice(1))
      .where('a.application_name', 'in', ['wecom-sync-worker-test', 'wecom-sync-jobs', 'wecom-sync-listen'])
      .where(sql<boolean>`a.pid <> pg_backend_pid()`)
      .execute();
    expect(cut.length).toBeGreaterThan(0);
    const run = await until('the run to finish', finished(runId), 30_000);
    // an answer that could not be recorded while the database was away is not the operation's
    // failure: the run stops as a store outage and is resumed under its id (it ended partial
    // before, once in 4 CI legs) — and either way nothing is lost and nothing is sent twice (below)
    const left = await d.store.db.selectFrom('run_operations').select(['op_id', 'status', 'errmsg']).where('run_id', '=', runId).where('status', '!=', 'succeeded').execute();
    expect(run.status, JSON.stringify(left)).toBe('succeeded');
    const dead = live.filter((w) => w.child.exitCode !== null);
    expect(dead.map((w) => w.output().split('\n').filter((l) => !l.startsWith('{"level":"warn"')).slice(-40).join('\n'))).toEqual([]);
    expect((await membersOf('cut')).sort()).toHaveLength(60);
    expect((await simCalls(sim)).filter((c) => c.api === 'user/create' && c.errcode === 0).length - createdBefore).toBe(60);
    // and the queue works again: a directory write is synced by an incremental run
    const org = (await d.connections.get(id)).scope.organizationRoots[0]!;
    await d.directory.createAccount({ username: 'cut-late', displayName: 'late', organizationIds: [org], mobile: '+86 13900099999' });
    await queue.send([{ connectionId: id }]);
    await until('the late account in WeCom', async () => (await membersOf('cut-late')).length === 1, 15_000);
  }, 60_000);
});
