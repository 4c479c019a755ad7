// Migration 0005: the first-start demo (src/demo). Never edit once released; add a new migration.
import type { Step } from '../migrations.js';

export const m0005_demo: Step = async (db) => {
  // At most one row (id 'demo'): the demo's connection, the simulated company, and exactly the
  // directory objects the demo created, so that removing it deletes those and nothing else.
  await db.schema
    .createTable('demo')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('corp_id', 'text', (c) => c.notNull())
    .addColumn('root_organization_id', 'text', (c) => c.notNull())
    .addColumn('organization_ids', 'text', (c) => c.notNull())
    .addColumn('account_ids', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
};
