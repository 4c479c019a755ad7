import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { Caller, CORP, startTestSim } from './helpers.js';

let s: RunningSimulator;
let c: Caller;
beforeAll(async () => ({ s, c } = await startTestSim()));
afterAll(() => s.close());
beforeEach(() => {
  s.sim.reset();
  c.forgetToken();
});

const create = (body: Record<string, unknown>) => c.postCode('department/create', body);
const update = (body: Record<string, unknown>) => c.postCode('department/update', body);
/** a chain of departments below the root; returns the ids, the last one at level n + 1 */
function chain(n: number, from = 1, base = 100): number[] {
  const ids: number[] = [];
  let parent = from;
  for (let i = 0; i < n; i++) parent = s.sim.seedDepartment(CORP, { name: `L${base + i}`, parentid: parent, id: base + i });
  for (let i = 0; i < n; i++) ids.push(base + i);
  return ids;
}

describe('department/create rules (a passing and a failing case each)', () => {
  it.each([
    ['name of 64 characters / 65 characters → 60001', { name: '部'.repeat(64), parentid: 1 }, { name: '部'.repeat(65), parentid: 1 }, 60001],
    ['name_en of 64 characters / 65 characters → 60001', { name: 'A', name_en: 'e'.repeat(64), parentid: 1 }, { name: 'A', name_en: 'e'.repeat(65), parentid: 1 }, 60001],
    ['name without / with a forbidden character → 60009', { name: 'Sales-East', parentid: 1 }, { name: 'Sales:East', parentid: 1 }, 60009],
    ['existing / unknown parent → 60004', { name: 'A', parentid: 1 }, { name: 'A', parentid: 999 }, 60004],
    ['id 2 / id 1 → 40058', { name: 'A', parentid: 1, id: 2 }, { name: 'A', parentid: 1, id: 1 }, 40058],
    ['known / unknown field → 40058', { name: 'A', parentid: 1, order: 3 }, { name: 'A', parentid: 1, parent_id: 1 }, 40058],
  ])('%s', async (_label, good, bad, code) => {
    expect(await create(bad)).toBe(code);
    expect(await create(good)).toBe(0);
  });

  it('refuses a sibling English name (name_en), compared as names are → 60008', async () => {
    expect(await create({ name: '研发', name_en: 'R&D', parentid: 1, id: 10 })).toBe(0);
    expect(await create({ name: '研发二部', name_en: 'r&d', parentid: 1, id: 11 })).toBe(60008);
    expect(await create({ name: '研发二部', name_en: 'R&D 2', parentid: 1, id: 11 })).toBe(0);
    expect(await update({ id: 11, name_en: 'R&D' })).toBe(60008);
    expect(await update({ id: 11, parentid: 10 })).toBe(0);
    expect(await update({ id: 11, name_en: 'R&D' })).toBe(0); // under another parent the English name is free
  });

  it('the strict reading (--reading strict) limits names to 32 characters → 60001', async () => {
    s.sim.setRules({ reading: 'strict' });
    expect(await create({ name: '部'.repeat(33), parentid: 1 })).toBe(60001);
    expect(await create({ name: 'A', name_en: 'e'.repeat(33), parentid: 1 })).toBe(60001);
    expect(await create({ name: '部'.repeat(32), name_en: 'e'.repeat(32), parentid: 1 })).toBe(0);
  });

  it('restores a state saved under the current reading whatever the reading in force', async () => {
    expect(await create({ name: '部'.repeat(40), parentid: 1, id: 7 })).toBe(0);
    const saved = s.sim.snapshot();
    s.sim.setRules({ reading: 'strict' });
    s.sim.restore(saved);
    expect(s.sim.company(CORP).departments.record(7)?.name).toBe('部'.repeat(40));
  });

  it('assigns ids when none is given and answers the id', async () => {
    const a = await c.post('department/create', { name: 'Auto', parentid: 1 });
    expect(a.body).toMatchObject({ errcode: 0, errmsg: 'created', id: 2 });
    expect((await c.post('department/create', { name: 'Auto2', parentid: 1 })).body.id).toBe(3);
  });

  it('refuses an id already used → 60008', async () => {
    expect(await create({ name: 'A', parentid: 1, id: 10 })).toBe(0);
    expect(await create({ name: 'B', parentid: 1, id: 10 })).toBe(60008);
  });

  it('refuses a sibling name, compared case-insensitively → 60008; the same name elsewhere is fine', async () => {
    expect(await create({ name: 'R&D', parentid: 1, id: 10 })).toBe(0);
    expect(await create({ name: 'r&d', parentid: 1 })).toBe(60008);
    expect(await create({ name: 'Ｒ＆Ｄ', parentid: 1 })).toBe(60008);
    expect(await create({ name: 'r&d', parentid: 10 })).toBe(0);
  });

  it('allows level 15 (root = level 1) and refuses level 16 → 81002', async () => {
    const ids = chain(13); // levels 2..14
    expect(await create({ name: 'L15', parentid: ids[12] as number, id: 500 })).toBe(0);
    expect(await create({ name: 'L16', parentid: 500 })).toBe(81002);
  });

  it('refuses a 30,001st department → 81001', () => {
    const company = s.sim.company(CORP);
    for (let i = 2; i < 30_000; i++) company.seedDepartment({ name: `d${i}`, id: i });
    expect(company.departments.size).toBe(29_999);
    return (async () => {
      expect(await create({ name: 'last one', parentid: 1 })).toBe(0);
      expect(await create({ name: 'one too many', parentid: 1 })).toBe(81001);
    })();
  });

  it('refuses a 30,001st child node (members count) → 81001', async () => {
    const company = s.sim.company(CORP);
    company.seedDepartment({ name: 'Big', id: 2 });
    for (let i = 0; i < 29_999; i++) company.seedMember({ userid: `m${i}`, name: 'M', department: [2], email: `m${i}@example.com` });
    expect(await create({ name: 'child', parentid: 2 })).toBe(0); // node 30,000
    expect(await create({ name: 'child2', parentid: 2 })).toBe(81001);
    expect(await c.postCode('user/create', { userid: 'extra', name: 'X', department: [2], email: 'x@example.com' })).toBe(81001);
  });
});

