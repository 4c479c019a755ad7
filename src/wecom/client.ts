// The WeCom contact-API client of one connection (one corpid + contacts-sync secret).
//
// A call goes: pre-send validation (rules/fields.ts: only what every reading of WeCom's documentation
// refuses; a refused request never leaves) → retry loop
// (transient answers only) → access token (cached, single flight) → rate limiter permit (per-API
// minute and hour windows + max in flight) → routes in failover order (proxies or direct) → WeCom.
// 40014/42001 drop the token and repeat the call once with a fresh one; 45009 pauses that API in the
// limiter for WeCom's whole block and the call waits there to be sent again; every other non-zero
// errcode becomes a WeComError.

import { Errcode } from './errors/catalog.js';
import {
  parseEgressIp,
  redact,
  routeKey,
  WeComError,
  WeComTransportError,
  type Route,
  type TransportFailureKind,
} from './errors/wecom-error.js';
import {
  certainRefusal,
  checkBatchDelete,
  checkDepartmentCreate,
  checkDepartmentId,
  checkDepartmentUpdate,
  checkGetUseridByEmail,
  checkGetUseridByMobile,
  checkListId,
  checkMemberCreate,
  checkMemberUpdate,
  checkUserid,
  LIMITS,
  type RuleOptions,
  type RuleViolation,
} from './rules/fields.js';
import { systemClock, sleepWith, type Clock } from './transport/clock.js';
import { buildUrl, sendOnce, type WireAnswer, type WireRequest } from './transport/http.js';
import { ProxyPool, type RouteHealth } from './transport/proxy-pool.js';
import { RateLimiter, WECOM_BUDGET, type Budget, type RateLimiterSnapshot } from './transport/rate-limiter.js';
import type { CallGate, GateTicket } from './transport/gate.js';
import { resolveRetryOptions, withRetry, type ResolvedRetryOptions, type RetryOptions } from './transport/retry.js';
import { TokenCache } from './token/token-cache.js';
import type {
  BatchJobRequest,
  BatchJobResult,
  Department,
  DepartmentCreate,
  DepartmentIdRow,
  DepartmentUpdate,
  DeptUserRow,
  Member,
  MemberBrief,
  MemberCreate,
  MemberUpdate,
} from './types.js';

