// The job worker of a PostgreSQL deployment (`wecom-sync worker`, and `serve` unless --no-worker):
// takes jobs from the queue (./queue.ts) and runs them through the one pipeline.
//
//   wake (a NOTIFY from any process, a slot freed, the poll) → fetch up to the free slots → per job:
//     approve / retry            → SyncPipeline.approve / retry of that run
//     plan (the plan queue)      → answer the plan request (./plans.ts): the plan made through
//                                  this pipeline (its WeCom reads pass the shared budget), stored
//                                  for the process that asked; `planSlots` at once, beside the runs
//     otherwise                  → finish the connection's stale runs under their ids (resume),
//                                  then its queued run (under its id), else the change feed (incremental)
//   a run of the connection alive elsewhere → RunInProgressError: the job is dropped; that process
//     looks for more work when its run ends (below), or — if it died — the sweep re-sends the job
//   a run ended → follow-up: a queued run waiting, or the change feed moved on → one job (coalesced);
//     after a failure the follow-up starts later (1 s, doubled per failure, at most 60 s)
//   every `sweepMs`: a job for each connection whose active run is stale (its executor is gone:
//     lease expired, or a process of this host that no longer exists), with a queued run and none
//     active, or behind the change feed — so nothing waits on a process that died
//
// With `fullIntervalMs`, the sweep also queues a full run (the periodic reconcile) for each
// connection whose last full run is older (coalesced: every worker sweeps).
//
// Fairness: jobs are served first-in first-out, one run per job and per connection, `slots` runs
// at once per process; a connection's next run goes to the back of the queue, so one large company
// holds at most one slot and the small ones flow through the others.
// stop() (SIGTERM): no new job is taken; runs in progress start no more calls, and once the calls
// in flight are answered and recorded each run is handed back (its lease expires at once), so
// another worker's sweep resumes it under its id within `sweepMs`.
import { EventEmitter } from 'node:events';
import { getCursor } from '../sync/state/cursors.js';
import type { SyncPipeline, SyncReport } from '../sync/pipeline.js';
import { ACTIVE_STATUSES, hasAnyRun, heldRunIds, isStale, processIdentity, queuedRunId, queueRun, RunInProgressError, RunStateError } from '../sync/state/runs.js';
import { answerPlanRequest, type PlanMaker } from './plans.js';
import type { FetchedJob, JobQueue, SyncJob } from './queue.js';

export interface JobWorkerOptions {
  queue: JobQueue;
  pipeline: SyncPipeline;
  /** Runs executed at once by this process (default 4). */
  slots?: number;
  /** Plans asked of the workers (./plans.ts): how to make one; absent = this process takes no plan job. */
  plans?: PlanMaker;
  /** Plans made at once, besides the runs (default 2). */
  planSlots?: number;
  /** Sweep interval (default 5 s). */
  sweepMs?: number;
  /** A full run of every connection that ran, when its last full run is older than this (0/undefined = never). */
  fullIntervalMs?: number;
  /** Back-off after a failed run: base and cap (default 1 s … 60 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export type JobWorkerEvent =
  | { type: 'run'; connection: string; report: SyncReport }
  | { type: 'error'; connection: string | null; error: Error }
  | { type: 'blocked'; connection: string; reason: string }
  | { type: 'busy'; connection: string; runId: string }
  | { type: 'plan'; planId: string; answered: boolean };

export class JobWorker {
  private readonly emitter = new EventEmitter();
  private readonly slots: number;
  private readonly inProgress = new Map<string, Promise<void>>();
  private readonly plansInProgress = new Map<string, Promise<void>>();
  private readonly planSlots: number;
  private readonly failures = new Map<string, number>();
  private running = false;
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | null = null;

  constructor(private readonly opts: JobWorkerOptions) {
    this.slots = opts.slots ?? 4;
    this.planSlots = opts.plans ? (opts.planSlots ?? 2) : 0;
    opts.queue.onWake(() => this.pump());
  }

  /** Runs executing in this process now, by connection id. */
  get active(): string[] {
    return [...this.inProgress.keys()];
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const every = this.opts.sweepMs ?? 5000;
    this.sweepTimer = setInterval(() => void this.sweep(), every);
    this.sweepTimer.unref();
    void this.sweep();
    this.pump();
  }

