// Users (admin) and changing your own password.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, type Harness, PROBLEM, VIEWER_PASSWORD, bearer, harness } from './harness.js';

describe('users', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.dispose();
  });
  const admin = () => bearer(h.adminToken);

  it('creates, lists and updates users; never shows password hashes', async () => {
    const created = await h.inject({ method: 'POST', url: '/api/v1/users', payload: { username: 'ops', password: 'ops-password-1', role: 'viewer' }, headers: admin() });
    expect(created.statusCode).toBe(201);
    const ops = created.json();
    expect(ops).toMatchObject({ username: 'ops', role: 'viewer', disabled: false });
    const list = await h.inject({ method: 'GET', url: '/api/v1/users', headers: admin() });
    expect(list.json().items.map((u: { username: string }) => u.username)).toEqual(['admin', 'viewer', 'ops']);
    expect(list.body).not.toContain('scrypt');

    const session = await h.login('ops', 'ops-password-1');
    const promoted = await h.inject({ method: 'PATCH', url: `/api/v1/users/${ops.id}`, payload: { role: 'admin' }, headers: admin() });
    expect(promoted.json()).toMatchObject({ role: 'admin' });
    // Roles are read on every request: the existing session is now admin.
    expect((await h.inject({ method: 'GET', url: '/api/v1/users', headers: { cookie: session } })).statusCode).toBe(200);
    await h.inject({ method: 'PATCH', url: `/api/v1/users/${ops.id}`, payload: { disabled: true }, headers: admin() });
    expect((await h.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: session } })).statusCode).toBe(401);
    const login = await h.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'ops', password: 'ops-password-1' } });
    expect(login.statusCode).toBe(401);

    const actions = (await h.auditLog.list({ targetType: 'user' })).items.map((e) => [e.action, e.detail]);
    expect(actions).toContainEqual(['user.update', { username: 'ops', fields: ['disabled'], disabled: true, changes: [{ field: 'disabled', before: false, after: true }] }]);
    expect(JSON.stringify(actions)).not.toContain('ops-password-1');
  });

  it('validates input, refuses duplicates, and keeps one active admin', async () => {
    const bad = await h.inject({ method: 'POST', url: '/api/v1/users', payload: { username: 'a b', password: 'short', role: 'root' }, headers: admin() });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field).sort()).toEqual(['password', 'role', 'username']);
    const dup = await h.inject({ method: 'POST', url: '/api/v1/users', payload: { username: 'VIEWER', password: 'long-enough-1', role: 'viewer' }, headers: admin() });
    expect(dup.statusCode).toBe(409);
    expect(dup.headers['content-type']).toContain(PROBLEM);
    expect((await h.inject({ method: 'PATCH', url: '/api/v1/users/usr_x', payload: {}, headers: admin() })).statusCode).toBe(400);
    expect((await h.inject({ method: 'PATCH', url: '/api/v1/users/usr_x', payload: { role: 'viewer' }, headers: admin() })).statusCode).toBe(404);
    const me = (await h.auth.findUser('admin'))!;
    const last = await h.inject({ method: 'PATCH', url: `/api/v1/users/${me.id}`, payload: { role: 'viewer' }, headers: admin() });
    expect(last.statusCode).toBe(409);
    expect(last.json().errors).toEqual([{ field: 'role', message: expect.stringContaining('last active admin'), code: 'invalid.last-admin' }]);
    expect((await h.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(h.viewerToken) })).statusCode).toBe(403);
    expect((await h.inject({ method: 'POST', url: '/api/v1/users', payload: {} })).statusCode).toBe(401);
  });

  it('lets a signed-in user change their own password, ending their other sessions', async () => {
    const first = await h.login('viewer', VIEWER_PASSWORD);
    const second = await h.login('viewer', VIEWER_PASSWORD);
    const change = (cookie: string, currentPassword: string, newPassword = 'brand-new-pass') =>
      h.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { currentPassword, newPassword }, headers: { cookie, 'x-requested-with': 'x' } });
    expect((await change(second, 'not-it')).statusCode).toBe(403);
    expect((await change(second, VIEWER_PASSWORD, 'short')).statusCode).toBe(400);
    expect((await change(second, VIEWER_PASSWORD)).statusCode).toBe(204);
    expect((await h.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: second } })).statusCode).toBe(200);
    expect((await h.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: first } })).statusCode).toBe(401);
    await h.login('viewer', 'brand-new-pass');
    const viaToken = await h.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { currentPassword: ADMIN_PASSWORD, newPassword: 'whatever-123' }, headers: admin() });
    expect(viaToken.statusCode).toBe(403);
  });
});