/** The subset of a pino logger the client uses. */
export interface LoggerLike {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** One HTTP exchange, reported to `onCall` (for metrics). */
export interface CallEvent {
  api: string;
  route: Route;
  /** WeCom's errcode, or null when no answer arrived */
  errcode: number | null;
  transportError?: TransportFailureKind;
  durationMs: number;
  /** attempt of the retry loop (1-based) */
  attempt: number;
}

export interface WeComClientOptions {
  corpId: string;
  /** the contacts-sync (通讯录同步) secret */
  secret: string;
  /** default https://qyapi.weixin.qq.com */
  apiBase?: string;
  /** CA certificate(s) (PEM) that sign WeCom's (or the simulator's) certificate; default Node's roots */
  ca?: string | Buffer | Array<string | Buffer>;
  /** ordered proxy list, "host:port,https://host:port" or an array; none ⇒ direct (https:// = the proxy is reached over TLS) */
  proxies?: string | readonly string[];
  /** CA certificate(s) (PEM) that sign the certificates of https:// proxies; default Node's roots */
  proxyCa?: string | Buffer | Array<string | Buffer>;
  proxyUsername?: string;
  proxyPassword?: string;
  /**
   * Per-API budget: one window or several, all kept; default WeCom's 10,000 per minute and 150,000
   * per hour (WECOM_BUDGET). Give less when other applications of the company use the same APIs.
   */
  rateLimit?: Budget | readonly Budget[];
  /** how long WeCom blocks an API after a 45009; default the shortest window's length (WeCom: 60 s) */
  rateBlockMs?: number;
  /** extra window against clock rounding; default 2 ms */
  rateLimitMarginMs?: number;
  /** calls in flight at once; default 256 (WeCom publishes no concurrency limit for contact APIs; 45033 was seen only from about 400 parallel calls) */
  maxInFlight?: number;
  retry?: RetryOptions;
  /** how long a failed proxy is skipped; default 30 s */
  proxyCooldownMs?: number;
  /** per HTTP exchange; default 30 s */
  timeoutMs?: number;
  /** per connection attempt; default 10 s */
  connectTimeoutMs?: number;
  logger?: LoggerLike;
  /** clock for token expiry and proxy health (epoch ms) */
  now?: () => number;
  /** clock with timers for the rate limiter and back-off (tests) */
  clock?: Clock;
  /** random source for back-off jitter (tests) */
  random?: () => number;
  onCall?: (event: CallEvent) => void;
  /** A budget shared with other processes (src/jobs/budget.ts): every call passes it after its rate-limiter permit. */
  gate?: CallGate;
  /**
   * After gettoken failed with a configuration error (wrong secret or corpid, untrusted IP, proxy
   * credentials), calls fail with that error for this long without asking WeCom again; default 60 s.
   * WeCom blocks an IP for an hour after repeated wrong-secret calls.
   */
  tokenErrorCooldownMs?: number;
  /**
   * When WeCom answers 60020 (untrusted egress IP) through one proxy, mark that proxy unhealthy and
   * send the call through the next one (60020 means the call was not applied). Default false: the
   * 60020 is returned, naming the proxy, and the proxy stays in use.
   */
  failoverOnUntrustedIp?: boolean;
}

interface ClientStats {
  /** HTTP exchanges attempted (gettoken included, each failover try counted) */
  calls: number;
  byApi: Record<string, number>;
  gettoken: number;
  /** 45009 answers seen */
  rateLimited: number;
  /** retries after a transient failure (45009 included) */
  retries: number;
  /** calls repeated with a fresh token after 40014/42001 */
  tokenRefreshRetries: number;
  /** non-idempotent writes counted as done after a lost answer (see WeComError.afterLostAnswer) */
  uncertainResolved: number;
  transportFailures: number;
  byRoute: Record<string, { calls: number; transportFailures: number }>;
}

interface ListIdPage {
  nextCursor: string | undefined;
  deptUser: DeptUserRow[];
}

export interface UploadedMedia {
  type: string;
  mediaId: string;
  createdAt: string;
}

export interface WaitForJobOptions {
  /** default 1000 ms */
  pollMs?: number;
  /** default 10 minutes */
  timeoutMs?: number;
}

/** batch/getresult did not report the job finished in time. */
export class WeComJobTimeoutError extends Error {
  override readonly name = 'WeComJobTimeoutError';
  constructor(
    readonly jobid: string,
    readonly last: BatchJobResult | undefined,
    timeoutMs: number,
  ) {
    super(`batch job ${jobid} did not finish within ${timeoutMs} ms (last status ${last?.status ?? 'unknown'}, ${last?.percentage ?? 0}%)`);
  }
}

/**
 * Per-call options of the write methods. `signal`: once aborted, the call is not sent — whether it
 * is waiting in the rate limiter or has just been given its permit — and fails with a
 * WeComTransportError of kind 'aborted' (beforeSend, never retried). A request already sent is not
 * affected: its answer is awaited as usual.
 */
export interface CallOptions {
  signal?: AbortSignal;
}

type Answer<T> = T & WireAnswer;

const anyUserid = (userid: unknown, o?: RuleOptions): RuleViolation | null => checkUserid('userid', userid, o);

export class WeComClient {
  readonly corpId: string;
  private readonly secret: string;
  private readonly apiBase: string;
  private readonly pool: ProxyPool;
  private readonly limiter: RateLimiter;
  private readonly gate: CallGate | undefined;
  private readonly tokens: TokenCache;
  private readonly retryOptions: ResolvedRetryOptions;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly logger: LoggerLike | undefined;
  private readonly onCall: ((e: CallEvent) => void) | undefined;
  private readonly proxyPassword: string | undefined;
  private readonly counters: ClientStats = {
    calls: 0,
    byApi: {},
    gettoken: 0,
    rateLimited: 0,
    retries: 0,
    tokenRefreshRetries: 0,
    uncertainResolved: 0,
    transportFailures: 0,
    byRoute: {},
  };
  private closed = false;
  private readonly failoverOnUntrustedIp: boolean;

