// Per-API sliding-window scheduler. WeCom counts call *arrivals* per API per company in a sliding
// window (10,000 per minute). A call arrives somewhere between the moment we start it and the
// moment its answer is back — and WeCom may admit it after queueing of its own — so the only
// safe anchor is the answer: the scheduler counts a call against its API's window from its
// start until `windowMs + marginMs` after it *finished*. A new call of an API may start only while
// fewer than `count` of its calls are running or finished within that window. (Anchoring at the
// moment the request is written was tried and measured: under CPU load the server admitted calls
// late enough to answer 45009.) The price is one round trip per window: 0.07% of WeCom's 60 s
// window at a 40 ms round trip. In particular at most `count` calls start in any window.
// Waiters are served first-in first-out per API, and the scheduler is work-conserving: a waiter
// whose API has budget, when an in-flight slot is free, is granted at once. A global max-in-flight
// bound keeps enough calls running to reach the budget when round trips are slow, without opening
// unbounded connections.

import { systemClock, type Clock, type TimerHandle } from './clock.js';

export interface Budget {
  /** calls per window */
  count: number;
  windowMs: number;
}

interface RateLimiterOptions {
  /** default budget of every API: 10,000 per 60,000 ms (WeCom's per-company, per-API minute limit) */
  budget?: Budget;
  /** budgets for particular APIs (e.g. a stricter one for gettoken) */
  perApi?: Record<string, Budget>;
  /** extra window length, a safety margin; default 2 ms (see defaultMarginMs) */
  marginMs?: number;
  /** calls running at once across all APIs; default 256 */
  maxInFlight?: number;
  clock?: Clock;
}

export interface Permit {
  /** when the call was allowed to start (clock time) */
  readonly startedAt: number;
  /** must be called when the call has finished, answer received or failed (idempotent) */
  release(): void;
}

interface Waiter {
  seq: number;
  resolve: (p: Permit) => void;
  reject: (e: unknown) => void;
}

interface ApiState {
  budget: Budget;
  effectiveWindowMs: number;
  /** calls of this API running now */
  active: number;
  /** end times of finished calls inside the current effective window, oldest first (ends[head..]) */
  ends: number[];
  head: number;
  waiters: Waiter[];
  /** no new start before this time (set after WeCom answered 45009) */
  blockedUntil: number;
  granted: number;
}

export interface RateLimiterSnapshot {
  inFlight: number;
  maxInFlight: number;
  apis: Record<string, { queued: number; inWindow: number; granted: number; blockedUntil: number | null }>;
}

export const DEFAULT_BUDGET: Budget = { count: 10_000, windowMs: 60_000 };

export class RateLimiter {
  private readonly clock: Clock;
  private readonly defaultBudget: Budget;
  private readonly perApi: Record<string, Budget>;
  private readonly marginMs: number | undefined;
  readonly maxInFlight: number;
  private readonly apis = new Map<string, ApiState>();
  private inFlight = 0;
  private seq = 0;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private closed = false;

  constructor(options: RateLimiterOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.defaultBudget = checkBudget(options.budget ?? DEFAULT_BUDGET, 'budget');
    this.perApi = {};
    for (const [api, b] of Object.entries(options.perApi ?? {})) this.perApi[api] = checkBudget(b, `perApi.${api}`);
    if (options.marginMs !== undefined && !(options.marginMs >= 0)) throw new RangeError('marginMs must be ≥ 0');
    this.marginMs = options.marginMs;
    const max = options.maxInFlight ?? 256;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('maxInFlight must be a positive integer');
    this.maxInFlight = max;
  }

  /** The budget and effective window (window + margin) applied to an API. */
  budgetOf(api: string): Budget & { effectiveWindowMs: number } {
    const s = this.state(api);
    return { ...s.budget, effectiveWindowMs: s.effectiveWindowMs };
  }

