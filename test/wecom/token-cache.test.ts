import { describe, expect, it } from 'vitest';
import { TokenCache } from '../../src/wecom/token/token-cache.js';

function setup(ttlSec = 7200) {
  let now = 0;
  let n = 0;
  const release: Array<() => void> = [];
  let gate = false;
  const cache = new TokenCache({
    now: () => now,
    fetch: async () => {
      n++;
      if (gate) await new Promise<void>((r) => release.push(r));
      return { accessToken: `t${n}`, expiresIn: ttlSec };
    },
  });
  return {
    cache,
    fetches: () => n,
    setNow: (t: number) => (now = t),
    hold: () => (gate = true),
    open: () => {
      gate = false;
      release.splice(0).forEach((r) => r());
    },
  };
}

describe('token cache', () => {
  it('fetches once for 100 concurrent first callers', async () => {
    const s = setup();
    s.hold();
    const all = Promise.all(Array.from({ length: 100 }, () => s.cache.get()));
    s.open();
    expect(new Set(await all)).toEqual(new Set(['t1']));
    expect(s.fetches()).toBe(1);
    expect(s.cache.fetchCount).toBe(1);
  });

  it('reuses the token until the refresh point, then refreshes in the background', async () => {
    const s = setup(7200);
    expect(await s.cache.get()).toBe('t1');
    expect(s.cache.info()).toEqual({ obtainedAt: 0, expiresAt: 7_200_000, refreshAt: 6_900_000 });
    s.setNow(6_899_999);
    expect(await s.cache.get()).toBe('t1');
    expect(s.fetches()).toBe(1);
    s.setNow(6_900_000);
    s.hold();
    expect(await s.cache.get()).toBe('t1'); // served at once while the refresh runs
    expect(await s.cache.get()).toBe('t1');
    expect(s.fetches()).toBe(2);
    s.open();
    await new Promise((r) => setImmediate(r));
    expect(await s.cache.get()).toBe('t2');
  });

  it('refreshes proactively in proportion for short-lived tokens', async () => {
    const s = setup(10);
    await s.cache.get();
    expect(s.cache.info()?.refreshAt).toBe(9_000);
  });

  it('waits for a new token once the old one is about to expire', async () => {
    const s = setup(7200);
    await s.cache.get();
    s.setNow(7_200_000 - 29_999);
    expect(await s.cache.get()).toBe('t2');
  });

  it('invalidate drops only the token WeCom refused', async () => {
    const s = setup();
    await s.cache.get();
    expect(s.cache.invalidate('other')).toBe(false);
    expect(await s.cache.get()).toBe('t1');
    expect(s.cache.invalidate('t1')).toBe(true);
    expect(s.cache.invalidate('t1')).toBe(false);
    expect(await s.cache.get()).toBe('t2');
  });

  it('passes a fetch failure to the waiting callers and tries again next time', async () => {
    let fail = true;
    const cache = new TokenCache({
      fetch: async () => {
        if (fail) throw new Error('invalid credential');
        return { accessToken: 'ok', expiresIn: 7200 };
      },
    });
    await expect(Promise.all([cache.get(), cache.get()])).rejects.toThrow(/invalid credential/);
    fail = false;
    expect(await cache.get()).toBe('ok');
  });
});

describe('token cache against a server that repeats the valid token', () => {
  it('does not refresh again in the background when the refresh returned the same token', async () => {
    let now = 0;
    let n = 0;
    const cache = new TokenCache({
      now: () => now,
      fetch: async () => {
        n++;
        // like WeCom: the current token with the time it has left
        return now < 7_200_000 ? { accessToken: 'same', expiresIn: (7_200_000 - now) / 1000 } : { accessToken: 'next', expiresIn: 7200 };
      },
    });
    await cache.get();
    now = 6_950_000;
    await cache.get(); // background refresh: same token, 250 s left
    await new Promise((r) => setImmediate(r));
    expect(n).toBe(2);
    now = 7_100_000;
    expect(await cache.get()).toBe('same');
    expect(n).toBe(2);
    now = 7_195_000; // within the last 2% of the (250 s) lifetime: fetch and wait
    expect(await cache.get()).toBe('same');
    expect(n).toBe(3);
    now = 7_200_000;
    expect(await cache.get()).toBe('next');
  });
});

describe('token cache: permanent failures', () => {
  it('rethrows a permanent failure without fetching during the fail-fast period', async () => {
    let now = 0;
    let n = 0;
    const cache = new TokenCache({
      now: () => now,
      failFastMs: 1000,
      isPermanent: (e) => e instanceof Error && e.message === 'invalid credential',
      fetch: async () => {
        n++;
        throw new Error(n === 3 ? 'system busy' : 'invalid credential');
      },
    });
    await expect(cache.get()).rejects.toThrow('invalid credential');
    now = 999;
    await expect(cache.get()).rejects.toThrow('invalid credential');
    expect(n).toBe(1);
    now = 1000;
    await expect(cache.get()).rejects.toThrow('invalid credential');
    expect(n).toBe(2);
    cache.clearFailure();
    await expect(cache.get()).rejects.toThrow('system busy'); // transient: not remembered
    await expect(cache.get()).rejects.toThrow('invalid credential');
    expect(n).toBe(4);
  });
});
