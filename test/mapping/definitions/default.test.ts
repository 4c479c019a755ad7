import { describe, expect, it } from 'vitest';
import { mapDirectory } from '../../../src/mapping/definitions/index.js';
import { account, compiled, org, withDefault } from './fixtures.js';

// A small company: 总公司 with 销售部 (华东区 below it) and 研发部; 张三 manages 李四, who also
// works in 研发部; 王五 is disabled; 赵六 has a messy username and no gender.
const organizations = [
  org('org_hq', '总公司', null, { order: 100 }),
  org('org_sales', '销售部', 'org_hq', { order: 20, code: 'SALES' }),
  org('org_east', ' 华东区:一组 ', 'org_sales', { order: 5 }),
  org('org_rd', '研发部', 'org_hq', { order: 10, attributes: { leader: 'li.si' } }),
];
const accounts = [
  account('acc_2', 'Li.Si', '李四', ['org_east', 'org_rd'], {
    mobile: '+86 13800000002', email: 'li.si@corp.com', title: '销售经理', gender: 'female', managerId: 'acc_1', telephone: '010-1234',
  }),
  account('acc_1', 'ZhangSan@corp.com', '张三', ['org_sales'], { mobile: '+86 13800000001', gender: 'male', title: '总监' }),
  account('acc_3', 'wangwu', '王五', ['org_rd'], { status: 'disabled', email: 'wangwu@corp.com' }),
  account('acc_4', '_Zhao+Liu', '赵六', ['org_rd', 'org_sales'], { primaryOrganizationId: 'org_sales' }),
];

describe('the default mapping on a small company', () => {
  const result = mapDirectory({ organizations, accounts }, compiled(), {});

  it('maps organizations to departments, parents first, names cleaned; the order reversed so WeCom (larger first) lists siblings as the directory does (smaller first)', () => {
    expect(result.problems).toEqual([]);
    const MAX = 4294967295;
    expect(result.desired.departments).toEqual([
      { key: 'org_hq', name: '总公司', parentKey: null, order: MAX - 100 },
      { key: 'org_rd', name: '研发部', parentKey: 'org_hq', order: MAX - 10 },
      { key: 'org_sales', name: '销售部', parentKey: 'org_hq', order: MAX - 20 },
      { key: 'org_east', name: '华东区_一组', parentKey: 'org_sales', order: MAX - 5 },
    ]);
    // 研发部 (10) before 销售部 (20) in the directory; WeCom shows the larger order first: the same
    const [rd, sales] = [result.desired.departments[1]!, result.desired.departments[2]!];
    expect(rd.order!).toBeGreaterThan(sales.order!);
  });

  it('maps accounts to members: userid, fields, affiliation primary first, manager as direct_leader', () => {
    expect(result.desired.members).toEqual([
      {
        key: 'acc_1', userid: 'zhangsan_corp.com', departmentKeys: ['org_sales'], toInvite: false,
        fields: { name: '张三', mobile: '+86 13800000001', position: '总监', gender: '1', enable: 1 },
      },
      {
        key: 'acc_2', userid: 'li.si', departmentKeys: ['org_east', 'org_rd'], toInvite: false,
        fields: {
          name: '李四', mobile: '+86 13800000002', email: 'li.si@corp.com', telephone: '010-1234', position: '销售经理', gender: '2',
          enable: 1, direct_leader: ['zhangsan_corp.com'],
        },
      },
      { key: 'acc_3', userid: 'wangwu', departmentKeys: ['org_rd'], toInvite: false, fields: { name: '王五', email: 'wangwu@corp.com', enable: 0 } },
      { key: 'acc_4', userid: 'zhao_liu', departmentKeys: ['org_sales', 'org_rd'], toInvite: false, fields: { name: '赵六', enable: 1 } },
    ]);
    expect(result.held).toEqual({ organizations: [], accounts: [] });
  });

  it('does not depend on the order of the input arrays', () => {
    const again = mapDirectory({ organizations: [...organizations].reverse(), accounts: [...accounts].reverse() }, compiled(), {});
    expect(again).toEqual(result);
  });

  it('leader rule: evaluated per (account, organization)', () => {
    const m = compiled(withDefault((d) => (d.affiliation.leaderExpression = 'organization.attrs.leader == lower(username)')));
    const r = mapDirectory({ organizations, accounts }, m, {});
    const lisi = r.desired.members.find((x) => x.key === 'acc_2')!;
    expect(lisi.isLeaderIn).toEqual(['org_rd']);
    expect(r.desired.members.find((x) => x.key === 'acc_1')!.isLeaderIn).toEqual([]);
  });

  it('primary-only affiliation: only the primary (or the first in-scope) organization', () => {
    const m = compiled(withDefault((d) => (d.affiliation.mode = 'primary-only')));
    const r = mapDirectory({ organizations, accounts }, m, {});
    expect(r.desired.members.map((x) => [x.key, x.departmentKeys])).toEqual([
      ['acc_1', ['org_sales']], ['acc_2', ['org_east']], ['acc_3', ['org_rd']], ['acc_4', ['org_sales']],
    ]);
    const scoped = compiled(withDefault((d) => {
      d.affiliation.mode = 'primary-only';
      d.scope.organizationFilter = 'name != "销售部"';
    }));
    const r2 = mapDirectory({ organizations, accounts }, scoped, {});
    expect(r2.desired.members.find((x) => x.key === 'acc_4')!.departmentKeys).toEqual(['org_rd']);
  });

  it('directLeader "none" leaves direct_leader out', () => {
    const r = mapDirectory({ organizations, accounts }, compiled(withDefault((d) => (d.affiliation.directLeader = 'none'))), {});
    expect(r.desired.members.every((m) => m.fields.direct_leader === undefined)).toBe(true);
  });
});

