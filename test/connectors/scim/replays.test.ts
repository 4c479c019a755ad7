// What real identity providers send, replayed request by request and checked answer by answer.
// Microsoft Entra ID: the requests of Microsoft's SCIM provisioning docs ("Develop and plan
// provisioning for a SCIM endpoint": create, get, query by userName and externalId, update,
// disable, delete; groups queried with excludedAttributes=members) in its default behaviour and
// with the aadOptscim062020 flag ("Known issues and resolutions with SCIM 2.0 protocol compliance").
// Okta: its SCIM 2.0 protocol reference (check by filter with startIndex/count, create with a
// placeholder password, PUT updates, pathless deactivation, group push). JumpCloud and OneLogin
// quirks. Each failure mode seen in other products is its own case.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENTERPRISE, GROUP, LIST, type ScimClient, type ScimHarness, USER, patchOp, scimHarness } from './helpers.js';

const q = encodeURIComponent;

describe('replays', () => {
  let h: ScimHarness;
  beforeEach(async () => {
    h = await scimHarness();
  });
  afterEach(async () => {
    await h.dispose();
  });
  const members = async (c: ScimClient, id: string): Promise<string[]> => ((await c.call('GET', `/Groups/${id}`)).json().members ?? []).map((m: { value: string }) => m.value);

  /** Entra's user lifecycle, shared by both behaviours; `flag` = aadOptscim062020 in the tenant URL. */
  async function entraUserLifecycle(c: ScimClient, flag: boolean): Promise<void> {
    // Test Connection: a random user and group are fetched
    expect((await c.call('GET', `/Users?filter=${q('userName eq "a95a9a89-0e55-4f0a-b5b2-1c6f5c1c6f34"')}`)).json()).toEqual({ schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
    expect((await c.call('GET', `/Groups?excludedAttributes=members&filter=${q('displayName eq "a95a9a89"')}`)).statusCode).toBe(200);
    // Get User by query, then Create User
    const userName = 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1';
    expect((await c.call('GET', `/Users?filter=${q(`userName eq "${userName}"`)}`)).json().totalResults).toBe(0);
    const create = await c.call('POST', '/Users', {
      schemas: [USER, ENTERPRISE],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName,
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    });
    expect(create.statusCode).toBe(201);
    const id = create.json().id;
    expect(create.json()).toMatchObject({ id, externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef', userName, active: true, meta: { resourceType: 'User' } });
    // by externalId and by userName (case-insensitively)
    expect((await c.call('GET', `/Users?filter=${q('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')}`)).json().Resources[0].id).toBe(id);
    expect((await c.call('GET', `/Users?filter=${q(`userName eq "${userName.toUpperCase()}"`)}`)).json().Resources[0].id).toBe(id);
    expect((await c.call('GET', `/Users?filter=${q('emails[type eq "work"].value eq "test_user_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"')}`)).json().totalResults).toBe(1);
    // Update User [Multi-valued properties] and [Single-valued properties]
    const op = flag ? 'replace' : 'Replace';
    const multi = await c.call('PATCH', `/Users/${id}`, patchOp({ op, path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' }, { op, path: 'name.familyName', value: 'updatedFamilyName' }));
    expect(multi.statusCode).toBe(200);
    expect(multi.json()).toMatchObject({ emails: [{ value: 'updatedEmail@microsoft.com', type: 'work', primary: true }], name: { familyName: 'updatedFamilyName', givenName: 'givenName' } });
    expect(await h.directory.requireAccount(id)).toMatchObject({ email: 'updatedEmail@microsoft.com' });
    const renamed = await c.call('PATCH', `/Users/${id}`, patchOp({ op, path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' }));
    expect(renamed.json().userName).toBe('5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
    expect((await h.directory.requireAccount(id)).username).toBe('5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
    // Requests to replace multiple attributes
    const several = flag
      ? patchOp(
          { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
          { op: 'replace', value: { displayName: 'Bjfe', 'name.givenName': 'Kkom', 'name.familyName': 'Unua', [`${ENTERPRISE}:employeeNumber`]: 'Aklq' } },
        )
      : patchOp(
          { op: 'Replace', path: 'displayName', value: 'Pvlo' },
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'TestBcwqnm@test.microsoft.com' },
          { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
          { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
          { op: 'Replace', path: 'externalId', value: 'Eqpj' },
          { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: 'Eqpj' },
        );
    const after = (await c.call('PATCH', `/Users/${id}`, several)).json();
    expect(after[ENTERPRISE].employeeNumber).toBe(flag ? 'Aklq' : 'Eqpj');
    expect(after.name.givenName).toBe(flag ? 'Kkom' : 'Gtfd');
    expect(after.displayName).toBe(flag ? 'Bjfe' : 'Pvlo');
    expect(await h.directory.requireAccount(id)).toMatchObject({ employeeNumber: flag ? 'Aklq' : 'Eqpj' });
    // Add a single-value string attribute
    expect((await c.call('PATCH', `/Users/${id}`, patchOp({ op: flag ? 'add' : 'Add', path: 'nickName', value: 'Babs' }))).json().nickName).toBe('Babs');
    // Disable User: soft delete first ("False" as a string without the flag), then DELETE later
    const disable = await c.call('PATCH', `/Users/${id}`, patchOp({ op, path: 'active', value: flag ? false : 'False' }));
    expect(disable.json().active).toBe(false);
    expect((await h.directory.requireAccount(id)).status).toBe('disabled');
    expect((await c.call('GET', `/Users/${id}`)).json().active).toBe(false); // still returned while soft-deleted
    const enable = await c.call('PATCH', `/Users/${id}`, patchOp({ op, path: 'active', value: flag ? true : 'True' }));
    expect(enable.json().active).toBe(true);
    expect((await c.call('DELETE', `/Users/${id}`)).statusCode).toBe(204);
    expect((await c.call('GET', `/Users/${id}`)).statusCode).toBe(404);
  }

  /** Entra's group lifecycle; `flag` changes how a member is removed. */
  async function entraGroupLifecycle(c: ScimClient, flag: boolean): Promise<void> {
    const ids: string[] = [];
    for (const n of ['m1', 'm2', 'm3']) ids.push((await c.call('POST', '/Users', { schemas: [USER], userName: `${n}@testuser.com`, name: { givenName: n, familyName: 'X' }, active: true })).json().id);
    expect((await c.call('GET', `/Groups?excludedAttributes=members&filter=${q('displayName eq "displayName"')}`)).json().totalResults).toBe(0);
    const created = await c.call('POST', '/Groups', { schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'], externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'displayName', meta: { resourceType: 'Group' } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ displayName: 'displayName', externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', members: [] });
    const gid = created.json().id;
    const got = (await c.call('GET', `/Groups/${gid}?excludedAttributes=members`)).json();
    expect(got).toMatchObject({ id: gid, displayName: 'displayName' });
    expect(got).not.toHaveProperty('members');
    expect((await c.call('GET', `/Groups?excludedAttributes=members&filter=${q('displayName eq "displayName"')}`)).json().Resources[0].id).toBe(gid);
    // Update Group [Non-member attributes]: 204
    const op = (s: string) => (flag ? s.toLowerCase() : s);
    expect((await c.call('PATCH', `/Groups/${gid}`, patchOp({ op: op('Replace'), path: 'displayName', value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName' }))).statusCode).toBe(204);
    // Update Group [Add Members], one at a time as Entra does
    for (const id of ids) expect((await c.call('PATCH', `/Groups/${gid}`, patchOp({ op: op('Add'), path: 'members', value: [{ $ref: null, value: id }] }))).statusCode).toBe(204);
    expect(await members(c, gid)).toEqual(ids);
    // Update Group [Remove Members]
    const remove = flag ? patchOp({ op: 'remove', path: `members[value eq "${ids[1]}"]` }) : patchOp({ op: 'Remove', path: 'members', value: [{ $ref: null, value: ids[1] }] });
    expect((await c.call('PATCH', `/Groups/${gid}`, remove)).statusCode).toBe(204);
    expect(await members(c, gid)).toEqual([ids[0], ids[2]]);
    expect((await c.call('DELETE', `/Groups/${gid}`)).statusCode).toBe(204);
    expect((await c.call('GET', `/Groups/${gid}`)).statusCode).toBe(404);
  }

  it('Microsoft Entra ID, default behaviour: users', async () => entraUserLifecycle(await h.endpoint('entra'), false));
  it('Microsoft Entra ID, default behaviour: groups', async () => entraGroupLifecycle(await h.endpoint('entra'), false));

  it('Microsoft Entra ID with ?aadOptscim062020 in the tenant URL: users and groups', async () => {
    const c = await h.endpoint('entra');
    // Entra keeps the query string of the tenant URL on every request
    const flagged: ScimClient = { ...c, call: (m, url, body, headers) => c.call(m, url.includes('?') ? url.replace('?', '?aadOptscim062020&') : `${url}?aadOptscim062020`, body, headers) };
    await entraUserLifecycle(flagged, true);
    await entraGroupLifecycle(flagged, true);
  });

  it('Microsoft Entra ID: the manager (enterprise extension) as a reference to another provisioned user', async () => {
    const c = await h.endpoint('entra');
    const boss = (await c.call('POST', '/Users', { schemas: [USER], userName: 'boss@contoso.com', displayName: 'Boss', active: true })).json().id;
    const me = (await c.call('POST', '/Users', { schemas: [USER], userName: 'me@contoso.com', displayName: 'Me', active: true })).json().id;
    await c.call('PATCH', `/Users/${me}`, patchOp({ op: 'Add', path: `${ENTERPRISE}:manager`, value: boss }));
    expect((await h.directory.requireAccount(me)).managerId).toBe(boss);
    await c.call('PATCH', `/Users/${me}`, patchOp({ op: 'Remove', path: `${ENTERPRISE}:manager` }));
    expect((await h.directory.requireAccount(me)).managerId).toBeNull();
  });

  it('Okta: check by filter with startIndex/count, create with a placeholder password, PUT updates, pathless deactivation, never DELETE', async () => {
    const c = await h.endpoint('okta');
    expect((await c.call('GET', `/Users?filter=${q('userName eq "test.user@okta.local"')}&startIndex=1&count=100`)).json()).toMatchObject({ totalResults: 0, Resources: [] });
    const created = await c.call('POST', '/Users', {
      schemas: [USER], userName: 'test.user@okta.local', name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }], displayName: 'Test User', locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7', groups: [], password: '1mz050nq', active: true,
    });
    expect(created.statusCode).toBe(201);
    const u = created.json();
    expect(u).toMatchObject({ userName: 'test.user@okta.local', locale: 'en-US', externalId: '00ujl29u0le5T6Aj10h7', active: true });
    expect(u).not.toHaveProperty('password');
    expect(JSON.stringify(await h.directory.requireAccount(u.id))).not.toContain('1mz050nq');
    // PUT with the full object
    const put = await c.call('PUT', `/Users/${u.id}`, { ...u, name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' } });
    expect(put.json().name).toEqual({ givenName: 'Another', middleName: 'Excited', familyName: 'User' });
    // deactivation: a pathless replace
    const off = await c.call('PATCH', `/Users/${u.id}`, patchOp({ op: 'replace', value: { active: false } }));
    expect(off.json()).toMatchObject({ active: false, name: { givenName: 'Another' } });
    expect((await h.directory.requireAccount(u.id)).status).toBe('disabled');
    expect((await c.call('PATCH', `/Users/${u.id}`, patchOp({ op: 'replace', value: { active: true } }))).json().active).toBe(true);
  });

  it('Okta group push: create, rename resent with {id, displayName} on every change, remove+add, full push with replace', async () => {
    const c = await h.endpoint('okta');
    const [a, b, d] = await Promise.all(['a', 'b', 'd'].map(async (n) => (await c.call('POST', '/Users', { schemas: [USER], userName: `${n}@okta.local`, displayName: n })).json().id as string));
    const g = await c.call('POST', '/Groups', { schemas: [GROUP], displayName: 'Test SCIMv2', members: [] });
    const gid = g.json().id;
    await c.call('PATCH', `/Groups/${gid}`, patchOp({ op: 'add', path: 'members', value: [{ value: a, display: 'a@okta.local' }, { value: b, display: 'b@okta.local' }] }));
    // the rename Okta sends with each membership change: members stay
    expect((await c.call('PATCH', `/Groups/${gid}`, patchOp({ op: 'replace', value: { id: gid, displayName: 'Test SCIMv20' } }))).statusCode).toBe(204);
    expect(await members(c, gid)).toEqual([a, b]);
    // membership as remove members[value eq] plus add members
    await c.call('PATCH', `/Groups/${gid}`, patchOp({ op: 'remove', path: `members[value eq "${b}"]` }, { op: 'add', path: 'members', value: [{ value: d, display: 'd@okta.local' }] }));
    expect(await members(c, gid)).toEqual([a, d].sort());
    // full push
    await c.call('PATCH', `/Groups/${gid}`, patchOp({ op: 'replace', path: 'members', value: [{ value: b }, { value: d }] }));
    expect(await members(c, gid)).toEqual([b, d].sort());
    expect((await c.call('GET', `/Groups/${gid}`)).json().displayName).toBe('Test SCIMv20');
    // Okta imports page by page with startIndex and count
    expect((await c.call('GET', '/Groups?startIndex=1&count=100')).json()).toMatchObject({ totalResults: 1, itemsPerPage: 1 });
  });

  it('JumpCloud repeats member adds: idempotent', async () => {
    const c = await h.endpoint('jumpcloud');
    const a = (await c.call('POST', '/Users', { schemas: [USER], userName: 'a', displayName: 'a' })).json().id;
    const gid = (await c.call('POST', '/Groups', { schemas: [GROUP], displayName: 'G' })).json().id;
    for (let i = 0; i < 3; i++) expect((await c.call('PATCH', `/Groups/${gid}`, patchOp({ op: 'add', path: 'members', value: [{ value: a }] }))).statusCode).toBe(204);
    expect(await members(c, gid)).toEqual([a]);
  });

  it('OneLogin sends remove values as arrays: exactly those go', async () => {
    const c = await h.endpoint('onelogin');
    const ids = await Promise.all(['a', 'b', 'c'].map(async (n) => (await c.call('POST', '/Users', { schemas: [USER], userName: n, displayName: n })).json().id as string));
    const gid = (await c.call('POST', '/Groups', { schemas: [GROUP], displayName: 'G', members: ids.map((value) => ({ value })) })).json().id;
    await c.call('PATCH', `/Groups/${gid}`, patchOp({ op: 'remove', path: 'members', value: [{ value: ids[0] }, { value: ids[2] }] }));
    expect(await members(c, gid)).toEqual([ids[1]]);
  });

  describe('known failure modes of other products', () => {
    let c: ScimClient;
    let ids: string[];
    let gid: string;
    beforeEach(async () => {
      c = await h.endpoint('idp');
      ids = [];
      for (const n of ['a', 'b', 'c', 'd']) ids.push((await c.call('POST', '/Users', { schemas: [USER], userName: n, displayName: n })).json().id);
      gid = (await c.call('POST', '/Groups', { schemas: [GROUP], displayName: 'G', members: ids.slice(0, 3).map((value) => ({ value })) })).json().id;
    });

    it('a Remove members with a value array does not wipe the group', async () => {
      await c.call('PATCH', `/Groups/${gid}`, patchOp({ op: 'Remove', path: 'members', value: [{ value: ids[0] }] }));
      expect(await members(c, gid)).toEqual([ids[1], ids[2]]);
    });

    it('a replace on members replaces no more than meant: the other attributes and groups stay', async () => {
      const other = (await c.call('POST', '/Groups', { schemas: [GROUP], displayName: 'Other', members: [{ value: ids[0] }] })).json().id;
      await c.call('PATCH', `/Groups/${gid}`, patchOp({ op: 'replace', path: 'members', value: [{ value: ids[3] }] }));
      expect(await members(c, gid)).toEqual([ids[3]]);
      expect(await members(c, other)).toEqual([ids[0]]);
      expect((await c.call('GET', `/Groups/${gid}`)).json().displayName).toBe('G');
    });

    it('a filtered member removal is not silently ignored', async () => {
      await c.call('PATCH', `/Groups/${gid}`, patchOp({ op: 'remove', path: `members[value eq "${ids[2]}"]` }));
      expect(await members(c, gid)).toEqual([ids[0], ids[1]]);
    });

    it('active as a string is not rejected', async () => {
      for (const [value, status] of [['False', 'disabled'], ['true', 'enabled'], ['FALSE', 'disabled']] as const) {
        const r = await c.call('PATCH', `/Users/${ids[0]}`, patchOp({ op: 'Replace', path: 'active', value }));
        expect(r.statusCode).toBe(200);
        expect((await h.directory.requireAccount(ids[0]!)).status).toBe(status);
      }
    });
  });
});
