import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RateLimiter, type Permit } from '../../src/wecom/transport/rate-limiter.js';
import { ManualClock, flushPromises } from '../../src/wecom/transport/clock.js';

describe('rate limiter (fake clock)', () => {
  it('lets at most count calls start per window + margin, then the next ones as the window slides', async () => {
    const clock = new ManualClock(1000);
    const rl = new RateLimiter({ budget: { count: 3, windowMs: 100 }, marginMs: 1, clock });
    const starts: number[] = [];
    for (let i = 0; i < 7; i++) void rl.acquire('user/create').then((p) => (starts.push(clock.now()), p.release()));
    await flushPromises();
    expect(starts).toEqual([1000, 1000, 1000]);
    await clock.advanceTo(1100);
    expect(starts).toHaveLength(3);
    await clock.advanceTo(1101);
    expect(starts).toEqual([1000, 1000, 1000, 1101, 1101, 1101]);
    await clock.runAll();
    expect(starts).toEqual([1000, 1000, 1000, 1101, 1101, 1101, 1202]);
  });

  it('uses a 2 ms default margin and 10,000/min as the default budget', () => {
    const rl = new RateLimiter();
    expect(rl.budgetOf('user/create')).toEqual({ count: 10_000, windowMs: 60_000, effectiveWindowMs: 60_002 });
    rl.close();
  });

  it('keeps one window per API', async () => {
    const clock = new ManualClock();
    const rl = new RateLimiter({ budget: { count: 1, windowMs: 50 }, marginMs: 0, clock });
    const got: string[] = [];
    for (const api of ['a', 'b', 'a', 'b']) void rl.acquire(api).then((p) => (got.push(`${api}@${clock.now()}`), p.release()));
    await flushPromises();
    expect(got).toEqual(['a@0', 'b@0']);
    await clock.runAll();
    expect(got).toEqual(['a@0', 'b@0', 'a@50', 'b@50']);
  });

  it('bounds calls in flight and serves the longest waiter first when a slot frees', async () => {
    const clock = new ManualClock();
    const rl = new RateLimiter({ budget: { count: 100, windowMs: 1000 }, maxInFlight: 2, clock });
    const permits: Permit[] = [];
    const order: string[] = [];
    for (const api of ['a', 'a', 'b', 'a', 'c'])
      void rl.acquire(api).then((p) => {
        order.push(api);
        permits.push(p);
      });
    await flushPromises();
    expect(order).toEqual(['a', 'a']);
    expect(rl.snapshot().inFlight).toBe(2);
    permits[0]?.release();
    permits[0]?.release(); // idempotent
    await flushPromises();
    expect(order).toEqual(['a', 'a', 'b']);
    permits[1]?.release();
    await flushPromises();
    expect(order).toEqual(['a', 'a', 'b', 'a']);
  });

  it('pauses an API that WeCom answered 45009 for, keeping its waiters in order', async () => {
    const clock = new ManualClock();
    const rl = new RateLimiter({ budget: { count: 100, windowMs: 1000 }, clock });
    rl.penalize('user/update', 300);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) void rl.acquire('user/update').then((p) => (got.push(clock.now()), p.release()));
    void rl.acquire('user/create').then((p) => (got.push(-1), p.release()));
    await flushPromises();
    expect(got).toEqual([-1]);
    expect(rl.snapshot().apis['user/update']).toMatchObject({ queued: 3, blockedUntil: 300 });
    await clock.advanceTo(299);
    expect(got).toEqual([-1]);
    await clock.advanceTo(300);
    expect(got).toEqual([-1, 300, 300, 300]);
  });

  it('rejects waiters on close', async () => {
    const clock = new ManualClock();
    const rl = new RateLimiter({ budget: { count: 1, windowMs: 1000 }, clock });
    (await rl.acquire('x')).release();
    const waiting = rl.acquire('x');
    rl.close();
    await expect(waiting).rejects.toThrow(/closed/);
    await expect(rl.acquire('x')).rejects.toThrow(/closed/);
  });

  it('a waiter whose signal is aborted leaves the queue without taking a slot or budget', async () => {
    const clock = new ManualClock();
    const rl = new RateLimiter({ budget: { count: 2, windowMs: 1000 }, marginMs: 0, maxInFlight: 1, clock });
    const first = await rl.acquire('x');
    const ac = new AbortController();
    const withdrawn = rl.acquire('x', ac.signal);
    let next = -1;
    void rl.acquire('x').then((p) => ((next = clock.now()), p.release()));
    ac.abort(new Error('withdrawn'));
    await expect(withdrawn).rejects.toThrow('withdrawn');
    expect(rl.snapshot().apis.x).toMatchObject({ queued: 1 });
    first.release();
    await flushPromises();
    // the waiter behind the withdrawn one got the slot and the second call of the window
    expect(next).toBe(0);
    expect(rl.snapshot().apis.x).toMatchObject({ queued: 0, granted: 2 });
    await expect(rl.acquire('x', ac.signal)).rejects.toThrow('withdrawn'); // already aborted: never queued
    expect(rl.snapshot().apis.x?.granted).toBe(2);
  });

  it('validates its options', () => {
    expect(() => new RateLimiter({ budget: { count: 0, windowMs: 1 } })).toThrow(/count/);
    expect(() => new RateLimiter({ maxInFlight: 0 })).toThrow(/maxInFlight/);
  });

  it('counts a call until it ends: a slow call holds its slot for a window after it finished', async () => {
    const clock = new ManualClock();
    const rl = new RateLimiter({ budget: { count: 2, windowMs: 100 }, marginMs: 0, clock });
    const a = await rl.acquire('x');
    const b = await rl.acquire('x');
    a.release(); // a finished at 0
    let third = -1;
    let fourth = -1;
    void rl.acquire('x').then((p) => (third = clock.now(), p));
    void rl.acquire('x').then((p) => (fourth = clock.now(), p));
    await clock.advanceTo(99);
    expect(third).toBe(-1);
    await clock.advanceTo(100); // a's window is over; b still counts
    expect(third).toBe(100);
    await clock.advanceTo(250);
    expect(fourth).toBe(-1); // b (started at 0) is still running: WeCom may not even have seen it yet
    b.release();
    await clock.advanceTo(349);
    expect(fourth).toBe(-1);
    await clock.advanceTo(350);
    expect(fourth).toBe(350);
  });

  it('property: at most count calls in any window (starts and ends), work-conserving, every waiter served', async () => {
    const arrival = fc.record({ gap: fc.integer({ min: 0, max: 40 }), api: fc.integer({ min: 0, max: 2 }), hold: fc.integer({ min: 0, max: 120 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 5, max: 100 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(arrival, { minLength: 1, maxLength: 40 }),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 600 }), api: fc.integer({ min: 0, max: 2 }), ms: fc.integer({ min: 1, max: 80 }) }), { maxLength: 2 }),
        async (count, windowMs, marginMs, maxInFlight, arrivals, penalties) => {
          const clock = new ManualClock();
          const rl = new RateLimiter({ budget: { count, windowMs }, marginMs, maxInFlight, clock });
          const E = windowMs + marginMs;
          /** per API, in grant order: start and (once released) end */
          const calls: Array<Array<{ start: number; end?: number }>> = [[], [], []];
          const pending = [0, 0, 0];
          const blockedUntil = [0, 0, 0];
          let inFlight = 0;
          let maxSeen = 0;
          let served = 0;
          let t = 0;
          const occupying = (api: number, now: number) =>
            calls[api]!.filter((c) => c.end === undefined || c.end > now - E).length;
          for (const a of arrivals) {
            t += a.gap;
            clock.setTimeout(() => {
              pending[a.api]!++;
              void rl.acquire(`api${a.api}`).then((p) => {
                pending[a.api]!--;
                const now = clock.now();
                // WeCom never sees more than count: at this start, fewer than count calls of the API
                // were running or had ended within the window
                expect(occupying(a.api, now)).toBeLessThan(count);
                const rec: { start: number; end?: number } = { start: now };
                calls[a.api]!.push(rec);
                inFlight++;
                maxSeen = Math.max(maxSeen, inFlight);
                clock.setTimeout(() => {
                  inFlight--;
                  served++;
                  rec.end = clock.now();
                  p.release();
                }, a.hold);
              });
            }, t);
          }
          for (const p of penalties)
            clock.setTimeout(() => {
              blockedUntil[p.api] = Math.max(blockedUntil[p.api]!, clock.now() + p.ms);
              rl.penalize(`api${p.api}`, clock.now() + p.ms);
            }, p.at);

          const check = async (): Promise<void> => {
            await flushPromises();
            const now = clock.now();
            for (let i = 0; i < 3; i++) {
              if (pending[i] === 0) continue;
              // a waiter may only be kept waiting by a full window, the in-flight bound or a 45009 pause
              expect(inFlight >= maxInFlight || occupying(i, now) >= count || blockedUntil[i]! > now).toBe(true);
            }
          };
          await clock.runAll(100_000, check);
          expect(served).toBe(arrivals.length);
          expect(maxSeen).toBeLessThanOrEqual(maxInFlight);
          for (const cs of calls) {
            const starts = cs.map((c) => c.start);
            for (let i = 0; i + count < starts.length; i++) expect(starts[i + count]! - starts[i]!).toBeGreaterThanOrEqual(E);
          }
          rl.close();
        },
      ),
      { numRuns: 200 },
    );
  });
});
