export { executeRun, recordsOfPlan, summarize } from './executor.js';
export type { ExecuteResult, ExecutorEvent, SyncClient } from './executor.js';
