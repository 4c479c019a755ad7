import { describe, expect, it } from 'vitest';
import { CATALOGUE, clauseOf, coded, msg, negotiateLang, render, renderParts } from '../../src/messages/index.js';
import { AppError } from '../../src/domain/errors.js';
import { REASON_CAUSES } from '../../src/domain/plan.js';

const placeholders = (s: string): string[] => [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();

describe('the message catalogue', () => {
  it('says every text in both languages, with the same parameters', () => {
    for (const [code, entry] of Object.entries(CATALOGUE)) {
      expect(entry.en.trim(), code).not.toBe('');
      expect(entry.zh.trim(), code).not.toBe('');
      expect(placeholders(entry.zh), code).toEqual(placeholders(entry.en));
      // a Chinese text is Chinese: at least one CJK character (a template that only joins clauses: Chinese punctuation)
      expect(entry.zh.replace(/\{\w+\}/g, ''), code).toMatch(/[\u4e00-\u9fff]|^[\u3000-\u303f\uff01-\uff1f]+$/);
    }
  });

  it('has a label for every cause the planner gives', () => {
    for (const cause of REASON_CAUSES) expect(Object.hasOwn(CATALOGUE, `cause.${cause}`), cause).toBe(true);
  });

  it('renders clauses in the language of the sentence', () => {
    const m = msg('warning.department-blocked', { key: 'org_1', action: msg('phrase.not-created'), why: msg('why.parent-not-created', { parent: 7 }) });
    expect(render(m)).toBe('organization org_1: department not created: its parent department 7 could not be created');
    expect(render(m, 'zh')).toBe('组织 org_1：部门未创建：其上级部门 7 无法创建');
  });

  it('renders an unknown code as itself (a newer server may send codes this console does not know)', () => {
    expect(render({ code: 'warning.from-the-future', params: { x: 1 } }, 'zh')).toBe('warning.from-the-future');
  });

  it('reads Accept-Language', () => {
    expect(negotiateLang(undefined)).toBe('en');
    expect(negotiateLang('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh');
    expect(negotiateLang('en-US,en;q=0.9,zh-CN;q=0.8')).toBe('en');
    expect(negotiateLang('fr-FR, zh;q=0.5')).toBe('zh');
    expect(negotiateLang('de')).toBe('en');
    expect(negotiateLang('zh;q=0, en')).toBe('en');
  });

  it('has every refusal, row error and test verdict in both languages (error.*, invalid.*, proxy.*, row.*, held.*, test.*)', () => {
    const families = ['error.', 'invalid.', 'proxy.', 'row.', 'held.', 'test.'];
    for (const f of families) expect(Object.keys(CATALOGUE).filter((c) => c.startsWith(f)).length, f).toBeGreaterThan(0);
  });

  it('gives an error its English as the message, with the code and params for other languages', () => {
    const t = coded('error.username-taken', { username: 'zs', other: 'ZS', id: 'acc_1' });
    expect(t).toEqual({ message: 'username "zs" is already taken by account "ZS" (acc_1)', code: 'error.username-taken', params: { username: 'zs', other: 'ZS', id: 'acc_1' } });
    expect(render(t, 'zh')).toBe('用户名“zs”已被账号“ZS”（acc_1）使用');
    // an AppError's text as a clause of another: said in the language of the sentence around it
    const inner = new AppError('conflict', 409, coded('error.manager-missing', { id: 'acc_9' }));
    const outer = coded('row.ldap-manager', { detail: clauseOf(inner) });
    expect(outer.message).toBe('manager: manager acc_9 does not exist');
    expect(render(outer, 'zh')).toBe('上级：上级 acc_9 不存在');
    // an error without a code is its message
    expect(clauseOf(new Error('socket hang up'))).toBe('socket hang up');
  });

  it('renders in parts with data parameters apart, at any depth (the console shows them as code)', () => {
    const n = { code: 'test.then', params: { text: { code: 'test.root-missing', params: { root: 1, corpId: 'ww1' } }, why: { code: 'test.proxy-down', params: { proxy: '10.0.0.5:3128', detail: 'connect ECONNREFUSED 10.0.0.5:3128' } } } };
    const parts = renderParts(n, 'zh', new Set(['detail']));
    expect(parts).toContainEqual({ data: 'connect ECONNREFUSED 10.0.0.5:3128' });
    expect(parts.map((p) => (typeof p === 'string' ? p : p.data)).join('')).toBe(render(n, 'zh'));
    expect(parts.filter((p) => typeof p === 'string').join('')).not.toMatch(/ECONNREFUSED/);
  });
});
