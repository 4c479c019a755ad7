// The client against the WeCom simulator over real HTTPS (the simulator's own CA).
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { createWeComClient, WeComError, type WeComClient, type WeComClientOptions } from '../../src/wecom/index.js';

const CORP = { corpid: 'ww1', secret: 's1' };

let sim: RunningSimulator | undefined;
const clients: WeComClient[] = [];

async function start(opts: Partial<Parameters<typeof startSimulator>[0]> = {}): Promise<RunningSimulator> {
  sim = await startSimulator({ https: true, port: 0, corps: [CORP], ...opts });
  return sim;
}

function client(s: RunningSimulator, extra: Partial<WeComClientOptions> = {}): WeComClient {
  const c = createWeComClient({ corpId: CORP.corpid, secret: CORP.secret, apiBase: s.url, ca: s.caPem, retry: { baseDelayMs: 10 }, ...extra });
  clients.push(c);
  return c;
}

/** Every simulated company starts with its creator; the assertions count the members the client wrote. */
const CREATOR = 'creator';
const ours = <T extends { userid: string }>(rows: T[]): T[] => rows.filter((r) => r.userid !== CREATOR);

const member = (i: number) => ({ userid: `u${i}`, name: `User ${i}`, department: [1], mobile: `138${String(i).padStart(8, '0')}` });

/** A deterministic random source (LCG) so fault draws are the same on every run. */
function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await sim?.close();
  sim = undefined;
});

describe('tokens', () => {
  it('100 concurrent first calls fetch exactly one token', async () => {
    const s = await start();
    const c = client(s);
    const rows = await Promise.all(Array.from({ length: 100 }, () => c.department.simplelist()));
    expect(rows.every((r) => r.some((d) => d.id === 1))).toBe(true);
    expect(s.sim.stats().gettoken).toEqual({ ww1: 1 });
    expect(c.stats().gettoken).toBe(1);
    expect(s.sim.stats().byApi['department/simplelist']).toBe(100);
  });

  it.each(['expireTokens', 'revokeTokens'] as const)('%s mid-sequence costs exactly one extra gettoken and no failed call', async (how) => {
    const s = await start();
    const c = client(s);
    for (let i = 0; i < 5; i++) await c.user.create(member(i));
    s.sim[how]();
    await Promise.all(Array.from({ length: 20 }, (_, i) => c.user.create(member(100 + i))));
    for (let i = 5; i < 10; i++) await c.user.create(member(i));
    expect(s.sim.stats().gettoken).toEqual({ ww1: 2 });
    expect(c.stats().tokenRefreshRetries).toBeGreaterThanOrEqual(1);
    expect(ours(await c.user.listAllIds()).length).toBe(30);
  });

  it('short-lived tokens are renewed before they run out: no call ever meets an expired token', async () => {
    // One fake time for WeCom and the client: 30 calls, 5 s apart, span two and a half 60 s lifetimes.
    let t = Date.UTC(2026, 10, 25, 9, 0, 0);
    const now = () => t;
    const s = await start({ tokenTtlSeconds: 60, now });
    const c = client(s, { now });
    for (let i = 0; i < 30; i++) {
      await c.department.simplelist();
      t += 5_000;
    }
    // WeCom hands out the same token while it is valid, so a new one arrives only at each expiry
    // (60 s, 120 s): at least 3 fetches, and an early renewal attempt per lifetime at most.
    const fetched = s.sim.stats().gettoken.ww1 ?? 0;
    expect(fetched).toBeGreaterThanOrEqual(3);
    expect(fetched).toBeLessThanOrEqual(5);
    // no call was refused for its token
    expect(s.sim.stats().byErrcode[42001] ?? 0).toBe(0);
    expect(s.sim.stats().byErrcode[40014] ?? 0).toBe(0);
    expect(c.stats().tokenRefreshRetries).toBe(0);
  });

  it('a wrong secret is a configuration error, fetched once and never retried', async () => {
    const s = await start();
    const c = createWeComClient({ corpId: 'ww1', secret: 'wrong', apiBase: s.url, ca: s.caPem });
    clients.push(c);
    const err = (await c.department.simplelist().catch((e: unknown) => e)) as WeComError;
    expect(err).toBeInstanceOf(WeComError);
    expect(err).toMatchObject({ errcode: 40001, class: 'config', api: 'gettoken' });
    expect(err.message).not.toContain('wrong');
    // later calls fail fast with the same error instead of asking again (an IP gets blocked for repeated wrong secrets)
    await expect(c.user.create(member(1))).rejects.toMatchObject({ errcode: 40001 });
    await expect(c.ensureToken()).rejects.toMatchObject({ errcode: 40001 });
    expect(s.sim.stats().gettoken).toEqual({ ww1: 1 });
    c.resetTokenFailure();
    await expect(c.ensureToken()).rejects.toMatchObject({ errcode: 40001 });
    expect(s.sim.stats().gettoken).toEqual({ ww1: 2 });
  });
});

