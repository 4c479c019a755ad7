// The durable change feed.
//
// Ordering guarantee: sequences are gap-free and increase in commit order, so a consumer that
// remembers the last sequence it processed and asks for `seq > cursor` can never skip a change.
//
// Why a plain serial/identity column is not enough on PostgreSQL: nextval() is handed out when
// the INSERT runs, not when the transaction commits. Writer A takes 10, writer B takes 11, B
// commits first; a consumer reading then sees 11, advances its cursor to 11 and never sees 10
// when A commits. (Sequences also leave gaps on rollback.)
//
// How it is solved: every directory write transaction begins by row-locking the single
// `counters('changes')` row (Store.write) and allocates its sequences from that row
// (`value = value + n`). The row lock is held until commit, so the next writer cannot allocate
// until the previous one has committed or rolled back: allocation order = commit order, and a
// rollback returns its numbers. The cost is that directory writes are serialised — acceptable
// because a bulk import is one transaction that appends all of its changes in one multi-row
// statement per chunk. On SQLite writers are serialised by the database lock anyway (WAL mode,
// busy_timeout); the same counter row keeps the two backends on one code path.
//
// Because the lock is taken before any validation read, checks made inside a write transaction
// (parent exists, no cycle, unique sibling name) see every earlier committed write.
import { sql } from 'kysely';
import type { Change, ChangeOperation, ObjectType } from '../domain/change.js';
import { bulkInsert } from './bulk.js';
import type { DB, Store, Tx } from './store.js';
import { chunk } from './store.js';

const CHANGE_COLUMNS = {
  seq: 'bigint', object_type: 'text', object_id: 'text', operation: 'text', version: 'integer', changed_fields: 'text', occurred_at: 'text',
} as const;

export interface ChangeInput {
  objectType: ObjectType;
  objectId: string;
  operation: ChangeOperation;
  version: number;
  changedFields: string[];
}

/** Appends changes within a write transaction (Store.write); returns the sequences assigned. */
export async function appendChanges(store: Store, trx: Tx, changes: readonly ChangeInput[], occurredAt: string): Promise<number[]> {
  if (changes.length === 0) return [];
  const row = await sql<{ value: number }>`update counters set value = value + ${changes.length} where name = 'changes' returning value`
    .execute(trx)
    .then((r) => r.rows[0]);
  if (!row) throw new Error('change counter missing: the store is not migrated');
  const last = Number(row.value);
  const first = last - changes.length + 1;
  const fieldsJson = new Map<string[], string>();
  const json = (f: string[]): string => {
    let s = fieldsJson.get(f);
    if (s === undefined) fieldsJson.set(f, (s = JSON.stringify(f)));
    return s;
  };
  let offset = 0;
  // Built and written in slices so 100k changes never exist as rows all at once.
  for (const part of chunk(changes, 1, 5_000)) {
    const base = first + offset;
    const rows = part.map((c, i) => ({
      seq: base + i,
      object_type: c.objectType,
      object_id: c.objectId,
      operation: c.operation,
      version: c.version,
      changed_fields: json(c.changedFields),
      occurred_at: occurredAt,
    }));
    await bulkInsert(store, trx, 'changes', rows, { columns: CHANGE_COLUMNS });
    offset += part.length;
  }
  return changes.map((_, i) => first + i);
}

/** Changes with seq > after, oldest first. */
export async function readChanges(db: DB, after: number, limit: number): Promise<Change[]> {
  const rows = await db.selectFrom('changes').selectAll().where('seq', '>', after).orderBy('seq').limit(limit).execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    objectType: r.object_type as ObjectType,
    objectId: r.object_id,
    operation: r.operation as ChangeOperation,
    version: Number(r.version),
    changedFields: JSON.parse(r.changed_fields) as string[],
    occurredAt: r.occurred_at,
  }));
}

/** The last sequence handed out (0 when the feed is empty). */
export async function latestSequence(db: DB): Promise<number> {
  const row = await db.selectFrom('counters').select('value').where('name', '=', 'changes').executeTakeFirst();
  return Number(row?.value ?? 0);
}
