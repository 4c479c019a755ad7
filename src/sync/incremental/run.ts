// Scoped runs (incremental: the keys the change feed names, no WeCom reads; full runs whose
// mapping held objects back: every key but the held ones) are runs of the one runner in
// ../run.ts with a scope; these names are kept for the incremental module's callers.
import type { SyncRunOptions } from '../run.js';

export { runSync as runScopedSync, planRun as planScoped } from '../run.js';

export type ScopedSyncOptions = SyncRunOptions & Required<Pick<SyncRunOptions, 'scope' | 'kind' | 'observe'>>;
