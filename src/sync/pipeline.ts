// The one sync pipeline. Every run — a full reconcile, an incremental run from the change feed, a
// dry-run plan — goes through runPipeline, whose stages each live in ./stages:
//
//   prepare   connection → planner settings, compiled mapping, WeCom client   (stages/prepare.ts; by SyncPipeline)
//   claim     finish a run a crash left behind, then take the connection's run slot (state/runs.ts)
//   map       directory → desired WeCom departments and members               (stages/map.ts → mapping/)
//   observe   WeCom's id lists, read once (full runs)                          (stages/observe.ts)
//   adopt     existing WeCom objects linked instead of created (full runs)     (stages/adopt.ts)
//   plan      desired + links + observed → ordered operations with reasons     (stages/plan.ts → planner/, pure)
//   store     plan, adopted links, id floor: one transaction, before any call   (stages/store.ts → state/)
//   execute   each operation → one WeCom call → its recorded result            (executor/)
//   advance   the change-feed cursor, once the run covered the changes         (state/cursors.ts)
//
// The links and the cursor are loaded once, after the claim (nothing else changes them while the
// run slot is held), and carried from stage to stage. SyncPipeline is what the CLI, the REST API,
// the worker and the demo call: it prepares a connection and builds the run's request (full,
// incremental, dry run), and runs held or failed runs again (approve, retry).
import type { Change } from '../domain/change.js';
import type { Plan, PlanWarning } from '../domain/plan.js';
import type { Directory } from '../directory/directory.js';
import type { MappingProblem } from '../mapping/definitions/index.js';
import type { Store } from '../store/store.js';
import type { WeComClientOptions } from '../wecom/index.js';
import { WeComError, WeComTransportError } from '../wecom/errors/wecom-error.js';
import { executeRun, recordsOfPlan, summarize, withNote, type ExecuteResult, type ExecutorEvent } from './executor/index.js';
import { coded, msg } from '../messages/index.js';
import type { PlannerInput, PlannerOptions } from './planner/types.js';
import { getCursor, updateCursor, type SyncCursor } from './state/cursors.js';
import { creatorUserids } from './state/creators.js';
import { DepartmentIdsTakenError, departmentIdMark, newDepartmentIds } from './state/department-ids.js';
import { loadLinks, type StoredLinks } from './state/links.js';
import {
  activeRuns,
  cancelRun,
  claimQueuedRun,
  claimRun,
  failUnplannedRun,
  finishRun,
  getRun,
  isStale,
  markOwnerActive,
  newOwner,
  reactivateRun,
  renewLease,
  RunInProgressError,
  RunStateError,
  startRun,
  takeOver,
  unfinishedRunIds,
  type RunError,
  type RunKind,
  type RunStatus,
  type RunSummary,
} from './state/runs.js';
import { purgeConnectionState } from './state/purge.js';
import { adopt, adoptedLinks, NO_ADOPTION, type Adoption } from './stages/adopt.js';
import { scanOrphans, type OrphanScan } from './stages/orphans.js';
import { listDecisions, removalsDone } from './state/orphans.js';
import { orphanOperationKey } from './planner/orphans.js';
import type { Links } from '../domain/link.js';
import { changesBetween, mapChanges, mapFull, type MappedDirectory } from './stages/map.js';
import { mappingFingerprint } from './stages/mapping.js';
import { NOT_OBSERVED, observe, type ObservedRead } from './stages/observe.js';
import { labelMappingChanges, planRun, releaseCandidates } from './stages/plan.js';
import { Preparer, type ConnectionSource, type PreparedConnection, type ServiceClient, type SyncTarget } from './stages/prepare.js';
import { storeRun, type ClaimedRun, type StoreInput, type Stored } from './stages/store.js';

export { RunInProgressError };

export type PipelineEvent =
  | ExecutorEvent
  | { type: 'run-claimed'; runId: string }
  | { type: 'plan-stored'; runId: string; operations: number; held: boolean };

/** What every run shares: the store, execution settings, and who listens. */
export interface PipelineEnv {
  store: Store;
  /** Operations in flight at once (default: the executor's). */
  concurrency?: number;
  /** Run lease (default 60 s), renewed while executing; a crashed run is resumable after it (at once on the same host). */
  leaseMs?: number;
  onEvent?: (e: PipelineEvent) => void;
  now?: () => Date;
  /** Aborted at shutdown: executions hand their runs back once the calls in flight are recorded (executor's `drain`). */
  drain?: AbortSignal;
  /**
   * How to plan again, under its id, a run a crashed process left before its plan was stored (it
   * was reading WeCom or planning: nothing was sent). Absent: such a run is recorded failed.
   */
  replan?: (kind: RunKind) => Promise<RunRequest>;
}

