// Time as the client sees it: injectable so the scheduler and the token cache can be tested
// without real sleeps.

export type TimerHandle = unknown;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // Timers exist only while a caller awaits a call (a retry back-off, a scheduler waiting for
  // budget), so they keep the process alive: a one-shot command must not exit in the middle of a
  // back-off. An idle or closed scheduler holds no timer.
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** A real sleep that respects the clock's timer (used by retry back-off). */
export function sleepWith(clock: Clock, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    clock.setTimeout(resolve, ms);
  });
}

/**
 * A clock that moves only when told to: for tests of time-driven code without real sleeps.
 * `advanceTo` fires due timers in time order and lets promise callbacks run after each.
 */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; seq: number; fn: () => void }>();

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), seq: id, fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Time of the earliest pending timer. */
  nextAt(): number | undefined {
    let best: number | undefined;
    for (const x of this.timers.values()) if (best === undefined || x.at < best) best = x.at;
    return best;
  }

  /** Fires the earliest timer (moving time to it); false if none is pending. */
  async step(afterEach: () => Promise<void> = flushPromises): Promise<boolean> {
    let best: [number, { at: number; seq: number; fn: () => void }] | undefined;
    for (const e of this.timers) if (!best || e[1].at < best[1].at || (e[1].at === best[1].at && e[1].seq < best[1].seq)) best = e;
    if (!best) return false;
    this.timers.delete(best[0]);
    this.t = Math.max(this.t, best[1].at);
    best[1].fn();
    await afterEach();
    return true;
  }

  async advanceTo(target: number, afterEach: () => Promise<void> = flushPromises): Promise<void> {
    for (;;) {
      const at = this.nextAt();
      if (at === undefined || at > target) break;
      await this.step(afterEach);
    }
    this.t = Math.max(this.t, target);
    await afterEach();
  }

  /** Runs timers until none is left (or `limit` fired). */
  async runAll(limit = 1_000_000, afterEach?: () => Promise<void>): Promise<void> {
    for (let i = 0; i < limit && (await this.step(afterEach)); i++);
  }
}

/** Lets pending promise callbacks (and one macrotask turn) run. */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
