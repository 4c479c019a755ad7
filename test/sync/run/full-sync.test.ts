// Full runs against the simulator over HTTPS with a real SQLite store (and one PostgreSQL pass).
import { afterEach, describe, expect, it } from 'vitest';
import type { DesiredState } from '../../../src/domain/desired.js';
import type { RunningSimulator } from '../../../src/simulator/index.js';
import { getRun, loadOperations, operationsForKey } from '../../../src/sync/state/runs.js';
import { loadLinks } from '../../../src/sync/state/links.js';
import { RunInProgressError } from '../../../src/sync/pipeline.js';
import { approveRun, retryFailed, runFullSync } from './pipeline.js';
import { WeComError, type WeComClient } from '../../../src/wecom/index.js';
import { postgresBackend, sqliteBackend, type TestBackend, type TestStore } from '../../store/backends.js';
import { connection, CORP, OUTSIDE, expectConverged, makeClient, mobile, smallTree, smallTreeV2, startSim } from './helpers.js';

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

async function setup(simOpts: Parameters<typeof startSim>[0] = {}, backend: TestBackend = sqliteBackend) {
  sim = await startSim(simOpts);
  ts = await backend.open();
  const client = makeClient(sim);
  clients.push(client);
  return { s: sim, store: ts.store, client };
}

const writes = (s: RunningSimulator): number => {
  const by = s.sim.stats().byApi;
  return ['department/create', 'department/update', 'department/delete', 'user/create', 'user/update', 'user/delete'].reduce((n, a) => n + (by[a] ?? 0), 0);
};

describe.each([
  ['full reads', {}],
  ['a strict caller (detail reads answer 48009)', { trustedIps: ['127.0.0.1'] }],
] as Array<[string, Parameters<typeof startSim>[0]]>)('full sync with %s', (_name, simOpts) => {
  it('creates a small tree from empty, stores links and shadows, then plans nothing; a changed directory converges', async () => {
    const { s, store, client } = await setup(simOpts);
    const conn = connection();
    const desired = smallTree();
    const first = await runFullSync({ store, client, connection: conn, desired });
    expect(first.status).toBe('succeeded');
    expect(first.summary).toMatchObject({ total: 15, succeeded: 15, failed: 0, skipped: 0 });
    await expectConverged(s, store, conn, desired);
    const ops = await loadOperations(store.db, first.runId!);
    expect(ops.every((o) => o.status === 'succeeded' && o.attempts === 1)).toBe(true);
    expect((await getRun(store.db, first.runId!))?.status).toBe('succeeded');

    const before = writes(s);
    const again = await runFullSync({ store, client, connection: conn, desired });
    expect(again.status).toBe('succeeded');
    expect(again.summary.total).toBe(0);
    expect(again.summary.message).toMatch(/nothing to do/);
    expect(writes(s)).toBe(before);

    const v2 = smallTreeV2();
    const second = await runFullSync({ store, client, connection: conn, desired: v2 });
    expect(second.status, JSON.stringify(second.summary)).toBe('succeeded');
    expect(second.summary.total).toBeGreaterThan(5);
    await expectConverged(s, store, conn, v2);
    const third = await runFullSync({ store, client, connection: conn, desired: v2 });
    expect(third.summary.total).toBe(0);
  });
});

