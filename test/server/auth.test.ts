// Sign-in, sessions, API tokens, roles and the CSRF rule, through inject, on both backends.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/auth/passwords.js';
import { BACKENDS } from '../store/backends.js';
import { ADMIN_PASSWORD, type Harness, PROBLEM, VIEWER_PASSWORD, bearer, harness } from './harness.js';

describe.each(BACKENDS)('authentication on $name', (backend) => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ backend });
  });
  afterEach(async () => {
    await h.dispose();
  });

  it('signs in with a session cookie: HttpOnly, SameSite=Strict, not Secure over plain HTTP; me and logout', async () => {
    const r = await h.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ user: { username: 'admin', role: 'admin', disabled: false }, expiresAt: expect.any(String) });
    expect(r.body).not.toContain('password');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(/^wecom_sync_session=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).toMatch(/Max-Age=43200/);
    expect(cookie).not.toContain('Secure');

    // Only a digest of the session id is stored.
    const sid = /wecom_sync_session=([^;]+)/.exec(cookie)![1]!;
    const rows = await h.t.store.db.selectFrom('sessions').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).not.toContain(sid);
    expect(rows[0]!.id).toMatch(/^[0-9a-f]{64}$/);

    const session = `wecom_sync_session=${sid}`;
    const me = await h.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: session } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ kind: 'user', username: 'admin', role: 'admin' });
    expect((await h.inject({ method: 'GET', url: '/api/v1/organizations', headers: { cookie: session } })).statusCode).toBe(200);

    const out = await h.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: session, 'x-requested-with': 'fetch' } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^wecom_sync_session=; .*Max-Age=0/);
    const after = await h.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: session } });
    expect(after.statusCode).toBe(401);
    expect(await h.t.store.db.selectFrom('sessions').selectAll().execute()).toHaveLength(0);
  });

  it('marks the cookie Secure when the request came over HTTPS', async () => {
    const hs = await harness({ backend, trustProxy: true });
    try {
      const r = await hs.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: ADMIN_PASSWORD }, headers: { 'x-forwarded-proto': 'https' } });
      expect(r.statusCode).toBe(200);
      expect(String(r.headers['set-cookie'])).toMatch(/; Secure$/);
    } finally {
      await hs.dispose();
    }
  });

  it('refuses a wrong password or unknown user with the same 401, and validates the body', async () => {
    const wrong = await h.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: 'nope-nope' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['content-type']).toContain(PROBLEM);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const unknown = await h.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'ghost', password: 'nope-nope' } });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().detail).toBe(wrong.json().detail);

    const bad = await h.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: '', extra: 1 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field).sort()).toEqual(['extra', 'password', 'username']);
  });

  it('rate-limits failed sign-ins per username and IP: 429 with Retry-After, even for the right password', async () => {
    const attempt = (password: string, ip = '10.0.0.1', username = 'admin') =>
      h.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress: ip });
    for (let i = 0; i < 5; i++) expect((await attempt('wrong-password')).statusCode).toBe(401);
    const limited = await attempt(ADMIN_PASSWORD);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toContain(PROBLEM);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(800);
    // Another IP, or another user from the same IP, is not affected.
    expect((await attempt(ADMIN_PASSWORD, '10.0.0.2')).statusCode).toBe(200);
    expect((await attempt(VIEWER_PASSWORD, '10.0.0.1', 'viewer')).statusCode).toBe(200);
  });

  it('answers 401 without credentials and 403 for the viewer role on writes', async () => {
    const none = await h.inject({ method: 'GET', url: '/api/v1/organizations' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toContain(PROBLEM);
    expect(none.headers['www-authenticate']).toContain('Bearer');
    expect((await h.inject({ method: 'POST', url: '/api/v1/organizations', payload: { name: 'X' } })).statusCode).toBe(401);

    expect((await h.inject({ method: 'GET', url: '/api/v1/organizations', headers: bearer(h.viewerToken) })).statusCode).toBe(200);
    const denied = await h.inject({ method: 'POST', url: '/api/v1/organizations', payload: { name: 'X' }, headers: bearer(h.viewerToken) });
    expect(denied.statusCode).toBe(403);
    expect(denied.headers['content-type']).toContain(PROBLEM);
    expect(denied.json().detail).toContain('admin');
    const viewerSession = await h.login('viewer', VIEWER_PASSWORD);
    expect((await h.inject({ method: 'GET', url: '/api/v1/tokens', headers: { cookie: viewerSession } })).statusCode).toBe(403);
    expect((await h.inject({ method: 'GET', url: '/api/v1/audit', headers: { cookie: viewerSession } })).statusCode).toBe(403);
    expect((await h.inject({ method: 'POST', url: '/api/v1/organizations', payload: { name: 'X' }, headers: bearer(h.adminToken) })).statusCode).toBe(201);

    for (const authorization of ['Bearer wst_not-a-real-token', 'Bearer something-else', 'Basic YWRtaW46eA==']) {
      const r = await h.inject({ method: 'GET', url: '/api/v1/organizations', headers: { authorization } });
      expect(r.statusCode).toBe(401);
    }
  });

  it('creates, lists, uses and revokes API tokens; the token text is shown once and stored only as a digest', async () => {
    const created = await h.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'deploy bot', role: 'viewer' }, headers: bearer(h.adminToken) });
    expect(created.statusCode).toBe(201);
    const tok = created.json();
    expect(tok).toMatchObject({ id: expect.stringMatching(/^tok_/), name: 'deploy bot', role: 'viewer', token: expect.stringMatching(/^wst_[A-Za-z0-9_-]{43}$/), revokedAt: null });
    expect(created.headers['cache-control']).toBe('no-store');
    const rows = await h.t.store.db.selectFrom('api_tokens').selectAll().where('id', '=', tok.id).execute();
    expect(JSON.stringify(rows)).not.toContain(tok.token.slice(4));

    const list = await h.inject({ method: 'GET', url: '/api/v1/tokens', headers: bearer(h.adminToken) });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((t: { name: string }) => t.name)).toEqual(['ci-admin', 'ci-viewer', 'deploy bot']);
    expect(list.body).not.toContain('wst_');

    const me = await h.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(tok.token) });
    expect(me.json()).toMatchObject({ kind: 'token', username: 'admin', role: 'viewer', tokenName: 'deploy bot' });
    const used = await h.inject({ method: 'GET', url: '/api/v1/tokens?includeRevoked=true', headers: bearer(h.adminToken) });
    expect(used.json().items.find((t: { id: string }) => t.id === tok.id).lastUsedAt).not.toBeNull();

    expect((await h.inject({ method: 'DELETE', url: `/api/v1/tokens/${tok.id}`, headers: bearer(h.adminToken) })).statusCode).toBe(204);
    expect((await h.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(tok.token) })).statusCode).toBe(401);
    expect((await h.inject({ method: 'GET', url: '/api/v1/tokens', headers: bearer(h.adminToken) })).json().items).toHaveLength(2);
    const missing = await h.inject({ method: 'DELETE', url: '/api/v1/tokens/tok_nope', headers: bearer(h.adminToken) });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain(PROBLEM);

    const bad = await h.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: ' ', role: 'root' }, headers: bearer(h.adminToken) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field).sort()).toEqual(['name', 'role']);
    expect((await h.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'x' } })).statusCode).toBe(401);
    expect((await h.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: 'x' }, headers: bearer(h.viewerToken) })).statusCode).toBe(403);
    expect((await h.inject({ method: 'DELETE', url: `/api/v1/tokens/${tok.id}`, headers: bearer(h.viewerToken) })).statusCode).toBe(403);
  });

  it('caps a token at its owner’s role and stops it when the owner is disabled', async () => {
    const viewer = (await h.auth.findUser('viewer'))!;
    const asViewer = { kind: 'user' as const, userId: viewer.id, username: 'viewer', role: 'viewer' as const };
    const { token, record } = await h.auth.createToken(asViewer, 'escalate?', 'admin');
    expect(record.role).toBe('viewer');
    expect((await h.inject({ method: 'POST', url: '/api/v1/organizations', payload: { name: 'X' }, headers: bearer(token) })).statusCode).toBe(403);
    await h.t.store.db.updateTable('users').set({ disabled: 1 }).where('id', '=', viewer.id).execute();
    expect((await h.inject({ method: 'GET', url: '/api/v1/organizations', headers: bearer(token) })).statusCode).toBe(401);
  });
});

