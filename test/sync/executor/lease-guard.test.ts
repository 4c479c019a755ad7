// The lease guard on its own, with a clock and renewals the test controls: calls stop as soon as
// the local deadline passes or a renewal fails, go on when a renewal confirms, and stop for good
// when a renewal finds another owner or the lease expires unrenewed. (The executor against a real
// store and the simulator: lease.test.ts.)
import { afterEach, describe, expect, it } from 'vitest';
import { LeaseGuard, type LeaseState } from '../../../src/sync/executor/lease.js';

const LEASE = 60_000; // long: the guard's own timers never fire during a test; the clock is ours

interface Renewal {
  resolve: (ours: boolean) => void;
  reject: (e: Error) => void;
}

let guard: LeaseGuard | undefined;
// not awaited: a test may leave a renewal unanswered
afterEach(() => void guard?.stop());

function setup() {
  let t = 1_000;
  const renewals: Renewal[] = [];
  const states: string[] = [];
  const g = new LeaseGuard({
    leaseMs: LEASE,
    now: () => t,
    renew: () => new Promise<boolean>((resolve, reject) => renewals.push({ resolve, reject })),
  });
  g.watch((s: LeaseState) => states.push(s.kind));
  guard = g;
  return {
    g,
    renewals,
    states,
    at: (ms: number) => void (t = ms),
    /** starts the guard with a confirming first renewal at the current time */
    start: async () => {
      const started = g.start();
      renewals.shift()!.resolve(true);
      expect(await started).toBe(true);
    },
  };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('lease guard', () => {
  it('calls may start until three quarters of the lease passed without a confirmed renewal; then they stop and a renewal is sent', async () => {
    const { g, renewals, states, at, start } = setup();
    await start();
    const signal = g.signal;
    at(1_000 + 0.75 * LEASE - 1);
    expect(g.mayStart()).toBe(true);
    expect(signal.aborted).toBe(false);
    at(1_000 + 0.75 * LEASE);
    // read by the client right before sending: the deadline is read there too, no timer needed
    expect(signal.aborted).toBe(true);
    expect(g.mayStart()).toBe(false);
    expect(states).toEqual(['unconfirmed']);
    expect(renewals).toHaveLength(1);
    const ready = g.ready();
    renewals.shift()!.resolve(true);
    expect(await ready).toBe(true);
    expect(states).toEqual(['unconfirmed', 'held']);
    // the withdrawn calls' signal stays aborted; calls from now on get a fresh one
    expect(signal.aborted).toBe(true);
    expect(g.signal).not.toBe(signal);
    expect(g.signal.aborted).toBe(false);
  });

  it('the deadline counts from when the confirming renewal was sent, not when its answer came', async () => {
    const { g, renewals, at, start } = setup();
    await start();
    at(1_000 + 0.75 * LEASE); // deadline: a renewal goes out at this time
    expect(g.mayStart()).toBe(false);
    at(1_000 + 1.6 * LEASE); // ...and is confirmed this late: its own deadline has passed as well
    renewals.shift()!.resolve(true);
    await flush();
    expect(g.mayStart()).toBe(false);
    expect(g.status.kind).toBe('unconfirmed');
  });

  it('a renewal answered after stop() changes nothing: the run finished meanwhile, so matching no row is no lost lease', async () => {
    const { g, renewals, states, at, start } = setup();
    await start();
    at(1_000 + LEASE / 2);
    const renewing = g.renewNow();
    let stopped = false;
    const stopping = g.stop().then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(false); // stop() waits for the renewal on its way
    renewals.shift()!.resolve(false);
    await renewing;
    await stopping;
    expect(g.status.kind).toBe('held');
    expect(states).toEqual([]);
    expect(g.signal.aborted).toBe(false);
  });

  it('a renewal that finds another owner loses the lease for good', async () => {
    const { g, renewals, states, at, start } = setup();
    await start();
    at(1_000 + LEASE);
    expect(g.mayStart()).toBe(false);
    const signal = g.signal;
    renewals.shift()!.resolve(false);
    expect(await g.ready()).toBe(false);
    expect(g.status).toMatchObject({ kind: 'lost', reason: 'taken' });
    expect(signal.aborted).toBe(true);
    expect(states).toEqual(['unconfirmed', 'lost']);
  });

  it('a failing renewal stops calls at once; renewals that keep failing past the expiry lose the lease', async () => {
    const { g, renewals, states, at, start } = setup();
    await start();
    at(2_000);
    // a scheduled renewal (the guard's timer, driven here) fails: the store is unreachable
    void g.renewNow();
    renewals.shift()!.reject(new Error('connection refused'));
    await flush();
    expect(g.mayStart()).toBe(false);
    expect(g.signal.aborted).toBe(true);
    expect(g.status).toMatchObject({ kind: 'unconfirmed', reason: expect.stringMatching(/connection refused/) });
    at(1_000 + LEASE); // the lease as stored has expired: another process may take the run over
    void g.renewNow();
    renewals.shift()!.reject(new Error('connection refused'));
    expect(await g.ready()).toBe(false);
    expect(g.status).toMatchObject({ kind: 'lost', reason: 'expired' });
    expect(states).toEqual(['unconfirmed', 'lost']);
  });

  it('a failing renewal followed by a confirming one before the expiry: calls go on', async () => {
    const { g, renewals, at, start } = setup();
    await start();
    at(2_000);
    void g.renewNow();
    renewals.shift()!.reject(new Error('timeout'));
    await flush();
    expect(g.mayStart()).toBe(false);
    at(3_000);
    void g.renewNow();
    renewals.shift()!.resolve(true);
    expect(await g.ready()).toBe(true);
    at(3_000 + 0.75 * LEASE - 1);
    expect(g.mayStart()).toBe(true);
  });

  it('start() tells whether the run is ours, and throws when the store fails', async () => {
    const { g, renewals } = setup();
    const started = g.start();
    renewals.shift()!.resolve(false);
    expect(await started).toBe(false);
    const other = setup();
    const failing = other.g.start();
    other.renewals.shift()!.reject(new Error('no store'));
    await expect(failing).rejects.toThrow('no store');
  });
});
