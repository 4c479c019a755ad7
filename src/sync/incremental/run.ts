// A scoped run: the run machinery of src/sync/run.ts (claim → plan → store → execute) with the
// planner's `scope`, which runFullSync does not take. Used for
//   - incremental runs (kind 'incremental'): only the keys named by the change feed, no WeCom
//     reads (the planner trusts the shadow state), the cursor advanced after success;
//   - full runs whose mapping held objects back (kind 'full', observed lists read): every key
//     except the held ones, so a held object is never treated as deleted.
// Everything is done through the exported pieces of the run machinery; only the orchestration
// (which runFullSync keeps private) is repeated here, with the scope added.
import type { DesiredState } from '../../domain/desired.js';
import type { Links } from '../../domain/link.js';
import type { Plan, PlanWarning } from '../../domain/plan.js';
import type { Store } from '../../store/store.js';
import { WeComError, WeComTransportError } from '../../wecom/errors/wecom-error.js';
import { executeRun, summarize, type ExecutorEvent, type SyncClient } from '../executor/executor.js';
import { planSync } from '../planner/index.js';
import type { Observed, PlannerOptions } from '../planner/types.js';
import { plannerSettings, readObserved, resumeRuns, type RunReport, type RunnerEvent, type SyncConnection } from '../run.js';
import { getCursor, updateCursor } from '../state/cursors.js';
import { linksForPlanning, loadLinks } from '../state/links.js';
import { claimRun, finishRun, loadOperations, newOwner, startRun, storePlan, type RunError, type RunKind, type RunSummary } from '../state/runs.js';

export interface ScopedSyncOptions {
  store: Store;
  client: SyncClient;
  connection: SyncConnection;
  /** May be the whole desired state: the planner only plans the keys in `scope`. */
  desired: DesiredState;
  scope: { departments: string[]; members: string[] };
  kind: RunKind;
  /** Read WeCom's id lists before planning (full runs); incremental runs trust the shadows. */
  observe: boolean;
  /** The change-feed sequence the desired state reflects; becomes the cursor when the run succeeds. */
  changeSeq?: number;
  /**
   * Also advance the cursor when the run ended 'partial' and no failure is retryable (data errors
   * such as a duplicate mobile: sending them again cannot help; they stay in the run's report and
   * the next full reconcile tries again). Default false.
   */
  advanceOnDataFailures?: boolean;
  /** An empty plan leaves no run behind (the cursor still advances). Default false. */
  dropEmpty?: boolean;
  planOptions?: Omit<PlannerOptions, 'departmentIdFloor'>;
  concurrency?: number;
  leaseMs?: number;
  onEvent?: (e: ExecutorEvent | RunnerEvent) => void;
}

function describeError(e: unknown): RunError {
  if (e instanceof WeComError) return { message: e.message, explanation: e.explanation, errcode: e.errcode };
  if (e instanceof WeComTransportError) return { message: e.message };
  return { message: e instanceof Error ? e.message : String(e) };
}

const emptySummary = (message: string): RunSummary => ({ ...summarize([], null), message });

/** Plans with the stored links and cursor floor (the same inputs runFullSync plans with), plus the scope. */
export async function planScoped(
  store: Store,
  connection: SyncConnection,
  desired: DesiredState,
  observed: Observed,
  scope: ScopedSyncOptions['scope'] | undefined,
  planOptions: ScopedSyncOptions['planOptions'],
  extraWarnings: PlanWarning[] = [],
  extraLinks?: Links,
): Promise<Plan> {
  const [stored, cursor] = await Promise.all([loadLinks(store.db, connection.id), getCursor(store.db, connection.id)]);
  const links = linksForPlanning(stored);
  if (extraLinks) {
    const dk = new Set(extraLinks.departments.map((l) => l.key));
    const mk = new Set(extraLinks.members.map((l) => l.key));
    links.departments = [...links.departments.filter((l) => !dk.has(l.key)), ...extraLinks.departments];
    links.members = [...links.members.filter((l) => !mk.has(l.key)), ...extraLinks.members];
  }
  const plan = planSync({
    desired,
    links,
    observed,
    settings: plannerSettings(connection),
    options: { ...planOptions, departmentIdFloor: cursor.departmentIdFloor },
    ...(scope ? { scope } : {}),
  });
  plan.warnings = [...extraWarnings, ...plan.warnings];
  return plan;
}

