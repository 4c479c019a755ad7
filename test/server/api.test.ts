// The REST API for the directory, through Fastify's inject, on both backends.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Directory } from '../../src/directory/directory.js';
import { buildApp } from '../../src/server/app.js';
import { BACKENDS, type TestStore } from '../store/backends.js';

const PROBLEM = 'application/problem+json';

describe.each(BACKENDS)('REST API on $name', (backend) => {
  let t: TestStore;
  let app: FastifyInstance;
  beforeEach(async () => {
    t = await backend.open();
    app = buildApp({ directory: new Directory(t.store) });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await t.dispose();
  });

  const post = (url: string, payload?: unknown, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url, payload: payload as object, headers });
  const patch = (url: string, payload: unknown, headers: Record<string, string> = {}) => app.inject({ method: 'PATCH', url, payload: payload as object, headers });
  const get = (url: string) => app.inject({ method: 'GET', url });

  it('creates, gets, lists, updates, disables, enables and deletes organizations', async () => {
    const created = await post('/api/v1/organizations', { name: '总公司', code: 'HQ' });
    expect(created.statusCode).toBe(201);
    const root = created.json();
    expect(created.headers.location).toBe(`/api/v1/organizations/${root.id}`);
    expect(created.headers.etag).toBe('"1"');
    const child = (await post('/api/v1/organizations', { name: '销售部', parentId: root.id, order: 2 })).json();
    expect((await get(`/api/v1/organizations/${child.id}`)).json()).toEqual(child);

    const list = (await get(`/api/v1/organizations?parentId=${root.id}`)).json();
    expect(list).toEqual({ items: [child], nextCursor: null });
    expect((await get('/api/v1/organizations?parentId=null')).json().items.map((o: { id: string }) => o.id)).toEqual([root.id]);

    const updated = await patch(`/api/v1/organizations/${child.id}`, { name: '销售中心' }, { 'if-match': '"1"' });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ name: '销售中心', version: 2, order: 2 });
    const stale = await patch(`/api/v1/organizations/${child.id}`, { order: 9 }, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(409);

    expect((await post(`/api/v1/organizations/${child.id}/disable`)).json()).toMatchObject({ status: 'disabled', version: 3 });
    expect((await post(`/api/v1/organizations/${child.id}/enable`)).json()).toMatchObject({ status: 'enabled', version: 4 });
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/organizations/${child.id}` })).statusCode).toBe(204);
    const gone = await get(`/api/v1/organizations/${child.id}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.headers['content-type']).toContain(PROBLEM);

    const feed = (await get('/api/v1/changes?after=0')).json();
    expect(feed.items.map((c: { operation: string }) => c.operation)).toEqual(['create', 'create', 'update', 'update', 'update', 'delete']);
    expect(feed.nextCursor).toBe(6);
    expect((await get('/api/v1/changes?after=6')).json()).toEqual({ items: [], nextCursor: 6 });
  });

  it('answers invalid input with problem+json and field-level errors', async () => {
    const r = await post('/api/v1/organizations', { name: 5, order: 1.5, colour: 'red' });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toContain(PROBLEM);
    const body = r.json();
    expect(body).toMatchObject({ type: expect.stringContaining('invalid-request'), title: expect.any(String), status: 400, detail: expect.any(String) });
    expect(body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['colour', 'name', 'order']);

    const rule = await post('/api/v1/organizations', { name: 'a/b' });
    expect(rule.statusCode).toBe(422);
    expect(rule.json().errors).toEqual([{ field: 'name', message: expect.stringContaining('/'), code: 'invalid.path-separator', params: { separator: '/' } }]);
    // the detail stays English for a client that does not ask for Chinese, with its code and params beside it
    expect(rule.json()).toMatchObject({ detail: 'invalid organization: name must not contain "/" (it separates organization paths)', code: 'error.invalid-organization.one' });

    const unknownParent = await post('/api/v1/organizations', { name: 'x', parentId: 'org_nope' });
    expect(unknownParent.statusCode).toBe(422);
    expect(unknownParent.json()).toMatchObject({ detail: expect.stringContaining('org_nope'), errors: [{ field: 'parentId' }] });

    const malformed = await app.inject({ method: 'POST', url: '/api/v1/organizations', payload: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toContain(PROBLEM);

    const badQuery = await get('/api/v1/accounts?limit=0');
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json().errors[0].field).toBe('limit');

    const noRoute = await get('/api/v1/nothing');
    expect(noRoute.statusCode).toBe(404);
    expect(noRoute.headers['content-type']).toContain(PROBLEM);
  });

  it('reports cycles and duplicate siblings as problems naming the objects', async () => {
    const a = (await post('/api/v1/organizations', { name: 'A' })).json();
    const b = (await post('/api/v1/organizations', { name: 'B', parentId: a.id })).json();
    const cycle = await patch(`/api/v1/organizations/${a.id}`, { parentId: b.id });
    expect(cycle.statusCode).toBe(422);
    expect(cycle.json().detail).toContain(b.id);
    const dup = await post('/api/v1/organizations', { name: 'B', parentId: a.id });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().detail).toContain(b.id);
    const busy = await app.inject({ method: 'DELETE', url: `/api/v1/organizations/${a.id}` });
    expect(busy.statusCode).toBe(409);
  });

  it('manages accounts', async () => {
    const org = (await post('/api/v1/organizations', { name: 'R' })).json();
    const org2 = (await post('/api/v1/organizations', { name: 'S' })).json();
    const created = await post('/api/v1/accounts', { username: 'zs', displayName: '张三', mobile: '+86-138-0000-0000', email: 'zs@example.com', organizationIds: [org.id] });
    expect(created.statusCode).toBe(201);
    const acc = created.json();
    expect(acc).toMatchObject({ mobile: '+86 13800000000', primaryOrganizationId: org.id, status: 'enabled' });

    const dup = await post('/api/v1/accounts', { username: 'ZS', displayName: 'x', organizationIds: [org.id] });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().errors).toEqual([{ field: 'username', message: expect.stringContaining(acc.id), code: 'invalid.taken-by', params: { name: 'zs', id: acc.id } }]);
    expect(dup.json()).toMatchObject({ detail: `username "ZS" is already taken by account "zs" (${acc.id})`, code: 'error.username-taken', params: { username: 'ZS', other: 'zs', id: acc.id } });
    // asked in Chinese: the same problem, said in Chinese (code and params unchanged)
    const dupZh = await post('/api/v1/accounts', { username: 'ZS', displayName: 'x', organizationIds: [org.id] }, { 'accept-language': 'zh-CN' });
    expect(dupZh.json()).toMatchObject({ detail: `用户名“ZS”已被账号“zs”（${acc.id}）使用`, code: 'error.username-taken', errors: [{ field: 'username', message: `已被“zs”（${acc.id}）占用` }] });

    const invalid = await post('/api/v1/accounts', { username: 'ls', displayName: 'x', organizationIds: [org.id], email: 'bad', mobile: '1' });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'mobile']);

    const moved = await patch(`/api/v1/accounts/${acc.id}`, { organizationIds: [org2.id, org.id], primaryOrganizationId: org2.id, title: '经理' });
    expect(moved.json()).toMatchObject({ organizationIds: [org2.id, org.id], primaryOrganizationId: org2.id, title: '经理', version: 2 });
    expect((await post(`/api/v1/accounts/${acc.id}/disable`)).json().status).toBe('disabled');
    expect((await get(`/api/v1/accounts?status=disabled&organizationId=${org2.id}`)).json().items.map((a: { id: string }) => a.id)).toEqual([acc.id]);
    expect((await get('/api/v1/accounts?q=张')).json().items).toHaveLength(1);
    expect((await post(`/api/v1/accounts/${acc.id}/enable`)).json().status).toBe('enabled');
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/accounts/${acc.id}` })).statusCode).toBe(204);
    expect((await get(`/api/v1/accounts/${acc.id}`)).statusCode).toBe(404);
  });

  it('pages through lists with a cursor', async () => {
    const org = (await post('/api/v1/organizations', { name: 'R' })).json();
    for (let i = 0; i < 7; i++) await post('/api/v1/accounts', { username: `u${i}`, displayName: `U${i}`, organizationIds: [org.id] });
    const seen: string[] = [];
    let url = '/api/v1/accounts?limit=3';
    for (;;) {
      const page = (await get(url)).json();
      seen.push(...page.items.map((a: { username: string }) => a.username));
      if (!page.nextCursor) break;
      url = `/api/v1/accounts?limit=3&after=${page.nextCursor}`;
    }
    expect(seen.sort()).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6']);
  });

  it('counts the matches over all pages when asked (count=true), and only then', async () => {
    const org = (await post('/api/v1/organizations', { name: 'R' })).json();
    for (let i = 0; i < 5; i++) await post('/api/v1/accounts', { username: `c${i}`, displayName: `C${i}`, organizationIds: [org.id] });
    await post('/api/v1/accounts', { username: 'other', displayName: 'Other', organizationIds: [org.id] });
    const counted = (await get('/api/v1/accounts?limit=2&q=c&count=true')).json();
    expect(counted.items).toHaveLength(2);
    expect(counted.total).toBe(5);
    expect((await get(`/api/v1/accounts?limit=2&q=c&count=true&after=${counted.nextCursor}`)).json().total).toBe(5);
    expect((await get('/api/v1/accounts?limit=2&q=c')).json()).not.toHaveProperty('total');
    expect((await get('/api/v1/accounts?count=yes')).statusCode).toBe(400);
  });
});

describe('authentication hook', () => {
  it('runs before every /api/v1 route and can reject with 401 problem+json', async () => {
    const t = await BACKENDS[0]!.open();
    const app = buildApp({
      directory: new Directory(t.store),
      authenticate: async (req) => {
        if (req.headers.authorization !== 'Bearer ok') throw Object.assign(new Error('missing or invalid bearer token'), { statusCode: 401 });
      },
    });
    try {
      const denied = await app.inject({ method: 'GET', url: '/api/v1/organizations' });
      expect(denied.statusCode).toBe(401);
      expect(denied.headers['content-type']).toContain(PROBLEM);
      expect(denied.json().detail).toContain('bearer');
      const allowed = await app.inject({ method: 'GET', url: '/api/v1/organizations', headers: { authorization: 'Bearer ok' } });
      expect(allowed.statusCode).toBe(200);
    } finally {
      await app.close();
      await t.dispose();
    }
  });
});