describe('rate limits', () => {
  it('a simulator stricter than the client assumes: one block, then the client settles at the budget left (no 45009 after it)', async () => {
    const s = await start({ rateLimit: { count: 20, windowMs: 500 }, rateBlockMs: 500 });
    const c = client(s, { rateLimit: { count: 60, windowMs: 500 } });
    await c.ensureToken();
    const n = 70;
    await Promise.all(Array.from({ length: n }, (_, i) => c.user.create(member(i))));
    const st = c.stats();
    expect(st.rateLimited).toBeGreaterThan(0);
    expect(st.rateLimited).toBe(s.sim.stats().rateLimited);
    expect(ours(await c.user.listAllIds()).length).toBe(n);
    // settled at most at what the simulator accepts (20 per window): more calls draw no 45009
    const cap = c.limiterSnapshot().apis['user/create']?.cap ?? Infinity;
    expect(cap).toBeLessThanOrEqual(20);
    await Promise.all(Array.from({ length: 50 }, (_, i) => c.user.create(member(n + i))));
    expect(s.sim.stats().rateLimited).toBe(st.rateLimited);
  }, 30_000);

  it('keeps the hour budget too: paced through both windows, no 45009', async () => {
    const s = await start({ rateLimit: { count: 20, windowMs: 200 }, rateLimitHour: { count: 40, windowMs: 1000 }, rateBlockMs: 200 });
    const c = client(s, { rateLimit: [{ count: 20, windowMs: 200 }, { count: 40, windowMs: 1000 }] });
    await Promise.all(Array.from({ length: 60 }, (_, i) => c.user.create(member(i))));
    expect(s.sim.stats().rateLimited).toBe(0);
    expect(s.sim.stats().byApi['user/create']).toBe(60);
    const at = s.sim.calls.filter((x) => x.api === 'user/create').map((x) => x.at);
    // the 41st call waited for the 1st to leave the hour window
    expect(at[40]! - at[0]!).toBeGreaterThanOrEqual(1000);
  }, 30_000);

  it('matching budget: no 45009 at all', async () => {
    const s = await start({ rateLimit: { count: 20, windowMs: 500 } });
    const c = client(s, { rateLimit: { count: 20, windowMs: 500 } });
    await Promise.all(Array.from({ length: 70 }, (_, i) => c.user.create(member(i))));
    expect(c.stats().rateLimited).toBe(0);
    expect(s.sim.stats().rateLimited).toBe(0);
    // each call sent once: the client waited for its budget instead of being refused and retrying
    expect(s.sim.stats().byApi['user/create']).toBe(70);
    expect(c.stats().retries).toBe(0);
  }, 30_000);
});

describe('errors', () => {
  it('a data error comes back at once, never retried', async () => {
    const s = await start();
    const c = client(s);
    await c.user.create(member(1));
    const err = (await c.user.create({ ...member(1), mobile: '13900000000' }).catch((e: unknown) => e)) as WeComError;
    expect(err).toMatchObject({ errcode: 60102, class: 'data', api: 'user/create', route: { kind: 'direct' }, presend: false });
    expect(err.hint).toMatch(/^\d{25}$/);
    expect(s.sim.stats().byApi['user/create']).toBe(2);
    expect(c.stats().retries).toBe(0);
  });

  it('a request that fails validation is never sent', async () => {
    const s = await start();
    const c = client(s);
    const err = (await c.user.create({ userid: 'bad id!', name: 'x', department: [1], mobile: '13800000000' }).catch((e: unknown) => e)) as WeComError;
    expect(err).toMatchObject({ errcode: 40003, class: 'data', presend: true, field: 'userid', route: null });
    const err2 = (await c.department.create({ name: 'a:b', parentid: 1 }).catch((e: unknown) => e)) as WeComError;
    expect(err2).toMatchObject({ errcode: 60009, presend: true });
    await expect(c.user.batchDelete([])).rejects.toMatchObject({ errcode: 40031, presend: true });
    expect(s.sim.stats().total).toBe(0);
    expect(c.stats().calls).toBe(0);
  });

  it.each(['errcode', 'http502', 'reset', 'mixed'] as const)('injected faults (%s) are retried until the call succeeds', async (faultKind) => {
    const s = await start({ faultRate: 0.3, faultKind, random: seeded(42) });
    const c = client(s, { retry: { baseDelayMs: 5, maxAttempts: 8 } });
    await Promise.all(Array.from({ length: 30 }, (_, i) => c.user.create(member(i))));
    s.sim.setFaults({ faultRate: 0 });
    expect(ours(await c.user.listAllIds()).length).toBe(30);
    expect(c.stats().retries).toBeGreaterThan(0);
    const faults = s.sim.calls.filter((x) => x.fault).length;
    expect(faults).toBeGreaterThan(0);
  });

  it('60020 from an untrusted IP names the egress IP and the route', async () => {
    const s = await start({ trustedIps: ['127.0.0.9'] });
    const c = client(s);
    const err = (await c.department.simplelist().catch((e: unknown) => e)) as WeComError;
    expect(err).toBeInstanceOf(WeComError);
    expect(err).toMatchObject({ errcode: 60020, class: 'config', egressIp: '127.0.0.1', route: { kind: 'direct' } });
    expect(err.message).toMatch(/^WeCom does not trust the egress IP 127\.0\.0\.1 used directly/);
    expect(c.health()[0]?.lastEgressIp).toBe('127.0.0.1');
    expect(c.stats().retries).toBe(0);
  });

  it('a newly trusted IP may write and list ids but reading details answers 48009', async () => {
    const s = await start({ trustedIps: ['127.0.0.1'] });
    const c = client(s);
    await c.user.create(member(1));
    expect(ours(await c.user.listAllIds())).toEqual([{ userid: 'u1', department: 1 }]);
    expect((await c.department.simplelist()).map((d) => d.id)).toContain(1);
    const err = (await c.user.get('u1').catch((e: unknown) => e)) as WeComError;
    expect(err).toMatchObject({ errcode: 48009, class: 'config', api: 'user/get' });
    expect(err.explanation.en).toMatch(/2022-08-15/);
  });
});

