// Run orchestration: (read WeCom's id lists) → plan → store the run → execute. One runner serves
// full runs (every key, id lists read) and scoped runs (incremental: the keys the change feed
// names, no WeCom reads; full runs whose mapping held objects back: every key but the held ones).
// Also: resume runs left behind by a crash, approve held runs, retry failed operations.
//
// Order of a run:
//   0. resume any stale run of the connection first (a crash mid-run is finished, not forgotten)
//   1. claim the connection's run slot (status 'planned', no plan yet): a second start is refused
//   2. read department/simplelist(root) and user/list_id (48009 → continue without, warning)
//   3. load links, plan (pure), store the plan and its operations in one transaction, raising the
//      department id floor to every id seen or chosen
//   4. held (safety threshold) → stop; else running → execute → succeeded / partial / failed
import type { DesiredState } from '../domain/desired.js';
import type { Links } from '../domain/link.js';
import type { Plan, PlanWarning } from '../domain/plan.js';
import { Errcode } from '../wecom/errors/catalog.js';
import { WeComError, WeComTransportError } from '../wecom/errors/wecom-error.js';
import type { Store } from '../store/store.js';
import { planSync } from './planner/index.js';
import type { Observed, ObservedMember, PlannerOptions, PlannerSettings } from './planner/types.js';
import { executeRun, recordsOfPlan, summarize, type ExecuteResult, type ExecutorEvent, type SyncClient } from './executor/executor.js';
import { getCursor, updateCursor } from './state/cursors.js';
import { linksForPlanning, loadLinks } from './state/links.js';
import {
  activeRuns,
  claimRun,
  finishRun,
  getRun,
  isStale,
  loadOperations,
  newOwner,
  reactivateRun,
  RunInProgressError,
  RunStateError,
  startRun,
  storePlan,
  takeOver,
  type RunError,
  type RunKind,
  type RunStatus,
  type RunSummary,
} from './state/runs.js';

export { RunInProgressError, RunStateError };

/** What the sync needs to know of a connection. */
export interface SyncConnection {
  id: string;
  rootDepartmentId: number;
  defaultDepartmentId?: number;
  policies?: Partial<Pick<PlannerSettings, 'onAccountDeleted' | 'onAccountDisabled' | 'onOrganizationDeleted'>>;
  safety?: Partial<PlannerSettings['safety']>;
}

export const DEFAULT_POLICIES: Pick<PlannerSettings, 'onAccountDeleted' | 'onAccountDisabled' | 'onOrganizationDeleted' | 'safety'> = {
  onAccountDeleted: 'disable',
  onAccountDisabled: 'disable',
  onOrganizationDeleted: 'delete',
  safety: { maxDeletes: 100, maxDeletePercent: 20 },
};

export function plannerSettings(c: SyncConnection): PlannerSettings {
  return {
    rootDepartmentId: c.rootDepartmentId,
    ...(c.defaultDepartmentId !== undefined ? { defaultDepartmentId: c.defaultDepartmentId } : {}),
    onAccountDeleted: c.policies?.onAccountDeleted ?? DEFAULT_POLICIES.onAccountDeleted,
    onAccountDisabled: c.policies?.onAccountDisabled ?? DEFAULT_POLICIES.onAccountDisabled,
    onOrganizationDeleted: c.policies?.onOrganizationDeleted ?? DEFAULT_POLICIES.onOrganizationDeleted,
    safety: { ...DEFAULT_POLICIES.safety, ...c.safety },
  };
}

export interface RunnerOptions {
  store: Store;
  client: SyncClient;
  /** Operations in flight at once (default 96; one WeCom API at most half of them). */
  concurrency?: number;
  /** Run lease (default 60 s), renewed while executing; a crashed run is resumable after it (at once on the same host). */
  leaseMs?: number;
  onEvent?: (e: ExecutorEvent | RunnerEvent) => void;
}

export type RunnerEvent = { type: 'run-claimed'; runId: string } | { type: 'plan-stored'; runId: string; operations: number; held: boolean };

export interface SyncRunOptions extends RunnerOptions {
  connection: SyncConnection;
  /** With a scope this may be the whole desired state: the planner only plans the scoped keys. */
  desired: DesiredState;
  /** 'full' (default) or 'incremental'. */
  kind?: RunKind;
  /** Only these keys are planned (see the planner's scope); absent = every key. */
  scope?: { departments: string[]; members: string[] };
  /** Read WeCom's id lists before planning (default true); incremental runs trust the shadows. */
  observe?: boolean;
  planOptions?: Omit<PlannerOptions, 'departmentIdFloor'>;
  /** Plan only: nothing is stored or sent; the plan is returned. */
  dryRun?: boolean;
  /** The directory change-feed sequence `desired` reflects; stored as the cursor when the run succeeds. */
  changeSeq?: number;
  /**
   * Also advance the cursor when the run ended 'partial' and no failure is retryable (data errors
   * such as a duplicate mobile: sending them again cannot help; they stay in the run's report and
   * the next full reconcile tries again). Default false.
   */
  advanceOnDataFailures?: boolean;
  /** An empty plan leaves no run behind (the cursor still advances). Default false. */
  dropEmpty?: boolean;
  /** Finish a stale run of the connection before planning (default true). */
  resume?: boolean;
}

