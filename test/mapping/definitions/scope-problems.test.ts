import { describe, expect, it } from 'vitest';
import { mapDirectory } from '../../../src/mapping/definitions/index.js';
import { account, compiled, org, withDefault } from './fixtures.js';

//   A 总公司            Z 子公司 (a second directory root)
//   ├── B 销售部         └── Z1 财务
//   │   └── C 华东区
//   └── D 研发部 (attrs.sync = false)
//       └── E 平台组
const organizations = [
  org('A', '总公司', null),
  org('B', '销售部', 'A'),
  org('C', '华东区', 'B'),
  org('D', '研发部', 'A', { attributes: { sync: false } }),
  org('E', '平台组', 'D'),
  org('Z', '子公司', null),
  org('Z1', '财务', 'Z'),
];
const accounts = [
  account('a1', 'u1', '一', ['C']),
  account('a2', 'u2', '二', ['E']),
  account('a3', 'u3', '三', ['E', 'B']),
  account('a4', 'u4', '四', ['Z1'], { attributes: { contractor: true } }),
];
const keys = (r: ReturnType<typeof mapDirectory>): { d: string[]; m: string[] } => ({ d: r.desired.departments.map((x) => x.key).sort(), m: r.desired.members.map((x) => x.key) });

describe('scope', () => {
  it('no scope rules: every organization and account; directory roots sit under the WeCom root', () => {
    const r = mapDirectory({ organizations, accounts }, compiled(), {});
    expect(keys(r)).toEqual({ d: ['A', 'B', 'C', 'D', 'E', 'Z', 'Z1'], m: ['a1', 'a2', 'a3', 'a4'] });
    expect(r.desired.departments.filter((d) => d.parentKey === null).map((d) => d.key)).toEqual(['A', 'Z']);
  });

  it('by subtree: only the listed roots, which become top-level departments (parentKey null)', () => {
    const r = mapDirectory({ organizations, accounts }, compiled(withDefault((d) => (d.scope.organizationRoots = ['B', 'Z1', 'C']))), {});
    expect(keys(r)).toEqual({ d: ['B', 'C', 'Z1'], m: ['a1', 'a3', 'a4'] });
    expect(r.desired.departments.find((d) => d.key === 'B')!.parentKey).toBeNull();
    expect(r.desired.departments.find((d) => d.key === 'C')!.parentKey).toBe('B'); // nested listed root is an ordinary child
    expect(r.desired.members.find((m) => m.key === 'a3')!.departmentKeys).toEqual(['B']);
  });

  it('an unknown root is reported, not fatal', () => {
    const r = mapDirectory({ organizations, accounts }, compiled(withDefault((d) => (d.scope.organizationRoots = ['nope', 'Z']))), {});
    expect(keys(r)).toEqual({ d: ['Z', 'Z1'], m: ['a4'] });
    expect(r.problems).toEqual([expect.objectContaining({ objectType: 'organization', key: 'nope', field: 'scope', effect: 'info' })]);
  });

  it('by expression: an organization failing the filter cuts its whole subtree; accounts with no in-scope org are out', () => {
    const r = mapDirectory({ organizations, accounts }, compiled(withDefault((d) => (d.scope.organizationFilter = 'attrs.sync != false'))), {});
    expect(keys(r)).toEqual({ d: ['A', 'B', 'C', 'Z', 'Z1'], m: ['a1', 'a3', 'a4'] });
    expect(r.desired.members.find((m) => m.key === 'a3')!.departmentKeys).toEqual(['B']);
    expect(r.problems).toEqual([]);
    // E itself passes the filter, but its parent D is out: E is out too.
    const byParent = mapDirectory({ organizations, accounts }, compiled(withDefault((d) => (d.scope.organizationFilter = 'name != "研发部"'))), {});
    expect(keys(byParent).d).not.toContain('E');
  });

  it('account filter; disabled accounts stay (enable 0) unless includeDisabledAccounts is false', () => {
    const r = mapDirectory({ organizations, accounts }, compiled(withDefault((d) => (d.scope.accountFilter = 'not attrs.contractor'))), {});
    expect(keys(r).m).toEqual(['a1', 'a2', 'a3']);
    const withDisabled = [...accounts, account('a5', 'u5', '五', ['A'], { status: 'disabled' })];
    const kept = mapDirectory({ organizations, accounts: withDisabled }, compiled(), {});
    expect(kept.desired.members.find((m) => m.key === 'a5')!.fields.enable).toBe(0);
    const dropped = mapDirectory({ organizations, accounts: withDisabled }, compiled(withDefault((d) => (d.scope.includeDisabledAccounts = false))), {});
    expect(keys(dropped).m).not.toContain('a5');
  });

  it('a filter that fails at run time holds the object (and an organization its subtree) with a problem', () => {
    const r = mapDirectory({ organizations, accounts }, compiled(withDefault((d) => (d.scope.organizationFilter = 'if(name == "销售部", name, true)'))), {});
    expect(keys(r).d).toEqual(['A', 'D', 'E', 'Z', 'Z1']);
    expect(r.held.organizations).toEqual(['B', 'C']);
    expect(r.held.accounts).toEqual(['a1', 'a3']); // a3 is also in E, but B's department is unknown
    expect(r.problems.find((p) => p.key === 'B')).toMatchObject({ field: 'scope', effect: 'object-skipped', code: 'E_FIELD_TYPE' });
  });

  it('organizations whose parent is missing or in a cycle are left out with a problem', () => {
    const broken = [...organizations, org('X', 'x', 'missing'), org('P', 'p', 'Q'), org('Q', 'q', 'P'), org('R', 'r', 'P')];
    const r = mapDirectory({ organizations: broken, accounts }, compiled(), {});
    expect(keys(r).d).toEqual(['A', 'B', 'C', 'D', 'E', 'Z', 'Z1']);
    expect(r.problems.map((p) => p.key)).toEqual(['P', 'Q', 'X']);
  });
});