/** Most calls that arrived at the simulator less than `ms` apart (by its clock). */
function mostArrivalsWithin(s: RunningSimulator, api: string, ms: number): number {
  const at = s.sim.calls.filter((x) => x.api === api).map((x) => x.at).sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, i = 0; i < at.length; i++) {
    while (at[i]! - at[first]! >= ms) first++;
    most = Math.max(most, i - first + 1);
  }
  return most;
}

describe('throughput', () => {
  it('keeps enough calls in flight to use the whole budget when round trips are slow', async () => {
    const budget = { count: 100, windowMs: 1000 };
    const latencyMs = 60;
    const s = await start({ rateLimit: budget, latencyMs });
    const c = client(s, { rateLimit: budget });
    await c.ensureToken();
    await Promise.all(Array.from({ length: 250 }, (_, i) => c.user.create(member(i))));
    expect(s.sim.stats().rateLimited).toBe(0);
    expect(s.sim.stats().byApi['user/create']).toBe(250);
    // The simulator holds every call for the latency, so calls that arrived within half of it were
    // all in flight together. Using the budget takes budget × latency / window = 6 at once; a
    // client sending one call at a time would have 1. (Its speed: `npm run bench -- client-throughput`.)
    expect(mostArrivalsWithin(s, 'user/create', latencyMs / 2)).toBeGreaterThanOrEqual((budget.count * latencyMs) / budget.windowMs);
  }, 20_000);
});

describe('endpoints', () => {
  it('departments: create, update, get, list, simplelist, delete', async () => {
    const s = await start();
    const c = client(s);
    const { id } = await c.department.create({ name: '研发', parentid: 1, order: 5 });
    expect(id).toBeGreaterThan(1);
    await c.department.update({ id, name: '研发中心' });
    expect(await c.department.get(id)).toMatchObject({ id, name: '研发中心', parentid: 1 });
    expect((await c.department.list()).map((d) => d.id)).toEqual(expect.arrayContaining([1, id]));
    expect(await c.department.simplelist(id)).toEqual([expect.objectContaining({ id, parentid: 1 })]);
    await c.department.delete(id);
    await expect(c.department.get(id)).rejects.toMatchObject({ errcode: 60003 });
  });

  it('members: create, update, get, lookups, lists, delete, batch delete', async () => {
    const s = await start();
    const c = client(s);
    await c.user.create({ ...member(1), email: 'u1@example.com' });
    await c.user.create(member(2));
    await c.user.create(member(3));
    await c.user.update({ userid: 'u1', position: 'engineer' });
    expect(await c.user.get('u1')).toMatchObject({ userid: 'u1', position: 'engineer' });
    expect(await c.user.getUserId('13800000001')).toBe('u1');
    expect(await c.user.getUserIdByEmail('u1@example.com', 2)).toBe('u1');
    expect(ours(await c.user.simplelist(1)).map((m) => m.userid).sort()).toEqual(['u1', 'u2', 'u3']);
    expect(ours(await c.user.list(1, { fetchChild: true })).length).toBe(3);
    const page = await c.user.listId({ limit: 2 });
    expect(page.deptUser).toHaveLength(2);
    expect(page.nextCursor).toBeTruthy();
    expect(ours(await c.user.listAllIds({ limit: 1 }))).toHaveLength(3);
    await c.user.delete('u3');
    await c.user.batchDelete(['u1', 'u2']);
    expect(ours(await c.user.listAllIds())).toEqual([]);
  });

  it('batch import: upload CSV, replace departments, wait for the job', async () => {
    const s = await start();
    const c = client(s);
    const csv = Buffer.from('部门名称,部门ID,父部门ID,排序\n总公司,1,0,1\n研发,2,1,10\n', 'utf8');
    const media = await c.media.upload(csv, 'party.csv');
    expect(media.mediaId).toBeTruthy();
    const jobid = await c.batch.replaceParty({ media_id: media.mediaId });
    const result = await c.batch.waitForJob(jobid, { pollMs: 20, timeoutMs: 10_000 });
    expect(result).toMatchObject({ status: 3, type: 'replace_party', percentage: 100 });
    expect((await c.department.simplelist()).map((d) => d.id).sort()).toEqual([1, 2]);
  });
});
