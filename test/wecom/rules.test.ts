import { describe, expect, it } from 'vitest';
import { certainRefusal, checkDepartmentCreate, checkMemberCreate, charLength, byteLength } from '../../src/wecom/rules/fields.js';
import { ERRCODES, errcodeInfo } from '../../src/wecom/errors/catalog.js';

describe('rule table', () => {
  it('counts characters as code points and bytes as UTF-8', () => {
    expect(charLength('研发中心😀')).toBe(5);
    expect(byteLength('研发')).toBe(6);
  });
  it('limits department names to 64 characters, 32 under the strict reading (60001)', () => {
    expect(checkDepartmentCreate({ name: '部'.repeat(65), parentid: 1 })?.errcode).toBe(60001);
    expect(checkDepartmentCreate({ name: '部'.repeat(64), parentid: 1 })).toBeNull();
    expect(checkDepartmentCreate({ name: '部'.repeat(33), parentid: 1 }, { reading: 'strict' })?.errcode).toBe(60001);
    expect(checkDepartmentCreate({ name: '部'.repeat(32), parentid: 1 }, { reading: 'strict' })).toBeNull();
  });
  it('certainRefusal refuses only what every reading refuses', () => {
    expect(certainRefusal(checkDepartmentCreate, { name: '部'.repeat(40), parentid: 1 })).toBeNull();
    expect(certainRefusal(checkDepartmentCreate, { name: '部'.repeat(65), parentid: 1 })?.errcode).toBe(60001);
    expect(certainRefusal(checkMemberCreate, { userid: 'li.si@corp', name: 'L', department: [1], mobile: '+8613800000002' })).toBeNull();
  });
  it('requires mobile or email on member create (60129)', () => {
    expect(checkMemberCreate({ userid: 'zhangsan', name: '张三', department: [1] })?.errcode).toBe(60129);
  });
  it('classifies every catalogued code', () => {
    for (const entry of ERRCODES.values()) expect(['retryable', 'token', 'config', 'data']).toContain(entry.class);
    expect(errcodeInfo(123456).class).toBe('data');
  });
});
