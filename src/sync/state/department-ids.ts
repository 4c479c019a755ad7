// New WeCom department ids, reserved per company (corpid) across every connection and process of
// the deployment (migration 0016).
//
// The planner (pure) gives a new department the next id above a floor: the connection's own
// (cursors.ts: every id it ever saw or chose) and the company's mark read here, the highest id any
// run of the deployment chose for that corpid. Two runs of one company planning at the same time
// read the same mark and may choose the same ids, so the mark is also the claim: the store stage
// raises it in the transaction that stores the plan, and only when every new id of the plan is
// above it; otherwise another run reserved ids since this one read the mark, the
// transaction rolls back and the run plans again above the new mark (pipeline.ts). The ids a
// stored plan holds are therefore never chosen by another connection of the deployment, so a
// create that WeCom answers "exists" (60008) cannot be another connection's department.
// Connections of the company in another deployment (another database) are not seen (docs/deployment.md).
import type { Plan } from '../../domain/plan.js';
import type { DB, Tx } from '../../store/store.js';

/**
 * The ids a plan chose for new departments: those of its creates, except ids the connection's
 * links hold (a department deleted by hand is created again under its own id, which is the
 * connection's already).
 */
export function newDepartmentIds(plan: Pick<Plan, 'operations'>, links: ReadonlyArray<{ departmentId: number }>): number[] {
  const linked = new Set(links.map((l) => l.departmentId));
  return plan.operations.flatMap((op) => (op.kind === 'department.create' && !linked.has(op.body.id) ? [op.body.id] : []));
}

/** The company's mark (0 when none of its runs chose an id yet). */
export async function departmentIdMark(db: DB | Tx, corpId: string): Promise<number> {
  const r = await db.selectFrom('department_id_marks').select('high').where('corp_id', '=', corpId).executeTakeFirst();
  return r ? Number(r.high) : 0;
}

/** Thrown inside the store transaction: another run of the company reserved ids this plan chose. */
export class DepartmentIdsTakenError extends Error {
  constructor(
    readonly corpId: string,
    readonly mark: number,
  ) {
    super(`department ids chosen for company ${corpId} were reserved by another run meanwhile (the mark is ${mark}): planning again`);
  }
}

/**
 * Reserves `ids` for the company: raises its mark to their maximum when every one is above it.
 * Atomic on both backends: the conditional update locks the mark's row (PostgreSQL re-reads it
 * after a concurrent writer commits; SQLite has one writer at a time). false: some id is taken.
 */
export async function reserveDepartmentIds(trx: Tx, corpId: string, ids: readonly number[], now: string): Promise<boolean> {
  if (ids.length === 0) return true;
  const low = Math.min(...ids);
  const high = Math.max(...ids);
  const inserted = await trx
    .insertInto('department_id_marks')
    .values({ corp_id: corpId, high, updated_at: now })
    .onConflict((oc) => oc.column('corp_id').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return true;
  const updated = await trx
    .updateTable('department_id_marks')
    .set({ high, updated_at: now })
    .where('corp_id', '=', corpId)
    .where('high', '<', low)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}