/** One run's request: its kind and how each optional stage behaves. */
export interface RunRequest {
  kind: RunKind;
  /** Stage "map": the desired state, produced once the run slot is held. */
  map: () => Promise<MappedDirectory>;
  /** Read WeCom's id lists (default: full runs). Incremental runs trust the shadow state. */
  observe?: boolean;
  /** Adopt existing WeCom objects by the mapping's matching rules (default: full runs). */
  adopt?: boolean;
  /**
   * Incremental runs: which of these linked keys belong to directory objects that are deleted
   * (asked only about links a new object may take over: a re-hire). Absent: none is known deleted.
   */
  deleted?: (keys: { departments: string[]; members: string[] }) => Promise<{ departments: string[]; members: string[] }>;
  /** Plan only: nothing is claimed, stored or sent. */
  dryRun?: boolean;
  planOptions?: Omit<PlannerOptions, 'departmentIdFloor'>;
  /**
   * Also advance the cursor when the run ended 'partial' and no failure is retryable (data errors
   * such as a duplicate mobile: sending them again cannot help; they stay in the run's report and
   * the next full reconcile tries again). Default false.
   */
  advanceOnDataFailures?: boolean;
  /** An empty plan leaves no run behind (the cursor still advances). Default false. */
  dropEmpty?: boolean;
  /** Finish a stale run of the connection before claiming (default true). */
  resume?: boolean;
  /** Execute this queued run (state/runs.ts queueRun) under its id instead of claiming a new one. */
  runId?: string;
  /**
   * Full runs: the fingerprint of the connection's mapping (stages/mapping.ts) and the change
   * feed. When it differs from the one the last full run applied, updates the directory did not
   * cause are labelled "mapping changed"; a run that executes records it as applied.
   */
  mapping?: { fingerprint: string; changesBetween: (after: number, upTo: number) => Promise<Change[] | null> };
}

export type ReportKind = 'dry-run' | 'full' | 'incremental' | 'approve' | 'retry' | 'resume';

export interface SyncReport {
  connection: { id: string; name: string };
  kind: ReportKind;
  /** null for a dry run, and for an incremental run that found nothing to do */
  runId: string | null;
  /** 'taken-over': this process lost the run's lease; another executor finishes it. */
  status: RunStatus | 'dry-run' | 'taken-over';
  summary: RunSummary;
  warnings: PlanWarning[];
  error: RunError | null;
  /** The plan (dry runs, and runs planned by this call). */
  plan?: Plan;
  /** Per-object mapping problems (never dropped silently): objects left out, fields omitted. */
  problems: MappingProblem[];
  /** Existing WeCom objects adopted (linked) instead of created. */
  adopted: Adoption;
  /** The change-feed sequence the run reflects. */
  changeSeq?: number;
  /** Runs found stale and finished before this one. */
  resumed?: SyncReport[];
  /** The error that stopped the run before anything was sent (status 'failed'); kept in memory only. */
  cause?: unknown;
}

// ------------------------------------------------------------------ the pipeline

/** What the stages before "store" produced. */
interface Planned {
  mapped: MappedDirectory;
  observed: ObservedRead;
  state: { links: StoredLinks; cursor: SyncCursor; creators: string[]; corpMark: number };
  adoption: Adoption;
  plan: Plan;
  /** Full runs that read a list: what no link owns. */
  orphans?: OrphanScan;
}

export async function runPipeline(env: PipelineEnv, target: SyncTarget, request: RunRequest): Promise<SyncReport> {
  if (request.dryRun) return plannedReport(target, 'dry-run', await makePlan(env, target, request), { runId: null, status: 'dry-run' });
  const resumed = request.resume === false ? [] : await resumeStale(env, target);
  const run = await claim(env, target, request.kind, request.runId);
  return { ...(await planAndExecute(env, target, request, run)), resumed };
}

