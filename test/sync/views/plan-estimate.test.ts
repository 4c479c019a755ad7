import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OperationKind } from '../../../src/domain/plan.js';
import { estimatePlan, rateFloorMs } from '../../../src/sync/views/plan-estimate.js';
import { WECOM_BUDGET } from '../../../src/wecom/transport/rate-limiter.js';

const ops = (counts: Partial<Record<OperationKind, number>>) =>
  Object.entries(counts).flatMap(([kind, n]) => Array.from({ length: n }, () => ({ kind: kind as OperationKind })));

describe('plan estimate (the least time WeCom’s rate budget allows)', () => {
  it('a company larger than the hour budget takes more than an hour: 15 minutes of creates, a wait, then the rest', () => {
    // 150,000 creates in the first 15 minutes; the 150,001st waits for the first to leave the hour
    // window (60 min); the remaining 50,000 go out in 5 more minute windows: the last at 64 min
    expect(estimatePlan(ops({ 'member.create': 200_000, 'department.create': 1_000 }), WECOM_BUDGET)).toEqual({
      seconds: 3840,
      limitedBy: { api: 'user/create', count: 150_000, windowMs: 3_600_000 },
    });
  });

  it('below the hour budget, the minute budget sets it; APIs run side by side, the slowest counts', () => {
    expect(estimatePlan(ops({ 'member.create': 100_000, 'department.create': 1_000, 'member.update': 9_000 }), WECOM_BUDGET)).toEqual({
      seconds: 540,
      limitedBy: { api: 'user/create', count: 10_000, windowMs: 60_000 },
    });
    // disable and update call the same API, so they share its budget
    expect(estimatePlan(ops({ 'member.update': 6_000, 'member.disable': 6_000 }), WECOM_BUDGET).limitedBy?.api).toBe('user/update');
  });

  it('nothing waits when every API fits in its first window', () => {
    expect(estimatePlan(ops({ 'member.create': 10_000 }), WECOM_BUDGET)).toEqual({ seconds: 0, limitedBy: null });
    expect(estimatePlan([], WECOM_BUDGET)).toEqual({ seconds: 0, limitedBy: null });
  });

  it('scales with the connection’s budget (a share, or an override for a simulator)', () => {
    const scaled = [{ count: 200, windowMs: 1000 }, { count: 2000, windowMs: 30_000 }];
    expect(estimatePlan(ops({ 'member.create': 3000 }), scaled)).toEqual({ seconds: 34, limitedBy: { api: 'user/create', count: 2000, windowMs: 30_000 } });
    expect(estimatePlan(ops({ 'member.create': 3000 }), [{ count: 200, windowMs: 1000 }])).toEqual({ seconds: 14, limitedBy: { api: 'user/create', count: 200, windowMs: 1000 } });
  });

  it('property: with two windows, the floor is the best split of the calls into whole windows of each', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 500 }), (n, c1, w1, c2, w2) => {
        let expected = 0;
        for (let b = 0; b * c2 <= n - 1; b++) expected = Math.max(expected, b * w2 + Math.floor((n - 1 - b * c2) / c1) * w1);
        expect(rateFloorMs(n, [{ count: c1, windowMs: w1 }, { count: c2, windowMs: w2 }])).toBe(expected);
      }),
    );
  });
});
