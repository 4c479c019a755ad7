// Migration 0013: orphans — WeCom members and departments no account or organization of a
// connection owns (src/sync/views/orphans.ts).
//   orphan_scans          per connection: when the last full run read WeCom's id lists, and which
//                         lists WeCom gave (48009 refuses them to a newly trusted IP)
//   orphan_observations   what that run saw and no link owns (made by hand, another connection's),
//                         or linked to an account the mapping no longer selects (scope shrank);
//                         replaced by each full run that reads the lists, first_seen kept
//   orphan_decisions      an admin's decision on one orphan: 'ignore' (listed as ignored, never
//                         acted on) or 'delete' (the next full run plans its removal)
// Never edit once released; add a new migration.
import type { Step } from '../migrations.js';

export const m0013_orphan_decisions: Step = async (db) => {
  await db.schema
    .createTable('orphan_scans')
    .addColumn('connection_id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('scanned_at', 'text', (c) => c.notNull())
    .addColumn('members_listed', 'integer', (c) => c.notNull())
    .addColumn('departments_listed', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('orphan_observations')
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('wecom_key', 'text', (c) => c.notNull())
    .addColumn('wecom_id', 'text', (c) => c.notNull())
    .addColumn('why', 'text', (c) => c.notNull())
    .addColumn('link_key', 'text')
    .addColumn('departments', 'text', (c) => c.notNull())
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('orphan_observations_pk', ['connection_id', 'object_type', 'wecom_key'])
    .execute();
  await db.schema
    .createTable('orphan_decisions')
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('wecom_key', 'text', (c) => c.notNull())
    .addColumn('wecom_id', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('orphan_decisions_pk', ['connection_id', 'object_type', 'wecom_key'])
    .execute();
};