  constructor(options: WeComClientOptions) {
    if (!options.corpId) throw new TypeError('corpId is required');
    if (!options.secret) throw new TypeError('secret is required');
    this.corpId = options.corpId;
    this.secret = options.secret;
    this.apiBase = (options.apiBase ?? 'https://qyapi.weixin.qq.com').replace(/\/+$/, '');
    try {
      new URL(this.apiBase);
    } catch {
      throw new TypeError(`apiBase is not a URL: ${options.apiBase}`);
    }
    this.proxyPassword = options.proxyPassword;
    const clock = options.clock ?? (options.now ? { ...systemClock, now: options.now } : systemClock);
    this.clock = clock;
    const now = options.now ?? (() => clock.now());
    this.random = options.random ?? Math.random;
    this.logger = options.logger;
    this.onCall = options.onCall;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.pool = new ProxyPool({
      proxies: options.proxies,
      proxyUsername: options.proxyUsername,
      proxyPassword: options.proxyPassword,
      ca: options.ca,
      proxyCa: options.proxyCa,
      cooldownMs: options.proxyCooldownMs,
      connectTimeoutMs: options.connectTimeoutMs,
      now,
    });
    this.limiter = new RateLimiter({
      budget: options.rateLimit ?? WECOM_BUDGET,
      ...(options.rateBlockMs !== undefined ? { blockMs: options.rateBlockMs } : {}),
      marginMs: options.rateLimitMarginMs,
      maxInFlight: options.maxInFlight,
      clock: this.clock,
    });
    this.gate = options.gate;
    this.retryOptions = resolveRetryOptions(options.retry);
    this.tokens = new TokenCache({
      now,
      fetch: () => this.fetchToken(),
      onBackgroundError: (err) => this.logger?.warn({ err: this.safeError(err) }, 'wecom: background token refresh failed'),
      isPermanent: (err) => (err instanceof WeComError || err instanceof WeComTransportError) && err.class === 'config',
      failFastMs: options.tokenErrorCooldownMs ?? 60_000,
    });
    this.failoverOnUntrustedIp = options.failoverOnUntrustedIp ?? false;
  }

  // ------------------------------------------------------------------ resources

  readonly department = {
    create: async (body: DepartmentCreate, opts?: CallOptions): Promise<{ id: number }> => {
      this.precheck('department/create', certainRefusal(checkDepartmentCreate, body));
      // with an explicit id, "already exists" after a lost answer means our create went through
      const done = body.id !== undefined ? [Errcode.DepartmentExists] : [];
      const r = await this.call<{ id: number }>(
        'department/create',
        { method: 'POST', body: { kind: 'json', value: body } },
        done,
        () => ({ id: body.id as number }),
        opts?.signal,
      );
      return { id: r.id };
    },
    update: async (body: DepartmentUpdate, opts?: CallOptions): Promise<void> => {
      this.precheck('department/update', certainRefusal(checkDepartmentUpdate, body));
      await this.call('department/update', { method: 'POST', body: { kind: 'json', value: body } }, [], undefined, opts?.signal);
    },
    delete: async (id: number, opts?: CallOptions): Promise<void> => {
      this.precheck('department/delete', checkDepartmentId(id));
      await this.call('department/delete', { method: 'GET', query: { id } }, [Errcode.DepartmentNotFound], undefined, opts?.signal);
    },
    /** The department and all its descendants (or the whole tree). Refused (48009) from newly trusted IPs. */
    list: async (id?: number): Promise<Department[]> => {
      if (id !== undefined) this.precheck('department/list', checkDepartmentId(id));
      const r = await this.call<{ department?: Department[] }>('department/list', { method: 'GET', query: { id } });
      return r.department ?? [];
    },
    /** Ids, parents and order of the department and all its descendants (or the whole tree). */
    simplelist: async (id?: number, opts?: CallOptions): Promise<DepartmentIdRow[]> => {
      if (id !== undefined) this.precheck('department/simplelist', checkDepartmentId(id));
      const r = await this.call<{ department_id?: DepartmentIdRow[] }>('department/simplelist', { method: 'GET', query: { id } }, [], undefined, opts?.signal);
      return r.department_id ?? [];
    },
    get: async (id: number): Promise<Department> => {
      this.precheck('department/get', checkDepartmentId(id));
      const r = await this.call<{ department: Department }>('department/get', { method: 'GET', query: { id } });
      return r.department;
    },
  };

