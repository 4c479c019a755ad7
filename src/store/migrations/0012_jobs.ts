// Migration 0012: many processes on one PostgreSQL (src/jobs).
//   - runs may wait `queued`: a run requested while another of the connection is active (or before
//     a worker picked it up) is stored at once, so its id can be answered; at most one queued run
//     per connection (`runs_one_queued`): later requests coalesce into it.
//   - `sync_workers`: the processes that execute runs (heartbeat, state), for `wecom-sync status`.
//   - `wecom_budget_slices`: WeCom's per-company, per-API budget shared by every process: each slice
//     is a number of calls a process reserved in one window, held until its calls can no longer
//     count in that window (src/jobs/budget.ts).
// Both backends get the tables (the embedded store uses none of them). Never edit once released; add a new migration.
import { sql } from 'kysely';
import type { Step } from '../migrations.js';

export const m0012_jobs: Step = async (db, backend) => {
  const bigint = backend === 'postgres' ? 'bigint' : 'integer';
  await sql`create unique index runs_one_queued on runs (connection_id) where status = 'queued'`.execute(db);

  await db.schema
    .createTable('sync_workers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('slots', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('seen_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('wecom_budget_slices')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('corp_id', 'text', (c) => c.notNull())
    .addColumn('api', 'text', (c) => c.notNull())
    .addColumn('window_ms', sql.raw(bigint), (c) => c.notNull())
    .addColumn('calls', 'integer', (c) => c.notNull())
    .addColumn('granted_at', sql.raw(bigint), (c) => c.notNull())
    .addColumn('held_until', sql.raw(bigint), (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('wecom_budget_slices_pk', ['id', 'window_ms'])
    .execute();
  await db.schema.createIndex('wecom_budget_slices_key').on('wecom_budget_slices').columns(['corp_id', 'api', 'window_ms', 'held_until']).execute();
};
