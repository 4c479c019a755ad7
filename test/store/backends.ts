// Test helper: the backends every store-dependent suite runs against. Each opened store is
// isolated: SQLite gets a fresh file in a temp dir, PostgreSQL a fresh schema, dropped at close.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Store, openStore } from '../../src/store/store.js';
import type { StoreConfig } from '../../src/store/config.js';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestBackend {
  name: 'sqlite' | 'postgres';
  /** A fresh, migrated, empty store. */
  open(): Promise<TestStore>;
}

export interface TestStore {
  store: Store;
  config: StoreConfig;
  /** Opens another store on the same database (another "process"). */
  reopen(opts?: { poolSize?: number }): Promise<Store>;
  /** Closes every store opened here and removes the database. */
  dispose(): Promise<void>;
}

export const sqliteBackend: TestBackend = {
  name: 'sqlite',
  async open() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-test-'));
    const config: StoreConfig = { kind: 'sqlite', file: path.join(dir, 'test.sqlite') };
    const opened: Store[] = [];
    const store = await openStore(config);
    opened.push(store);
    return {
      store,
      config,
      async reopen() {
        const s = await openStore(config);
        opened.push(s);
        return s;
      },
      async dispose() {
        for (const s of opened) await s.close().catch(() => {});
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const postgresBackend: TestBackend = {
  name: 'postgres',
  async open() {
    const schema = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
    const config: StoreConfig = { kind: 'postgres', url: PG_URL, schema };
    const opened: Store[] = [];
    const dropSchema = async (): Promise<void> => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        await c.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await c.end();
      }
    };
    let store: Store;
    try {
      store = await openStore(config);
    } catch (err) {
      await dropSchema().catch(() => {});
      throw err;
    }
    opened.push(store);
    return {
      store,
      config,
      async reopen(opts) {
        const s = await openStore(config, opts);
        opened.push(s);
        return s;
      },
      async dispose() {
        for (const s of opened) await s.close().catch(() => {});
        await dropSchema();
      },
    };
  },
};

export const BACKENDS: TestBackend[] = [sqliteBackend, postgresBackend];