/** The stages after the claim (map → … → advance) for a run this process holds: claimed, or taken over before its plan was stored. */
async function planAndExecute(env: PipelineEnv, target: SyncTarget, request: RunRequest, run: ClaimedRun): Promise<SyncReport> {
  try {
    let planned: Planned;
    let stored: Stored;
    try {
      ({ planned, stored } = await holdingLease(env.store, run, () => planAndStore(env, target, request, run)));
    } catch (e) {
      return { ...(await failBeforeSending(env.store, run, e)), connection: nameOf(target), kind: request.kind };
    }
    env.onEvent?.({ type: 'plan-stored', runId: run.runId, operations: planned.plan.operations.length, held: stored === 'held' });
    if (stored !== 'started') return plannedReport(target, request.kind, planned, notExecuted(run, stored, planned.plan));

    const result = await executeRun({ ...execution(env), client: target.client, runId: run.runId, owner: run.owner, operations: recordsOfPlan(run.runId, planned.plan), links: linksAfterAdoption(planned) });
    await advanceCursor(env.store, target.connection.id, request, result, planned.mapped.changeSeq);
    await recordMappingApplied(env.store, target.connection.id, request, result);
    return plannedReport(target, request.kind, planned, result);
  } finally {
    markOwnerActive(run.owner, false);
  }
}

/**
 * Stages map … store. When another run of the company reserved department ids this plan chose
 * (state/department-ids.ts) nothing was stored: plan again above the new mark (a few times: each
 * retry means another run stored a plan meanwhile).
 */
async function planAndStore(env: PipelineEnv, target: SyncTarget, request: RunRequest, run: ClaimedRun): Promise<{ planned: Planned; stored: Stored }> {
  for (let attempt = 1; ; attempt++) {
    const p = await makePlan(env, target, request);
    try {
      const { corpId } = target.connection;
      const reserve = corpId !== undefined ? { corpId, ids: newDepartmentIds(p.plan, p.state.links.departments) } : undefined;
      return { planned: p, stored: await storeRun(env.store, run, { ...storeInput(env, request, p), ...(reserve ? { reserve } : {}) }) };
    } catch (e) {
      if (!(e instanceof DepartmentIdsTakenError) || attempt >= 5) throw e;
    }
  }
}

/** map → observe (once) → links and cursor (once) → adopt → plan. */
async function makePlan(env: PipelineEnv, target: SyncTarget, request: RunRequest): Promise<Planned> {
  const full = request.kind === 'full';
  const mapped = await request.map();
  const observed = (request.observe ?? full) ? await observe(target.client) : NOT_OBSERVED;
  const state = await loadState(env.store, target.connection);
  const adoption =
    (request.adopt ?? full) && target.matching
      ? await adopt({ client: target.client, rootDepartmentId: target.connection.rootDepartmentId, rules: target.matching, mapped, observed: observed.observed, links: state.links })
      : NO_ADOPTION;
  const candidates = request.deleted ? releaseCandidates(mapped, state.links, target.matching) : undefined;
  const released = candidates && candidates.departments.length + candidates.members.length > 0 ? await request.deleted!(candidates) : undefined;
  const removals = full && observed !== NOT_OBSERVED ? await orphanRemovals(env.store, target.connection.id) : undefined;
  const plan = planRun({
    connection: target.connection, mapped, observed, ...state, adoption,
    ...(removals ? { orphanRemovals: removals } : {}),
    ...(request.planOptions ? { options: request.planOptions } : {}),
    ...(target.matching ? { matching: target.matching } : {}),
    ...(released ? { released } : {}),
  });
  await labelMappingChange(request, state.cursor, mapped, plan);
  // every full run that tried the lists records what they showed (also that WeCom refused them: 48009)
  const orphans = full && observed !== NOT_OBSERVED ? scanOrphans({
    observed: observed.observed, links: withAdopted(state.links, adoption), desired: mapped.desired, held: mapped.held,
    ...(plan.relinks ? { relinks: plan.relinks } : {}), rootDepartmentId: target.connection.rootDepartmentId,
  }) : undefined;
  return { mapped, observed, state, adoption, plan, ...(orphans ? { orphans } : {}) };
}

/** The removals admins requested (orphan decisions 'delete') and not yet carried out, for the planner. */
async function orphanRemovals(store: Store, connectionId: string): Promise<NonNullable<PlannerInput['orphanRemovals']>> {
  const requested = (await listDecisions(store.db, connectionId)).filter((d) => d.decision === 'delete');
  const done = await removalsDone(store.db, connectionId, requested.map((d) => orphanOperationKey(d.type, d.wecomId)));
  const decisions = requested.filter((d) => (done.get(orphanOperationKey(d.type, d.wecomId))?.at ?? '') < d.at);
  return {
    members: decisions.filter((d) => d.type === 'member').map((d) => ({ userid: d.wecomId, by: d.by, at: d.at })),
    departments: decisions.filter((d) => d.type === 'department').map((d) => ({ departmentId: Number(d.wecomId), by: d.by, at: d.at })),
  };
}

