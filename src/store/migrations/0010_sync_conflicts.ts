// Migration 0010: conflicts the sync's rules cannot settle (two accounts fit the WeCom member a
// deleted account left: src/sync/planner/members/rehire.ts), kept per connection and account so
// that "Needs attention" lists them with every claimant, also after an incremental run that sent
// nothing. Each stored plan replaces the rows of the keys it planned. Never edit once released; add a new migration.
import type { Step } from '../migrations.js';

export const m0010_sync_conflicts: Step = async (db) => {
  await db.schema
    .createTable('sync_conflicts')
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('object_key', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('wecom_id', 'text', (c) => c.notNull())
    .addColumn('claimants', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('detected_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sync_conflicts_pk', ['connection_id', 'object_key'])
    .execute();
};
