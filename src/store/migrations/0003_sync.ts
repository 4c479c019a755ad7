// Migration 0003: sync state (links with shadow state, runs, operations, change-feed cursors). Never edit once released; add a new migration.
import { sql } from 'kysely';
import type { Step } from '../migrations.js';

export const m0003_sync: Step = async (db, backend) => {
  const bigint = backend === 'postgres' ? 'bigint' : 'integer';

  await db.schema
    .createTable('department_links')
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('department_id', sql.raw(bigint), (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('shadow', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addColumn('op_id', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('department_links_pk', ['connection_id', 'org_id'])
    .execute();
  await db.schema.createIndex('department_links_department').unique().on('department_links').columns(['connection_id', 'department_id']).execute();

  await db.schema
    .createTable('member_links')
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('userid', 'text', (c) => c.notNull())
    .addColumn('userid_key', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('shadow', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addColumn('op_id', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('member_links_pk', ['connection_id', 'account_id'])
    .execute();
  await db.schema.createIndex('member_links_userid').unique().on('member_links').columns(['connection_id', 'userid_key']).execute();

  await db.schema
    .createTable('runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('plan', 'text')
    .addColumn('summary', 'text')
    .addColumn('error', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('runs_connection').on('runs').columns(['connection_id', 'created_at']).execute();
  // At most one active run per connection, enforced by the database itself (both backends support
  // partial unique indexes); the runs repository checks first to give a clear error.
  await sql`create unique index runs_one_active on runs (connection_id) where status in ('planned', 'running')`.execute(db);

  await db.schema
    .createTable('run_operations')
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('op_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('depends_on', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('errcode', sql.raw(bigint))
    .addColumn('errmsg', 'text')
    .addColumn('error_class', 'text')
    .addColumn('explanation', 'text')
    .addColumn('note', 'text')
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('run_operations_pk', ['run_id', 'op_id'])
    .execute();
  await db.schema.createIndex('run_operations_seq').on('run_operations').columns(['run_id', 'seq']).execute();
  await db.schema.createIndex('run_operations_key').on('run_operations').columns(['key', 'run_id']).execute();

  await db.schema
    .createTable('sync_cursors')
    .addColumn('connection_id', 'text', (c) => c.primaryKey())
    .addColumn('last_change_seq', sql.raw(bigint))
    .addColumn('department_id_floor', sql.raw(bigint), (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
};
