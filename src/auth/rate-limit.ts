// Login throttling, in process memory (per server process; with several processes each keeps its
// own counts, which still bounds guessing to N × processes per window).
//   - at most `maxPerKey` failed logins per username+IP in `windowMs` (default 5 per 15 minutes)
//   - at most `maxPerIp` failed logins per IP across all usernames (default 50 per 15 minutes)
// A successful login clears the username+IP count. Entries expire with their window.

interface LoginLimiterOptions {
  maxPerKey?: number;
  maxPerIp?: number;
  windowMs?: number;
  now?: () => number;
}

interface Bucket {
  count: number;
  resetAt: number;
}

export class LoginRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  readonly maxPerKey: number;
  readonly maxPerIp: number;
  readonly windowMs: number;
  private readonly now: () => number;

  constructor(opts: LoginLimiterOptions = {}) {
    this.maxPerKey = opts.maxPerKey ?? 5;
    this.maxPerIp = opts.maxPerIp ?? 50;
    this.windowMs = opts.windowMs ?? 15 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  private keys(username: string, ip: string): [string, string] {
    return [`u:${username.toLowerCase()}\u0000${ip}`, `ip:${ip}`];
  }

  private live(key: string): Bucket | undefined {
    const b = this.buckets.get(key);
    if (b && b.resetAt <= this.now()) {
      this.buckets.delete(key);
      return undefined;
    }
    return b;
  }

  /** Seconds until another attempt is allowed, or 0 when allowed now. */
  retryAfter(username: string, ip: string): number {
    const [k, i] = this.keys(username, ip);
    const now = this.now();
    let wait = 0;
    const kb = this.live(k);
    if (kb && kb.count >= this.maxPerKey) wait = Math.max(wait, kb.resetAt - now);
    const ib = this.live(i);
    if (ib && ib.count >= this.maxPerIp) wait = Math.max(wait, ib.resetAt - now);
    return Math.ceil(wait / 1000);
  }

  recordFailure(username: string, ip: string): void {
    this.prune();
    for (const key of this.keys(username, ip)) {
      const b = this.live(key);
      if (b) b.count++;
      else this.buckets.set(key, { count: 1, resetAt: this.now() + this.windowMs });
    }
  }

  recordSuccess(username: string, ip: string): void {
    this.buckets.delete(this.keys(username, ip)[0]);
  }

  private prune(): void {
    if (this.buckets.size < 10_000) return;
    const now = this.now();
    for (const [k, b] of this.buckets) if (b.resetAt <= now) this.buckets.delete(k);
  }
}
