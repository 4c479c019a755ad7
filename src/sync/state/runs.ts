// Runs and their operations. A run row is claimed (status 'planned', plan null) before WeCom is
// read, so two starts for one connection cannot both plan; the partial unique index
// `runs_one_active` (status planned/running) makes that a database guarantee on both backends.
//
// Leases: the process executing a run writes `lease_owner` (host:pid:instance) and renews
// `lease_expires_at`. A run is *stale* — left behind by a crash — when its lease expired, or when
// its owner is a process on this host that no longer exists (so a restart on the same machine
// resumes at once instead of waiting for the lease), or an instance of this very process that is
// no longer executing it.
import { type CodedText, coded } from '../../messages/index.js';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { AppError, type Explanation } from '../../domain/errors.js';
import type { Note, Operation, Plan } from '../../domain/plan.js';
import { bulkInsert } from '../../store/bulk.js';
import { newId } from '../../store/ids.js';
import type { DB, Store, Tx } from '../../store/store.js';
import { isUniqueViolation } from '../../store/errors.js';

export type RunKind = 'full' | 'incremental';
export type RunStatus = 'queued' | 'planned' | 'running' | 'held' | 'succeeded' | 'failed' | 'partial' | 'cancelled';
export type OperationStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';
export type ErrorClassName = 'data' | 'retryable' | 'config' | 'gone' | 'dependency' | 'aborted' | 'internal';

/**
 * A run is active while planned (claimed; reading WeCom, planning) or running; at most one per
 * connection. A `queued` run waits for a worker (PostgreSQL deployments, src/jobs): it is not
 * active, and at most one per connection exists: requests made meanwhile coalesce into it.
 */
export const ACTIVE_STATUSES: readonly RunStatus[] = ['planned', 'running'];

export type { Explanation };

export interface RunSummary {
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  pending: number;
  /** failed operations whose error was transient (a later run or retryFailed retries them) */
  retryable: number;
  /** failed because the object was deleted in WeCom by hand (link removed; the next run re-creates it) */
  gone: number;
  byKind: Record<string, number>;
  /** "nothing to do" for an empty plan, else a one-line account (English: the rendered `note`) */
  message: string;
  /** `message` as a code with parameters, for other languages (absent when the account is free text) */
  note?: Note;
}

export interface PlanRecord {
  unlinks: Plan['unlinks'];
  relinks?: Plan['relinks'];
  summary: Plan['summary'];
  safety: Plan['safety'];
  warnings: Plan['warnings'];
}

export interface RunError {
  message: string;
  explanation?: Explanation;
  errcode?: number;
}

