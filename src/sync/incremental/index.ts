// Incremental sync: change feed → affected keys → scoped run; the SyncWorker that drives it.
export { affectedKeys, collectAffected, type AffectedKeys, type AffectedInput } from './affected.js';
export { runScopedSync, planScoped, type ScopedSyncOptions } from './run.js';
export { SyncWorker, realTimers, type Timers, type SyncWorkerOptions, type WorkerEvent } from './worker.js';
