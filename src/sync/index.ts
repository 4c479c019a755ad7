// The sync room, as the rest of the program uses it: the pipeline of named connections, the
// change-feed trigger, and what the CLI and the API show of runs and objects.
export { SyncPipeline, runPipeline, RunInProgressError, RunStateError, type SyncReport, type PipelineEvent, type ApplyOptions, type SyncPipelineDeps } from './pipeline.js';
export { SyncWorker, realTimers, type Timers, type SyncWorkerOptions, type WorkerEvent } from './triggers/worker.js';
export { effectiveDefinition, compileConnectionMapping, MappingConfigError } from './stages/mapping.js';
export type { ServiceClient, SyncConnection } from './stages/prepare.js';
export * from './views/plan-json.js';
export * from './views/plan-estimate.js';
export * from './views/status.js';
export * from './views/object-status.js';
