// Migration 0014: the fingerprint of the mapping a connection's last full run applied (sync
// cursors), so that a saved mapping change is known to be pending and its operations say
// "mapping changed". Never edit once released; add a new migration.
import type { Step } from '../migrations.js';

export const m0014_mapping_hash: Step = async (db) => {
  await db.schema.alterTable('sync_cursors').addColumn('mapping_hash', 'text').execute();
};
