// Re-hire through the service: an account is deleted (the deletion policy disables, keeps or
// deletes its WeCom member), then the same person is created again (same username, mobile,
// e-mail). The next run — full, or incremental from the directory write alone — links the new
// account to the member and updates and re-enables it; with policy "delete" it is created again.
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/domain/connection.js';
import { loadLinks } from '../../../src/sync/state/links.js';
import { connectionInput, CORP, expectMirrors, setup, type Env } from './helpers.js';

let env: Env;
afterEach(async () => env?.close());

const PERSON = { username: 'xiaomei', mobile: '+86 13800001234', email: 'xiaomei@example.com' };

async function sync(kind: 'full' | 'incremental') {
  const r = kind === 'full' ? await env.pipeline.apply('acme') : await env.pipeline.incremental('acme');
  expect(r).not.toBeNull();
  expect(r!.status, JSON.stringify(r!.runId ? await env.failures(r!.runId) : r!.warnings)).toBe('succeeded');
  return r!;
}

const member = () => env.sim.sim.company(CORP.corpid).members.find(PERSON.username);
/** WeCom's status 2 is "disabled" (1 active, 4 not yet joined). */
const enabled = (): boolean => member() !== undefined && member()!.status !== 2;

describe.each(['disable', 'ignore', 'delete'] as const)('re-hire under onAccountDeleted "%s"', (policy) => {
  describe.each(['full', 'incremental'] as const)('%s runs', (kind) => {
    it('the new account gets the member of the deleted one, updated and enabled, in one run', async () => {
      env = await setup();
      const base = connectionInput(env);
      const conn = await env.connections.create({ ...base, policies: { ...(base.policies as Connection['policies']), onAccountDeleted: policy } });
      const org = await env.directory.createOrganization({ name: 'Sales' });
      const first = await env.directory.createAccount({ ...PERSON, displayName: 'Xiao Mei', organizationIds: [org.id] });
      await sync('full');
      await env.directory.deleteAccount(first.id);
      await sync(kind);
      if (policy === 'delete') expect(member()).toBeUndefined();
      else expect(enabled()).toBe(policy !== 'disable');

      const again = await env.directory.createAccount({ ...PERSON, displayName: 'Xiao Mei (back)', organizationIds: [org.id] });
      const r = await sync(kind);
      expect(r.kind).toBe(kind);
      expect(r.warnings.filter((w) => w.code === 'userid-conflict')).toEqual([]);
      const ops = r.plan!.operations;
      if (policy === 'delete') {
        expect(ops.map((o) => o.kind)).toEqual(['member.create']);
      } else {
        expect(ops.map((o) => [o.kind, o.key, o.reason.cause])).toEqual([['member.update', again.id, 're-hired: linked to the member left by a deleted account']]);
        expect(r.plan!.relinks).toEqual([expect.objectContaining({ type: 'member', from: first.id, to: again.id })]);
      }
      expect(member()?.name).toBe('Xiao Mei (back)');
      expect(enabled()).toBe(true);
      const links = await loadLinks(env.store.db, conn.id);
      expect(links.members.map((l) => [l.key, l.userid])).toEqual([[again.id, 'xiaomei']]);
      await expectMirrors(env);
      expect((await env.pipeline.plan('acme')).plan.operations).toEqual([]);
    });
  });
});

describe('re-hire by the matching rules', () => {
  it('a new username with the same mobile takes over the member (it keeps its WeCom userid)', async () => {
    env = await setup();
    const base = connectionInput(env);
    const conn = await env.connections.create({ ...base, policies: { ...(base.policies as Connection['policies']), onAccountDeleted: 'disable' } });
    const org = await env.directory.createOrganization({ name: 'Sales' });
    const first = await env.directory.createAccount({ ...PERSON, displayName: 'Xiao Mei', organizationIds: [org.id] });
    await sync('full');
    await env.directory.deleteAccount(first.id);
    await sync('incremental');
    const again = await env.directory.createAccount({ ...PERSON, username: 'mei.xiao', displayName: 'Mei Xiao', organizationIds: [org.id] });
    const r = await sync('incremental');
    expect(r.plan!.relinks).toEqual([expect.objectContaining({ from: first.id, to: again.id, by: 'mobile' })]);
    expect(member()?.name).toBe('Mei Xiao');
    expect(enabled()).toBe(true);
    expect(env.sim.sim.company(CORP.corpid).members.find('mei.xiao')).toBeUndefined();
    expect((await loadLinks(env.store.db, conn.id)).members.map((l) => [l.key, l.userid])).toEqual([[again.id, 'xiaomei']]);
  });
});