export interface RunRecord {
  id: string;
  connectionId: string;
  kind: RunKind;
  status: RunStatus;
  plan: PlanRecord | null;
  summary: RunSummary | null;
  error: RunError | null;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface OperationRecord {
  runId: string;
  opId: string;
  seq: number;
  kind: Operation['kind'];
  key: string;
  target: Operation['target'];
  body: Operation['body'];
  reason: Operation['reason'];
  dependsOn: string[];
  status: OperationStatus;
  attempts: number;
  errcode: number | null;
  errmsg: string | null;
  errorClass: ErrorClassName | null;
  explanation: Explanation | null;
  note: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export class RunInProgressError extends AppError {
  override readonly name = 'RunInProgressError';
  constructor(
    readonly connectionId: string,
    readonly runId: string,
    readonly owner: string | null,
  ) {
    super('conflict', 409, owner ? coded('error.run-active-owner', { connection: connectionId, run: runId, owner }) : coded('error.run-active', { connection: connectionId, run: runId }));
  }
}

/** The run is not in a state that allows the step (or does not exist). */
export class RunStateError extends AppError {
  override readonly name = 'RunStateError';
  constructor(message: CodedText) {
    super('conflict', 409, message);
  }
}

// ------------------------------------------------------------------ owners and leases

const INSTANCE = randomBytes(6).toString('hex');
const HOST = hostname();
const localActive = new Set<string>();

/** This process's identity (host:pid:instance): the prefix of every lease owner it writes. */
export function processIdentity(): string {
  return `${HOST}:${process.pid}:${INSTANCE}`;
}

/** A fresh owner identity for one execution in this process. */
export function newOwner(): string {
  return `${HOST}:${process.pid}:${INSTANCE}-${randomBytes(4).toString('hex')}`;
}
export function markOwnerActive(owner: string, active: boolean): void {
  if (active) localActive.add(owner);
  else localActive.delete(owner);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether an active run's executor is gone (crashed, killed) and the run may be taken over. */
export function isStale(run: Pick<RunRecord, 'leaseOwner' | 'leaseExpiresAt'>, now: number = Date.now()): boolean {
  if (!run.leaseOwner || !run.leaseExpiresAt) return true;
  if (Date.parse(run.leaseExpiresAt) <= now) return true;
  const [host, pidText] = run.leaseOwner.split(':');
  if (host === HOST && Number(pidText) === process.pid) return !localActive.has(run.leaseOwner);
  return processGone(run.leaseOwner);
}

/**
 * Whether the process an owner identity names (processIdentity, newOwner) is known to be gone: it
 * ran on this host and its pid no longer exists. Another host's process is never known gone (false).
 */
export function processGone(owner: string): boolean {
  const [host, pidText] = owner.split(':');
  const pid = Number(pidText);
  if (host !== HOST || !Number.isInteger(pid) || pid === process.pid) return false;
  return !pidAlive(pid);
}

const leaseUntil = (ms: number): string => new Date(Date.now() + ms).toISOString();

// ------------------------------------------------------------------ rows

const json = <T>(s: string | null): T | null => (s === null ? null : (JSON.parse(s) as T));

function toRun(r: {
  id: string; connection_id: string; kind: string; status: string; plan: string | null; summary: string | null; error: string | null;
  lease_owner: string | null; lease_expires_at: string | null; created_at: string; started_at: string | null; finished_at: string | null;
}): RunRecord {
  return {
    id: r.id,
    connectionId: r.connection_id,
    kind: r.kind as RunKind,
    status: r.status as RunStatus,
    plan: json<PlanRecord>(r.plan),
    summary: json<RunSummary>(r.summary),
    error: json<RunError>(r.error),
    leaseOwner: r.lease_owner,
    leaseExpiresAt: r.lease_expires_at,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

export async function getRun(db: DB | Tx, runId: string): Promise<RunRecord | undefined> {
  const r = await db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
  return r ? toRun(r) : undefined;
}

export async function listRuns(db: DB, connectionId: string, limit = 50): Promise<RunRecord[]> {
  const rows = await db.selectFrom('runs').selectAll().where('connection_id', '=', connectionId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toRun);
}

export async function activeRuns(db: DB | Tx, connectionId: string): Promise<RunRecord[]> {
  const rows = await db.selectFrom('runs').selectAll().where('connection_id', '=', connectionId).where('status', 'in', [...ACTIVE_STATUSES]).execute();
  return rows.map(toRun);
}

type OperationRow = {
  run_id: string; op_id: string; seq: number; kind: string; key: string; target: string; body: string; reason: string; depends_on: string;
  status: string; attempts: number; errcode: number | null; errmsg: string | null; error_class: string | null; explanation: string | null;
  note: string | null; started_at: string | null; finished_at: string | null;
};

function toOperation(r: OperationRow): OperationRecord {
  return {
    runId: r.run_id,
    opId: r.op_id,
    seq: Number(r.seq),
    kind: r.kind as Operation['kind'],
    key: r.key,
    target: JSON.parse(r.target) as Operation['target'],
    body: JSON.parse(r.body) as Operation['body'],
    reason: JSON.parse(r.reason) as Operation['reason'],
    dependsOn: JSON.parse(r.depends_on) as string[],
    status: r.status as OperationStatus,
    attempts: Number(r.attempts),
    errcode: r.errcode === null ? null : Number(r.errcode),
    errmsg: r.errmsg,
    errorClass: r.error_class as ErrorClassName | null,
    explanation: json<Explanation>(r.explanation),
    note: r.note,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

/** A run's operations in plan order; with `status`, only those in that status. */
export async function loadOperations(db: DB | Tx, runId: string, filter: { status?: OperationStatus } = {}): Promise<OperationRecord[]> {
  let q = db.selectFrom('run_operations').selectAll().where('run_id', '=', runId);
  if (filter.status) q = q.where('status', '=', filter.status);
  const rows = await q.orderBy('seq').execute();
  return rows.map(toOperation);
}

/** The operation history of one object (organization or account id) in a connection, newest run first. */
export async function operationsForKey(db: DB, connectionId: string, key: string, limit = 50): Promise<Array<OperationRecord & { runCreatedAt: string }>> {
  const rows = await db
    .selectFrom('run_operations as o')
    .innerJoin('runs as r', 'r.id', 'o.run_id')
    .selectAll('o')
    .select('r.created_at as run_created_at')
    .where('r.connection_id', '=', connectionId)
    .where('o.key', '=', key)
    .orderBy('r.created_at', 'desc')
    .orderBy('o.seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...toOperation(r), runCreatedAt: r.run_created_at }));
}

// ------------------------------------------------------------------ lifecycle

/**
 * Claims the connection's run slot: inserts a run with status 'planned' and no plan yet. Refused
 * with RunInProgressError when another run is planned or running (stale ones are resumed first by
 * the runner, see resumeRuns).
 */
export async function claimRun(store: Store, connectionId: string, kind: RunKind, owner: string, leaseMs: number): Promise<string> {
  const id = newId('run');
  const now = new Date().toISOString();
  try {
    await store.write(async (trx) => {
      const active = await activeRuns(trx, connectionId);
      if (active[0]) throw new RunInProgressError(connectionId, active[0].id, active[0].leaseOwner);
      await trx
        .insertInto('runs')
        .values({
          id, connection_id: connectionId, kind, status: 'planned', plan: null, summary: null, error: null,
          lease_owner: owner, lease_expires_at: leaseUntil(leaseMs), created_at: now, started_at: null, finished_at: null, updated_at: now,
        })
        .execute();
    });
  } catch (e) {
    if (e instanceof RunInProgressError) throw e;
    if (isUniqueViolation(e)) {
      const active = await activeRuns(store.db, connectionId);
      throw new RunInProgressError(connectionId, active[0]?.id ?? '(unknown)', active[0]?.leaseOwner ?? null);
    }
    throw e;
  }
  return id;
}

const OP_COLUMNS = {
  run_id: 'text', op_id: 'text', seq: 'integer', kind: 'text', key: 'text', target: 'text', body: 'text', reason: 'text', depends_on: 'text',
  status: 'text', attempts: 'integer', errcode: 'bigint', errmsg: 'text', error_class: 'text', explanation: 'text', note: 'text',
  started_at: 'text', finished_at: 'text', updated_at: 'text',
} as const;

function planRecord(plan: Plan): PlanRecord {
  return { unlinks: plan.unlinks, ...(plan.relinks ? { relinks: plan.relinks } : {}), summary: plan.summary, safety: plan.safety, warnings: plan.warnings };
}

/**
 * Stores the plan of a claimed run: its operations (status pending) and the plan's other parts.
 * `held`: the plan exceeds the safety threshold; the run leaves the active slot and waits for
 * approveRun. Extra warnings (e.g. an id list refused) are added to the plan's.
 */
export async function storePlan(store: Store, trx: Tx, runId: string, plan: Plan, held: boolean): Promise<void> {
  const now = new Date().toISOString();
  const rows = plan.operations.map((op, seq) => ({
    run_id: runId,
    op_id: op.id,
    seq,
    kind: op.kind,
    key: op.key,
    target: JSON.stringify(op.target),
    body: JSON.stringify(op.body),
    reason: JSON.stringify(op.reason),
    depends_on: JSON.stringify(op.dependsOn),
    status: 'pending',
    attempts: 0,
    errcode: null,
    errmsg: null,
    error_class: null,
    explanation: null,
    note: null,
    started_at: null,
    finished_at: null,
    updated_at: now,
  }));
  await bulkInsert(store, trx, 'run_operations', rows, { columns: OP_COLUMNS });
  await trx
    .updateTable('runs')
    .set({
      plan: JSON.stringify(planRecord(plan)),
      status: held ? 'held' : 'planned',
      ...(held ? { lease_owner: null, lease_expires_at: null } : {}),
      updated_at: now,
    })
    .where('id', '=', runId)
    .execute();
}

/** planned → running under this owner's lease. */
export async function startRun(trx: Tx, runId: string, owner: string, leaseMs: number): Promise<void> {
  const now = new Date().toISOString();
  const r = await getRun(trx, runId);
  if (!r) throw new RunStateError(coded('error.run-missing', { run: runId }));
  if (r.status !== 'planned' && r.status !== 'running') throw new RunStateError(coded('error.run-not-planned', { run: runId, status: r.status }));
  await trx
    .updateTable('runs')
    .set({ status: 'running', lease_owner: owner, lease_expires_at: leaseUntil(leaseMs), started_at: r.startedAt ?? now, updated_at: now })
    .where('id', '=', runId)
    .execute();
}

/**
 * Extends the lease of `owner` on an active run. Returns whether the run is still `owner`'s: false
 * when another process took it over (or it finished), so the caller must stop sending.
 */
export async function renewLease(trx: Tx, runId: string, owner: string, leaseMs: number): Promise<boolean> {
  const r = await trx
    .updateTable('runs')
    .set({ lease_expires_at: leaseUntil(leaseMs) })
    .where('id', '=', runId)
    .where('lease_owner', '=', owner)
    .where('status', 'in', [...ACTIVE_STATUSES])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Takes over a stale active run. A compare-and-set on the lease judged stale: the row changes only
 * if its owner and expiry are still the ones read, so a renewal by the old owner that lands first
 * wins and the takeover is refused (null). Null too when the run is not active or not stale.
 */
export async function takeOver(store: Store, runId: string, owner: string, leaseMs: number): Promise<RunRecord | null> {
  return store.write(async (trx) => {
    const r = await getRun(trx, runId);
    if (!r || !ACTIVE_STATUSES.includes(r.status) || !isStale(r)) return null;
    const now = new Date().toISOString();
    const done = await trx
      .updateTable('runs')
      .set({ lease_owner: owner, lease_expires_at: leaseUntil(leaseMs), updated_at: now })
      .where('id', '=', runId)
      .where('status', 'in', [...ACTIVE_STATUSES])
      .where((eb) => (r.leaseOwner === null ? eb('lease_owner', 'is', null) : eb('lease_owner', '=', r.leaseOwner)))
      .where((eb) => (r.leaseExpiresAt === null ? eb('lease_expires_at', 'is', null) : eb('lease_expires_at', '=', r.leaseExpiresAt)))
      .executeTakeFirst();
    return Number(done.numUpdatedRows) > 0 ? { ...r, leaseOwner: owner } : null;
  });
}

/** Gives a run back: its lease expires now, so another process may take it over at once (a worker shutting down). */
export async function releaseLease(trx: Tx, runId: string, owner: string): Promise<void> {
  await trx
    .updateTable('runs')
    .set({ lease_expires_at: new Date(0).toISOString() })
    .where('id', '=', runId)
    .where('lease_owner', '=', owner)
    .where('status', 'in', [...ACTIVE_STATUSES])
    .execute();
}

export async function finishRun(trx: Tx, runId: string, status: RunStatus, summary: RunSummary | null, error: RunError | null): Promise<void> {
  const now = new Date().toISOString();
  await trx
    .updateTable('runs')
    .set({
      status,
      summary: summary ? JSON.stringify(summary) : null,
      error: error ? JSON.stringify(error) : null,
      lease_owner: null,
      lease_expires_at: null,
      finished_at: now,
      updated_at: now,
    })
    .where('id', '=', runId)
    .execute();
}

/**
 * Cancels a run that is not finished: held, planned, or running under an executor that is gone
 * (a live executor's run is refused). Its operations not yet done are marked skipped with `why`.
 */
export async function cancelRun(trx: Tx, runId: string, why: string): Promise<void> {
  const r = await getRun(trx, runId);
  if (!r) throw new RunStateError(coded('error.run-missing', { run: runId }));
  if (r.status !== 'held' && r.status !== 'queued' && !ACTIVE_STATUSES.includes(r.status)) throw new RunStateError(coded('error.run-not-cancellable', { run: runId, status: r.status }));
  if (ACTIVE_STATUSES.includes(r.status) && !isStale(r)) throw new RunInProgressError(r.connectionId, r.id, r.leaseOwner);
  await trx
    .updateTable('run_operations')
    .set({ status: 'skipped', error_class: 'aborted', errmsg: why, updated_at: new Date().toISOString() })
    .where('run_id', '=', runId)
    .where('status', 'in', ['pending', 'running'])
    .execute();
  await finishRun(trx, runId, 'cancelled', null, { message: why });
}

/**
 * Moves a run back into the active slot to execute it again: held → running (approval) or
 * partial/failed → running with failed and skipped operations reset to pending (retry).
 */
export async function reactivateRun(store: Store, runId: string, from: readonly RunStatus[], owner: string, leaseMs: number, resetFailed: boolean): Promise<RunRecord> {
  try {
    return await store.write(async (trx) => {
      const r = await getRun(trx, runId);
      if (!r) throw new RunStateError(coded('error.run-missing', { run: runId }));
      if (!from.includes(r.status)) throw new RunStateError(coded('error.run-state', { run: runId, status: r.status, expected: from.join(' or ') }));
      const active = await activeRuns(trx, r.connectionId);
      if (active[0]) throw new RunInProgressError(r.connectionId, active[0].id, active[0].leaseOwner);
      const now = new Date().toISOString();
      if (resetFailed)
        await trx
          .updateTable('run_operations')
          .set({ status: 'pending', updated_at: now })
          .where('run_id', '=', runId)
          .where('status', 'in', ['failed', 'skipped'])
          .execute();
      await trx
        .updateTable('runs')
        .set({ status: 'running', lease_owner: owner, lease_expires_at: leaseUntil(leaseMs), started_at: r.startedAt ?? now, finished_at: null, error: null, updated_at: now })
        .where('id', '=', runId)
        .execute();
      return { ...r, status: 'running' as const, leaseOwner: owner };
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      const r = await getRun(store.db, runId);
      const active = r ? await activeRuns(store.db, r.connectionId) : [];
      throw new RunInProgressError(r?.connectionId ?? '?', active[0]?.id ?? '(unknown)', active[0]?.leaseOwner ?? null);
    }
    throw e;
  }
}

/** Deletes a claimed run that turned out to have nothing to do (incremental runs leave no empty run behind). */
export async function deleteRun(trx: Tx, runId: string): Promise<void> {
  await trx.deleteFrom('run_operations').where('run_id', '=', runId).execute();
  await trx.deleteFrom('runs').where('id', '=', runId).execute();
}

/** A full plan supersedes the connection's older plans still waiting for approval. */
export async function supersedeHeldRuns(trx: Tx, connectionId: string, byRunId: string): Promise<void> {
  const at = new Date().toISOString();
  await trx
    .updateTable('runs')
    .set({ status: 'cancelled', error: JSON.stringify({ message: `superseded by run ${byRunId}` }), finished_at: at, updated_at: at })
    .where('connection_id', '=', connectionId)
    .where('status', '=', 'held')
    .where('id', '!=', byRunId)
    .execute();
}

/** Ids of the connection's runs waiting for approval, oldest first. */
export async function heldRunIds(db: DB | Tx, connectionId: string): Promise<string[]> {
  const rows = await db.selectFrom('runs').select('id').where('connection_id', '=', connectionId).where('status', '=', 'held').orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => r.id);
}

/** True once any run (of any status) was started for the connection. */
export async function hasAnyRun(db: DB | Tx, connectionId: string): Promise<boolean> {
  return (await db.selectFrom('runs').select('id').where('connection_id', '=', connectionId).limit(1).executeTakeFirst()) !== undefined;
}

/** The connection's runs not finished yet: queued, planned, running or held. */
export async function unfinishedRunIds(db: DB | Tx, connectionId: string): Promise<string[]> {
  const rows = await db.selectFrom('runs').select('id').where('connection_id', '=', connectionId).where('status', 'in', ['queued', 'planned', 'running', 'held']).execute();
  return rows.map((r) => r.id);
}

/**
 * Ends a run this owner claimed but could not plan or store (nothing was sent). A run taken over
 * meanwhile (its claim looked stale to another process) is left to its new owner.
 */
export async function failUnplannedRun(trx: Tx, runId: string, owner: string, error: RunError): Promise<void> {
  const now = new Date().toISOString();
  await trx
    .updateTable('runs')
    .set({ status: 'failed', summary: null, error: JSON.stringify(error), lease_owner: null, lease_expires_at: null, finished_at: now, updated_at: now })
    .where('id', '=', runId)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'planned')
    .execute();
}

// ------------------------------------------------------------------ queued runs (src/jobs)

/** The connection's queued run, if any. */
export async function queuedRunId(db: DB | Tx, connectionId: string): Promise<string | null> {
  const r = await db.selectFrom('runs').select('id').where('connection_id', '=', connectionId).where('status', '=', 'queued').executeTakeFirst();
  return r?.id ?? null;
}

/**
 * Stores a run that waits for a worker (status `queued`, no lease). When the connection already
 * has one, that one is answered instead (`coalesced`): at most one queued run per connection
 * (the partial unique index `runs_one_queued`).
 */
export async function queueRun(store: Store, connectionId: string, kind: RunKind): Promise<{ runId: string; coalesced: boolean }> {
  const id = newId('run');
  const now = new Date().toISOString();
  try {
    return await store.write(async (trx) => {
      const existing = await queuedRunId(trx, connectionId);
      if (existing) return { runId: existing, coalesced: true };
      await trx
        .insertInto('runs')
        .values({
          id, connection_id: connectionId, kind, status: 'queued', plan: null, summary: null, error: null,
          lease_owner: null, lease_expires_at: null, created_at: now, started_at: null, finished_at: null, updated_at: now,
        })
        .execute();
      return { runId: id, coalesced: false };
    });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const existing = await queuedRunId(store.db, connectionId);
    if (!existing) throw e;
    return { runId: existing, coalesced: true };
  }
}

/**
 * Takes a queued run into the connection's active slot under `owner` (queued → planned), keeping
 * its id. RunInProgressError when another run of the connection is active (the database refuses
 * a second one); false when the run is no longer queued (taken by another worker, cancelled).
 */
export async function claimQueuedRun(store: Store, runId: string, owner: string, leaseMs: number): Promise<boolean> {
  try {
    return await store.write(async (trx) => {
      const r = await getRun(trx, runId);
      if (r?.status !== 'queued') return false;
      const active = await activeRuns(trx, r.connectionId);
      if (active[0]) throw new RunInProgressError(r.connectionId, active[0].id, active[0].leaseOwner);
      const done = await trx
        .updateTable('runs')
        .set({ status: 'planned', lease_owner: owner, lease_expires_at: leaseUntil(leaseMs), updated_at: new Date().toISOString() })
        .where('id', '=', runId)
        .where('status', '=', 'queued')
        .executeTakeFirst();
      return Number(done.numUpdatedRows) > 0;
    });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const r = await getRun(store.db, runId);
    const active = r ? await activeRuns(store.db, r.connectionId) : [];
    throw new RunInProgressError(r?.connectionId ?? '?', active[0]?.id ?? '(unknown)', active[0]?.leaseOwner ?? null);
  }
}
