import { describe, expect, it } from 'vitest';
import { dependentDepartmentFields, dependentFields, mapDirectory, previewAccount } from '../../../src/mapping/definitions/index.js';
import { account, bigDirectory, compiled, org, withDefault } from './fixtures.js';

const organizations = [org('hq', '总公司', null), org('sales', '销售部', 'hq', { code: 'S' })];
const boss = account('b', 'boss', '老板', ['hq']);

describe('previewAccount', () => {
  it('gives every field value or its error with position, the context, and the member as a run would', () => {
    const m = compiled(withDefault((d) => {
      d.members.alias = 'concat(primary_organization.parent.name, "-", manager.name)';
      d.members.address = 'attrs.floor + 1';
      d.extattrs = [{ name: '部门路径', type: 'text', value: 'primary_organization.path' }];
    }));
    const a = account('a', 'Li.Si', '李四', ['sales'], { managerId: 'b', gender: 'female', attributes: { floor: true } });
    const p = previewAccount(m, a, { organizations, accounts: [boss] });
    expect(p.fields['members.userid']).toEqual({ source: expect.any(String), value: 'li.si', raw: 'li.si' });
    expect(p.fields['members.alias']).toMatchObject({ value: '总公司-老板' });
    expect(p.fields['members.gender']).toMatchObject({ value: '2' });
    expect(p.fields['members.mobile']).toMatchObject({ absent: true, raw: null });
    expect(p.fields['members.address']).toMatchObject({ error: { code: 'E_TYPE', position: { offset: 0, line: 1, column: 1 }, pointer: 'attrs.floor + 1\n^^^^^^^^^^^^^^^' } });
    expect(p.fields['extattrs[0].value']).toMatchObject({ value: '总公司/销售部' });
    expect(p.context).toMatchObject({ username: 'Li.Si', primary_organization: { name: '销售部', depth: 1 }, manager: { username: 'boss' } });
    expect(p.inScope).toBe(true);
    expect(p.member).toMatchObject({ userid: 'li.si', departmentKeys: ['sales'], fields: { direct_leader: ['boss'], alias: '总公司-老板' } });
    expect(p.problems).toEqual([expect.objectContaining({ field: 'address', effect: 'field-omitted' })]);
  });

  it('shows an out-of-scope account as such', () => {
    const m = compiled(withDefault((d) => (d.scope.accountFilter = 'username != "x"')));
    const p = previewAccount(m, account('x', 'x', 'X', ['sales']), { organizations });
    expect(p.inScope).toBe(false);
    expect(p.member).toBeNull();
    expect(p.fields['scope.accountFilter']).toMatchObject({ value: false });
  });
});

describe('dependentFields', () => {
  const m = compiled(withDefault((d) => {
    d.extattrs = [{ name: '成本中心', type: 'text', value: 'attrs.cost_center' }];
    d.affiliation.leaderExpression = 'organization.attrs.leader == username';
    d.scope.accountFilter = 'attrs.sync != false';
  }));
  it('maps changed account fields to the WeCom member fields they can affect', () => {
    expect(dependentFields(m, ['displayName'])).toEqual(['name']);
    expect(dependentFields(m, ['username'])).toEqual(['userid', 'is_leader_in_dept']);
    expect(dependentFields(m, ['mobile', 'title'])).toEqual(['mobile', 'position']);
    expect(dependentFields(m, ['status'])).toEqual(['enable']);
    expect(dependentFields(m, ['attributes.cost_center'])).toEqual(['extattr']);
    expect(dependentFields(m, ['attrs.sync'])).toEqual(['$scope']);
    expect(dependentFields(m, ['attributes'])).toEqual(['$scope', 'extattr']);
    expect(dependentFields(m, ['attributes.unrelated', 'updatedAt'])).toEqual([]);
    expect(dependentFields(m, ['managerId'])).toEqual(['direct_leader']);
    expect(dependentFields(m, ['organizationIds'])).toEqual(['$scope', 'department', 'main_department', 'is_leader_in_dept']);
  });
  it('and for organizations', () => {
    expect(dependentDepartmentFields(m, ['name'])).toEqual(['name']);
    expect(dependentDepartmentFields(m, ['code', 'attributes.x'])).toEqual([]);
    expect(dependentDepartmentFields(m, ['order'])).toEqual(['order']);
    expect(dependentDepartmentFields(m, ['parentId'])).toEqual(['$scope', 'parentid']);
  });
});

describe('scale', () => {
  // How fast: `npm run bench -- mapping`.
  it('maps 100k accounts and 10k organizations, every one of them', { timeout: 60_000 }, () => {
    const r = mapDirectory(bigDirectory(10_000, 100_000), compiled(), {});
    expect(r.desired.members).toHaveLength(100_000);
    expect(r.desired.departments).toHaveLength(10_000);
    expect(r.problems).toEqual([]);
  });
});
