// /api/v1/connections: CRUD, test, validation (422 with field errors), 401/403, and no secret in
// any response body or audit entry.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { render } from '../../src/messages/index.js';
import { CORP, PROXY_PASSWORD, type SyncEnv, connectionBody, expectAccess, expectNoSecrets, syncEnv } from './sync-fixtures.js';

const PROBLEM = 'application/problem+json';

describe('connection routes', () => {
  let env: SyncEnv;
  const bodies: string[] = [];
  beforeEach(async () => {
    env = await syncEnv();
    bodies.length = 0;
  });
  afterEach(async () => {
    await env.close();
  });

  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = env.admin) => {
    const r = await env.h.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
    bodies.push(r.body);
    return r;
  };

  it('creates, lists, gets, updates, tests and deletes a connection without ever returning a secret', async () => {
    const created = await call('POST', '/api/v1/connections', connectionBody(env, { proxies: '127.0.0.1:1', proxyUsername: 'bob', proxyPassword: PROXY_PASSWORD }));
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers.location).toBe('/api/v1/connections/acme');
    expect(created.headers.etag).toBe('"1"');
    const c = created.json();
    expect(c).toMatchObject({ name: 'acme', corpId: CORP.corpid, hasSecret: true, hasProxyPassword: true, proxies: ['127.0.0.1:1'], proxyUsername: 'bob', version: 1 });
    expect(c).not.toHaveProperty('secret');
    expect(c).not.toHaveProperty('proxyPassword');

    const list = await call('GET', '/api/v1/connections', undefined, env.viewer);
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((x: { name: string }) => x.name)).toEqual(['acme']);

    const got = await call('GET', '/api/v1/connections/ACME', undefined, env.viewer);
    expect(got.statusCode).toBe(200);
    expect(got.json().id).toBe(c.id);
    expect((await call('GET', `/api/v1/connections/${c.id}`, undefined, env.viewer)).json().name).toBe('acme');

    // null clears optional fields (proxy settings back to direct)
    const patched = await call('PATCH', '/api/v1/connections/acme', { proxies: null, proxyUsername: null, proxyPassword: null, defaultDepartmentId: 1 }, { ...env.admin, 'if-match': '"1"' });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ proxies: [], proxyUsername: null, hasProxyPassword: false, defaultDepartmentId: 1, version: 2 });
    expect(patched.headers.etag).toBe('"2"');
    // a stale If-Match
    const stale = await call('PATCH', '/api/v1/connections/acme', { rootDepartmentId: 1 }, { ...env.admin, 'if-match': '"1"' });
    expect(stale.statusCode).toBe(409);
    expect(stale.headers['content-type']).toContain(PROBLEM);
    // a new secret is accepted and still not shown
    const rotated = await call('PATCH', '/api/v1/connections/acme', { secret: CORP.secret });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().hasSecret).toBe(true);

    const test = await call('POST', '/api/v1/connections/acme/test');
    expect(test.statusCode, test.body).toBe(200);
    expect(test.json().ok).toBe(true);
    expect(test.json().checks.map((x: { name: string; status: string }) => x.name)).toContain('token');

    const del = await call('DELETE', '/api/v1/connections/acme');
    expect(del.statusCode).toBe(204);
    expect((await call('GET', '/api/v1/connections/acme')).statusCode).toBe(404);

    const actions = (await env.h.auditLog.list({ limit: 100 })).items.map((e) => e.action);
    for (const a of ['connection.create', 'connection.update', 'connection.test', 'connection.delete']) expect(actions).toContain(a);
    await expectNoSecrets(env, bodies);
  });

  it('explains a wrong secret in the test result (200, ok false) without echoing it', async () => {
    await call('POST', '/api/v1/connections', connectionBody(env, { secret: 'wrong-secret-SHOULD-NOT-LEAK' }));
    const r = await call('POST', '/api/v1/connections/acme/test');
    expect(r.statusCode).toBe(200);
    expect(r.json().ok).toBe(false);
    expect(r.json().checks[0]).toMatchObject({ name: 'token', status: 'failed' });
    expect(bodies.join('\n')).not.toContain('wrong-secret-SHOULD-NOT-LEAK');
    expect(JSON.stringify((await env.h.auditLog.list({ limit: 100 })).items)).not.toContain('wrong-secret-SHOULD-NOT-LEAK');
  });

  it('answers field problems with 422 and errors:[{field,message}], unknown names with 404, a taken name with 422', async () => {
    const bad = await call('POST', '/api/v1/connections', connectionBody(env, { corpId: 'not a corpid!', rootDepartmentId: 0, proxies: 'not a proxy', proxyPassword: PROXY_PASSWORD }));
    expect(bad.statusCode).toBe(422);
    expect(bad.headers['content-type']).toContain(PROBLEM);
    const fields = bad.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['corpId', 'rootDepartmentId', 'proxies']));
    for (const e of bad.json().errors) expect(typeof e.message).toBe('string');

    const noSecret = await call('POST', '/api/v1/connections', connectionBody(env, { secret: '' }));
    expect(noSecret.statusCode).toBe(422);
    expect(noSecret.json().errors).toContainEqual(expect.objectContaining({ field: 'secret' }));

    // schema problems (unknown field, wrong type) are 400 with the field named
    const unknown = await call('POST', '/api/v1/connections', connectionBody(env, { notAField: 1 }));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors.map((e: { field: string }) => e.field)).toContain('notAField');

    expect((await call('POST', '/api/v1/connections', connectionBody(env))).statusCode).toBe(201);
    const taken = await call('POST', '/api/v1/connections', connectionBody(env, { name: 'ACME' }));
    expect(taken.statusCode).toBe(422);
    expect(taken.json().errors).toContainEqual(expect.objectContaining({ field: 'name' }));

    const badPatch = await call('PATCH', '/api/v1/connections/acme', { apiBase: 'http://example.com' });
    expect(badPatch.statusCode).toBe(422);
    expect(badPatch.json().errors).toContainEqual(expect.objectContaining({ field: 'apiBase' }));
    expect((await call('PATCH', '/api/v1/connections/acme', { rootDepartmentId: 1 }, { ...env.admin, 'if-match': 'nope' })).statusCode).toBe(400);

    for (const [method, url] of [
      ['GET', '/api/v1/connections/nope'],
      ['PATCH', '/api/v1/connections/nope'],
      ['DELETE', '/api/v1/connections/nope'],
      ['POST', '/api/v1/connections/nope/test'],
    ] as const) {
      const r = await call(method, url, method === 'PATCH' ? { rootDepartmentId: 2 } : undefined);
      expect(r.statusCode, `${method} ${url}`).toBe(404);
      expect(r.headers['content-type']).toContain(PROBLEM);
    }
    await expectNoSecrets(env, bodies);
  });

  it('advises on an unusual company ID without refusing it: English in `warnings`, the code in `warningTexts` for the console', async () => {
    const created = await call('POST', '/api/v1/connections', connectionBody(env, { corpId: 'acmecorp01' }));
    expect(created.statusCode, created.body).toBe(201);
    const c = created.json();
    expect(c.warnings).toEqual([expect.stringMatching(/^company ID "acmecorp01" does not look like a WeCom corpid/)]);
    expect(c.warningTexts).toEqual([{ code: 'warning.corpid-unusual', params: { corpId: 'acmecorp01' } }]);
    expect(render(c.warningTexts[0], 'en')).toBe(c.warnings[0]);
    expect(render(c.warningTexts[0], 'zh')).toMatch(/^企业 ID“acmecorp01”不像企业微信的企业 ID/);
    // a usual one: no advice
    const fixed = await call('PATCH', '/api/v1/connections/acme', { corpId: 'ww0123456789abcdef' }, { ...env.admin, 'if-match': created.headers.etag as string });
    expect(fixed.statusCode, fixed.body).toBe(200);
    expect(fixed.json().warnings).toEqual([]);
    expect(fixed.json().warningTexts).toEqual([]);
  });

  it('needs credentials (401) and the admin role for writes (403)', async () => {
    await call('POST', '/api/v1/connections', connectionBody(env));
    await expectAccess(env, [
      { method: 'GET', url: '/api/v1/connections', admin: false },
      { method: 'POST', url: '/api/v1/connections', admin: true },
      { method: 'GET', url: '/api/v1/connections/acme', admin: false },
      { method: 'PATCH', url: '/api/v1/connections/acme', admin: true },
      { method: 'DELETE', url: '/api/v1/connections/acme', admin: true },
      { method: 'POST', url: '/api/v1/connections/acme/test', admin: true },
    ]);
    expect((await call('GET', '/api/v1/connections/acme')).statusCode).toBe(200);
  });

  it('documents every route in the OpenAPI document', async () => {
    const doc = (await env.h.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(doc.paths['/api/v1/connections'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(doc.paths['/api/v1/connections/{name}'])).toEqual(expect.arrayContaining(['get', 'patch', 'delete']));
    expect(doc.paths['/api/v1/connections/{name}/test'].post['x-access']).toBe('admin');
    const schema = doc.paths['/api/v1/connections'].post.responses['201'].content['application/json'].schema;
    // no property of that name anywhere in the schema (`unreadableSecrets` lists the names as values)
    expect(JSON.stringify(schema)).not.toMatch(/"(secret|proxyPassword)":/);
  });
});