describe('CSRF rule for cookie sessions', () => {
  let h: Harness;
  let session: string;
  beforeEach(async () => {
    h = await harness();
    session = await h.login();
  });
  afterEach(async () => {
    await h.dispose();
  });
  const create = (headers: Record<string, string>) => h.inject({ method: 'POST', url: '/api/v1/organizations', payload: { name: `O${Math.random()}` }, headers });

  it('refuses a cookie-authenticated write without Origin or X-Requested-With', async () => {
    const r = await create({ cookie: session });
    expect(r.statusCode).toBe(403);
    expect(r.json().type).toContain('csrf');
  });
  it('refuses a cross-site Origin, even with X-Requested-With', async () => {
    expect((await create({ cookie: session, origin: 'https://evil.example', 'x-requested-with': 'XMLHttpRequest' })).statusCode).toBe(403);
    expect((await create({ cookie: session, origin: 'null' })).statusCode).toBe(403);
  });
  it('accepts a same-origin Origin, or X-Requested-With when the browser sends no Origin', async () => {
    expect((await create({ cookie: session, origin: 'http://localhost:80', host: 'localhost:80' })).statusCode).toBe(201);
    expect((await create({ cookie: session, origin: 'http://sync.example.com:8443', host: 'SYNC.example.com:8443' })).statusCode).toBe(201);
    expect((await create({ cookie: session, origin: 'http://sync.example.com:8443', host: 'sync.example.com:8080' })).statusCode).toBe(403);
    expect((await create({ cookie: session, 'x-requested-with': 'fetch' })).statusCode).toBe(201);
  });
  it('compares the scheme too: an https Origin is another site than this http server', async () => {
    expect((await create({ cookie: session, origin: 'https://127.0.0.1:8080', host: '127.0.0.1:8080' })).statusCode).toBe(403);
    expect((await create({ cookie: session, origin: 'https://localhost', host: 'localhost:80' })).statusCode).toBe(403);
    const login = await h.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: ADMIN_PASSWORD }, headers: { origin: 'https://127.0.0.1:8080', host: '127.0.0.1:8080' } });
    expect(login.statusCode).toBe(403);
  });
  it('behind a trusted TLS-terminating proxy, takes the scheme (and host) the proxy forwards', async () => {
    const hp = await harness({ trustProxy: true });
    try {
      const cookie = await hp.login();
      const write = (headers: Record<string, string>) => hp.inject({ method: 'POST', url: '/api/v1/organizations', payload: { name: `O${Math.random()}` }, headers: { cookie, ...headers } });
      const viaProxy = { host: '10.0.0.5:8080', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'sync.example.com' };
      expect((await write({ ...viaProxy, origin: 'https://sync.example.com' })).statusCode).toBe(201);
      expect((await write({ ...viaProxy, origin: 'http://sync.example.com' })).statusCode).toBe(403);
      expect((await write({ host: 'sync.example.com', 'x-forwarded-proto': 'https', origin: 'https://sync.example.com' })).statusCode).toBe(201);
    } finally {
      await hp.dispose();
    }
  });
  it('does not apply to bearer tokens or to safe methods', async () => {
    expect((await create(bearer(h.adminToken))).statusCode).toBe(201);
    expect((await h.inject({ method: 'GET', url: '/api/v1/organizations', headers: { cookie: session, origin: 'https://evil.example' } })).statusCode).toBe(200);
  });
  it('refuses a cross-site login', async () => {
    const r = await h.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: ADMIN_PASSWORD }, headers: { origin: 'https://evil.example' } });
    expect(r.statusCode).toBe(403);
  });
});

describe('passwords', () => {
  it('hashes with scrypt and a random salt; verifies only the right password', async () => {
    const a = await hashPassword('s3cret-pass');
    const b = await hashPassword('s3cret-pass');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('s3cret-pass');
    expect(await verifyPassword('s3cret-pass', a)).toBe(true);
    expect(await verifyPassword('s3cret-pasS', a)).toBe(false);
    expect(await verifyPassword('s3cret-pass', 'plain')).toBe(false);
  });
});