describe('full sync when even the id lists are refused', () => {
  it('plans from shadow state only, records the warning, and converges', async () => {
    const { s, store, client } = await setup({ trustedIps: ['127.0.0.1'], refuseIdLists: true });
    const conn = connection();
    const first = await runFullSync({ store, client, connection: conn, desired: smallTree() });
    expect(first.status).toBe('succeeded');
    expect(first.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['no-department-list', 'no-member-list', 'blind-department-ids']));
    const stored = await getRun(store.db, first.runId!);
    expect(stored?.plan?.warnings.map((w) => w.code)).toContain('no-member-list');
    await expectConverged(s, store, conn, smallTree());
    expect((await runFullSync({ store, client, connection: conn, desired: smallTree() })).summary.total).toBe(0);
    const v2 = smallTreeV2();
    expect((await runFullSync({ store, client, connection: conn, desired: v2 })).status).toBe('succeeded');
    await expectConverged(s, store, conn, v2);
  });

  it('a member deleted by hand (60111 on update) loses its link, the run is partial, and the next run re-creates it', async () => {
    const { s, store, client } = await setup({ trustedIps: ['127.0.0.1'], refuseIdLists: true });
    const conn = connection();
    const desired = smallTree();
    await runFullSync({ store, client, connection: conn, desired });
    s.sim.adminEdit(CORP.corpid, 'user/delete', { userid: 'user3' });
    const changed: DesiredState = { ...desired, members: desired.members.map((x) => (x.key === 'acc_3' ? { ...x, fields: { ...x.fields, position: 'Manager' } } : x)) };
    const r = await runFullSync({ store, client, connection: conn, desired: changed });
    expect(r.status).toBe('partial');
    expect(r.summary).toMatchObject({ failed: 1, gone: 1 });
    const op = (await loadOperations(store.db, r.runId!)).find((o) => o.key === 'acc_3')!;
    expect(op).toMatchObject({ status: 'failed', errcode: 60111, errorClass: 'gone' });
    expect(op.explanation?.en).toMatch(/no longer exists/);
    expect((await loadLinks(store.db, conn.id)).members.find((l) => l.key === 'acc_3')).toBeUndefined();
    const next = await runFullSync({ store, client, connection: conn, desired: changed });
    expect(next.status).toBe('succeeded');
    await expectConverged(s, store, conn, changed);
  });
});

