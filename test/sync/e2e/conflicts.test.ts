// Conflicts: adopting a pre-existing WeCom member, a duplicate mobile reported on that member
// only, the safety threshold holding a mass delete until approved.
import { afterEach, describe, expect, it } from 'vitest';
import { defaultMappingDefinition } from '../../../src/mapping/definitions/index.js';
import { loadLinks } from '../../../src/sync/state/links.js';
import { connectionInput, CORP, expectMirrors, ourMembers, setup, type Env } from './helpers.js';

let env: Env;
afterEach(async () => env?.close());

describe('conflicts', () => {
  it('a pre-existing WeCom member with the same userid is adopted, not duplicated', async () => {
    env = await setup({ seed: (s) => s.sim.seedMember(CORP.corpid, { userid: 'Alice', name: 'Alice (by hand)', department: [1], mobile: '13800009999' }) });
    await env.connections.create(connectionInput(env));
    const org = await env.directory.createOrganization({ name: 'Engineering' });
    await env.directory.createAccount({ username: 'alice', displayName: 'Alice Liddell', organizationIds: [org.id], mobile: '+86 13800009999' });
    await env.directory.createAccount({ username: 'bob', displayName: 'Bob', organizationIds: [org.id], mobile: '+86 13800008888' });
    const plan = await env.pipeline.plan('acme');
    expect(plan.adopted.members.map((m) => m.userid)).toEqual(['Alice']);
    expect(plan.plan.operations.filter((o) => o.kind === 'member.create').map((o) => o.target)).toEqual([{ userid: 'bob' }]);
    const r = await env.pipeline.apply('acme');
    expect(r.status, JSON.stringify(await env.failures(r.runId!))).toBe('succeeded');
    const members = env.sim.sim.company(CORP.corpid).members.all();
    expect(members.filter((m) => m.userid.toLowerCase() === 'alice')).toHaveLength(1);
    expect(members.find((m) => m.userid === 'Alice')?.name).toBe('Alice Liddell');
    const links = await loadLinks(env.store.db, (await env.connections.get('acme')).id);
    expect(links.members.find((l) => l.userid === 'Alice')?.origin).toBe('matched');
    expect((await env.pipeline.plan('acme')).plan.operations).toEqual([]);
  });

  it('a member adopted by mobile keeps the userid WeCom has (WeCom refuses renaming it), and reports name it as their leader', async () => {
    env = await setup({ seed: (s) => s.sim.seedMember(CORP.corpid, { userid: 'wang.li', name: 'Wang Li (by hand)', department: [1], mobile: '13800007777' }) });
    await env.connections.create(connectionInput(env));
    const org = await env.directory.createOrganization({ name: 'Engineering' });
    const boss = await env.directory.createAccount({ username: 'liwang', displayName: 'Li Wang', organizationIds: [org.id], mobile: '+86 13800007777' });
    await env.directory.createAccount({ username: 'dev', displayName: 'Dev', organizationIds: [org.id], mobile: '+86 13800006666', managerId: boss.id });
    const r = await env.pipeline.apply('acme');
    expect(r.status, JSON.stringify(await env.failures(r.runId!))).toBe('succeeded');
    const members = env.sim.sim.company(CORP.corpid).members;
    expect(members.find('liwang')).toBeUndefined(); // no duplicate, no rename
    expect(members.find('wang.li')?.name).toBe('Li Wang');
    expect(members.find('dev')?.direct_leader).toEqual(['wang.li']);
    expect((await env.pipeline.plan('acme')).plan.operations).toEqual([]);
  });

  it('a duplicate mobile fails that member only: the run is partial, the others are applied', async () => {
    env = await setup({ seed: (s) => s.sim.seedMember(CORP.corpid, { userid: 'zed', name: 'Zed (by hand)', department: [1], mobile: '13900000009' }) });
    // match by userid only, so the hand-made member is not adopted by mobile
    const mapping = { ...defaultMappingDefinition(), matching: { members: ['userid'], departments: 'name-path' } };
    await env.connections.create(connectionInput(env, { mapping }));
    const org = await env.directory.createOrganization({ name: 'Engineering' });
    await env.directory.createAccount({ username: 'amy', displayName: 'Amy', organizationIds: [org.id], mobile: '+86 13800000001' });
    await env.directory.createAccount({ username: 'ben', displayName: 'Ben', organizationIds: [org.id], mobile: '+86 13900000009' });
    await env.directory.createAccount({ username: 'cat', displayName: 'Cat', organizationIds: [org.id], mobile: '+86 13800000003' });
    const r = await env.pipeline.apply('acme');
    expect(r.status).toBe('partial');
    const failures = await env.failures(r.runId!);
    expect(failures.map((f) => [f.kind, f.target, f.errcode])).toEqual([['member.create', 'member ben', 60104]]);
    // WeCom does not say who holds the number; the explanation says it is nobody this connection manages
    expect(failures[0]!.explanation?.en).toMatch(/^Mobile existed: \+86 13900000009 is already used by a WeCom member this connection does not manage/);
    expect(failures[0]!.explanation?.zh).toContain('不由本连接管理');
    const members = env.sim.sim.company(CORP.corpid).members;
    expect(members.find('amy')).toBeDefined();
    expect(members.find('cat')).toBeDefined();
    expect(members.find('ben')).toBeUndefined();
    const status = await env.status('acme');
    expect(status.failures.map((f) => f.target)).toEqual(['member ben']);
    // the hand-made member gives up the number: the next run creates ben
    env.sim.sim.company(CORP.corpid).members.update({ userid: 'zed', mobile: '13900000010' });
    const r2 = await env.pipeline.apply('acme');
    expect(r2.status).toBe('succeeded');
    await expectMirrors(env, { unmanagedMembers: ['zed'] });
    // a managed member holds it: the explanation names that member and its account
    const amy = (await env.directory.listAccounts()).items.find((a) => a.username === 'amy')!;
    const cat = (await env.directory.listAccounts()).items.find((a) => a.username === 'cat')!;
    await env.directory.updateAccount(cat.id, { mobile: '+86 13800000001' });
    const r3 = await env.pipeline.apply('acme');
    expect(r3.status).toBe('partial');
    const [taken] = await env.failures(r3.runId!);
    expect([taken!.kind, taken!.target, taken!.errcode]).toEqual(['member.update', 'member cat', 60104]);
    expect(taken!.explanation?.en).toBe(`Mobile existed: +86 13800000001 is already used by WeCom member amy (Amy), synced from account ${amy.id}. Give one of the two accounts another mobile.`);
    expect(taken!.explanation?.zh).toContain(`企业微信成员 amy（Amy）使用，该成员同步自账号 ${amy.id}`);
  });

  it('the safety threshold holds a mass delete until approved', async () => {
    env = await setup();
    await env.connections.create(connectionInput(env, { policies: { onAccountDeleted: 'delete', safety: { maxDeletes: 10, maxDeletePercent: 100 } } }));
    const org = await env.directory.createOrganization({ name: 'Everyone' });
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await env.directory.createAccount({ username: `p${i}`, displayName: `P ${i}`, organizationIds: [org.id], mobile: `+86 1380000${String(1000 + i)}` })).id);
    expect((await env.pipeline.apply('acme')).status).toBe('succeeded');
    for (const id of ids.slice(0, 30)) await env.directory.deleteAccount(id);
    const held = await env.pipeline.apply('acme');
    expect(held.status).toBe('held');
    expect(held.summary.message).toMatch(/safety threshold/);
    expect(ourMembers(env)).toHaveLength(40);
    expect((await env.status('acme')).held).toEqual([held.runId]);
    // an incremental run does not go around the hold either
    const inc = await env.pipeline.incremental('acme');
    expect(inc?.status).toBe('held');
    expect(ourMembers(env)).toHaveLength(40);
    const approved = await env.pipeline.approve('acme', held.runId!);
    expect(approved.status).toBe('succeeded');
    expect(ourMembers(env)).toHaveLength(10);
    expect((await env.pipeline.plan('acme')).plan.operations).toEqual([]);
    await expectMirrors(env);
  });

  it('mapping problems are reported, and an object held back by one is never deleted', async () => {
    env = await setup();
    await env.connections.create(connectionInput(env));
    const sales = await env.directory.createOrganization({ name: 'Sales' });
    const ops = await env.directory.createOrganization({ name: 'Ops' });
    await env.directory.createAccount({ username: 'olga', displayName: 'Olga', organizationIds: [ops.id], mobile: '+86 13800005555' });
    expect((await env.pipeline.apply('acme')).status).toBe('succeeded');
    const company = env.sim.sim.company(CORP.corpid);
    const opsDept = company.departments.all().find((d) => d.name === 'Ops')!;
    // 'OPS' collides with 'Ops' (WeCom compares names case-insensitively): the later organization
    // by id (ops) is held back, with its account — neither may be deleted
    await env.directory.updateOrganization(sales.id, { name: 'OPS' });
    const plan = await env.pipeline.plan('acme');
    expect(plan.problems).toEqual(expect.arrayContaining([expect.objectContaining({ key: ops.id, effect: 'object-skipped' })]));
    expect(plan.plan.operations.filter((o) => o.kind === 'department.delete' || o.kind === 'member.delete' || o.kind === 'member.disable')).toEqual([]);
    const r = await env.pipeline.apply('acme');
    expect(r.problems.map((p) => p.key)).toContain(ops.id);
    expect(company.departments.record(opsDept.id)?.name).toBe('Ops');
    expect(company.members.find('olga')?.department).toEqual([opsDept.id]);
    const inc = await env.pipeline.incremental('acme');
    expect(inc?.plan?.operations.filter((o) => o.kind.endsWith('delete') || o.kind === 'member.disable') ?? []).toEqual([]);
    expect(company.members.find('olga')?.status).not.toBe(2);
  });
});
