// Every query on a source's own tables: its links (stable key → directory object), its cursor and
// its pull records. The directory's rows are written through the Directory only.
import type { DB, Tx } from '../../store/index.js';
import type { Link } from './plan.js';

type Db = DB | Tx;

export interface SourceLinks {
  organizations: Map<string, Link>;
  accounts: Map<string, Link>;
}

export async function readLinks(db: Db, sourceId: string): Promise<SourceLinks> {
  const rows = await db.selectFrom('source_links').selectAll().where('source_id', '=', sourceId).execute();
  const out: SourceLinks = { organizations: new Map(), accounts: new Map() };
  for (const r of rows) {
    if (r.object_type === 'organization' && r.organization_id) out.organizations.set(r.key, { objectId: r.organization_id, dn: r.dn });
    else if (r.object_type === 'account' && r.account_id) out.accounts.set(r.key, { objectId: r.account_id, dn: r.dn });
  }
  return out;
}

/** Records (or moves) the link of a key to a directory object, with the entry's current DN. */
export async function saveLink(trx: Tx, sourceId: string, type: 'organization' | 'account', key: string, objectId: string, dn: string): Promise<void> {
  const t = new Date().toISOString();
  await trx.deleteFrom('source_links').where('source_id', '=', sourceId).where('object_type', '=', type).where('key', '=', key).execute();
  await trx
    .insertInto('source_links')
    .values({ source_id: sourceId, object_type: type, key, organization_id: type === 'organization' ? objectId : null, account_id: type === 'account' ? objectId : null, dn, updated_at: t })
    .execute();
}

export async function updateLinkDn(trx: Tx, sourceId: string, type: 'organization' | 'account', key: string, dn: string): Promise<void> {
  await trx.updateTable('source_links').set({ dn, updated_at: new Date().toISOString() }).where('source_id', '=', sourceId).where('object_type', '=', type).where('key', '=', key).execute();
}

/** How many organizations and accounts each source owns. */
export async function ownedCounts(db: Db): Promise<Map<string, { organizations: number; accounts: number }>> {
  const rows = await db
    .selectFrom('source_links')
    .select((eb) => ['source_id', 'object_type', eb.fn.countAll<number>().as('n')])
    .groupBy(['source_id', 'object_type'])
    .execute();
  const out = new Map<string, { organizations: number; accounts: number }>();
  for (const r of rows) {
    const c = out.get(r.source_id) ?? { organizations: 0, accounts: 0 };
    if (r.object_type === 'organization') c.organizations = Number(r.n);
    else c.accounts = Number(r.n);
    out.set(r.source_id, c);
  }
  return out;
}