describe('department/update rules', () => {
  beforeEach(() => {
    s.sim.seedDepartment(CORP, { name: 'A', id: 2 });
    s.sim.seedDepartment(CORP, { name: 'B', id: 3 });
    s.sim.seedDepartment(CORP, { name: 'A1', id: 4, parentid: 2 });
  });

  it.each([
    ['known / unknown id → 60003', { id: 2, name: 'A-renamed' }, { id: 99, name: 'X' }, 60003],
    ['existing / unknown parent → 60004', { id: 4, parentid: 3 }, { id: 4, parentid: 99 }, 60004],
    ['move elsewhere / under itself → 60010', { id: 4, parentid: 1 }, { id: 2, parentid: 2 }, 60010],
    ['free name / sibling name in another case → 60008', { id: 3, name: 'C' }, { id: 3, name: 'a' }, 60008],
    ['missing / present id → 40063', { id: 3, order: 1 }, { name: 'no id' }, 40063],
  ])('%s', async (_label, good, bad, code) => {
    expect(await update(bad)).toBe(code);
    expect(await update(good)).toBe(0);
  });

  it('refuses moving a department under its own descendant → 60010', async () => {
    expect(await update({ id: 2, parentid: 4 })).toBe(60010);
    expect(await update({ id: 1, parentid: 2 })).toBe(60010);
  });

  it('refuses a move that would push the subtree beyond level 15 → 81002', async () => {
    const deep = chain(12, 1, 100); // levels 2..13
    chain(2, 3, 200); // B(2) → 200(3) → 201(4): height 3
    expect(await update({ id: 3, parentid: deep[10] as number })).toBe(0); // B at 13 → 201 at 15
    expect(await update({ id: 3, parentid: deep[11] as number })).toBe(81002); // 201 would be at 16
  });

  it('refuses moving into a name clash under the new parent → 60008', async () => {
    s.sim.seedDepartment(CORP, { name: 'B', id: 5, parentid: 2 });
    expect(await update({ id: 5, parentid: 1 })).toBe(60008);
  });

  it('changes only the fields sent', async () => {
    expect(await update({ id: 4, order: 9 })).toBe(0);
    expect((await c.get('department/get', { id: 4 })).body.department).toEqual({ id: 4, name: 'A1', department_leader: [], parentid: 2, order: 9 });
  });
});

describe('department/delete rules', () => {
  beforeEach(() => {
    s.sim.seedDepartment(CORP, { name: 'A', id: 2 });
    s.sim.seedDepartment(CORP, { name: 'A1', id: 3, parentid: 2 });
    s.sim.seedMember(CORP, { userid: 'm', name: 'M', department: [3], email: 'm@example.com' });
  });

  it('never deletes the root → 60007', async () => expect(await c.getCode('department/delete', { id: 1 })).toBe(60007));
  it('answers 60003 for an unknown id', async () => expect(await c.getCode('department/delete', { id: 77 })).toBe(60003));
  it('refuses a department with sub-departments → 60006', async () => expect(await c.getCode('department/delete', { id: 2 })).toBe(60006));
  it('refuses a department with members → 60005, deletes it once empty', async () => {
    expect(await c.getCode('department/delete', { id: 3 })).toBe(60005);
    expect(await c.getCode('user/delete', { userid: 'm' })).toBe(0);
    expect(await c.getCode('department/delete', { id: 3 })).toBe(0);
    expect(await c.getCode('department/delete', { id: 2 })).toBe(0);
    expect(s.sim.company(CORP).departments.size).toBe(1);
  });
  it('needs an integer id (40063 missing, 40058 malformed)', async () => {
    expect(await c.getCode('department/delete')).toBe(40063);
    expect(await c.getCode('department/delete', { id: 'abc' })).toBe(40058);
  });
});

describe('department reads', () => {
  it('lists recursively below an id, with leaders, root parent 0', async () => {
    s.sim.seedDepartment(CORP, { name: 'A', id: 2, order: 1 });
    s.sim.seedDepartment(CORP, { name: 'B', id: 3, order: 5 });
    s.sim.seedDepartment(CORP, { name: 'A1', id: 4, parentid: 2 });
    s.sim.seedMember(CORP, { userid: 'boss', name: 'Boss', department: [2], is_leader_in_dept: [1], email: 'b@example.com' });
    const all = (await c.get('department/list')).body.department as Array<{ id: number }>;
    expect(all.map((d) => d.id)).toEqual([1, 3, 2, 4]); // larger order first
    expect(all[0]).toMatchObject({ id: 1, parentid: 0, name: '总公司' });
    const sub = (await c.get('department/list', { id: 2 })).body.department;
    expect(sub).toEqual([
      { id: 2, name: 'A', department_leader: ['boss'], parentid: 1, order: 1 },
      { id: 4, name: 'A1', department_leader: [], parentid: 2, order: 0 },
    ]);
    expect((await c.get('department/simplelist', { id: 2 })).body.department_id).toEqual([
      { id: 2, parentid: 1, order: 1 },
      { id: 4, parentid: 2, order: 0 },
    ]);
    expect(await c.getCode('department/simplelist', { id: 99 })).toBe(60003);
    expect(await c.getCode('department/get', { id: 99 })).toBe(60003);
  });
});
