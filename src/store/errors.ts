// Store errors, recognised the same way on both backends: a write the data refused (a constraint)
// is an answer about that write; anything else (a lost connection, a timeout, a full disk) is the
// store being unavailable, and the caller must not record it as the data's fault.

const UNIQUE = new Set([
  '23505', // PostgreSQL unique_violation
  'SQLITE_CONSTRAINT_UNIQUE', // better-sqlite3: a unique index
  'SQLITE_CONSTRAINT_PRIMARYKEY', // better-sqlite3: a primary key
]);

type Coded = { code?: unknown; message?: unknown } | null | undefined;

/**
 * True when a write failed because a unique index or primary key already holds the value. SQLite's
 * message is checked too, for an error re-thrown without its code.
 */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as Coded;
  if (typeof e?.code === 'string' && UNIQUE.has(e.code)) return true;
  return typeof e?.message === 'string' && e.message.includes('UNIQUE constraint failed');
}

/**
 * True when the store refused the data of a write: PostgreSQL's integrity-constraint (23xxx) and
 * data-exception (22xxx) classes, SQLite's constraint, mismatch and too-big errors. False for every
 * other failure — a connection cut, the server restarting (57P01), a timeout, an I/O error — which
 * says nothing about the write and may succeed when retried.
 */
export function isDataRefusal(err: unknown): boolean {
  if (isUniqueViolation(err)) return true;
  const code = (err as Coded)?.code;
  if (typeof code !== 'string') return false;
  if (/^2[23][0-9A-Z]{3}$/.test(code)) return true;
  return code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG';
}
