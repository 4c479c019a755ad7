// The sync engine hosted by `wecom-sync serve`: one SyncPipeline over every stored connection and a
// SyncWorker keeping them in step with the directory (the same worker as `sync --watch`).
//
//   directory write through the REST API → notify() → the worker looks at the change feed at once
//   mapping saved through the REST API → mappingSaved(id) → a full run of that connection at once
//   stop() (graceful shutdown, before the store closes): the worker's timers stop, a run in
//   progress finishes (an interrupted run stays resumable: the executor journals every operation)
//
// Metrics are fed from the outside, so src/sync knows nothing of prom-client:
//   WeCom client onCall          → wecom_api_call_duration_seconds{api,route}
//   a finished run (worker or API: → wecom_sync_runs_total{status}, and its recorded operations →
//   apply/approve/incremental)        wecom_sync_operations_total{kind,result,errcode}; once per run id and status
//   worker 'idle' (after a cycle) → wecom_sync_change_feed_lag{connection}, wecom_sync_queue_depth
//                                   (connections with changes not synced yet)
import type { Logger } from 'pino';
import { type JobQueue, JobWorker, type JobWorkerEvent, PgBudgetLedger, type PlanMaker, SharedBudget, askForPlan } from '../jobs/index.js';
import { Connections, type SecretBox } from '../connections/index.js';
import type { Directory } from '../directory/directory.js';
import type { Metrics } from '../observability/metrics.js';
import type { Store } from '../store/index.js';
import { type ServiceClient, type SyncReport, type WorkerEvent, SyncPipeline, SyncWorker } from '../sync/index.js';
import { getCursor } from '../sync/state/cursors.js';
import { hasAnyRun, loadOperations, processGone, processIdentity, queueRun } from '../sync/state/runs.js';
import { toAppError } from './problem.js';
import type { QueuedRuns } from './routes/sync.js';
import { type CallEvent, type WeComClientOptions, createWeComClient, routeKey } from '../wecom/index.js';
import { WECOM_BUDGET, type Budget } from '../wecom/transport/rate-limiter.js';

export interface SyncEngineOptions {
  store: Store;
  directory: Directory;
  secretBox: SecretBox;
  metrics: Metrics;
  logger?: Logger;
  /** Start the worker (default true); without it the service still exists (for routes) but nothing syncs by itself. */
  worker?: boolean;
  /** Periodic full reconcile in ms; 0/undefined = never. */
  fullIntervalMs?: number;
  /** Change-feed poll interval in ms (the worker's default otherwise). */
  pollMs?: number;
  /** The WeCom client (default createWeComClient); `onCall` metrics are added around it. */
  clientFactory?: (options: WeComClientOptions) => ServiceClient;
  /**
   * PostgreSQL deployments (src/jobs): runs are requested through this queue and executed by job
   * workers; `worker` says whether this process is one. Without a worker it calls WeCom never.
   */
  queue?: JobQueue;
  /** Job worker: runs at once (default 4), sweep interval, run lease. */
  slots?: number;
  /** Queued mode without a worker: how long a plan request waits for a worker's answer (default 25 s). */
  planWaitMs?: number;
  sweepMs?: number;
  leaseMs?: number;
}

export interface SyncEngine {
  connections: Connections;
  pipeline: SyncPipeline;
  /** The change-feed worker of the embedded mode; null when off, and in queued (PostgreSQL) mode. */
  worker: SyncWorker | null;
  /** Queued (PostgreSQL) mode: how the routes request runs; null in the embedded mode. */
  queued: QueuedRuns | null;
  /** Queued mode: this process's job worker; null when it executes no runs. */
  jobWorker: JobWorker | null;
  /** Starts the worker (no-op when it is off): after whatever must happen before its first cycle (the demo's resume). */
  start(): void;
  /** Something was written to the directory: sync it now (no-op without a worker). */
  notify(): void;
  /** The connection's mapping was changed and saved: a full run applies it now (no-op without a worker). */
  mappingSaved(connectionId: string): void;
  /** Resolves when the metric updates already started are done (tests). */
  settled(): Promise<void>;
  /** Stops the worker (waiting for a run in progress) and closes the WeCom clients. */
  stop(): Promise<void>;
}

