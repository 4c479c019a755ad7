// /api/v1/connections/:name/mapping: read (stored or default), save, reset, 422 with field paths,
// preview of a draft vs the stored definition, 404 for an unknown account, 401/403, OpenAPI, and
// the saved definition taking effect for the next plan.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultMappingDefinition } from '../../src/mapping/definitions/index.js';
import { type SyncEnv, connectionBody, expectAccess, syncEnv } from './sync-fixtures.js';

const PROBLEM = 'application/problem+json';
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

describe('mapping routes', () => {
  let env: SyncEnv;
  beforeEach(async () => {
    env = await syncEnv();
  });
  afterEach(async () => {
    await env.close();
  });

  const call = (method: Method, url: string, payload?: unknown, headers: Record<string, string> = env.admin) =>
    env.h.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  const ok = async (method: Method, url: string, payload?: unknown, headers?: Record<string, string>) => {
    const r = await call(method, url, payload, headers);
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
    return r.json();
  };

  /** A connection and a small directory: 研发部 with a manager and a report. */
  const setup = async () => {
    await ok('POST', '/api/v1/connections', connectionBody(env));
    const org = (await ok('POST', '/api/v1/organizations', { name: '研发部' })).id as string;
    const boss = await ok('POST', '/api/v1/accounts', { username: 'Li.Lei', displayName: '李雷', organizationIds: [org], mobile: '13800001111', title: '研发总监' });
    const dev = await ok('POST', '/api/v1/accounts', {
      username: 'Han.Meimei', displayName: '韩梅梅', organizationIds: [org], mobile: '+86 138-0000-2222', title: '工程师', managerId: boss.id, attributes: { employee_no: 'E042' },
    });
    return { org, boss, dev };
  };

  const draft = () => {
    const d = defaultMappingDefinition();
    d.members.position = 'upper(title) + " @ " + primary_organization.name';
    d.extattrs = [{ name: '工号', type: 'text', value: 'attrs.employee_no' }];
    return d;
  };

  it('shows the default, saves a definition, and resets to the default', async () => {
    await setup();
    const first = await call('GET', '/api/v1/connections/acme/mapping', undefined, env.viewer);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ definition: defaultMappingDefinition(), isDefault: true, version: 1 });
    expect(first.headers.etag).toBe('"1"');

    const saved = await call('PUT', '/api/v1/connections/acme/mapping', { definition: draft() }, { ...env.admin, 'if-match': '"1"' });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toEqual({ definition: draft(), isDefault: false, version: 2 });
    expect(saved.headers.etag).toBe('"2"');
    expect((await ok('GET', '/api/v1/connections/acme/mapping', undefined, env.viewer)).definition.members.position).toBe(draft().members.position);
    // the connection's version moved with it
    expect((await ok('GET', '/api/v1/connections/acme')).version).toBe(2);

    // a stale If-Match
    const stale = await call('PUT', '/api/v1/connections/acme/mapping', { definition: null }, { ...env.admin, 'if-match': '"1"' });
    expect(stale.statusCode).toBe(409);
    expect(stale.headers['content-type']).toContain(PROBLEM);

    const reset = await ok('PUT', '/api/v1/connections/acme/mapping', { definition: null });
    expect(reset).toEqual({ definition: defaultMappingDefinition(), isDefault: true, version: 3 });

    const actions = (await env.h.auditLog.list({ limit: 50 })).items.filter((e) => e.targetType === 'connection').map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['connection.mapping.update', 'connection.mapping.reset']));
  });

  it('refuses a definition that does not compile: 422 with one error per field path', async () => {
    await setup();
    const bad = draft() as unknown as Record<string, Record<string, unknown>>;
    bad.members!.mobile = 'phone(mobile';
    bad.members!.nmae = 'display_name';
    bad.members!.email = 'no_such_function(email)';
    bad.affiliation!.mode = 'sometimes';
    const r = await call('PUT', '/api/v1/connections/acme/mapping', { definition: bad });
    expect(r.statusCode, r.body).toBe(422);
    expect(r.headers['content-type']).toContain(PROBLEM);
    const errors = r.json().errors as Array<{ field: string; message: string }>;
    expect(errors.map((e) => e.field).sort()).toEqual(['affiliation.mode', 'members.email', 'members.mobile', 'members.nmae']);
    // expression errors point into the expression
    expect(errors.find((e) => e.field === 'members.mobile')!.message).toMatch(/phone\(mobile\n\s*\^/);
    expect(r.json().detail).toContain('members.mobile');
    // nothing was saved
    expect((await ok('GET', '/api/v1/connections/acme/mapping')).isDefault).toBe(true);

    // not an object at all: the schema answers 400
    expect((await call('PUT', '/api/v1/connections/acme/mapping', { definition: 'x' })).statusCode).toBe(400);
    // a scope root that is not in the directory
    const scoped = defaultMappingDefinition();
    scoped.scope.organizationRoots = ['org_missing'];
    const missing = await call('PUT', '/api/v1/connections/acme/mapping', { definition: scoped });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().errors).toEqual([{ field: 'scope.organizationRoots[0]', message: expect.stringContaining('org_missing'), code: 'E_DEF_VALUE' }]);
  });

  it('previews an account under the stored definition and under an unsaved draft', async () => {
    const { dev, boss, org } = await setup();
    const stored = await ok('POST', '/api/v1/connections/acme/mapping/preview', { account: 'han.meimei' }, env.viewer);
    expect(stored.inScope).toBe(true);
    expect(stored.fields['members.userid']).toMatchObject({ value: 'han.meimei' });
    expect(stored.fields['members.position']).toMatchObject({ value: '工程师' });
    expect(stored.fields['members.mobile']).toMatchObject({ value: '+86 13800002222' });
    expect(stored.member).toMatchObject({ key: dev.id, userid: 'han.meimei', departmentKeys: [org], fields: { name: '韩梅梅', direct_leader: ['li.lei'] } });
    expect(stored.context).toMatchObject({ username: 'Han.Meimei', manager: { username: 'Li.Lei' } });
    expect(stored.problems).toEqual([]);

    // a draft (by account id), not saved
    const preview = await ok('POST', '/api/v1/connections/acme/mapping/preview', { account: dev.id, definition: draft() }, env.viewer);
    expect(preview.fields['members.position']).toMatchObject({ value: '工程师 @ 研发部' });
    expect(preview.fields['extattrs[0].value']).toMatchObject({ value: 'E042' });
    expect(preview.member.fields.extattr).toEqual({ attrs: [{ type: 0, name: '工号', text: { value: 'E042' } }] });
    expect((await ok('GET', '/api/v1/connections/acme/mapping')).isDefault).toBe(true);

    // a draft whose field fails at run time for this account: the error, and the member held back
    const failing = defaultMappingDefinition();
    failing.members.userid = 'attrs.missing_userid';
    const before = (await env.h.auditLog.list({ limit: 500 })).items.length;
    const held = await ok('POST', '/api/v1/connections/acme/mapping/preview', { account: boss.id, definition: failing }, env.viewer);
    // a preview writes nothing: the audit log (writes only) does not list it
    const after = (await env.h.auditLog.list({ limit: 500 })).items;
    expect(after).toHaveLength(before);
    expect(after.map((e) => e.action).filter((a) => a.includes('preview'))).toEqual([]);
    expect(held.fields['members.userid']).toHaveProperty('absent', true);
    expect(held.member).toBeNull();
    expect(held.inScope).toBe(true);
    expect(held.problems).toContainEqual(expect.objectContaining({ field: 'userid', effect: 'object-skipped' }));

    // null: the default definition, even when another one is stored
    await ok('PUT', '/api/v1/connections/acme/mapping', { definition: draft() });
    expect((await ok('POST', '/api/v1/connections/acme/mapping/preview', { account: dev.id }, env.viewer)).fields['members.position'].value).toBe('工程师 @ 研发部');
    expect((await ok('POST', '/api/v1/connections/acme/mapping/preview', { account: dev.id, definition: null }, env.viewer)).fields['members.position'].value).toBe('工程师');
  });

  it('previews exactly as over the whole directory: sibling name collisions, the manager\'s organization, scope', async () => {
    const { boss, org } = await setup();
    // two sibling teams whose department names collide (case-insensitively): the later id is left out
    const first = await ok('POST', '/api/v1/organizations', { name: 'Team', parentId: org });
    const second = await ok('POST', '/api/v1/organizations', { name: 'team', parentId: org });
    await ok('POST', '/api/v1/organizations', { name: 'Elsewhere' });
    const lucky = await ok('POST', '/api/v1/accounts', { username: 'lucky', displayName: 'Lucky', organizationIds: [first.id], managerId: boss.id });
    const unlucky = await ok('POST', '/api/v1/accounts', { username: 'unlucky', displayName: 'Unlucky', organizationIds: [second.id], managerId: boss.id });
    const d = defaultMappingDefinition();
    d.members.position = 'manager.primary_organization.path + " / " + primary_organization.path';
    const p1 = await ok('POST', '/api/v1/connections/acme/mapping/preview', { account: lucky.id, definition: d }, env.viewer);
    expect(p1.fields['members.position'].value).toBe('研发部 / 研发部/Team');
    expect(p1.member).toMatchObject({ departmentKeys: [first.id], fields: { direct_leader: ['li.lei'] } });
    const p2 = await ok('POST', '/api/v1/connections/acme/mapping/preview', { account: unlucky.id, definition: d }, env.viewer);
    expect(p2.member).toBeNull();
    expect(p2.inScope).toBe(true);
    expect(p2.problems).toContainEqual(expect.objectContaining({ field: 'department', effect: 'object-skipped' }));
    // out of scope: the connection's scope roots are folded in, as the sync does
    await ok('PATCH', '/api/v1/connections/acme', { scope: { organizationRoots: [first.id] } });
    const p3 = await ok('POST', '/api/v1/connections/acme/mapping/preview', { account: boss.id }, env.viewer);
    expect(p3).toMatchObject({ inScope: false, member: null });
  });

  it('answers 404 for an unknown account or connection, 422 for a draft that does not compile', async () => {
    await setup();
    const none = await call('POST', '/api/v1/connections/acme/mapping/preview', { account: 'nobody' });
    expect(none.statusCode).toBe(404);
    expect(none.headers['content-type']).toContain(PROBLEM);
    expect(none.json().detail).toContain('nobody');
    expect((await call('GET', '/api/v1/connections/nope/mapping')).statusCode).toBe(404);
    expect((await call('PUT', '/api/v1/connections/nope/mapping', { definition: null })).statusCode).toBe(404);
    expect((await call('POST', '/api/v1/connections/nope/mapping/preview', { account: 'li.lei' })).statusCode).toBe(404);
    const d = draft() as unknown as Record<string, Record<string, unknown>>;
    d.departments!.name = 'trim(';
    const r = await call('POST', '/api/v1/connections/acme/mapping/preview', { account: 'li.lei', definition: d }, env.viewer);
    expect(r.statusCode).toBe(422);
    expect(r.json().errors).toEqual([{ field: 'departments.name', message: expect.stringContaining('trim('), code: 'E_PARSE_UNEXPECTED_END' }]);
    // a mistyped function: its code, its name and the one likely meant, for the console's languages
    const t = draft() as unknown as Record<string, Record<string, unknown>>;
    t.members!.position = 'lowr(title)';
    const typo = await call('POST', '/api/v1/connections/acme/mapping/preview', { account: 'li.lei', definition: t }, env.viewer);
    expect(typo.statusCode).toBe(422);
    expect(typo.json().errors).toEqual([{ field: 'members.position', message: expect.stringContaining('did you mean lower()?'), code: 'E_UNKNOWN_FUNCTION', params: { name: 'lowr', hint: 'lower' } }]);
    // unknown body fields are schema errors
    expect((await call('POST', '/api/v1/connections/acme/mapping/preview', { account: 'li.lei', extra: 1 })).statusCode).toBe(400);
  });

  it('a viewer may read and preview but not save; anonymous callers get 401; the routes are in the OpenAPI document', async () => {
    await setup();
    const routes = [
      { method: 'GET', url: '/api/v1/connections/acme/mapping', admin: false },
      { method: 'POST', url: '/api/v1/connections/acme/mapping/preview', admin: false },
    ] as const;
    await expectAccess(env, [...routes]);
    const none = await env.h.inject({ method: 'PUT', url: '/api/v1/connections/acme/mapping', payload: { definition: null } });
    expect(none.statusCode).toBe(401);
    const viewer = await call('PUT', '/api/v1/connections/acme/mapping', { definition: null }, env.viewer);
    expect(viewer.statusCode).toBe(403);
    expect(viewer.headers['content-type']).toContain(PROBLEM);

    const doc = (await env.h.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(doc.paths['/api/v1/connections/{name}/mapping'].get['x-access']).toBe('viewer');
    expect(doc.paths['/api/v1/connections/{name}/mapping'].put['x-access']).toBe('admin');
    expect(doc.paths['/api/v1/connections/{name}/mapping'].put.responses['422']).toBeDefined();
    expect(doc.paths['/api/v1/connections/{name}/mapping/preview'].post['x-access']).toBe('viewer');
    expect(doc.paths['/api/v1/connections/{name}/mapping'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Mapping' });
    expect(doc.components.schemas.Mapping.properties.definition).toEqual({ $ref: '#/components/schemas/MappingDefinition' });
    expect(doc.components.schemas.MappingDefinition.properties.members).toBeDefined();
  });

  it('the saved definition is what the next plan uses', async () => {
    await setup();
    const before = await ok('GET', '/api/v1/connections/acme/plan', undefined, env.viewer);
    expect(before.operations).toContainEqual(expect.objectContaining({ kind: 'member.create', target: { userid: 'han.meimei' } }));
    const d = defaultMappingDefinition();
    d.members.userid = 'lower(regex_replace(username, "\\\\.", "_"))';
    await ok('PUT', '/api/v1/connections/acme/mapping', { definition: d });
    const after = await ok('GET', '/api/v1/connections/acme/plan', undefined, env.viewer);
    const userids = after.operations.filter((o: { kind: string }) => o.kind === 'member.create').map((o: { target: { userid: string } }) => o.target.userid);
    expect(userids.sort()).toEqual(['han_meimei', 'li_lei']);
  });
});
