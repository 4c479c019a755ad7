// The embedded store prepares each SQL text once and reuses the statement: fresh results every
// time, bounded memory (least recently used dropped, long bulk statements never kept).
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { cachingStatements } from '../../src/store/statement-cache.js';
import { sqliteOptions } from '../../src/store/store.js';

interface Db {
  t: { id: number; name: string };
}

function open(options?: Parameters<typeof cachingStatements>[1]) {
  const raw = new BetterSqlite3(':memory:', sqliteOptions()); // the addon built for the running Node
  const prepared: string[] = [];
  const counting = {
    prepare: (text: string) => {
      prepared.push(text);
      return raw.prepare(text);
    },
    close: () => raw.close(),
  };
  const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: cachingStatements(counting, options) }) });
  return { db, raw, prepared };
}

describe('statement cache (embedded store)', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('prepares a query once and still reads what was written since', async () => {
    const { db, prepared } = open();
    close = () => db.destroy();
    await sql`create table t (id integer primary key, name text not null)`.execute(db);
    const names = async (): Promise<string[]> => (await db.selectFrom('t').select('name').orderBy('id').execute()).map((r) => r.name);
    for (let i = 1; i <= 5; i++) {
      await db.insertInto('t').values({ id: i, name: `n${i}` }).execute();
      expect(await names()).toEqual(Array.from({ length: i }, (_, k) => `n${k + 1}`));
    }
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('t').set({ name: 'x' }).where('id', '=', 1).execute();
    });
    expect(await names()).toEqual(['x', 'n2', 'n3', 'n4', 'n5']);
    const insert = prepared.filter((p) => p.startsWith('insert into "t"'));
    const select = prepared.filter((p) => p.startsWith('select "name" from "t"'));
    expect(insert).toHaveLength(1);
    expect(select).toHaveLength(1);
  });

  it('keeps at most `max` statements, dropping the least recently used', async () => {
    const { db, prepared } = open({ max: 2 });
    close = () => db.destroy();
    const q = (n: number) => sql`select ${sql.lit(n)} as v`.execute(db);
    await q(1);
    await q(2);
    await q(1); // 1 is now the most recently used
    await q(3); // drops 2
    await q(1);
    await q(2); // prepared again
    expect(prepared).toEqual(['select 1 as v', 'select 2 as v', 'select 3 as v', 'select 2 as v']);
  });

  it('does not keep statements longer than maxSqlLength', async () => {
    const { db, prepared } = open({ maxSqlLength: 20 });
    close = () => db.destroy();
    const long = sql`select ${sql.lit('a'.repeat(40))} as v`;
    await long.execute(db);
    await long.execute(db);
    expect(prepared).toHaveLength(2);
  });

  it('closes the database with the store', async () => {
    const { db, raw } = open();
    await sql`select 1`.execute(db);
    await db.destroy();
    expect(raw.open).toBe(false);
  });
});