describe("the seed's Default Organization for Accounts rule", () => {
  // Seed: "created accounts will be placed under this organization by default. At this point, even
  // if mapping rules for account department affiliation are configured in the mapping definition,
  // they will not take effect, and updates to the account's organization affiliation attribute
  // will not be triggered."
  const leaderRule = withDefault((d) => (d.affiliation.leaderExpression = 'true'));

  it('with defaultDepartmentId set, every member has departmentKeys === null, whatever the affiliation rules', () => {
    for (const def of [withDefault(() => {}), leaderRule, withDefault((d) => (d.affiliation.mode = 'primary-only'))]) {
      const r = mapDirectory({ organizations, accounts }, compiled(def), { defaultDepartmentId: 7 });
      expect(r.desired.members).toHaveLength(4);
      for (const m of r.desired.members) {
        expect(m.departmentKeys).toBeNull();
        expect(m.isLeaderIn).toBeUndefined();
        expect(m.order).toBeUndefined();
      }
    }
  });

  it('without it (undefined or null), departmentKeys follow the organizations, primary first', () => {
    for (const settings of [{}, { defaultDepartmentId: null }]) {
      const r = mapDirectory({ organizations, accounts }, compiled(leaderRule), settings);
      const keys = Object.fromEntries(r.desired.members.map((m) => [m.key, m.departmentKeys]));
      expect(keys).toEqual({ acc_1: ['org_sales'], acc_2: ['org_east', 'org_rd'], acc_3: ['org_rd'], acc_4: ['org_sales', 'org_rd'] });
    }
  });

  it('an account whose organization could not be mapped is still synced under the override', () => {
    const bad = [...organizations, org('org_bad', 'x'.repeat(10), 'org_hq')];
    const def = withDefault((d) => (d.departments.name = 'if(name == "xxxxxxxxxx", null, name)'));
    const accs = [account('acc_9', 'nine', '九', ['org_bad'])];
    expect(mapDirectory({ organizations: bad, accounts: accs }, compiled(def), { defaultDepartmentId: 7 }).desired.members.map((m) => m.key)).toEqual(['acc_9']);
    const without = mapDirectory({ organizations: bad, accounts: accs }, compiled(def), {});
    expect(without.desired.members).toEqual([]);
    expect(without.held.accounts).toEqual(['acc_9']);
  });
});

describe('extended attributes', () => {
  it('text → type 0, web → type 1, empty values omitted, in definition order', () => {
    const def = withDefault((d) => {
      d.extattrs = [
        { name: '工号', type: 'text', value: 'employee_number' },
        { name: '主页', type: 'web', url: 'concat("https://wiki.corp.com/u/", username)', title: '"个人主页"' },
        { name: '成本中心', type: 'text', value: 'attrs.cost_center' },
      ];
    });
    const accs = [
      account('acc_a', 'a', '甲', ['org_hq'], { employeeNumber: 'E001', attributes: { cost_center: 'CC1' } }),
      account('acc_b', 'b', '乙', ['org_hq']),
    ];
    const r = mapDirectory({ organizations, accounts: accs }, compiled(def), {});
    expect(r.desired.members[0]!.fields.extattr).toEqual({
      attrs: [
        { type: 0, name: '工号', text: { value: 'E001' } },
        { type: 1, name: '主页', web: { url: 'https://wiki.corp.com/u/a', title: '个人主页' } },
        { type: 0, name: '成本中心', text: { value: 'CC1' } },
      ],
    });
    expect(r.desired.members[1]!.fields.extattr).toEqual({ attrs: [{ type: 1, name: '主页', web: { url: 'https://wiki.corp.com/u/b', title: '个人主页' } }] });
    const none = mapDirectory({ organizations, accounts: accs }, compiled(withDefault((d) => (d.extattrs = [{ name: '工号', type: 'text', value: 'employee_number' }]))), {});
    expect(none.desired.members[1]!.fields.extattr).toBeUndefined();
  });
});
