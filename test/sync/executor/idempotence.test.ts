// The executor's idempotence rules, one by one: an operation left 'running' by a crash is sent
// again, and WeCom's "already exists" / "not found" answers that an applied first attempt causes are
// recognised — only where the recorded state says our earlier attempt may have done it.
import { afterEach, describe, expect, it } from 'vitest';
import type { DesiredState } from '../../../src/domain/desired.js';
import type { Links } from '../../../src/domain/link.js';
import type { Operation, Plan } from '../../../src/domain/plan.js';
import type { RunningSimulator } from '../../../src/simulator/index.js';
import type { Store } from '../../../src/store/store.js';
import { planSync } from '../../../src/sync/planner/index.js';
import { plannerSettings } from '../../../src/sync/stages/prepare.js';
import { resumeRuns, runFullSync } from '../run/pipeline.js';
import { loadLinks, putDepartmentLink, putLinks, putMemberLink } from '../../../src/sync/state/links.js';
import { claimRun, getRun, loadOperations, newOwner, startRun, storePlan } from '../../../src/sync/state/runs.js';
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

async function setup(simOpts: Parameters<typeof startSim>[0] = {}) {
  sim = await startSim(simOpts);
  ts = await sqliteBackend.open();
  client = makeClient(sim);
  return { s: sim, store: ts.store, client };
}

const CONN = connection();

/**
 * Stores a plan as a run that a process "crashed" in: status running, lease owned by an execution
 * that no longer exists, the chosen operation 'running' with its pending link (as the executor
 * records before sending).
 */
async function crashedRun(store: Store, plan: Plan, runningOp: Operation): Promise<string> {
  const owner = newOwner(); // never marked active in this process: stale at once
  const runId = await claimRun(store, CONN.id, 'full', owner, 60_000);
  await store.write(async (trx) => {
    await storePlan(store, trx, runId, plan, false);
    await startRun(trx, runId, owner, 60_000);
    await trx.updateTable('run_operations').set({ status: 'running', attempts: 1 }).where('run_id', '=', runId).where('op_id', '=', runningOp.id).execute();
    const c = { connectionId: CONN.id, runId, opId: runningOp.id, now: new Date().toISOString() };
    if (runningOp.kind === 'department.create')
      await putDepartmentLink(trx, c, { key: runningOp.key, departmentId: runningOp.body.id, origin: 'created', shadow: null }, 'pending');
    if (runningOp.kind === 'member.create') await putMemberLink(trx, c, { key: runningOp.key, userid: runningOp.body.userid, origin: 'created', shadow: null }, 'pending');
  });
  return runId;
}

function plan(desired: DesiredState, links: Links, s: RunningSimulator, extra: Partial<Parameters<typeof planSync>[0]> = {}): Plan {
  const company = s.sim.company(CORP.corpid);
  return planSync({
    desired,
    links,
    observed: {
      departments: company.departments.all().map((d) => ({ id: d.id, parentid: d.parentid, order: d.order })),
      members: company.members.all().map((m) => ({ userid: m.userid, department: m.department })),
    },
    settings: plannerSettings(CONN),
    ...extra,
  });
}

const oneDept: DesiredState = { departments: [{ key: 'org_a', name: 'Alpha', parentKey: null }], members: [] };

