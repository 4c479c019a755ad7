// Incremental sync through the SyncWorker: a single change reaches WeCom without a full run, a
// burst coalesces, a failed run leaves the cursor and the next one catches up.
import { afterEach, describe, expect, it } from 'vitest';
import { SyncWorker, type WorkerEvent } from '../../../src/sync/index.js';
import { listRuns } from '../../../src/sync/state/runs.js';
import { connectionInput, CORP, expectMirrors, ManualTimers, nextEvent, setup, type Env } from './helpers.js';

let env: Env;
let worker: SyncWorker | undefined;
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await env?.close();
});

async function seeded(accounts = 5): Promise<{ orgId: string; accountIds: string[] }> {
  env = await setup();
  await env.connections.create(connectionInput(env));
  const org = await env.directory.createOrganization({ name: 'Engineering' });
  const accountIds: string[] = [];
  for (let i = 0; i < accounts; i++) {
    const a = await env.directory.createAccount({ username: `u${i}`, displayName: `User ${i}`, organizationIds: [org.id], mobile: `+86 1380000${String(1000 + i)}` });
    accountIds.push(a.id);
  }
  const r = await env.pipeline.apply('acme');
  expect(r.status).toBe('succeeded');
  return { orgId: org.id, accountIds };
}

const isRun = (e: WorkerEvent): e is Extract<WorkerEvent, { type: 'run' }> => e.type === 'run' && e.report.runId !== null;

describe('incremental sync (worker)', () => {
  it('a single account change reaches WeCom through the worker, as an incremental run', async () => {
    const { accountIds } = await seeded();
    const conn = await env.connections.get('acme');
    worker = new SyncWorker({ pipeline: env.pipeline, connections: async () => [(await env.connections.get('acme')).id], pollMs: 10 });
    worker.start();
    const ran = nextEvent(worker, isRun);
    await env.directory.updateAccount(accountIds[2]!, { displayName: 'Renamed Person' });
    const e = (await ran) as Extract<WorkerEvent, { type: 'run' }>;
    expect(e.report.kind).toBe('incremental');
    expect(e.report.status).toBe('succeeded');
    expect(e.report.plan?.operations.map((o) => o.kind)).toEqual(['member.update']);
    expect(env.sim.sim.company(CORP.corpid).members.find('u2')?.name).toBe('Renamed Person');
    const runs = await listRuns(env.store.db, conn.id);
    expect(runs.map((r) => r.kind)).toEqual(['incremental', 'full']);
    const status = await env.status('acme');
    expect(status.cursor.lag).toBe(0);
    // no WeCom list read by the incremental run: only the update
    const calls = env.sim.sim.calls.filter((c) => c.at >= Date.parse(runs[0]!.createdAt)).map((c) => c.api);
    expect(calls).not.toContain('user/list_id');
    expect(calls).toContain('user/update');
  });

  it('a burst of 50 changes coalesces into one run; nothing is lost', async () => {
    const { orgId, accountIds } = await seeded(10);
    const timers = new ManualTimers();
    worker = new SyncWorker({ pipeline: env.pipeline, connections: async () => [(await env.connections.get('acme')).id], timers, pollMs: 10, debounceMs: 20, maxBatchDelayMs: 200 });
    const events: WorkerEvent[] = [];
    worker.on('event', (e) => events.push(e));
    worker.start();
    let idle = nextEvent(worker, (e) => e.type === 'idle');
    timers.advance(0); // the catch-up flush at start: nothing new
    await idle;
    await worker.notify(); // the worker learns the current sequence
    // 50 changes: 40 new accounts, 10 renames
    for (let i = 0; i < 40; i++) await env.directory.createAccount({ username: `new${i}`, displayName: `New ${i}`, organizationIds: [orgId], mobile: `+86 1390000${String(1000 + i)}` });
    for (const [i, id] of accountIds.entries()) await env.directory.updateAccount(id, { displayName: `Renamed ${i}` });
    await worker.notify();
    timers.advance(19); // still inside the debounce window: no run yet
    expect(events.filter(isRun)).toHaveLength(0);
    idle = nextEvent(worker, (e) => e.type === 'idle');
    timers.advance(1);
    await idle;
    const runs = events.filter(isRun);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.report.summary.succeeded).toBe(50);
    await expectMirrors(env);
    expect((await env.status('acme')).cursor.lag).toBe(0);
  });

  it('a burst longer than the maximum delay is cut into a few runs', async () => {
    const { orgId } = await seeded(1);
    const timers = new ManualTimers();
    worker = new SyncWorker({ pipeline: env.pipeline, connections: async () => [(await env.connections.get('acme')).id], timers, pollMs: 1000, debounceMs: 20, maxBatchDelayMs: 100 });
    const events: WorkerEvent[] = [];
    worker.on('event', (e) => events.push(e));
    worker.start();
    timers.advance(0);
    await worker.whenIdle();
    await worker.notify();
    // a change every 15 ms for 300 ms: the debounce never expires, the max delay cuts the burst
    for (let i = 0; i < 20; i++) {
      await env.directory.createAccount({ username: `b${i}`, displayName: `B ${i}`, organizationIds: [orgId], mobile: `+86 1370000${String(1000 + i)}` });
      await worker.notify();
      timers.advance(15);
      await worker.whenIdle(); // a flush the max delay fired has finished
    }
    timers.advance(200);
    await worker.whenIdle();
    const runs = events.filter(isRun);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(5);
    await expectMirrors(env);
  });

  it('a failed run leaves the cursor; the retry catches up and nothing is lost', async () => {
    const { accountIds } = await seeded(3);
    const timers = new ManualTimers();
    worker = new SyncWorker({ pipeline: env.pipeline, connections: async () => [(await env.connections.get('acme')).id], timers, pollMs: 10, debounceMs: 20, retryBaseMs: 1000 });
    const events: WorkerEvent[] = [];
    worker.on('event', (e) => events.push(e));
    worker.start();
    let idle = nextEvent(worker, (e) => e.type === 'idle');
    timers.advance(0);
    await idle;
    await worker.notify();
    const cursorBefore = (await env.status('acme')).cursor.lastChangeSeq;

    env.sim.sim.setFaults({ faultRate: 1, faultKind: 'http502' });
    await env.directory.updateAccount(accountIds[0]!, { displayName: 'First change' });
    await worker.notify();
    idle = nextEvent(worker, (e) => e.type === 'idle');
    timers.advance(20);
    await idle;
    const failed = events.filter(isRun);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.report.status).not.toBe('succeeded');
    expect((await env.status('acme')).cursor.lastChangeSeq).toBe(cursorBefore);
    expect(failed[0]!.report.summary.failed + failed[0]!.report.summary.skipped).toBeGreaterThan(0);

    // WeCom recovers; another change arrives meanwhile; the back-off retry covers both
    env.sim.sim.setFaults({ faultRate: 0 });
    await env.directory.updateAccount(accountIds[1]!, { displayName: 'Second change' });
    await worker.notify();
    timers.advance(20); // the burst flush: the connection is still backing off
    idle = nextEvent(worker, (e) => e.type === 'idle' && events.filter(isRun).length >= 2);
    timers.advance(1000);
    await idle;
    const ok = events.filter(isRun)[1]!;
    expect(ok.report.status).toBe('succeeded');
    const members = env.sim.sim.company(CORP.corpid).members;
    expect(members.find('u0')?.name).toBe('First change');
    expect(members.find('u1')?.name).toBe('Second change');
    expect((await env.status('acme')).cursor.lag).toBe(0);
    await expectMirrors(env);
  });
});
