// The company's creator as WeCom revealed it: WeCom's API does not say which member created the
// company, but it answers 301005 to deleting it. A member delete (or disable, under the strict
// reading) of this connection that WeCom answered 301005 marks that userid; the planner never
// deletes or disables it again (PlannerSettings.protectedUserids).
import { Errcode } from '../../wecom/errors/catalog.js';
import type { DB, Tx } from '../../store/store.js';

export async function creatorUserids(db: DB | Tx, connectionId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('run_operations as o')
    .innerJoin('runs as r', 'r.id', 'o.run_id')
    .select('o.target')
    .where('r.connection_id', '=', connectionId)
    .where('o.kind', 'in', ['member.delete', 'member.disable'])
    .where('o.errcode', '=', Errcode.CreatorDelete)
    .execute();
  const userids = new Set<string>();
  for (const r of rows) {
    const userid = (JSON.parse(r.target) as { userid?: unknown }).userid;
    if (typeof userid === 'string') userids.add(userid);
  }
  return [...userids].sort();
}
