// Bulk inserts/upserts for large writes (imports, change-feed appends), one call for both backends.
//   - SQLite: multi-row INSERT … VALUES through the typed query builder, chunked under the
//     variable limit (statements run in-process, so a round trip costs nothing).
//   - PostgreSQL: INSERT … SELECT * FROM unnest($1::text[], $2::bigint[], …): one array
//     parameter per column, 5k rows per statement, so 100k rows are ~20 round trips and the
//     server parses a tiny statement instead of one with 60k placeholders.
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';
import { type Store, type Tx, chunk } from './store.js';

export type PgType = 'text' | 'bigint' | 'integer';

export interface BulkOptions<Row> {
  /** Column name -> PostgreSQL type of its array parameter. Order is the insert order. */
  columns: { [K in keyof Row & string]?: PgType };
  /** Upsert: on conflict with this column, overwrite these columns from the new row. */
  upsert?: { conflict: keyof Row & string; update: Array<keyof Row & string> };
}

const PG_ROWS_PER_STATEMENT = 5_000;

export async function bulkInsert<T extends keyof Database & string>(
  store: Store,
  trx: Tx,
  table: T,
  rows: ReadonlyArray<Database[T]>,
  opts: BulkOptions<Database[T]>,
): Promise<void> {
  if (rows.length === 0) return;
  const cols = Object.keys(opts.columns) as Array<keyof Database[T] & string>;
  const upsert = opts.upsert
    ? sql` on conflict (${sql.ref(opts.upsert.conflict)}) do update set ${sql.join(opts.upsert.update.map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`))}`
    : sql``;
  if (store.backend === 'postgres') {
    for (let i = 0; i < rows.length; i += PG_ROWS_PER_STATEMENT) {
      const part = rows.slice(i, i + PG_ROWS_PER_STATEMENT);
      const arrays = cols.map((c) => {
        const type = opts.columns[c]!;
        const values = part.map((r) => (r as unknown as Record<string, unknown>)[c] ?? null);
        return sql`${values}::${sql.raw(type)}[]`;
      });
      await sql`insert into ${sql.table(table)} (${sql.join(cols.map((c) => sql.ref(c)))}) select * from unnest(${sql.join(arrays)})${upsert}`.execute(trx);
    }
    return;
  }
  const loose = trx as unknown as Kysely<Record<string, Record<string, unknown>>>;
  for (const part of chunk(rows, cols.length, store.maxParameters)) {
    let q = loose.insertInto(table).values(part as unknown as Array<Record<string, unknown>>);
    const u = opts.upsert;
    if (u) q = q.onConflict((oc) => oc.column(u.conflict).doUpdateSet(Object.fromEntries(u.update.map((c) => [c, sql.ref(`excluded.${c}`)])) as never));
    await q.execute();
  }
}
