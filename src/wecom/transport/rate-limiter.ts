// Per-API scheduler for WeCom's frequency limits: per API and company, 10,000 calls per minute AND
// 150,000 per hour; a call beyond either is answered 45009 and blocks the API for 60 s (an hour for
// the hour limit). So the scheduler keeps every window of the budget per API, and after a 45009
// pauses the API for the whole block.
//
// Windows. WeCom counts call *arrivals* in each window. A call arrives somewhere between the moment
// we start it and the moment its answer is back — and WeCom may admit it after queueing of its
// own — so the only safe anchor is the answer: a call counts against each window of its API from its
// start until `windowMs + marginMs` after it *finished*. A new call may start only while, in every
// window, fewer than `count` calls are running or finished within it. (Anchoring at the moment the
// request is written was tried and measured: under CPU load the server admitted calls late enough
// to answer 45009.) The price is one round trip per window: 0.07% of WeCom's 60 s window.
//
// Blocks, and budgets that are not all ours. Other applications of the company spend the same
// per-API budget, so a 45009 can come while our own count is under the limit. On a 45009 the API
// is paused for the block (`blockMs`, by default the shortest window: WeCom's minute block lasts
// its minute). Then one call goes first, alone — the probe: if it is refused too, the block was
// longer (the hour limit), and the pause doubles, up to the longest window (at least 60 blocks: an
// hour at WeCom's scale). Once the probe is answered, the API resumes at the budget actually left:
// the shortest window's count becomes the number of our calls WeCom accepted in the window before
// the 45009. That cap is raised again slowly: by a tenth of the configured count every
// `probeEveryWindows` windows (default 30: half an hour at WeCom's scale); a raise that was too
// much costs one block and settles again, so probing costs at most one block in 30 windows.
// Calls that were already under way when the API was paused belong to the same event: their
// 45009 answers neither extend the pause nor change the cap.
//
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

/** WeCom's documented limits per company and API: 10,000 per minute and 150,000 per hour. */
export const WECOM_BUDGET: readonly Budget[] = Object.freeze([
  Object.freeze({ count: 10_000, windowMs: 60_000 }),
  Object.freeze({ count: 150_000, windowMs: 3_600_000 }),
]);

/** The minute window of WECOM_BUDGET. */
export const DEFAULT_BUDGET: Budget = WECOM_BUDGET[0] as Budget;

export interface RateLimiterOptions {
  /** the windows every API keeps (all apply); default WECOM_BUDGET */
  budget?: Budget | readonly Budget[];
  /** budgets for particular APIs (e.g. a stricter one for gettoken) */
  perApi?: Record<string, Budget | readonly Budget[]>;
  /** how long WeCom blocks an API after a 45009; default the shortest window's length */
  blockMs?: number;
  /** windows (of the shortest one) without a 45009 before the budget left is probed upwards; default 30 */
  probeEveryWindows?: number;
  /** extra window length, a safety margin; default 2 ms (see defaultMarginMs) */
  marginMs?: number;
  /** calls running at once across all APIs; default 256 */
  maxInFlight?: number;
  clock?: Clock;
}

export interface Permit {
  /** when the call was allowed to start (clock time) */
  readonly startedAt: number;
  /** WeCom answered this call 45009: pause its API (call before release) */
  refused(): void;
  /** must be called when the call has finished, answer received or failed (idempotent) */
  release(): void;
}

interface Waiter {
  seq: number;
  resolve: (p: Permit) => void;
  reject: (e: unknown) => void;
}

interface Window extends Budget {
  effectiveWindowMs: number;
  /** ends[head..] are the finished calls inside this window */
  head: number;
}

interface ApiState {
  windows: Window[];
  /** calls of this API running now */
  active: number;
  /** end times of finished calls, oldest first (inside the longest window) */
  ends: number[];
  waiters: Waiter[];
  granted: number;
  /** no new start before this time (a 45009 pause) */
  blockedUntil: number;
  /** when the current pause was decided: calls started before it belong to its event */
  pausedAt: number;
  /** pauses in a row whose probe was refused too */
  failedProbes: number;
  /** after a pause: the next call goes alone ('due'), then others wait for its answer ('running') */
  probe: 'none' | 'due' | 'running';
  /** the budget actually left: a cap on the shortest window's count; null = the configured count */
  cap: number | null;
  /** when the cap is next raised */
  capRaiseAt: number;
  /** [from, to] of the window whose accepted calls become the cap once the probe starts */
  observe: { from: number; to: number } | null;
  /** answer times of our calls WeCom accepted (answered, not 45009), recent ones only */
  accepted: number[];
}

