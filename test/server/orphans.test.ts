// Orphan actions through the service, against the simulator over HTTPS: members and departments
// made by hand under the connection's root are listed after a full run (ids only), then adopted
// (an account is created and linked; the next run writes its values), linked to an existing
// account, removed through the plan (a delete with its reason, held by the safety threshold until
// approved; under policy "disable" a disable; refused under "ignore"), and ignored (never acted
// on). Bad input answers problem+json with a stable code; every action is audited; viewers read only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORP, type SyncEnv, connectionBody, syncEnv } from './sync-fixtures.js';

const PROBLEM = 'application/problem+json';
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
type Orphans = {
  scan: { members: string; departments: string } | null;
  note: { en: string; zh: string } | null;
  members: Array<{ userid: string; why: string; known: string; name: string | null; decision: { action: string } | null; account: string | null }>;
  departments: Array<{ departmentId: number; why: string; parentId: number | null; decision: { action: string } | null }>;
};

describe('orphan actions', () => {
  let env: SyncEnv;
  beforeAll(async () => {
    env = await syncEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  const call = async (method: Method, url: string, payload?: unknown, headers: Record<string, string> = env.admin) =>
    env.h.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  const ok = async (method: Method, url: string, payload?: unknown) => {
    const r = await call(method, url, payload);
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
    return r.statusCode === 204 ? undefined : r.json();
  };
  const problem = async (method: Method, url: string, status: number, code: string, payload?: unknown) => {
    const r = await call(method, url, payload);
    expect(r.statusCode, r.body).toBe(status);
    expect(r.headers['content-type']).toContain(PROBLEM);
    expect(r.json().type).toBe(`urn:wecom-sync:problem:${code}`);
    return r.json();
  };
  const orphans = async (): Promise<Orphans> => (await call('GET', '/api/v1/connections/acme/orphans', undefined, env.viewer)).json();
  const waitForRun = async (id: string): Promise<string> => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const run = (await (await fetch(`${env.url}/api/v1/runs/${id}`, { headers: env.viewer })).json()) as { finished: boolean; status: string };
      if (run.finished || run.status === 'held') return run.status;
    }
    throw new Error(`run ${id} did not finish`);
  };
  const run = async (): Promise<{ id: string; status: string }> => {
    const r = await call('POST', '/api/v1/connections/acme/runs');
    expect(r.statusCode, r.body).toBe(202);
    const id = r.json().run as string;
    return { id, status: await waitForRun(id) };
  };
  const company = () => env.sim.sim.company(CORP.corpid);
  const member = (userid: string) => company().members.all().find((m) => m.userid === userid);

  it('lists what WeCom has and no link owns, and acts on it through the plan', async () => {
    env.sim.sim.seedDepartment(CORP.corpid, { name: 'Synced', parentid: 1, id: 60 });
    env.sim.sim.seedDepartment(CORP.corpid, { name: 'Temp', parentid: 60, id: 61 });
    env.sim.sim.seedDepartment(CORP.corpid, { name: 'Elsewhere', parentid: 1, id: 90 });
    ['amy', 'zed', 'tom', 'ivy'].forEach((userid, i) => env.sim.sim.seedMember(CORP.corpid, { userid, name: `${userid} (by hand)`, department: [60], mobile: `1390000100${i}` }));
    env.sim.sim.seedMember(CORP.corpid, { userid: 'out', name: 'Outside', department: [90], mobile: '13900001009' });
    const org = (await ok('POST', '/api/v1/organizations', { name: 'R&D' })).id as string;
    const lina = (await ok('POST', '/api/v1/accounts', { username: 'lina', displayName: 'Li Na', organizationIds: [org], mobile: '+86 13800001001' })).id as string;
    // matching off: nothing is adopted by userid, so every member made by hand stays an orphan
    await ok('POST', '/api/v1/connections', connectionBody(env, { rootDepartmentId: 60, policies: { onAccountDeleted: 'delete', safety: { maxDeletes: 1, maxDeletePercent: 100 } } }));
    const mapping = (await ok('GET', '/api/v1/connections/acme/mapping')).definition;
    await ok('PUT', '/api/v1/connections/acme/mapping', { definition: { ...mapping, matching: { ...mapping.matching, members: [] } } });

    // before any full run: nothing observed, and the note says so
    const before = await orphans();
    expect(before.scan).toBeNull();
    expect(before.note?.zh).toMatch(/全量同步/);
    expect((await run()).status).toBe('succeeded');

    const listed = await orphans();
    expect(listed.scan).toMatchObject({ members: 'listed', departments: 'listed' });
    expect(listed.members.map((m) => [m.userid, m.why, m.known, m.name])).toEqual([
      ['amy', 'not linked', 'ids', null], ['ivy', 'not linked', 'ids', null], ['tom', 'not linked', 'ids', null], ['zed', 'not linked', 'ids', null],
    ]);
    expect(listed.departments.map((d) => [d.departmentId, d.why, d.parentId])).toEqual([[61, 'not linked', 60]]);

    // a new account, not synced yet: the member made by hand is the same person
    const zack = (await ok('POST', '/api/v1/accounts', { username: 'zack', displayName: 'Zack Zhou', organizationIds: [org], mobile: '+86 13800001002' })).id as string;

    // bad input: unknown orphan, unknown or linked account, name unknown, viewer
    await problem('POST', '/api/v1/connections/acme/orphans/member/nobody/link', 404, 'orphan-not-found', { to: zack });
    await problem('POST', '/api/v1/connections/acme/orphans/member/out/ignore', 404, 'orphan-not-found');
    await problem('POST', '/api/v1/connections/acme/orphans/member/zed/link', 422, 'orphan-target-not-found', { to: 'acc_nope' });
    await problem('POST', '/api/v1/connections/acme/orphans/member/zed/link', 409, 'orphan-target-linked', { to: lina });
    await problem('POST', '/api/v1/connections/acme/orphans/member/amy/adopt', 422, 'orphan-details-unknown', {});
    await problem('POST', '/api/v1/connections/acme/orphans/member/amy/adopt', 422, 'orphan-organization-unknown', { displayName: 'Amy' });
    await problem('POST', '/api/v1/connections/acme/orphans/bogus/amy/ignore', 400, 'invalid-request');
    expect((await call('POST', '/api/v1/connections/acme/orphans/member/amy/ignore', undefined, env.viewer)).statusCode).toBe(403);

    // adopt, link, delete, ignore
    const adopted = await ok('POST', '/api/v1/connections/acme/orphans/member/amy/adopt', { displayName: 'Amy Wu', organization: org });
    expect(adopted.created.type).toBe('account');
    expect((await ok('GET', `/api/v1/accounts/${adopted.created.id}`)).username).toBe('amy');
    expect(await ok('POST', '/api/v1/connections/acme/orphans/member/ZED/link', { to: 'zack' })).toEqual({ type: 'member', wecomId: 'zed', linkedTo: zack });
    expect((await ok('POST', '/api/v1/connections/acme/orphans/member/tom/delete')).effect).toBe('member.delete');
    expect((await ok('POST', '/api/v1/connections/acme/orphans/department/61/delete')).effect).toBe('department.delete');
    await ok('POST', '/api/v1/connections/acme/orphans/member/ivy/ignore');
    await problem('POST', '/api/v1/connections/acme/orphans/member/ivy/delete', 409, 'orphan-ignored');
    const decided = await orphans();
    expect(decided.members.map((m) => [m.userid, m.decision?.action ?? null])).toEqual([['ivy', 'ignore'], ['tom', 'delete']]);
    expect(decided.departments[0]!.decision?.action).toBe('delete');

    // the plan: deletes with their reason, and updates of the linked members; held by the threshold (2 deletes > 1)
    const plan = await ok('GET', '/api/v1/connections/acme/plan');
    const ops = plan.operations as Array<{ kind: string; target: Record<string, unknown>; reason: string }>;
    expect(ops.filter((o) => o.kind.endsWith('.delete')).map((o) => [o.kind, o.target, o.reason.startsWith('orphan: removal requested')])).toEqual([
      ['member.delete', { userid: 'tom' }, true], ['department.delete', { departmentId: 61 }, true],
    ]);
    expect(ops.some((o) => o.kind === 'member.update' && o.target.userid === 'zed')).toBe(true);
    expect(plan.held).toBe(true);
    const held = await run();
    expect(held.status).toBe('held');
    expect(member('tom')).toBeDefined();
    const approved = await call('POST', `/api/v1/runs/${held.id}/approve`);
    expect(approved.statusCode, approved.body).toBe(202);
    expect(await waitForRun(held.id)).toBe('succeeded');
    expect(member('tom')).toBeUndefined();
    expect(company().departments.all().some((d) => d.id === 61)).toBe(false);
    expect(member('zed')?.name).toBe('Zack Zhou');
    expect(member('amy')?.name).toBe('Amy Wu');
    expect(member('ivy')).toBeDefined();
    const after = await orphans();
    expect(after.members.map((m) => [m.userid, m.decision?.action ?? null])).toEqual([['ivy', 'ignore']]);
    expect(after.departments).toEqual([]);

    // policy "disable": a removal becomes a disable; "ignore": refused
    await ok('DELETE', '/api/v1/connections/acme/orphans/member/ivy/decision');
    await ok('PATCH', '/api/v1/connections/acme', { policies: { onAccountDeleted: 'ignore' } });
    await problem('POST', '/api/v1/connections/acme/orphans/member/ivy/delete', 409, 'orphan-policy');
    await ok('PATCH', '/api/v1/connections/acme', { policies: { onAccountDeleted: 'disable' } });
    expect((await ok('POST', '/api/v1/connections/acme/orphans/member/ivy/delete')).effect).toBe('member.disable');
    expect((await run()).status).toBe('succeeded');
    expect(member('ivy')?.status).toBe(2); // disabled

    // carried out: listed as disabled on request, and not planned again
    const ivy = (await orphans()).members.find((m) => m.userid === 'ivy')!;
    expect(ivy).toMatchObject({ enabled: false, decision: { action: 'delete', done: { kind: 'member.disable' } } });
    expect(((await ok('GET', '/api/v1/connections/acme/plan')).operations as Array<{ target: { userid?: string } }>).filter((o) => o.target.userid === 'ivy')).toEqual([]);

    // the scope shrinks: a synced account outside it leaves its member behind (policy disable), "out of scope"
    const opsOrg = (await ok('POST', '/api/v1/organizations', { name: 'Ops' })).id as string;
    const olga = (await ok('POST', '/api/v1/accounts', { username: 'olga', displayName: 'Olga', organizationIds: [opsOrg], mobile: '+86 13800001003' })).id as string;
    expect((await run()).status).toBe('succeeded');
    await ok('PATCH', '/api/v1/connections/acme', { scope: { organizationRoots: [org] }, policies: { onOrganizationDeleted: 'keep', safety: { maxDeletes: 10, maxDeletePercent: 100 } } });
    expect((await run()).status).toBe('succeeded');
    expect(member('olga')?.status).toBe(2);
    const shrunk = await orphans();
    expect(shrunk.members.find((m) => m.userid === 'olga')).toMatchObject({ why: 'out of scope', account: olga, known: 'shadow', name: 'Olga', enabled: false });
    expect(shrunk.departments.map((d) => d.why)).toEqual(['out of scope']);
    // a deleted account's member: its policy decides, so a delete is refused; linking it to a new account moves the link
    await ok('DELETE', `/api/v1/accounts/${lina}`);
    expect((await run()).status).toBe('succeeded');
    expect((await orphans()).members.find((m) => m.userid === 'lina')).toMatchObject({ why: 'account deleted', known: 'shadow', name: 'Li Na', enabled: false });
    await problem('POST', '/api/v1/connections/acme/orphans/member/lina/delete', 409, 'orphan-policy');
    const lina2 = (await ok('POST', '/api/v1/accounts', { username: 'li.na', displayName: 'Li Na', organizationIds: [org], mobile: '+86 13800001004' })).id as string;
    expect((await ok('POST', '/api/v1/connections/acme/orphans/member/lina/link', { to: lina2 })).linkedTo).toBe(lina2);
    expect((await orphans()).members.find((m) => m.userid === 'lina')).toBeUndefined();
    expect((await run()).status).toBe('succeeded');
    expect(member('lina')).toMatchObject({ status: 4, mobile: expect.stringContaining('13800001004') });
    expect(member('li.na')).toBeUndefined();

    const audit = (await env.h.auditLog.list({ limit: 100 })).items.map((e) => [e.action, e.targetType, e.targetId]);
    for (const entry of [['orphan.adopt', 'orphan.member', 'amy'], ['orphan.link', 'orphan.member', 'zed'], ['orphan.delete', 'orphan.member', 'tom'], ['orphan.delete', 'orphan.department', '61'], ['orphan.ignore', 'orphan.member', 'ivy'], ['orphan.clear-decision', 'orphan.member', 'ivy']])
      expect(audit).toContainEqual(entry);
  });
});