/** The stored links with the adopted ones (every state: a pending create owns its id too). */
function withAdopted(links: StoredLinks, adoption: Adoption): Links {
  const adopted = adoptedLinks(adoption);
  const mk = new Set(adopted.members.map((l) => l.key));
  const dk = new Set(adopted.departments.map((l) => l.key));
  return {
    departments: [...links.departments.filter((l) => !dk.has(l.key)), ...adopted.departments],
    members: [...links.members.filter((l) => !mk.has(l.key)), ...adopted.members],
  };
}

/** A full run after a saved mapping change: the updates the directory did not cause say "mapping changed". */
async function labelMappingChange(request: RunRequest, cursor: SyncCursor, mapped: MappedDirectory, plan: Plan): Promise<void> {
  const m = request.mapping;
  if (!m || request.kind !== 'full' || cursor.mappingHash === null || cursor.mappingHash === m.fingerprint) return;
  if (cursor.lastChangeSeq === null || mapped.changeSeq === undefined) return;
  // a directory too far behind to read its changes: the reasons stay "changed in directory"
  const changes = await m.changesBetween(cursor.lastChangeSeq, mapped.changeSeq);
  if (changes) labelMappingChanges(plan, new Set(changes.map((c) => c.objectId)));
}

function storeInput(env: PipelineEnv, request: RunRequest, p: Planned): StoreInput {
  return {
    plan: p.plan,
    adoption: p.adoption,
    observed: p.observed.observed,
    ...(p.mapped.affected ? { plannedAccounts: [...p.mapped.affected.accounts] } : {}),
    now: (env.now?.() ?? new Date()).toISOString(),
    ...(request.dropEmpty ? { dropEmptyAt: p.mapped.changeSeq ?? null } : {}),
    ...(p.orphans ? { orphanScan: p.orphans } : {}),
  };
}

/** Finishes the connection's runs a crashed process left active; a live one is refused (RunInProgressError). */
export async function resumeStale(env: PipelineEnv, target: SyncTarget): Promise<SyncReport[]> {
  const out: SyncReport[] = [];
  for (const run of await activeRuns(env.store.db, target.connection.id)) {
    if (!isStale(run)) throw new RunInProgressError(run.connectionId, run.id, run.leaseOwner);
    const owner = newOwner();
    const leaseMs = env.leaseMs ?? 60_000;
    const taken = await takeOver(env.store, run.id, owner, leaseMs);
    if (!taken) throw new RunInProgressError(run.connectionId, run.id, null);
    const base = { connection: nameOf(target), kind: 'resume' as const, problems: [], adopted: NO_ADOPTION };
    if (taken.plan === null && env.replan) {
      // it was still reading WeCom or planning: nothing was sent; planned again under its id
      markOwnerActive(owner, true);
      const request = await env.replan(taken.kind).catch((e: unknown) => {
        markOwnerActive(owner, false);
        throw e;
      });
      const report = await planAndExecute(env, target, request, { runId: run.id, owner, kind: taken.kind, connectionId: run.connectionId, leaseMs });
      out.push({ ...report, kind: 'resume' });
      continue;
    }
    if (taken.plan === null) {
      // it was still reading WeCom or planning: nothing was sent
      const error: RunError = { message: 'interrupted while reading WeCom or planning (no operation was sent)' };
      await env.store.write((trx) => finishRun(trx, run.id, 'failed', null, error));
      out.push({ ...base, runId: run.id, status: 'failed', summary: noteSummary(error.message), warnings: [], error });
      continue;
    }
    await env.store.write((trx) => startRun(trx, run.id, owner, leaseMs));
    const result = await executeRun({ ...execution(env), client: target.client, runId: run.id, owner });
    out.push({ ...base, ...executed(result), warnings: taken.plan.warnings });
  }
  return out;
}

/** Executes a stored run again: a held one (approve) or a finished one's failed operations (retry). */
export async function rerun(env: PipelineEnv, target: SyncTarget, runId: string, kind: 'approve' | 'retry'): Promise<SyncReport> {
  const existing = await getRun(env.store.db, runId);
  if (existing?.connectionId !== target.connection.id) throw new RunStateError(coded('error.run-other-connection', { run: runId, connection: nameOf(target).name }));
  const owner = newOwner();
  const from: RunStatus[] = kind === 'approve' ? ['held'] : ['partial', 'failed'];
  const run = await reactivateRun(env.store, runId, from, owner, env.leaseMs ?? 60_000, kind === 'retry');
  const result = await executeRun({ ...execution(env), client: target.client, runId, owner });
  return { connection: nameOf(target), kind, ...executed(result), warnings: run.plan?.warnings ?? [], problems: [], adopted: NO_ADOPTION };
}

