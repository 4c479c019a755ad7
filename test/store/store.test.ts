// Store conformance: the same assertions on the embedded store and on PostgreSQL.
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { appendChanges, latestSequence, readChanges } from '../../src/store/changes.js';
import { resolveStoreConfig, resolveDataDir, describeStoreConfig, StoreConfigError } from '../../src/store/config.js';
import { newId } from '../../src/store/ids.js';
import { MIGRATION_NAMES } from '../../src/store/migrations.js';
import { openStore, chunk } from '../../src/store/store.js';
import { BACKENDS, PG_URL, type TestStore } from './backends.js';

describe('store config', () => {
  it('uses --data-dir, then WECOM_SYNC_DATA_DIR, then ./data', () => {
    expect(resolveStoreConfig({ dataDir: '/srv/x', env: { WECOM_SYNC_DATA_DIR: '/env' } })).toEqual({ kind: 'sqlite', file: '/srv/x/wecom-sync.sqlite' });
    expect(resolveStoreConfig({ env: { WECOM_SYNC_DATA_DIR: '/env' } })).toEqual({ kind: 'sqlite', file: '/env/wecom-sync.sqlite' });
    expect(resolveDataDir({ env: {}, cwd: '/home/me' })).toBe(path.resolve('/home/me/data'));
  });

  it('selects PostgreSQL from DATABASE_URL and rejects other URLs', () => {
    expect(resolveStoreConfig({ dataDir: '/x', env: { DATABASE_URL: 'postgres://u:secret@h/db' } })).toEqual({ kind: 'postgres', url: 'postgres://u:secret@h/db' });
    expect(() => resolveStoreConfig({ env: { DATABASE_URL: 'mysql://h/db' } })).toThrow(StoreConfigError);
    expect(describeStoreConfig({ kind: 'postgres', url: 'postgres://u:secret@h/db' })).not.toContain('secret');
  });
});

describe('ids', () => {
  it('are prefixed, unique and sort in creation order', () => {
    const ids = Array.from({ length: 2000 }, () => newId('org'));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toMatch(/^org_[0-9a-z]{26}$/);
  });
});

describe('chunk', () => {
  it('keeps each statement under the parameter limit', () => {
    const parts = chunk(Array.from({ length: 1000 }, (_, i) => i), 7, 100);
    expect(parts.every((p) => p.length * 7 <= 100)).toBe(true);
    expect(parts.flat()).toHaveLength(1000);
  });
});

