// Conflicts the sync's rules cannot settle (two accounts fit the WeCom member a deleted account
// left), per connection and account: written with each stored plan for the keys it planned, read
// by "Needs attention" (GET /connections/:name/objects?status=conflict).
import type { PlanWarning } from '../../domain/plan.js';
import type { DB, Tx } from '../../store/store.js';

export interface SyncConflict {
  key: string;
  type: 'account';
  code: string;
  wecomId: string;
  /** every account claiming the member, this one included, sorted */
  claimants: string[];
  rule: string;
  message: string;
  detectedAt: string;
}

/**
 * Replaces the conflicts of the keys a plan planned (`planned` = 'all' for a full run) with those
 * its warnings report. A key planned again without a conflict loses its row (settled), and so do
 * the rows naming it as a rival (the survivor is settled by the next run that plans it).
 */
export async function replaceConflicts(trx: Tx, connectionId: string, planned: 'all' | readonly string[], warnings: readonly PlanWarning[], now: string): Promise<void> {
  const rows = warnings
    .filter((w): w is PlanWarning & { key: string; conflict: NonNullable<PlanWarning['conflict']> } => w.conflict !== undefined && w.key !== undefined)
    .map((w) => ({
      connection_id: connectionId, object_key: w.key, object_type: 'account', code: w.code, wecom_id: w.conflict.wecomId,
      claimants: JSON.stringify(w.conflict.claimants), rule: w.conflict.rule, message: w.message, detected_at: now,
    }));
  let keys: string[] | null = null;
  if (planned !== 'all') {
    // rows naming a planned account as a rival no longer hold for sure (it changed or is gone): dropped too
    const plannedSet = new Set(planned);
    const stored = await trx.selectFrom('sync_conflicts').select(['object_key', 'claimants']).where('connection_id', '=', connectionId).execute();
    const involved = stored.filter((r) => (JSON.parse(r.claimants) as string[]).some((k) => plannedSet.has(k))).map((r) => r.object_key);
    keys = [...new Set([...planned, ...involved, ...rows.map((r) => r.object_key)])];
  }
  if (keys === null) await trx.deleteFrom('sync_conflicts').where('connection_id', '=', connectionId).execute();
  else for (let i = 0; i < keys.length; i += 500) await trx.deleteFrom('sync_conflicts').where('connection_id', '=', connectionId).where('object_key', 'in', keys.slice(i, i + 500)).execute();
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.object_key)) continue;
    seen.add(r.object_key);
    await trx.insertInto('sync_conflicts').values(r).execute();
  }
}

/** A page of the connection's conflicts in key order, after `after`. */
export async function listConflicts(db: DB | Tx, connectionId: string, opts: { after?: string; limit: number }): Promise<SyncConflict[]> {
  const rows = await db
    .selectFrom('sync_conflicts')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .$if(opts.after !== undefined, (q) => q.where('object_key', '>', opts.after!))
    .orderBy('object_key')
    .limit(opts.limit)
    .execute();
  return rows.map((r) => ({
    key: r.object_key, type: 'account', code: r.code, wecomId: r.wecom_id, claimants: JSON.parse(r.claimants) as string[], rule: r.rule, message: r.message, detectedAt: r.detected_at,
  }));
}
