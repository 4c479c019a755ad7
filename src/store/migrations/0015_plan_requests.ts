// Migration 0015: plans (dry runs) asked of the workers (PostgreSQL deployments, src/jobs/plans.ts).
// `serve --no-worker` sends nothing to WeCom, so a plan it is asked for is a row here: a worker
// claims it, computes the plan (reading WeCom under the shared budget) and stores it in a
// language-neutral form (codes with parameters) for the serve process to render. At most one
// request per connection waits at a time (`plan_requests_one_waiting`): requests made meanwhile
// join it, as do requests made while a worker makes a plan of the same directory sequence and
// connection version. Both backends get the table (the embedded store uses none of it). Never edit once
// released; add a new migration.
import { sql } from 'kysely';
import type { Step } from '../migrations.js';

export const m0015_plan_requests: Step = async (db, backend) => {
  const bigint = backend === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('plan_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    // waiting → planning → done | failed; a waiting request nobody waits for any more: expired
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text', (c) => c.notNull())
    // what the requester knew: the directory's latest change and the connection's version
    .addColumn('change_seq', sql.raw(bigint), (c) => c.notNull())
    .addColumn('connection_version', 'integer', (c) => c.notNull())
    // no worker starts it after this (ISO): the last requester has stopped waiting
    .addColumn('wanted_until', 'text', (c) => c.notNull())
    .addColumn('worker', 'text')
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    // done: the plan (JSON, src/jobs/plans.ts StoredPlan); failed: the problem (JSON)
    .addColumn('result', 'text')
    .addColumn('error', 'text')
    .execute();
  await sql`create unique index plan_requests_one_waiting on plan_requests (connection_id) where status = 'waiting'`.execute(db);
  await db.schema.createIndex('plan_requests_requested').on('plan_requests').column('requested_at').execute();
};
