// Orphans in the store (migration 0013): the last full run's scan of WeCom's id lists (what no
// link owns, or what a link holds for an object the mapping no longer selects), and admins'
// decisions on single orphans (ignore, delete). The view (views/orphans.ts) and the orphan
// actions read them; the store stage writes the scan with each full run's plan.
import type { DB, Tx } from '../../store/store.js';
import type { ObservedOrphan, OrphanScan, OrphanWhy } from '../stages/orphans.js';

export type OrphanType = 'member' | 'department';
export type OrphanDecisionKind = 'ignore' | 'delete';

export interface OrphanDecision {
  type: OrphanType;
  /** the userid or department id as text */
  wecomId: string;
  decision: OrphanDecisionKind;
  by: string;
  at: string;
}

export interface StoredObservation extends ObservedOrphan {
  firstSeen: string;
  lastSeen: string;
}

export interface StoredScan {
  runId: string;
  at: string;
  membersListed: boolean;
  departmentsListed: boolean;
  orphans: StoredObservation[];
}

/** How an orphan is keyed: userids compare case-insensitively in WeCom. */
export const orphanKey = (type: OrphanType, wecomId: string): string => (type === 'member' ? wecomId.toLowerCase() : String(Number(wecomId)));

/**
 * Replaces the connection's scan with a full run's (first_seen kept for what was seen before). A
 * list WeCom refused keeps the rows of that type from the last scan that had it. Decisions on
 * orphans a listed type no longer has (deleted in WeCom, or linked since) are dropped, so a
 * userid made again later is never deleted or ignored by an old decision.
 */
export async function saveScan(trx: Tx, connectionId: string, runId: string, scan: OrphanScan, now: string): Promise<void> {
  const before = await trx.selectFrom('orphan_observations').select(['object_type', 'wecom_key', 'first_seen']).where('connection_id', '=', connectionId).execute();
  const firstSeen = new Map(before.map((r) => [`${r.object_type}:${r.wecom_key}`, r.first_seen]));
  const listed: OrphanType[] = [...(scan.membersListed ? (['member'] as const) : []), ...(scan.departmentsListed ? (['department'] as const) : [])];
  const scanRow = { run_id: runId, scanned_at: now, members_listed: scan.membersListed ? 1 : 0, departments_listed: scan.departmentsListed ? 1 : 0 };
  const existing = await trx.selectFrom('orphan_scans').select('connection_id').where('connection_id', '=', connectionId).executeTakeFirst();
  if (existing) await trx.updateTable('orphan_scans').set(scanRow).where('connection_id', '=', connectionId).execute();
  else await trx.insertInto('orphan_scans').values({ connection_id: connectionId, ...scanRow }).execute();
  if (listed.length === 0) return;
  await trx.deleteFrom('orphan_observations').where('connection_id', '=', connectionId).where('object_type', 'in', listed).execute();
  const rows = scan.orphans
    .filter((o) => listed.includes(o.type))
    .map((o) => {
      const key = orphanKey(o.type, o.wecomId);
      return {
        connection_id: connectionId, object_type: o.type, wecom_key: key, wecom_id: o.wecomId, why: o.why, link_key: o.linkKey ?? null,
        departments: JSON.stringify(o.departments), first_seen: firstSeen.get(`${o.type}:${key}`) ?? now, last_seen: now,
      };
    });
  const seen = new Set<string>();
  const unique = rows.filter((r) => !seen.has(`${r.object_type}:${r.wecom_key}`) && seen.add(`${r.object_type}:${r.wecom_key}`));
  for (let i = 0; i < unique.length; i += 200) await trx.insertInto('orphan_observations').values(unique.slice(i, i + 200)).execute();
  const decisions = await trx.selectFrom('orphan_decisions').select(['object_type', 'wecom_key']).where('connection_id', '=', connectionId).where('object_type', 'in', listed).execute();
  for (const d of decisions) {
    if (seen.has(`${d.object_type}:${d.wecom_key}`)) continue;
    // a decision on a linked member (a deleted account's) stays while its link does
    const linked =
      d.object_type === 'member'
        ? await trx.selectFrom('member_links').select('account_id').where('connection_id', '=', connectionId).where('userid_key', '=', d.wecom_key).executeTakeFirst()
        : await trx.selectFrom('department_links').select('org_id').where('connection_id', '=', connectionId).where('department_id', '=', Number(d.wecom_key)).executeTakeFirst();
    if (!linked) await trx.deleteFrom('orphan_decisions').where('connection_id', '=', connectionId).where('object_type', '=', d.object_type).where('wecom_key', '=', d.wecom_key).execute();
  }
}

