// The executor: runs the stored operations of one run through the WeCom client and records every
// step durably. See ./README.md for the crash-safety argument and the lease rule.
//
//   for each operation, in an order allowed by dependsOn (scheduler.ts), up to `concurrency` at once:
//     1. record  status=running, attempts+1 (+ for a create: a *pending link* naming the chosen
//        department id / userid)                                 — committed before step 2
//     2. call WeCom (perform.ts), only while the lease is ours (lease.ts)
//     3. record  the result and the link change (shadow = shadow + body) in ONE transaction
//                                                                 — committed before dependents start
//
// An operation found 'running' when a run is resumed was interrupted between 1 and 3: WeCom may or
// may not have applied it, so it is sent again as *uncertain*, and "already exists" / "not found"
// answers that an applied first attempt would cause are recognised as success.
import { OPERATION_API, type Operation, type Plan } from '../../domain/plan.js';
import type { Store, Tx } from '../../store/store.js';
import { Journal } from '../state/journal.js';
import { deleteDepartmentLink, deleteMemberLink, loadLinks, putDepartmentLink, putMemberLink, type LinkWriteContext, type StoredLinks } from '../state/links.js';
import { isDataRefusal } from '../../store/errors.js';
import { markPending, markRunning, markSkipped, recordResult, skipRemaining, type OperationResult } from '../state/operations.js';
import {
  finishRun,
  getRun,
  loadOperations,
  markOwnerActive,
  releaseLease,
  renewLease,
  type OperationRecord,
  type OperationStatus,
  type RunError,
  type RunRecord,
  type RunStatus,
  type RunSummary,
} from '../state/runs.js';
import { LinkCache, type LinkChange } from './link-cache.js';
import { withHolder } from './holder.js';
import { LeaseGuard, type LeaseState } from './lease.js';
import { perform, type LinkEffect, type Outcome, type SyncClient } from './perform.js';
import { configError, finalStatus, leaseLostError, summarize, unreachable, withNote } from './report.js';
import { msg } from '../../messages/index.js';
import { Scheduler } from './scheduler.js';

export type { SyncClient };
export { summarize };

export type ExecutorEvent =
  | { type: 'op-started'; runId: string; opId: string; kind: Operation['kind']; uncertain: boolean }
  | { type: 'op-answered'; runId: string; opId: string; kind: Operation['kind']; status: 'succeeded' | 'failed' }
  | { type: 'op-recorded'; runId: string; opId: string; kind: Operation['kind']; status: OperationStatus }
  | { type: 'run-aborted'; runId: string; reason: string }
  /** calls stopped until a renewal confirms the lease (unconfirmed), went on (confirmed), or stopped for good (lost) */
  | { type: 'lease'; runId: string; state: 'unconfirmed' | 'confirmed' | 'lost'; detail: string };

interface ExecuteOptions {
  store: Store;
  client: SyncClient;
  runId: string;
  /** The lease owner recorded on the run (see state/runs.ts). */
  owner: string;
  /** Operations in flight at once (the client's limiter keeps WeCom's budget); default 256. */
  concurrency?: number;
  /**
   * Operations of one WeCom API in flight at once (at most `concurrency`); default half of
   * `concurrency`, at least 1. An API waiting for its budget in the client's limiter then never
   * holds every slot another API could use (department and member creates run side by side, each
   * on its own budget).
   */
  perApiConcurrency?: number;
  /** Lease length; renewed every third of it; calls stop when a quarter of it is left unconfirmed; default 60 s. */
  leaseMs?: number;
  /** Consecutive transient failures (after the client's own retries) that stop the run; default 20. */
  maxConsecutiveTransientFailures?: number;
  onEvent?: (e: ExecutorEvent) => void;
  /**
   * The run's operations exactly as just stored by the caller in the transaction that started the
   * run (see recordsOfPlan), which saves reading them back; absent = loaded from the store.
   */
  operations?: OperationRecord[];
  /** The connection's links exactly as the caller just loaded them; absent = loaded from the store. */
  links?: StoredLinks;
  /**
   * Aborted when the process shuts down: no operation starts any more; once those in flight are
   * answered and recorded, the run's lease is given back (expired at once) so that another process
   * finishes the run under its id. The result is then 'taken-over'.
   */
  drain?: AbortSignal;
}

