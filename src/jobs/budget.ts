// WeCom's per-company budget shared by every process of a deployment (PostgreSQL).
//
// WeCom counts, per company (corpid) and API, the calls *arriving* in any sliding window of a minute
// and of an hour; one over either is refused 45009 and blocks the API. Each process's rate limiter
// (src/wecom/transport/rate-limiter.ts) keeps those windows for its own calls only, so two workers
// of one company would spend the budget twice. Here the budget is held in PostgreSQL as *slices*:
//
//   reserve   a process asks for up to `want` calls of (corpid, api); under a transaction-level
//             advisory lock on that key it sums, per window, the calls of the slices still held in
//             that window, grants n = min(want, count − held) over the windows (0: wait), and
//             writes one row per window: n calls, held until grantedAt + useMs + callTimeoutMs + window
//   spend     the process sends at most n calls, each *started* within useMs of asking (its own
//             clock, counted from before the request: the grant came later)
//   settle    when the slice is spent or its use period is over and none of its calls is in flight:
//             calls := the calls made, held until now + window (+ margin). A process killed
//             before settling leaves its rows to expire by themselves.
//
// Why no window is ever exceeded in sum: a call of a slice starts after the grant and arrives
// before its answer, so it counts in WeCom's window only while the slice is held (before settle,
// the unsettled hold covers the use period, the call timeout and the window; after settle, every
// answer is in, so its arrival + window ≤ settle time + window). At any instant T, the calls WeCom
// counts in the window ending at T belong to slices held at T; the latest of those was granted
// only if all slices held at its grant — which include every other one held at T, since holds
// only shrink — plus itself fit the count. The clocks: grants and holds use the database's clock
// only; each process measures its use period on its own monotonic clock from before asking.
//
// A connection's budget settings decide its limits (connectionBudget: the --rate-budget override,
// scaled by its share); two connections of one company with different settings each keep the sum
// of all under their own limits. Companies' connections in *another* deployment (another
// database) are not seen: see docs/deployment.md.
import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Budget } from '../wecom/transport/rate-limiter.js';
import type { CallGate, GateTicket } from '../wecom/transport/gate.js';
import type { Store } from '../store/store.js';

// ------------------------------------------------------------------ pure parts

/** Calls grantable now: min over the windows of (count − held), at most `want`, at least 0. */
export function grantable(limits: readonly Budget[], held: ReadonlyMap<number, number>, want: number): number {
  let n = want;
  for (const w of limits) n = Math.min(n, w.count - (held.get(w.windowMs) ?? 0));
  return Math.max(0, Math.floor(n));
}

/** How many calls to ask for: what waits, at most a tenth of the shortest window (the rest stays for other processes). */
export function sliceWant(limits: readonly Budget[], waiting: number): number {
  const shortest = Math.min(...limits.map((w) => w.count));
  return Math.max(1, Math.min(waiting, Math.ceil(shortest / 10)));
}

/** The use period of a slice: a quarter of the shortest window, at most a second. */
export function usePeriodMs(limits: readonly Budget[]): number {
  const shortest = Math.min(...limits.map((w) => w.windowMs));
  return Math.max(1, Math.min(1000, Math.floor(shortest / 4)));
}

// ------------------------------------------------------------------ the ledger in PostgreSQL

export interface Grant {
  id: string;
  calls: number;
  /** when nothing was granted: how long until a held slice lets go (ms, by the database's clock) */
  retryInMs: number;
}

export interface BudgetLedger {
  reserve(corpId: string, api: string, limits: readonly Budget[], want: number, holdExtraMs: number): Promise<Grant>;
  settle(id: string, calls: number, marginMs: number): Promise<void>;
}

const dbNow = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

export class PgBudgetLedger implements BudgetLedger {
  private sweeps = 0;

  constructor(
    private readonly store: Store,
    private readonly owner: string,
  ) {}

