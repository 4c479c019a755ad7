export { executeRun, recordsOfPlan, summarize, finalStatus } from './executor.js';
export type { ExecuteOptions, ExecuteResult, ExecutorEvent, SyncClient } from './executor.js';
