// The sync room, as the rest of the program uses it: the pipeline of named connections, the
// change-feed trigger, and what the CLI and the API show of runs and objects.
export { SyncPipeline, RunInProgressError, type SyncReport } from './pipeline.js';
export { SyncWorker, type WorkerEvent } from './triggers/worker.js';
export type { ServiceClient } from './stages/prepare.js';
export * from './views/plan-json.js';
export * from './views/subjects.js';
export * from './views/texts.js';
export * from './views/plan-estimate.js';
export * from './views/status.js';
export * from './views/object-status.js';
export * from './views/orphans.js';