  async reserve(corpId: string, api: string, limits: readonly Budget[], want: number, holdExtraMs: number): Promise<Grant> {
    const id = randomBytes(8).toString('hex');
    return this.store.db.transaction().execute(async (trx) => {
      const db = trx as unknown as Kysely<unknown>;
      await sql`select pg_advisory_xact_lock(hashtext(${`wecom-budget:${corpId}:${api}`}))`.execute(db);
      const now = Number((await sql<{ now: number }>`select ${dbNow} as now`.execute(db)).rows[0]!.now);
      const rows = await trx
        .selectFrom('wecom_budget_slices')
        .select(['window_ms', (eb) => eb.fn.sum<number>('calls').as('held'), (eb) => eb.fn.min<number>('held_until').as('first_end')])
        .where('corp_id', '=', corpId)
        .where('api', '=', api)
        .where('held_until', '>', now)
        .groupBy('window_ms')
        .execute();
      const held = new Map(rows.map((r) => [Number(r.window_ms), Number(r.held)]));
      const n = grantable(limits, held, want);
      if (n === 0) {
        const ends = rows.map((r) => Number(r.first_end) - now).filter((ms) => ms > 0);
        return { id, calls: 0, retryInMs: Math.max(1, Math.min(...ends, 1000)) };
      }
      await trx
        .insertInto('wecom_budget_slices')
        .values(limits.map((w) => ({ id, corp_id: corpId, api, window_ms: w.windowMs, calls: n, granted_at: now, held_until: now + holdExtraMs + w.windowMs, owner: this.owner })))
        .execute();
      // now and then: rows no longer held by anyone
      if (++this.sweeps % 100 === 1) await trx.deleteFrom('wecom_budget_slices').where('held_until', '<', now - 60_000).execute();
      return { id, calls: n, retryInMs: 0 };
    });
  }

  /**
   * Settles the slices of processes known to be gone (see processGone: a killed process of this
   * host), which would otherwise stay held for a call timeout and a window (34 s by default) and,
   * at a small budget, stop the company's calls that long. Every call a dead process made arrived
   * before it died, so each of its granted calls — all counted, the number used is unknown — held
   * until now + window (+ margin) covers it, as a settle does. Returns the slices released.
   */
  async releaseGone(isGone: (owner: string) => boolean, marginMs = 20): Promise<number> {
    const db = this.store.db as unknown as Kysely<unknown>;
    const owners = await sql<{ owner: string }>`select distinct owner from wecom_budget_slices where held_until > ${dbNow} + window_ms + ${marginMs} and owner <> ${this.owner}`.execute(db);
    const gone = owners.rows.map((r) => r.owner).filter(isGone);
    if (gone.length === 0) return 0;
    const r = await sql`update wecom_budget_slices set held_until = least(held_until, ${dbNow} + window_ms + ${marginMs}) where owner in (${sql.join(gone)})`.execute(db);
    return Number(r.numAffectedRows ?? 0);
  }

  async settle(id: string, calls: number, marginMs: number): Promise<void> {
    await sql`update wecom_budget_slices set calls = ${calls}, held_until = least(held_until, ${dbNow} + window_ms + ${marginMs}) where id = ${id}`.execute(
      this.store.db as unknown as Kysely<unknown>,
    );
  }
}

// ------------------------------------------------------------------ spending (one per company and budget)

interface Slice {
  id: string;
  calls: number;
  taken: number;
  inFlight: number;
  /** performance.now() after which no call of it may start */
  usableUntil: number;
  settled: boolean;
}

interface Waiter {
  resolve: (t: GateTicket) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface ApiSpend {
  slices: Slice[];
  waiters: Waiter[];
  asking: boolean;
  timer: NodeJS.Timeout | undefined;
}

export interface SharedBudgetOptions {
  ledger: BudgetLedger;
  /** the client's per-exchange timeout: a call started may arrive this much later (default 30 s) */
  callTimeoutMs?: number;
  /** added to settled holds (default 20 ms) */
  marginMs?: number;
  /** told the calls this process holds reserved, per API */
  onReserved?: (api: string, calls: number) => void;
  onError?: (err: Error) => void;
}

/** The gate of one company (corpid) under one connection's limits. */
export class SharedBudgetGate implements CallGate {
  private readonly apis = new Map<string, ApiSpend>();
  private readonly useMs: number;
  private closed = false;

  constructor(
    private readonly corpId: string,
    private readonly limits: readonly Budget[],
    private readonly opts: SharedBudgetOptions,
  ) {
    this.useMs = usePeriodMs(limits);
  }

