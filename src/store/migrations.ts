// The one ordered list of schema migrations, for both backends. Migrations run on start
// (openStore → migrate in ./store.ts) in one transaction under a lock, so several processes
// starting at once apply each migration exactly once; `schema_migrations` records them. Later issues append entries here
// (connections, links with shadow state, per-connection change-feed cursors, runs, operations):
// never edit a released migration, add a new one.
import { type Kysely, sql } from 'kysely';
import { m0002_connections } from './migrations/0002_connections.js';
import { m0003_sync } from './migrations/0003_sync.js';
import { m0004_auth } from './migrations/0004_auth.js';
import { m0005_demo } from './migrations/0005_demo.js';
import { m0006_object_status } from './migrations/0006_object_status.js';
import { m0007_login_attempts } from './migrations/0007_login_attempts.js';
import { m0008_connection_rate_proxy_ca } from './migrations/0008_connection_rate_proxy_ca.js';
import { m0009_scim } from './migrations/0009_scim.js';
import { m0010_sync_conflicts } from './migrations/0010_sync_conflicts.js';
import { m0011_sources } from './migrations/0011_sources.js';
import { m0012_jobs } from './migrations/0012_jobs.js';
import { m0013_orphan_decisions } from './migrations/0013_orphan_decisions.js';
import { m0014_mapping_hash } from './migrations/0014_mapping_hash.js';
import { m0015_plan_requests } from './migrations/0015_plan_requests.js';
import { m0016_department_id_marks } from './migrations/0016_department_id_marks.js';

export type Backend = 'sqlite' | 'postgres';

export type Step = (db: Kysely<unknown>, backend: Backend) => Promise<void>;

const m0001_directory: Step = async (db, backend) => {
  // Big integers: sequence numbers and WeCom-style orders (up to 2^32-1) exceed int4.
  const bigint = backend === 'postgres' ? 'bigint' : 'integer';

  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('external_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    // Deferred so a batch may insert rows in any order; checked at commit.
    .addColumn('parent_id', 'text', (c) => c.references('organizations.id').modifyEnd(sql`deferrable initially deferred`))
    .addColumn('sort_order', sql.raw(bigint), (c) => c.notNull().defaultTo(0))
    .addColumn('code', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('organizations_external_id').unique().on('organizations').column('external_id').execute();
  await db.schema.createIndex('organizations_parent').on('organizations').column('parent_id').execute();
  // Sibling names are unique; roots (parent NULL) share one namespace.
  await sql`create unique index organizations_sibling_name on organizations (coalesce(parent_id, ''), name)`.execute(db);

  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('external_id', 'text')
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('username_key', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('mobile', 'text')
    .addColumn('email', 'text')
    .addColumn('telephone', 'text')
    .addColumn('title', 'text')
    .addColumn('gender', 'text', (c) => c.notNull())
    .addColumn('employee_number', 'text')
    .addColumn('manager_id', 'text')
    .addColumn('primary_organization_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('accounts_username_key').unique().on('accounts').column('username_key').execute();
  await db.schema.createIndex('accounts_external_id').unique().on('accounts').column('external_id').execute();
  await db.schema.createIndex('accounts_manager').on('accounts').column('manager_id').execute();

  await db.schema
    .createTable('account_organizations')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade').modifyEnd(sql`deferrable initially deferred`))
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').modifyEnd(sql`deferrable initially deferred`))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_organizations_pk', ['account_id', 'organization_id'])
    .execute();
  await db.schema.createIndex('account_organizations_org').on('account_organizations').column('organization_id').execute();

  await db.schema
    .createTable('changes')
    .addColumn('seq', sql.raw(bigint), (c) => c.primaryKey())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('changed_fields', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('changes_object').on('changes').columns(['object_type', 'object_id', 'seq']).execute();

  await db.schema
    .createTable('counters')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', sql.raw(bigint), (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`insert into counters (name, value) values ('changes', 0)`.execute(db);
};

/** Ordered by name; the name is what the migrations table records. */
const STEPS: ReadonlyArray<readonly [string, Step]> = [
  ['0001_directory', m0001_directory],
  ['0002_connections', m0002_connections],
  ['0003_sync', m0003_sync],
  ['0004_auth', m0004_auth],
  ['0005_demo', m0005_demo],
  ['0006_object_status', m0006_object_status],
  ['0007_login_attempts', m0007_login_attempts],
  ['0008_connection_rate_proxy_ca', m0008_connection_rate_proxy_ca],
  ['0009_scim', m0009_scim],
  ['0010_sync_conflicts', m0010_sync_conflicts],
  ['0011_sources', m0011_sources],
  ['0012_jobs', m0012_jobs],
  ['0013_orphan_decisions', m0013_orphan_decisions],
  ['0014_mapping_hash', m0014_mapping_hash],
  ['0015_plan_requests', m0015_plan_requests],
  ['0016_department_id_marks', m0016_department_id_marks],
];

export const MIGRATION_NAMES = STEPS.map(([name]) => name);

/** The migrations as [name, up] pairs, in order, for one backend. */
export function migrationSteps(backend: Backend): Array<[string, (db: Kysely<unknown>) => Promise<void>]> {
  return STEPS.map(([name, step]) => [name, (db: Kysely<unknown>) => step(db, backend)]);
}
