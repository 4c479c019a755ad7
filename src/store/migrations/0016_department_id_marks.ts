// Migration 0016: new WeCom department ids are reserved per company (corpid), not per connection.
// Two connections of one company (other roots or scopes) used to choose new ids above what each
// had seen, so planning at the same time they could pick the same id: WeCom refused the second
// create (60008), or — a create resumed as uncertain — the second took the first's department for
// its own. `department_id_marks` holds, per corpid, the highest id any run of the deployment has
// chosen; a run stores its plan only if every new id it chose is above the mark, raising it in the
// same transaction (src/sync/state/department-ids.ts). Seeded from what the connections already
// linked or saw. Both backends. Never edit once released; add a new migration.
import { sql } from 'kysely';
import type { Step } from '../migrations.js';

export const m0016_department_id_marks: Step = async (db, backend) => {
  const bigint = backend === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('department_id_marks')
    .addColumn('corp_id', 'text', (c) => c.primaryKey())
    .addColumn('high', sql.raw(bigint), (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await sql`
    insert into department_id_marks (corp_id, high, updated_at)
    select c.corp_id, max(x.id), ${new Date().toISOString()}
    from connections c
    join (
      select connection_id, department_id_floor as id from sync_cursors
      union all
      select connection_id, department_id as id from department_links
    ) x on x.connection_id = c.id
    group by c.corp_id`.execute(db);
};
