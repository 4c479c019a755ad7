// Migration 0007: sign-in attempt counters (src/auth/rate-limit.ts), kept in the store so parallel
// requests and several processes on one database share one count. Never edit once released; add a new migration.
import type { Step } from '../migrations.js';

export const m0007_login_attempts: Step = async (db) => {
  await db.schema
    .createTable('login_attempts')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('reset_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('login_attempts_reset_at').on('login_attempts').column('reset_at').execute();
};