// ------------------------------------------------------------------ stage helpers

async function claim(env: PipelineEnv, target: SyncTarget, kind: RunKind, queued?: string): Promise<ClaimedRun> {
  const owner = newOwner();
  const leaseMs = env.leaseMs ?? 60_000;
  let runId: string;
  if (queued === undefined) runId = await claimRun(env.store, target.connection.id, kind, owner, leaseMs);
  else if (await claimQueuedRun(env.store, queued, owner, leaseMs)) runId = queued;
  else throw new RunStateError(coded('error.run-not-queued', { run: queued }));
  // this process is alive and working on it: not stale to a resume in this process (see isStale)
  markOwnerActive(owner, true);
  env.onEvent?.({ type: 'run-claimed', runId });
  return { runId, owner, kind, connectionId: target.connection.id, leaseMs };
}

/** Keeps a claimed run's lease while it is mapped, observed, planned and stored (the executor renews it after). */
async function holdingLease<T>(store: Store, run: ClaimedRun, fn: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => void store.write((trx) => renewLease(trx, run.runId, run.owner, run.leaseMs)).catch(() => {}), Math.max(50, Math.floor(run.leaseMs / 3)));
  timer.unref();
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

async function loadState(store: Store, connection: SyncTarget['connection']): Promise<Planned['state']> {
  const id = connection.id;
  const [links, cursor, creators, corpMark] = await Promise.all([
    loadLinks(store.db, id),
    getCursor(store.db, id),
    creatorUserids(store.db, id),
    connection.corpId !== undefined ? departmentIdMark(store.db, connection.corpId) : Promise.resolve(0),
  ]);
  return { links, cursor, creators, corpMark };
}

/** The links as stored once the plan is: the loaded ones with the adopted ones (the executor's starting point). */
function linksAfterAdoption(p: Planned): StoredLinks {
  const { departments, members } = p.adoption;
  if (departments.length + members.length === 0) return p.state.links;
  const dk = new Set(departments.map((d) => d.key));
  const mk = new Set(members.map((m) => m.key));
  return {
    departments: [
      ...p.state.links.departments.filter((l) => !dk.has(l.key)),
      ...departments.map((d) => ({ key: d.key, departmentId: d.departmentId, origin: 'matched' as const, shadow: null, state: 'active' as const })),
    ],
    members: [...p.state.links.members.filter((l) => !mk.has(l.key)), ...members.map((m) => ({ key: m.key, userid: m.userid, origin: 'matched' as const, shadow: null, state: 'active' as const }))],
  };
}

/** The cursor moves to the mapped sequence when the run covered every change up to it. */
async function advanceCursor(store: Store, connectionId: string, request: RunRequest, result: ExecuteResult, changeSeq: number | undefined): Promise<void> {
  if (changeSeq === undefined) return;
  const s = result.summary;
  const covered =
    result.status === 'succeeded' ||
    (request.advanceOnDataFailures === true && result.status === 'partial' && s.retryable === 0 && s.pending === 0 && result.error === null);
  if (covered) await store.write((trx) => updateCursor(trx, connectionId, { lastChangeSeq: changeSeq }));
}

/** A full run that executed (succeeded, or partly: its failures are per object) applied the mapping it was planned with. */
async function recordMappingApplied(store: Store, connectionId: string, request: RunRequest, result: ExecuteResult): Promise<void> {
  if (request.kind !== 'full' || !request.mapping || (result.status !== 'succeeded' && result.status !== 'partial')) return;
  const fingerprint = request.mapping.fingerprint;
  await store.write((trx) => updateCursor(trx, connectionId, { mappingHash: fingerprint }));
}

/** Reading WeCom, mapping or planning failed after the claim: nothing was sent; the run is recorded failed. */
async function failBeforeSending(store: Store, run: ClaimedRun, e: unknown): Promise<Omit<SyncReport, 'connection' | 'kind'>> {
  const error = describeError(e);
  await store.write((trx) => failUnplannedRun(trx, run.runId, run.owner, error)).catch(() => {});
  return { runId: run.runId, status: 'failed', summary: noteSummary(`failed before any change: ${error.message}`), warnings: [], error, problems: [], adopted: NO_ADOPTION, cause: e };
}

