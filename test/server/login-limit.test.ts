// The sign-in limit holds under parallel attempts, across processes sharing one database, and for
// the current-password check of POST /auth/password: an attempt is counted before its password is
// checked, so a burst cannot all pass the check before the first failure is recorded.
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthService, LoginRateLimiter } from '../../src/auth/index.js';
import { Directory } from '../../src/directory/directory.js';
import { buildApp } from '../../src/server/app.js';
import { BACKENDS, sqliteBackend } from '../store/backends.js';
import { ADMIN_PASSWORD, type Harness, VIEWER_PASSWORD, harness } from './harness.js';

const statuses = (rs: LightMyRequestResponse[]): Record<number, number> => {
  const out: Record<number, number> = {};
  for (const r of rs) out[r.statusCode] = (out[r.statusCode] ?? 0) + 1;
  return out;
};

describe.each(BACKENDS)('the sign-in limit on $name', (backend) => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ backend });
  });
  afterEach(async () => {
    await h.dispose();
  });
  const login = (username: string, password: string, ip = '10.0.0.1', app = h.app) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress: ip });

  it('checks at most 5 passwords of 200 parallel attempts for one user; the rest get 429 without a check', async () => {
    const rs = await Promise.all(Array.from({ length: 200 }, (_, i) => login('admin', `wrong-password-${i}`)));
    expect(statuses(rs)).toEqual({ 401: 5, 429: 195 });
    expect(rs.find((r) => r.statusCode === 429)!.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('lets a right password sent inside a burst of 40 wrong ones sign in only if it was among the first 5 attempts', async () => {
    const rs = await Promise.all([...Array.from({ length: 40 }, (_, i) => login('admin', `wrong-password-${i}`)), login('admin', ADMIN_PASSWORD)]);
    const s = statuses(rs);
    // 5 passwords were checked in all: 5 wrong ones, or 4 wrong ones and the right one
    expect((s[401] ?? 0) + (s[200] ?? 0)).toBe(5);
    expect(s[429]).toBe(36);
  });

  it('checks at most 50 passwords per IP across usernames', async () => {
    const rs = await Promise.all(Array.from({ length: 120 }, (_, i) => login(`user${i}`, 'wrong-password')));
    expect(statuses(rs)).toEqual({ 401: 50, 429: 70 });
    // another IP is not affected
    expect((await login('admin', ADMIN_PASSWORD, '10.0.0.2')).statusCode).toBe(200);
  });

  it('shares the count between processes on one database', async () => {
    const other = await h.t.reopen();
    const app2 = buildApp({ directory: new Directory(other), store: other, auth: new AuthService(other) });
    await app2.ready();
    try {
      const rs = await Promise.all(Array.from({ length: 60 }, (_, i) => login('admin', `wrong-password-${i}`, '10.0.0.1', i % 2 === 0 ? h.app : app2)));
      expect(statuses(rs)).toEqual({ 401: 5, 429: 55 });
    } finally {
      await app2.close();
    }
  });

  it('a successful sign-in clears its username+IP count and does not count against the IP', async () => {
    for (let i = 0; i < 4; i++) expect((await login('admin', 'wrong-password')).statusCode).toBe(401);
    expect((await login('admin', ADMIN_PASSWORD)).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await login('admin', 'wrong-password')).statusCode).toBe(401);
    expect((await login('admin', ADMIN_PASSWORD)).statusCode).toBe(429);
    expect((await login('viewer', VIEWER_PASSWORD)).statusCode).toBe(200);
  });

  it('applies the same limit to the current password of POST /auth/password', async () => {
    const cookie = await h.login('viewer', VIEWER_PASSWORD);
    const change = (currentPassword: string) =>
      h.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { currentPassword, newPassword: 'a-new-password-1' }, headers: { cookie, 'x-requested-with': 'x' }, remoteAddress: '10.0.0.9' });
    const rs: LightMyRequestResponse[] = [];
    for (let i = 0; i < 12; i++) rs.push(await change(`wrong-current-${i}`));
    expect(rs.map((r) => r.statusCode)).toEqual([...Array(5).fill(403), ...Array(7).fill(429)]);
    expect(rs[11]!.headers['retry-after']).toMatch(/^\d+$/);
    expect(rs[11]!.headers['content-type']).toContain('application/problem+json');
    // even the right current password waits now
    expect((await change(VIEWER_PASSWORD)).statusCode).toBe(429);
    // parallel guesses are bounded too
    const other = await h.login('admin', ADMIN_PASSWORD);
    const burst = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        h.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { currentPassword: `guess-${i}`, newPassword: 'a-new-password-1' }, headers: { cookie: other, 'x-requested-with': 'x' }, remoteAddress: '10.0.0.8' }),
      ),
    );
    expect(statuses(burst)).toEqual({ 403: 5, 429: 25 });
  });
});

describe('the limiter’s window', () => {
  it('forgets attempts after the window', async () => {
    const t = await sqliteBackend.open();
    try {
      let now = 0;
      const l = new LoginRateLimiter(t.store, { maxPerKey: 2, windowMs: 1000, now: () => now });
      expect(await l.admit('a', 'ip')).toBe(0);
      expect(await l.admit('A', 'ip')).toBe(0);
      expect(await l.admit('a', 'ip')).toBe(1);
      now = 999;
      expect(await l.admit('a', 'ip')).toBe(1);
      now = 1000;
      expect(await l.admit('a', 'ip')).toBe(0);
      // expired counters are removed from the store
      now = 5000;
      expect(await l.admit('b', 'ip2')).toBe(0);
      expect((await t.store.db.selectFrom('login_attempts').select('key').execute()).map((r) => r.key).sort()).toEqual(['ip:ip2', 'u:ip2/b']);
    } finally {
      await t.dispose();
    }
  });
});
