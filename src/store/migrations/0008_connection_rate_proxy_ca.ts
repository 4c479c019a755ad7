// Migration 0008: a connection's rate budget (an override of WeCom's documented budget, and the
// share of it the connection may use) and the CA trusted for https:// proxies. Never edit once released; add a new migration.
import { sql } from 'kysely';
import type { Step } from '../migrations.js';

export const m0008_connection_rate_proxy_ca: Step = async (db, backend) => {
  const double = backend === 'postgres' ? 'double precision' : 'real';
  await db.schema.alterTable('connections').addColumn('rate_budget', 'text').execute();
  await db.schema.alterTable('connections').addColumn('rate_share_percent', sql.raw(double), (c) => c.notNull().defaultTo(100)).execute();
  await db.schema.alterTable('connections').addColumn('proxy_ca_pem', 'text').execute();
};