export interface RateLimiterSnapshot {
  inFlight: number;
  maxInFlight: number;
  apis: Record<
    string,
    {
      queued: number;
      /** calls in the shortest window */
      inWindow: number;
      granted: number;
      blockedUntil: number | null;
      /** after a 45009 pause: one call is under way alone, the others wait for its answer */
      probing: boolean;
      /** the budget actually left (shortest window) after a 45009, while below the configured one */
      cap: number | null;
    }
  >;
}

export class RateLimiter {
  private readonly clock: Clock;
  private readonly defaultBudget: Budget[];
  private readonly perApi: Record<string, Budget[]>;
  private readonly marginMs: number | undefined;
  private readonly blockMs: number | undefined;
  private readonly probeEveryWindows: number;
  readonly maxInFlight: number;
  private readonly apis = new Map<string, ApiState>();
  private inFlight = 0;
  private seq = 0;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private closed = false;

  constructor(options: RateLimiterOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.defaultBudget = checkBudgets(options.budget ?? WECOM_BUDGET, 'budget');
    this.perApi = {};
    for (const [api, b] of Object.entries(options.perApi ?? {})) this.perApi[api] = checkBudgets(b, `perApi.${api}`);
    if (options.marginMs !== undefined && !(options.marginMs >= 0)) throw new RangeError('marginMs must be ≥ 0');
    this.marginMs = options.marginMs;
    if (options.blockMs !== undefined && !(options.blockMs > 0)) throw new RangeError('blockMs must be > 0');
    this.blockMs = options.blockMs;
    this.probeEveryWindows = options.probeEveryWindows ?? 30;
    if (!(this.probeEveryWindows > 0)) throw new RangeError('probeEveryWindows must be > 0');
    const max = options.maxInFlight ?? 256;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('maxInFlight must be a positive integer');
    this.maxInFlight = max;
  }

