// Withdrawing a call (CallOptions.signal) against the simulator over HTTPS: a call waiting in the
// rate limiter, or given its permit after the caller gave up, is never sent; a call already on the
// wire is answered as usual. The executor relies on this to send nothing once its lease is lost.
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { createWeComClient, WeComTransportError, type WeComClient } from '../../src/wecom/index.js';

const CORP = { corpid: 'ww1', secret: 's1' };
const member = (i: number) => ({ userid: `u${i}`, name: `User ${i}`, department: [1], mobile: `138${String(i).padStart(8, '0')}` });

let sim: RunningSimulator | undefined;
let client: WeComClient | undefined;

afterEach(async () => {
  await client?.close();
  await sim?.close();
  sim = client = undefined;
});

async function setup(latencyMs: number): Promise<{ s: RunningSimulator; c: WeComClient }> {
  sim = await startSimulator({ https: true, port: 0, corps: [CORP], latencyMs });
  // one call on the wire at a time: the next ones wait in the limiter
  client = createWeComClient({ corpId: CORP.corpid, secret: CORP.secret, apiBase: sim.url, ca: sim.caPem, maxInFlight: 1, retry: { baseDelayMs: 5 } });
  await client.ensureToken();
  return { s: sim, c: client };
}

/** Lets the event loop turn until `cond` holds (no timer: the calls only need to reach the limiter). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !cond(); i++) await new Promise<void>((resolve) => setImmediate(resolve));
  expect(cond()).toBe(true);
}

const queuedIn = (c: WeComClient, api: string): number => c.limiterSnapshot().apis[api]?.queued ?? 0;

/** The members the client created (every simulated company starts with its creator). */
const created = (s: RunningSimulator): string[] =>
  s.sim.company(CORP.corpid).members.all().filter((m) => !s.sim.company(CORP.corpid).members.isCreator(m.userid)).map((m) => m.userid).sort();

describe('withdrawing a call with an AbortSignal', () => {
  it('a call waiting in the limiter is not sent; the call on the wire is answered; later calls go through', async () => {
    const { s, c } = await setup(100);
    const ac = new AbortController();
    const onWire = c.user.create(member(1), { signal: ac.signal });
    const queued = c.user.create(member(2), { signal: ac.signal }).catch((e: unknown) => e);
    await until(() => queuedIn(c, 'user/create') === 1);
    ac.abort();
    const err = (await queued) as WeComTransportError;
    expect(err).toBeInstanceOf(WeComTransportError);
    expect(err).toMatchObject({ kind: 'aborted', beforeSend: true, retryable: false, api: 'user/create' });
    await expect(onWire).resolves.toBeUndefined();
    await c.user.create(member(3));
    expect(created(s)).toEqual(['u1', 'u3']);
    expect(s.sim.stats().byApi['user/create']).toBe(2);
    expect(c.stats()).toMatchObject({ retries: 0, transportFailures: 0 });
  });

  it('a signal aborted before the call: refused at once, never sent, never retried', async () => {
    const { s, c } = await setup(0);
    await expect(c.department.create({ name: 'A', parentid: 1, id: 5 }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ kind: 'aborted' });
    expect(s.sim.stats().byApi['department/create'] ?? 0).toBe(0);
    expect(c.stats().retries).toBe(0);
  });

  it('the signal is read again once the permit is granted, before anything is sent', async () => {
    const { s, c } = await setup(50);
    // a signal that turns aborted without an abort event (the executor's lease signal also reads
    // its lease deadline when asked): only the check after the permit can see it
    const ac = new AbortController();
    let gaveUp = false;
    Object.defineProperty(ac.signal, 'aborted', { get: () => gaveUp });
    const onWire = c.user.create(member(1));
    const queued = c.user.create(member(2), { signal: ac.signal }).catch((e: unknown) => e);
    await until(() => queuedIn(c, 'user/create') === 1);
    gaveUp = true;
    await onWire;
    expect(await queued).toMatchObject({ kind: 'aborted' });
    expect(created(s)).toEqual(['u1']);
  });
});