  /**
   * Waits until a call of `api` may start; the returned permit must be released when it ends.
   * An abort of `signal` while waiting leaves the queue without taking a slot (rejects with its reason).
   */
  acquire(api: string, signal?: AbortSignal): Promise<Permit> {
    if (this.closed) return Promise.reject(new Error('rate limiter closed'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const s = this.state(api);
    return new Promise<Permit>((resolve, reject) => {
      const w: Waiter = { seq: this.seq++, resolve, reject };
      if (signal) {
        const onAbort = (): void => {
          const i = s.waiters.indexOf(w);
          if (i < 0) return;
          s.waiters.splice(i, 1);
          reject(signal.reason);
          this.pump();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        w.resolve = (p) => {
          signal.removeEventListener('abort', onAbort);
          resolve(p);
        };
      }
      s.waiters.push(w);
      this.pump();
    });
  }

  /**
   * WeCom said 45009 for this API: start no new call of it before `untilMs` (clock time).
   * Calls already waiting stay in order and go first once the pause is over.
   */
  penalize(api: string, untilMs: number): void {
    const s = this.state(api);
    if (untilMs > s.blockedUntil) s.blockedUntil = untilMs;
    this.pump();
  }

  snapshot(): RateLimiterSnapshot {
    const now = this.clock.now();
    const apis: RateLimiterSnapshot['apis'] = {};
    for (const [api, s] of this.apis) {
      this.prune(s, now);
      apis[api] = {
        queued: s.waiters.length,
        inWindow: s.active + s.ends.length - s.head,
        granted: s.granted,
        blockedUntil: s.blockedUntil > now ? s.blockedUntil : null,
      };
    }
    return { inFlight: this.inFlight, maxInFlight: this.maxInFlight, apis };
  }

  /** Rejects every waiter and stops the timer. */
  close(): void {
    this.closed = true;
    this.cancelTimer();
    for (const s of this.apis.values()) {
      const ws = s.waiters.splice(0);
      for (const w of ws) w.reject(new Error('rate limiter closed'));
    }
  }

  // ------------------------------------------------------------------ internals

  private state(api: string): ApiState {
    let s = this.apis.get(api);
    if (!s) {
      const budget = this.perApi[api] ?? this.defaultBudget;
      const margin = this.marginMs ?? defaultMarginMs(budget.windowMs);
      s = { budget, effectiveWindowMs: budget.windowMs + margin, active: 0, ends: [], head: 0, waiters: [], blockedUntil: 0, granted: 0 };
      this.apis.set(api, s);
    }
    return s;
  }

  private prune(s: ApiState, now: number): void {
    const cutoff = now - s.effectiveWindowMs;
    while (s.head < s.ends.length && (s.ends[s.head] as number) <= cutoff) s.head++;
    if (s.head > 1024 && s.head * 2 > s.ends.length) {
      s.ends = s.ends.slice(s.head);
      s.head = 0;
    }
  }

  /** Earliest clock time at which the head waiter of `s` may start (ignoring in-flight); Infinity = after a release. */
  private readyAt(s: ApiState, now: number): number {
    this.prune(s, now);
    let t = Math.max(now, s.blockedUntil);
    const inWindow = s.ends.length - s.head;
    const mustLeave = s.active + inWindow - s.budget.count + 1;
    if (mustLeave > 0) {
      // only finished calls leave the window by themselves; running ones must end first
      if (mustLeave > inWindow) return Infinity;
      const leaving = s.ends[s.head + mustLeave - 1] as number;
      t = Math.max(t, leaving + s.effectiveWindowMs);
    }
    return t;
  }

  private pump(): void {
    const now = this.clock.now();
    for (;;) {
      if (this.inFlight >= this.maxInFlight) break;
      // among APIs whose head waiter may start now, serve the longest-waiting one
      let best: ApiState | undefined;
      for (const s of this.apis.values()) {
        const head = s.waiters[0];
        if (!head) continue;
        if (this.readyAt(s, now) > now) continue;
        if (!best || head.seq < (best.waiters[0] as Waiter).seq) best = s;
      }
      if (!best) break;
      this.grant(best, now);
    }
    this.schedule(now);
  }

  private grant(s: ApiState, now: number): void {
    const w = s.waiters.shift() as Waiter;
    s.active++;
    s.granted++;
    this.inFlight++;
    let released = false;
    w.resolve({
      startedAt: now,
      release: () => {
        if (released) return;
        released = true;
        s.active--;
        // the clock is monotonic, so ends stay sorted
        s.ends.push(Math.max(this.clock.now(), s.ends[s.ends.length - 1] ?? -Infinity));
        this.inFlight--;
        if (!this.closed) this.pump();
      },
    });
  }

  private schedule(now: number): void {
    if (this.inFlight >= this.maxInFlight) {
      // a release will pump; no timer needed
      this.cancelTimer();
      return;
    }
    let next = Infinity;
    for (const s of this.apis.values()) {
      if (s.waiters.length === 0) continue;
      next = Math.min(next, this.readyAt(s, now));
    }
    if (!Number.isFinite(next)) {
      this.cancelTimer();
      return;
    }
    if (this.timer !== undefined && this.timerAt <= next) return;
    this.cancelTimer();
    this.timerAt = next;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, Math.ceil(next - now)));
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}

/**
 * Calls count until their answer is back, which is always after WeCom admitted them, so the margin
 * only absorbs millisecond rounding between our clock and WeCom's: 2 ms (less for tiny windows).
 */
function defaultMarginMs(windowMs: number): number {
  return Math.min(2, Math.ceil(windowMs * 0.01));
}

function checkBudget(b: Budget, what: string): Budget {
  if (!Number.isInteger(b.count) || b.count < 1) throw new RangeError(`${what}.count must be a positive integer`);
  if (!(b.windowMs > 0)) throw new RangeError(`${what}.windowMs must be > 0`);
  return { count: b.count, windowMs: b.windowMs };
}
