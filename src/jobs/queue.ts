// The job queue of a PostgreSQL deployment: pg-boss (two queues: `wecom-sync.run` for runs,
// `wecom-sync.plan` for plans asked of the workers, ./plans.ts) plus a LISTEN/NOTIFY channel that
// wakes every worker the moment a job is sent, so a job waits for a notification round trip, not
// for a polling interval. Plans have a queue (a lane) of their own so that they are answered while
// every run slot is busy with long runs.
//
// A job names a connection (and, for approve/retry, a run). Its singleton key is the connection id
// (approve/retry: the run id) and the queue's policy is pg-boss's `short`: at most one *waiting*
// job per key, so triggers that arrive while one waits coalesce into it. One *active* run per
// connection is not the queue's business: the runs table's unique index `runs_one_active` refuses
// a second one in the database (state/runs.ts), and a worker that meets it drops the job — the
// process running the connection looks for more work when its run ends (./worker.ts). (pg-boss's
// `singleton`/`stately` policies would gate activation per key, but their fetch fails for the whole
// batch when the oldest waiting job's key is active: one busy connection would stall every other.)
import { EventEmitter } from 'node:events';
import pg from 'pg';
import PgBoss from 'pg-boss';

export const RUN_QUEUE = 'wecom-sync.run';
export const PLAN_QUEUE = 'wecom-sync.plan';
const CHANNEL = 'wecom_sync_jobs';

export interface SyncJob {
  connectionId: string;
  /** absent: whatever the connection needs (a queued run, else the change feed); else this action on `runId`, or `plan`: answer plan request `planId` */
  action?: 'approve' | 'retry' | 'plan';
  runId?: string;
  planId?: string;
}

/** Runs or plans: each has a pg-boss queue of its own. */
export type JobLane = 'run' | 'plan';

const queueOf = (lane: JobLane): string => (lane === 'plan' ? PLAN_QUEUE : RUN_QUEUE);
const laneOf = (j: SyncJob): JobLane => (j.action === 'plan' ? 'plan' : 'run');

export interface FetchedJob {
  id: string;
  data: SyncJob;
}

export interface JobQueueOptions {
  url: string;
  /** PostgreSQL schema of pg-boss's tables (default `wecom_sync_jobs`) */
  schema?: string;
  /** Re-check for jobs this often even without a notification (default 2 s). */
  pollMs?: number;
  onError?: (err: Error) => void;
}

/** The queue as the rest of the code sees it (the REST routes, the worker, the sweeper). */
export interface JobQueue {
  /** Sends jobs; one already waiting for the same key takes them (coalesced). Wakes the workers. */
  send(jobs: SyncJob[]): Promise<void>;
  fetch(max: number, lane?: JobLane): Promise<FetchedJob[]>;
  complete(id: string, lane?: JobLane): Promise<void>;
  fail(id: string, error: Error, lane?: JobLane): Promise<void>;
  /** Run jobs waiting (not yet fetched). */
  depth(): Promise<number>;
  /** Called when a job was sent by any process (and every `pollMs`). */
  onWake(listener: () => void): void;
  stop(): Promise<void>;
}

const keyOf = (j: SyncJob): string => (j.action === 'plan' ? `plan:${j.planId}` : j.action ? `${j.connectionId}:${j.action}:${j.runId}` : j.connectionId);

export class PgJobQueue implements JobQueue {
  private readonly boss: PgBoss;
  private readonly emitter = new EventEmitter();
  private listener: pg.Client | null = null;
  private stopped = false;
  private poll: NodeJS.Timeout | undefined;
  private reconnect: NodeJS.Timeout | undefined;

  private constructor(private readonly opts: JobQueueOptions) {
    this.boss = new PgBoss({
      connectionString: opts.url,
      schema: opts.schema ?? 'wecom_sync_jobs',
      max: 4,
      application_name: 'wecom-sync-jobs',
      schedule: false,
      // expired active jobs (a killed worker's) are failed by pg-boss's maintenance; the run itself
      // is taken over through its lease (state/runs.ts), not through the job
      supervise: true,
      maintenanceIntervalSeconds: 60,
    });
    this.boss.on('error', (err) => opts.onError?.(err));
  }