describe('errors during a run', () => {
  it('a data error fails only that operation, with WeCom\'s explanation; the run is partial; fixed data converges', async () => {
    const { s, store, client } = await setup({ trustedIps: ['127.0.0.1'] });
    // someone outside the synced tree already uses person 5's mobile
    s.sim.seedMember(CORP.corpid, { userid: 'handmade', name: 'Hand made', department: [OUTSIDE], mobile: mobile(5) });
    const conn = connection();
    const desired = smallTree();
    const r = await runFullSync({ store, client, connection: conn, desired });
    expect(r.status).toBe('partial');
    expect(r.summary).toMatchObject({ total: 15, succeeded: 14, failed: 1, skipped: 0 });
    expect(r.summary.message).toMatch(/14 of 15/);
    const failed = (await loadOperations(store.db, r.runId!)).filter((o) => o.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ key: 'acc_5', kind: 'member.create', errcode: 60104, errorClass: 'data', attempts: 1 });
    expect(failed[0]!.explanation?.zh).toContain('手机号码已存在');
    // no pending link is left for a create WeCom certainly refused
    expect((await loadLinks(store.db, conn.id)).members.find((l) => l.key === 'acc_5')).toBeUndefined();
    expect(s.sim.company(CORP.corpid).members.find('user5')).toBeUndefined();

    // retrying the same run does not help (same data) and is reported again
    const retried = await retryFailed({ store, client, runId: r.runId! });
    expect(retried.status).toBe('partial');

    const fixed: DesiredState = { ...desired, members: desired.members.map((x) => (x.key === 'acc_5' ? { ...x, fields: { ...x.fields, mobile: mobile(55) } } : x)) };
    const again = await runFullSync({ store, client, connection: conn, desired: fixed });
    expect(again.status).toBe('succeeded');
    expect(again.summary.total).toBe(1);
    await expectConverged(s, store, conn, fixed);
    // the per-object log: every attempt for this account, newest run first
    const history = await operationsForKey(store.db, conn.id, 'acc_5');
    expect(history.map((h) => [h.status, h.errcode])).toEqual([['succeeded', null], ['failed', 60104]]);
    expect(history[1]!.attempts).toBe(2); // sent by the run, then by retryFailed
    expect(history[0]!.body).toMatchObject({ userid: 'user5', mobile: mobile(55) });
  });

  it('an untrusted egress IP fails the run before any change, naming the IP WeCom saw', async () => {
    const { s, store, client } = await setup({ trustedIps: ['127.0.0.9'] });
    const r = await runFullSync({ store, client, connection: connection(), desired: smallTree() });
    expect(r.status).toBe('failed');
    expect(r.error).toMatchObject({ errcode: 60020 });
    expect(r.error?.explanation?.en).toContain('127.0.0.1');
    expect(r.summary.message).toMatch(/failed before any change/);
    expect(writes(s)).toBe(0);
    expect((await getRun(store.db, r.runId!))?.status).toBe('failed');
  });

  it('operations depending on a failed one are skipped (dependency failed)', async () => {
    const { s, store, client } = await setup();
    // a hand-made department blocks the name "Sales" under the root: 60008 on create
    s.sim.seedDepartment(CORP.corpid, { name: 'Sales', parentid: 2, id: 500 });
    const r = await runFullSync({ store, client, connection: connection(), desired: smallTree() });
    expect(r.status).toBe('partial');
    const ops = await loadOperations(store.db, r.runId!);
    const sales = ops.find((o) => o.opId.includes('org_sales') && o.kind === 'department.create')!;
    expect(sales).toMatchObject({ status: 'failed', errcode: 60008, errorClass: 'data' });
    const skipped = ops.filter((o) => o.status === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.every((o) => o.errorClass === 'dependency' && /dependency .* (failed|was skipped)/.test(o.errmsg ?? ''))).toBe(true);
    expect(skipped.map((o) => o.key)).toEqual(expect.arrayContaining(['org_emea', 'acc_5', 'acc_6', 'acc_7']));
    expect(r.summary.skipped).toBe(skipped.length);
  });

  it('a configuration error aborts the run: every remaining operation is skipped, the run failed with the explanation', async () => {
    const { s, store, client } = await setup();
    let creates = 0;
    const failing = {
      department: client.department,
      user: {
        ...client.user,
        create: async (body: Parameters<WeComClient['user']['create']>[0]) => {
          if (++creates === 3) throw new WeComError({ errcode: 60020, errmsg: 'not allow to access from your ip, from ip: 10.9.8.7', api: 'user/create', route: { kind: 'direct' } });
          return client.user.create(body);
        },
      },
    } as unknown as WeComClient;
    const r = await runFullSync({ store, client: failing, connection: connection(), desired: smallTree(), concurrency: 1 });
    expect(r.status).toBe('failed');
    expect(r.error?.explanation?.en).toMatch(/10\.9\.8\.7/);
    const ops = await loadOperations(store.db, r.runId!);
    expect(ops.filter((o) => o.status === 'failed')).toHaveLength(1);
    expect(ops.filter((o) => o.status === 'skipped').every((o) => o.errorClass === 'aborted')).toBe(true);
    expect(ops.filter((o) => o.status === 'skipped').length).toBe(15 - 5 - 3);
    expect(s.sim.company(CORP.corpid).members.all().length).toBe(2 + 2); // the outsider, the creator and the 2 created
    // the next run picks up where it stopped
    const next = await runFullSync({ store, client, connection: connection(), desired: smallTree() });
    expect(next.status).toBe('succeeded');
    expect(next.summary.total).toBe(8);
  });
});

