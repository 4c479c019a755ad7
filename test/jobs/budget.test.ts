// The shared WeCom budget (src/jobs/budget.ts): its pure rules, and two "processes" (two stores,
// two gates) spending one company's budget in a real PostgreSQL: the calls started in any window
// never exceed the budget in sum, and together they still use most of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgBudgetLedger, SharedBudgetGate, grantable, sliceWant, usePeriodMs } from '../../src/jobs/budget.js';
import type { Store } from '../../src/store/store.js';
import { processGone, processIdentity } from '../../src/sync/state/runs.js';
import { postgresBackend, type TestStore } from '../store/backends.js';

describe('budget rules (pure)', () => {
  const limits = [
    { count: 100, windowMs: 1000 },
    { count: 300, windowMs: 10_000 },
  ];
  it('grants what every window has left, at most what is wanted, never below zero', () => {
    expect(grantable(limits, new Map(), 10)).toBe(10);
    expect(grantable(limits, new Map([[1000, 95]]), 10)).toBe(5);
    expect(grantable(limits, new Map([[1000, 0], [10_000, 298]]), 10)).toBe(2);
    expect(grantable(limits, new Map([[1000, 120]]), 10)).toBe(0);
  });
  it('asks for what waits, at most a tenth of the shortest window; uses a slice for a quarter of the shortest window, at most 1 s', () => {
    expect(sliceWant(limits, 3)).toBe(3);
    expect(sliceWant(limits, 500)).toBe(10);
    expect(sliceWant([{ count: 5, windowMs: 1000 }], 0)).toBe(1);
    expect(usePeriodMs(limits)).toBe(250);
    expect(usePeriodMs([{ count: 10_000, windowMs: 60_000 }])).toBe(1000);
  });
});

describe('two processes on one company (PostgreSQL)', () => {
  let t: TestStore;
  let other: Store;
  beforeAll(async () => {
    t = await postgresBackend.open();
    other = await t.reopen();
  });
  afterAll(async () => t?.dispose());

  it('the calls started in any window never exceed the budget in sum, and most of it is used', async () => {
    const limits = [
      { count: 20, windowMs: 400 },
      { count: 60, windowMs: 2000 },
    ];
    const corp = `wwbudget${Date.now()}`;
    const gates = [new SharedBudgetGate(corp, limits, { ledger: new PgBudgetLedger(t.store, 'p1'), callTimeoutMs: 200 }), new SharedBudgetGate(corp, limits, { ledger: new PgBudgetLedger(other, 'p2'), callTimeoutMs: 200 })];
    const starts: number[] = [];
    const until = performance.now() + 2500;
    // each process: 8 callers, each call "in flight" 5–25 ms
    const caller = async (g: SharedBudgetGate): Promise<void> => {
      while (performance.now() < until) {
        const ticket = await g.take('user/create');
        starts.push(performance.now());
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
        ticket.done();
      }
    };
    await Promise.all(gates.flatMap((g) => Array.from({ length: 8 }, () => caller(g))));
    await Promise.all(gates.map((g) => g.close()));
    starts.sort((a, b) => a - b);
    for (const w of limits) {
      let head = 0;
      let most = 0;
      for (let i = 0; i < starts.length; i++) {
        while (starts[i]! - starts[head]! >= w.windowMs) head++;
        most = Math.max(most, i - head + 1);
      }
      expect(most, `calls in a ${w.windowMs} ms window`).toBeLessThanOrEqual(w.count);
    }
    // the hour-like window allows 60 per 2 s: over 2.5 s at least the first 60 are used, and more once it slides
    expect(starts.length).toBeGreaterThanOrEqual(60);
    // settled: nothing is held beyond the calls made
    const held = await t.store.db.selectFrom('wecom_budget_slices').select((eb) => eb.fn.sum<number>('calls').as('n')).where('corp_id', '=', corp).where('window_ms', '=', 2000).executeTakeFirstOrThrow();
    expect(Number(held.n)).toBe(starts.length);
  });

  it("a killed process's unsettled slices are released at once (a window from now), a live one's are kept", async () => {
    const limits = [{ count: 10, windowMs: 2000 }];
    const corp = `wwgone${Date.now()}`;
    const host = processIdentity().split(':')[0]!;
    // a pid that exists on no machine: a process of this host that died with its slices unsettled
    const dead = `${host}:999999999:x`;
    const remote = `another-host-${Date.now()}:1234:x`;
    const holdExtra = 30_000; // unsettled: held for a call timeout and a window
    expect((await new PgBudgetLedger(t.store, dead).reserve(corp, 'user/create', limits, 5, holdExtra)).calls).toBe(5);
    expect((await new PgBudgetLedger(t.store, remote).reserve(corp, 'user/create', limits, 5, holdExtra)).calls).toBe(5);
    const mine = new PgBudgetLedger(other, processIdentity());
    expect((await mine.reserve(corp, 'user/create', limits, 1, 0)).calls).toBe(0);
    expect(processGone(dead)).toBe(true);
    expect(processGone(remote)).toBe(false);

    expect(await mine.releaseGone(processGone)).toBe(1);
    const held = await t.store.db.selectFrom('wecom_budget_slices').select(['owner', 'held_until', 'granted_at']).where('corp_id', '=', corp).execute();
    const byOwner = new Map(held.map((r) => [r.owner, Number(r.held_until) - Number(r.granted_at)]));
    expect(byOwner.get(dead)).toBeLessThan(2000 + 1000); // a window (+ margin) from now
    expect(byOwner.get(remote)).toBeGreaterThanOrEqual(holdExtra + 2000); // another host's: not known dead, kept
    // the dead process's calls still count for a window: none is granted before it ends
    expect((await mine.reserve(corp, 'user/create', limits, 1, 0)).calls).toBe(0);
  });
});