/** The connection's last scan, or null before any full run read a list. */
export async function loadScan(db: DB | Tx, connectionId: string): Promise<StoredScan | null> {
  const head = await db.selectFrom('orphan_scans').selectAll().where('connection_id', '=', connectionId).executeTakeFirst();
  if (!head) return null;
  const rows = await db.selectFrom('orphan_observations').selectAll().where('connection_id', '=', connectionId).execute();
  return {
    runId: head.run_id, at: head.scanned_at, membersListed: head.members_listed === 1, departmentsListed: head.departments_listed === 1,
    orphans: rows.map((r) => ({
      type: r.object_type as OrphanType, wecomId: r.wecom_id, why: r.why as OrphanWhy, ...(r.link_key !== null ? { linkKey: r.link_key } : {}),
      departments: JSON.parse(r.departments) as number[], firstSeen: r.first_seen, lastSeen: r.last_seen,
    })),
  };
}

export async function listDecisions(db: DB | Tx, connectionId: string): Promise<OrphanDecision[]> {
  const rows = await db.selectFrom('orphan_decisions').selectAll().where('connection_id', '=', connectionId).execute();
  return rows.map((r) => ({ type: r.object_type as OrphanType, wecomId: r.wecom_id, decision: r.decision as OrphanDecisionKind, by: r.decided_by, at: r.decided_at }));
}

/** Records (or replaces) the decision on one orphan. */
export async function putDecision(trx: Tx, connectionId: string, d: OrphanDecision): Promise<void> {
  await clearDecision(trx, connectionId, d.type, d.wecomId);
  await trx
    .insertInto('orphan_decisions')
    .values({ connection_id: connectionId, object_type: d.type, wecom_key: orphanKey(d.type, d.wecomId), wecom_id: d.wecomId, decision: d.decision, decided_by: d.by, decided_at: d.at })
    .execute();
}

/** Removes the decision on one orphan; true when there was one. */
export async function clearDecision(trx: Tx, connectionId: string, type: OrphanType, wecomId: string): Promise<boolean> {
  const r = await trx.deleteFrom('orphan_decisions').where('connection_id', '=', connectionId).where('object_type', '=', type).where('wecom_key', '=', orphanKey(type, wecomId)).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Forgets one observation (the orphan was linked or adopted: it is no orphan any more). */
export async function dropObservation(trx: Tx, connectionId: string, type: OrphanType, wecomId: string): Promise<void> {
  await trx.deleteFrom('orphan_observations').where('connection_id', '=', connectionId).where('object_type', '=', type).where('wecom_key', '=', orphanKey(type, wecomId)).execute();
}

/**
 * Of these orphan operation keys (planner/orphans.ts), those whose removal succeeded: key → the
 * latest such operation's kind and finish. A decision older than that is carried out: not planned
 * again, and a deleted orphan that a scan made before the removal still lists is gone.
 */
export async function removalsDone(db: DB | Tx, connectionId: string, keys: readonly string[]): Promise<Map<string, { kind: string; at: string }>> {
  const out = new Map<string, { kind: string; at: string }>();
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await db
      .selectFrom('run_operations as o')
      .innerJoin('runs as r', 'r.id', 'o.run_id')
      .select(['o.key', 'o.kind', 'o.finished_at'])
      .where('r.connection_id', '=', connectionId)
      .where('o.status', '=', 'succeeded')
      .where('o.kind', 'in', ['member.delete', 'member.disable', 'department.delete'])
      .where('o.key', 'in', keys.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      const at = r.finished_at ?? '';
      if ((out.get(r.key)?.at ?? '') <= at) out.set(r.key, { kind: r.kind, at });
    }
  }
  return out;
}
