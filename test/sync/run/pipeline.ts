// The pipeline driven with a fixed desired state (no directory, no mapping, no adoption): what the
// run, executor and crash tests need. Everything else of a run — claim, observe, plan, store,
// execute, cursor — is the real pipeline.
import type { DesiredState } from '../../../src/domain/desired.js';
import type { Store } from '../../../src/store/store.js';
import type { SyncClient } from '../../../src/sync/executor/index.js';
import { rerun, resumeStale, runPipeline, type PipelineEnv, type RunRequest, type SyncReport } from '../../../src/sync/pipeline.js';
import { mappedState } from '../../../src/sync/stages/map.js';
import type { SyncConnection } from '../../../src/sync/stages/prepare.js';
import { getRun } from '../../../src/sync/state/runs.js';

interface FixedRunOptions extends Omit<PipelineEnv, 'store'>, Pick<RunRequest, 'dryRun' | 'planOptions' | 'resume'> {
  store: Store;
  client: SyncClient;
  connection: SyncConnection;
  desired: DesiredState;
}

/** A full run of a fixed desired state. */
export function runFullSync(o: FixedRunOptions): Promise<SyncReport> {
  const { store, client, connection, desired, dryRun, planOptions, resume, ...env } = o;
  return runPipeline({ store, ...env }, { connection, client }, {
    kind: 'full',
    map: async () => mappedState(structuredClone(desired)),
    ...(dryRun !== undefined ? { dryRun } : {}),
    ...(planOptions ? { planOptions } : {}),
    ...(resume !== undefined ? { resume } : {}),
  });
}

type EnvOptions = Omit<PipelineEnv, 'store'> & { store: Store; client: SyncClient };

/** Finishes the connection's stale runs. */
export function resumeRuns(o: EnvOptions & { connectionId: string }): Promise<SyncReport[]> {
  const { client, connectionId, ...env } = o;
  return resumeStale(env, { connection: { id: connectionId, rootDepartmentId: 0 }, client });
}

async function again(o: EnvOptions & { runId: string }, kind: 'approve' | 'retry'): Promise<SyncReport> {
  const { client, runId, ...env } = o;
  const run = await getRun(env.store.db, runId);
  return rerun(env, { connection: { id: run?.connectionId ?? '?', rootDepartmentId: 0 }, client }, runId, kind);
}

export const approveRun = (o: EnvOptions & { runId: string }): Promise<SyncReport> => again(o, 'approve');
export const retryFailed = (o: EnvOptions & { runId: string }): Promise<SyncReport> => again(o, 'retry');
