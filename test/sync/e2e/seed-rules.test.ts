// The seed's rules, literally: the default-department override, extended attributes, a
// connection rooted at a sub-department.
import { afterEach, describe, expect, it } from 'vitest';
import { loadLinks } from '../../../src/sync/state/links.js';
import { connectionInput, CORP, expectMirrors, setup, type Env } from './helpers.js';

let env: Env;
afterEach(async () => env?.close());

describe('seed rules', () => {
  it('default department: members are created in it, never moved by affiliation changes', async () => {
    env = await setup({ seed: (s) => void s.sim.seedDepartment(CORP.corpid, { name: 'Default Org for Accounts', id: 5 }) });
    await env.connections.create(connectionInput(env, { defaultDepartmentId: 5 }));
    const eng = await env.directory.createOrganization({ name: 'Engineering' });
    const sales = await env.directory.createOrganization({ name: 'Sales' });
    const alice = await env.directory.createAccount({ username: 'alice', displayName: 'Alice', organizationIds: [eng.id], mobile: '+86 13800001111' });
    await env.directory.createAccount({ username: 'bob', displayName: 'Bob', organizationIds: [eng.id, sales.id], email: 'bob@example.com' });
    const r1 = await env.pipeline.apply('acme');
    expect(r1.status).toBe('succeeded');
    const members = env.sim.sim.company(CORP.corpid).members;
    expect(members.find('alice')?.department).toEqual([5]);
    expect(members.find('bob')?.department).toEqual([5]);
    await expectMirrors(env);

    // moved between organizations in the directory: not moved in WeCom (full and incremental)
    await env.directory.updateAccount(alice.id, { organizationIds: [sales.id], primaryOrganizationId: sales.id });
    expect((await env.pipeline.plan('acme')).plan.operations).toEqual([]);
    const inc = await env.pipeline.incremental('acme');
    expect(inc?.plan?.operations ?? []).toEqual([]);
    const r2 = await env.pipeline.apply('acme');
    expect(r2.summary.total).toBe(0);
    expect(members.find('alice')?.department).toEqual([5]);
    // other fields still flow
    await env.directory.updateAccount(alice.id, { displayName: 'Alice Z' });
    await env.pipeline.incremental('acme');
    expect(members.find('alice')?.name).toBe('Alice Z');
    expect(members.find('alice')?.department).toEqual([5]);
  });

  it('extended attributes configured on the corp arrive with their values', async () => {
    env = await setup({ extattrs: [{ name: '工号', type: 'text' }, { name: '主页', type: 'web' }] });
    await env.connections.create(
      connectionInput(env, {
        extattrs: [
          { name: '工号', type: 'text', expression: 'employee_number' },
          { name: '主页', type: 'web', expression: '"https://intra.example.com/" + username' },
        ],
      }),
    );
    const org = await env.directory.createOrganization({ name: 'Ops' });
    const a = await env.directory.createAccount({ username: 'carol', displayName: 'Carol', organizationIds: [org.id], mobile: '+86 13800002222', employeeNumber: 'E-0042' });
    const r = await env.pipeline.apply('acme');
    expect(r.status, JSON.stringify(await env.failures(r.runId!))).toBe('succeeded');
    const m = env.sim.sim.company(CORP.corpid).members.find('carol')!;
    expect(m.extattr).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: '工号', text: { value: 'E-0042' } }),
        expect.objectContaining({ name: '主页', web: { url: 'https://intra.example.com/carol', title: '主页' } }),
      ]),
    );
    await env.directory.updateAccount(a.id, { employeeNumber: 'E-0043' });
    await env.pipeline.incremental('acme');
    expect(env.sim.sim.company(CORP.corpid).members.find('carol')!.extattr).toEqual(expect.arrayContaining([expect.objectContaining({ name: '工号', text: { value: 'E-0043' } })]));
    expect((await env.pipeline.plan('acme')).plan.operations).toEqual([]);
  });

  it('a connection rooted at a sub-department never touches anything outside it', async () => {
    env = await setup({
      seed: (s) => {
        s.sim.seedDepartment(CORP.corpid, { name: 'Sync root', id: 2 });
        s.sim.seedDepartment(CORP.corpid, { name: 'Outside', id: 3 });
        s.sim.seedDepartment(CORP.corpid, { name: 'Engineering', id: 4, parentid: 3 });
        s.sim.seedMember(CORP.corpid, { userid: 'outsider', name: 'Outsider', department: [3], mobile: '13900000001' });
        // same userid as a directory account, but outside the root: not adopted, not moved
        s.sim.seedMember(CORP.corpid, { userid: 'dave', name: 'Dave Outside', department: [4], mobile: '13900000002' });
      },
    });
    const company = env.sim.sim.company(CORP.corpid);
    const outside = (): unknown => ({
      departments: company.departments.all().filter((d) => !company.departments.isDescendantOrSelf(d.id, 2)),
      members: company.members.all().filter((m) => m.department.every((d) => !company.departments.isDescendantOrSelf(d, 2))).map((m) => ({ ...m })),
    });
    const before = JSON.stringify(outside());
    await env.connections.create(connectionInput(env, { rootDepartmentId: 2 }));
    const eng = await env.directory.createOrganization({ name: 'Engineering' });
    const be = await env.directory.createOrganization({ name: 'Outside', parentId: eng.id });
    await env.directory.createAccount({ username: 'erin', displayName: 'Erin', organizationIds: [be.id], mobile: '+86 13800003333' });
    const dave = await env.directory.createAccount({ username: 'dave', displayName: 'Dave', organizationIds: [eng.id], mobile: '+86 13800004444' });
    const r = await env.pipeline.apply('acme');
    // dave's userid is taken outside the root: reported, never adopted or moved
    expect(r.status).not.toBe('failed');
    expect(company.members.find('dave')?.department).toEqual([4]);
    expect(company.members.find('dave')?.name).toBe('Dave Outside');
    expect(JSON.stringify(outside())).toBe(before);
    const links = await loadLinks(env.store.db, (await env.connections.get('acme')).id);
    expect(links.members.map((l) => l.userid)).toEqual(['erin']);
    for (const l of links.departments) expect(company.departments.isDescendantOrSelf(l.departmentId, 2)).toBe(true);
    expect(company.members.find('erin')?.department.every((d) => company.departments.isDescendantOrSelf(d, 2))).toBe(true);

    // everything deleted in the directory: the subtree empties, the outside stays as it was
    await env.directory.deleteAccount(dave.id);
    await env.directory.deleteAccount((await env.directory.getAccountByUsername('erin'))!.id);
    await env.directory.deleteOrganization(be.id);
    await env.directory.deleteOrganization(eng.id);
    const r2 = await env.pipeline.apply('acme');
    expect(r2.status).toBe('succeeded');
    expect(company.departments.subtree(2).map((d) => d.id)).toEqual([2]);
    expect(JSON.stringify(outside())).toBe(before);
  });
});