/** Wraps a client factory so every WeCom call is observed in wecom_api_call_duration_seconds. */
function meteredClientFactory(metrics: Metrics, base: (options: WeComClientOptions) => ServiceClient = createWeComClient): (options: WeComClientOptions) => ServiceClient {
  return (options) => {
    const inner = options.onCall;
    return base({
      ...options,
      onCall: (e: CallEvent) => {
        metrics.wecomCallDuration.observe({ api: e.api, route: routeKey(e.route) }, e.durationMs / 1000);
        inner?.(e);
      },
    });
  };
}

/** Every client's calls pass the shared budget of its company, under its connection's limits. */
function gatedClientFactory(budget: SharedBudget, base: (options: WeComClientOptions) => ServiceClient = createWeComClient): (options: WeComClientOptions) => ServiceClient {
  return (options) => {
    const r = options.rateLimit ?? WECOM_BUDGET;
    const limits: readonly Budget[] = Array.isArray(r) ? (r as readonly Budget[]) : [r as Budget];
    return base({ ...options, gate: budget.gate(options.corpId, limits) });
  };
}

/** Counts a finished run and its recorded operations. */
async function recordRunMetrics(metrics: Metrics, store: Store, report: SyncReport): Promise<void> {
  metrics.runsTotal.inc({ status: report.status });
  if (!report.runId) return;
  for (const op of await loadOperations(store.db, report.runId)) {
    if (op.status !== 'succeeded' && op.status !== 'failed' && op.status !== 'skipped') continue;
    const errcode = op.errcode !== null ? String(op.errcode) : op.status === 'failed' ? 'none' : '0';
    metrics.operationsTotal.inc({ kind: op.kind, result: op.status, errcode });
  }
}

/** Change-feed lag per connection, and the number of connections with changes waiting. */
async function recordLagMetrics(metrics: Metrics, store: Store, directory: Directory, connectionIds: string[]): Promise<void> {
  const latest = await directory.latestSequence();
  let waiting = 0;
  for (const id of connectionIds) {
    const cursor = await getCursor(store.db, id);
    const lag = Math.max(0, latest - (cursor.lastChangeSeq ?? 0));
    metrics.changeFeedLag.set({ connection: id }, lag);
    if (lag > 0) waiting++;
  }
  metrics.queueDepth.set(waiting);
}