  /** The shortest window applied to an API, with its effective length (window + margin). */
  budgetOf(api: string): Budget & { effectiveWindowMs: number } {
    const w = this.state(api).windows[0] as Window;
    return { count: w.count, windowMs: w.windowMs, effectiveWindowMs: w.effectiveWindowMs };
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

  snapshot(): RateLimiterSnapshot {
    const now = this.clock.now();
    const apis: RateLimiterSnapshot['apis'] = {};
    for (const [api, s] of this.apis) {
      this.prune(s, now);
      const shortest = s.windows[0] as Window;
      apis[api] = {
        queued: s.waiters.length,
        inWindow: s.active + s.ends.length - shortest.head,
        granted: s.granted,
        blockedUntil: s.blockedUntil > now ? s.blockedUntil : null,
        probing: s.probe === 'running',
        cap: this.capOf(s, now),
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
      const budgets = this.perApi[api] ?? this.defaultBudget;
      const windows = budgets.map((b) => ({ ...b, effectiveWindowMs: b.windowMs + (this.marginMs ?? defaultMarginMs(b.windowMs)), head: 0 }));
      s = {
        windows,
        active: 0,
        ends: [],
        waiters: [],
        granted: 0,
        blockedUntil: 0,
        pausedAt: -Infinity,
        failedProbes: 0,
        probe: 'none',
        cap: null,
        capRaiseAt: Infinity,
        observe: null,
        accepted: [],
      };
      this.apis.set(api, s);
    }
    return s;
  }

  private prune(s: ApiState, now: number): void {
    let oldest = s.ends.length;
    for (const w of s.windows) {
      const cutoff = now - w.effectiveWindowMs;
      while (w.head < s.ends.length && (s.ends[w.head] as number) <= cutoff) w.head++;
      oldest = Math.min(oldest, w.head);
    }
    if (oldest > 1024 && oldest * 2 > s.ends.length) {
      s.ends = s.ends.slice(oldest);
      for (const w of s.windows) w.head -= oldest;
    }
  }

  /** The cap on the shortest window at `now`, raised by a tenth of the configured count per probe period. */
  private capOf(s: ApiState, now: number): number | null {
    if (s.cap === null || now < s.capRaiseAt) return s.cap;
    const shortest = s.windows[0] as Window;
    const period = shortest.windowMs * this.probeEveryWindows;
    const steps = Math.floor((now - s.capRaiseAt) / period) + 1;
    const raised = s.cap + steps * Math.max(1, Math.ceil(shortest.count / 10));
    s.capRaiseAt += steps * period;
    s.cap = raised >= shortest.count ? null : raised;
    return s.cap;
  }

  /** Earliest clock time at which the head waiter of `s` may start (ignoring in-flight); Infinity = after a release. */
  private readyAt(s: ApiState, now: number): number {
    if (s.probe === 'running') return Infinity;
    this.prune(s, now);
    let t = Math.max(now, s.blockedUntil);
    const cap = this.capOf(s, now);
    for (const [i, w] of s.windows.entries()) {
      const count = i === 0 && cap !== null ? Math.min(cap, w.count) : w.count;
      const inWindow = s.ends.length - w.head;
      const mustLeave = s.active + inWindow - count + 1;
      if (mustLeave <= 0) continue;
      // only finished calls leave the window by themselves; running ones must end first
      if (mustLeave > inWindow) return Infinity;
      const leaving = s.ends[w.head + mustLeave - 1] as number;
      t = Math.max(t, leaving + w.effectiveWindowMs);
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
    const isProbe = s.probe === 'due';
    if (isProbe) {
      s.probe = 'running';
      this.settle(s, now);
    }
    s.active++;
    s.granted++;
    this.inFlight++;
    let released = false;
    let refused = false;
    w.resolve({
      startedAt: now,
      refused: () => {
        if (released || refused) return;
        refused = true;
        this.onRefused(s, now, isProbe);
      },
      release: () => {
        if (released) return;
        released = true;
        const end = this.clock.now();
        s.active--;
        // the clock is monotonic, so ends stay sorted
        s.ends.push(Math.max(end, s.ends[s.ends.length - 1] ?? -Infinity));
        if (!refused) this.noteAccepted(s, end);
        if (isProbe && !refused) {
          s.probe = 'none';
          s.failedProbes = 0;
        }
        this.inFlight--;
        if (!this.closed) this.pump();
      },
    });
  }

  /** A call that started at `startedAt` was answered 45009. */
  private onRefused(s: ApiState, startedAt: number, isProbe: boolean): void {
    // under way when the API was paused: the same event
    if (!isProbe && startedAt < s.pausedAt) return;
    const now = this.clock.now();
    const shortest = s.windows[0] as Window;
    const longest = Math.max(...s.windows.map((w) => w.windowMs));
    const block = this.blockMs ?? shortest.windowMs;
    if (isProbe) s.failedProbes++;
    // WeCom's window ended with the refused call's arrival; answers come back one round trip after
    // arrival, refused and accepted alike, so the calls it accepted in that window are those
    // answered within one window before this answer (start times, skewed by however long a call
    // waited to be written, measured worse)
    else s.observe = { from: now - shortest.windowMs, to: now };
    const pause = Math.min(block * 2 ** s.failedProbes, Math.max(block * 60, longest));
    s.pausedAt = now;
    s.blockedUntil = Math.max(s.blockedUntil, now + pause);
    s.probe = 'due';
    if (!this.closed) this.pump();
  }

  /** The probe starts: the calls WeCom accepted in the window before the 45009 are the budget left. */
  private settle(s: ApiState, now: number): void {
    const o = s.observe;
    if (!o) return;
    s.observe = null;
    const shortest = s.windows[0] as Window;
    const left = s.accepted.filter((t) => t > o.from && t <= o.to).length;
    // none accepted: the 45009 says nothing of the budget left (a longer block, or a burst of others)
    if (left === 0 || left >= shortest.count) return;
    s.cap = left;
    s.capRaiseAt = now + shortest.windowMs * this.probeEveryWindows;
  }

  private noteAccepted(s: ApiState, end: number): void {
    const shortest = s.windows[0] as Window;
    s.accepted.push(end);
    // only the last window can matter for the next settle (at most `count` calls: dropping the
    // older ones at twice that keeps this amortised O(1))
    if (s.accepted.length > 2 * shortest.count + 64) {
      const cutoff = Math.min(end - shortest.effectiveWindowMs, s.observe?.from ?? Infinity);
      s.accepted = s.accepted.filter((t) => t >= cutoff);
    }
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
      // a raise of the cap may let a waiter start (capOf moves capRaiseAt past now)
      if (this.capOf(s, now) !== null) next = Math.min(next, s.capRaiseAt);
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

function checkBudgets(b: Budget | readonly Budget[], what: string): Budget[] {
  const list = Array.isArray(b) ? (b as readonly Budget[]) : [b as Budget];
  if (list.length === 0) throw new RangeError(`${what} needs at least one window`);
  return list
    .map((w, i) => {
      const at = list.length > 1 ? `${what}[${i}]` : what;
      if (!Number.isInteger(w.count) || w.count < 1) throw new RangeError(`${at}.count must be a positive integer`);
      if (!(w.windowMs > 0)) throw new RangeError(`${at}.windowMs must be > 0`);
      return { count: w.count, windowMs: w.windowMs };
    })
    .sort((x, y) => x.windowMs - y.windowMs);
}