export interface ExecuteResult {
  runId: string;
  /** 'taken-over': the lease was lost; the run is left (unfinished) to the process that holds it now */
  status: RunStatus | 'taken-over';
  summary: RunSummary;
  error: RunError | null;
}

/** Why an execution stops starting operations. */
type StopReason =
  /** a configuration error or WeCom unreachable: the run fails, remaining operations are skipped */
  | { kind: 'aborted'; error: RunError }
  /** bookkeeping failed: nothing more is written, the run stays running and is resumed later */
  | { kind: 'store-failed'; error: RunError }
  /** another process may hold the run: nothing more is sent or finished by this execution */
  | { kind: 'lease-lost'; lease: Extract<LeaseState, { kind: 'lost' }> }
  /** the process shuts down (drain): the run is given back for another process to finish */
  | { kind: 'released' };

const now = (): string => new Date().toISOString();

function asOperation(r: OperationRecord): Operation {
  return { id: r.opId, kind: r.kind, key: r.key, target: r.target, body: r.body, dependsOn: r.dependsOn, reason: r.reason } as Operation;
}

function resultOf(o: Outcome): OperationResult {
  return { status: o.status, errcode: o.errcode ?? null, errmsg: o.errmsg ?? null, errorClass: o.errorClass ?? null, explanation: o.explanation ?? null, note: o.note ?? null };
}

function conflictOutcome(conflict: string): Outcome {
  return { status: 'failed', errcode: null, errmsg: conflict, errorClass: 'data', explanation: { en: `Not sent: ${conflict}.`, zh: `未发送：${conflict}。` }, link: 'keep' };
}

/** The link could not be stored (a constraint): the result is kept, the operation reported failed. */
function linkNotStored(o: Outcome, e: unknown): Outcome {
  const why = e instanceof Error ? e.message : String(e);
  const msg = `WeCom accepted the operation but its link could not be stored: ${why}`;
  return { status: 'failed', errcode: o.errcode ?? null, errmsg: msg, errorClass: 'internal', explanation: { en: msg, zh: `企业微信已执行，但关联无法保存：${why}` }, link: 'keep' };
}

/**
 * The records `storePlan` stores for a plan's operations (all pending), for executeRun's
 * `operations`. They share the plan's objects; executeRun sends each body as stored (through
 * JSON, see Execution.attempt), just before the operation starts rather than all at once before the first.
 */
export function recordsOfPlan(runId: string, plan: Plan): OperationRecord[] {
  return plan.operations.map((op, seq) => ({
    runId,
    opId: op.id,
    seq,
    kind: op.kind,
    key: op.key,
    target: op.target,
    body: op.body,
    reason: op.reason,
    dependsOn: op.dependsOn,
    status: 'pending',
    attempts: 0,
    errcode: null,
    errmsg: null,
    errorClass: null,
    explanation: null,
    note: null,
    startedAt: null,
    finishedAt: null,
  }));
}

function leaseEvent(runId: string, s: LeaseState): ExecutorEvent {
  if (s.kind === 'held') return { type: 'lease', runId, state: 'confirmed', detail: 'a renewal confirmed the lease' };
  return { type: 'lease', runId, state: s.kind, detail: s.kind === 'lost' ? s.detail : s.reason };
}

/** Only a success applies the operation's body to its link. */
const effectOf = (o: Outcome): LinkEffect => (o.status === 'succeeded' || o.link !== 'apply' ? o.link : 'keep');

async function runningRun(store: Store, runId: string, owner: string): Promise<RunRecord> {
  const run = await getRun(store.db, runId);
  if (!run) throw new Error(`run ${runId} does not exist`);
  if (run.status !== 'running' || run.leaseOwner !== owner) throw new Error(`run ${runId} is ${run.status} under ${run.leaseOwner ?? 'no owner'}; it must be running under ${owner}`);
  return run;
}

