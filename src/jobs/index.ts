// The job room (PostgreSQL deployments): the queue (pg-boss + LISTEN/NOTIFY), the job worker, the
// shared WeCom budget, the plans asked of the workers and the cluster's view of its workers. The
// embedded mode uses none of it.
export { PgJobQueue, PLAN_QUEUE, RUN_QUEUE, type FetchedJob, type JobLane, type JobQueue, type SyncJob } from './queue.js';
export { askForPlan, liveWorkers, type PlanAnswer, type PlanBasis, type PlanMaker, type PlanProblem, type StoredPlan } from './plans.js';
export { JobWorker, sweepTargets, type JobWorkerEvent, type JobWorkerOptions } from './worker.js';
export { PgBudgetLedger, SharedBudget, SharedBudgetGate, grantable, sliceWant, usePeriodMs, type BudgetLedger, type Grant } from './budget.js';
export { WorkerRegistration, clusterStatus, type ClusterStatus, type ClusterWorker } from './registry.js';
