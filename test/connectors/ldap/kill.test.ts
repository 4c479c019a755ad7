// A pull killed with kill -9 in the middle of its transaction (it has inserted accounts, not
// committed) loses and duplicates nothing: nothing of it is visible, the high-water mark did not
// move, and the next pull imports everything once; the one after changes nothing.
import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../../src/connections/crypto.js';
import { Sources } from '../../../src/connectors/ldap/index.js';
import { Directory } from '../../../src/directory/directory.js';
import { READER_DN, READER_PASSWORD, type RunningSlapd, SUFFIX, startSlapd } from '../../helpers/slapd.js';
import { PG_URL, type TestStore, postgresBackend } from '../../store/backends.js';
import { company } from './company.js';

const CHILD = path.join(path.dirname(new URL(import.meta.url).pathname), 'kill-child.ts');
const KEY = Buffer.alloc(32, 9);
const PEOPLE = 300;

let slapd: RunningSlapd;
let t: TestStore;
beforeAll(async () => {
  slapd = await startSlapd();
  t = await postgresBackend.open();
}, 30_000);
afterAll(async () => {
  await t?.dispose();
  await slapd?.stop();
});

/** The pid of a PostgreSQL backend holding an insert lock on `accounts` of this schema: an uncommitted pull. */
async function writerHoldingAccounts(c: pg.Client, schema: string): Promise<number | null> {
  const r = await c.query(
    `select l.pid from pg_locks l join pg_class k on k.oid = l.relation join pg_namespace n on n.oid = k.relnamespace
      where n.nspname = $1 and k.relname = 'accounts' and l.mode = 'RowExclusiveLock' and l.granted`,
    [schema],
  );
  return r.rows[0]?.pid ?? null;
}

describe('kill -9 during a pull', () => {
  it('loses and duplicates nothing', async () => {
    const base = `o=kill,${SUFFIX}`;
    await slapd.add(company(base, PEOPLE).entries);
    const directory = new Directory(t.store);
    const sources = new Sources(directory, SecretBox.fromKey(KEY));
    await sources.create('corp', { url: slapd.url, baseDn: base, bindDn: READER_DN }, READER_PASSWORD);
    const schema = t.config.kind === 'postgres' ? t.config.schema! : '';

    const watcher = new pg.Client({ connectionString: PG_URL });
    await watcher.connect();
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { env: { ...process.env, PG_URL, PG_SCHEMA: schema, SECRET_KEY: KEY.toString('base64') }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      const exited = new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      let killed = false;
      let running = true;
      void exited.then(() => (running = false));
      // wait for the condition "the pull's transaction has inserted accounts", then kill -9
      while (running && !killed) {
        if ((await writerHoldingAccounts(watcher, schema)) !== null) {
          child.kill('SIGKILL');
          killed = true;
        }
      }
      expect(await exited, `the child finished before it could be killed: ${out}`).toBe('SIGKILL');
      expect(out).not.toContain('DONE');
      // the server rolls the transaction back once it notices the dead connection
      while ((await writerHoldingAccounts(watcher, schema)) !== null);
    } finally {
      await watcher.end();
    }

    expect((await directory.listAccounts({ limit: 1000 })).items).toHaveLength(0);
    expect((await directory.getTree()).length).toBe(0);
    const v = await sources.show('corp');
    expect(v.cursor).toBeNull();
    expect(v.owned).toEqual({ organizations: 0, accounts: 0 });

    const r = await sources.pull('corp');
    expect(r.mode).toBe('full');
    expect(r.accounts).toEqual({ created: PEOPLE, updated: 0, disabled: 0, deleted: 0, unchanged: 0 });
    expect(r.errors).toEqual([]);
    expect((await directory.listAccounts({ limit: 1000 })).items).toHaveLength(PEOPLE);
    const again = await sources.pull('corp');
    expect(again.accounts).toEqual({ created: 0, updated: 0, disabled: 0, deleted: 0, unchanged: PEOPLE });
  }, 60_000);
});
