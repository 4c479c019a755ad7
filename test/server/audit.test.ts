// The audit log: every admin write recorded with actor and target, never a secret; GET /audit.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redactSecrets } from '../../src/audit/index.js';
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
    expect(all[0]).toMatchObject({ actor: 'admin (token ci-admin)', actorKind: 'token', targetType: 'organization', targetId: org.id, detail: { name: 'HQ', fields: ['code', 'name'] }, ip: '127.0.0.1' });
    expect(all[1]!.detail).toEqual({ fields: ['name'], version: 2 });
    expect(all[4]).toMatchObject({ targetType: 'account', targetId: acc.id });
    expect(all[5]).toMatchObject({ targetType: 'token', targetId: tok.id, detail: { name: 'bot', role: 'viewer' } });
    expect(all[7]).toMatchObject({ actor: 'admin', actorKind: 'anonymous', ip: '10.1.2.3' });
    expect(all[8]).toMatchObject({ actor: 'admin', actorKind: 'user' });
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
