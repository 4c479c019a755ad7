// Re-hire through the service: an account is deleted (the deletion policy disables, keeps or
// deletes its WeCom member), then the same person is created again (same username, mobile,
// e-mail). The next run — full, or incremental from the directory write alone — links the new
// account to the member and updates and re-enables it; with policy "delete" it is created again.
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/domain/connection.js';
import { objectsWithStatus, planJson } from '../../../src/sync/index.js';
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
    // the reviewable plan (`plan --json`, GET …/plan) shows the move and the update's reason
    const preview = planJson(await env.pipeline.plan('acme'), []);
    expect(preview.relinks).toEqual([{ type: 'member', from: first.id, to: again.id, by: 'mobile', reason: expect.stringContaining('re-hired') }]);
    expect(preview.operations.map((o) => o.reason)).toEqual([expect.stringMatching(/^re-hired: linked to the member left by a deleted account/)]);
    const r = await sync('incremental');
    expect(r.plan!.relinks).toEqual([expect.objectContaining({ from: first.id, to: again.id, by: 'mobile' })]);
    expect(member()?.name).toBe('Mei Xiao');
    expect(enabled()).toBe(true);
    expect(env.sim.sim.company(CORP.corpid).members.find('mei.xiao')).toBeUndefined();
    expect((await loadLinks(env.store.db, conn.id)).members.map((l) => [l.key, l.userid])).toEqual([[again.id, 'xiaomei']]);
  });
});

describe.each(['full', 'incremental'] as const)('re-created organization (policy "keep"), %s runs', (kind) => {
  it('takes over the department its deleted predecessor left (same path), instead of failing on 60008', async () => {
    env = await setup();
    const base = connectionInput(env);
    const conn = await env.connections.create({ ...base, policies: { ...(base.policies as Connection['policies']), onOrganizationDeleted: 'keep' } });
    const sales = await env.directory.createOrganization({ name: 'Sales' });
    const east = await env.directory.createOrganization({ name: 'East', parentId: sales.id });
    await sync('full');
    const before = await loadLinks(env.store.db, conn.id);
    const idOf = (links: typeof before, key: string) => links.departments.find((l) => l.key === key)?.departmentId;
    await env.directory.deleteBatch({ accounts: [], organizations: [east.id, sales.id] });
    await sync(kind);
    const company = env.sim.sim.company(CORP.corpid);
    expect(company.departments.all().map((d) => d.name)).toEqual(expect.arrayContaining(['Sales', 'East'])); // kept in WeCom

    const sales2 = await env.directory.createOrganization({ name: 'Sales' });
    const east2 = await env.directory.createOrganization({ name: 'East', parentId: sales2.id });
    await env.directory.createAccount({ ...PERSON, displayName: 'Xiao Mei', organizationIds: [east2.id] });
    const r = await sync(kind);
    expect(r.plan!.operations.filter((o) => o.kind === 'department.create')).toEqual([]);
    expect(r.plan!.relinks?.filter((x) => x.type === 'department').map((x) => [x.from, x.to])).toEqual([[sales.id, sales2.id], [east.id, east2.id]]);
    const after = await loadLinks(env.store.db, conn.id);
    expect([idOf(after, sales2.id), idOf(after, east2.id)]).toEqual([idOf(before, sales.id), idOf(before, east.id)]);
    expect(member()?.department).toEqual([idOf(before, east.id)]);
    expect(company.departments.all().filter((d) => d.name === 'Sales')).toHaveLength(1);
    await expectMirrors(env);
    expect((await env.pipeline.plan('acme')).plan.operations).toEqual([]);
  });
});

describe('two accounts claiming one member', () => {
  it('neither takes it over; "Needs attention" (objects?status=conflict) lists both, with both names, until one is settled', async () => {
    env = await setup();
    const base = connectionInput(env);
    const conn = await env.connections.create({ ...base, policies: { ...(base.policies as Connection['policies']), onAccountDeleted: 'disable' } });
    const org = await env.directory.createOrganization({ name: 'Sales' });
    const first = await env.directory.createAccount({ ...PERSON, displayName: 'Xiao Mei', organizationIds: [org.id] });
    await sync('full');
    await env.directory.deleteAccount(first.id);
    await sync('incremental');
    // two new accounts with the e-mail the matching rules use: the rules cannot choose
    const a = await env.directory.createAccount({ username: 'mei.a', displayName: 'Mei A', email: PERSON.email, mobile: '+86 13800002222', organizationIds: [org.id] });
    const b = await env.directory.createAccount({ username: 'mei.b', displayName: 'Mei B', email: PERSON.email, mobile: '+86 13800003333', organizationIds: [org.id] });
    const r = await env.pipeline.incremental('acme');
    expect(r?.plan?.relinks).toBeUndefined();
    expect(r?.warnings.filter((w) => w.code === 'rehire-ambiguous')).toHaveLength(2);
    expect(enabled()).toBe(false);
    const list = await objectsWithStatus({ store: env.store }, conn, { status: 'conflict', limit: 50 });
    expect(list.items.map((i) => [i.id, i.verdict.status])).toEqual([a.id, b.id].sort().map((id) => [id, 'conflict']));
    for (const item of list.items) {
      expect(item.claimants).toEqual(expect.arrayContaining([{ id: a.id, name: 'Mei A' }, { id: b.id, name: 'Mei B' }]));
      expect(item.verdict.message.en).toContain('Mei A');
      expect(item.verdict.message.en).toContain('Mei B');
      expect(item.verdict.message.zh).toContain('Mei B');
    }
    // settled: one account changes its e-mail; the other then takes the member over at the next full run
    await env.directory.updateAccount(b.id, { email: 'mei.b@example.com' });
    await sync('incremental');
    expect((await objectsWithStatus({ store: env.store }, conn, { status: 'conflict', limit: 50 })).items).toEqual([]);
    const full = await sync('full');
    expect(full.plan!.relinks).toEqual([expect.objectContaining({ from: first.id, to: a.id, by: 'email' })]);
    expect(enabled()).toBe(true);
  });
});
