// What a worker's sweep sends jobs for (src/jobs/worker.ts), against a real PostgreSQL store: runs
// whose executor is gone, queued runs with none active, connections behind the change feed (not
// those held for approval), and — with a full interval — connections whose last full run is old.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connections, SecretBox } from '../../src/connections/index.js';
import { Directory } from '../../src/directory/directory.js';
import { fullRunsDue, sweepTargets } from '../../src/jobs/worker.js';
import { SyncPipeline } from '../../src/sync/pipeline.js';
import { updateCursor } from '../../src/sync/state/cursors.js';
import { claimRun, queueRun } from '../../src/sync/state/runs.js';
import { postgresBackend, type TestStore } from '../store/backends.js';

let t: TestStore;
let pipeline: SyncPipeline;
let connections: Connections;

beforeAll(async () => {
  t = await postgresBackend.open();
  connections = new Connections(t.store, SecretBox.fromKey(randomBytes(32)));
  pipeline = new SyncPipeline({ store: t.store, directory: new Directory(t.store), connections });
});
afterAll(async () => {
  await pipeline?.close();
  await t?.dispose();
});

const conn = async (name: string): Promise<string> =>
  (await connections.create({ name, corpId: `ww${name}`, secret: 's', rootDepartmentId: 1, apiBase: 'http://127.0.0.1:9' })).id;

async function insertRun(connectionId: string, fields: { status: string; kind?: string; leaseOwner?: string | null; leaseExpiresAt?: string | null; createdAt?: string }): Promise<void> {
  const now = new Date().toISOString();
  await t.store.db
    .insertInto('runs')
    .values({
      id: `run_${randomBytes(6).toString('hex')}`, connection_id: connectionId, kind: fields.kind ?? 'full', status: fields.status, plan: null, summary: null, error: null,
      lease_owner: fields.leaseOwner ?? null, lease_expires_at: fields.leaseExpiresAt ?? null, created_at: fields.createdAt ?? now, started_at: null, finished_at: null, updated_at: now,
    })
    .execute();
}

describe('the sweep', () => {
  it('names connections with a dead executor, a queued run, or changes not synced; not those alive or held', async () => {
    const [alive, dead, queued, behind, held, quiet] = await Promise.all(['alive', 'dead', 'queued', 'behind', 'held', 'quiet'].map(conn));
    // alive: a lease of a process on another machine, not expired
    await claimRun(t.store, alive!, 'full', `remote-host:1:x-y`, 60_000);
    await insertRun(dead!, { status: 'running', leaseOwner: 'remote-host:1:x-y', leaseExpiresAt: new Date(Date.now() - 1000).toISOString() });
    await queueRun(t.store, queued!, 'full');
    await pipeline.directory.createOrganization({ name: 'o' });
    const latest = await pipeline.directory.latestSequence();
    expect(latest).toBeGreaterThan(0);
    await t.store.write((trx) => updateCursor(trx, behind!, { lastChangeSeq: latest - 1 }));
    await t.store.write((trx) => updateCursor(trx, held!, { lastChangeSeq: latest - 1 }));
    await insertRun(held!, { status: 'held' });
    await t.store.write((trx) => updateCursor(trx, quiet!, { lastChangeSeq: latest }));
    expect((await sweepTargets(pipeline)).sort()).toEqual([dead!, queued!, behind!].sort());
  });

  it('queues the periodic full run only for connections that ran, whose last full run is older than the interval, with nothing pending', async () => {
    const [old, recent, never, busy, incOnly] = await Promise.all(['old', 'recent', 'never', 'busy', 'inconly'].map(conn));
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    await insertRun(old!, { status: 'succeeded', createdAt: hourAgo });
    await insertRun(recent!, { status: 'succeeded' });
    await insertRun(busy!, { status: 'succeeded', createdAt: hourAgo });
    await insertRun(busy!, { status: 'queued', kind: 'incremental' });
    await insertRun(incOnly!, { status: 'succeeded', kind: 'incremental' });
    const due = await fullRunsDue(pipeline, 600_000);
    expect(due).toContain(old);
    expect(due).toContain(incOnly);
    expect(due).not.toContain(recent);
    expect(due).not.toContain(never);
    expect(due).not.toContain(busy);
  });
});
