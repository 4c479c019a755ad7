// The change feed under concurrent writers: no gaps, no duplicates, per-object order preserved,
// and a consumer with a cursor never skips a change. Also: data and change are one transaction,
// even when the writing process is killed.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Change } from '../../src/domain/change.js';
import { Directory } from '../../src/directory/directory.js';
import { importBuffer } from '../../src/connectors/import/importer.js';
import { BACKENDS, type TestStore } from '../store/backends.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const writerScript = path.join(here, 'fixtures', 'feed-writer.ts');
const repoRoot = path.resolve(here, '../..');

function startWriter(config: unknown, parentId: string, prefix: string, count: number | 'forever'): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', writerScript, JSON.stringify(config), parentId, prefix, String(count)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function finished(child: ChildProcess): Promise<void> {
  let err = '';
  child.stderr!.on('data', (b) => (err += b));
  return new Promise((resolve, reject) =>
    child.on('exit', (code, signal) => (code === 0 || signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited ${code}: ${err}`)))),
  );
}

/** Resolves once the child has reported `n` committed writes. */
function afterWrites(child: ChildProcess, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (b: Buffer): void => {
      buf += b.toString();
      const m = [...buf.matchAll(/w (\d+)\n/g)].pop();
      if (m && Number(m[1]) >= n) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.on('exit', () => reject(new Error('writer exited early')));
  });
}

/** A consumer that reads with a cursor while writers run, checking each batch continues the last. */
async function consumeWhile(d: Directory, running: () => boolean): Promise<{ seen: Change[]; problems: string[] }> {
  const seen: Change[] = [];
  const problems: string[] = [];
  let cursor = 0;
  const readOnce = async (): Promise<number> => {
    const batch = await d.changesSince(cursor, 500);
    for (const c of batch) {
      if (c.seq !== cursor + 1) problems.push(`after ${cursor} came ${c.seq}`);
      cursor = c.seq;
      seen.push(c);
    }
    return batch.length;
  };
  while (running()) {
    await readOnce();
    // SQLite answers synchronously: give the event loop a turn (child exits, timers) between reads.
    await new Promise((resolve) => setImmediate(resolve));
  }
  while ((await readOnce()) > 0);
  return { seen, problems };
}

function checkFeed(seen: Change[], expectedTotal: number): void {
  expect(seen.map((c) => c.seq)).toEqual(Array.from({ length: expectedTotal }, (_, i) => i + 1));
  const versions = new Map<string, number[]>();
  for (const c of seen) {
    const list = versions.get(c.objectId) ?? [];
    list.push(c.version);
    versions.set(c.objectId, list);
  }
  // Per object: versions 1, 2, 3… in sequence order, the first one a create.
  for (const [id, list] of versions) {
    expect(list, id).toEqual(Array.from({ length: list.length }, (_, i) => i + 1));
    expect(seen.find((c) => c.objectId === id)!.operation).toBe('create');
  }
}

describe.each(BACKENDS)('change feed on $name', (backend) => {
  let t: TestStore;
  afterEach(async () => {
    await t?.dispose();
  });

  it('stays gap-free and ordered with concurrent writers in one process', async () => {
    t = await backend.open();
    // On PostgreSQL several stores = several pools = truly concurrent transactions.
    const stores = backend.name === 'postgres' ? [t.store, await t.reopen({ poolSize: 4 }), await t.reopen({ poolSize: 4 })] : [t.store];
    const dirs = stores.map((s) => new Directory(s));
    const root = await dirs[0]!.createOrganization({ name: 'root' });
    const shared = await dirs[0]!.createOrganization({ name: 'shared', parentId: root.id });
    const WRITERS = 8;
    const ROUNDS = 10;
    let running = true;
    const reader = consumeWhile(new Directory(stores[stores.length - 1]!), () => running);
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        const d = dirs[w % dirs.length]!;
        for (let i = 0; i < ROUNDS; i++) {
          const o = await d.createOrganization({ name: `w${w}-${i}`, parentId: root.id });
          await d.updateOrganization(o.id, { order: i + 1 });
          // Everyone also bumps the shared organization: its versions must follow the sequence.
          const cur = await d.requireOrganization(shared.id);
          await d.updateOrganization(shared.id, { attributes: { ...cur.attributes, [`w${w}`]: i } });
        }
      }),
    ).finally(() => {
      running = false;
    });
    const { seen, problems } = await reader;
    expect(problems).toEqual([]);
    checkFeed(seen, 2 + WRITERS * ROUNDS * 3);
    expect((await dirs[0]!.requireOrganization(shared.id)).version).toBe(1 + WRITERS * ROUNDS);
  });

  it('keeps a bulk import contiguous and gap-free while single writes run alongside', async () => {
    t = await backend.open();
    const other = backend.name === 'postgres' ? await t.reopen({ poolSize: 4 }) : t.store;
    const d = new Directory(t.store);
    const d2 = new Directory(other);
    const root = await d.createOrganization({ name: 'root' });
    const lines = ['username,name,mobile,email,organizations,status'];
    for (let i = 0; i < 3000; i++) lines.push(`bulk${i},B${i},,,root/T${i % 10},enabled`);
    let running = true;
    const reader = consumeWhile(new Directory(other), () => running);
    const singles = (async () => {
      for (let i = 0; i < 30; i++) await d2.createOrganization({ name: `single-${i}`, parentId: root.id });
    })();
    const imported = importBuffer(d, Buffer.from(lines.join('\n')), { fileName: 'a.csv' });
    const [report] = await Promise.all([imported, singles]).finally(() => {
      running = false;
    });
    expect(report.errors).toEqual([]);
    const { seen, problems } = await reader;
    expect(problems).toEqual([]);
    checkFeed(seen, 1 + 30 + 10 + 3000);
    // The import's 3010 entries form one block: nothing interleaves inside a transaction.
    const bulkSeqs = seen.filter((c) => c.objectType === 'account').map((c) => c.seq);
    expect(bulkSeqs[bulkSeqs.length - 1]! - bulkSeqs[0]!).toBe(2999);
  }, 60_000);

  it('stays gap-free and ordered with writers in separate processes', async () => {
    t = await backend.open();
    const d = new Directory(t.store);
    const root = await d.createOrganization({ name: 'root' });
    const PER_WRITER = 45;
    const writers = ['a', 'b', 'c'].map((p) => startWriter(t.config, root.id, p, PER_WRITER));
    let running = true;
    const reader = consumeWhile(d, () => running);
    await Promise.all(writers.map(finished)).finally(() => {
      running = false;
    });
    const { seen, problems } = await reader;
    expect(problems).toEqual([]);
    checkFeed(seen, 1 + 3 * PER_WRITER);
  }, 60_000);

  it('never records a change without its data, nor data without its change, when the writer is killed', async () => {
    t = await backend.open();
    const d = new Directory(t.store);
    const root = await d.createOrganization({ name: 'root' });
    const writer = startWriter(t.config, root.id, 'k', 'forever');
    const exited = finished(writer);
    await afterWrites(writer, 40);
    writer.kill('SIGKILL');
    await exited;
    // Reopen as a new process would (SQLite recovers its WAL; PostgreSQL aborted the transaction).
    const fresh = new Directory(await t.reopen());
    const orgs = await fresh.getTree();
    const feed = await fresh.changesSince(0, 10_000);
    expect(feed.map((c) => c.seq)).toEqual(Array.from({ length: feed.length }, (_, i) => i + 1));
    const lastVersion = new Map<string, number>();
    for (const c of feed) lastVersion.set(c.objectId, c.version);
    expect(new Map(orgs.map((o) => [o.id, o.version]))).toEqual(lastVersion);
    expect(feed.length).toBeGreaterThanOrEqual(41);
  }, 60_000);

  it('rolls the data back when the change cannot be recorded, and records nothing for a rejected write', async () => {
    t = await backend.open();
    const d = new Directory(t.store);
    await d.createOrganization({ name: 'a' });
    // Occupy the next sequence behind the counter's back: the next append must fail.
    await sql`insert into changes (seq, object_type, object_id, operation, version, changed_fields, occurred_at)
              values (2, 'organization', 'x', 'create', 1, '[]', 'x')`.execute(t.store.db);
    await expect(d.createOrganization({ name: 'b' })).rejects.toThrow();
    expect((await d.getTree()).map((o) => o.name)).toEqual(['a']);
    await sql`delete from changes where seq = 2`.execute(t.store.db);
    // A write that fails validation appends nothing.
    await expect(d.createOrganization({ name: 'a' })).rejects.toThrow();
    expect(await d.latestSequence()).toBe(1);
    await d.createOrganization({ name: 'b' });
    expect((await d.changesSince(0)).map((c) => c.seq)).toEqual([1, 2]);
  });
});
