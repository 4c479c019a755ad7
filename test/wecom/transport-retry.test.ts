import { describe, expect, it } from 'vitest';
import { ERRCODES } from '../../src/wecom/errors/catalog.js';
import { WeComError, WeComTransportError, type TransportFailureKind } from '../../src/wecom/errors/wecom-error.js';
import {
  backoffDelay,
  isRetryable,
  resolveRetryOptions,
  RETRYABLE_ERRCODES,
  withRetry,
} from '../../src/wecom/transport/retry.js';

const answer = (errcode: number) => new WeComError({ errcode, errmsg: `e${errcode}`, api: 'user/create', route: { kind: 'direct' } });
const transport = (kind: TransportFailureKind, status?: number) =>
  new WeComTransportError({ kind, api: 'user/create', route: { kind: 'proxy', proxy: '127.0.0.1:1' }, detail: kind, status });

describe('retry classification', () => {
  it('retries exactly the transient errcodes', () => {
    for (const code of [-1, 6000, 45009, 45033, 302005, 302008]) expect(isRetryable(answer(code))).toBe(true);
    for (const code of [40001, 40013, 40014, 42001, 48009, 60020, 60102, 60111, 40058, 123456]) expect(isRetryable(answer(code))).toBe(false);
  });

  it('agrees with the catalogue about which codes are retryable', () => {
    const fromCatalogue = [...ERRCODES.values()].filter((e) => e.class === 'retryable').map((e) => e.code).sort();
    expect([...RETRYABLE_ERRCODES].sort()).toEqual(fromCatalogue);
  });

  it('retries network failures but not proxy-auth, TLS or 4xx answers', () => {
    for (const k of ['connect', 'connect-timeout', 'proxy-refused', 'timeout', 'reset'] as const) expect(isRetryable(transport(k))).toBe(true);
    expect(isRetryable(transport('http-5xx', 502))).toBe(true);
    expect(isRetryable(transport('proxy-auth', 407))).toBe(false);
    expect(isRetryable(transport('tls'))).toBe(false);
    expect(isRetryable(transport('bad-response', 404))).toBe(false);
    expect(transport('proxy-auth', 407).class).toBe('config');
  });

  it('never retries a request refused before sending, nor foreign errors', () => {
    const presend = new WeComError({ errcode: -1, errmsg: 'x', api: 'a', route: null, presend: true });
    expect(isRetryable(presend)).toBe(false);
    expect(presend.class).toBe('data');
    expect(isRetryable(new Error('boom'))).toBe(false);
  });
});

describe('back-off', () => {
  const o = resolveRetryOptions({ baseDelayMs: 100, maxDelayMs: 1000 });
  it('grows exponentially with jitter in [d/2, d], capped', () => {
    expect(backoffDelay(1, answer(-1), o, () => 0)).toBe(50);
    expect(backoffDelay(1, answer(-1), o, () => 1)).toBe(100);
    expect(backoffDelay(3, answer(-1), o, () => 1)).toBe(400);
    expect(backoffDelay(10, answer(-1), o, () => 1)).toBe(1000);
  });
  it('does not sleep after 45009: the rate limiter holds the call until the block is over', () => {
    expect(backoffDelay(1, answer(45009), o, () => 1)).toBe(0);
    expect(backoffDelay(5, answer(45009), o, () => 0)).toBe(0);
  });
  it('defaults to 5 attempts, 10 for 45009', () => {
    expect(resolveRetryOptions(undefined)).toMatchObject({ maxAttempts: 5, rateLimitedMaxAttempts: 10 });
  });
});

describe('withRetry', () => {
  const o = resolveRetryOptions({ maxAttempts: 4, rateLimitedMaxAttempts: 6, baseDelayMs: 10 });
  const run = async (failures: unknown[]) => {
    const sleeps: number[] = [];
    let calls = 0;
    const p = withRetry(
      async () => {
        const f = failures[calls++];
        if (f) throw f;
        return 'ok';
      },
      o,
      { sleep: async (ms) => void sleeps.push(ms), random: () => 1 },
    );
    const result = await p.then((v) => v, (e: unknown) => e);
    return { result, calls, sleeps };
  };

  it('returns a data error at once', async () => {
    const r = await run([answer(60102)]);
    expect(r.calls).toBe(1);
    expect((r.result as WeComError).errcode).toBe(60102);
    expect(r.sleeps).toEqual([]);
  });
  it('retries transient failures until success', async () => {
    const r = await run([answer(-1), transport('reset'), transport('http-5xx', 502)]);
    expect(r).toMatchObject({ result: 'ok', calls: 4, sleeps: [10, 20, 40] });
  });
  it('gives up after maxAttempts', async () => {
    const r = await run(Array.from({ length: 10 }, () => answer(-1)));
    expect(r.calls).toBe(4);
    expect((r.result as WeComError).errcode).toBe(-1);
  });
  it('allows more attempts for 45009', async () => {
    const r = await run(Array.from({ length: 10 }, () => answer(45009)));
    expect(r.calls).toBe(6);
    expect(r.sleeps).toEqual([0, 0, 0, 0, 0]);
  });
});