describe('safety threshold and one active run', () => {
  it('a plan above the threshold is held (nothing sent) until approved', async () => {
    const { s, store, client } = await setup();
    const conn = connection({ safety: { maxDeletes: 3, maxDeletePercent: 100 } });
    await runFullSync({ store, client, connection: conn, desired: smallTree() });
    const fewer: DesiredState = { ...smallTree(), members: smallTree().members.slice(0, 4) };
    const before = writes(s);
    const held = await runFullSync({ store, client, connection: conn, desired: fewer });
    expect(held.status).toBe('held');
    expect(held.summary.message).toMatch(/held for approval/);
    expect(held.warnings.map((w) => w.code)).toContain('safety-threshold');
    expect(writes(s)).toBe(before);
    expect(s.sim.company(CORP.corpid).members.all().length).toBe(12); // 10, the outsider and the creator
    const approved = await approveRun({ store, client, runId: held.runId! });
    expect(approved.status).toBe('succeeded');
    expect(approved.summary.total).toBe(6);
    await expectConverged(s, store, conn, fewer);
    await expect(approveRun({ store, client, runId: held.runId! })).rejects.toThrow(/succeeded; expected held/);
  });

  it('a second start while a run is active is refused with a clear error', async () => {
    const { store, client } = await setup();
    const conn = connection();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = {
      department: { ...client.department, create: async (b: Parameters<WeComClient['department']['create']>[0]) => (await gate, client.department.create(b)) },
      user: client.user,
    } as unknown as WeComClient;
    let claimed!: () => void;
    const started = new Promise<void>((r) => (claimed = r));
    const first = runFullSync({ store, client: slow, connection: conn, desired: smallTree(), onEvent: (e) => e.type === 'op-started' && claimed() });
    await started;
    await expect(runFullSync({ store, client, connection: conn, desired: smallTree() })).rejects.toBeInstanceOf(RunInProgressError);
    await expect(runFullSync({ store, client, connection: conn, desired: smallTree() })).rejects.toThrow(/already has an active sync run/);
    release();
    expect((await first).status).toBe('succeeded');
  });

  it('a dry run stores and sends nothing', async () => {
    const { s, store, client } = await setup();
    const r = await runFullSync({ store, client, connection: connection(), desired: smallTree(), dryRun: true });
    expect(r.status).toBe('dry-run');
    expect(r.plan?.operations).toHaveLength(15);
    expect(writes(s)).toBe(0);
    expect(await store.db.selectFrom('runs').selectAll().execute()).toHaveLength(0);
  });
});

describe('faults', () => {
  it('with 20% injected faults (busy, 502, resets; half of them applied) a run converges without duplicates', async () => {
    const { s, store, client } = await setup({ faultRate: 0.2, faultKind: 'mixed' });
    const conn = connection();
    const desired = smallTree();
    let r = await runFullSync({ store, client, connection: conn, desired });
    for (let i = 0; i < 5 && r.status !== 'succeeded'; i++) r = await runFullSync({ store, client, connection: conn, desired });
    expect(r.status).toBe('succeeded');
    s.sim.setFaults({ faultRate: 0 });
    await expectConverged(s, store, conn, desired);
    expect((await runFullSync({ store, client, connection: conn, desired })).summary.total).toBe(0);
    const v2 = smallTreeV2();
    s.sim.setFaults({ faultRate: 0.2 });
    r = await runFullSync({ store, client, connection: conn, desired: v2 });
    for (let i = 0; i < 5 && r.status !== 'succeeded'; i++) r = await runFullSync({ store, client, connection: conn, desired: v2 });
    s.sim.setFaults({ faultRate: 0 });
    await expectConverged(s, store, conn, v2);
  });
});

describe('on PostgreSQL', () => {
  it('the main scenario: initial sync, no-op resync, changed directory', async () => {
    const { s, store, client } = await setup({ trustedIps: ['127.0.0.1'] }, postgresBackend);
    const conn = connection();
    expect((await runFullSync({ store, client, connection: conn, desired: smallTree() })).status).toBe('succeeded');
    await expectConverged(s, store, conn, smallTree());
    expect((await runFullSync({ store, client, connection: conn, desired: smallTree() })).summary.total).toBe(0);
    expect((await runFullSync({ store, client, connection: conn, desired: smallTreeV2() })).status).toBe('succeeded');
    await expectConverged(s, store, conn, smallTreeV2());
  });
});