  take(api: string, signal?: AbortSignal): Promise<GateTicket> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const s = this.spend(api);
    const direct = this.fromSlice(s);
    if (direct) return Promise.resolve(direct);
    return new Promise<GateTicket>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        w.onAbort = () => {
          const i = s.waiters.indexOf(w);
          if (i >= 0) s.waiters.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      s.waiters.push(w);
      this.ask(api, s);
    });
  }

  /** Settles what is left (at shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.apis.values()) {
      clearTimeout(s.timer);
      for (const w of s.waiters.splice(0)) w.reject(new Error('the shared budget is closed'));
      for (const slice of s.slices) slice.usableUntil = 0;
      await Promise.all(s.slices.map((slice) => this.settleIfDone(s, slice)));
    }
  }

  private spend(api: string): ApiSpend {
    let s = this.apis.get(api);
    if (!s) this.apis.set(api, (s = { slices: [], waiters: [], asking: false, timer: undefined }));
    return s;
  }

  /** A ticket from a usable slice, or null. */
  private fromSlice(s: ApiSpend): GateTicket | null {
    const now = performance.now();
    const slice = s.slices.find((x) => !x.settled && x.taken < x.calls && now < x.usableUntil);
    if (!slice) return null;
    slice.taken++;
    slice.inFlight++;
    let done = false;
    return {
      done: () => {
        if (done) return;
        done = true;
        slice.inFlight--;
        void this.settleIfDone(s, slice);
      },
    };
  }

  private serveWaiters(s: ApiSpend): void {
    while (s.waiters.length > 0) {
      const t = this.fromSlice(s);
      if (!t) return;
      const w = s.waiters.shift()!;
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      w.resolve(t);
    }
  }

  /** One reservation at a time per API, while calls wait. */
  private ask(api: string, s: ApiSpend): void {
    if (s.asking || s.timer || this.closed || s.waiters.length === 0) return;
    s.asking = true;
    const askedAt = performance.now();
    const want = sliceWant(this.limits, s.waiters.length);
    void this.opts.ledger
      .reserve(this.corpId, api, this.limits, want, this.useMs + (this.opts.callTimeoutMs ?? 30_000) + (this.opts.marginMs ?? 20))
      .then(
        (g) => {
          s.asking = false;
          if (g.calls > 0) {
            const slice: Slice = { id: g.id, calls: g.calls, taken: 0, inFlight: 0, usableUntil: askedAt + this.useMs, settled: false };
            s.slices.push(slice);
            this.report(api, s);
            this.serveWaiters(s);
            // its use period over: settle what it did not use; ask again if calls still wait
            setTimeout(() => {
              void this.settleIfDone(s, slice);
              this.ask(api, s);
            }, Math.max(0, slice.usableUntil - performance.now()) + 1).unref();
            this.ask(api, s);
          } else this.retry(api, s, g.retryInMs);
        },
        (err: unknown) => {
          s.asking = false;
          this.opts.onError?.(err as Error);
          this.retry(api, s, 500);
        },
      );
  }

  private retry(api: string, s: ApiSpend, ms: number): void {
    s.timer = setTimeout(() => {
      s.timer = undefined;
      this.ask(api, s);
    }, ms);
    s.timer.unref();
  }

  private async settleIfDone(s: ApiSpend, slice: Slice): Promise<void> {
    if (slice.settled || slice.inFlight > 0) return;
    if (slice.taken < slice.calls && performance.now() < slice.usableUntil) return;
    slice.settled = true;
    s.slices.splice(s.slices.indexOf(slice), 1);
    try {
      await this.opts.ledger.settle(slice.id, slice.taken, this.opts.marginMs ?? 20);
    } catch (err) {
      // unsettled rows expire by themselves (their hold covers the use period, a call timeout and the window)
      this.opts.onError?.(err as Error);
    }
    for (const [api, x] of this.apis) if (x === s) this.report(api, s);
  }

  private report(api: string, s: ApiSpend): void {
    this.opts.onReserved?.(api, s.slices.reduce((n, x) => n + x.calls, 0));
  }
}

/** Gates per company and budget, for a process's WeCom clients. */
export class SharedBudget {
  private readonly gates = new Map<string, SharedBudgetGate>();

  constructor(private readonly opts: SharedBudgetOptions) {}

  gate(corpId: string, limits: readonly Budget[]): SharedBudgetGate {
    const key = `${corpId}|${limits.map((w) => `${w.count}/${w.windowMs}`).join(',')}`;
    let g = this.gates.get(key);
    if (!g) this.gates.set(key, (g = new SharedBudgetGate(corpId, limits, this.opts)));
    return g;
  }

  async close(): Promise<void> {
    await Promise.all([...this.gates.values()].map((g) => g.close()));
  }
}
