// Orphans in the store on both backends: a scan replaces the last one and keeps first sightings; a
// list WeCom refused (48009) keeps that kind's earlier rows and the view says which list was
// refused; decisions on orphans gone from WeCom's list are dropped (a userid made again later is
// never acted on by an old decision), those on a still-linked member stay; a delete carried out is
// reported done.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Directory } from '../../../src/directory/directory.js';
import type { Store } from '../../../src/store/store.js';
import { putMemberLink } from '../../../src/sync/state/links.js';
import { listDecisions, loadScan, putDecision, removalsDone, saveScan } from '../../../src/sync/state/orphans.js';
import { orphansOf } from '../../../src/sync/views/orphans.js';
import { BACKENDS, type TestStore } from '../../store/backends.js';

const C = 'con_test';
const T = (minute: number): string => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
const orphan = (userid: string) => ({ type: 'member' as const, wecomId: userid, why: 'not linked' as const, departments: [1] });

describe.each(BACKENDS)('orphan state on $name', (backend) => {
  let t: TestStore;
  let store: Store;
  beforeEach(async () => {
    t = await backend.open();
    store = t.store;
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('scans, refused lists, decisions and removals', async () => {
    const view = () => orphansOf({ store, directory: new Directory(store) }, C);
    expect((await view()).scan).toBeNull();
    await store.write((trx) => saveScan(trx, C, 'run_1', { membersListed: true, departmentsListed: true, orphans: [orphan('Amy'), orphan('tom'), { type: 'department', wecomId: '61', why: 'not linked', departments: [1] }] }, T(1)));
    await store.write(async (trx) => {
      await putDecision(trx, C, { type: 'member', wecomId: 'tom', decision: 'delete', by: 'admin', at: T(2) });
      await putDecision(trx, C, { type: 'member', wecomId: 'amy', decision: 'ignore', by: 'admin', at: T(2) });
      // a decision on a deleted account's member (linked): kept while its link is
      await putMemberLink(trx, { connectionId: C, runId: null, opId: null, now: T(0) }, { key: 'acc_gone', userid: 'lina', origin: 'created', shadow: null }, 'active');
      await putDecision(trx, C, { type: 'member', wecomId: 'lina', decision: 'ignore', by: 'admin', at: T(2) });
    });

    // WeCom refuses the member list (48009): members stay as seen before, departments are replaced
    await store.write((trx) => saveScan(trx, C, 'run_2', { membersListed: false, departmentsListed: true, orphans: [] }, T(3)));
    const refused = await view();
    expect(refused.scan).toMatchObject({ runId: 'run_2', members: 'refused', departments: 'listed' });
    expect(refused.note?.en).toMatch(/refused its member id list.*48009/);
    expect(refused.note?.zh).toContain('48009');
    expect(refused.members.map((m) => [m.userid, m.why, m.since, m.known, m.decision?.action ?? null])).toEqual([
      ['Amy', 'not linked', T(1), 'ids', 'ignore'], ['lina', 'account deleted', T(0), 'ids', 'ignore'], ['tom', 'not linked', T(1), 'ids', 'delete'],
    ]);
    expect(refused.departments).toEqual([]);

    // both lists refused: the scan says so, the rows stay
    await store.write((trx) => saveScan(trx, C, 'run_2b', { membersListed: false, departmentsListed: false, orphans: [] }, T(3)));
    expect((await view()).scan).toMatchObject({ runId: 'run_2b', members: 'refused', departments: 'refused' });
    expect((await view()).members.map((m) => m.userid)).toEqual(['Amy', 'lina', 'tom']);

    // the next listed scan: Amy still there (first seen kept), tom gone from WeCom: its decision goes
    await store.write((trx) => saveScan(trx, C, 'run_3', { membersListed: true, departmentsListed: true, orphans: [orphan('amy')] }, T(4)));
    expect((await loadScan(store.db, C))?.orphans.map((o) => [o.wecomId, o.firstSeen, o.lastSeen])).toEqual([['amy', T(1), T(4)]]);
    expect((await listDecisions(store.db, C)).map((d) => d.wecomId).sort()).toEqual(['amy', 'lina']);

    // a removal carried out after the decision is reported done
    await store.write((trx) => putDecision(trx, C, { type: 'member', wecomId: 'amy', decision: 'delete', by: 'admin', at: T(5) }));
    await store.db
      .insertInto('runs')
      .values({ id: 'run_4', connection_id: C, kind: 'full', status: 'succeeded', plan: null, summary: null, error: null, lease_owner: null, lease_expires_at: null, created_at: T(6), started_at: T(6), finished_at: T(6), updated_at: T(6) })
      .execute();
    await store.db
      .insertInto('run_operations')
      .values({
        run_id: 'run_4', op_id: 'member.disable:orphan:member:amy', seq: 0, kind: 'member.disable', key: 'orphan:member:amy', target: '{}', body: '{}', reason: '{}', depends_on: '[]',
        status: 'succeeded', attempts: 1, errcode: null, errmsg: null, error_class: null, explanation: null, note: null, started_at: T(6), finished_at: T(6), updated_at: T(6),
      })
      .execute();
    expect(await removalsDone(store.db, C, ['orphan:member:amy', 'orphan:member:tom'])).toEqual(new Map([['orphan:member:amy', { kind: 'member.disable', at: T(6) }]]));
    expect((await view()).members.find((m) => m.userid === 'amy')).toMatchObject({ enabled: false, decision: { action: 'delete', done: { kind: 'member.disable', at: T(6) } } });
  });
});
