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

  it('keeps every window of the budget: the hour budget paces calls the minute budget would allow', async () => {
    const clock = new ManualClock();
    const rl = new RateLimiter({ budget: [{ count: 3, windowMs: 100 }, { count: 5, windowMs: 1000 }], marginMs: 0, clock });
    const starts: number[] = [];
    for (let i = 0; i < 8; i++) void rl.acquire('user/create').then((p) => (starts.push(clock.now()), p.release()));
    await flushPromises();
    await clock.runAll();
    expect(starts).toEqual([0, 0, 0, 100, 100, 1000, 1000, 1000]);
  });

  it('after a 45009 pauses the API for the whole block, sends one call alone (the probe), then the rest', async () => {
    const clock = new ManualClock();
    const rl = new RateLimiter({ budget: { count: 100, windowMs: 1000 }, marginMs: 0, clock });
    const first = await Promise.all([rl.acquire('user/update'), rl.acquire('user/update')]);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) void rl.acquire('user/update').then((p) => (got.push(clock.now()), clock.setTimeout(() => p.release(), 10)));
    await flushPromises();
    expect(got).toEqual([0, 0, 0]);
    await clock.advanceTo(20);
    got.length = 0;
    first[0]!.refused(); // WeCom answered 45009 at t = 20: blocked for the block (default: the window, 1000 ms)
    first[0]!.release();
    for (let i = 0; i < 3; i++) void rl.acquire('user/update').then((p) => (got.push(clock.now()), clock.setTimeout(() => p.release(), 10)));
    // the other call under way was refused too: the same event, the pause is not extended
    await clock.advanceTo(30);
    first[1]!.refused();
    first[1]!.release();
    void rl.acquire('user/create').then((p) => (got.push(-1), p.release()));
    await flushPromises();
    expect(got).toEqual([-1]); // another API is not paused
    expect(rl.snapshot().apis['user/update']).toMatchObject({ queued: 3, blockedUntil: 1020 });
    await clock.advanceTo(1019);
    expect(got).toEqual([-1]);
    await clock.advanceTo(1020);
    expect(got).toEqual([-1, 1020]);
    expect(rl.snapshot().apis['user/update']).toMatchObject({ queued: 2, probing: true });
    await clock.advanceTo(1030); // the probe was answered: the rest go
    expect(got).toEqual([-1, 1020, 1030, 1030]);
  });

  it('a refused probe doubles the pause', async () => {
    const clock = new ManualClock();
    const rl = new RateLimiter({ budget: { count: 100, windowMs: 100 }, marginMs: 0, clock });
    const p0 = await rl.acquire('x');
    p0.refused();
    p0.release();
    const starts: number[] = [];
    const answers = ['refused', 'refused', 'ok', 'ok'];
    for (let i = 0; i < 4; i++)
      void rl.acquire('x').then((p) => {
        starts.push(clock.now());
        clock.setTimeout(() => {
          if (answers[i] === 'refused') p.refused();
          p.release();
        }, 5);
      });
    await clock.runAll();
    // pause 100 → probe at 100 refused at 105 → pause 200 → probe at 305 refused at 310 → pause 400 → probe at 710 answered → the last
    expect(starts).toEqual([100, 305, 710, 715]);
  });

  it('settles at the budget actually left (our calls accepted in the window before the 45009), then probes back up slowly', async () => {
    const clock = new ManualClock();
    const rl = new RateLimiter({ budget: { count: 10, windowMs: 100 }, marginMs: 0, probeEveryWindows: 3, clock });
    const permits = await Promise.all(Array.from({ length: 6 }, () => rl.acquire('x')));
    await clock.advanceTo(5);
    // another application spent part of the budget: WeCom accepted 4 of our 6 calls
    for (const [i, p] of permits.entries()) {
      if (i >= 4) p.refused();
      p.release();
    }
    const starts: number[] = [];
    for (let i = 0; i < 12; i++) void rl.acquire('x').then((p) => (starts.push(clock.now()), clock.setTimeout(() => p.release(), 5)));
    await clock.advanceTo(104);
    expect(starts).toEqual([]);
    await clock.advanceTo(110);
    // the probe at 105 alone, then 3 more: 4 in the window
    expect(starts).toEqual([105, 110, 110, 110]);
    expect(rl.snapshot().apis.x).toMatchObject({ cap: 4 });
    await clock.advanceTo(215);
    expect(starts.slice(4)).toEqual([210, 215, 215, 215]);
    // 3 windows after settling (at 105) the cap grows by a tenth of the configured budget
    await clock.advanceTo(405);
    expect(rl.snapshot().apis.x).toMatchObject({ cap: 5 });
    await clock.advanceTo(5000);
    expect(rl.snapshot().apis.x).toMatchObject({ cap: null });
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

  it('property: at most count calls in any window of the budget (starts and ends), work-conserving, every waiter served', async () => {
    const arrival = fc.record({ gap: fc.integer({ min: 0, max: 40 }), api: fc.integer({ min: 0, max: 2 }), hold: fc.integer({ min: 0, max: 120 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 5, max: 100 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(arrival, { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 39 }), { maxLength: 3 }),
        // a second, longer window with a budget worth fewer of the first (WeCom's hour: 15 of its 60 minutes)
        fc.option(fc.record({ windows: fc.integer({ min: 2, max: 6 }), counts: fc.integer({ min: 1, max: 3 }) }), { nil: undefined }),
        async (count, windowMs, marginMs, maxInFlight, arrivals, refusedCalls, hour) => {
          const clock = new ManualClock();
          const windows = [{ count, windowMs }, ...(hour ? [{ count: count * hour.counts, windowMs: windowMs * hour.windows }] : [])];
          const rl = new RateLimiter({ budget: windows, marginMs, maxInFlight, clock });
          /** per API, in grant order: start and (once released) end */
          const calls: Array<Array<{ start: number; end?: number }>> = [[], [], []];
          const pending = [0, 0, 0];
          let inFlight = 0;
          let maxSeen = 0;
          let served = 0;
          let t = 0;
          const occupying = (api: number, now: number, w = windows[0]!) =>
            calls[api]!.filter((c) => c.end === undefined || c.end > now - (w.windowMs + marginMs)).length;
          const full = (api: number, now: number, cap: number | null) =>
            windows.some((w, i) => occupying(api, now, w) >= (i === 0 && cap !== null ? Math.min(cap, w.count) : w.count));
          for (const [n, a] of arrivals.entries()) {
            t += a.gap;
            clock.setTimeout(() => {
              pending[a.api]!++;
              void rl.acquire(`api${a.api}`).then((p) => {
                pending[a.api]!--;
                const now = clock.now();
                // WeCom never sees more than count: at this start, fewer than count calls of the API
                // were running or had ended within the window
                for (const w of windows) expect(occupying(a.api, now, w)).toBeLessThan(w.count);
                const rec: { start: number; end?: number } = { start: now };
                calls[a.api]!.push(rec);
                inFlight++;
                maxSeen = Math.max(maxSeen, inFlight);
                clock.setTimeout(() => {
                  inFlight--;
                  served++;
                  rec.end = clock.now();
                  if (refusedCalls.includes(n)) p.refused(); // WeCom answered 45009
                  p.release();
                }, a.hold);
              });
            }, t);
          }
          const check = async (): Promise<void> => {
            await flushPromises();
            const now = clock.now();
            for (let i = 0; i < 3; i++) {
              if (pending[i] === 0) continue;
              // a waiter may only be kept waiting by a full window (or the lower cap after a 45009),
              // the in-flight bound, a 45009 pause or the probe after it
              const api = rl.snapshot().apis[`api${i}`]!;
              expect(inFlight >= maxInFlight || full(i, now, api.cap) || api.blockedUntil !== null || api.probing).toBe(true);
            }
          };
          await clock.runAll(100_000, check);
          expect(served).toBe(arrivals.length);
          expect(maxSeen).toBeLessThanOrEqual(maxInFlight);
          for (const cs of calls) {
            const starts = cs.map((c) => c.start);
            for (const w of windows)
              for (let i = 0; i + w.count < starts.length; i++) expect(starts[i + w.count]! - starts[i]!).toBeGreaterThanOrEqual(w.windowMs + marginMs);
          }
          rl.close();
        },
      ),
      { numRuns: 200 },
    );
  });
});