export async function runScopedSync(opts: ScopedSyncOptions): Promise<RunReport> {
  const { store, client, connection } = opts;
  // a run left active by a crashed process is finished first (as runFullSync does); a live one
  // makes this call fail with RunInProgressError
  await resumeRuns({ store, client, connectionId: connection.id, ...(opts.leaseMs !== undefined ? { leaseMs: opts.leaseMs } : {}) });
  const owner = newOwner();
  const leaseMs = opts.leaseMs ?? 60_000;
  const runId = await claimRun(store, connection.id, opts.kind, owner, leaseMs);
  opts.onEvent?.({ type: 'run-claimed', runId });

  let plan: Plan;
  try {
    let observed: Observed = {};
    let warnings: PlanWarning[] = [];
    if (opts.observe) ({ observed, warnings } = await readObserved(client, connection.rootDepartmentId));
    plan = await planScoped(store, connection, opts.desired, observed, opts.scope, opts.planOptions, warnings);
    if (opts.dropEmpty && plan.operations.length === 0 && plan.unlinks.length === 0) {
      const seq = opts.changeSeq;
      await store.write(async (trx) => {
        await trx.deleteFrom('runs').where('id', '=', runId).execute();
        if (seq !== undefined) await updateCursor(trx, connection.id, { lastChangeSeq: seq });
      });
      return { runId: null, status: 'succeeded', summary: emptySummary('nothing to do: WeCom already matches the directory'), warnings: plan.warnings, error: null, plan };
    }
    const held = plan.safety.exceeded;
    const floor = Math.max(
      0,
      ...(observed.departments ?? []).map((d) => d.id),
      ...plan.operations.flatMap((op) => (op.kind === 'department.create' ? [op.body.id] : [])),
    );
    await store.write(async (trx) => {
      await storePlan(store, trx, runId, plan, held);
      if (opts.kind === 'full') {
        // as in runFullSync: an older plan waiting for approval is superseded by a full one
        const at = new Date().toISOString();
        await trx
          .updateTable('runs')
          .set({ status: 'cancelled', error: JSON.stringify({ message: `superseded by run ${runId}` }), finished_at: at, updated_at: at })
          .where('connection_id', '=', connection.id)
          .where('status', '=', 'held')
          .where('id', '!=', runId)
          .execute();
      }
      await updateCursor(trx, connection.id, { departmentIdFloor: floor });
      if (!held) await startRun(trx, runId, owner, leaseMs);
    });
    opts.onEvent?.({ type: 'plan-stored', runId, operations: plan.operations.length, held });
    if (held) {
      const summary = summarize(await loadOperations(store.db, runId), null);
      summary.message = `held for approval: ${plan.safety.deletes} deletes and ${plan.safety.disables} disables exceed the safety threshold (${plan.safety.limit.maxDeletes} objects or ${plan.safety.limit.maxDeletePercent}%)`;
      return { runId, status: 'held', summary, warnings: plan.warnings, error: null, plan };
    }
  } catch (e) {
    const error = describeError(e);
    await store.write((trx) => finishRun(trx, runId, 'failed', null, error)).catch(() => {});
    return { runId, status: 'failed', summary: emptySummary(`failed before any change: ${error.message}`), warnings: [], error };
  }

  const result = await executeRun({
    store,
    client,
    runId,
    owner,
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(opts.leaseMs !== undefined ? { leaseMs: opts.leaseMs } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
  });
  const advance =
    result.status === 'succeeded' ||
    (opts.advanceOnDataFailures === true && result.status === 'partial' && result.summary.retryable === 0 && result.summary.pending === 0 && result.error === null);
  if (advance && opts.changeSeq !== undefined) {
    const seq = opts.changeSeq;
    await store.write((trx) => updateCursor(trx, connection.id, { lastChangeSeq: seq }));
  }
  return { runId: result.runId, status: result.status, summary: result.summary, warnings: plan.warnings, error: result.error, plan };
}
