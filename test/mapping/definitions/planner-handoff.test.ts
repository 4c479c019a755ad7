// The mapping's output is the planner's input: a fresh connection plans creates only, and the
// default-department override reaches WeCom as "create in the default department".
import { describe, expect, it } from 'vitest';
import { mapDirectory } from '../../../src/mapping/definitions/index.js';
import { applyToLinks, planSync } from '../../../src/sync/planner/index.js';
import type { PlannerSettings } from '../../../src/sync/planner/index.js';
import { account, compiled, org } from './fixtures.js';

const organizations = [org('hq', '总公司', null), org('sales', '销售部', 'hq'), org('rd', '研发部', 'hq')];
const accounts = [
  account('a1', 'ZhangSan', '张三', ['sales', 'rd'], { mobile: '+86 13800000001' }),
  account('a2', 'LiSi', '李四', ['rd'], { managerId: 'a1', email: 'lisi@corp.com' }),
];
const base: PlannerSettings = { rootDepartmentId: 1, onAccountDeleted: 'disable', onAccountDisabled: 'disable', onOrganizationDeleted: 'keep', safety: { maxDeletes: 10, maxDeletePercent: 50 } };

describe('mapping → planner', () => {
  it('a fresh connection with the default mapping plans departments then members, and is idempotent', () => {
    const { desired } = mapDirectory({ organizations, accounts }, compiled(), {});
    const plan = planSync({ desired, links: { departments: [], members: [] }, settings: base });
    // 3 department creates, 2 member creates, and 李四's direct_leader as a follow-up update
    // (张三 is created in the same plan).
    expect(plan.operations.map((o) => o.kind)).toEqual([
      'department.create', 'department.create', 'department.create', 'member.create', 'member.create', 'member.update',
    ]);
    const links = applyToLinks(plan, { departments: [], members: [] });
    expect(planSync({ desired, links, settings: base }).operations).toEqual([]);
  });

  it('with the default department set, members are created there', () => {
    const { desired } = mapDirectory({ organizations, accounts }, compiled(), { defaultDepartmentId: 42 });
    const plan = planSync({ desired, links: { departments: [], members: [] }, settings: { ...base, defaultDepartmentId: 42 } });
    const creates = plan.operations.filter((o) => o.kind === 'member.create');
    expect(creates).toHaveLength(2);
    for (const c of creates) expect((c as unknown as { body: { department: number[] } }).body.department).toEqual([42]);
  });
});
