// Plan requests (src/jobs/plans.ts) on both backends, with the clock given: who joins which
// request, what a worker starts, and what the asker gets back.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { answerPlanRequest, claimPlanRequest, finishPlanRequest, liveWorkers, planAnswer, requestPlan, waitForPlan, type StoredPlan } from '../../src/jobs/plans.js';
import { BACKENDS, type TestStore } from '../store/backends.js';

const T0 = Date.parse('2026-12-07T10:00:00.000Z');
const WAIT = 25_000;
const basis = (changeSeq = 7, connectionVersion = 1) => ({ connectionId: 'conn_1', changeSeq, connectionVersion });
const plan: StoredPlan = {
  connection: { id: 'conn_1', name: 'acme' },
  plan: { operations: [], unlinks: [], warnings: [], summary: { byKind: {} }, safety: { exceeded: false } } as unknown as StoredPlan['plan'],
  warnings: [],
  problems: [],
};

describe.each(BACKENDS)('plan requests ($name)', (backend) => {
  let ts: TestStore;
  beforeEach(async () => {
    ts = await backend.open();
  });
  afterEach(async () => {
    await ts.dispose();
  });

  /** A worker row with its last heartbeat at `seenAt`. */
  const worker = (id: string, seenAt: number, state = 'running') =>
    ts.store.db.insertInto('sync_workers').values({ id, host: 'h', pid: 1, url: null, state, slots: 4, started_at: new Date(seenAt).toISOString(), seen_at: new Date(seenAt).toISOString() }).execute();

  it('requests made while one waits join it; one a live worker makes joins for the same directory and settings only', async () => {
    const first = await requestPlan(ts.store, basis(), WAIT, T0);
    expect(first.joined).toBe(false);
    // a directory change meanwhile: the waiting request (not started) is brought up to date and joined
    expect(await requestPlan(ts.store, basis(8), WAIT, T0 + 1000)).toEqual({ id: first.id, joined: true });
    await worker('w1', T0 + 1000);
    expect(await claimPlanRequest(ts.store.db, first.id, 'w1', T0 + 1500)).toBe('conn_1');
    expect(await claimPlanRequest(ts.store.db, first.id, 'w2', T0 + 1500)).toBeNull();
    // being made for sequence 8: the same joins it; a newer directory or setting does not
    expect(await requestPlan(ts.store, basis(8), WAIT, T0 + 2000)).toEqual({ id: first.id, joined: true });
    const newer = await requestPlan(ts.store, basis(9), WAIT, T0 + 2000);
    expect(newer.joined).toBe(false);
    expect(await requestPlan(ts.store, basis(8, 2), WAIT, T0 + 2000)).toEqual({ id: newer.id, joined: true });
  });

  it('a plan being made by a worker that stopped beating is not joined; a request nobody waits for is not started, and the next ask records a new one', async () => {
    await worker('w1', T0);
    const a = await requestPlan(ts.store, basis(), WAIT, T0);
    await claimPlanRequest(ts.store.db, a.id, 'w1', T0);
    // 20 s later the worker's heartbeat is 20 s old: it is gone
    const b = await requestPlan(ts.store, basis(), WAIT, T0 + 20_000);
    expect(b.joined).toBe(false);
    expect(b.id).not.toBe(a.id);
    // b's asker gave up: no worker starts it after its wait
    expect(await claimPlanRequest(ts.store.db, b.id, 'w1', T0 + 20_000 + WAIT + 1)).toBeNull();
    const c = await requestPlan(ts.store, basis(), WAIT, T0 + 20_000 + WAIT + 1);
    expect(c.id).not.toBe(b.id);
    expect(await planAnswer(ts.store.db, b.id)).toEqual({ status: 'expired' });
    expect(await claimPlanRequest(ts.store.db, c.id, 'w1', T0 + 20_000 + WAIT + 2)).toBe('conn_1');
  });

  it('the asker gets the plan, or the problem, once the worker has stored it; before that, the state when the wait ends', async () => {
    const a = await requestPlan(ts.store, basis(), WAIT);
    expect(await waitForPlan(ts.store.db, a.id, 50, 10)).toEqual({ status: 'waiting' });
    expect(await answerPlanRequest(ts.store.db, a.id, 'w1', { plan: async () => plan, describe: () => ({ status: 500, type: 'internal', detail: '?' }) })).toBe(true);
    expect(await waitForPlan(ts.store.db, a.id, 1000, 10)).toEqual({ status: 'done', plan });
    // answered once: a second job for it does nothing
    expect(await answerPlanRequest(ts.store.db, a.id, 'w1', { plan: async () => plan, describe: () => ({ status: 500, type: 'internal', detail: '?' }) })).toBe(false);

    const b = await requestPlan(ts.store, basis(), WAIT);
    const problem = { status: 502, type: 'wecom-error', detail: 'WeCom: invalid credential', explanation: { en: 'The secret is wrong', zh: '密钥错误' } };
    await answerPlanRequest(ts.store.db, b.id, 'w1', {
      plan: () => Promise.reject(new Error('40001')),
      describe: () => problem,
    });
    expect(await planAnswer(ts.store.db, b.id)).toEqual({ status: 'failed', problem });
    // a late finish of a request no longer being made changes nothing
    await finishPlanRequest(ts.store.db, b.id, { plan });
    expect((await planAnswer(ts.store.db, b.id)).status).toBe('failed');
  });

  it('live workers: running, with a heartbeat in the last 15 s', async () => {
    const now = Date.now();
    expect(await liveWorkers(ts.store.db, now)).toBe(0);
    await worker('w1', now - 1000);
    await worker('w2', now - 60_000);
    await worker('w3', now - 1000, 'stopped');
    expect(await liveWorkers(ts.store.db, now)).toBe(1);
  });
});
