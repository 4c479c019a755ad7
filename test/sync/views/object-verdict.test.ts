// objectVerdict(): the plain-language verdict on one object, every branch, both languages.
import { describe, expect, it } from 'vitest';
import { type VerdictInput, objectVerdict } from '../../../src/sync/views/object-status.js';

type Last = NonNullable<VerdictInput['last']>;
const op = (over: Partial<Last> = {}): Last => ({
  runId: 'run_1', runStatus: 'succeeded', kind: 'member.create', status: 'succeeded', errcode: null, errmsg: null, errorClass: null, explanation: null,
  at: '2026-01-01T00:01:00.000Z', reason: { cause: 'created in directory' }, ...over,
});
const link = (over: Partial<NonNullable<VerdictInput['link']>> = {}): NonNullable<VerdictInput['link']> => ({
  wecomId: 'lina', state: 'active', shadow: { department: [2] }, updatedAt: '2026-01-01T00:01:00.000Z', ...over,
});
const base: VerdictInput = { type: 'account', exists: true, disabled: false, link: null, last: null };
const verdict = (over: Partial<VerdictInput>) => objectVerdict({ ...base, ...over });

describe('objectVerdict', () => {
  it('in sync: linked, the last operation succeeded', () => {
    expect(verdict({ link: link(), last: op(), scope: { state: 'in' } })).toEqual({
      status: 'in-sync',
      message: { en: 'WeCom member lina matches the directory since 2026-01-01T00:01:00.000Z', zh: '企业微信成员 lina 自 2026-01-01T00:01:00.000Z 起与目录一致' },
    });
    expect(verdict({ type: 'organization', link: link({ wecomId: '7' }), last: op({ kind: 'department.create' }) }).message.en).toMatch(/^WeCom department 7 matches/);
  });

  it('failed: the errcode and its explanation; without errcode the message; not sent: why', () => {
    const failed = verdict({ last: op({ status: 'failed', errcode: 60104, errmsg: 'x', errorClass: 'data', explanation: { en: 'mobile existed', zh: '手机号码已存在' } }) });
    expect(failed.status).toBe('failed');
    expect(failed.message.en).toBe('Failed: creating the member (run run_1, 2026-01-01T00:01:00.000Z) — WeCom errcode 60104: mobile existed');
    expect(failed.message.zh).toContain('企业微信错误码 60104：手机号码已存在');
    // failed beats a link and the scope
    expect(verdict({ link: link(), last: op({ kind: 'member.update', status: 'failed', errcode: 60104 }), scope: { state: 'out' } }).status).toBe('failed');
    expect(verdict({ last: op({ status: 'failed', errmsg: 'socket hang up', errorClass: 'retryable' }) }).message.en).toMatch(/— socket hang up$/);
    const skipped = verdict({ last: op({ status: 'skipped', errmsg: 'dependency department.create:org_1 failed', errorClass: 'dependency' }) });
    expect(skipped).toMatchObject({ status: 'failed', message: { en: expect.stringMatching(/^Not sent: creating the member .* dependency department.create:org_1 failed$/), zh: expect.stringContaining('所依赖的操作未成功') } });
  });

  it('a failed create of an object deleted or disabled since is moot: not synced', () => {
    const last = op({ status: 'failed', errcode: 60104 });
    expect(verdict({ exists: false, last })).toMatchObject({ status: 'not-synced', message: { en: expect.stringMatching(/^Deleted in the directory; never created in WeCom .*errcode 60104/) } });
    expect(verdict({ disabled: true, last })).toMatchObject({ status: 'not-synced', message: { en: expect.stringMatching(/^Disabled in the directory/) } });
    // an update that failed is not moot: the member exists
    expect(verdict({ exists: false, link: link(), last: op({ kind: 'member.update', status: 'failed', errcode: 60104 }) }).status).toBe('failed');
  });

  it('pending: a held or running run, a create without an answer, a change not sent yet, values never written', () => {
    expect(verdict({ link: link(), last: op({ kind: 'member.update', status: 'pending', runStatus: 'held' }) })).toMatchObject({ status: 'pending', message: { en: expect.stringContaining('held by the safety threshold'), zh: expect.stringContaining('等待审批') } });
    expect(verdict({ last: op({ status: 'running', runStatus: 'running' }) }).message.en).toBe('Being synced: creating the member in run run_1');
    expect(verdict({ link: link({ state: 'pending', shadow: null }), last: op({ status: 'failed', errorClass: 'retryable' }) }).status).toBe('failed');
    expect(verdict({ link: link({ state: 'pending', shadow: null }), last: op({ status: 'running', runStatus: 'failed' }) }).status).toBe('pending');
    expect(verdict({ link: link({ state: 'pending', shadow: null }) }).message.en).toMatch(/^Unconfirmed: WeCom member lina was being created/);
    expect(verdict({ link: link(), last: op(), changedAfterWrite: { occurredAt: '2026-01-01T00:02:00.000Z' } })).toMatchObject({ status: 'pending', message: { en: expect.stringMatching(/^Changed in the directory at 2026-01-01T00:02:00.000Z/) } });
    expect(verdict({ link: link({ shadow: null }) }).message.en).toBe('WeCom member lina is linked, but its values were never written; the next run writes them');
  });

  it('deleted in the directory: disabled or removed in WeCom, kept by policy, or waiting for the next run', () => {
    expect(verdict({ exists: false, link: link(), last: op({ kind: 'member.disable' }) })).toMatchObject({ status: 'in-sync', message: { en: 'Deleted in the directory; WeCom member lina is disabled (since 2026-01-01T00:01:00.000Z)' } });
    expect(verdict({ exists: false, link: link(), last: op(), onAccountDeleted: 'ignore' })).toMatchObject({ status: 'in-sync', message: { en: expect.stringContaining('"ignore"') } });
    expect(verdict({ exists: false, link: link(), last: op(), onAccountDeleted: 'delete' })).toMatchObject({ status: 'pending', message: { en: expect.stringContaining('the next run applies the deletion policy') } });
    expect(verdict({ exists: false, last: op({ kind: 'member.delete' }) })).toMatchObject({ status: 'in-sync', message: { en: 'Deleted in the directory and in WeCom (2026-01-01T00:01:00.000Z)' } });
    expect(verdict({ exists: false }).status).toBe('not-synced');
  });

  it("the mapping: held by a problem, out of the scope", () => {
    expect(verdict({ scope: { state: 'held', problem: 'userid: required' } })).toEqual({
      status: 'not-synced',
      message: { en: 'Left out by the mapping: userid: required. Nothing is created in WeCom.', zh: '映射未能处理该对象：userid: required。不会在企业微信中创建。' },
    });
    expect(verdict({ link: link(), last: op(), scope: { state: 'held', problem: 'p' } }).message.en).toMatch(/WeCom member lina is left as it is\.$/);
    expect(verdict({ scope: { state: 'out' } }).status).toBe('out-of-scope');
    expect(verdict({ link: link(), last: op({ kind: 'member.disable' }), scope: { state: 'out' } }).message.en).toMatch(/is disabled \(since/);
    expect(verdict({ link: link(), last: op(), scope: { state: 'out' } }).message.en).toMatch(/the next run applies the deletion policy/);
    expect(verdict({ last: op({ kind: 'member.delete' }), scope: { state: 'out' } }).message.en).toMatch(/removed from WeCom/);
  });

  it('not synced: never covered, disabled and never created, unlinked since', () => {
    expect(verdict({}).message.en).toBe('Not synced yet (no run has covered it)');
    expect(verdict({ disabled: true }).message.en).toMatch(/^Disabled in the directory and never created/);
    expect(verdict({ disabled: true, last: op({ kind: 'member.delete', reason: { cause: 'disabled in directory' } }) })).toMatchObject({ status: 'in-sync', message: { en: 'Removed from WeCom (2026-01-01T00:01:00.000Z: disabled in directory)' } });
    expect(verdict({ last: op() }).message.en).toBe('Not linked to WeCom; the next run creates it');
  });
});