export function createSyncEngine(opts: SyncEngineOptions): SyncEngine {
  const { store, directory, metrics, logger } = opts;
  const connections = new Connections(store, opts.secretBox);
  // Metric updates read the store: track them so stop() waits for them before the store closes.
  const pending = new Set<Promise<void>>();
  const track = (what: string, p: Promise<void>): void => {
    const q = p.catch((err: unknown) => logger?.warn({ err }, `sync metrics: ${what} failed`)).finally(() => pending.delete(q));
    pending.add(q);
  };
  const settled = async (): Promise<void> => {
    while (pending.size > 0) await Promise.all([...pending]);
  };
  const counted = new Set<string>();
  const onReport = (report: SyncReport): void => {
    // by run and status: a held run is counted as held, and again (its operations) once approved
    const key = `${report.runId}:${report.status}`;
    if (!report.runId || counted.has(key) || report.status === 'running' || report.status === 'planned' || report.status === 'taken-over') return;
    counted.add(key);
    if (counted.size > 10_000) counted.delete(counted.values().next().value!);
    track('run', recordRunMetrics(metrics, store, report));
  };
  // queued mode, executing runs: WeCom's per-company budget is shared with the other processes (src/jobs/budget.ts)
  const ledger = opts.queue && opts.worker !== false ? new PgBudgetLedger(store, processIdentity()) : null;
  const budget = ledger
      ? new SharedBudget({
          ledger,
          onReserved: (api, calls) => metrics.budgetReserved.set({ api, window: 'all' }, calls),
          onError: (err) => logger?.warn({ err }, 'shared WeCom budget: the database failed; calls wait'),
        })
      : null;
  const pipeline = new SyncPipeline({
    store,
    directory,
    connections,
    clientFactory: meteredClientFactory(metrics, budget ? gatedClientFactory(budget, opts.clientFactory) : opts.clientFactory),
    onReport,
    ...(opts.leaseMs !== undefined ? { leaseMs: opts.leaseMs } : {}),
  });
  const listIds = async (): Promise<string[]> => (await connections.list()).map((c) => c.id);

  if (opts.queue) return queuedEngine({ ...opts, queue: opts.queue }, { connections, pipeline, settled, track, budget, ledger });

  if (opts.worker === false) {
    return {
      connections,
      pipeline,
      worker: null,
      queued: null,
      jobWorker: null,
      start: () => {},
      notify: () => {},
      mappingSaved: () => {},
      settled,
      async stop() {
        await settled();
        await pipeline.close();
      },
    };
  }

  const worker = new SyncWorker({
    pipeline,
    connections: listIds,
    // A new connection's first sync is started by a person, after reviewing its plan.
    awaitFirstRun: true,
    ...(opts.fullIntervalMs ? { fullIntervalMs: opts.fullIntervalMs } : {}),
    ...(opts.pollMs ? { pollMs: opts.pollMs } : {}),
  });
  worker.on('event', (e: WorkerEvent) => {
    switch (e.type) {
      case 'run':
        logger?.info({ connection: e.report.connection.name, run: e.report.runId, kind: e.report.kind, status: e.report.status }, `sync run: ${e.report.summary.message}`);
        break;
      case 'idle':
        track('lag', listIds().then((ids) => recordLagMetrics(metrics, store, directory, ids)));
        break;
      case 'error':
        logger?.error({ err: e.error, connection: e.connection }, 'sync worker error');
        break;
      case 'blocked':
        logger?.warn({ connection: e.connection }, e.reason);
        break;
    }
  });
  let stopping: Promise<void> | undefined;
  return {
    connections,
    pipeline,
    worker,
    queued: null,
    jobWorker: null,
    start: () => worker.start(),
    notify: () => void worker.notify(),
    mappingSaved: (id) => worker.requestFull(id),
    settled,
    stop() {
      stopping ??= (async () => {
        await worker.stop();
        await settled();
        await pipeline.close();
      })();
      return stopping;
    },
  };
}

/** How a worker makes a plan asked of it (src/jobs/plans.ts): language-neutral, its failure as the problem the route answers. */
function planMaker(pipeline: SyncPipeline, logger: Logger | undefined): PlanMaker {
  return {
    async plan(connectionId) {
      const r = await pipeline.plan(connectionId);
      return { connection: r.connection, plan: r.plan, warnings: r.warnings, problems: r.problems };
    },
    describe(err) {
      const e = toAppError(err);
      if (e.status >= 500) logger?.error({ err }, 'a plan asked of this worker failed');
      return {
        status: e.status,
        type: e.code,
        detail: e.message,
        ...(e.explanation ? { explanation: e.explanation } : {}),
        ...(e.errors.length > 0 ? { errors: e.errors } : {}),
        ...(e.messageCode !== undefined ? { messageCode: e.messageCode } : {}),
        ...(e.params !== undefined ? { params: { ...e.params } } : {}),
      };
    },
  };
}

/**
 * Queued (PostgreSQL) mode: the routes queue runs; directory writes send a job for every
 * connection that has run (coalesced per connection); a job worker executes them when this
 * process is one (`worker`, `serve` without --no-worker).
 */