describe('resuming an operation interrupted by a crash', () => {
  it('department/create applied before the crash: 60008 is verified by id and counted as done (no duplicate)', async () => {
    const { s, store, client } = await setup({ trustedIps: ['127.0.0.1'] });
    const p = plan(oneDept, { departments: [], members: [] }, s);
    const op = p.operations[0]!;
    if (op.kind !== 'department.create') throw new Error('expected a create');
    await client.department.create(op.body); // WeCom applied it; the answer never got recorded
    const runId = await crashedRun(store, p, op);
    const [r] = await resumeRuns({ store, client, connectionId: CONN.id });
    expect(r!.status).toBe('succeeded');
    const [rec] = await loadOperations(store.db, runId);
    expect(rec).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(rec!.note).toMatch(/already created by an earlier attempt \(verified/);
    const links = await loadLinks(store.db, CONN.id);
    expect(links.departments).toEqual([{ key: 'org_a', departmentId: op.body.id, origin: 'created', state: 'active', shadow: { name: 'Alpha', parentid: ROOT, order: 0 } }]);
    expect(s.sim.company(CORP.corpid).departments.all().filter((d) => d.name === 'Alpha')).toHaveLength(1);
  });

  it('department/create NOT applied, and a sibling made by hand holds the name: 60008 is not mistaken for our create', async () => {
    const { s, store, client } = await setup();
    const p = plan(oneDept, { departments: [], members: [] }, s);
    const op = p.operations[0]!;
    s.sim.seedDepartment(CORP.corpid, { name: 'Alpha', parentid: ROOT, id: 777 });
    const runId = await crashedRun(store, p, op);
    const [r] = await resumeRuns({ store, client, connectionId: CONN.id });
    expect(r!.status).toBe('partial');
    const [rec] = await loadOperations(store.db, runId);
    expect(rec).toMatchObject({ status: 'failed', errcode: 60008, errorClass: 'data' });
    expect((await loadLinks(store.db, CONN.id)).departments).toEqual([]); // the pending link is dropped
  });

  it('user/create applied before the crash: 60102 → the values are sent again as an update, the link stored', async () => {
    const { s, store, client } = await setup({ trustedIps: ['127.0.0.1'] });
    const desired: DesiredState = { departments: [], members: [{ key: 'acc_1', userid: 'alice', departmentKeys: null, fields: { name: 'Alice', mobile: mobile(1), enable: 1 } }] };
    const p = plan(desired, { departments: [], members: [] }, s);
    const op = p.operations[0]!;
    if (op.kind !== 'member.create') throw new Error('expected a create');
    await client.user.create({ ...op.body, name: 'Alice (half-written)' });
    const runId = await crashedRun(store, p, op);
    const [r] = await resumeRuns({ store, client, connectionId: CONN.id });
    expect(r!.status).toBe('succeeded');
    const [rec] = await loadOperations(store.db, runId);
    expect(rec!.note).toMatch(/already created by an earlier attempt; its values were sent again/);
    expect(s.sim.company(CORP.corpid).members.find('alice')?.name).toBe('Alice');
    expect(s.sim.stats().byApi['user/update']).toBe(1);
    const links = await loadLinks(store.db, CONN.id);
    expect(links.members[0]).toMatchObject({ key: 'acc_1', userid: 'alice', state: 'active', shadow: { name: 'Alice', department: [ROOT] } });
  });

  it('a rename (new_userid) applied before the crash: 60111 → the values go to the new userid, the link follows', async () => {
    const { s, store, client } = await setup();
    s.sim.seedMember(CORP.corpid, { userid: 'wo123', name: 'Gen', department: [ROOT], mobile: mobile(7) }, { useridGenerated: true });
    const links: Links = { departments: [], members: [{ key: 'acc_7', userid: 'wo123', origin: 'matched', shadow: { name: 'Gen', mobile: mobile(7), department: [ROOT] } }] };
    await store.write((trx) => putLinks(trx, CONN.id, links));
    const desired: DesiredState = { departments: [], members: [{ key: 'acc_7', userid: 'gen.li', departmentKeys: null, fields: { name: 'Gen Li', mobile: mobile(7), enable: 1 } }] };
    const p = plan(desired, links, s, { options: { useridChange: 'new_userid' } });
    const op = p.operations.find((o) => o.kind === 'member.update')!;
    if (op.kind !== 'member.update') throw new Error('expected an update');
    expect(op.body.new_userid).toBe('gen.li');
    await client.user.update(op.body); // applied, answer lost
    const runId = await crashedRun(store, p, op);
    const [r] = await resumeRuns({ store, client, connectionId: CONN.id });
    expect(r!.status).toBe('succeeded');
    const rec = (await loadOperations(store.db, runId)).find((o) => o.opId === op.id)!;
    expect(rec.note).toMatch(/renamed by an earlier attempt/);
    expect((await loadLinks(store.db, CONN.id)).members[0]).toMatchObject({ userid: 'gen.li', state: 'active' });
    expect(s.sim.company(CORP.corpid).members.find('gen.li')?.name).toBe('Gen Li');
  });

  it('deletes applied before the crash: 60111 / 60003 are counted as done and the links removed', async () => {
    const { s, store, client } = await setup();
    const desired: DesiredState = {
      departments: [{ key: 'org_a', name: 'Alpha', parentKey: null }],
      members: [{ key: 'acc_1', userid: 'bob', departmentKeys: ['org_a'], fields: { name: 'Bob', mobile: mobile(2), enable: 1 } }],
    };
    expect((await runFullSync({ store, client, connection: CONN, desired })).status).toBe('succeeded');
    const links = await loadLinks(store.db, CONN.id);
    const p = plan({ departments: [], members: [] }, links, s);
    expect(p.operations.map((o) => o.kind)).toEqual(['member.delete', 'department.delete']);
    await client.user.delete('bob');
    await client.department.delete(links.departments[0]!.departmentId);
    const runId = await crashedRun(store, p, p.operations[0]!);
    await store.db.updateTable('run_operations').set({ status: 'running', attempts: 1 }).where('run_id', '=', runId).execute();
    const [r] = await resumeRuns({ store, client, connectionId: CONN.id });
    expect(r!.status).toBe('succeeded');
    const ops = await loadOperations(store.db, runId);
    expect(ops.map((o) => o.note)).toEqual(['already deleted in WeCom', 'already deleted in WeCom']);
    expect(await loadLinks(store.db, CONN.id)).toEqual({ departments: [], members: [] });
  });
});

describe('without a record of an earlier attempt', () => {
  it('60102 on a fresh create is a conflict to report, and the existing member is left alone', async () => {
    const { s, store, client } = await setup({ trustedIps: ['127.0.0.1'], refuseIdLists: true });
    s.sim.seedMember(CORP.corpid, { userid: 'carol', name: 'Someone else', department: [ROOT], mobile: mobile(30) });
    const desired: DesiredState = { departments: [], members: [{ key: 'acc_3', userid: 'carol', departmentKeys: null, fields: { name: 'Carol', mobile: mobile(3), enable: 1 } }] };
    const r = await runFullSync({ store, client, connection: CONN, desired });
    expect(r.status).toBe('partial');
    const [rec] = await loadOperations(store.db, r.runId!);
    expect(rec).toMatchObject({ status: 'failed', errcode: 60102, errorClass: 'data' });
    expect(s.sim.company(CORP.corpid).members.find('carol')?.name).toBe('Someone else');
    expect(s.sim.stats().byApi['user/update'] ?? 0).toBe(0);
    expect((await loadLinks(store.db, CONN.id)).members).toEqual([]);
  });

  it('a run never reports success with failures, and an empty plan is a success that says so', async () => {
    const { store, client } = await setup();
    const r = await runFullSync({ store, client, connection: CONN, desired: { departments: [], members: [] } });
    expect(r.status).toBe('succeeded');
    expect(r.summary).toMatchObject({ total: 0, message: expect.stringMatching(/nothing to do/) });
    expect((await getRun(store.db, r.runId!))?.summary?.total).toBe(0);
  });
});
