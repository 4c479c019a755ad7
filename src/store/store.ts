// The store: one typed query layer (Kysely over the Database schema) on two backends.
//   - embedded: SQLite through better-sqlite3 (WAL, busy_timeout, foreign keys on)
//   - PostgreSQL through pg, selected by DATABASE_URL
// openStore() runs the migrations before returning. Services receive a Store; nothing is global.
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type Transaction, sql } from 'kysely';
import pg from 'pg';
import { type StoreConfig, describeStoreConfig } from './config.js';
import { ensurePrivateDir, ensurePrivateFile } from './files.js';
import { type Backend, migrationSteps } from './migrations.js';
import { cachingStatements } from './statement-cache.js';
import type { Database } from './schema.js';

export type { Backend } from './migrations.js';
export type DB = Kysely<Database>;
export type Tx = Transaction<Database>;

export interface Store {
  readonly backend: Backend;
  /** For reads. Writes that touch the directory go through write(). */
  readonly db: DB;
  /** Human-readable location, without secrets. */
  readonly description: string;
  /**
   * Runs fn in a transaction that first takes the store's write lock (the `changes` counter row),
   * so directory writes are serialised and change-feed sequences are handed out in commit order.
   * See ./changes.ts for why.
   */
  write<T>(fn: (trx: Tx) => Promise<T>): Promise<T>;
  /** Largest number of bind parameters one statement may carry on this backend. */
  readonly maxParameters: number;
  close(): Promise<void>;
}

class StoreError extends Error {}

interface OpenOptions {
  /** Run migrations (default true). */
  migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

// int8 (count(*), bigint columns) as JS numbers; sequences stay far below 2^53.
const pgTypes = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

// better-sqlite3 is a native addon; node_modules holds the build for the Node that ran `npm ci`.
// WECOM_SYNC_SQLITE_BINDING names a build for the running Node instead (scripts/with-node.mjs sets it
// when the tests run on a second Node version).
export function sqliteOptions(): BetterSqlite3.Options {
  const nativeBinding = process.env.WECOM_SYNC_SQLITE_BINDING;
  return nativeBinding ? { nativeBinding } : {};
}

function openSqlite(file: string): DB {
  if (file !== ':memory:') {
    ensurePrivateDir(path.dirname(file));
    ensurePrivateFile(file);
  }
  const database = new BetterSqlite3(file, sqliteOptions());
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('busy_timeout = 10000');
  database.pragma('foreign_keys = ON');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(database) }) });
}

function openPostgres(url: string, schema: string | undefined, poolSize: number): DB {
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new StoreError(`invalid schema name "${schema}"`);
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: pgTypes,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // A connection the server closed (a restart, a failover, an administrator) is an 'error' event
  // on the pool when idle, on the connection itself when checked out between two statements (a
  // transaction); unheard, either would end the process. The pool drops that connection and the
  // next query opens a new one; the statements under way fail and are handled where they were made.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

class KyselyStore implements Store {
  readonly maxParameters: number;
  constructor(
    readonly backend: Backend,
    readonly db: DB,
    readonly description: string,
  ) {
    // SQLite >= 3.32 allows 32766 variables, PostgreSQL 65535; stay below both.
    this.maxParameters = backend === 'sqlite' ? 30_000 : 60_000;
  }

  write<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      // First statement of every write transaction: on PostgreSQL it row-locks the counter until
      // commit; on SQLite it takes the database write lock up front (a deferred transaction that
      // reads first could otherwise fail with SQLITE_BUSY when upgrading to a writer).
      await sql`update counters set value = value where name = 'changes'`.execute(trx);
      return fn(trx);
    });
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

export async function openStore(config: StoreConfig, opts: OpenOptions = {}): Promise<Store> {
  let db: DB;
  if (config.kind === 'sqlite') {
    db = openSqlite(config.file);
  } else {
    if (config.schema) {
      const admin = new pg.Client({ connectionString: config.url });
      await admin.connect();
      try {
        await admin.query(`create schema if not exists ${config.schema}`);
      } catch (err) {
        // Two processes creating the same schema at once: the loser sees a unique violation.
        if ((err as { code?: string }).code !== '23505') throw err;
      } finally {
        await admin.end();
      }
    }
    db = openPostgres(config.url, config.schema, opts.poolSize ?? 10);
  }
  const store = new KyselyStore(config.kind, db, describeStoreConfig(config));
  try {
    if (opts.migrate !== false) await migrate(store);
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}

/**
 * Applies pending migrations in one transaction, recorded in `schema_migrations`. Concurrent
 * starters queue: on PostgreSQL behind a transaction-level advisory lock keyed by the schema, on
 * SQLite behind BEGIN IMMEDIATE (the database write lock, waiting up to busy_timeout). DDL is
 * transactional on both, so a failed migration leaves the schema as it was.
 * (Kysely's own Migrator is not used: it introspects every schema of the database, which races
 * with other schemas being dropped and mistakes another schema's tables for ours.)
 */
async function migrate(store: Store): Promise<string[]> {
  const steps = migrationSteps(store.backend);
  return store.db.connection().execute(async (conn) => {
    const db = conn as unknown as Kysely<unknown>;
    if (store.backend === 'postgres') {
      await sql`begin`.execute(db);
      await sql`select pg_advisory_xact_lock(hashtext('wecom-sync:migrate:' || current_schema()))`.execute(db);
    } else {
      await sql`begin immediate`.execute(db);
    }
    try {
      await sql`create table if not exists schema_migrations (name text primary key, applied_at text not null)`.execute(db);
      const done = new Set((await sql<{ name: string }>`select name from schema_migrations`.execute(db)).rows.map((r) => r.name));
      const applied: string[] = [];
      for (const [name, up] of steps) {
        if (done.has(name)) continue;
        try {
          await up(db);
        } catch (err) {
          throw new StoreError(`migration ${name} failed on ${store.description}: ${(err as Error).message}`);
        }
        await sql`insert into schema_migrations (name, applied_at) values (${name}, ${new Date().toISOString()})`.execute(db);
        applied.push(name);
      }
      await sql`commit`.execute(db);
      return applied;
    } catch (err) {
      await sql`rollback`.execute(db).catch(() => {});
      throw err;
    }
  });
}

/** Splits rows so each multi-row statement stays under the backend's parameter limit. */
export function chunk<T>(rows: readonly T[], columns: number, maxParameters: number): T[][] {
  const size = Math.max(1, Math.floor(maxParameters / Math.max(1, columns)));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
