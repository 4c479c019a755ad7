// The orphan scan (stages/orphans.ts, pure): what a full run's id lists show that no link owns,
// inside the connection's root only; links the mapping no longer selects ('out of scope'); held
// and re-hired objects are no orphans; a list WeCom refused (48009) yields nothing of its kind.
import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../../../src/domain/desired.js';
import { scanOrphans } from '../../../src/sync/stages/orphans.js';
import { dept, member } from '../planner/fixtures.js';

const desired: DesiredState = { departments: [dept('org_a', 'Sales')], members: [member('acc_lina', 'lina', ['org_a'])] };
const links = {
  departments: [{ key: 'org_a', departmentId: 20, origin: 'created' as const, shadow: null }, { key: 'org_gone', departmentId: 21, origin: 'created' as const, shadow: null }],
  members: [
    { key: 'acc_lina', userid: 'lina', origin: 'created' as const, shadow: null },
    { key: 'acc_out', userid: 'Ben', origin: 'created' as const, shadow: null },
    { key: 'acc_held', userid: 'held', origin: 'created' as const, shadow: null },
    { key: 'acc_old', userid: 'rehired', origin: 'created' as const, shadow: null },
  ],
};
const observed = {
  departments: [
    { id: 1, parentid: 0, order: 0 }, { id: 10, parentid: 1, order: 0 }, { id: 20, parentid: 10, order: 0 }, { id: 21, parentid: 10, order: 0 },
    { id: 22, parentid: 20, order: 0 }, { id: 30, parentid: 1, order: 0 },
  ],
  members: [
    { userid: 'lina', department: [20] }, { userid: 'ben', department: [20] }, { userid: 'held', department: [20] }, { userid: 'rehired', department: [20] },
    { userid: 'Amy', department: [10] }, { userid: 'zed', department: [30] }, { userid: 'both', department: [30, 22] },
  ],
};
const input = { observed, links, desired, held: { organizations: [], accounts: ['acc_held'] }, relinks: [{ type: 'member' as const, from: 'acc_old', to: 'acc_new', by: 'userid', reason: '' }], rootDepartmentId: 10 };

describe('orphan scan', () => {
  it('lists unlinked objects under the root and links the mapping no longer selects', () => {
    const scan = scanOrphans(input);
    expect(scan).toMatchObject({ membersListed: true, departmentsListed: true });
    expect(scan.orphans).toEqual([
      { type: 'member', wecomId: 'ben', why: 'out of scope', linkKey: 'acc_out', departments: [20] },
      { type: 'member', wecomId: 'Amy', why: 'not linked', departments: [10] },
      { type: 'member', wecomId: 'both', why: 'not linked', departments: [30, 22] },
      { type: 'department', wecomId: '21', why: 'out of scope', linkKey: 'org_gone', departments: [10] },
      { type: 'department', wecomId: '22', why: 'not linked', departments: [20] },
    ]);
  });

  it('a refused list (48009) yields no orphans of its kind, and says so', () => {
    const { members: _m, ...departmentsOnly } = observed;
    const scan = scanOrphans({ ...input, observed: departmentsOnly });
    expect(scan.membersListed).toBe(false);
    expect(scan.orphans.every((o) => o.type === 'department')).toBe(true);
    // without the department list, the subtree is the root and what the links name: "both" is in
    // department 22, which no link names, so it is not known to be under the root
    const { departments: _d, ...membersOnly } = observed;
    const s2 = scanOrphans({ ...input, observed: membersOnly });
    expect(s2.departmentsListed).toBe(false);
    expect(s2.orphans.map((o) => o.wecomId)).toEqual(['ben', 'Amy']);
  });
});