  /**
   * No new job; the runs in progress start no more calls, and once the calls in flight are
   * answered and recorded they are handed back for another worker to finish (SyncPipeline.drain).
   */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.sweepTimer);
    this.opts.pipeline.drain();
    await this.sweeping;
    await this.pumping;
    await Promise.allSettled([...this.inProgress.values(), ...this.plansInProgress.values()]);
  }

  on(listener: (e: JobWorkerEvent) => void): this {
    this.emitter.on('event', listener);
    return this;
  }

  private emit(e: JobWorkerEvent): void {
    this.emitter.emit('event', e);
  }

  /** Fetches jobs while slots are free. */
  pump(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    if (this.inProgress.size >= this.slots && this.plansInProgress.size >= this.planSlots) return;
    this.pumping = (async () => {
      // (never settles synchronously: `pumping` must be set before it is cleared below)
      await Promise.resolve();
      try {
        do {
          this.pumpAgain = false;
          const free = this.slots - this.inProgress.size;
          const freePlans = this.planSlots - this.plansInProgress.size;
          if (free <= 0 && freePlans <= 0) break;
          let jobs: FetchedJob[] = [];
          let plans: FetchedJob[] = [];
          try {
            if (free > 0) jobs = await this.opts.queue.fetch(free);
            if (freePlans > 0) plans = await this.opts.queue.fetch(freePlans, 'plan');
          } catch (e) {
            this.emit({ type: 'error', connection: null, error: e as Error });
            break;
          }
          for (const job of jobs) this.begin(job);
          for (const job of plans) this.beginPlan(job);
          if ((free > 0 && jobs.length === free) || (freePlans > 0 && plans.length === freePlans)) this.pumpAgain = true;
        } while (this.pumpAgain && this.running);
      } finally {
        this.pumping = null;
      }
    })();
  }

  private begin(job: FetchedJob): void {
    // a key per job: two jobs of one connection (a sync and an approve) may be fetched together;
    // the second meets the first's run in the database and is dropped or waits its turn
    const key = `${job.data.connectionId}:${job.id}`;
    const p = this.handle(job).finally(() => {
      this.inProgress.delete(key);
      this.pump();
    });
    this.inProgress.set(key, p);
  }

  private beginPlan(job: FetchedJob): void {
    const p = this.answerPlan(job).finally(() => {
      this.plansInProgress.delete(job.id);
      this.pump();
    });
    this.plansInProgress.set(job.id, p);
  }

  /** A plan request: answered (the plan or the problem stored for the asker), or dropped when nobody waits any more. */
  private async answerPlan(job: FetchedJob): Promise<void> {
    const { planId, connectionId } = job.data;
    try {
      const answered = planId !== undefined && this.opts.plans ? await answerPlanRequest(this.opts.pipeline.store.db, planId, processIdentity(), this.opts.plans) : false;
      this.emit({ type: 'plan', planId: planId ?? '', answered });
      await this.opts.queue.complete(job.id, 'plan').catch(() => {});
    } catch (e) {
      this.emit({ type: 'error', connection: connectionId, error: e as Error });
      await this.opts.queue.fail(job.id, e as Error, 'plan').catch(() => {});
    }
  }

  private async handle(job: FetchedJob): Promise<void> {
    const { connectionId } = job.data;
    let report: SyncReport | null = null;
    try {
      report = await this.execute(job.data);
      await this.opts.queue.complete(job.id).catch(() => {});
    } catch (e) {
      if (e instanceof RunInProgressError) {
        // alive elsewhere (or in another slot here): that executor sends the follow-up
        this.emit({ type: 'busy', connection: connectionId, runId: e.runId });
        await this.opts.queue.complete(job.id).catch(() => {});
        return;
      }
      const err = e as Error;
      this.emit({ type: 'error', connection: connectionId, error: err });
      await this.opts.queue.fail(job.id, err).catch(() => {});
      if (e instanceof RunStateError) return;
      report = null;
      this.failures.set(connectionId, (this.failures.get(connectionId) ?? 0) + 1);
    }
    if (report) {
      this.emit({ type: 'run', connection: connectionId, report });
      if (report.status === 'failed' || report.status === 'taken-over') this.failures.set(connectionId, (this.failures.get(connectionId) ?? 0) + 1);
      else this.failures.delete(connectionId);
    }
    await this.followUp(connectionId).catch((e: unknown) => this.emit({ type: 'error', connection: connectionId, error: e as Error }));
  }

  /** One job's work; null when there was nothing to do. */
  private async execute(job: SyncJob): Promise<SyncReport | null> {
    const { pipeline } = this.opts;
    const id = job.connectionId;
    if (job.action === 'approve' && job.runId) return pipeline.approve(id, job.runId);
    if (job.action === 'retry' && job.runId) return pipeline.retry(id, job.runId);
    const resumed = await pipeline.resume(id);
    for (const r of resumed) this.emit({ type: 'run', connection: id, report: r });
    const queued = await queuedRunId(pipeline.store.db, id);
    if (queued) return pipeline.runQueued(id, queued);
    // a new connection's first run is started by a person (after reviewing its plan)
    if (!(await hasAnyRun(pipeline.store.db, id))) return null;
    const held = await heldRunIds(pipeline.store.db, id);
    if (held.length > 0) {
      this.emit({ type: 'blocked', connection: id, reason: `run ${held[0]} is held for approval (safety threshold): approve it to go on` });
      return null;
    }
    return pipeline.incremental(id);
  }

  /** After a run: one more job when the connection has work waiting (a queued run, newer changes). */
  private async followUp(connectionId: string): Promise<void> {
    if (!this.running) return;
    const { pipeline } = this.opts;
    const db = pipeline.store.db;
    let due = (await queuedRunId(db, connectionId)) !== null;
    if (!due && (await heldRunIds(db, connectionId)).length === 0 && (await hasAnyRun(db, connectionId))) {
      const { lastChangeSeq } = await getCursor(db, connectionId);
      due = lastChangeSeq !== null && lastChangeSeq < (await pipeline.directory.latestSequence());
    }
    if (!due) return;
    const n = this.failures.get(connectionId) ?? 0;
    if (n === 0) return this.opts.queue.send([{ connectionId }]);
    const delay = Math.min(this.opts.retryMaxMs ?? 60_000, (this.opts.retryBaseMs ?? 1000) * 2 ** (n - 1));
    const t = setTimeout(() => {
      if (this.running) void this.opts.queue.send([{ connectionId }]).catch(() => {});
    }, delay);
    t.unref();
  }

  /** Jobs for the connections nobody is working on but should: see the top of this file. */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        if (this.opts.fullIntervalMs) for (const id of await fullRunsDue(this.opts.pipeline, this.opts.fullIntervalMs)) await queueRun(this.opts.pipeline.store, id, 'full');
        const due = await sweepTargets(this.opts.pipeline);
        if (due.length > 0 && this.running) await this.opts.queue.send(due.map((connectionId) => ({ connectionId })));
      } catch (e) {
        this.emit({ type: 'error', connection: null, error: e as Error });
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }
}