/**
 * Executes a run whose status is 'running' under `owner`'s lease (see runner: startRun, takeOver,
 * reactivateRun). Returns when every operation is succeeded, failed or skipped, and the run's final
 * status is stored — or, when the lease was lost, as soon as the calls already sent are recorded
 * (status 'taken-over', nothing more stored). Throws when bookkeeping failed (the run stays
 * running and is resumed later).
 */
export async function executeRun(opts: ExecuteOptions): Promise<ExecuteResult> {
  const { store, runId, owner } = opts;
  const leaseMs = opts.leaseMs ?? 60_000;
  const run = await runningRun(store, runId, owner);
  markOwnerActive(owner, true);
  const journal = new Journal(store);
  const lease = new LeaseGuard({ leaseMs, renew: () => store.write((trx) => renewLease(trx, runId, owner, leaseMs)) });
  lease.watch((s) => opts.onEvent?.(leaseEvent(runId, s)));
  try {
    if (!(await lease.start())) throw new Error(`run ${runId} is no longer held by ${owner}`);
    const records = opts.operations ?? (await loadOperations(store.db, runId));
    const links = opts.links ?? (await loadLinks(store.db, run.connectionId));
    return await new Execution(opts, leaseMs, run, records, links, journal, lease).execute();
  } finally {
    await lease.stop();
    await journal.drain().catch(() => {});
    markOwnerActive(owner, false);
  }
}

/** One execution of a run: its schedule, link cache, stop reason and bookkeeping. */
class Execution {
  private readonly runId: string;
  private readonly connectionId: string;
  private readonly client: SyncClient;
  private readonly maxTransient: number;
  private readonly byId: Map<string, OperationRecord>;
  private readonly scheduler: Scheduler;
  private readonly cache: LinkCache;
  private inFlight = 0;
  /** wakes the main loop: an operation ended or the lease changed */
  private wake: (() => void) | undefined;
  /** notified while the loop was not waiting */
  private woken = false;
  private stopReason: StopReason | null = null;
  private transientStreak = 0;

  constructor(
    private readonly opts: ExecuteOptions,
    private readonly leaseMs: number,
    private readonly run: RunRecord,
    private readonly records: OperationRecord[],
    links: StoredLinks,
    private readonly journal: Journal,
    private readonly lease: LeaseGuard,
  ) {
    this.runId = run.id;
    this.connectionId = run.connectionId;
    this.client = opts.client;
    this.maxTransient = opts.maxConsecutiveTransientFailures ?? 20;
    this.byId = new Map(records.map((r) => [r.opId, r]));
    const total = Math.max(1, opts.concurrency ?? 256);
    const perApi = Math.min(total, Math.max(1, opts.perApiConcurrency ?? Math.ceil(total / 2)));
    this.scheduler = new Scheduler(
      records.map((r) => ({ id: r.opId, api: OPERATION_API[r.kind], dependsOn: r.dependsOn, status: r.status })),
      { total, perApi },
    );
    this.cache = new LinkCache(links);
    lease.watch(() => this.notify());
    const drain = opts.drain;
    if (drain) {
      const release = (): void => {
        this.stop({ kind: 'released' });
        this.notify();
      };
      if (drain.aborted) release();
      else drain.addEventListener('abort', release, { once: true });
    }
  }

  async execute(): Promise<ExecuteResult> {
    await this.relink();
    await this.unlink();
    while (await this.step());
    await this.flushSkips();
    return this.finish();
  }

  private emit(e: ExecutorEvent): void {
    this.opts.onEvent?.(e);
  }

  private ctx(opId: string | null): LinkWriteContext {
    return { connectionId: this.connectionId, runId: this.runId, opId, now: now() };
  }

  /** Relinks (re-hires) need no WeCom call: each link moves to its new key; idempotent, done first. */
  private async relink(): Promise<void> {
    const moves = (this.run.plan?.relinks ?? []).flatMap((r) => {
      const change = this.cache.movedLink(r);
      return change ? [{ r, change }] : [];
    });
    if (moves.length === 0) return;
    await this.journal.write(async (trx) => {
      for (const { r, change } of moves) {
        await this.storeLinkChange(trx, null, r.from, r.type === 'department' ? { department: null } : { member: null });
        await this.storeLinkChange(trx, null, r.to, change);
      }
    });
    for (const { r, change } of moves) {
      this.cache.unlink(r.type, r.from);
      this.cache.apply(r.to, change);
    }
  }

