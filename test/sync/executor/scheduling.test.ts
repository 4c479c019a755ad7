// How the executor spends its slots and its commits: an API waiting for its budget does not hold
// the slots of another API, operations given by the runner are sent exactly as stored, and the
// journal gathers the bookkeeping of many operations into few SQLite commits without answering a
// write before it is committed.
import { afterEach, describe, expect, it } from 'vitest';
import type { DesiredState } from '../../../src/domain/desired.js';
import type { RunningSimulator } from '../../../src/simulator/index.js';
import { runFullSync } from '../run/pipeline.js';
import { Journal } from '../../../src/sync/state/journal.js';
import { loadLinks } from '../../../src/sync/state/links.js';
import { loadOperations } from '../../../src/sync/state/runs.js';
import type { WeComClient } from '../../../src/wecom/index.js';
import { sqliteBackend, type TestStore } from '../../store/backends.js';
import { CORP, ROOT, connection, makeClient, mobile, startSim } from '../run/helpers.js';

let sim: RunningSimulator | undefined;
let ts: TestStore | undefined;
let client: WeComClient | undefined;

afterEach(async () => {
  await client?.close();
  await sim?.close();
  await ts?.dispose();
  sim = ts = client = undefined;
});

/** Four new departments and six members placed in the root (their creates need no department create). */
const desired: DesiredState = {
  departments: ['a', 'b', 'c', 'd'].map((k) => ({ key: `org_${k}`, name: `Dept ${k}`, parentKey: null })),
  members: Array.from({ length: 6 }, (_, i) => ({
    key: `acc_${i}`,
    userid: `user${i}`,
    departmentKeys: [],
    fields: { name: `Member ${i}`, mobile: mobile(i), enable: 1 as const },
  })),
};

describe('executor scheduling', () => {
  it('operations of one API waiting for their budget leave slots for the other APIs', async () => {
    sim = await startSim();
    ts = await sqliteBackend.open();
    client = makeClient(sim);
    const real = client;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let departmentCalls = 0;
    // department/create "waits for its budget" until the gate opens
    const slowDepartments = {
      department: {
        ...real.department,
        create: async (b: Parameters<WeComClient['department']['create']>[0]) => {
          departmentCalls++;
          await gate;
          return real.department.create(b);
        },
      },
      user: real.user,
    } as unknown as WeComClient;

    let membersDone = 0;
    let allMembersDone!: () => void;
    const membersRecorded = new Promise<void>((resolve) => (allMembersDone = resolve));
    const conn = connection();
    // 4 slots: the 4 department creates come first in plan order and would take them all
    const run = runFullSync({
      store: ts.store,
      client: slowDepartments,
      connection: conn,
      desired,
      concurrency: 4,
      onEvent: (e) => {
        if (e.type === 'op-recorded' && e.kind === 'member.create' && ++membersDone === desired.members.length) allMembersDone();
      },
    });
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000));
    expect(await Promise.race([membersRecorded.then(() => 'members done' as const), timeout])).toBe('members done');
    // meanwhile at most half of the slots went to department/create
    expect(departmentCalls).toBe(2);
    open();
    const r = await run;
    expect(r.status).toBe('succeeded');
    expect(r.summary.succeeded).toBe(desired.departments.length + desired.members.length);
    const company = sim.sim.company(CORP.corpid);
    expect(company.departments.all().filter((d) => d.parentid === ROOT)).toHaveLength(4);
    for (const m of desired.members) expect(company.members.find(m.userid)?.department).toEqual([ROOT]);
  });

  it('with the operations handed over by the runner, what is sent and recorded is exactly what was stored', async () => {
    sim = await startSim();
    ts = await sqliteBackend.open();
    client = makeClient(sim);
    const sent: unknown[] = [];
    const real = client;
    const spy = {
      department: real.department,
      user: {
        ...real.user,
        create: (b: Parameters<WeComClient['user']['create']>[0]) => {
          sent.push(b);
          return real.user.create(b);
        },
      },
    } as unknown as WeComClient;
    const conn = connection();
    const r = await runFullSync({ store: ts.store, client: spy, connection: conn, desired });
    expect(r.status).toBe('succeeded');
    const stored = (await loadOperations(ts.store.db, r.runId!)).filter((o) => o.kind === 'member.create');
    expect(stored.every((o) => o.status === 'succeeded' && o.attempts === 1)).toBe(true);
    expect(sent).toHaveLength(stored.length);
    // the bodies sent are the stored bodies, field for field (JSON, as stored)
    const byUser = new Map(stored.map((o) => [(o.body as { userid: string }).userid, o.body]));
    for (const b of sent) expect(JSON.parse(JSON.stringify(b))).toEqual(byUser.get((b as { userid: string }).userid));
    const links = await loadLinks(ts.store.db, conn.id);
    expect(links.members.every((l) => l.state === 'active' && l.shadow !== null)).toBe(true);
  });
});

describe('journal (group commit)', () => {
  const row = (i: number) => ({ connection_id: `c${i}`, last_change_seq: i, department_id_floor: 0, updated_at: '2026-11-25T00:00:00Z' });

  it('on SQLite many writes share few commits, and each resolves only once committed', async () => {
    ts = await sqliteBackend.open();
    const store = ts.store;
    const journal = new Journal(store);
    const other = await ts.reopen();
    const n = 300;
    const done: Array<Promise<void>> = [];
    const visibleAtResolve: boolean[] = [];
    for (let i = 0; i < n; i++) {
      // one write per event-loop turn, as operation answers arrive (a commit blocks the loop, so
      // nothing queues while one runs: only waiting between commits lets writes share one)
      await new Promise<void>((resolve) => setImmediate(resolve));
      const p = journal.write(async (trx) => {
        await trx.insertInto('sync_cursors').values(row(i)).execute();
      });
      done.push(
        p.then(async () => {
          // a second connection to the same file sees the row: it is committed
          visibleAtResolve[i] = (await other.db.selectFrom('sync_cursors').select('connection_id').where('connection_id', '=', `c${i}`).executeTakeFirst()) !== undefined;
        }),
      );
    }
    await Promise.all(done);
    await journal.drain();
    expect(visibleAtResolve.filter(Boolean)).toHaveLength(n);
    expect(journal.commits).toBeLessThan(n / 5);
    expect(await store.db.selectFrom('sync_cursors').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n });
  });

  it('a write that fails in a gathered batch is rejected alone; the others are committed', async () => {
    ts = await sqliteBackend.open();
    const store = ts.store;
    const journal = new Journal(store);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        journal.write(async (trx) => {
          await trx.insertInto('sync_cursors').values(row(i === 7 ? 3 : i)).execute(); // 7 collides with 3
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[7]!.status).toBe('rejected');
    const rows = await store.db.selectFrom('sync_cursors').select('connection_id').execute();
    expect(rows).toHaveLength(19);
  });
});
