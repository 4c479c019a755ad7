// Sliding-window admission: at most `count` admitted calls in any window of `windowMs`.
// Rejected calls are not recorded, so a client that backs off recovers as the window slides.

class Window {
  private stamps: number[] = [];
  private head = 0;

  admit(now: number, count: number, windowMs: number): boolean {
    const stamps = this.stamps;
    while (this.head < stamps.length && (stamps[this.head] as number) <= now - windowMs) this.head++;
    if (this.head > 1024 && this.head * 2 > stamps.length) {
      this.stamps = stamps.slice(this.head);
      this.head = 0;
    }
    if (this.stamps.length - this.head >= count) return false;
    this.stamps.push(now);
    return true;
  }
}

export interface RateLimit {
  count: number;
  windowMs: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(public limit: RateLimit) {}

  /** Admits (and records) a call for `key` at time `now`, or refuses it. */
  admit(key: string, now: number): boolean {
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = new Window()));
    return w.admit(now, this.limit.count, this.limit.windowMs);
  }

  clear(): void {
    this.windows.clear();
  }
}
