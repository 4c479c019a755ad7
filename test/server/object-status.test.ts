// Per-object sync status routes against the simulator over HTTPS: an account synced OK (in sync,
// with its userid and shadow), one whose create WeCom refuses (60104: failed, explained in en/zh,
// listed as broken), fixed and re-run (in sync, no longer listed), an organization, lookup by
// username, a deleted account (its last operation stays visible), a held run (pending), a changed
// account (pending), the mapping's scope (out-of-scope), 404/400, viewer access, 401.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CORP, type SyncEnv, connectionBody, expectAccess, expectNoSecrets, syncEnv } from './sync-fixtures.js';

const PROBLEM = 'application/problem+json';
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const ZED_MOBILE = '13900000009';

describe('object status routes', () => {
  let env: SyncEnv;
  const bodies: string[] = [];
  beforeEach(async () => {
    env = await syncEnv();
    bodies.length = 0;
    // The connection syncs under department 60. A member made by hand outside that subtree holds
    // a mobile number: an account with the same number cannot be created (60104) and is not
    // adopted either (matching looks inside the root subtree only).
    env.sim.sim.seedDepartment(CORP.corpid, { name: 'Synced', parentid: 1, id: 60 });
    env.sim.sim.seedMember(CORP.corpid, { userid: 'zed', name: 'Zed (by hand)', department: [1], mobile: ZED_MOBILE });
  });
  afterEach(async () => {
    await env.close();
  });

  const call = async (method: Method, url: string, payload?: unknown, headers: Record<string, string> = env.admin) => {
    const r = await env.h.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
    bodies.push(r.body);
    return r;
  };
  const ok = async (method: Method, url: string, payload?: unknown, headers?: Record<string, string>) => {
    const r = await call(method, url, payload, headers);
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
    return r.statusCode === 204 ? undefined : r.json();
  };
  /** Reads as a viewer. */
  const view = (url: string) => ok('GET', url, undefined, env.viewer);

  const waitForRun = async (id: string): Promise<{ status: string }> => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const r = await fetch(`${env.url}/api/v1/runs/${id}`, { headers: env.viewer });
      const run = (await r.json()) as { finished: boolean; status: string };
      if (run.finished) return run;
    }
    throw new Error(`run ${id} did not finish`);
  };
  const run = async (): Promise<{ id: string; status: string }> => {
    const r = await call('POST', '/api/v1/connections/acme/runs');
    expect(r.statusCode, r.body).toBe(202);
    const id = r.json().run as string;
    return { id, status: (await waitForRun(id)).status };
  };

  const seed = async () => {
    const org = (await ok('POST', '/api/v1/organizations', { name: 'R&D' })).id as string;
    const lina = (await ok('POST', '/api/v1/accounts', { username: 'lina', displayName: 'Li Na', organizationIds: [org], mobile: '+86 13800001001', title: 'Engineer' })).id as string;
    const ben = (await ok('POST', '/api/v1/accounts', { username: 'ben', displayName: 'Ben', organizationIds: [org], mobile: `+86 ${ZED_MOBILE}` })).id as string;
    await ok('POST', '/api/v1/connections', connectionBody(env, { rootDepartmentId: 60 }));
    return { org, lina, ben };
  };

  it('in sync, failed with the explanation, listed as broken until fixed; an organization; by username', async () => {
    const { org, lina, ben } = await seed();

    // before any run: not synced yet
    const before = await view(`/api/v1/connections/acme/objects/account/${lina}`);
    expect(before).toMatchObject({ type: 'account', id: lina, name: 'Li Na', exists: true, link: null, lastOperation: null, history: [] });
    expect(before.verdict).toEqual({ status: 'not-synced', message: { en: 'Not synced yet (no run has covered it)', zh: expect.any(String) } });

    const first = await run();
    expect(first.status).toBe('partial');

    // lina: created, by username as well as by id
    const ok1 = await view('/api/v1/connections/acme/objects/account/lina');
    expect(ok1).toMatchObject({
      type: 'account',
      id: lina,
      name: 'Li Na',
      exists: true,
      link: { wecomId: 'lina', origin: 'created', state: 'active', shadow: { name: 'Li Na', mobile: '+86 13800001001', position: 'Engineer' } },
      lastOperation: { runId: first.id, kind: 'member.create', status: 'succeeded', errcode: null, explanation: null, attempts: 1 },
      verdict: { status: 'in-sync' },
    });
    expect(ok1.verdict.message.en).toBe(`WeCom member lina matches the directory since ${ok1.link.updatedAt}`);
    expect(ok1.verdict.message.zh).toContain('与目录一致');
    expect(ok1.history).toEqual([ok1.lastOperation]);
    expect(await view(`/api/v1/connections/acme/objects/account/${lina}`)).toEqual(ok1);

    // ben: WeCom refused the create (mobile taken)
    const bad = await view(`/api/v1/connections/acme/objects/account/${ben}`);
    expect(bad).toMatchObject({ id: ben, name: 'Ben', exists: true, link: null, lastOperation: { runId: first.id, kind: 'member.create', status: 'failed', errcode: 60104 } });
    expect(bad.lastOperation.explanation).toEqual({ en: expect.any(String), zh: expect.stringContaining('手机号码已存在') });
    expect(bad.verdict.status).toBe('failed');
    expect(bad.verdict.message.en).toContain('WeCom errcode 60104');
    expect(bad.verdict.message.en).toContain(bad.lastOperation.explanation.en);
    expect(bad.verdict.message.zh).toContain('错误码 60104');
    expect(bad.verdict.message.zh).toContain('手机号码已存在');

    // the organization
    const dept = await view(`/api/v1/connections/acme/objects/organization/${org}`);
    expect(dept).toMatchObject({ type: 'organization', id: org, name: 'R&D', exists: true, link: { wecomId: expect.stringMatching(/^\d+$/), origin: 'created', state: 'active', shadow: { name: 'R&D', parentid: 60 } } });
    expect(dept.lastOperation).toMatchObject({ kind: 'department.create', status: 'succeeded' });
    expect(dept.verdict.status).toBe('in-sync');
    expect(dept.verdict.message.en).toMatch(new RegExp(`^WeCom department ${dept.link.wecomId} matches the directory since `));

    // what is broken right now: ben only; not an organization
    const broken = await view('/api/v1/connections/acme/objects?status=failed');
    const badItem = Object.fromEntries(Object.entries(bad).filter(([k]) => k !== 'history'));
    expect(broken).toEqual({ items: [badItem], nextCursor: null });
    expect(broken.items[0]).not.toHaveProperty('history');
    expect(await view('/api/v1/connections/acme/objects')).toEqual(broken); // failed is the default
    expect((await view('/api/v1/connections/acme/objects?status=failed&type=account')).items).toHaveLength(1);
    expect((await view('/api/v1/connections/acme/objects?status=failed&type=organization')).items).toEqual([]);
    expect((await view('/api/v1/connections/acme/objects?status=pending')).items).toEqual([]);

    // fixed in the directory, synced again: in sync, no longer listed; the failure stays in the history
    await ok('PATCH', `/api/v1/accounts/${ben}`, { mobile: '+86 13800001002' });
    const second = await run();
    expect(second.status).toBe('succeeded');
    const fixed = await view('/api/v1/connections/acme/objects/account/ben');
    expect(fixed).toMatchObject({ link: { wecomId: 'ben', shadow: { mobile: '+86 13800001002' } }, lastOperation: { runId: second.id, kind: 'member.create', status: 'succeeded' }, verdict: { status: 'in-sync' } });
    expect(fixed.history.map((o: { runId: string; status: string; errcode: number | null }) => [o.runId, o.status, o.errcode])).toEqual([
      [second.id, 'succeeded', null],
      [first.id, 'failed', 60104],
    ]);
    expect(await view('/api/v1/connections/acme/objects?status=failed')).toEqual({ items: [], nextCursor: null });
    await expectNoSecrets(env, bodies);
  });

  it('a deleted account keeps its last operation; a held deletion is pending; a change not yet synced is pending', async () => {
    const { lina, ben } = await seed();
    await ok('PATCH', `/api/v1/accounts/${ben}`, { mobile: '+86 13800001002' });
    expect((await run()).status).toBe('succeeded');

    // changed in the directory after the last write: pending until a run sends it
    await ok('PATCH', `/api/v1/accounts/${lina}`, { title: 'Lead' });
    const changed = await view(`/api/v1/connections/acme/objects/account/${lina}`);
    expect(changed.verdict.status).toBe('pending');
    expect(changed.verdict.message.en).toMatch(/^Changed in the directory at .*; the next run sends the change$/);
    const synced = await run();
    const updated = await view(`/api/v1/connections/acme/objects/account/${lina}`);
    expect(updated).toMatchObject({ lastOperation: { runId: synced.id, kind: 'member.update', status: 'succeeded' }, link: { shadow: { position: 'Lead' } }, verdict: { status: 'in-sync' } });

    // a deletion over the safety threshold: held, so pending (and listed as pending)
    await ok('PATCH', '/api/v1/connections/acme', { policies: { safety: { maxDeletes: 0 } } });
    await ok('DELETE', `/api/v1/accounts/${lina}`);
    const held = await run();
    expect(held.status).toBe('held');
    const waiting = await view(`/api/v1/connections/acme/objects/account/${lina}`);
    expect(waiting).toMatchObject({ id: lina, name: null, exists: false, link: { wecomId: 'lina' }, lastOperation: { runId: held.id, kind: 'member.delete', status: 'pending' } });
    expect(waiting.verdict).toMatchObject({ status: 'pending', message: { en: expect.stringContaining(`held by the safety threshold`) } });
    const pending = await view('/api/v1/connections/acme/objects?status=pending');
    expect(pending.items.map((x: { id: string }) => x.id)).toEqual([lina]);
    expect(pending.items[0].verdict.status).toBe('pending');

    // approved: deleted in WeCom; the account is gone from the directory, its status is not
    expect((await call('POST', `/api/v1/runs/${held.id}/approve`)).statusCode).toBe(202);
    expect((await waitForRun(held.id)).status).toBe('succeeded');
    const gone = await view(`/api/v1/connections/acme/objects/account/${lina}`);
    expect(gone).toMatchObject({ id: lina, name: null, exists: false, link: null, lastOperation: { runId: held.id, kind: 'member.delete', status: 'succeeded' } });
    expect(gone.verdict.status).toBe('in-sync');
    expect(gone.verdict.message.en).toMatch(/^Deleted in the directory and in WeCom/);
    expect(gone.history.map((o: { kind: string }) => o.kind)).toEqual(['member.delete', 'member.update', 'member.create']);
    expect(env.sim.sim.company(CORP.corpid).members.find('lina')).toBeUndefined();
    // the username left with the account
    expect((await call('GET', '/api/v1/connections/acme/objects/account/lina', undefined, env.viewer)).statusCode).toBe(404);
    expect((await view('/api/v1/connections/acme/objects?status=pending')).items).toEqual([]);
  });

  it('orphans: the members and departments deleted accounts and organizations left (policies disable / keep), from the sync state; re-hired ones leave the list', async () => {
    const org = (await ok('POST', '/api/v1/organizations', { name: 'R&D' })).id as string;
    const gone = (await ok('POST', '/api/v1/organizations', { name: 'Closed' })).id as string;
    const lina = (await ok('POST', '/api/v1/accounts', { username: 'lina', displayName: 'Li Na', organizationIds: [org], mobile: '+86 13800001001' })).id as string;
    await ok('POST', '/api/v1/connections', connectionBody(env, { rootDepartmentId: 60, policies: { onAccountDeleted: 'disable', onOrganizationDeleted: 'keep', safety: { maxDeletes: 1000, maxDeletePercent: 100 } } }));
    expect((await run()).status).toBe('succeeded');
    // zed, made by hand outside the root department, is none of this connection's business
    expect(await view('/api/v1/connections/acme/orphans')).toMatchObject({ members: [], departments: [], scan: { members: 'listed', departments: 'listed' } });
    await ok('DELETE', `/api/v1/accounts/${lina}`);
    await ok('DELETE', `/api/v1/organizations/${gone}`);
    expect((await run()).status).toBe('succeeded');
    const orphans = await view('/api/v1/connections/acme/orphans');
    expect(orphans.members).toEqual([{ userid: 'lina', name: 'Li Na', enabled: false, account: lina, departments: [expect.any(Number)], since: expect.any(String), why: 'account deleted', known: 'shadow', decision: null }]);
    expect(orphans.departments).toEqual([{ departmentId: expect.any(Number), name: 'Closed', parentId: 60, organization: gone, since: expect.any(String), why: 'organization deleted', known: 'shadow', decision: null }]);
    expect(env.sim.sim.company(CORP.corpid).departments.all().some((d) => d.id === orphans.departments[0].departmentId)).toBe(true);
    // the same person created again takes the member back: no longer an orphan
    await ok('POST', '/api/v1/accounts', { username: 'lina', displayName: 'Li Na', organizationIds: [org], mobile: '+86 13800001001' });
    expect((await run()).status).toBe('succeeded');
    expect((await view('/api/v1/connections/acme/orphans')).members).toEqual([]);
    expect((await call('GET', '/api/v1/connections/nope/orphans')).statusCode).toBe(404);
  });

  it("out of the mapping's scope", async () => {
    const { ben } = await seed();
    const mapping = await view('/api/v1/connections/acme/mapping');
    await ok('PUT', '/api/v1/connections/acme/mapping', { definition: { ...mapping.definition, scope: { ...mapping.definition.scope, includeDisabledAccounts: false } } });
    await ok('PATCH', `/api/v1/accounts/${ben}`, { status: 'disabled' });
    const out = await view(`/api/v1/connections/acme/objects/account/${ben}`);
    expect(out).toMatchObject({ exists: true, link: null, lastOperation: null, verdict: { status: 'out-of-scope' } });
    expect(out.verdict.message.en).toContain("Out of this connection's scope");
  });

  it('404 for unknown connections and objects, 400 for a bad type or query', async () => {
    await seed();
    for (const url of [
      '/api/v1/connections/nope/objects/account/lina',
      '/api/v1/connections/nope/objects',
      '/api/v1/connections/acme/objects/account/acc_nope',
      '/api/v1/connections/acme/objects/account/nobody',
      '/api/v1/connections/acme/objects/organization/org_nope',
    ]) {
      const r = await call('GET', url, undefined, env.viewer);
      expect(r.statusCode, url).toBe(404);
      expect(r.headers['content-type']).toContain(PROBLEM);
    }
    // an account id is not an organization
    const lina = (await view('/api/v1/connections/acme/objects/account/lina')).id as string;
    expect((await call('GET', `/api/v1/connections/acme/objects/organization/${lina}`, undefined, env.viewer)).statusCode).toBe(404);
    for (const url of ['/api/v1/connections/acme/objects/member/lina', '/api/v1/connections/acme/objects?status=broken', '/api/v1/connections/acme/objects?limit=0', '/api/v1/connections/acme/objects?type=user']) {
      const r = await call('GET', url, undefined, env.viewer);
      expect(r.statusCode, url).toBe(400);
      expect(r.headers['content-type']).toContain(PROBLEM);
    }
  });

  it('pages the list with nextCursor', async () => {
    const org = (await ok('POST', '/api/v1/organizations', { name: 'Ops' })).id as string;
    // five accounts WeCom refuses: all have zed's number
    for (let i = 0; i < 5; i++) await ok('POST', '/api/v1/accounts', { username: `dup${i}`, displayName: `Dup ${i}`, organizationIds: [org], mobile: `+86 ${ZED_MOBILE}` });
    await ok('POST', '/api/v1/connections', connectionBody(env, { rootDepartmentId: 60 }));
    expect((await run()).status).toBe('partial');
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const page: { items: Array<{ id: string; verdict: { status: string } }>; nextCursor: string | null } = await view(`/api/v1/connections/acme/objects?status=failed&limit=2${after ? `&after=${after}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      for (const x of page.items) expect(x.verdict.status).toBe('failed');
      seen.push(...page.items.map((x) => x.id));
      after = page.nextCursor;
      if (!after) break;
    }
    expect(seen).toHaveLength(5);
    expect([...seen].sort()).toEqual(seen);
  });

  it('viewers read, anonymous callers get 401; both routes are documented', async () => {
    await seed();
    const routes = [
      { method: 'GET', url: '/api/v1/connections/acme/objects/account/lina', admin: false },
      { method: 'GET', url: '/api/v1/connections/acme/objects', admin: false },
    ] as const;
    await expectAccess(env, [...routes]);
    expect((await call('GET', '/api/v1/connections/acme/objects/account/lina', undefined, env.viewer)).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/connections/acme/objects?status=pending', undefined, env.viewer)).statusCode).toBe(200);
    const doc = (await env.h.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const one = doc.paths['/api/v1/connections/{name}/objects/{type}/{id}']?.get;
    expect(one?.['x-access']).toBe('viewer');
    expect(one.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ObjectStatus' });
    expect(doc.components.schemas.ObjectStatus.properties).toHaveProperty('verdict');
    expect(one.responses['404']).toBeDefined();
    const list = doc.paths['/api/v1/connections/{name}/objects']?.get;
    expect(list?.['x-access']).toBe('viewer');
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['status', 'type', 'limit', 'after']));
  });
});