function describeError(e: unknown): RunError {
  if (e instanceof WeComError) return { message: e.message, explanation: e.explanation, errcode: e.errcode };
  if (e instanceof WeComTransportError) return { message: e.message };
  return { message: e instanceof Error ? e.message : String(e) };
}

function execution(env: PipelineEnv): { store: Store; concurrency?: number; leaseMs?: number; onEvent?: (e: ExecutorEvent) => void; drain?: AbortSignal } {
  return {
    store: env.store,
    ...(env.drain ? { drain: env.drain } : {}),
    ...(env.concurrency !== undefined ? { concurrency: env.concurrency } : {}),
    ...(env.leaseMs !== undefined ? { leaseMs: env.leaseMs } : {}),
    ...(env.onEvent ? { onEvent: env.onEvent } : {}),
  };
}

// ------------------------------------------------------------------ reports

const nameOf = (t: SyncTarget): SyncReport['connection'] => ({ id: t.connection.id, name: t.connection.name ?? t.connection.id });

/** A summary whose account is free text (an error's message): no note, so every language shows the text. */
const noteSummary = (message: string): RunSummary => {
  const { note: _none, ...s } = summarize([], null);
  return { ...s, message };
};

function pendingSummary(plan: Plan): RunSummary {
  const n = plan.operations.length;
  const s = { ...summarize([], null), total: n, pending: n, byKind: { ...plan.summary.byKind } };
  return n === 0 ? s : withNote(s, msg('summary.planned', { n }));
}

function heldSummary(runId: string, plan: Plan): RunSummary {
  const s = plan.safety;
  const note = msg('summary.held', { deletes: s.deletes, disables: s.disables, maxDeletes: s.limit.maxDeletes, maxDeletePercent: s.limit.maxDeletePercent });
  return withNote(summarize(recordsOfPlan(runId, plan), null), note);
}

function executed(r: ExecuteResult): Pick<SyncReport, 'runId' | 'status' | 'summary' | 'error'> {
  return { runId: r.runId, status: r.status, summary: r.summary, error: r.error };
}

/** A run that stored its plan but sends nothing now: held for approval, or dropped (nothing to do). */
function notExecuted(run: ClaimedRun, stored: 'held' | 'dropped', plan: Plan): Pick<SyncReport, 'runId' | 'status' | 'summary'> {
  return stored === 'held' ? { runId: run.runId, status: 'held', summary: heldSummary(run.runId, plan) } : { runId: null, status: 'succeeded', summary: summarize([], null) };
}

function plannedReport(
  target: SyncTarget,
  kind: ReportKind,
  p: Planned,
  outcome: Pick<SyncReport, 'runId' | 'status'> & { summary?: RunSummary; error?: RunError | null },
): SyncReport {
  return {
    connection: nameOf(target),
    kind,
    runId: outcome.runId,
    status: outcome.status,
    summary: outcome.summary ?? pendingSummary(p.plan),
    warnings: p.plan.warnings,
    error: outcome.error ?? null,
    plan: p.plan,
    problems: p.mapped.problems,
    adopted: p.adoption,
    ...(p.mapped.changeSeq !== undefined ? { changeSeq: p.mapped.changeSeq } : {}),
  };
}

// ------------------------------------------------------------------ the pipeline of named connections

interface SyncPipelineDeps {
  store: Store;
  directory: Directory;
  connections: ConnectionSource;
  /** Default: createWeComClient. */
  clientFactory?: (options: WeComClientOptions) => ServiceClient;
  clock?: () => Date;
  /** Operations in flight at once per run (default: the executor's). */
  concurrency?: number;
  leaseMs?: number;
  /** Told of every run this pipeline ends (resumed ones too; not dry runs): metrics, logs. */
  onReport?: (report: SyncReport) => void;
}

interface ApplyOptions {
  onEvent?: (e: PipelineEvent) => void;
  /** Called with (done, total) as operations are recorded. */
  onProgress?: (done: number, total: number) => void;
}

interface IncrementalOptions extends ApplyOptions {
  /** More changes than this behind: a full run instead (default 50,000). */
  maxChanges?: number;
  /** Up to this many changes only the tree and the affected accounts are read (default 200). */
  targetedReadLimit?: number;
}

/** The sync of stored connections, by name or id: what the CLI, the REST API, the worker and the demo call. */
export class SyncPipeline {
  readonly store: Store;
  readonly directory: Directory;
  private readonly preparer: Preparer;
  private readonly draining = new AbortController();