describe('problems never abort the run', () => {
  it('a failing optional field is omitted with a problem; the member stays', () => {
    const def = withDefault((d) => {
      d.members.mobile = 'phone_strict(mobile)';
      d.members.position = 'attrs.level > 3';
    });
    const accs = [
      account('a1', 'u1', '一', ['A'], { mobile: '+86 12345', attributes: { level: 5 } }),
      account('a2', 'u2', '二', ['A'], { mobile: '+86 13800000000', attributes: { level: 1 } }),
    ];
    const r = mapDirectory({ organizations, accounts: accs }, compiled(def), {});
    expect(r.desired.members).toHaveLength(2);
    expect(r.desired.members[0]!.fields.mobile).toBeUndefined();
    expect(r.desired.members[1]!.fields.mobile).toBe('+86 13800000000');
    expect(r.problems).toEqual([
      expect.objectContaining({ objectType: 'account', key: 'a1', field: 'mobile', code: 'E_PHONE_INVALID', effect: 'field-omitted' }),
      expect.objectContaining({ key: 'a1', field: 'position', code: 'E_FIELD_TYPE' }),
      expect.objectContaining({ key: 'a2', field: 'position', code: 'E_FIELD_TYPE' }),
    ]);
  });

  it('a failing required field leaves the object out (held), never the run', () => {
    const def = withDefault((d) => (d.members.userid = 'attrs.wecom_id'));
    const accs = [account('a1', 'u1', '一', ['A'], { attributes: { wecom_id: 'zhang-1' } }), account('a2', 'u2', '二', ['A']), account('a3', 'u3', '三', ['A'], { attributes: { wecom_id: '-bad' } })];
    const r = mapDirectory({ organizations, accounts: accs }, compiled(def), {});
    expect(r.desired.members.map((m) => m.userid)).toEqual(['zhang-1']);
    expect(r.held.accounts).toEqual(['a2', 'a3']);
    expect(r.problems.map((p) => [p.key, p.field, p.effect])).toEqual([['a2', 'userid', 'object-skipped'], ['a3', 'userid', 'object-skipped']]);
  });

  it('empty results are absent fields; an empty name leaves the member out', () => {
    const accs = [account('a1', 'u1', '  ', ['A'], { title: '', email: 'x@corp.com' })];
    const r = mapDirectory({ organizations, accounts: accs }, compiled(withDefault((d) => (d.members.email = 'if(true, "", email)'))), {});
    expect(r.desired.members).toEqual([]);
    expect(r.problems[0]).toMatchObject({ key: 'a1', field: 'name', effect: 'object-skipped' });
    const ok = mapDirectory({ organizations, accounts: [account('a1', 'u1', '一', ['A'], { email: 'x@corp.com' })] }, compiled(withDefault((d) => (d.members.email = '""'))), {});
    expect(ok.desired.members[0]!.fields).toEqual({ name: '一', enable: 1 });
  });

  it('duplicate userids (case-insensitive): both reported, the first by key keeps it', () => {
    const accs = [account('a2', 'Zhang', '张二', ['A']), account('a1', 'zhang', '张一', ['A']), account('a3', 'ZHANG', '张三', ['A'], { managerId: 'a2' })];
    const r = mapDirectory({ organizations, accounts: accs }, compiled(withDefault((d) => (d.members.userid = 'username'))), {});
    expect(r.desired.members.map((m) => [m.key, m.userid])).toEqual([['a1', 'zhang']]);
    expect(r.held.accounts).toEqual(['a2', 'a3']);
    expect(r.problems.map((p) => [p.key, p.field, p.effect])).toEqual([['a1', 'userid', 'info'], ['a2', 'userid', 'object-skipped'], ['a3', 'userid', 'object-skipped']]);
  });

  it('sibling department name collisions after mapping (case-insensitive): the later one (by key) and its subtree are left out', () => {
    const orgs = [org('R', '总部', null), org('S1', 'Sales', 'R'), org('S2', 'sales ', 'R'), org('S2a', '一组', 'S2'), org('T', 'Sales', null)];
    const accs = [account('m1', 'm1', '甲', ['S2a']), account('m2', 'm2', '乙', ['S1'])];
    const r = mapDirectory({ organizations: orgs, accounts: accs }, compiled(), {});
    expect(r.desired.departments.map((d) => d.key)).toEqual(['R', 'T', 'S1']); // T is not a sibling of S1
    expect(r.held).toEqual({ organizations: ['S2', 'S2a'], accounts: ['m1'] });
    expect(r.problems.filter((p) => p.objectType === 'organization').map((p) => [p.key, p.effect])).toEqual([['S1', 'info'], ['S2', 'object-skipped'], ['S2a', 'object-skipped']]);
  });

  it('an invalid department name (forbidden character, over 64 characters) leaves the department out', () => {
    const r = mapDirectory({ organizations: [org('R', 'a|b', null), org('S', 'x'.repeat(65), null)], accounts: [] }, compiled(withDefault((d) => (d.departments.name = 'name'))), {});
    expect(r.desired.departments).toEqual([]);
    expect(r.problems.map((p) => [p.key, p.field])).toEqual([['R', 'name'], ['S', 'name']]);
  });

  it('keeps a name of 33–64 characters (WeCom\'s current limit) and warns that an older limit was 32', () => {
    const r = mapDirectory({ organizations: [org('L', '部'.repeat(40), null)], accounts: [] }, compiled(withDefault((d) => (d.departments.name = 'name'))), {});
    expect(r.desired.departments.map((d) => d.name)).toEqual(['部'.repeat(40)]);
    expect(r.problems).toMatchObject([{ key: 'L', field: 'name', effect: 'info', message: expect.stringContaining('60001') }]);
  });

  it('passes e-mail-like userids and members of up to 100 organizations to WeCom (its current limits)', () => {
    const orgs = Array.from({ length: 101 }, (_, i) => org(`O${i}`, `部门${i}`, null));
    const def = withDefault((d) => (d.members.userid = 'username'));
    const r = mapDirectory({ organizations: orgs, accounts: [account('a1', 'li.si@corp', '李四', orgs.slice(0, 25).map((o) => o.id)), account('a2', 'w@corp', '王', orgs.map((o) => o.id))] }, compiled(def), {});
    const a1 = r.desired.members.find((x) => x.key === 'a1');
    expect(a1).toMatchObject({ userid: 'li.si@corp' });
    expect(a1?.departmentKeys).toHaveLength(25);
    expect(r.desired.members.find((x) => x.key === 'a2')?.departmentKeys).toHaveLength(100);
    expect(r.problems).toMatchObject([{ key: 'a2', field: 'department', effect: 'info', message: expect.stringContaining('WeCom allows 100') }]);
  });

  it('direct_leader only names a manager that is a desired member', () => {
    const accs = [account('a1', 'boss', '老板', ['Z1']), account('a2', 'emp', '员工', ['A'], { managerId: 'a1' }), account('a3', 'self', '自己', ['A'], { managerId: 'a3' })];
    const inScope = mapDirectory({ organizations, accounts: accs }, compiled(), {});
    expect(inScope.desired.members.find((m) => m.key === 'a2')!.fields.direct_leader).toEqual(['boss']);
    expect(inScope.desired.members.find((m) => m.key === 'a3')!.fields.direct_leader).toBeUndefined();
    const out = mapDirectory({ organizations, accounts: accs }, compiled(withDefault((d) => (d.scope.organizationRoots = ['A']))), {});
    expect(out.desired.members.find((m) => m.key === 'a2')!.fields.direct_leader).toBeUndefined();
  });

  it('order, gender and enable coercions; a failing enable falls back to the status', () => {
    const def = withDefault((d) => {
      d.departments.order = 'attrs.rank';
      d.members.enable = 'attrs.active';
      d.members.gender = 'attrs.g';
    });
    const orgs = [org('R', 'r', null, { attributes: { rank: '12' } }), org('S', 's', null, { attributes: { rank: -1 } })];
    const accs = [account('a1', 'a1', '一', ['R'], { attributes: { active: 'maybe', g: 2 } }), account('a2', 'a2', '二', ['R'], { status: 'disabled', attributes: { active: true, g: 'x' } })];
    const r = mapDirectory({ organizations: orgs, accounts: accs }, compiled(def), {});
    expect(r.desired.departments).toEqual([{ key: 'R', name: 'r', parentKey: null, order: 12 }, { key: 'S', name: 's', parentKey: null }]);
    expect(r.desired.members.map((m) => [m.fields.enable, m.fields.gender])).toEqual([[1, '2'], [1, undefined]]);
    expect(r.problems.map((p) => [p.key, p.field])).toEqual([['a1', 'enable'], ['a2', 'gender'], ['S', 'order']]); // accounts sort first
  });
});

describe('scope roots edge cases', () => {
  it('an empty organizationRoots list means every directory root', () => {
    const r = mapDirectory({ organizations, accounts }, compiled(withDefault((d) => (d.scope.organizationRoots = []))), {});
    expect(keys(r).d).toHaveLength(7);
  });
});
