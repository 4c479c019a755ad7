// Table shapes of the job room (migrations 0012, 0015): the processes executing runs, the shared
// WeCom budget, and the plans asked of the workers. Owned by src/jobs.

/** One `worker` (or `serve` hosting a worker) process. */
export interface SyncWorkersTable {
  /** host:pid:instance, the prefix of every lease owner this process writes on runs */
  id: string;
  host: string;
  pid: number;
  /** where its /metrics and /readyz answer, when it listens */
  url: string | null;
  /** 'running' | 'draining' | 'stopped' */
  state: string;
  /** runs it executes at once */
  slots: number;
  started_at: string;
  /** last heartbeat (ISO) */
  seen_at: string;
}

/** Calls of one company's API reserved by a process in one window (src/jobs/budget.ts). */
export interface WecomBudgetSlicesTable {
  id: string;
  corp_id: string;
  api: string;
  window_ms: number;
  /** calls reserved; lowered to the calls made once the slice is settled */
  calls: number;
  /** database clock, epoch ms */
  granted_at: number;
  /** until when the slice counts in its window (database clock, epoch ms) */
  held_until: number;
  owner: string;
}

/** A plan (dry run) asked of the workers by a process that calls no WeCom API (migration 0015, src/jobs/plans.ts). */
export interface PlanRequestsTable {
  id: string;
  connection_id: string;
  /** 'waiting' | 'planning' | 'done' | 'failed' | 'expired' */
  status: string;
  requested_at: string;
  /** the directory's latest change sequence when last requested */
  change_seq: number;
  /** the connection's version when last requested */
  connection_version: number;
  /** ISO: no worker starts the request after this */
  wanted_until: string;
  /** the worker process that claimed it */
  worker: string | null;
  started_at: string | null;
  finished_at: string | null;
  /** done: the plan, language-neutral (JSON) */
  result: string | null;
  /** failed: the problem to answer (JSON) */
  error: string | null;
}

export interface JobTables {
  sync_workers: SyncWorkersTable;
  wecom_budget_slices: WecomBudgetSlicesTable;
  plan_requests: PlanRequestsTable;
}
