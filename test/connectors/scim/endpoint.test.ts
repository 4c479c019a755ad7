// The SCIM endpoint over HTTP (RFC 7643/7644) on both backends: discovery, its own tokens, users
// and groups written through the directory (change feed, audit log with the token as actor),
// filters, paging, projections, versions, errors in the SCIM Error schema, and ownership.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../../server/harness.js';
import { BACKENDS } from '../../store/backends.js';
import { ENTERPRISE, ERROR, GROUP, LIST, type ScimClient, type ScimHarness, USER, patchOp, scimHarness } from './helpers.js';

const user = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER, ENTERPRISE],
  userName,
  name: { givenName: 'Given', familyName: 'Family', formatted: `Given Family (${userName})` },
  emails: [{ value: `${userName}@example.com`, type: 'work', primary: true }],
  active: true,
  ...extra,
});

describe.each(BACKENDS)('the SCIM endpoint on $name', (backend) => {
  let h: ScimHarness;
  let entra: ScimClient;
  beforeEach(async () => {
    h = await scimHarness(backend);
    entra = await h.endpoint('entra');
  });
  afterEach(async () => {
    await h.dispose();
  });

  it('describes itself: ServiceProviderConfig, ResourceTypes, Schemas (read-only: 405)', async () => {
    const spc = await entra.call('GET', '/ServiceProviderConfig');
    expect(spc.statusCode).toBe(200);
    expect(spc.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(spc.json()).toMatchObject({ patch: { supported: true }, filter: { supported: true, maxResults: 1000 }, etag: { supported: true }, bulk: { supported: false } });
    const types = (await entra.call('GET', '/ResourceTypes')).json();
    expect(types).toMatchObject({ schemas: [LIST], totalResults: 2 });
    expect(types.Resources.map((r: { endpoint: string }) => r.endpoint)).toEqual(['/Users', '/Groups']);
    const schemas = (await entra.call('GET', '/Schemas')).json();
    expect(schemas.Resources.map((s: { id: string }) => s.id)).toEqual([USER, ENTERPRISE, GROUP]);
    expect((await entra.call('GET', `/Schemas/${USER}`)).json().attributes.find((a: { name: string }) => a.name === 'userName')).toMatchObject({ required: true, uniqueness: 'server', caseExact: false });
    for (const p of ['/ServiceProviderConfig', '/ResourceTypes', '/Schemas']) expect((await entra.call('POST', p, 'test\r\n\r\n')).statusCode).toBe(405);
  });

  it('opens only with a live token of this endpoint: not an admin token, not another endpoint\'s, not a revoked one', async () => {
    const okta = await h.endpoint('okta');
    for (const auth of [undefined, `Bearer ${h.adminToken}`, `Bearer ${okta.token}`, 'Bearer wsc_nothing', 'Basic abc']) {
      const r = await h.inject({ method: 'GET', url: `${entra.path}/Users`, headers: auth ? { authorization: auth } : {} });
      expect(r.statusCode, String(auth)).toBe(401);
      expect(r.json()).toMatchObject({ schemas: [ERROR], status: '401' });
    }
    expect((await h.inject({ method: 'GET', url: '/scim/v2/nobody/Users', headers: bearer(entra.token) })).statusCode).toBe(401);
    // another token, then revoke the first: it stops at once
    const more = await h.inject({ method: 'POST', url: '/api/v1/scim/endpoints/entra/tokens', headers: bearer(h.adminToken), payload: { name: 'second' } });
    expect(more.statusCode).toBe(201);
    const second = h.client(entra.path, more.json().token);
    expect((await second.call('GET', '/Users')).statusCode).toBe(200);
    const tokens = (await h.inject({ method: 'GET', url: '/api/v1/scim/endpoints/entra/tokens', headers: bearer(h.adminToken) })).json().items;
    expect(tokens.map((t: { name: string }) => t.name)).toEqual(['default', 'second']);
    expect(JSON.stringify(tokens)).not.toContain('wsc_');
    expect((await h.inject({ method: 'DELETE', url: `/api/v1/scim/endpoints/entra/tokens/${tokens[0].id}`, headers: bearer(h.adminToken) })).statusCode).toBe(204);
    expect((await entra.call('GET', '/Users')).statusCode).toBe(401);
    expect((await second.call('GET', '/Users')).statusCode).toBe(200);
  });

  it('creates, reads, replaces, patches and deletes users: each a directory write in the change feed, audited with the token as actor', async () => {
    const seq = (await h.inject({ method: 'GET', url: '/api/v1/changes', headers: bearer(h.adminToken) })).json().nextCursor;
    const created = await entra.call('POST', '/Users', user('alice', { externalId: 'ext-alice', [ENTERPRISE]: { employeeNumber: '42', department: '总部/研发中心' } }));
    expect(created.statusCode).toBe(201);
    const a = created.json();
    expect(a).toMatchObject({ schemas: [USER, ENTERPRISE], userName: 'alice', externalId: 'ext-alice', meta: { resourceType: 'User', version: 'W/"1"' } });
    expect(created.headers.location).toMatch(new RegExp(`^http://localhost(:80)?${entra.path}/Users/${a.id}$`));
    expect(a.meta.location).toBe(created.headers.location);
    expect(created.headers.etag).toBe('W/"1"');
    const account = await h.directory.requireAccount(a.id);
    expect(account).toMatchObject({ username: 'alice', displayName: 'Given Family (alice)', email: 'alice@example.com', employeeNumber: '42', status: 'enabled' });
    const tree = await h.directory.getTree();
    expect(tree.find((o) => o.id === account.primaryOrganizationId)?.name).toBe('研发中心');

    const got = await entra.call('GET', `/Users/${a.id}`);
    expect(got.json()).toEqual(a);

    const put = await entra.call('PUT', `/Users/${a.id}`, { ...user('alice'), title: 'Engineer', active: false });
    expect(put.json()).toMatchObject({ title: 'Engineer', active: false, meta: { version: 'W/"2"' } });
    expect(put.json()).not.toHaveProperty('externalId');
    expect(await h.directory.requireAccount(a.id)).toMatchObject({ title: 'Engineer', status: 'disabled' });

    const patched = await entra.call('PATCH', `/Users/${a.id}`, patchOp({ op: 'replace', path: 'title', value: 'Lead' }));
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ title: 'Lead', meta: { version: 'W/"3"' } });

    expect((await entra.call('DELETE', `/Users/${a.id}`)).statusCode).toBe(204);
    const gone = await entra.call('GET', `/Users/${a.id}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ schemas: [ERROR], status: '404', detail: expect.stringContaining(a.id) });
    expect((await entra.call('GET', '/Users')).json().totalResults).toBe(0);
    expect(await h.directory.getAccount(a.id)).toBeUndefined();

    const changes = (await h.inject({ method: 'GET', url: `/api/v1/changes?after=${seq}`, headers: bearer(h.adminToken) })).json().items;
    expect(changes.filter((c: { objectId: string }) => c.objectId === a.id).map((c: { operation: string }) => c.operation)).toEqual(['create', 'update', 'update', 'delete']);
    const auditLog = (await h.inject({ method: 'GET', url: '/api/v1/audit?targetType=account', headers: bearer(h.adminToken) })).json().items;
    expect(auditLog.map((e: { action: string; actor: string }) => `${e.action} by ${e.actor}`).reverse()).toEqual([
      'scim.user.create by scim entra (token default)',
      'scim.user.replace by scim entra (token default)',
      'scim.user.update by scim entra (token default)',
      'scim.user.delete by scim entra (token default)',
    ]);
  });

  it('answers errors in the SCIM Error schema: 409 uniqueness (userName in any case), 400 invalidValue, 400 invalidFilter, 412 on a stale If-Match', async () => {
    const a = (await entra.call('POST', '/Users', user('bob'))).json();
    const dup = await entra.call('POST', '/Users', user('BOB'));
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });
    const noName = await entra.call('POST', '/Users', { schemas: [USER], name: { givenName: 'x' } });
    expect(noName.json()).toMatchObject({ status: '400', scimType: 'invalidValue' });
    const badFilter = await entra.call('GET', '/Users?filter=' + encodeURIComponent('userName eq'));
    expect(badFilter.json()).toMatchObject({ status: '400', scimType: 'invalidFilter' });
    expect((await entra.call('GET', '/Users?count=abc')).json()).toMatchObject({ status: '400', scimType: 'invalidValue' });
    const stale = await entra.call('PATCH', `/Users/${a.id}`, patchOp({ op: 'replace', path: 'title', value: 'x' }), { 'if-match': 'W/"7"' });
    expect(stale.statusCode).toBe(412);
    expect((await entra.call('PATCH', `/Users/${a.id}`, patchOp({ op: 'replace', path: 'title', value: 'x' }), { 'if-match': 'W/"1"' })).statusCode).toBe(200);
    const malformed = await entra.call('POST', '/Users', '{"userName": ');
    expect(malformed.json()).toMatchObject({ schemas: [ERROR], status: '400' });
  });

  it('accepts application/json as well as application/scim+json', async () => {
    const r = await h.inject({ method: 'POST', url: `${entra.path}/Users`, headers: { ...bearer(entra.token), 'content-type': 'application/json' }, payload: user('carol') });
    expect(r.statusCode).toBe(201);
    expect(r.headers['content-type']).toMatch(/^application\/scim\+json/);
  });

  it('lists with filters (zero results is a 200 ListResponse), stable paging, attributes and excludedAttributes', async () => {
    const ids: string[] = [];
    for (const n of ['u1', 'u2', 'u3', 'u4', 'u5']) ids.push((await entra.call('POST', '/Users', user(n, { title: n === 'u3' ? 'Boss' : 'Staff' }))).json().id);
    const none = await entra.call('GET', '/Users?filter=' + encodeURIComponent('userName eq "nobody"'));
    expect(none.statusCode).toBe(200);
    expect(none.json()).toEqual({ schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
    const one = (await entra.call('GET', '/Users?filter=' + encodeURIComponent('userName eq "U3"'))).json();
    expect(one.Resources.map((r: { id: string }) => r.id)).toEqual([ids[2]]);
    expect((await entra.call('GET', '/Users?filter=' + encodeURIComponent('title eq "staff" and not (userName eq "u1")'))).json().totalResults).toBe(3);
    const pages = [];
    for (const start of [1, 3, 5]) pages.push(...(await entra.call('GET', `/Users?startIndex=${start}&count=2`)).json().Resources.map((r: { id: string }) => r.id));
    expect(pages).toEqual(ids);
    const page2 = (await entra.call('GET', '/Users?startIndex=3&count=2')).json();
    expect(page2).toMatchObject({ totalResults: 5, startIndex: 3, itemsPerPage: 2 });
    const slim = (await entra.call('GET', `/Users/${ids[0]}?attributes=userName,name.givenName`)).json();
    expect(slim).toEqual({ schemas: [USER], id: ids[0], userName: 'u1', name: { givenName: 'Given' } });
    const without = (await entra.call('GET', `/Users/${ids[0]}?excludedAttributes=emails,name`)).json();
    expect(without).not.toHaveProperty('emails');
    expect(without).not.toHaveProperty('name');
    expect(without).toHaveProperty('userName', 'u1');
    expect((await entra.call('GET', '/Users?count=0')).json()).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
  });

  it('keeps what the identity provider sent even when WeCom would not take it, and round-trips it', async () => {
    const sent = {
      schemas: [USER, ENTERPRISE],
      userName: 'us.person',
      name: { formatted: 'Pat Q. Person', givenName: 'Pat', familyName: 'Person', honorificPrefix: 'Dr.' },
      displayName: 'Pat',
      phoneNumbers: [{ value: '(425) 555-0100', type: 'mobile' }],
      emails: [{ value: 'pat@localhost', type: 'work', primary: true }],
      addresses: [{ type: 'work', streetAddress: '1 Main St', locality: 'Redmond', region: 'WA', postalCode: '98052', country: 'US', primary: true }],
      [ENTERPRISE]: { employeeNumber: '7', costCenter: 'CC', manager: { value: 'not-yet-provisioned' } },
      'urn:example:custom:2.0:User': { badge: 'A-7' },
    };
    const r = await entra.call('POST', '/Users', sent);
    expect(r.statusCode).toBe(201);
    const { id, meta: _meta, schemas: _s, ...back } = r.json();
    const { schemas: _sent, ...rest } = sent;
    expect(back).toEqual({ ...rest, active: true });
    const account = await h.directory.requireAccount(id);
    // no department: the endpoint's default organization (a top-level one named after it)
    expect((await h.directory.requireOrganization(account.primaryOrganizationId)).name).toBe('entra');
    expect(account).toMatchObject({ mobile: '(425) 555-0100', email: 'pat@localhost', displayName: 'Pat Q. Person', managerId: null });
    // the manager arrives later: the reference is resolved then
    const boss = (await entra.call('POST', '/Users', user('boss', { externalId: 'not-yet-provisioned' }))).json();
    expect((await h.directory.requireAccount(id)).managerId).toBe(boss.id);
  });

  it("lists only the users an endpoint owns: two identity providers don't see or change each other's users", async () => {
    const okta = await h.endpoint('okta');
    const a = (await entra.call('POST', '/Users', user('shared.name'))).json();
    expect((await okta.call('GET', '/Users')).json().totalResults).toBe(0);
    expect((await okta.call('GET', `/Users/${a.id}`)).statusCode).toBe(404);
    expect((await okta.call('PATCH', `/Users/${a.id}`, patchOp({ op: 'replace', path: 'active', value: false }))).statusCode).toBe(404);
    expect((await okta.call('DELETE', `/Users/${a.id}`)).statusCode).toBe(404);
    // the directory holds one account per username: okta's copy is refused, not merged
    const clash = await okta.call('POST', '/Users', user('Shared.Name'));
    expect(clash.json()).toMatchObject({ status: '409', scimType: 'uniqueness' });
    expect(await h.directory.requireAccount(a.id)).toMatchObject({ status: 'enabled' });
  });

  it('groups: create with members, read with and without members, rename, member changes, delete', async () => {
    const u1 = (await entra.call('POST', '/Users', user('g1'))).json().id;
    const u2 = (await entra.call('POST', '/Users', user('g2'))).json().id;
    const g = await entra.call('POST', '/Groups', { schemas: [GROUP], displayName: 'Sales', externalId: 'grp-ext', members: [{ value: u1 }, { value: 'unknown-id' }] });
    expect(g.statusCode).toBe(201);
    expect(g.json()).toMatchObject({ displayName: 'Sales', externalId: 'grp-ext', members: [{ value: u1, display: 'Given Family (g1)' }], meta: { resourceType: 'Group', version: 'W/"1"' } });
    const id = g.json().id;
    expect((await entra.call('GET', `/Groups/${id}?excludedAttributes=members`)).json()).not.toHaveProperty('members');
    const found = await entra.call('GET', '/Groups?excludedAttributes=members&filter=' + encodeURIComponent('displayName eq "sales"'));
    expect(found.json()).toMatchObject({ totalResults: 1, Resources: [{ id, displayName: 'Sales' }] });
    expect(found.json().Resources[0]).not.toHaveProperty('members');
    const patched = await entra.call('PATCH', `/Groups/${id}`, patchOp({ op: 'Add', path: 'members', value: [{ $ref: null, value: u2 }] }, { op: 'Replace', path: 'displayName', value: 'Sales EMEA' }));
    expect(patched.statusCode).toBe(204);
    expect((await entra.call('GET', `/Groups/${id}`)).json()).toMatchObject({ displayName: 'Sales EMEA', members: [{ value: u1 }, { value: u2 }], meta: { version: 'W/"2"' } });
    expect((await entra.call('GET', '/Groups?filter=' + encodeURIComponent(`members[value eq "${u2}"]`))).json().totalResults).toBe(1);
    expect((await entra.call('PATCH', `/Groups/${id}?excludedAttributes=members`, patchOp({ op: 'remove', path: `members[value eq "${u1}"]` }))).json()).toMatchObject({ displayName: 'Sales EMEA' });
    expect((await entra.call('GET', `/Groups/${id}`)).json().members.map((m: { value: string }) => m.value)).toEqual([u2]);
    expect((await entra.call('DELETE', `/Groups/${id}`)).statusCode).toBe(204);
    expect((await entra.call('GET', `/Groups/${id}`)).statusCode).toBe(404);
    expect((await entra.call('GET', '/Groups')).json()).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('is managed through the admin API: settings validated, list with counts, delete keeps the accounts', async () => {
    const bad = await h.inject({ method: 'POST', url: '/api/v1/scim/endpoints', headers: bearer(h.adminToken), payload: { name: 'Bad Name' } });
    expect(bad.statusCode).toBe(422);
    const badExpr = await h.inject({ method: 'PATCH', url: '/api/v1/scim/endpoints/entra', headers: bearer(h.adminToken), payload: { fields: { mobile: 'lowr(x)' } } });
    expect(badExpr.statusCode).toBe(422);
    expect(badExpr.json().errors[0]).toMatchObject({ field: 'fields.mobile' });
    expect((await h.inject({ method: 'POST', url: '/api/v1/scim/endpoints', headers: bearer(h.adminToken), payload: { name: 'entra' } })).statusCode).toBe(409);
    expect((await h.inject({ method: 'GET', url: '/api/v1/scim/endpoints', headers: bearer(h.viewerToken) })).statusCode).toBe(200);
    expect((await h.inject({ method: 'POST', url: '/api/v1/scim/endpoints', headers: bearer(h.viewerToken), payload: { name: 'x' } })).statusCode).toBe(403);
    const a = (await entra.call('POST', '/Users', user('keeper'))).json();
    const list = (await h.inject({ method: 'GET', url: '/api/v1/scim/endpoints', headers: bearer(h.adminToken) })).json().items;
    expect(list).toMatchObject([{ name: 'entra', path: '/scim/v2/entra', users: 1, groups: 0, activeTokens: 1, settings: { organizations: { mode: 'department' } } }]);
    expect((await h.inject({ method: 'DELETE', url: '/api/v1/scim/endpoints/entra', headers: bearer(h.adminToken) })).statusCode).toBe(204);
    expect(await h.directory.getAccount(a.id)).toBeDefined();
    expect((await entra.call('GET', '/Users')).statusCode).toBe(401);
  });
});
