// The access token of one connection (one corpid + secret). One fetch at a time however many
// callers ask (single flight); refreshed in the background before it expires; dropped when WeCom
// says it is invalid (40014/42001) so that the next caller fetches a fresh one.

interface FetchedToken {
  accessToken: string;
  /** seconds, as WeCom's expires_in */
  expiresIn: number;
}

interface TokenCacheOptions {
  fetch: () => Promise<FetchedToken>;
  now?: () => number;
  /**
   * Refresh (in the background) once less than this much validity is left.
   * Default: min(5 minutes, 10% of the token's lifetime).
   */
  refreshBeforeMs?: (lifetimeMs: number) => number;
  /**
   * Stop using the token once less than this much validity is left (callers wait for a new one).
   * Default: min(30 s, 2% of the lifetime).
   */
  expireBeforeMs?: (lifetimeMs: number) => number;
  /** called when a background refresh fails (the current token stays in use) */
  onBackgroundError?: (err: unknown) => void;
  /**
   * Failures that fetching again soon cannot fix (wrong secret, untrusted IP): for `failFastMs`
   * after one, get() rethrows it without calling WeCom (repeated wrong-secret gettoken calls get
   * the IP blocked for an hour).
   */
  isPermanent?: (err: unknown) => boolean;
  /** default 60 s */
  failFastMs?: number;
}

interface Cached {
  token: string;
  obtainedAt: number;
  expiresAt: number;
  refreshAt: number;
  unusableAt: number;
}

interface TokenInfo {
  obtainedAt: number;
  expiresAt: number;
  refreshAt: number;
}

export class TokenCache {
  private readonly opts: TokenCacheOptions;
  private readonly now: () => number;
  private cached: Cached | undefined;
  private inflight: Promise<string> | undefined;
  private fetches = 0;
  private failure: { err: unknown; until: number } | undefined;

  constructor(opts: TokenCacheOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  /** How many times a token was fetched. */
  get fetchCount(): number {
    return this.fetches;
  }

  /** A valid token: the cached one, or a fresh one (one fetch shared by all concurrent callers). */
  async get(): Promise<string> {
    const now = this.now();
    if (this.failure) {
      if (now < this.failure.until) throw this.failure.err;
      this.failure = undefined;
    }
    const c = this.cached;
    if (c && now < c.unusableAt) {
      if (now >= c.refreshAt && !this.inflight) {
        this.refresh().catch((err: unknown) => this.opts.onBackgroundError?.(err));
      }
      return c.token;
    }
    return this.refresh();
  }

  /**
   * WeCom refused `token` (40014/42001): forget it, unless a newer one has already replaced it.
   * Returns true if the cache was cleared.
   */
  /** Forgets a remembered permanent failure (e.g. after the connection's settings were fixed). */
  clearFailure(): void {
    this.failure = undefined;
  }

  invalidate(token?: string): boolean {
    if (!this.cached) return false;
    if (token !== undefined && this.cached.token !== token) return false;
    this.cached = undefined;
    return true;
  }

  info(): TokenInfo | undefined {
    const c = this.cached;
    return c ? { obtainedAt: c.obtainedAt, expiresAt: c.expiresAt, refreshAt: c.refreshAt } : undefined;
  }

  private refresh(): Promise<string> {
    if (this.inflight) return this.inflight;
    const p = (async () => {
      try {
        this.fetches++;
        const startedAt = this.now();
        const t = await this.opts.fetch();
        const lifetime = Math.max(0, t.expiresIn * 1000);
        const refreshBefore = this.opts.refreshBeforeMs?.(lifetime) ?? Math.min(300_000, lifetime * 0.1);
        const expireBefore = this.opts.expireBeforeMs?.(lifetime) ?? Math.min(30_000, lifetime * 0.02);
        // count validity from when we asked: the token may have been issued just after
        const expiresAt = startedAt + lifetime;
        const unusableAt = expiresAt - expireBefore;
        // WeCom hands out the same token while it is valid: if a refresh returned the token we
        // already had, refreshing again before it runs out would only return it once more
        const same = this.cached?.token === t.accessToken;
        this.cached = {
          token: t.accessToken,
          obtainedAt: startedAt,
          expiresAt,
          refreshAt: same ? unusableAt : expiresAt - refreshBefore,
          unusableAt,
        };
        return t.accessToken;
      } catch (err) {
        if (this.opts.isPermanent?.(err)) this.failure = { err, until: this.now() + (this.opts.failFastMs ?? 60_000) };
        throw err;
      } finally {
        this.inflight = undefined;
      }
    })();
    this.inflight = p;
    return p;
  }
}