  /**
   * Opens the queue, installing pg-boss's schema on a new database. Processes starting at once on a
   * new database race to install it, and PostgreSQL may answer one of them with a deadlock (seen
   * with two workers started together): that one closes what it opened and tries again. Any other
   * failure closes what was opened too, so a process that cannot start can exit.
   */
  static async start(opts: JobQueueOptions): Promise<PgJobQueue> {
    for (let attempt = 1; ; attempt++) {
      const q = new PgJobQueue(opts);
      try {
        await q.boss.start();
        await q.ensureQueue();
        await q.listen();
      } catch (err) {
        await q.abandon();
        if (attempt >= 5 || !isInstallRace(err)) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 400));
        continue;
      }
      q.poll = setInterval(() => q.emitter.emit('wake'), opts.pollMs ?? 2000);
      q.poll.unref();
      return q;
    }
  }

  /** After a failed start: the LISTEN connection and pg-boss's pool closed (pg-boss's stop() does nothing before a start succeeded). */
  private async abandon(): Promise<void> {
    this.stopped = true;
    await this.listener?.end().catch(() => {});
    const db = this.boss.getDb() as { opened?: boolean; close?: () => Promise<void> };
    if (db.opened) await db.close?.().catch(() => {});
  }

  private async ensureQueue(): Promise<void> {
    // a plan's job is answered within minutes or not at all (nobody waits for it any more)
    await this.ensure(RUN_QUEUE, 23 * 3600);
    await this.ensure(PLAN_QUEUE, 15 * 60);
  }

  private async ensure(name: string, expireInSeconds: number): Promise<void> {
    if (await this.boss.getQueue(name)) return;
    try {
      await this.boss.createQueue(name, { name, policy: 'short', retryLimit: 0, expireInSeconds });
    } catch (err) {
      // another process created it at the same moment
      if (!(await this.boss.getQueue(name))) throw err;
    }
  }

  /** A dedicated connection LISTENs; when it drops, it is opened again (and the workers look once). */
  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.opts.url, application_name: 'wecom-sync-listen' });
    client.on('notification', () => this.emitter.emit('wake'));
    client.on('error', (err) => {
      this.opts.onError?.(err);
      this.relisten(client);
    });
    client.on('end', () => this.relisten(client));
    await client.connect();
    await client.query(`listen ${CHANNEL}`);
    this.listener = client;
  }

  private relisten(client: pg.Client): void {
    if (this.stopped || this.listener !== client) return;
    this.listener = null;
    client.end().catch(() => {});
    const again = (): void => {
      this.reconnect = undefined;
      if (this.stopped) return;
      this.listen().then(
        () => this.emitter.emit('wake'),
        () => (this.reconnect = setTimeout(again, 1000)),
      );
    };
    this.reconnect = setTimeout(again, 200);
  }

  async send(jobs: SyncJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.boss.insert(jobs.map((data) => ({ name: queueOf(laneOf(data)), data, singletonKey: keyOf(data), retryLimit: 0 })));
    await this.notify();
  }

  private async notify(): Promise<void> {
    const c = this.listener;
    if (c) await c.query(`notify ${CHANNEL}`);
    else this.emitter.emit('wake');
  }

  async fetch(max: number, lane: JobLane = 'run'): Promise<FetchedJob[]> {
    const jobs = await this.boss.fetch<SyncJob>(queueOf(lane), { batchSize: max });
    return jobs.map((j) => ({ id: j.id, data: j.data }));
  }

  async complete(id: string, lane: JobLane = 'run'): Promise<void> {
    await this.boss.complete(queueOf(lane), id);
  }

  async fail(id: string, error: Error, lane: JobLane = 'run'): Promise<void> {
    await this.boss.fail(queueOf(lane), id, { message: error.message });
  }

  depth(): Promise<number> {
    return this.boss.getQueueSize(RUN_QUEUE);
  }

  onWake(listener: () => void): void {
    this.emitter.on('wake', listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.reconnect);
    const c = this.listener;
    this.listener = null;
    await c?.end().catch(() => {});
    await this.boss.stop({ graceful: false, close: true, wait: true });
  }
}

/** Errors of a schema install racing another process's: a deadlock, a duplicate object. */
function isInstallRace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '23505' || code === '42P07' || code === '42710';
}