  /** Unlinks (policy "keep", objects already gone) need no WeCom call; idempotent, done first. */
  private async unlink(): Promise<void> {
    const unlinks = this.run.plan?.unlinks ?? [];
    if (unlinks.length === 0) return;
    await this.journal.write(async (trx) => {
      for (const u of unlinks) {
        if (u.type === 'department') await deleteDepartmentLink(trx, this.connectionId, u.key);
        else await deleteMemberLink(trx, this.connectionId, u.key);
      }
    });
    for (const u of unlinks) this.cache.unlink(u.type, u.key);
  }

  /** Starts what may start, then waits for an operation to end or the lease to change; false when all is done. */
  private async step(): Promise<boolean> {
    await this.flushSkips();
    const before = this.lease.status;
    if (before.kind === 'lost') this.stop({ kind: 'lease-lost', lease: before });
    this.startReady();
    // unconfirmed with nothing in flight: the next renewal decides whether anything more starts
    if (this.inFlight === 0 && (this.stopReason || this.lease.status.kind !== 'unconfirmed')) return false;
    if (!this.woken) await new Promise<void>((resolve) => (this.wake = resolve));
    this.woken = false;
    return true;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    if (wake) wake();
    else this.woken = true;
  }

  private startReady(): void {
    while (!this.stopReason && this.lease.mayStart()) {
      const id = this.scheduler.next();
      if (id === undefined) return;
      this.inFlight++;
      void this.runOperation(this.byId.get(id)!).finally(() => {
        this.inFlight--;
        this.notify();
      });
    }
  }

  private stop(reason: StopReason): void {
    // a lost lease overrides the others: whatever else happened, this execution must write no more
    if (this.stopReason && (this.stopReason.kind === 'lease-lost' || reason.kind !== 'lease-lost')) return;
    this.stopReason = reason;
    if (reason.kind === 'aborted') this.emit({ type: 'run-aborted', runId: this.runId, reason: reason.error.message });
  }

  private async runOperation(rec: OperationRecord): Promise<void> {
    try {
      const answered = await this.attempt(rec);
      if (answered === 'withdrawn' || answered === 'withdrawn-uncertain') {
        // drained before this attempt was sent: pending again for the process that resumes the run
        // (left running, so resent as uncertain, when an earlier attempt may have gone out)
        if (answered === 'withdrawn') {
          const at = now();
          await this.journal.write((trx) => markPending(trx, this.runId, rec.opId, rec.attempts, at));
          rec.status = 'pending';
        }
        this.scheduler.release(rec.opId);
        return;
      }
      const outcome = answered && (await this.record(rec, answered));
      if (!outcome) {
        // not sent, or its result belongs to another executor now: the lease is lost
        const lease = this.lease.status;
        this.stop({ kind: 'lease-lost', lease: lease.kind === 'lost' ? lease : { kind: 'lost', reason: 'taken', detail: 'another executor restarted an operation of the run' } });
        this.scheduler.release(rec.opId);
        return;
      }
      this.scheduler.finish(rec.opId, outcome.status === 'succeeded');
      this.judge(outcome);
    } catch (e) {
      // bookkeeping failed (store unavailable): stop starting operations; the run stays
      // 'running' with this one 'running' and is resumed later
      this.stop({ kind: 'store-failed', error: { message: `the store failed: ${(e as Error).message}` } });
      this.scheduler.release(rec.opId);
    }
  }