  readonly user = {
    create: async (body: MemberCreate, opts?: CallOptions): Promise<void> => {
      this.precheck('user/create', certainRefusal(checkMemberCreate, body));
      await this.call('user/create', { method: 'POST', body: { kind: 'json', value: body } }, [Errcode.UseridExists], undefined, opts?.signal);
    },
    update: async (body: MemberUpdate, opts?: CallOptions): Promise<void> => {
      this.precheck('user/update', certainRefusal(checkMemberUpdate, body));
      await this.call('user/update', { method: 'POST', body: { kind: 'json', value: body } }, [], undefined, opts?.signal);
    },
    delete: async (userid: string, opts?: CallOptions): Promise<void> => {
      this.precheck('user/delete', certainRefusal(anyUserid, userid));
      await this.call('user/delete', { method: 'GET', query: { userid } }, [Errcode.UseridNotFound], undefined, opts?.signal);
    },
    /** At most 200 userids; if one is invalid the whole call fails (301021). */
    batchDelete: async (useridlist: string[]): Promise<void> => {
      const body = { useridlist };
      this.precheck('user/batchdelete', checkBatchDelete(body));
      await this.call('user/batchdelete', { method: 'POST', body: { kind: 'json', value: body } }, [
        Errcode.UseridInListInvalid,
        Errcode.UseridNotFound,
      ]);
    },
    /** Refused (48009) from newly trusted IPs. */
    get: async (userid: string): Promise<Member> => {
      this.precheck('user/get', certainRefusal(anyUserid, userid));
      const r = await this.call<Member>('user/get', { method: 'GET', query: { userid } });
      const { errcode: _c, errmsg: _m, ...member } = r;
      return member as Member;
    },
    simplelist: async (departmentId: number, opts: { fetchChild?: boolean } = {}): Promise<MemberBrief[]> => {
      this.precheck('user/simplelist', checkDepartmentId(departmentId));
      const r = await this.call<{ userlist?: MemberBrief[] }>('user/simplelist', {
        method: 'GET',
        query: { department_id: departmentId, fetch_child: opts.fetchChild ? 1 : undefined },
      });
      return r.userlist ?? [];
    },
    list: async (departmentId: number, opts: { fetchChild?: boolean } = {}): Promise<Member[]> => {
      this.precheck('user/list', checkDepartmentId(departmentId));
      const r = await this.call<{ userlist?: Member[] }>('user/list', {
        method: 'GET',
        query: { department_id: departmentId, fetch_child: opts.fetchChild ? 1 : undefined },
      });
      return r.userlist ?? [];
    },
    /** One page of (userid, department) rows. A missing or empty next cursor means this was the last page. */
    listId: async (opts: { cursor?: string; limit?: number } = {}): Promise<ListIdPage> => {
      const body: { cursor?: string; limit: number } = { limit: opts.limit ?? LIMITS.listIdMaxLimit };
      if (opts.cursor) body.cursor = opts.cursor;
      this.precheck('user/list_id', checkListId(body));
      const r = await this.call<{ next_cursor?: string; dept_user?: DeptUserRow[] }>('user/list_id', {
        method: 'POST',
        body: { kind: 'json', value: body },
      });
      return { nextCursor: r.next_cursor ? r.next_cursor : undefined, deptUser: r.dept_user ?? [] };
    },
    /** Every (userid, department) row, following cursors to the end. */
    listAllIds: async (opts: { limit?: number } = {}): Promise<DeptUserRow[]> => {
      const rows: DeptUserRow[] = [];
      const seen = new Set<string>();
      let cursor: string | undefined;
      for (;;) {
        const page = await this.user.listId({ cursor, limit: opts.limit });
        rows.push(...page.deptUser);
        if (!page.nextCursor) return rows;
        if (seen.has(page.nextCursor))
          throw new WeComError({
            errcode: Errcode.InvalidCursor,
            errmsg: `user/list_id returned cursor "${page.nextCursor}" a second time; stopping to avoid an endless loop`,
            api: 'user/list_id',
            route: null,
          });
        seen.add(page.nextCursor);
        cursor = page.nextCursor;
      }
    },
    /** userid of the member with this mobile (46004 if none is visible). */
    getUserId: async (mobile: string): Promise<string> => {
      const body = { mobile };
      this.precheck('user/getuserid', checkGetUseridByMobile(body));
      const r = await this.call<{ userid: string }>('user/getuserid', { method: 'POST', body: { kind: 'json', value: body } });
      return r.userid;
    },
    /** userid of the member with this e-mail; emailType 1 = corporate (default), 2 = personal. */
    getUserIdByEmail: async (email: string, emailType: 1 | 2 = 1): Promise<string> => {
      const body = { email, email_type: emailType };
      this.precheck('user/get_userid_by_email', checkGetUseridByEmail(body));
      const r = await this.call<{ userid: string }>('user/get_userid_by_email', { method: 'POST', body: { kind: 'json', value: body } });
      return r.userid;
    },
  };

