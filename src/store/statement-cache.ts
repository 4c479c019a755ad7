// Prepared statements reused per SQL text on the embedded store. Kysely's SQLite driver prepares
// every query afresh, on the event loop (better-sqlite3 is synchronous), while a sync run sends
// the same few statements for every operation: an initial sync of 31,000 operations prepared
// about 136,000 statements, 5.8 s of its event loop on a loaded machine (see BENCHMARKS.md,
// "The initial sync from the command line"). Kysely runs one query at a time on the connection
// (the driver's mutex; a stream holds it until it ends), so a cached statement is never in use
// twice at once. Long statements (bulk inserts, whose text varies with the row count) are not
// kept: their preparation is shared by many rows already.
import type { SqliteDatabase, SqliteStatement } from 'kysely';

interface StatementCacheOptions {
  /** Statements kept, least recently used dropped first; default 200. */
  max?: number;
  /** SQL longer than this is prepared each time; default 4,000 characters. */
  maxSqlLength?: number;
}

export function cachingStatements(db: SqliteDatabase, options: StatementCacheOptions = {}): SqliteDatabase {
  const max = options.max ?? 200;
  const maxSqlLength = options.maxSqlLength ?? 4000;
  const cache = new Map<string, SqliteStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      const hit = cache.get(sql);
      if (hit) {
        // Map keeps insertion order: re-inserting makes it the most recently used
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = db.prepare(sql);
      if (sql.length <= maxSqlLength) {
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
      return stmt;
    },
    close(): void {
      cache.clear();
      db.close();
    },
  };
}