export type FullSyncOptions = Omit<SyncRunOptions, 'kind'>;

export interface RunReport {
  /** null for a dry run */
  runId: string | null;
  status: RunStatus | 'dry-run' | 'taken-over';
  summary: RunSummary;
  warnings: PlanWarning[];
  error: RunError | null;
  /** the plan (dry runs, and runs planned by this call) */
  plan?: Plan;
  /** runs found stale and finished before this one */
  resumed?: RunReport[];
}

// ------------------------------------------------------------------ reading WeCom

export interface ObservedRead {
  observed: Observed;
  warnings: PlanWarning[];
}

function refused(e: unknown): boolean {
  return e instanceof WeComError && e.errcode === Errcode.DetailReadForbidden;
}

/**
 * WeCom's id lists: departments under the root and every member's (userid, department) rows.
 * 48009 on either is not fatal: the plan is made from shadow state, with a warning.
 */
export async function readObserved(client: SyncClient, rootDepartmentId: number): Promise<ObservedRead> {
  const warnings: PlanWarning[] = [];
  const observed: Observed = {};
  // The whole company's department ids (not only the root's subtree): new department ids are
  // chosen above every id seen, so a department outside the root must be known too. The planner
  // acts only on the root's subtree.
  void rootDepartmentId;
  const [d, m] = await Promise.allSettled([client.department.simplelist(), client.user.listAllIds()]);
  if (d.status === 'fulfilled') observed.departments = d.value;
  else if (refused(d.reason))
    warnings.push({ code: 'department-list-refused', message: 'WeCom refused department/simplelist (48009): departments deleted or moved by hand could not be checked' });
  else throw d.reason;
  if (m.status === 'fulfilled') {
    const byUser = new Map<string, ObservedMember>();
    for (const row of m.value) {
      const k = row.userid.toLowerCase();
      const cur = byUser.get(k);
      if (cur) cur.department.push(row.department);
      else byUser.set(k, { userid: row.userid, department: [row.department] });
    }
    observed.members = [...byUser.values()];
  } else if (refused(m.reason))
    warnings.push({ code: 'member-list-refused', message: 'WeCom refused user/list_id (48009): members deleted or moved by hand could not be checked' });
  else throw m.reason;
  return { observed, warnings };
}

function describeError(e: unknown): RunError {
  if (e instanceof WeComError) return { message: e.message, explanation: e.explanation, errcode: e.errcode };
  if (e instanceof WeComTransportError) return { message: e.message };
  return { message: e instanceof Error ? e.message : String(e) };
}

const EMPTY_SUMMARY = (message: string): RunSummary => ({ ...summarize([], null), message });

// ------------------------------------------------------------------ full run

/** A full run: every key, WeCom's id lists read. */
export function runFullSync(opts: FullSyncOptions): Promise<RunReport> {
  return runSync({ ...opts, kind: 'full' });
}