function queuedEngine(
  opts: SyncEngineOptions & { queue: JobQueue },
  parts: { connections: Connections; pipeline: SyncPipeline; settled: () => Promise<void>; track: (what: string, p: Promise<void>) => void; budget: SharedBudget | null; ledger: PgBudgetLedger | null },
): SyncEngine {
  const { store, metrics, logger, queue } = opts;
  const { connections, pipeline, settled, track, budget, ledger } = parts;
  const planWait = opts.planWaitMs ?? 25_000;
  const queued: QueuedRuns = {
    async requestRun(connectionId) {
      const r = await queueRun(store, connectionId, 'full');
      await queue.send([{ connectionId }]);
      return r;
    },
    async requestRerun(connectionId, runId, action) {
      await queue.send([{ connectionId, action, runId }]);
    },
    callsWeCom: opts.worker !== false,
    plan: async (c) => askForPlan(store, queue, { connectionId: c.id, changeSeq: await opts.directory.latestSequence(), connectionVersion: c.version }, planWait),
    planWaitMs: planWait,
  };
  // directory writes: one job per connection that has run, sent at most every 10 ms (a burst of writes is one send)
  let changeTimer: NodeJS.Timeout | undefined;
  const sendChanges = async (): Promise<void> => {
    const rows = await store.db.selectFrom('sync_cursors').innerJoin('connections', 'connections.id', 'sync_cursors.connection_id').select('sync_cursors.connection_id').execute();
    await queue.send(rows.map((r) => ({ connectionId: r.connection_id })));
  };
  const notify = (): void => {
    if (changeTimer) return;
    changeTimer = setTimeout(() => {
      changeTimer = undefined;
      track('change jobs', sendChanges());
    }, 10);
  };
  const jobWorker =
    opts.worker === false
      ? null
      : new JobWorker({
          queue,
          pipeline,
          plans: planMaker(pipeline, logger),
          ...(ledger ? { releaseGoneBudget: () => ledger.releaseGone(processGone) } : {}),
          ...(opts.slots !== undefined ? { slots: opts.slots } : {}),
          ...(opts.sweepMs !== undefined ? { sweepMs: opts.sweepMs } : {}),
          ...(opts.fullIntervalMs ? { fullIntervalMs: opts.fullIntervalMs } : {}),
        });
  jobWorker?.on((e: JobWorkerEvent) => {
    switch (e.type) {
      case 'run':
        logger?.info({ connection: e.report.connection.name, run: e.report.runId, kind: e.report.kind, status: e.report.status }, `sync run: ${e.report.summary.message}`);
        break;
      case 'error':
        logger?.error({ err: e.error, connection: e.connection }, 'sync job failed');
        break;
      case 'blocked':
        logger?.warn({ connection: e.connection }, e.reason);
        break;
      case 'busy':
        logger?.debug({ connection: e.connection, run: e.runId }, 'sync job dropped: a run of the connection is active in another process');
        break;
    }
    metrics.activeRuns.set(jobWorker.active.length);
  });
  const gauges = setInterval(() => {
    track('queue depth', queue.depth().then((n) => metrics.jobsWaiting.set(n)));
    if (jobWorker) metrics.activeRuns.set(jobWorker.active.length);
  }, 2000);
  gauges.unref();
  let stopping: Promise<void> | undefined;
  return {
    connections,
    pipeline,
    worker: null,
    queued,
    jobWorker,
    start: () => jobWorker?.start(),
    notify,
    // a saved mapping reaches WeCom with a full run (a connection that never ran waits for its first one)
    mappingSaved: (id) => track('mapping run', hasAnyRun(store.db, id).then(async (ran) => void (ran ? await queued.requestRun(id) : undefined))),
    settled,
    stop() {
      stopping ??= (async () => {
        clearInterval(gauges);
        if (changeTimer) {
          clearTimeout(changeTimer);
          changeTimer = undefined;
          await sendChanges().catch(() => {});
        }
        await jobWorker?.stop();
        await settled();
        await budget?.close();
        await pipeline.close();
      })();
      return stopping;
    },
  };
}
