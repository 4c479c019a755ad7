// Per-connection sync cursors: the last change-feed sequence synced (incremental runs start after
// it) and the highest WeCom department id ever seen or chosen (new department ids are chosen above
// it, so a run that could not read the department list does not pick an id made by hand), and the
// fingerprint of the mapping the last full run applied (a saved mapping change is pending until a
// full run applies it).
import type { DB, Tx } from '../../store/store.js';

export interface SyncCursor {
  lastChangeSeq: number | null;
  departmentIdFloor: number;
  /** Fingerprint of the mapping the last full run applied; null = none recorded yet. */
  mappingHash: string | null;
}

export async function getCursor(db: DB | Tx, connectionId: string): Promise<SyncCursor> {
  const r = await db.selectFrom('sync_cursors').selectAll().where('connection_id', '=', connectionId).executeTakeFirst();
  return r
    ? { lastChangeSeq: r.last_change_seq === null ? null : Number(r.last_change_seq), departmentIdFloor: Number(r.department_id_floor), mappingHash: r.mapping_hash ?? null }
    : { lastChangeSeq: null, departmentIdFloor: 0, mappingHash: null };
}

/** Raises the department id floor (never lowers it) and/or sets the change sequence and the applied mapping's fingerprint. */
export async function updateCursor(trx: Tx, connectionId: string, patch: { departmentIdFloor?: number; lastChangeSeq?: number; mappingHash?: string }): Promise<void> {
  const current = await getCursor(trx, connectionId);
  const floor = Math.max(current.departmentIdFloor, patch.departmentIdFloor ?? 0);
  const seq = patch.lastChangeSeq ?? current.lastChangeSeq;
  const hash = patch.mappingHash ?? current.mappingHash;
  const now = new Date().toISOString();
  await trx
    .insertInto('sync_cursors')
    .values({ connection_id: connectionId, last_change_seq: seq, department_id_floor: floor, mapping_hash: hash, updated_at: now })
    .onConflict((oc) => oc.column('connection_id').doUpdateSet({ last_change_seq: seq, department_id_floor: floor, mapping_hash: hash, updated_at: now }))
    .execute();
}