  readonly media = {
    /** Uploads a temporary file (type=file, valid 3 days) for a batch job; returns its media_id. */
    upload: async (data: Buffer | Uint8Array, filename: string): Promise<UploadedMedia> => {
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (buf.length === 0) this.precheck('media/upload', { errcode: 44001, field: 'media', message: 'the file is empty' });
      if (buf.length < LIMITS.mediaFileMinBytes)
        this.precheck('media/upload', {
          errcode: 40006,
          field: 'media',
          message: `a file must be at least ${LIMITS.mediaFileMinBytes} bytes`,
        });
      if (buf.length > LIMITS.mediaFileMaxBytes)
        this.precheck('media/upload', {
          errcode: 45001,
          field: 'media',
          message: `a file may be at most ${LIMITS.mediaFileMaxBytes} bytes`,
        });
      if (!filename || /[\r\n"]/.test(filename))
        this.precheck('media/upload', { errcode: 40058, field: 'filename', message: 'filename must be non-empty without quotes or line breaks' });
      const { contentType, body } = multipartFile('media', filename, buf);
      const r = await this.call<{ type?: string; media_id: string; created_at?: string | number }>('media/upload', {
        method: 'POST',
        query: { type: 'file' },
        body: { kind: 'raw', contentType, data: body },
      });
      return { type: r.type ?? 'file', mediaId: r.media_id, createdAt: String(r.created_at ?? '') };
    },
  };

  readonly batch = {
    syncUser: (req: BatchJobRequest): Promise<string> => this.startJob('batch/syncuser', req),
    replaceUser: (req: BatchJobRequest): Promise<string> => this.startJob('batch/replaceuser', req),
    replaceParty: (req: BatchJobRequest): Promise<string> => {
      const { to_invite: _ignored, ...rest } = req;
      return this.startJob('batch/replaceparty', rest);
    },
    getResult: async (jobid: string): Promise<BatchJobResult> => {
      if (!jobid) this.precheck('batch/getresult', { errcode: 40063, field: 'jobid', message: 'jobid is required' });
      const r = await this.call<BatchJobResult>('batch/getresult', { method: 'GET', query: { jobid } });
      return { status: r.status, type: r.type, total: r.total, percentage: r.percentage, result: r.result ?? [] };
    },
    /** Polls batch/getresult until the job is finished (status 3). */
    waitForJob: async (jobid: string, opts: WaitForJobOptions = {}): Promise<BatchJobResult> => {
      const pollMs = opts.pollMs ?? 1000;
      const timeoutMs = opts.timeoutMs ?? 600_000;
      const deadline = this.clock.now() + timeoutMs;
      let last: BatchJobResult | undefined;
      for (;;) {
        last = await this.batch.getResult(jobid);
        if (last.status === 3) return last;
        if (this.clock.now() + pollMs > deadline) throw new WeComJobTimeoutError(jobid, last, timeoutMs);
        await sleepWith(this.clock, pollMs);
      }
    },
  };

  // ------------------------------------------------------------------ observability

  stats(): ClientStats {
    const c = this.counters;
    return {
      ...c,
      byApi: { ...c.byApi },
      byRoute: Object.fromEntries(Object.entries(c.byRoute).map(([k, v]) => [k, { ...v }])),
    };
  }

  /** Per-route health (proxies in configured order, or the direct route). */
  health(): RouteHealth[] {
    return this.pool.health();
  }

  /** The route the next call would try first. */
  preferredRoute(): Route {
    return this.pool.preferred().route;
  }

  /** Queue lengths and window use of the rate limiter. */
  limiterSnapshot(): RateLimiterSnapshot {
    return this.limiter.snapshot();
  }

  /** Forgets a remembered gettoken configuration failure (see tokenErrorCooldownMs), e.g. after the settings were fixed. */
  resetTokenFailure(): void {
    this.tokens.clearFailure();
  }

  /** Fetches (or reuses) the access token: the first step of a connection test. */
  async ensureToken(): Promise<void> {
    await withRetry(() => this.tokens.get(), this.retryOptions, this.retryHooks('gettoken'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.limiter.close();
    await this.pool.close();
  }

  // ------------------------------------------------------------------ internals

  private precheck(api: string, violation: RuleViolation | null): void {
    if (!violation) return;
    throw new WeComError({
      errcode: violation.errcode,
      errmsg: `${violation.field}: ${violation.message}`,
      api,
      route: null,
      field: violation.field,
      presend: true,
    });
  }

  private startJob = async (api: string, req: Omit<BatchJobRequest, 'to_invite'> & { to_invite?: boolean }): Promise<string> => {
    if (!req.media_id) this.precheck(api, { errcode: Errcode.MissingMediaId, field: 'media_id', message: 'media_id is required' });
    if (req.callback && !/^[A-Za-z0-9]{43}$/.test(req.callback.encodingaeskey))
      this.precheck(api, { errcode: 40058, field: 'callback.encodingaeskey', message: 'encodingaeskey must be 43 letters or digits' });
    const r = await this.call<{ jobid: string }>(api, { method: 'POST', body: { kind: 'json', value: req } });
    return r.jobid;
  };

  /** One gettoken exchange. Not retried here: the caller's retry loop repeats it (single flight keeps it to one). */
  private async fetchToken(): Promise<{ accessToken: string; expiresIn: number }> {
    this.counters.gettoken++;
    const { answer, route } = await this.exchange('gettoken', { method: 'GET', query: { corpid: this.corpId, corpsecret: this.secret } }, undefined, 1);
    if (answer.errcode !== 0) throw new WeComError({ errcode: answer.errcode, errmsg: answer.errmsg, api: 'gettoken', route });
    const r = answer as Answer<{ access_token?: unknown; expires_in?: unknown }>;
    if (typeof r.access_token !== 'string' || r.access_token === '')
      throw new WeComTransportError({ kind: 'bad-response', api: 'gettoken', route, detail: 'gettoken answered without an access_token' });
    return { accessToken: r.access_token, expiresIn: typeof r.expires_in === 'number' && r.expires_in > 0 ? r.expires_in : 7200 };
  }

  private retryHooks(api: string): Parameters<typeof withRetry>[2] {
    return {
      sleep: (ms) => sleepWith(this.clock, ms),
      random: this.random,
      onRetry: (err, attempt, delayMs) => {
        this.counters.retries++;
        this.logger?.warn({ api, attempt, delayMs, err: this.safeError(err) }, 'wecom: retrying after a transient failure');
      },
    };
  }

  /**
   * A business call with token handling and retries.
   *
   * `doneCodes`: for writes that are not idempotent. When an earlier attempt of this call was sent
   * but its answer was lost (reset, timeout, HTTP 5xx), WeCom may have applied it; if a later
   * attempt is then answered with one of these codes ("userid already exists" after a create,
   * "not found" after a delete), the lost attempt did the work: the call counts as done (logged,
   * counted in stats().uncertainResolved). Any other error after such a loss carries
   * `afterLostAnswer: true`. `signal`: see CallOptions.
   */
  private async call<T extends object = object>(
    api: string,
    req: WireRequest,
    doneCodes: readonly number[] = [],
    done: () => Partial<T> = () => ({}),
    signal?: AbortSignal,
  ): Promise<Answer<T>> {
    if (this.closed) throw new Error('WeCom client is closed');
    let lostAnswer = false;
    return withRetry(
      async (attempt) => {
        let refreshed = false;
        for (;;) {
          const token = await this.tokens.get();
          let exchanged: { answer: WireAnswer; route: Route };
          try {
            exchanged = await this.exchange(api, req, token, attempt, signal);
          } catch (e) {
            if (e instanceof WeComTransportError && e.api === api && !e.beforeSend) lostAnswer = true;
            throw e;
          }
          const { answer, route } = exchanged;
          if (answer.errcode === 0) return answer as Answer<T>;
          if (lostAnswer && doneCodes.includes(answer.errcode)) {
            this.counters.uncertainResolved++;
            this.logger?.warn(
              { api, errcode: answer.errcode, attempt },
              'wecom: an earlier attempt lost its answer and WeCom now reports the change as already made; counting the call as done',
            );
            return { ...done(), errcode: 0, errmsg: 'ok' } as Answer<T>;
          }
          const err = new WeComError({ errcode: answer.errcode, errmsg: answer.errmsg, api, route, attempt, afterLostAnswer: lostAnswer });
          if (err.class === 'token' && !refreshed) {
            refreshed = true;
            this.counters.tokenRefreshRetries++;
            this.tokens.invalidate(token);
            this.logger?.info({ api, errcode: err.errcode }, 'wecom: access token refused; fetching a new one and repeating the call once');
            continue;
          }
          throw err;
        }
      },
      this.retryOptions,
      this.retryHooks(api),
    );
  }

  /** One permit of the limiter; the routes in failover order until one carries the call. */
  private async exchange(
    api: string,
    req: WireRequest,
    accessToken: string | undefined,
    attempt: number,
    signal?: AbortSignal,
  ): Promise<{ answer: WireAnswer; route: Route }> {
    const permit = await this.limiter.acquire(api, signal).catch((e: unknown) => {
      throw signal?.aborted ? abortedError(api, this.pool.preferred().route) : e;
    });
    let ticket: GateTicket | undefined;
    try {
      if (this.gate)
        ticket = await this.gate.take(api, signal).catch((e: unknown) => {
          throw signal?.aborted ? abortedError(api, this.pool.preferred().route) : e;
        });
      // read right before sending: the permit may have been granted after the caller gave up
      if (signal?.aborted) throw abortedError(api, this.pool.preferred().route);
      const failures: WeComTransportError[] = [];
      const routes = this.pool.routes();
      for (const handle of routes) {
        const key = routeKey(handle.route);
        const started = this.clock.now();
        this.count(api, key);
        this.pool.markUsed(key);
        this.logger?.debug(
          { api, route: key, attempt, url: redact(buildUrl(this.apiBase, api, req.query, accessToken), this.secretsList(accessToken)) },
          'wecom: call',
        );
        try {
          const answer = await sendOnce(req, {
            apiBase: this.apiBase,
            api,
            route: handle.route,
            dispatcher: handle.dispatcher,
            accessToken,
            timeoutMs: this.timeoutMs,
            secrets: this.secretsList(accessToken),
          });
          const untrusted = answer.errcode === Errcode.UntrustedIp;
          this.pool.markSuccess(key, untrusted ? parseEgressIp(answer.errmsg) : undefined);
          this.emit({ api, route: handle.route, errcode: answer.errcode, durationMs: this.clock.now() - started, attempt });
          if (answer.errcode === Errcode.RateLimited) {
            this.counters.rateLimited++;
            permit.refused();
          }
          if (untrusted && this.failoverOnUntrustedIp && handle.route.kind === 'proxy' && handle !== routes[routes.length - 1]) {
            const e = new WeComError({ errcode: answer.errcode, errmsg: answer.errmsg, api, route: handle.route, attempt });
            this.pool.markUnhealthy(key, e.message);
            this.logger?.warn({ api, route: key, egressIp: e.egressIp }, 'wecom: egress IP of this proxy is not trusted; trying the next proxy');
            continue;
          }
          return { answer, route: handle.route };
        } catch (e) {
          const err =
            e instanceof WeComTransportError
              ? e
              : new WeComTransportError({ kind: 'reset', api, route: handle.route, detail: redact(String(e), this.secretsList(accessToken)), cause: e });
          this.counters.transportFailures++;
          const r = this.counters.byRoute[key];
          if (r) r.transportFailures++;
          this.emit({ api, route: handle.route, errcode: null, transportError: err.kind, durationMs: this.clock.now() - started, attempt });
          if (!err.beforeSend) {
            // the request may have reached WeCom: not a route problem; the retry loop decides
            this.pool.noteError(key, err.message);
            throw err;
          }
          this.pool.markUnhealthy(key, err.message);
          failures.push(err);
          this.logger?.warn({ api, route: key, kind: err.kind, err: err.message }, 'wecom: route failed; trying the next one');
        }
      }
      throw combineFailures(api, failures);
    } finally {
      ticket?.done();
      permit.release();
    }
  }

  private count(api: string, key: string): void {
    const c = this.counters;
    c.calls++;
    c.byApi[api] = (c.byApi[api] ?? 0) + 1;
    const r = (c.byRoute[key] ??= { calls: 0, transportFailures: 0 });
    r.calls++;
  }

  private emit(e: CallEvent): void {
    if (!this.onCall) return;
    try {
      this.onCall(e);
    } catch (err) {
      this.logger?.warn({ err: this.safeError(err) }, 'wecom: onCall hook threw');
    }
  }

  private secretsList(token?: string): Array<string | undefined> {
    return [this.secret, this.proxyPassword, token];
  }

  private safeError(err: unknown): string {
    return redact(err instanceof Error ? err.message : String(err), this.secretsList());
  }
}

function abortedError(api: string, route: Route): WeComTransportError {
  return new WeComTransportError({ kind: 'aborted', api, route, detail: 'not sent: the caller withdrew the call (its signal was aborted)' });
}

function combineFailures(api: string, failures: WeComTransportError[]): WeComTransportError {
  const last = failures[failures.length - 1];
  if (!last) throw new Error('no route to try'); // cannot happen: the pool always has a route
  if (failures.length === 1) return last;
  // all routes failed before sending: config only if every proxy refused our credentials
  const allAuth = failures.every((f) => f.kind === 'proxy-auth');
  return new WeComTransportError({
    kind: allAuth ? 'proxy-auth' : failures.find((f) => f.kind !== 'proxy-auth')?.kind ?? last.kind,
    api,
    route: last.route,
    detail: `every route failed: ${failures.map((f) => f.message.replace(`${api}: `, '')).join('; ')}`,
    status: last.status,
    cause: last,
  });
}

/** multipart/form-data with one file part, as WeCom's media/upload expects (filename and filelength in the part header). */
export function multipartFile(field: string, filename: string, data: Buffer): { contentType: string; body: Buffer } {
  const boundary = `----wecomsync${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
  const head =
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="${field}"; filename="${filename}"; filelength=${data.length}\r\n` +
    `Content-Type: application/octet-stream\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: Buffer.concat([Buffer.from(head, 'utf8'), data, Buffer.from(tail, 'utf8')]),
  };
}

export function createWeComClient(options: WeComClientOptions): WeComClient {
  return new WeComClient(options);
}
