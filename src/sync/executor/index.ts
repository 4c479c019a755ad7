export { executeRun, recordsOfPlan, summarize, finalStatus } from './executor.js';
export type { ExecuteResult, ExecutorEvent, SyncClient } from './executor.js';
