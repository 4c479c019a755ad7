// Retry with exponential back-off and jitter, for transient failures only. Data and configuration
// errors are returned at once: retrying them cannot help and would hammer WeCom (a wrong secret
// retried in a loop gets the IP blocked for an hour).

import { Errcode } from '../errors/catalog.js';
import { WeComError, WeComTransportError } from '../errors/wecom-error.js';

export interface RetryOptions {
  /** attempts in total, first one included; default 5 */
  maxAttempts?: number;
  /** attempts in total when WeCom keeps answering 45009 (rate limited); default 10 */
  rateLimitedMaxAttempts?: number;
  /** delay before the second attempt; doubles each time; default 200 ms */
  baseDelayMs?: number;
  /** cap of one delay; default 10 s */
  maxDelayMs?: number;
}

export type ResolvedRetryOptions = Required<RetryOptions>;

export function resolveRetryOptions(o: RetryOptions | undefined): ResolvedRetryOptions {
  const r: ResolvedRetryOptions = {
    maxAttempts: o?.maxAttempts ?? 5,
    rateLimitedMaxAttempts: o?.rateLimitedMaxAttempts ?? Math.max(10, o?.maxAttempts ?? 0),
    baseDelayMs: o?.baseDelayMs ?? 200,
    maxDelayMs: o?.maxDelayMs ?? 10_000,
  };
  if (!Number.isInteger(r.maxAttempts) || r.maxAttempts < 1) throw new RangeError('retry.maxAttempts must be a positive integer');
  if (!Number.isInteger(r.rateLimitedMaxAttempts) || r.rateLimitedMaxAttempts < 1)
    throw new RangeError('retry.rateLimitedMaxAttempts must be a positive integer');
  if (!(r.baseDelayMs >= 0) || !(r.maxDelayMs >= 0)) throw new RangeError('retry delays must be ≥ 0');
  return r;
}

/** WeCom's transient errcodes: system busy, version conflict, rate/concurrency limit, import system failure, import running. */
export const RETRYABLE_ERRCODES: ReadonlySet<number> = new Set([
  Errcode.SystemBusy,
  6000,
  Errcode.RateLimited,
  45033,
  Errcode.ImportSystemFailure,
  Errcode.ImportJobRunning,
]);

/** Whether an error may be retried: retryable WeCom answers and retryable transport failures only. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof WeComError) return !err.presend && err.class === 'retryable';
  if (err instanceof WeComTransportError) return err.retryable;
  return false;
}

function isRateLimited(err: unknown): boolean {
  return err instanceof WeComError && err.errcode === Errcode.RateLimited;
}

/**
 * Delay before attempt `attempt + 1` after `attempt` failed with `err`: exponential, capped, with
 * "equal jitter" (half fixed, half random) so that many callers hit by the same failure spread out.
 * None after 45009: the rate limiter holds the call until WeCom's block is over.
 */
export function backoffDelay(attempt: number, err: unknown, o: ResolvedRetryOptions, random: () => number = Math.random): number {
  if (isRateLimited(err)) return 0;
  const d = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(d / 2 + random() * (d / 2));
}

interface RetryHooks {
  /** called before sleeping; return value ignored */
  onRetry?(err: unknown, attempt: number, delayMs: number): void;
  sleep(ms: number): Promise<void>;
  random?: () => number;
}

/** Runs `fn(attempt)` until it succeeds, fails with a non-retryable error, or attempts run out. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, o: ResolvedRetryOptions, hooks: RetryHooks): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const limit = isRateLimited(err) ? o.rateLimitedMaxAttempts : o.maxAttempts;
      if (!isRetryable(err) || attempt >= limit) throw err;
      const delay = backoffDelay(attempt, err, o, hooks.random);
      hooks.onRetry?.(err, attempt, delay);
      await hooks.sleep(delay);
    }
  }
}