  constructor(private readonly deps: SyncPipelineDeps) {
    this.store = deps.store;
    this.directory = deps.directory;
    this.preparer = new Preparer(deps.connections, deps.clientFactory);
  }

  /** Stage "prepare": the connection, its compiled mapping and its (cached) WeCom client. */
  prepare(nameOrId: string): Promise<PreparedConnection> {
    return this.preparer.prepare(nameOrId);
  }

  /** The connection's compiled mapping (cached per connection version). */
  compiledMapping(connection: PreparedConnection['connection']): PreparedConnection['mapping'] {
    return this.preparer.compiledMapping(connection);
  }

  /** Dry run: what apply would do now. Nothing is stored or sent. */
  async plan(nameOrId: string): Promise<SyncReport & { plan: Plan }> {
    const p = await this.prepare(nameOrId);
    const report = await runPipeline(this.env(), p.target, { ...this.fullRequest(p), dryRun: true });
    return report as SyncReport & { plan: Plan };
  }

  /** A full run: everything the directory says, reconciled against WeCom's lists. */
  async apply(nameOrId: string, opts: ApplyOptions = {}): Promise<SyncReport> {
    const p = await this.prepare(nameOrId);
    return this.reported(await runPipeline(this.env(opts, p), p.target, this.fullRequest(p)));
  }

  /**
   * Whether the connection's mapping was changed (and saved) since its last full run applied one:
   * the change reaches WeCom with the next full run. false before the first full run.
   */
  async mappingPending(nameOrId: string): Promise<boolean> {
    const p = await this.prepare(nameOrId);
    const { mappingHash } = await getCursor(this.store.db, p.connection.id);
    return mappingHash !== null && mappingHash !== mappingFingerprint(p.connection);
  }

  private mappingOf(p: PreparedConnection): RunRequest['mapping'] {
    return { fingerprint: mappingFingerprint(p.connection), changesBetween: (after, upTo) => changesBetween(this.directory, after, upTo, 50_000) };
  }

  /**
   * Syncs the changes after the connection's cursor: the affected keys only, no WeCom reads. A
   * connection that never synced (or more than `maxChanges` behind) gets a full run instead.
   * Returns null when there is nothing new.
   */
  async incremental(nameOrId: string, opts: IncrementalOptions = {}): Promise<SyncReport | null> {
    const p = await this.prepare(nameOrId);
    const request = await this.incrementalRequest(p, opts);
    if (request === 'nothing') return null;
    if (request === 'full') return this.apply(nameOrId, opts);
    return this.reported(await runPipeline(this.env(opts, p), p.target, request));
  }

  private fullRequest(p: PreparedConnection): RunRequest {
    return { kind: 'full', map: () => mapFull(this.directory, mapSettings(p)), mapping: this.mappingOf(p) };
  }

  /** The changes after the cursor as an incremental run; 'full' when a full run must do (never synced, too far behind). */
  private async incrementalRequest(p: PreparedConnection, opts: IncrementalOptions = {}): Promise<RunRequest | 'full' | 'nothing'> {
    const { lastChangeSeq } = await getCursor(this.store.db, p.connection.id);
    if (lastChangeSeq === null) return 'full';
    const latest = await this.directory.latestSequence();
    if (latest <= lastChangeSeq) return 'nothing';
    const changes = await changesBetween(this.directory, lastChangeSeq, latest, opts.maxChanges ?? 50_000);
    if (changes === null) return 'full';
    return {
      kind: 'incremental',
      map: () => mapChanges(this.directory, mapSettings(p), changes, latest, opts.targetedReadLimit),
      deleted: (keys) => this.directory.deletedOf(keys),
      advanceOnDataFailures: true,
      dropEmpty: true,
    };
  }

  /**
   * A run left unplanned by a crash, planned again under its id: a full run as one; an incremental
   * run covers the changes after the cursor now (none: it is dropped), or everything when too far behind.
   */
  private async replanRequest(p: PreparedConnection, kind: RunKind): Promise<RunRequest> {
    if (kind === 'full') return this.fullRequest(p);
    const request = await this.incrementalRequest(p);
    if (request === 'full') return { ...this.fullRequest(p), kind: 'incremental', observe: true, adopt: true, dropEmpty: true };
    if (request !== 'nothing') return request;
    const latest = await this.directory.latestSequence();
    return { kind: 'incremental', map: () => mapChanges(this.directory, mapSettings(p), [], latest), dropEmpty: true };
  }

