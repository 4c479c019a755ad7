// Sign-in throttling, counted in the store (table login_attempts), so parallel requests and several
// processes sharing one database see one count:
//   - at most `maxPerKey` failed attempts per username+IP in `windowMs` (default 5 per 15 minutes)
//   - at most `maxPerIp` failed attempts per IP across all usernames (default 50 per 15 minutes)
// An attempt is counted *before* its password is checked, each counter in one atomic upsert: had
// the failure been recorded after the (slow) scrypt check, a burst of parallel attempts would all
// pass the limit before the first failure was written. An attempt over a limit is refused without
// a check and not counted. A success takes its attempt back from the IP count and clears the
// username+IP count. A window starts with its first attempt; expired counters are deleted.
import { sql } from 'kysely';
import type { Store } from '../store/index.js';

interface LoginLimiterOptions {
  maxPerKey?: number;
  maxPerIp?: number;
  windowMs?: number;
  now?: () => number;
}

export class LoginRateLimiter {
  readonly maxPerKey: number;
  readonly maxPerIp: number;
  readonly windowMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    opts: LoginLimiterOptions = {},
  ) {
    this.maxPerKey = opts.maxPerKey ?? 5;
    this.maxPerIp = opts.maxPerIp ?? 50;
    this.windowMs = opts.windowMs ?? 15 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Counts an attempt to check `username`'s password from `ip`. Returns 0 when the check may go
   * ahead (the attempt now counts as a failure until `succeeded`), else the seconds to wait.
   */
  async admit(username: string, ip: string): Promise<number> {
    const now = this.now();
    await this.store.db.deleteFrom('login_attempts').where('reset_at', '<=', iso(now)).execute();
    const [userKey, ipKey] = keys(username, ip);
    const byIp = await this.count(ipKey, now);
    if (byIp.count > this.maxPerIp) {
      await this.uncount(ipKey, now);
      return secondsUntil(byIp.resetAt, now);
    }
    const byUser = await this.count(userKey, now);
    if (byUser.count > this.maxPerKey) {
      await this.uncount(userKey, now);
      await this.uncount(ipKey, now);
      return secondsUntil(byUser.resetAt, now);
    }
    return 0;
  }

  /** The admitted attempt was right: it does not count against the IP, and the username+IP count starts over. */
  async succeeded(username: string, ip: string): Promise<void> {
    const [userKey, ipKey] = keys(username, ip);
    await this.store.db.deleteFrom('login_attempts').where('key', '=', userKey).execute();
    await this.uncount(ipKey, this.now());
  }

  /**
   * Lifts the sign-in lockout of `username` from every IP (an operator reset the password on the
   * machine). The per-IP counters stay: they are about the client, not the user.
   */
  async forgetUser(username: string): Promise<void> {
    const suffix = `/${username.toLowerCase()}`;
    const rows = await this.store.db.selectFrom('login_attempts').select('key').where('key', 'like', 'u:%').execute();
    const mine = rows.map((r) => r.key).filter((k) => k.endsWith(suffix));
    if (mine.length > 0) await this.store.db.deleteFrom('login_attempts').where('key', 'in', mine).execute();
  }

  /** Adds one attempt to a counter (a new window when none is running) and returns it. */
  private async count(key: string, now: number): Promise<{ count: number; resetAt: string }> {
    const expired = sql<boolean>`login_attempts.reset_at <= ${iso(now)}`;
    const r = await this.store.db
      .insertInto('login_attempts')
      .values({ key, count: 1, reset_at: iso(now + this.windowMs) })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          count: sql<number>`case when ${expired} then 1 else login_attempts.count + 1 end`,
          reset_at: sql<string>`case when ${expired} then excluded.reset_at else login_attempts.reset_at end`,
        }),
      )
      .returning(['count', 'reset_at'])
      .executeTakeFirstOrThrow();
    return { count: Number(r.count), resetAt: r.reset_at };
  }

  private async uncount(key: string, now: number): Promise<void> {
    await this.store.db
      .updateTable('login_attempts')
      .set({ count: sql<number>`count - 1` })
      .where('key', '=', key)
      .where('count', '>', 0)
      .where('reset_at', '>', iso(now))
      .execute();
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
const secondsUntil = (resetAt: string, now: number): number => Math.max(1, Math.ceil((Date.parse(resetAt) - now) / 1000));
/** The username+IP and the IP counter (an IP has no '/', so the two parts cannot run into each other). */
const keys = (username: string, ip: string): [string, string] => [`u:${ip}/${username.toLowerCase()}`, `ip:${ip}`];
