// The audit log: every admin write recorded with actor and target, never a secret; GET /audit.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diffFields, maskPersonal, redactSecrets } from '../../src/audit/index.js';
import { audit } from '../../src/server/audit.js';
import { defineRoute } from '../../src/server/route.js';
import { ADMIN_PASSWORD, type Harness, PROBLEM, bearer, harness } from './harness.js';

interface Entry {
  actor: string;
  actorKind: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  detail: Record<string, unknown>;
  ip: string | null;
}

describe('audit log', () => {
  let h: Harness;
  const SECRET_IN_BODY = 'corp-secret-value-123';
  beforeEach(async () => {
    h = await harness({
      // A later route (as connections will be): one audits itself with a secret in the detail, one forgets to.
      routes: [
        async (api) => {
          defineRoute(
            api,
            { method: 'POST', url: '/test/self-audited', operationId: 't1', summary: 't1', tags: ['test'], responses: { 204: { description: 'ok' } } },
            async (_i, req, reply) => {
              await audit(req, 'connection.update', { type: 'connection', id: 'con_1' }, { name: 'acme', secret: SECRET_IN_BODY, proxy: { proxyPassword: 'pp', host: 'h:1' }, apiToken: 'x' });
              return reply.code(204).send();
            },
          );
          defineRoute(
            api,
            { method: 'POST', url: '/test/forgot/:id', operationId: 't2', summary: 't2', tags: ['test'], responses: { 204: { description: 'ok' } } },
            async (_i, _req, reply) => reply.code(204).send(),
          );
        },
      ],
    });
  });
  afterEach(async () => {
    await h.dispose();
  });

  const entries = async (): Promise<Entry[]> => {
    const r = await h.inject({ method: 'GET', url: '/api/v1/audit?limit=1000', headers: bearer(h.adminToken) });
    expect(r.statusCode).toBe(200);
    return r.json().items;
  };

  it('records directory writes, token changes, sign-ins and sign-outs with actor, target and IP', async () => {
    const org = (await h.inject({ method: 'POST', url: '/api/v1/organizations', payload: { name: 'HQ', code: 'hq' }, headers: bearer(h.adminToken) })).json();
    await h.inject({ method: 'PATCH', url: `/api/v1/organizations/${org.id}`, payload: { name: 'Head office' }, headers: bearer(h.adminToken) });
    const acc = (await h.inject({ method: 'POST', url: '/api/v1/accounts', payload: { username: 'zs', displayName: '张三', organizationIds: [org.id] }, headers: bearer(h.adminToken) })).json();
    await h.inject({ method: 'POST', url: `/api/v1/accounts/${acc.id}/disable`, headers: bearer(h.adminToken) });
    await h.inject({ method: 'DELETE', url: `/api/v1/accounts/${acc.id}`, headers: bearer(h.adminToken) });
    const tok = (await h.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'bot' }, headers: bearer(h.adminToken) })).json();
    await h.inject({ method: 'DELETE', url: `/api/v1/tokens/${tok.id}`, headers: bearer(h.adminToken) });
    await h.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: 'wrong-password' }, remoteAddress: '10.1.2.3' });
    const session = await h.login();
    await h.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: session, 'x-requested-with': 'x' } });
    // A failed write and reads are not admin actions.
    await h.inject({ method: 'POST', url: '/api/v1/organizations', payload: { name: 'a/b' }, headers: bearer(h.adminToken) });
    await h.inject({ method: 'GET', url: '/api/v1/organizations', headers: bearer(h.adminToken) });

    const all = (await entries()).reverse();
    expect(all.map((e) => e.action)).toEqual([
      'organization.create',
      'organization.update',
      'account.create',
      'account.disable',
      'account.delete',
      'token.create',
      'token.revoke',
      'auth.login.failure',
      'auth.login',
      'auth.logout',
    ]);
    expect(all[0]).toMatchObject({ actor: 'admin (token ci-admin)', actorKind: 'token', targetType: 'organization', targetId: org.id, detail: { name: 'HQ', path: 'HQ', fields: ['code', 'name'] }, ip: '127.0.0.1' });
    expect(all[1]!.detail).toEqual({ name: 'Head office', path: 'Head office', fields: ['name'], version: 2, changes: [{ field: 'name', before: 'HQ', after: 'Head office' }] });
    // a status change and a delete name the account, which is gone by the time the log is read
    expect(all[3]!.detail).toMatchObject({ name: '张三', username: 'zs', changes: [{ field: 'status', before: 'enabled', after: 'disabled' }] });
    expect(all[4]).toMatchObject({ targetType: 'account', targetId: acc.id, detail: { name: '张三', username: 'zs' } });
    expect(all[5]).toMatchObject({ targetType: 'token', targetId: tok.id, detail: { name: 'bot', role: 'viewer' } });
    expect(all[7]).toMatchObject({ actor: 'admin', actorKind: 'anonymous', ip: '10.1.2.3' });
    expect(all[8]).toMatchObject({ actor: 'admin', actorKind: 'user', detail: { username: 'admin' } });
    expect(all[9]).toMatchObject({ actor: 'admin', actorKind: 'user' });

    const text = JSON.stringify(all);
    expect(text).not.toContain('wrong-password');
    expect(text).not.toContain(ADMIN_PASSWORD);
    expect(text).not.toContain(tok.token);
  });

  it('redacts secret-looking keys in route details, and records writes a route forgot to audit', async () => {
    expect((await h.inject({ method: 'POST', url: '/api/v1/test/self-audited', headers: bearer(h.adminToken) })).statusCode).toBe(204);
    expect((await h.inject({ method: 'POST', url: '/api/v1/test/forgot/abc', headers: bearer(h.adminToken) })).statusCode).toBe(204);
    const [forgot, self] = await entries();
    expect(self).toMatchObject({ action: 'connection.update', targetId: 'con_1', detail: { name: 'acme', secret: '[redacted]', proxy: { proxyPassword: '[redacted]', host: 'h:1' }, apiToken: '[redacted]' } });
    expect(forgot).toMatchObject({ action: 'POST /api/v1/test/forgot/:id', actorKind: 'token', detail: { params: { id: 'abc' } } });
    expect(JSON.stringify(await h.t.store.db.selectFrom('audit_log').selectAll().execute())).not.toContain(SECRET_IN_BODY);
  });

  it('records an account update as a diff: clear values for work fields, names for organizations and managers, masked personal data, no secret', async () => {
    const post = async (url: string, payload: object) => (await h.inject({ method: 'POST', url, payload, headers: bearer(h.adminToken) })).json();
    const hq = await post('/api/v1/organizations', { name: '总部' });
    const rd = await post('/api/v1/organizations', { name: '研发部', parentId: hq.id });
    const boss = await post('/api/v1/accounts', { username: 'boss', displayName: '老板', organizationIds: [hq.id] });
    const acc = await post('/api/v1/accounts', {
      username: 'wf',
      displayName: '王芳',
      organizationIds: [hq.id],
      mobile: '13812345678',
      email: 'wangfang@example.com',
      title: '工程师',
      attributes: { id_card: '110101199001011234', cost_center: 'CC-1' },
    });
    const r = await h.inject({
      method: 'PATCH',
      url: `/api/v1/accounts/${acc.id}`,
      payload: { displayName: '王芳芳', title: '高级工程师', mobile: '13998765432', email: 'fang@example.org', organizationIds: [rd.id], managerId: boss.id, attributes: { id_card: '110101199001019999', cost_center: 'CC-1' } },
      headers: bearer(h.adminToken),
    });
    expect(r.statusCode).toBe(200);
    const [update] = await entries();
    expect(update).toMatchObject({ action: 'account.update', targetType: 'account', targetId: acc.id });
    expect(update!.detail).toMatchObject({ name: '王芳芳', username: 'wf' });
    const byField = Object.fromEntries((update!.detail.changes as Array<{ field: string }>).map((c) => [c.field, c]));
    expect(Object.keys(byField).sort()).toEqual(['attributes.id_card', 'displayName', 'email', 'managerId', 'mobile', 'organizationIds', 'primaryOrganizationId', 'title']);
    // work fields in clear; organizations by path, the manager by name
    expect(byField.displayName).toEqual({ field: 'displayName', before: '王芳', after: '王芳芳' });
    expect(byField.title).toEqual({ field: 'title', before: '工程师', after: '高级工程师' });
    expect(byField.organizationIds).toEqual({ field: 'organizationIds', before: ['总部'], after: ['总部/研发部'] });
    expect(byField.primaryOrganizationId).toEqual({ field: 'primaryOrganizationId', before: '总部', after: '总部/研发部' });
    expect(byField.managerId).toEqual({ field: 'managerId', before: null, after: '老板 (boss)' });
    // personal data masked: enough to see it changed, not to read it
    expect(byField.mobile).toEqual({ field: 'mobile', before: '+86****5678', after: '+86****5432', kind: 'masked' });
    expect(byField.email).toEqual({ field: 'email', before: 'w***@example.com', after: 'f***@example.org', kind: 'masked' });
    expect(byField['attributes.id_card']).toEqual({ field: 'attributes.id_card', before: '1***', after: '1***', kind: 'masked' });
    // what is stored is what is shown: no personal value in clear anywhere in the log's table
    const stored = JSON.stringify(await h.t.store.db.selectFrom('audit_log').selectAll().execute());
    for (const v of ['13812345678', '13998765432', 'wangfang@example.com', 'fang@example.org', '110101199001011234', '110101199001019999']) expect(stored).not.toContain(v);
    expect(stored).toContain('高级工程师');

    // a user's new password: recorded as changed, never its value
    const user = await post('/api/v1/users', { username: 'ops', password: 'first-password-123', role: 'viewer' });
    await h.inject({ method: 'PATCH', url: `/api/v1/users/${user.id}`, payload: { role: 'admin', password: 'second-password-456' }, headers: bearer(h.adminToken) });
    const [userUpdate] = await entries();
    expect(userUpdate!.detail).toMatchObject({ username: 'ops', changes: [{ field: 'role', before: 'viewer', after: 'admin' }, { field: 'password', kind: 'secret' }] });
    expect(JSON.stringify(await h.t.store.db.selectFrom('audit_log').selectAll().execute())).not.toMatch(/first-password|second-password/);
  });

  it('pages newest first and filters; admin only; validates the query', async () => {
    for (const name of ['A', 'B', 'C']) await h.inject({ method: 'POST', url: '/api/v1/organizations', payload: { name }, headers: bearer(h.adminToken) });
    const p1 = (await h.inject({ method: 'GET', url: '/api/v1/audit?limit=2&action=organization.create', headers: bearer(h.adminToken) })).json();
    expect(p1.items.map((e: Entry) => e.detail.name)).toEqual(['C', 'B']);
    const p2 = (await h.inject({ method: 'GET', url: `/api/v1/audit?limit=2&action=organization.create&before=${p1.nextCursor}`, headers: bearer(h.adminToken) })).json();
    expect(p2).toMatchObject({ items: [{ detail: { name: 'A' } }], nextCursor: null });
    expect((await h.inject({ method: 'GET', url: '/api/v1/audit' })).statusCode).toBe(401);
    expect((await h.inject({ method: 'GET', url: '/api/v1/audit', headers: bearer(h.viewerToken) })).statusCode).toBe(403);
    const bad = await h.inject({ method: 'GET', url: '/api/v1/audit?limit=0&colour=red', headers: bearer(h.adminToken) });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain(PROBLEM);
    expect(bad.json().errors.map((e: { field: string }) => e.field).sort()).toEqual(['colour', 'limit']);
  });
});

