// Migration 0002: connections (one WeCom company each). Never edit once released; add a new migration.
import { sql } from 'kysely';
import type { Step } from '../migrations.js';

export const m0002_connections: Step = async (db, backend) => {
  // WeCom department ids are 32-bit; bigint leaves room as in 0001. Percentages may be fractional.
  const bigint = backend === 'postgres' ? 'bigint' : 'integer';
  const double = backend === 'postgres' ? 'double precision' : 'real';
  await db.schema
    .createTable('connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('corp_id', 'text', (c) => c.notNull())
    .addColumn('secret_enc', 'text', (c) => c.notNull())
    .addColumn('root_department_id', sql.raw(bigint), (c) => c.notNull())
    .addColumn('default_department_id', sql.raw(bigint))
    .addColumn('extattrs', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('proxies', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('proxy_username', 'text')
    .addColumn('proxy_password_enc', 'text')
    .addColumn('api_base', 'text', (c) => c.notNull())
    .addColumn('ca_pem', 'text')
    .addColumn('scope', 'text', (c) => c.notNull().defaultTo('{"organizationRoots":[]}'))
    .addColumn('on_account_deleted', 'text', (c) => c.notNull())
    .addColumn('on_account_disabled', 'text', (c) => c.notNull())
    .addColumn('on_organization_deleted', 'text', (c) => c.notNull())
    .addColumn('max_deletes', sql.raw(bigint), (c) => c.notNull())
    .addColumn('max_delete_percent', sql.raw(double), (c) => c.notNull())
    .addColumn('mapping', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('connections_name_key').unique().on('connections').column('name_key').execute();
};
