// Store errors on both backends. isUniqueViolation: the services turn these into 409s (a taken name,
// a second active run, a demo started twice), so a miss would surface as a 500. isDataRefusal: the
// executor records a refused link as the operation's failure, but stops the run as a store outage
// (to be resumed under its id) on anything else — a miss either way ends runs wrongly.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDataRefusal, isUniqueViolation } from '../../src/store/errors.js';
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

describe.each(BACKENDS)('isDataRefusal on $name', (backend) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await backend.open();
    await sql`create table refusal_probe (id text primary key, k text not null, n integer check (n > 0))`.execute(t.store.db);
    await sql`insert into refusal_probe (id, k, n) values ('a', 'x', 1)`.execute(t.store.db);
  });
  afterEach(async () => t.dispose());

  it('recognises what the data refused: a duplicate key, a missing value, a failed check', async () => {
    for (const values of [sql`('a', 'y', 1)`, sql`('b', null, 1)`, sql`('c', 'z', 0)`]) {
      expect(isDataRefusal(await failure(sql`insert into refusal_probe (id, k, n) values ${values}`.execute(t.store.db)))).toBe(true);
    }
  });

  it('does not take an unavailable store for a refusal', async () => {
    // PostgreSQL's answers when the server goes away, and pg's own when the socket closes
    expect(isDataRefusal(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(false);
    expect(isDataRefusal(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isDataRefusal(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isDataRefusal(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))).toBe(false);
    expect(isDataRefusal(await failure(sql`select * from no_such_table`.execute(t.store.db)))).toBe(false);
  });
});
