import { describe, expect, it } from 'vitest';
import { CATALOGUE, msg, negotiateLang, render } from '../../src/messages/index.js';
import { REASON_CAUSES } from '../../src/domain/plan.js';

const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();

describe('the message catalogue', () => {
  it('says every text in both languages, with the same parameters', () => {
    for (const [code, entry] of Object.entries(CATALOGUE)) {
      expect(entry.en.trim(), code).not.toBe('');
      expect(entry.zh.trim(), code).not.toBe('');
      expect(placeholders(entry.zh), code).toEqual(placeholders(entry.en));
      // a Chinese text is Chinese: at least one CJK character
      expect(entry.zh, code).toMatch(/[\u4e00-\u9fff]/);
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
});
