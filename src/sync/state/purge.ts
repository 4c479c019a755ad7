// Forgetting a connection's sync state. Sync tables reference connections without a foreign key
// (see src/store/tables/sync.ts), so whoever deletes a connection, or knows its WeCom side is gone,
// removes the state here.
import { sql } from 'kysely';
import type { Tx } from '../../store/store.js';

interface PurgeOptions {
  /** Also delete the connection's runs and their operations (default false: history is kept). */
  runs?: boolean;
}

/**
 * Deletes the connection's links (department and member, with their shadows) and its cursor, so the
 * next sync starts as a first one; with `runs`, its runs and their recorded operations too.
 */
export async function purgeConnectionState(trx: Tx, connectionId: string, opts: PurgeOptions = {}): Promise<void> {
  await trx.deleteFrom('department_links').where('connection_id', '=', connectionId).execute();
  await trx.deleteFrom('member_links').where('connection_id', '=', connectionId).execute();
  await trx.deleteFrom('sync_cursors').where('connection_id', '=', connectionId).execute();
  await trx.deleteFrom('sync_conflicts').where('connection_id', '=', connectionId).execute();
  for (const table of ['orphan_scans', 'orphan_observations', 'orphan_decisions'] as const) await trx.deleteFrom(table).where('connection_id', '=', connectionId).execute();
  if (opts.runs) {
    await trx.deleteFrom('run_operations').where(sql<boolean>`run_id in (select id from runs where connection_id = ${connectionId})`).execute();
    await trx.deleteFrom('runs').where('connection_id', '=', connectionId).execute();
  }
}
