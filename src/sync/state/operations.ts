// The executor's writes to a run's operations (run_operations rows), one named query each. They
// take the caller's transaction: the executor's journal gathers many into one commit, and a
// result is stored in the same transaction as the link change it implies.
import type { Tx } from '../../store/store.js';
import type { ErrorClassName, Explanation } from './runs.js';

/** What one attempt of an operation came to. */
export interface OperationResult {
  status: 'succeeded' | 'failed';
  errcode: number | null;
  errmsg: string | null;
  errorClass: ErrorClassName | null;
  explanation: Explanation | null;
  note: string | null;
}

interface Skip {
  opId: string;
  errorClass: ErrorClassName;
  errmsg: string;
}

/** Attempt `attempts` of the operation is about to call WeCom (committed before the call). */
export async function markRunning(trx: Tx, runId: string, opId: string, attempts: number, at: string): Promise<void> {
  await trx.updateTable('run_operations').set({ status: 'running', attempts, started_at: at, updated_at: at }).where('run_id', '=', runId).where('op_id', '=', opId).execute();
}

/** Attempt `attempts` was withdrawn before anything was sent (a worker shutting down): the operation is pending again. */
export async function markPending(trx: Tx, runId: string, opId: string, attempts: number, at: string): Promise<void> {
  await trx
    .updateTable('run_operations')
    .set({ status: 'pending', started_at: null, updated_at: at })
    .where('run_id', '=', runId)
    .where('op_id', '=', opId)
    .where('attempts', '=', attempts)
    .where('status', '=', 'running')
    .execute();
}

/**
 * Stores the result of attempt `attempts`. Returns false, storing nothing, when the row is no
 * longer that running attempt: another executor took the run over and started the operation
 * again (its result is the one that counts, and so are its links).
 */
export async function recordResult(trx: Tx, runId: string, opId: string, attempts: number, result: OperationResult, at: string): Promise<boolean> {
  const r = await trx
    .updateTable('run_operations')
    .set({
      status: result.status,
      errcode: result.errcode,
      errmsg: result.errmsg,
      error_class: result.errorClass,
      explanation: result.explanation ? JSON.stringify(result.explanation) : null,
      note: result.note,
      finished_at: at,
      updated_at: at,
    })
    .where('run_id', '=', runId)
    .where('op_id', '=', opId)
    .where('status', '=', 'running')
    .where('attempts', '=', attempts)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Operations that will not be sent (e.g. a dependency failed), each with its reason. */
export async function markSkipped(trx: Tx, runId: string, skips: readonly Skip[], at: string): Promise<void> {
  for (const s of skips)
    await trx
      .updateTable('run_operations')
      .set({ status: 'skipped', error_class: s.errorClass, errmsg: s.errmsg, errcode: null, explanation: null, finished_at: at, updated_at: at })
      .where('run_id', '=', runId)
      .where('op_id', '=', s.opId)
      .execute();
}

/**
 * An aborted run: every operation not finished is skipped (class 'aborted'). Called once the
 * operations started by this execution have all recorded their results, so those left pending or
 * running are exactly the ones it never started.
 */
export async function skipRemaining(trx: Tx, runId: string, errmsg: string, at: string): Promise<void> {
  await trx
    .updateTable('run_operations')
    .set({ status: 'skipped', error_class: 'aborted', errmsg, finished_at: at, updated_at: at })
    .where('run_id', '=', runId)
    .where('status', 'in', ['pending', 'running'])
    .execute();
}