describe('redactSecrets', () => {
  it('replaces values under secret-looking keys at any depth, and our token values anywhere', () => {
    expect(
      redactSecrets({ secret: 's', Password: 'p', nested: [{ accessToken: 't', apiKey: 'k', ok: 1 }], Authorization: 'Bearer x', note: 'wst_abc', name: 'n' }),
    ).toEqual({ secret: '[redacted]', Password: '[redacted]', nested: [{ accessToken: '[redacted]', apiKey: '[redacted]', ok: 1 }], Authorization: '[redacted]', note: '[redacted]', name: 'n' });
  });
});

describe('the audit policy for personal data and secrets', () => {
  it('masks personal values so that a change shows without the value being readable', () => {
    expect(maskPersonal('mobile', '+86 13812345678')).toBe('+86****5678');
    expect(maskPersonal('telephone', '1234')).toBe('****');
    expect(maskPersonal('email', 'zhang.san@example.com')).toBe('z***@example.com');
    expect(maskPersonal('biz_mail', 'no-at-sign')).toBe('n***');
    expect(maskPersonal('address', '北京市海淀区')).toBe('北***');
    expect(maskPersonal('attributes.id_card', 110101199001011234)).toBe('1***');
    expect(maskPersonal('mobile', null)).toBeNull();
  });

  it('diffs two states field by field: work data in clear, personal data masked, secrets as changed only; nothing for unchanged fields', () => {
    const changes = diffFields(
      { name: 'a', mobile: '13800000001', password: 'old-secret', policies: { safety: { maxDeletes: 5 } }, same: 1 },
      { name: 'b', mobile: '13900000002', password: 'new-secret', policies: { safety: { maxDeletes: 10 } }, same: 1 },
    );
    expect(changes).toEqual([
      { field: 'name', before: 'a', after: 'b' },
      { field: 'mobile', before: '138****0001', after: '139****0002', kind: 'masked' },
      { field: 'password', kind: 'secret' },
      { field: 'policies.safety.maxDeletes', before: 5, after: 10 },
    ]);
    expect(JSON.stringify(changes)).not.toMatch(/old-secret|new-secret|13800000001|13900000002/);
    // a create lists the fields set, without `before`, and leaves empty ones out
    expect(diffFields(null, { name: 'x', title: null, tags: [] })).toEqual([{ field: 'name', after: 'x' }]);
  });
});
