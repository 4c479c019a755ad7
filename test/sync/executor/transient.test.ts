// Transient failures that outlast the client's retries: the operation fails as 'retryable' (never
// as success), a create whose answer was lost keeps its pending link, and the next run converges.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../../src/simulator/index.js';
import { resumeRuns, retryFailed, runFullSync } from '../run/pipeline.js';
import { loadLinks } from '../../../src/sync/state/links.js';
import { getRun, loadOperations } from '../../../src/sync/state/runs.js';
import type { Store } from '../../../src/store/store.js';
import { WeComTransportError, type WeComClient } from '../../../src/wecom/index.js';
import { sqliteBackend, type TestStore } from '../../store/backends.js';
import { CORP, connection, expectConverged, makeClient, smallTree, startSim } from '../run/helpers.js';

let sim: RunningSimulator | undefined;
let ts: TestStore | undefined;
let client: WeComClient | undefined;

afterEach(async () => {
  await client?.close();
  await sim?.close();
  await ts?.dispose();
  sim = ts = client = undefined;
});

const lost = (api: string): WeComTransportError => new WeComTransportError({ kind: 'reset', api, route: { kind: 'direct' }, detail: 'connection reset while the request was in flight' });

/** The real client, with `then` called after each user/create WeCom applied (to lose its answer, or the store). */
function afterUserCreate(real: WeComClient, then: (b: Parameters<WeComClient['user']['create']>[0]) => void): WeComClient {
  return {
    department: real.department,
    user: {
      ...real.user,
      create: async (b: Parameters<WeComClient['user']['create']>[0]) => {
        await real.user.create(b);
        then(b);
      },
    },
  } as unknown as WeComClient;
}

describe('transient failures after the client gave up', () => {
  it('a create applied by WeCom whose answer never came: failed (retryable), pending link kept; the next run converges without a duplicate', async () => {
    sim = await startSim({ trustedIps: ['127.0.0.1'] });
    ts = await sqliteBackend.open();
    client = makeClient(sim);
    const real = client;
    const flaky = afterUserCreate(real, (b) => {
      if (b.userid === 'user3') throw lost('user/create'); // applied, answer lost
    });
    const store = ts.store;
    const conn = connection();
    const r = await runFullSync({ store, client: flaky, connection: conn, desired: smallTree() });
    expect(r.status).toBe('partial');
    expect(r.summary).toMatchObject({ failed: 1, retryable: 1 });
    const op = (await loadOperations(store.db, r.runId!)).find((o) => o.key === 'acc_3')!;
    expect(op).toMatchObject({ status: 'failed', errorClass: 'retryable', errcode: null });
    expect((await loadLinks(store.db, conn.id)).members.find((l) => l.key === 'acc_3')).toMatchObject({ userid: 'user3', state: 'pending' });

    // retrying the failed operation: 60102 with our pending link = our earlier create
    const retried = await retryFailed({ store, client: real, runId: r.runId! });
    expect(retried.status).toBe('succeeded');
    const again = (await loadOperations(store.db, r.runId!)).find((o) => o.key === 'acc_3')!;
    expect(again).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(again.note).toMatch(/already created by an earlier attempt/);
    await expectConverged(sim, store, conn, smallTree());
    expect(sim.sim.company(CORP.corpid).members.all().filter((m) => m.userid === 'user3')).toHaveLength(1);
  });

  it('a pending link left by a failed create is planned as a link with unknown values, and the next full run converges', async () => {
    sim = await startSim();
    ts = await sqliteBackend.open();
    client = makeClient(sim);
    const real = client;
    const flaky = {
      department: {
        ...real.department,
        create: async (b: Parameters<WeComClient['department']['create']>[0]) => {
          const out = await real.department.create(b);
          if (b.name === 'Backend') throw lost('department/create');
          return out;
        },
      },
      user: real.user,
    } as unknown as WeComClient;
    const store = ts.store;
    const conn = connection();
    const r = await runFullSync({ store, client: flaky, connection: conn, desired: smallTree() });
    expect(r.status).toBe('partial');
    expect(r.summary.skipped).toBe(3); // the members of Backend wait for it
    const next = await runFullSync({ store, client: real, connection: conn, desired: smallTree() });
    expect(next.status).toBe('succeeded');
    await expectConverged(sim, store, conn, smallTree());
  });

  it('WeCom unreachable: after 20 transient failures in a row the run stops (failed), nothing is reported as success', async () => {
    sim = await startSim();
    ts = await sqliteBackend.open();
    client = makeClient(sim);
    const real = client;
    const down = {
      department: { ...real.department, create: async () => Promise.reject(lost('department/create')) },
      user: { ...real.user, create: async () => Promise.reject(lost('user/create')) },
    } as unknown as WeComClient;
    const desired = smallTree();
    desired.departments = desired.departments.concat(Array.from({ length: 30 }, (_, i) => ({ key: `org_x${i}`, name: `X ${i}`, parentKey: null })));
    const r = await runFullSync({ store: ts.store, client: down, connection: connection(), desired, concurrency: 1 });
    expect(r.status).toBe('failed');
    expect(r.error?.message).toMatch(/20 operations in a row failed with transient errors/);
    expect(r.summary.succeeded).toBe(0);
    expect(r.summary.failed).toBe(20);
    expect(r.summary.skipped).toBe(r.summary.total - 20);
  });

  it('the store lost while an answer is recorded: the run stops unfinished (not partial) and is resumed under its id, without a duplicate', async () => {
    sim = await startSim({ trustedIps: ['127.0.0.1'] });
    ts = await sqliteBackend.open();
    client = makeClient(sim);
    const real = client;
    // the next store write after user3's create fails as a cut database connection does
    let cut = false;
    const store = new Proxy(ts.store, {
      get(target, p, receiver) {
        if (p !== 'write') return Reflect.get(target, p, receiver) as unknown;
        return (fn: Parameters<Store['write']>[0]) => {
          if (!cut) return target.write(fn);
          cut = false;
          return Promise.reject(new Error('Connection terminated unexpectedly'));
        };
      },
    });
    const flaky = afterUserCreate(real, (b) => {
      if (b.userid === 'user3') cut = true;
    });
    const conn = connection();
    const failure = await runFullSync({ store, client: flaky, connection: conn, desired: smallTree(), concurrency: 1 }).then(
      () => expect.fail('the run finished although its bookkeeping failed'),
      (e: unknown) => e as Error,
    );
    expect(failure.message).toMatch(/stays running and will be resumed/);
    const run = (await ts.store.db.selectFrom('runs').select('id').where('connection_id', '=', conn.id).execute())[0]!;
    expect((await getRun(ts.store.db, run.id))?.status).toBe('running');
    const op = (await loadOperations(ts.store.db, run.id)).find((o) => o.key === 'acc_3')!;
    expect(op.status).toBe('running'); // not 'failed': WeCom applied it, only its record was lost

    const [resumed] = await resumeRuns({ store: ts.store, client: real, connectionId: conn.id });
    expect(resumed).toMatchObject({ runId: run.id, status: 'succeeded' });
    expect((await loadOperations(ts.store.db, run.id)).find((o) => o.key === 'acc_3')).toMatchObject({ status: 'succeeded', attempts: 2 });
    await expectConverged(sim, ts.store, conn, smallTree());
    expect(sim.sim.company(CORP.corpid).members.all().filter((m) => m.userid === 'user3')).toHaveLength(1);
  });
});