  /** Steps 1 and 2: marks the operation running, then calls WeCom while the lease allows. Null = the lease was lost first. */
  private async attempt(rec: OperationRecord): Promise<Outcome | null | 'withdrawn' | 'withdrawn-uncertain'> {
    // records given by the caller hold the plan's objects: use the body exactly as stored (JSON)
    if (this.opts.operations) rec.body = JSON.parse(JSON.stringify(rec.body)) as OperationRecord['body'];
    const op = asOperation(rec);
    let uncertain = rec.status === 'running' || this.cache.hasPendingCreate(op);
    const neverSent = rec.status === 'pending';
    // links held by another key would make the stored links inconsistent: refuse before sending
    const conflict = this.cache.conflictOf(op);
    const pending = conflict ? {} : this.cache.pendingOf(op);
    rec.attempts++;
    const at = now();
    await this.journal.write(async (trx) => {
      await markRunning(trx, this.runId, rec.opId, rec.attempts, at);
      await this.storeLinkChange(trx, rec.opId, op.key, pending);
    });
    this.cache.apply(op.key, pending);
    rec.status = 'running';
    for (;;) {
      // even a refusal is recorded only under the lease: the row may be another executor's by now
      if (!(await this.lease.ready())) return null;
      if (conflict) return conflictOutcome(conflict);
      this.emit({ type: 'op-started', runId: this.runId, opId: rec.opId, kind: rec.kind, uncertain });
      const result = await perform(this.client, op, uncertain, { signal: this.callSignal() });
      if (result.status !== 'interrupted') {
        this.emit({ type: 'op-answered', runId: this.runId, opId: rec.opId, kind: rec.kind, status: result.status });
        return withHolder(op, result, this.cache);
      }
      // withdrawn because the process shuts down: nothing of this attempt was sent
      if (this.stopReason?.kind === 'released') return neverSent && !uncertain ? 'withdrawn' : 'withdrawn-uncertain';
      // withdrawn before sending while the lease was unconfirmed; an earlier call of it may have gone out
      uncertain = true;
    }
  }

  /**
   * The signal a call gets: the lease's (see lease.ts), aborted as well when the process drains, so
   * that calls waiting in the client's rate limiter are withdrawn. Its `aborted` reads the lease's
   * (which checks the lease deadline on every read).
   */
  private callSignal(): AbortSignal {
    const leaseSignal = this.lease.signal;
    const drain = this.opts.drain;
    if (!drain) return leaseSignal;
    const both = AbortSignal.any([leaseSignal, drain]);
    Object.defineProperty(both, 'aborted', { get: () => leaseSignal.aborted || drain.aborted });
    return both;
  }

  /** Step 3: the result and its link change in one transaction. Null = the row is another executor's now. */
  private async record(rec: OperationRecord, answered: Outcome): Promise<Outcome | null> {
    const op = asOperation(rec);
    const change = this.cache.changeAfter(op, effectOf(answered));
    const at = now();
    let outcome = answered;
    let mine = false;
    try {
      await this.journal.write(async (trx) => {
        mine = await recordResult(trx, this.runId, rec.opId, rec.attempts, resultOf(outcome), at);
        if (mine) await this.storeLinkChange(trx, rec.opId, op.key, change);
      });
      if (mine) this.cache.apply(op.key, change);
    } catch (e) {
      // a link the data refused (another key holds it) fails this operation; a store that went
      // away fails nothing: runOperation stops the run, which stays running and is resumed under
      // its id, resending this operation as uncertain
      if (!isDataRefusal(e)) throw e;
      outcome = linkNotStored(outcome, e);
      await this.journal.write(async (trx) => {
        mine = await recordResult(trx, this.runId, rec.opId, rec.attempts, resultOf(outcome), at);
      });
    }
    if (!mine) return null;
    rec.status = outcome.status;
    rec.errorClass = outcome.errorClass ?? null;
    rec.errcode = outcome.errcode ?? null;
    rec.errmsg = outcome.errmsg ?? null;
    this.emit({ type: 'op-recorded', runId: this.runId, opId: rec.opId, kind: rec.kind, status: outcome.status });
    return outcome;
  }

  private async storeLinkChange(trx: Tx, opId: string | null, key: string, change: LinkChange): Promise<void> {
    const c = this.ctx(opId);
    if (change.department === null) await deleteDepartmentLink(trx, this.connectionId, key);
    else if (change.department) await putDepartmentLink(trx, c, change.department, change.department.state);
    if (change.member === null) await deleteMemberLink(trx, this.connectionId, key);
    else if (change.member) await putMemberLink(trx, c, change.member, change.member.state);
  }

