import { describe, expect, it } from 'vitest';
import type { DesiredDepartment, DesiredMember } from '../../../src/domain/desired.js';
import { matchDepartments, matchMembers, mobileKey } from '../../../src/mapping/definitions/index.js';

const member = (key: string, userid: string, mobile?: string, email?: string): DesiredMember => ({
  key, userid, departmentKeys: null, fields: { name: key, enable: 1, ...(mobile ? { mobile } : {}), ...(email ? { email } : {}) },
});

describe('matchMembers', () => {
  const existing = [
    { userid: 'ZhangSan', mobile: '13800000001', email: 'zs@corp.com' },
    { userid: 'lisi', mobile: '+86 13800000002' },
    { userid: 'lisi2', mobile: '+86-138-0000-0002' },
    { userid: 'wangwu', email: 'WangWu@Corp.com' },
    { userid: 'zhaoliu', mobile: '+86 13800000009' },
  ];

  it('userid (case-insensitive) first, then mobile (normalised), then email (case-insensitive)', () => {
    const r = matchMembers(
      [member('a1', 'zhangsan', '+86 13800000009'), member('a3', 'ww', undefined, 'wangwu@corp.com'), member('a4', 'new', '+86 13900000000'), member('a5', 'zl', '0086 138 0000 0009')],
      existing,
      ['userid', 'mobile', 'email'],
    );
    expect(r.matched).toEqual([
      { key: 'a1', userid: 'ZhangSan', by: 'userid' },
      { key: 'a3', userid: 'wangwu', by: 'email' },
      { key: 'a5', userid: 'zhaoliu', by: 'mobile' },
    ]);
    expect(r.unmatched).toEqual(['a4']);
    expect(r.ambiguous).toEqual([]);
  });

  it('the order of rules is the order of attempts', () => {
    const d = [member('a1', 'zhangsan', '+86 13800000009')];
    expect(matchMembers(d, existing, ['mobile', 'userid']).matched).toEqual([{ key: 'a1', userid: 'zhaoliu', by: 'mobile' }]);
    expect(matchMembers(d, existing, ['email']).unmatched).toEqual(['a1']);
    expect(matchMembers(d, existing, []).unmatched).toEqual(['a1']);
  });

  it('a mobile that matches two WeCom members is ambiguous (later rules are not tried)', () => {
    const r = matchMembers([member('a2', 'li', '+86 13800000002', 'zs@corp.com')], existing, ['userid', 'mobile', 'email']);
    expect(r.ambiguous).toEqual([{ key: 'a2', candidates: ['lisi', 'lisi2'], by: 'mobile' }]);
    expect(r.matched).toEqual([]);
  });

  it('one WeCom member found for two accounts: the better rule wins; a tie makes both ambiguous', () => {
    const r = matchMembers([member('a1', 'zhangsan'), member('a2', 'x', '+86 13800000001')], existing, ['userid', 'mobile']);
    expect(r.matched).toEqual([{ key: 'a1', userid: 'ZhangSan', by: 'userid' }]);
    expect(r.ambiguous).toEqual([{ key: 'a2', candidates: ['ZhangSan'], by: 'mobile' }]);
    const tie = matchMembers([member('a1', 'p', '13800000001'), member('a2', 'q', '+86 13800000001')], existing, ['mobile']);
    expect(tie.matched).toEqual([]);
    expect(tie.ambiguous.map((a) => a.key)).toEqual(['a1', 'a2']);
  });

  it('mobileKey normalises the usual forms', () => {
    for (const m of ['13800000000', '+86 13800000000', '+86-138-0000-0000', '0086 13800000000', '8613800000000']) expect(mobileKey(m)).toBe('13800000000');
    expect(mobileKey('+852 91234567')).toBe('85291234567');
    expect(mobileKey('')).toBeUndefined();
  });
});

describe('matchDepartments', () => {
  const desired: DesiredDepartment[] = [
    { key: 'hq', name: '总公司', parentKey: null },
    { key: 'sales', name: '销售部', parentKey: 'hq' },
    { key: 'east', name: '华东区', parentKey: 'sales' },
    { key: 'rd', name: 'R&D', parentKey: 'hq' },
    { key: 'new', name: '新部门', parentKey: 'hq' },
    { key: 'other', name: '外部', parentKey: null },
  ];
  const existing = [
    { id: 1, parentid: 0, name: '某公司' },
    { id: 10, parentid: 1, name: '总公司' },
    { id: 11, parentid: 10, name: '销售部' },
    { id: 12, parentid: 11, name: '华东区' },
    { id: 13, parentid: 10, name: 'r&d' },
    { id: 20, parentid: 1, name: '外部' },
    { id: 21, parentid: 1, name: '外部' }, // two siblings with the same name (made by hand)
    { id: 30, parentid: 99, name: '总公司' }, // not under the root
  ];

  it('name-path under the root: parents first, exact then case-insensitive, ambiguous siblings', () => {
    const r = matchDepartments(desired, existing, 1, 'name-path');
    expect(r.matched).toEqual([
      { key: 'east', departmentId: 12, by: 'name-path' },
      { key: 'hq', departmentId: 10, by: 'name-path' },
      { key: 'rd', departmentId: 13, by: 'name-path' },
      { key: 'sales', departmentId: 11, by: 'name-path' },
    ]);
    expect(r.ambiguous).toEqual([{ key: 'other', candidates: [20, 21] }]);
    expect(r.unmatched).toEqual(['new']);
  });

  it('name paths are relative to the given root; the root itself is never matched', () => {
    const r = matchDepartments([{ key: 'a', name: '销售部', parentKey: null }, { key: 'b', name: '总公司', parentKey: null }], existing, 10, 'name-path');
    expect(r.matched).toEqual([{ key: 'a', departmentId: 11, by: 'name-path' }]);
    expect(r.unmatched).toEqual(['b']);
  });

  it('a department whose parent is unmatched stays unmatched; departments without names cannot match by name', () => {
    const r = matchDepartments(desired, existing.map((e) => (e.id === 10 ? { id: 10, parentid: 1 } : e)), 1, 'name-path');
    expect(r.matched).toEqual([]);
    expect(r.unmatched).toEqual(['east', 'hq', 'new', 'rd', 'sales']);
  });

  it('by id (from departments.id) and none', () => {
    const r = matchDepartments(desired, existing, 1, 'id', [{ key: 'hq', departmentId: 10 }, { key: 'sales', departmentId: 30 }, { key: 'rd', departmentId: 13 }, { key: 'new', departmentId: 13 }]);
    expect(r.matched).toEqual([{ key: 'hq', departmentId: 10, by: 'id' }]);
    expect(r.ambiguous).toEqual([{ key: 'new', candidates: [13] }, { key: 'rd', candidates: [13] }]);
    expect(r.unmatched).toEqual(['east', 'other', 'sales']);
    expect(matchDepartments(desired, existing, 1, 'none').unmatched).toHaveLength(desired.length);
  });
});