export async function runSync(opts: SyncRunOptions): Promise<RunReport> {
  const { store, client, connection, desired } = opts;
  const kind = opts.kind ?? 'full';
  const observe = opts.observe ?? true;
  const read = async (): Promise<ObservedRead> => (observe ? readObserved(client, connection.rootDepartmentId) : { observed: {}, warnings: [] });

  if (opts.dryRun) {
    const { observed, warnings } = await read();
    const plan = await planRun(store, connection, desired, observed, opts.scope, opts.planOptions, warnings);
    return {
      runId: null,
      status: 'dry-run',
      summary: { ...EMPTY_SUMMARY(plan.operations.length === 0 ? 'nothing to do: WeCom already matches the directory' : `${plan.operations.length} operations planned`), total: plan.operations.length, pending: plan.operations.length, byKind: { ...plan.summary.byKind } },
      warnings: plan.warnings,
      error: null,
      plan,
    };
  }

  // a run left active by a crashed process is finished first; a live one makes this call fail
  // with RunInProgressError
  const resumed = opts.resume === false ? [] : await resumeRuns({ ...opts, connectionId: connection.id });
  const owner = newOwner();
  const leaseMs = opts.leaseMs ?? 60_000;
  const runId = await claimRun(store, connection.id, kind, owner, leaseMs);
  opts.onEvent?.({ type: 'run-claimed', runId });

  let plan: Plan;
  try {
    const { observed, warnings } = await read();
    plan = await planRun(store, connection, desired, observed, opts.scope, opts.planOptions, warnings);
    if (opts.dropEmpty && plan.operations.length === 0 && plan.unlinks.length === 0) {
      const seq = opts.changeSeq;
      await store.write(async (trx) => {
        await trx.deleteFrom('runs').where('id', '=', runId).execute();
        if (seq !== undefined) await updateCursor(trx, connection.id, { lastChangeSeq: seq });
      });
      return { runId: null, status: 'succeeded', summary: EMPTY_SUMMARY('nothing to do: WeCom already matches the directory'), warnings: plan.warnings, error: null, plan, resumed };
    }
    const held = plan.safety.exceeded;
    const floor = Math.max(
      0,
      ...(observed.departments ?? []).map((d) => d.id),
      ...plan.operations.flatMap((op) => (op.kind === 'department.create' ? [op.body.id] : [])),
    );
    await store.write(async (trx) => {
      await storePlan(store, trx, runId, plan, held);
      if (kind === 'full') {
        // an older plan waiting for approval is superseded by a full one
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
      return { runId, status: 'held', summary, warnings: plan.warnings, error: null, plan, resumed };
    }
  } catch (e) {
    // nothing was sent: the run failed while reading WeCom or planning
    const error = describeError(e);
    await store.write((trx) => finishRun(trx, runId, 'failed', null, error)).catch(() => {});
    return { runId, status: 'failed', summary: EMPTY_SUMMARY(`failed before any change: ${error.message}`), warnings: [], error, resumed };
  }

  // the operations as just stored with the run started (no read back)
  const result = await executeRun({ store, client, runId, owner, operations: recordsOfPlan(runId, plan), ...exec(opts) });
  const advance =
    result.status === 'succeeded' ||
    (opts.advanceOnDataFailures === true && result.status === 'partial' && result.summary.retryable === 0 && result.summary.pending === 0 && result.error === null);
  if (advance && opts.changeSeq !== undefined) {
    const seq = opts.changeSeq;
    await store.write((trx) => updateCursor(trx, connection.id, { lastChangeSeq: seq }));
  }
  return { ...report(result, plan.warnings), plan, resumed };
}

/**
 * Plans with the stored links and the cursor's department id floor; `extraLinks` (links about to be
 * adopted, not stored yet) replace stored ones with the same key.
 */
export async function planRun(
  store: Store,
  connection: SyncConnection,
  desired: DesiredState,
  observed: Observed,
  scope: SyncRunOptions['scope'] | undefined,
  planOptions: SyncRunOptions['planOptions'],
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

function exec(o: RunnerOptions): { concurrency?: number; leaseMs?: number; onEvent?: (e: ExecutorEvent) => void } {
  return {
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
    ...(o.leaseMs !== undefined ? { leaseMs: o.leaseMs } : {}),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
  };
}

function report(r: ExecuteResult, warnings: PlanWarning[]): RunReport {
  return { runId: r.runId, status: r.status, summary: r.summary, warnings, error: r.error };
}

// ------------------------------------------------------------------ resume, approve, retry

/**
 * Finishes the connection's runs left active by a crashed or killed process: a run that was still
 * planning (no plan stored; nothing was sent) is marked failed; a run with a plan is executed to
 * its end (operations found 'running' are sent again as uncertain). A run whose executor is alive
 * is refused with RunInProgressError.
 */
export async function resumeRuns(opts: RunnerOptions & { connectionId: string }): Promise<RunReport[]> {
  const { store } = opts;
  const out: RunReport[] = [];
  for (const run of await activeRuns(store.db, opts.connectionId)) {
    if (!isStale(run)) throw new RunInProgressError(run.connectionId, run.id, run.leaseOwner);
    const owner = newOwner();
    const leaseMs = opts.leaseMs ?? 60_000;
    const taken = await takeOver(store, run.id, owner, leaseMs);
    if (!taken) throw new RunInProgressError(run.connectionId, run.id, null);
    if (taken.plan === null) {
      const error: RunError = { message: 'interrupted while reading WeCom or planning (no operation was sent)' };
      await store.write((trx) => finishRun(trx, run.id, 'failed', null, error));
      out.push({ runId: run.id, status: 'failed', summary: EMPTY_SUMMARY(error.message), warnings: [], error });
      continue;
    }
    await store.write((trx) => startRun(trx, run.id, owner, leaseMs));
    const result = await executeRun({ store, client: opts.client, runId: run.id, owner, ...exec(opts) });
    out.push(report(result, taken.plan.warnings));
  }
  return out;
}

/** Executes a run held by the safety threshold. */
export async function approveRun(opts: RunnerOptions & { runId: string }): Promise<RunReport> {
  const owner = newOwner();
  const run = await reactivateRun(opts.store, opts.runId, ['held'], owner, opts.leaseMs ?? 60_000, false);
  const result = await executeRun({ store: opts.store, client: opts.client, runId: opts.runId, owner, ...exec(opts) });
  return report(result, run.plan?.warnings ?? []);
}

/**
 * Sends a finished run's failed operations again (and those skipped because of them or an abort),
 * in dependency order. Creates whose earlier attempt may have been applied are recognised by their
 * pending links.
 */
export async function retryFailed(opts: RunnerOptions & { runId: string }): Promise<RunReport> {
  const owner = newOwner();
  const run = await reactivateRun(opts.store, opts.runId, ['partial', 'failed'], owner, opts.leaseMs ?? 60_000, true);
  const result = await executeRun({ store: opts.store, client: opts.client, runId: opts.runId, owner, ...exec(opts) });
  return report(result, run.plan?.warnings ?? []);
}

export { getRun };