  /** A configuration error, or too many transient failures in a row, stops the run. */
  private judge(outcome: Outcome): void {
    if (outcome.status === 'succeeded') this.transientStreak = 0;
    else if (outcome.errorClass === 'retryable') this.transientStreak++;
    if (outcome.abort) this.stop({ kind: 'aborted', error: configError(outcome) });
    else if (this.transientStreak >= this.maxTransient) this.stop({ kind: 'aborted', error: unreachable(this.transientStreak, outcome) });
  }

  /** Records the operations the scheduler skipped because a dependency failed or was skipped. */
  private async flushSkips(): Promise<void> {
    // a run we may no longer own, or a store that failed, gets no more writes
    if (this.stopReason && this.stopReason.kind !== 'aborted') return;
    const skipped = this.scheduler.takeSkipped();
    if (skipped.length === 0) return;
    const skips = skipped.map((s) => ({ opId: s.id, errorClass: 'dependency' as const, errmsg: `dependency ${s.dependency} ${s.dependencyStatus === 'skipped' ? 'was skipped' : 'failed'}` }));
    await this.journal.write((trx) => markSkipped(trx, this.runId, skips, now()));
    for (const s of skips) {
      const rec = this.byId.get(s.opId)!;
      rec.status = 'skipped';
      rec.errorClass = s.errorClass;
      rec.errmsg = s.errmsg;
      this.emit({ type: 'op-recorded', runId: this.runId, opId: rec.opId, kind: rec.kind, status: 'skipped' });
    }
  }

  private async finish(): Promise<ExecuteResult> {
    const stop = this.stopReason;
    if (stop?.kind === 'lease-lost') return this.takenOver(stop.lease);
    if (stop?.kind === 'released') return this.release();
    if (stop?.kind === 'store-failed') throw new Error(`run ${this.runId} stopped: ${stop.error.message}; it stays running and will be resumed`);
    const error = stop?.kind === 'aborted' ? stop.error : null;
    const at = now();
    // aborted: what this execution never started is skipped (everything it started is recorded)
    const final = error ? this.records.map((r) => (r.status === 'pending' || r.status === 'running' ? { ...r, status: 'skipped' as const, errorClass: 'aborted' as const } : r)) : this.records;
    const summary = summarize(final, error?.message ?? null);
    const status = finalStatus(summary, error !== null);
    let ours = false;
    // the guard's renewals end here (the run is about to be finished: a later renewal would match
    // no row and read as a lost lease); this last one, in the same transaction as the finish, tells
    // whether the run is still ours: a run taken over at the last moment is not finished by us
    await this.lease.stop();
    await this.journal.write(async (trx) => {
      ours = await renewLease(trx, this.runId, this.opts.owner, this.leaseMs);
      if (!ours) return;
      if (error) await skipRemaining(trx, this.runId, `run aborted: ${error.message}`, at);
      await finishRun(trx, this.runId, status, summary, error);
    });
    await this.journal.drain();
    if (!ours) return this.takenOver({ kind: 'lost', reason: 'taken', detail: 'another process holds the lease' });
    return { runId: this.runId, status, summary, error };
  }

  /** Drained: everything started is recorded; the lease expires now, for another process to resume the run. */
  private async release(): Promise<ExecuteResult> {
    await this.lease.stop();
    await this.journal.write((trx) => releaseLease(trx, this.runId, this.opts.owner));
    await this.journal.drain();
    const summary = summarize(this.records, null);
    return { runId: this.runId, status: 'taken-over', summary: { ...summary, message: `handed back at shutdown (another process finishes it): ${summary.message}` }, error: null };
  }

  private async takenOver(lease: Extract<LeaseState, { kind: 'lost' }>): Promise<ExecuteResult> {
    const holder = await getRun(this.opts.store.db, this.runId).then(
      (r) => (r?.leaseOwner && r.leaseOwner !== this.opts.owner ? r.leaseOwner : null),
      () => null,
    );
    const error = leaseLostError(this.runId, lease, holder);
    const summary = summarize(this.records, null);
    return { runId: this.runId, status: 'taken-over', summary: summary.note ? withNote(summary, msg('summary.lease-lost', { summary: summary.note })) : summary, error };
  }
}
