// A check that WeCom (the simulator) holds exactly the desired state, plus the fixtures.
import { expect } from 'vitest';
import type { DesiredState } from '../../../src/domain/desired.js';
import type { RunningSimulator } from '../../../src/simulator/index.js';
import type { Store } from '../../../src/store/store.js';
import { loadLinks } from '../../../src/sync/state/links.js';
import type { SyncConnection } from '../../../src/sync/stages/prepare.js';
import { CORP, OUTSIDE, ROOT } from './fixtures.js';

export * from './fixtures.js';

/**
 * WeCom holds exactly the desired state under the root, nothing is duplicated, nothing outside was
 * touched, and the stored links agree with WeCom.
 */
export async function expectConverged(s: RunningSimulator, store: Store, conn: SyncConnection, desired: DesiredState): Promise<void> {
  const company = s.sim.company(CORP.corpid);
  const links = await loadLinks(store.db, conn.id);
  expect(links.departments.every((l) => l.state === 'active')).toBe(true);
  expect(links.members.every((l) => l.state === 'active')).toBe(true);
  const deptOf = new Map(links.departments.map((l) => [l.key, l.departmentId]));
  const depts = company.departments.all();
  // no duplicates: one department per (parent, name)
  const names = depts.map((x) => `${x.parentid}/${x.name}`);
  expect(new Set(names).size).toBe(names.length);
  // exactly the desired departments under the root (plus the root), each where desired
  const under = depts.filter((x) => x.id !== ROOT && x.id !== 1 && x.id !== OUTSIDE);
  expect(under.length).toBe(desired.departments.length);
  for (const dd of desired.departments) {
    const id = deptOf.get(dd.key);
    expect(id, `link of ${dd.key}`).toBeDefined();
    const rec = company.departments.record(id!);
    expect(rec, `department of ${dd.key}`).toBeDefined();
    expect(rec!.name).toBe(dd.name);
    expect(rec!.parentid).toBe(dd.parentKey === null ? ROOT : deptOf.get(dd.parentKey));
  }
  // members: exactly the desired ones plus the outsider and the company's creator, no duplicates
  const all = company.members.all();
  expect(new Set(all.map((x) => x.userid.toLowerCase())).size).toBe(all.length);
  // members outside the root (made by hand, or the creator in department 1) are not ours
  const members = all.filter((x) => !x.department.every((dep) => dep === OUTSIDE || dep === 1));
  expect(members.length).toBe(desired.members.length);
  const outsider = company.members.find('outsider');
  expect(outsider?.department).toEqual([OUTSIDE]);
  const userOf = new Map(links.members.map((l) => [l.key, l.userid]));
  for (const dm of desired.members) {
    expect(userOf.get(dm.key), `link of ${dm.key}`).toBe(dm.userid);
    const rec = company.members.find(dm.userid);
    expect(rec, `member ${dm.userid}`).toBeDefined();
    expect(rec!.name).toBe(dm.fields.name);
    expect(rec!.mobile).toBe(dm.fields.mobile);
    expect(rec!.position).toBe(dm.fields.position ?? '');
    expect([...rec!.department].sort()).toEqual((dm.departmentKeys ?? []).map((k) => deptOf.get(k)!).sort());
    const shadow = links.members.find((l) => l.key === dm.key)!.shadow!;
    expect(shadow.name).toBe(dm.fields.name);
    expect([...shadow.department].sort()).toEqual([...rec!.department].sort());
  }
  expect(links.members.length).toBe(desired.members.length);
  expect(links.departments.length).toBe(desired.departments.length);
}