  /**
   * Executes a queued run (a full run requested through the queue, src/jobs) under its id. The
   * connection's stale runs are finished first; RunInProgressError while another run is active.
   */
  async runQueued(nameOrId: string, runId: string, opts: ApplyOptions = {}): Promise<SyncReport> {
    const p = await this.prepare(nameOrId);
    return this.reported(await runPipeline(this.env(opts, p), p.target, { ...this.fullRequest(p), runId }));
  }

  /** Finishes the connection's runs a crashed process left active (under their ids); RunInProgressError while one is alive. */
  async resume(nameOrId: string): Promise<SyncReport[]> {
    const p = await this.prepare(nameOrId);
    const reports = await resumeStale(this.env({}, p), p.target);
    for (const r of reports) if (r.runId) this.deps.onReport?.(r);
    return reports;
  }

  /** Executes a run held by the safety threshold. */
  async approve(nameOrId: string, runId: string, opts: ApplyOptions = {}): Promise<SyncReport> {
    const p = await this.prepare(nameOrId);
    return this.reported(await rerun(this.env(opts), p.target, runId, 'approve'));
  }

  /** Sends a partial or failed run's failed operations again (and those skipped because of them). */
  async retry(nameOrId: string, runId: string, opts: ApplyOptions = {}): Promise<SyncReport> {
    const p = await this.prepare(nameOrId);
    return this.reported(await rerun(this.env(opts), p.target, runId, 'retry'));
  }

  /**
   * Forgets what was synced for a connection whose WeCom side starts over (the demo's simulator
   * restarted empty): its unfinished runs are cancelled, its links and cursor deleted; with `runs`
   * its run history too. A run still executing in a live process is refused (RunInProgressError).
   */
  async forget(connectionId: string, why: string, opts: { runs?: boolean } = {}): Promise<void> {
    await this.store.write(async (trx) => {
      if (!opts.runs) for (const id of await unfinishedRunIds(trx, connectionId)) await cancelRun(trx, id, why);
      else for (const r of await activeRuns(trx, connectionId)) if (!isStale(r)) throw new RunInProgressError(connectionId, r.id, r.leaseOwner);
      await purgeConnectionState(trx, connectionId, opts);
    });
  }

  /** Whether a process is executing a run of the connection now. */
  async isRunning(connectionId: string): Promise<boolean> {
    return (await activeRuns(this.store.db, connectionId)).some((r) => !isStale(r));
  }

  /**
   * Shutdown of a worker: runs executing now start no more operations; once the calls in flight
   * are answered and recorded, each run is handed back (its lease expires) for another process
   * to finish under its id. Runs started afterwards hand back at once.
   */
  drain(): void {
    this.draining.abort();
  }

  async close(): Promise<void> {
    await this.preparer.close();
  }

  private reported(report: SyncReport): SyncReport {
    for (const r of [...(report.resumed ?? []), report]) if (r.runId) this.deps.onReport?.(r);
    return report;
  }

  /** The environment of a run; with the prepared connection, runs a crash left unplanned are planned again (replan). */
  private env(opts: ApplyOptions = {}, p?: PreparedConnection): PipelineEnv {
    const onEvent = progressEvents(opts);
    return {
      ...(p ? { replan: (kind: RunKind) => this.replanRequest(p, kind) } : {}),
      store: this.store,
      ...(this.deps.concurrency !== undefined ? { concurrency: this.deps.concurrency } : {}),
      ...(this.deps.leaseMs !== undefined ? { leaseMs: this.deps.leaseMs } : {}),
      ...(this.deps.clock ? { now: this.deps.clock } : {}),
      ...(onEvent ? { onEvent } : {}),
      drain: this.draining.signal,
    };
  }
}

const mapSettings = (p: PreparedConnection) => ({ mapping: p.mapping, defaultDepartmentId: p.connection.defaultDepartmentId });

/** The caller's events, plus (done, total) progress counted from them. */
function progressEvents(opts: ApplyOptions): ((e: PipelineEvent) => void) | undefined {
  if (!opts.onEvent && !opts.onProgress) return undefined;
  let total = 0;
  let done = 0;
  return (e) => {
    opts.onEvent?.(e);
    if (!opts.onProgress) return;
    if (e.type === 'plan-stored') {
      total = e.operations;
      opts.onProgress(done, total);
    } else if (e.type === 'op-recorded') opts.onProgress(++done, total);
  };
}

