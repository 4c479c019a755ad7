// The cluster's view of its workers: every job worker process keeps a row in `sync_workers`
// (heartbeat every `heartbeatMs`) whose id is the prefix of the lease owners it writes on runs, so
// "which worker runs what" is a join of two tables (`wecom-sync status`, clusterStatus below).
import { hostname } from 'node:os';
import type { DB, Store } from '../store/store.js';
import { ACTIVE_STATUSES, isStale, processIdentity } from '../sync/state/runs.js';

export type WorkerState = 'running' | 'draining' | 'stopped';

export class WorkerRegistration {
  readonly id = processIdentity();
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly store: Store,
    private readonly heartbeatMs: number,
  ) {}

  static async register(store: Store, opts: { slots: number; url?: string | null; heartbeatMs?: number }): Promise<WorkerRegistration> {
    const r = new WorkerRegistration(store, opts.heartbeatMs ?? 5000);
    const now = new Date().toISOString();
    await store.db
      .insertInto('sync_workers')
      .values({ id: r.id, host: hostname(), pid: process.pid, url: opts.url ?? null, state: 'running', slots: opts.slots, started_at: now, seen_at: now })
      .execute();
    r.timer = setInterval(() => void r.beat().catch(() => {}), r.heartbeatMs);
    r.timer.unref();
    // rows of workers gone for a day are forgotten
    await store.db.deleteFrom('sync_workers').where('seen_at', '<', new Date(Date.now() - 86_400_000).toISOString()).execute();
    return r;
  }

  private async beat(): Promise<void> {
    await this.store.db.updateTable('sync_workers').set({ seen_at: new Date().toISOString() }).where('id', '=', this.id).execute();
  }

  async set(fields: { state?: WorkerState; url?: string }): Promise<void> {
    await this.store.db
      .updateTable('sync_workers')
      .set({ ...fields, seen_at: new Date().toISOString() })
      .where('id', '=', this.id)
      .execute();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.set({ state: 'stopped' }).catch(() => {});
  }
}

export interface ClusterWorker {
  id: string;
  host: string;
  pid: number;
  url: string | null;
  /** running, draining, stopped, or `lost` (no heartbeat for three periods: killed, or cut off from PostgreSQL) */
  state: WorkerState | 'lost';
  slots: number;
  startedAt: string;
  seenAt: string;
  /** the runs it executes now */
  runs: Array<{ runId: string; connectionId: string; connection: string; status: string; startedAt: string | null }>;
}

export interface ClusterStatus {
  workers: ClusterWorker[];
  /** active runs whose lease owner is no registered worker (an embedded-mode or CLI process, or one whose row is gone) */
  otherRuns: ClusterWorker['runs'];
  /** runs waiting for a worker (status queued) */
  queued: Array<{ runId: string; connectionId: string; connection: string; createdAt: string }>;
}

/** A worker of this machine whose process no longer exists (read as a lease owner would be: state/runs.ts isStale). */
const processGone = (id: string): boolean => id !== processIdentity() && isStale({ leaseOwner: `${id}-status`, leaseExpiresAt: '9999-12-31T00:00:00.000Z' });

/** Workers seen in the last day, and what each runs now (`lost`: no heartbeat for three periods, or its process is gone from this machine). */
export async function clusterStatus(db: DB, opts: { heartbeatMs?: number; now?: number } = {}): Promise<ClusterStatus> {
  const now = opts.now ?? Date.now();
  const lostAfter = 3 * (opts.heartbeatMs ?? 5000);
  const workers = await db.selectFrom('sync_workers').selectAll().orderBy('started_at').execute();
  const runs = await db
    .selectFrom('runs')
    .leftJoin('connections', 'connections.id', 'runs.connection_id')
    .select(['runs.id', 'runs.connection_id', 'connections.name', 'runs.status', 'runs.lease_owner', 'runs.started_at', 'runs.created_at'])
    .where('runs.status', 'in', [...ACTIVE_STATUSES, 'queued'])
    .orderBy('runs.created_at')
    .execute();
  const out: ClusterWorker[] = workers.map((w) => ({
    id: w.id,
    host: w.host,
    pid: Number(w.pid),
    url: w.url,
    state: w.state !== 'stopped' && (now - Date.parse(w.seen_at) > lostAfter || processGone(w.id)) ? 'lost' : (w.state as WorkerState),
    slots: Number(w.slots),
    startedAt: w.started_at,
    seenAt: w.seen_at,
    runs: [],
  }));
  const otherRuns: ClusterWorker['runs'] = [];
  const queued: ClusterStatus['queued'] = [];
  for (const r of runs) {
    const connection = r.name ?? r.connection_id;
    if (r.status === 'queued') {
      queued.push({ runId: r.id, connectionId: r.connection_id, connection, createdAt: r.created_at });
      continue;
    }
    const entry = { runId: r.id, connectionId: r.connection_id, connection, status: r.status, startedAt: r.started_at };
    const w = r.lease_owner ? out.find((x) => r.lease_owner!.startsWith(`${x.id}-`)) : undefined;
    (w ? w.runs : otherRuns).push(entry);
  }
  return { workers: out, otherRuns, queued };
}
