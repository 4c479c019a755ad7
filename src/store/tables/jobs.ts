// Table shapes of the job room (migration 0012): the processes executing runs, and the shared
// WeCom budget. Owned by src/jobs.

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

export interface JobTables {
  sync_workers: SyncWorkersTable;
  wecom_budget_slices: WecomBudgetSlicesTable;
}
