export { executeRun, recordsOfPlan, summarize } from './executor.js';
export { withNote } from './report.js';
export type { ExecuteResult, ExecutorEvent, SyncClient } from './executor.js';
