// WeCom's frequency limits as WeCom punishes them (reference §6.1): per company and API, at most
// `minute.count` admitted calls in any window of `minute.windowMs` AND `hour.count` in any window of
// `hour.windowMs` (sliding windows of admitted calls: refused calls are not counted). A call beyond
// the minute budget blocks that API for that company for `blockMs`; beyond the hour budget, for the
// hour window's length. While blocked every call of the API is refused, whatever the windows hold.
// Separately, repeated wrong-secret gettoken calls from one IP block gettoken from that IP.

export interface RateLimit {
  count: number;
  windowMs: number;
}

export interface RateLimitConfig {
  /** the minute budget (WeCom: 10,000 per 60 s) */
  minute: RateLimit;
  /** the hour budget (WeCom: 150,000 per hour); null = none */
  hour: RateLimit | null;
  /** how long exceeding the minute budget blocks the API (WeCom: 60 s) */
  blockMs: number;
}

export const WECOM_MINUTE_LIMIT: RateLimit = { count: 10_000, windowMs: 60_000 };
export const WECOM_HOUR_LIMIT: RateLimit = { count: 150_000, windowMs: 3_600_000 };
/** A WeCom staff reply (2021, informal): about 2,000 failed gettoken calls in an hour block the IP for an hour. */
export const WECOM_WRONG_SECRET_LIMIT: RateLimit = { count: 2_000, windowMs: 3_600_000 };

export type Refusal = { window: 'minute' | 'hour' | 'block'; until: number };

/** Admitted call times, oldest first, with one read position per window length. */
class Stamps {
  private stamps: number[] = [];
  private readonly heads: number[];

  constructor(private readonly windowsMs: readonly number[]) {
    this.heads = windowsMs.map(() => 0);
  }

  /** Calls admitted in (now − windowsMs[i], now]. */
  inWindow(i: number, now: number): number {
    const cutoff = now - (this.windowsMs[i] as number);
    let h = this.heads[i] as number;
    while (h < this.stamps.length && (this.stamps[h] as number) <= cutoff) h++;
    this.heads[i] = h;
    return this.stamps.length - h;
  }

  push(now: number): void {
    this.stamps.push(now);
    const oldest = Math.min(...this.heads);
    if (oldest > 1024 && oldest * 2 > this.stamps.length) {
      this.stamps = this.stamps.slice(oldest);
      for (let i = 0; i < this.heads.length; i++) this.heads[i] = (this.heads[i] as number) - oldest;
    }
  }
}

interface KeyState {
  stamps: Stamps;
  blockedUntil: number;
}

export class RateLimiter {
  private readonly keys = new Map<string, KeyState>();

  constructor(readonly config: RateLimitConfig) {}

  /** Admits (and records) a call for `key` at time `now`, or says why it is refused and until when. */
  admit(key: string, now: number): Refusal | null {
    const { minute, hour, blockMs } = this.config;
    let s = this.keys.get(key);
    if (!s) this.keys.set(key, (s = { stamps: new Stamps(hour ? [minute.windowMs, hour.windowMs] : [minute.windowMs]), blockedUntil: 0 }));
    if (now < s.blockedUntil) return { window: 'block', until: s.blockedUntil };
    if (s.stamps.inWindow(0, now) >= minute.count) return { window: 'minute', until: (s.blockedUntil = now + blockMs) };
    if (hour && s.stamps.inWindow(1, now) >= hour.count) return { window: 'hour', until: (s.blockedUntil = now + hour.windowMs) };
    s.stamps.push(now);
    return null;
  }

  /** Keys blocked at `now`, with the time their block ends. */
  blocked(now: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, s] of this.keys) if (s.blockedUntil > now) out[k] = s.blockedUntil;
    return out;
  }

  clear(): void {
    this.keys.clear();
  }
}

/**
 * Wrong-secret gettoken calls per IP: the `limit.count`-th failure within `limit.windowMs` blocks
 * gettoken from that IP for `limit.windowMs` (WeCom: an hour).
 */
export class WrongSecretGuard {
  private readonly failures = new Map<string, number[]>();
  private readonly blockedUntil = new Map<string, number>();

  constructor(readonly limit: RateLimit) {}

  /** The end of the IP's block, or null when it may call gettoken. */
  blocked(ip: string, now: number): number | null {
    const until = this.blockedUntil.get(ip);
    return until !== undefined && until > now ? until : null;
  }

  blockedIps(now: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [ip, until] of this.blockedUntil) if (until > now) out[ip] = until;
    return out;
  }

  noteFailure(ip: string, now: number): void {
    const cutoff = now - this.limit.windowMs;
    const list = (this.failures.get(ip) ?? []).filter((t) => t > cutoff);
    list.push(now);
    if (list.length >= this.limit.count) {
      this.blockedUntil.set(ip, now + this.limit.windowMs);
      this.failures.delete(ip);
    } else this.failures.set(ip, list);
  }

  clear(): void {
    this.failures.clear();
    this.blockedUntil.clear();
  }
}
