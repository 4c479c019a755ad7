// WeCom's budget shared by worker processes: two workers sync two connections of one company at
// the same time, each connection alone allowed the company's whole budget; the simulator (its own
// process, at a scaled budget) shows that no window was ever exceeded in sum and no call refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgJobQueue } from '../../src/jobs/index.js';
import { getRun, queueRun } from '../../src/sync/state/runs.js';
import { busiest, connectionInput, createDeployment, type Deployment, ended, groupBy, type Proc, simCalls, simState, startProcess, startSimulatorProcess, until } from './cluster.js';

const CORP = 'wwjobsbudget';
const MINUTE = { count: 15, windowMs: 1000 };
const HOUR = { count: 50, windowMs: 4000 };
let d: Deployment;
let sim: Proc;
let queue: PgJobQueue;
const procs: Proc[] = [];

beforeAll(async () => {
  [d, sim] = await Promise.all([
    createDeployment(),
    startSimulatorProcess([CORP, 'wwjobsbig', 'wwjobssmall1', 'wwjobssmall2', 'wwjobssmall3'], ['--rate-limit', `${MINUTE.count}/1s`, '--rate-limit-hour', `${HOUR.count}/4s`, '--rate-block', '1s']),
  ]);
  procs.push(sim);
  queue = await PgJobQueue.start({ url: d.db.url });
}, 60_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  await queue?.stop();
  await d?.close();
});

async function connection(name: string, root: number, n: number, corp = CORP): Promise<string> {
  await fetch(`${sim.url}/_sim/corps/${corp}/departments`, { method: 'POST', body: JSON.stringify({ name: `root-${name}`, parentid: 1, id: root }) });
  // each connection alone may use the company's whole budget
  const c = await d.connections.create(connectionInput(name, corp, sim.url, { rootDepartmentId: root, rateBudget: '15/1s,50/4s' }));
  const org = await d.directory.createOrganization({ name: `org-${name}` });
  await d.connections.update(c.id, { scope: { organizationRoots: [org.id] } });
  for (let i = 0; i < n; i++)
    await d.directory.createAccount({ username: `${name}${i}`, displayName: `${name} ${i}`, organizationIds: [org.id], mobile: `+86 139${String(root * 1000 + i).padStart(8, '0')}` });
  // department ids chosen apart (two connections of one company both pick "highest seen + 1")
  await d.store.db.insertInto('sync_cursors').values({ connection_id: c.id, last_change_seq: null, department_id_floor: root * 10, mapping_hash: null, updated_at: new Date().toISOString() }).execute();
  return c.id;
}

describe('the shared budget across worker processes', () => {
  it('two workers, one company: both runs go on at once, and the sum of their calls stays within every window', async () => {
    const ids = [await connection('left', 2001, 30), await connection('right', 2002, 30)];
    const env = d.env({ WECOM_SYNC_SLOTS: '1', WECOM_SYNC_SWEEP_SECONDS: '1' });
    procs.push(...(await Promise.all([startProcess(['worker'], env, /ready on/), startProcess(['worker'], env, /ready on/)])));
    const runIds: string[] = [];
    for (const id of ids) runIds.push((await queueRun(d.store, id, 'full')).runId);
    await queue.send(ids.map((connectionId) => ({ connectionId })));
    const runs = await until('both runs to finish', () => ended(d.store, runIds), 40_000);
    if (runs.some((r) => r.status !== 'succeeded')) {
      const failed = await d.store.db.selectFrom('run_operations').select(['kind', 'errcode', 'errmsg']).where('status', '!=', 'succeeded').execute();
      console.log(failed.slice(0, 5), [...groupBy(await simCalls(sim), (c) => `${c.api}:${c.errcode}`)].map(([k, v]) => [k, v.length]));
    }
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    // executed by two processes, at the same time
    expect(new Set(runs.map((r) => r.summary && r.startedAt))).toHaveProperty('size', 2);
    const [a, b] = runs;
    expect(Date.parse(a!.startedAt!) < Date.parse(b!.finishedAt!) && Date.parse(b!.startedAt!) < Date.parse(a!.finishedAt!)).toBe(true);
    const members = (await simState(sim)).find((c) => c.corpid === CORP)!.members.map((m) => m.userid);
    expect(members.filter((u) => u.startsWith('left'))).toHaveLength(30);
    expect(members.filter((u) => u.startsWith('right'))).toHaveLength(30);

    const calls = (await simCalls(sim)).filter((c) => c.corpid === CORP);
    expect(calls.filter((c) => c.errcode === 45009)).toEqual([]);
    const byApi = groupBy(calls, (c) => c.api);
    for (const [api, list] of byApi) {
      expect(busiest(list, MINUTE.windowMs), `${api} in a ${MINUTE.windowMs} ms window`).toBeLessThanOrEqual(MINUTE.count);
      expect(busiest(list, HOUR.windowMs), `${api} in a ${HOUR.windowMs} ms window`).toBeLessThanOrEqual(HOUR.count);
    }
    // the budget was the limit: 60 creates need more than one long window
    expect(byApi.get('user/create')).toHaveLength(60);
  }, 60_000);

  it('fair across connections: a large company queued first does not hold back the small ones', async () => {
    const big = await connection('big', 3001, 60, 'wwjobsbig');
    const small = [await connection('smalla', 3002, 3, 'wwjobssmall1'), await connection('smallb', 3003, 3, 'wwjobssmall2'), await connection('smallc', 3004, 3, 'wwjobssmall3')];
    const bigRun = (await queueRun(d.store, big, 'full')).runId;
    await queue.send([{ connectionId: big }]);
    await until('the large run to be under way', async () => (await getRun(d.store.db, bigRun))?.status === 'running');
    const smallRuns: string[] = [];
    for (const id of small) smallRuns.push((await queueRun(d.store, id, 'full')).runId);
    await queue.send(small.map((connectionId) => ({ connectionId })));
    const done = await until(
      'the small runs to finish',
      async () => {
        const rs = await Promise.all(smallRuns.map((r) => getRun(d.store.db, r)));
        return rs.every((r) => r?.status === 'succeeded') ? rs : undefined;
      },
      30_000,
    );
    // all three went through the other worker while the large one still ran
    const large = await getRun(d.store.db, bigRun);
    expect(large!.status).toBe('running');
    expect(done).toHaveLength(3);
    await until('the large run to finish', async () => (await getRun(d.store.db, bigRun))?.status === 'succeeded', 30_000);
  }, 60_000);
});
