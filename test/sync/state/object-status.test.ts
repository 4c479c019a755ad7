// Per-object sync state queries on both backends: one key's operations newest first (cancelled
// runs left out, a late retry counts as the latest), the objects whose *latest* operation failed
// (a later success clears them; other connections do not count), paging across candidate batches,
// pending links, names and the latest change.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendChanges } from '../../../src/store/changes.js';
import type { DB } from '../../../src/store/store.js';
import { putMemberLink } from '../../../src/sync/state/links.js';
import {
  directoryObjects,
  latestChange,
  latestOperationsOf,
  latestOperationsWithStatus,
  objectLink,
  objectOperations,
  pendingLinkKeys,
} from '../../../src/sync/state/object-status.js';
import { BACKENDS, type TestStore } from '../../store/backends.js';

const T = (minute: number): string => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

interface OpSpec {
  key: string;
  kind?: string;
  status: string;
  errcode?: number;
  finishedAt?: string | null;
}

describe.each(BACKENDS)('object status queries on $name', (backend) => {
  let t: TestStore;
  let db: DB;
  beforeEach(async () => {
    t = await backend.open();
    db = t.store.db;
  });
  afterEach(async () => {
    await t.dispose();
  });

  let n = 0;
  /** A run created at `minute`, with these operations finished at the same minute unless told otherwise. */
  const addRun = async (connectionId: string, minute: number, status: string, ops: OpSpec[]): Promise<string> => {
    const id = `run_${String(++n).padStart(4, '0')}`;
    const at = T(minute);
    await db
      .insertInto('runs')
      .values({ id, connection_id: connectionId, kind: 'full', status, plan: null, summary: null, error: null, lease_owner: null, lease_expires_at: null, created_at: at, started_at: at, finished_at: at, updated_at: at })
      .execute();
    for (const [seq, o] of ops.entries()) {
      const kind = o.kind ?? 'member.update';
      const finished = o.finishedAt === undefined ? (o.status === 'pending' ? null : at) : o.finishedAt;
      await db
        .insertInto('run_operations')
        .values({
          run_id: id, op_id: `${kind}:${o.key}`, seq, kind, key: o.key, target: '{}', body: '{}', reason: JSON.stringify({ cause: 'changed in directory', changes: [] }),
          depends_on: '[]', status: o.status, attempts: o.status === 'pending' ? 0 : 1, errcode: o.errcode ?? null, errmsg: o.errcode ? 'refused' : null, error_class: o.errcode ? 'data' : null,
          explanation: o.errcode ? JSON.stringify({ en: 'mobile existed', zh: '手机号码已存在' }) : null, note: null,
          started_at: finished, finished_at: finished, updated_at: at,
        })
        .execute();
    }
    return id;
  };

  it("one key's operations: newest first, cancelled runs left out, a late retry is the latest", async () => {
    const r1 = await addRun('con_a', 1, 'partial', [{ key: 'acc_1', kind: 'member.create', status: 'failed', errcode: 60104 }]);
    const r2 = await addRun('con_a', 2, 'succeeded', [{ key: 'acc_1', kind: 'member.create', status: 'succeeded' }, { key: 'acc_1', kind: 'member.update', status: 'succeeded' }]);
    await addRun('con_a', 3, 'cancelled', [{ key: 'acc_1', status: 'pending' }]);
    await addRun('con_b', 4, 'succeeded', [{ key: 'acc_1', status: 'succeeded' }]);
    const ops = await objectOperations(db, 'con_a', 'account', 'acc_1');
    expect(ops.map((o) => [o.runId, o.kind, o.status])).toEqual([
      [r2, 'member.update', 'succeeded'],
      [r2, 'member.create', 'succeeded'],
      [r1, 'member.create', 'failed'],
    ]);
    expect(ops[2]).toMatchObject({ errcode: 60104, explanation: { en: 'mobile existed', zh: '手机号码已存在' }, attempts: 1, at: T(1), runStatus: 'partial', reason: { cause: 'changed in directory' } });
    expect(await objectOperations(db, 'con_a', 'account', 'acc_1', 1)).toHaveLength(1);
    expect(await objectOperations(db, 'con_a', 'organization', 'acc_1')).toEqual([]);

    // run 1 retried after run 2 (and failing again): its operation is now the latest
    await db.updateTable('run_operations').set({ finished_at: T(5), attempts: 2 }).where('run_id', '=', r1).execute();
    expect((await objectOperations(db, 'con_a', 'account', 'acc_1'))[0]).toMatchObject({ runId: r1, status: 'failed', attempts: 2, at: T(5) });
    expect((await latestOperationsOf(db, 'con_a', ['acc_1'])).get('acc_1')).toMatchObject({ runId: r1 });
  });

  it('lists the objects whose latest operation failed, per connection and type', async () => {
    await addRun('con_a', 1, 'partial', [
      { key: 'acc_1', kind: 'member.create', status: 'failed', errcode: 60104 },
      { key: 'acc_2', kind: 'member.create', status: 'failed', errcode: 60104 },
      { key: 'org_1', kind: 'department.create', status: 'failed', errcode: 60008 },
      { key: 'acc_3', kind: 'member.create', status: 'skipped' },
    ]);
    await addRun('con_a', 2, 'succeeded', [{ key: 'acc_1', kind: 'member.create', status: 'succeeded' }]);
    // a held plan superseded (cancelled): its pending operation does not hide acc_2's failure
    await addRun('con_a', 3, 'cancelled', [{ key: 'acc_2', status: 'pending' }]);
    await addRun('con_b', 4, 'partial', [{ key: 'acc_9', kind: 'member.create', status: 'failed', errcode: 60104 }]);

    const keys = async (o: Parameters<typeof latestOperationsWithStatus>[3], statuses: Parameters<typeof latestOperationsWithStatus>[2] = ['failed', 'skipped']) =>
      (await latestOperationsWithStatus(db, 'con_a', statuses, o)).map((x) => x.key);
    expect(await keys({ limit: 10 })).toEqual(['acc_2', 'acc_3', 'org_1']);
    expect(await keys({ limit: 10, type: 'account' })).toEqual(['acc_2', 'acc_3']);
    expect(await keys({ limit: 10, type: 'organization' })).toEqual(['org_1']);
    expect(await keys({ limit: 1 })).toEqual(['acc_2']);
    expect(await keys({ limit: 10, after: 'acc_2' })).toEqual(['acc_3', 'org_1']);
    expect(await keys({ limit: 10 }, ['pending', 'running'])).toEqual([]);
    const [acc2] = await latestOperationsWithStatus(db, 'con_a', ['failed'], { limit: 1 });
    expect(acc2).toMatchObject({ key: 'acc_2', kind: 'member.create', status: 'failed', errcode: 60104, runStatus: 'partial' });

    // a held run: its operations are the latest, pending
    await addRun('con_a', 5, 'held', [{ key: 'acc_2', kind: 'member.create', status: 'pending' }]);
    expect(await keys({ limit: 10 })).toEqual(['acc_3', 'org_1']);
    expect(await keys({ limit: 10 }, ['pending', 'running'])).toEqual(['acc_2']);
    expect((await latestOperationsOf(db, 'con_a', ['acc_2', 'acc_3', 'acc_404'])).size).toBe(2);
  });

  it('pages through many candidates, most of them fixed since', async () => {
    const all = Array.from({ length: 250 }, (_, i) => `acc_${String(i).padStart(3, '0')}`);
    await addRun('con_a', 1, 'partial', all.map((key) => ({ key, status: 'failed', errcode: 60104 })));
    await addRun('con_a', 2, 'partial', all.filter((_, i) => i % 5 !== 0).map((key) => ({ key, status: 'succeeded' })));
    const broken = all.filter((_, i) => i % 5 === 0);
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 20; page++) {
      const items = await latestOperationsWithStatus(db, 'con_a', ['failed', 'skipped'], { limit: 7, ...(after ? { after } : {}) });
      seen.push(...items.map((x) => x.key));
      if (items.length < 7) break;
      after = items[items.length - 1]!.key;
    }
    expect(seen).toEqual(broken);
  });

  it('links, pending links, directory names and the latest change', async () => {
    await t.store.write(async (trx) => {
      const c = { connectionId: 'con_a', runId: 'run_x', opId: 'member.create:acc_2', now: T(1) };
      await putMemberLink(trx, c, { key: 'acc_1', userid: 'lina', origin: 'created', shadow: { name: 'Li Na', department: [2] } }, 'active');
      await putMemberLink(trx, c, { key: 'acc_2', userid: 'ben', origin: 'created', shadow: null }, 'pending');
      await putMemberLink(trx, { ...c, connectionId: 'con_b' }, { key: 'acc_3', userid: 'kim', origin: 'created', shadow: null }, 'pending');
    });
    expect(await objectLink(db, 'con_a', 'account', 'acc_1')).toEqual({
      type: 'account', key: 'acc_1', wecomId: 'lina', origin: 'created', state: 'active', shadow: { name: 'Li Na', department: [2] }, updatedAt: T(1), runId: 'run_x', opId: 'member.create:acc_2',
    });
    expect(await objectLink(db, 'con_b', 'account', 'acc_1')).toBeNull();
    expect(await objectLink(db, 'con_a', 'organization', 'acc_1')).toBeNull();
    expect(await pendingLinkKeys(db, 'con_a', { limit: 10 })).toEqual([{ type: 'account', key: 'acc_2' }]);
    expect(await pendingLinkKeys(db, 'con_a', { limit: 10, type: 'organization' })).toEqual([]);
    expect(await pendingLinkKeys(db, 'con_a', { limit: 10, after: 'acc_2' })).toEqual([]);

    await t.store.write(async (trx) => {
      const now = T(7);
      await trx.insertInto('organizations').values({ id: 'org_1', external_id: null, name: 'R&D', parent_id: null, sort_order: 0, code: null, status: 'enabled', attributes: '{}', version: 1, created_at: now, updated_at: now }).execute();
      await appendChanges(t.store, trx, [{ objectType: 'organization', objectId: 'org_1', operation: 'create', version: 1, changedFields: ['name'] }], T(7));
      await appendChanges(t.store, trx, [{ objectType: 'organization', objectId: 'org_1', operation: 'update', version: 2, changedFields: ['name'] }], T(8));
    });
    expect(await directoryObjects(db, 'organization', ['org_1', 'org_2'])).toEqual(new Map([['org_1', { name: 'R&D', status: 'enabled' }]]));
    expect(await latestChange(db, 'organization', 'org_1')).toEqual({ seq: 2, occurredAt: T(8) });
    expect(await latestChange(db, 'account', 'org_1')).toBeNull();
  });
});
