// isUniqueViolation on both backends: the services turn these into 409s (a taken name, a second
// active run, a demo started twice), so a miss would surface as a 500.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../src/store/unique.js';
import { BACKENDS, type TestStore } from './backends.js';

const failure = async (p: Promise<unknown>): Promise<unknown> => p.then(() => expect.fail('the statement succeeded'), (err: unknown) => err);

describe.each(BACKENDS)('isUniqueViolation on $name', (backend) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await backend.open();
    await sql`create table uniq_probe (id text primary key, k text not null, active integer not null)`.execute(t.store.db);
    await sql`create unique index uniq_probe_k on uniq_probe (k)`.execute(t.store.db);
    await sql`create unique index uniq_probe_one_active on uniq_probe (active) where active = 1`.execute(t.store.db);
    await sql`insert into uniq_probe (id, k, active) values ('a', 'x', 1)`.execute(t.store.db);
  });
  afterEach(async () => t.dispose());

  it('recognises a duplicate primary key, unique index and partial unique index', async () => {
    for (const values of [sql`('a', 'y', 0)`, sql`('b', 'x', 0)`, sql`('c', 'z', 1)`]) {
      expect(isUniqueViolation(await failure(sql`insert into uniq_probe (id, k, active) values ${values}`.execute(t.store.db)))).toBe(true);
    }
  });

  it('does not mistake other failures for one', async () => {
    expect(isUniqueViolation(await failure(sql`insert into uniq_probe (id, k, active) values ('d', null, 0)`.execute(t.store.db)))).toBe(false);
    expect(isUniqueViolation(await failure(sql`select * from no_such_table`.execute(t.store.db)))).toBe(false);
    expect(isUniqueViolation(new Error('boom'))).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
  });
});
