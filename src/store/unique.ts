// Unique-constraint violations, recognised the same way on both backends.

const CODES = new Set([
  '23505', // PostgreSQL unique_violation
  'SQLITE_CONSTRAINT_UNIQUE', // better-sqlite3: a unique index
  'SQLITE_CONSTRAINT_PRIMARYKEY', // better-sqlite3: a primary key
]);

/**
 * True when a write failed because a unique index or primary key already holds the value. SQLite's
 * message is checked too, for an error re-thrown without its code.
 */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null | undefined;
  if (typeof e?.code === 'string' && CODES.has(e.code)) return true;
  return typeof e?.message === 'string' && e.message.includes('UNIQUE constraint failed');
}
