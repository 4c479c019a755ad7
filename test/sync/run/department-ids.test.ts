// Two connections of one company (corpid) creating departments at the same time, in the worst
// interleaving: both plan (read WeCom's department list and the company's mark) before either
// stores its plan, so both planners choose the same next ids. The per-company reservation (state/department-ids.ts) lets one store
// its plan; the other finds its ids taken and plans again above them. Every department is created
// once, under distinct ids, and each connection's links point to its own departments — never the
// other's (no 60008, no department taken for another's).
import { afterEach, describe, expect, it } from 'vitest';
import type { DesiredState } from '../../../src/domain/desired.js';
import type { RunningSimulator } from '../../../src/simulator/index.js';
import type { Store } from '../../../src/store/store.js';
import type { SyncClient } from '../../../src/sync/executor/index.js';
import { departmentIdMark } from '../../../src/sync/state/department-ids.js';
import { loadLinks } from '../../../src/sync/state/links.js';
import { loadOperations } from '../../../src/sync/state/runs.js';
import type { WeComClient } from '../../../src/wecom/index.js';
import { BACKENDS, type TestStore } from '../../store/backends.js';
import { CORP, OUTSIDE, connection, makeClient, mobile, startSim } from './helpers.js';
import { runFullSync } from './pipeline.js';

const ROOT_A = 2;
const ROOT_B = 800;

let sim: RunningSimulator | undefined;
let ts: TestStore | undefined;
const clients: WeComClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await sim?.close();
  await ts?.dispose();
  sim = undefined;
  ts = undefined;
});

/** Three departments (two levels) and a member in each, under keys and userids of `prefix`. */
function tree(prefix: string, n: number): DesiredState {
  const departments = [
    { key: `${prefix}_top`, name: `${prefix} top`, parentKey: null },
    { key: `${prefix}_left`, name: `${prefix} left`, parentKey: `${prefix}_top` },
    { key: `${prefix}_right`, name: `${prefix} right`, parentKey: `${prefix}_top` },
  ];
  return {
    departments,
    members: departments.map((d, i) => ({
      key: `${prefix}_acc_${i}`,
      userid: `${prefix}${i}`,
      departmentKeys: [d.key],
      fields: { name: `${prefix} person ${i}`, mobile: mobile(n + i), enable: 1 as const },
    })),
  };
}

/** A client that counts the reads of the whole department list (the observe stage's). */
function countingClient(client: WeComClient): { client: SyncClient; listReads: () => number } {
  let reads = 0;
  const department = new Proxy(client.department, {
    get(target, prop) {
      const v = Reflect.get(target, prop) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (prop === 'simplelist' && args[0] === undefined) reads++;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client: { department, user: client.user }, listReads: () => reads };
}

/**
 * The stores of `parties` runs whose second write (the first is the claim, the second stores the
 * plan) waits until every run has planned: all planned from the same department list and the same
 * company mark, so all chose the same new ids — the worst interleaving, on either backend.
 */
function storesMeetingBeforeTheirPlans(stores: Store[]): Store[] {
  let arrived = 0;
  let release!: () => void;
  const together = new Promise<void>((resolve) => (release = resolve));
  return stores.map((store) => {
    let writes = 0;
    return new Proxy(store, {
      get(target, prop) {
        const v = Reflect.get(target, prop) as unknown;
        if (prop !== 'write') return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        return async (fn: Parameters<Store['write']>[0]) => {
          if (++writes === 2) {
            if (++arrived === stores.length) release();
            await together;
          }
          return target.write(fn);
        };
      },
    });
  });
}

describe.each(BACKENDS)('new department ids of two connections of one company ($name)', (backend) => {
  it('both plan from the same department list: the second finds its ids reserved, plans again, and each creates and links only its own departments', async () => {
    sim = await startSim();
    sim.sim.seedDepartment(CORP.corpid, { name: 'Root of B', id: ROOT_B });
    ts = await backend.open();
    // PostgreSQL: connection B as another process, with a store of its own on the same database
    // (SQLite is one process's: better-sqlite3 would block this event loop on the other's lock)
    const storeB = backend.name === 'postgres' ? await ts.reopen() : ts.store;
    const client = makeClient(sim);
    clients.push(client);
    const { client: counted, listReads } = countingClient(client);
    const [storeForA, storeForB] = storesMeetingBeforeTheirPlans([ts.store, storeB]);
    const a = connection({ id: 'conn_a', corpId: CORP.corpid, rootDepartmentId: ROOT_A });
    const b = connection({ id: 'conn_b', corpId: CORP.corpid, rootDepartmentId: ROOT_B });
    const desiredA = tree('a', 100);
    const desiredB = tree('b', 200);

    const [runA, runB] = await Promise.all([
      runFullSync({ store: storeForA!, client: counted, connection: a, desired: desiredA }),
      runFullSync({ store: storeForB!, client: counted, connection: b, desired: desiredB }),
    ]);

    for (const run of [runA, runB]) {
      expect(run.status, JSON.stringify(run.summary)).toBe('succeeded');
      const failed = (await loadOperations(ts.store.db, run.runId!)).filter((o) => o.status !== 'succeeded');
      expect(failed.map((o) => `${o.kind} ${o.key}: ${o.errcode} ${o.errmsg}`)).toEqual([]);
    }

    // one of them found its ids reserved and planned again: it read the list a second time
    expect(listReads()).toBe(3);

    const company = sim.sim.company(CORP.corpid);
    const ids = { a: new Set<number>(), b: new Set<number>() };
    for (const [name, conn, desired, root] of [
      ['a', a, desiredA, ROOT_A],
      ['b', b, desiredB, ROOT_B],
    ] as const) {
      const links = await loadLinks(ts.store.db, conn.id);
      const deptOf = new Map(links.departments.map((l) => [l.key, l.departmentId]));
      expect(links.departments.map((l) => l.key).sort()).toEqual(desired.departments.map((d) => d.key).sort());
      for (const d of desired.departments) {
        const rec = company.departments.record(deptOf.get(d.key)!);
        expect(rec?.name, `the department linked to ${d.key}`).toBe(d.name);
        expect(rec!.parentid).toBe(d.parentKey === null ? root : deptOf.get(d.parentKey));
        ids[name].add(rec!.id);
      }
      for (const m of desired.members) expect(company.members.find(m.userid)?.department).toEqual([deptOf.get(m.departmentKeys![0]!)]);
    }
    // distinct ids, and exactly the six departments were made (besides the seeded ones)
    expect([...ids.a].filter((id) => ids.b.has(id))).toEqual([]);
    const made = company.departments.all().filter((d) => ![1, ROOT_A, ROOT_B, OUTSIDE].includes(d.id));
    expect(made.map((d) => d.id).sort()).toEqual([...ids.a, ...ids.b].sort());
    // the company's mark holds the highest id chosen
    expect(await departmentIdMark(ts.store.db, CORP.corpid)).toBe(Math.max(...ids.a, ...ids.b));
  });
});