/** Connections with a stale active run, a queued run and none active, or behind the change feed. */
export async function sweepTargets(pipeline: SyncPipeline): Promise<string[]> {
  const db = pipeline.store.db;
  const runs = await db
    .selectFrom('runs')
    .select(['connection_id', 'status', 'lease_owner', 'lease_expires_at'])
    .where('status', 'in', [...ACTIVE_STATUSES, 'queued', 'held'])
    .execute();
  const live = new Set<string>();
  const held = new Set<string>();
  const due = new Set<string>();
  for (const r of runs) {
    if (r.status === 'held') held.add(r.connection_id);
    else if (r.status === 'queued') due.add(r.connection_id);
    else if (isStale({ leaseOwner: r.lease_owner, leaseExpiresAt: r.lease_expires_at })) due.add(r.connection_id);
    else live.add(r.connection_id);
  }
  const latest = await pipeline.directory.latestSequence();
  const behind = await db
    .selectFrom('sync_cursors')
    .innerJoin('connections', 'connections.id', 'sync_cursors.connection_id')
    .select('sync_cursors.connection_id')
    .where('sync_cursors.last_change_seq', '<', latest)
    .execute();
  for (const b of behind) if (!held.has(b.connection_id)) due.add(b.connection_id);
  return [...due].filter((id) => !live.has(id));
}

/** Connections that ran, whose newest full run started more than `intervalMs` ago, with nothing queued, active or held. */
export async function fullRunsDue(pipeline: SyncPipeline, intervalMs: number, now = Date.now()): Promise<string[]> {
  const rows = await pipeline.store.db
    .selectFrom('runs')
    .innerJoin('connections', 'connections.id', 'runs.connection_id')
    .select(['runs.connection_id', 'runs.kind', 'runs.status', 'runs.created_at'])
    .execute();
  const lastFull = new Map<string, number>();
  const busy = new Set<string>();
  for (const r of rows) {
    if (r.kind === 'full') lastFull.set(r.connection_id, Math.max(lastFull.get(r.connection_id) ?? 0, Date.parse(r.created_at)));
    else if (!lastFull.has(r.connection_id)) lastFull.set(r.connection_id, 0);
    if (r.status === 'queued' || r.status === 'held' || (ACTIVE_STATUSES as readonly string[]).includes(r.status)) busy.add(r.connection_id);
  }
  return [...lastFull].filter(([id, at]) => !busy.has(id) && now - at > intervalMs).map(([id]) => id);
}
