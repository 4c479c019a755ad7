// Migration 0006: per-object sync status (src/sync/state/object-status.ts). Never edit once released; add a new migration.
import type { Step } from '../migrations.js';

export const m0006_object_status: Step = async (db) => {
  // "What is broken right now": the operations of a given status (failed, skipped, pending), by
  // key, without reading a connection's whole operation history. One object's operations are
  // found by run_operations_key (key, run_id) from 0003.
  await db.schema.createIndex('run_operations_status').on('run_operations').columns(['status', 'key']).execute();
};