describe.each(BACKENDS)('store on $name', (backend) => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it('runs every migration once, and reopening is a no-op', async () => {
    t = await backend.open();
    const applied = await sql<{ name: string }>`select name from schema_migrations order by name`.execute(t.store.db);
    expect(applied.rows.map((r) => r.name)).toEqual(MIGRATION_NAMES);
    const again = await t.reopen();
    const after = await sql<{ name: string }>`select name from schema_migrations order by name`.execute(again.db);
    expect(after.rows).toHaveLength(MIGRATION_NAMES.length);
    expect(await latestSequence(again.db)).toBe(0);
  });

  it('hands out gap-free sequences and gives back those of a rolled-back write', async () => {
    t = await backend.open();
    const store = t.store;
    const mk = (id: string) => ({ objectType: 'organization' as const, objectId: id, operation: 'create' as const, version: 1, changedFields: ['name'] });
    const first = await store.write((trx) => appendChanges(store, trx, [mk('a'), mk('b')], new Date().toISOString()));
    expect(first).toEqual([1, 2]);
    await expect(
      store.write(async (trx) => {
        await appendChanges(store, trx, [mk('c')], new Date().toISOString());
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const next = await store.write((trx) => appendChanges(store, trx, [mk('d')], new Date().toISOString()));
    expect(next).toEqual([3]);
    const feed = await readChanges(store.db, 0, 10);
    expect(feed.map((c) => [c.seq, c.objectId])).toEqual([[1, 'a'], [2, 'b'], [3, 'd']]);
    expect(feed[0]!.changedFields).toEqual(['name']);
    expect(await readChanges(store.db, 2, 10)).toHaveLength(1);
  });

  it('appends thousands of changes in one write, in bulk', async () => {
    t = await backend.open();
    const store = t.store;
    const many = Array.from({ length: 25_000 }, (_, i) => ({ objectType: 'account' as const, objectId: `acc_${i}`, operation: 'create' as const, version: 1, changedFields: ['username'] }));
    const seqs = await store.write((trx) => appendChanges(store, trx, many, new Date().toISOString()));
    expect(seqs[0]).toBe(1);
    expect(seqs[seqs.length - 1]).toBe(25_000);
    expect(await latestSequence(store.db)).toBe(25_000);
    const tail = await readChanges(store.db, 24_990, 100);
    expect(tail.map((c) => c.objectId)).toEqual(Array.from({ length: 10 }, (_, i) => `acc_${24_990 + i}`));
  });

  it('enforces unique sibling names, usernames and external ids in the schema itself', async () => {
    t = await backend.open();
    const db = t.store.db;
    const org = (id: string, name: string, parent: string | null, ext: string | null = null) => ({
      id, external_id: ext, name, parent_id: parent, sort_order: 0, code: null, status: 'enabled', attributes: '{}', version: 1, created_at: 'x', updated_at: 'x',
    });
    await db.insertInto('organizations').values(org('o1', 'Root', null, 'e1')).execute();
    await expect(db.insertInto('organizations').values(org('o2', 'Root', null)).execute()).rejects.toThrow();
    await db.insertInto('organizations').values(org('o3', 'Child', 'o1')).execute();
    await expect(db.insertInto('organizations').values(org('o4', 'Child', 'o1')).execute()).rejects.toThrow();
    await expect(db.insertInto('organizations').values(org('o5', 'Other', null, 'e1')).execute()).rejects.toThrow();
    // Unknown parent: the foreign key (deferred to commit) refuses it.
    await expect(t.store.write((trx) => trx.insertInto('organizations').values(org('o6', 'Lost', 'nope')).execute())).rejects.toThrow();
    const acc = (id: string, username: string) => ({
      id, external_id: null, username, username_key: username.toLowerCase(), display_name: 'x', mobile: null, email: null, telephone: null,
      title: null, gender: 'unspecified', employee_number: null, manager_id: null, primary_organization_id: 'o1', status: 'enabled',
      attributes: '{}', version: 1, created_at: 'x', updated_at: 'x',
    });
    await db.insertInto('accounts').values(acc('a1', 'Alice')).execute();
    await expect(db.insertInto('accounts').values(acc('a2', 'ALICE')).execute()).rejects.toThrow();
  });

  it('stores order values up to 2^32-1 and JSON attributes unchanged', async () => {
    t = await backend.open();
    const db = t.store.db;
    await db
      .insertInto('organizations')
      .values({ id: 'o1', external_id: null, name: 'R', parent_id: null, sort_order: 2 ** 32 - 1, code: null, status: 'enabled', attributes: '{"k":"值"}', version: 1, created_at: 'x', updated_at: 'x' })
      .execute();
    const row = await db.selectFrom('organizations').selectAll().executeTakeFirstOrThrow();
    expect(row.sort_order).toBe(2 ** 32 - 1);
    expect(JSON.parse(row.attributes)).toEqual({ k: '值' });
  });
});

describe('PostgreSQL specifics', () => {
  it('applies migrations once when several processes start at the same time', async () => {
    const schema = `t_${process.pid}_mig_${Math.random().toString(36).slice(2, 8)}`;
    const config = { kind: 'postgres' as const, url: PG_URL, schema };
    try {
      const stores = await Promise.all([openStore(config), openStore(config), openStore(config)]);
      const applied = await sql<{ name: string }>`select name from schema_migrations`.execute(stores[0]!.db);
      expect(applied.rows.map((r) => r.name)).toEqual(MIGRATION_NAMES);
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    }
  });

  it('reports an unreachable database clearly', async () => {
    await expect(openStore({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/none' })).rejects.toThrow(/ECONNREFUSED|connect/);
  });
});
