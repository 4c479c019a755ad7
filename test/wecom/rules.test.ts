import { describe, expect, it } from 'vitest';
import { checkDepartmentCreate, checkMemberCreate, charLength, byteLength } from '../../src/wecom/rules/fields.js';
import { ERRCODES, errcodeInfo } from '../../src/wecom/errors/catalog.js';

describe('rule table', () => {
  it('counts characters as code points and bytes as UTF-8', () => {
    expect(charLength('研发中心😀')).toBe(5);
    expect(byteLength('研发')).toBe(6);
  });
  it('rejects a department name longer than 32 characters with 60001', () => {
    expect(checkDepartmentCreate({ name: '部'.repeat(33), parentid: 1 })?.errcode).toBe(60001);
    expect(checkDepartmentCreate({ name: '部'.repeat(32), parentid: 1 })).toBeNull();
  });
  it('requires mobile or email on member create (60129)', () => {
    expect(checkMemberCreate({ userid: 'zhangsan', name: '张三', department: [1] })?.errcode).toBe(60129);
  });
  it('classifies every catalogued code', () => {
    for (const entry of ERRCODES.values()) expect(['retryable', 'token', 'config', 'data']).toContain(entry.class);
    expect(errcodeInfo(123456).class).toBe('data');
  });
});
