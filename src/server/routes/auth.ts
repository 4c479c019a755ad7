// /api/v1/auth: console sign-in with a session cookie.
//   POST /auth/login   {username, password} → 200 {user, expiresAt} + Set-Cookie; 401 wrong; 429 throttled
//   POST /auth/logout  ends the session (204) and clears the cookie
//   GET  /auth/me      who is calling (user or token) and with which role
import { coded } from '../../messages/index.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuthService } from '../../auth/index.js';
import { audit } from '../audit.js';
import { SESSION_COOKIE, readCookie, sessionCookie } from '../cookies.js';
import { ProblemError, problem } from '../problem.js';
import { defineRoute } from '../route.js';

const role = z.enum(['admin', 'viewer']);
const loginBody = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export const userSchema = z.object({ id: z.string(), username: z.string(), role, createdAt: z.string(), disabled: z.boolean() }).meta({ id: 'User' });
const loginResponse = z.object({ user: userSchema, expiresAt: z.string().describe('when the session ends (ISO 8601)') }).meta({ id: 'Session' });
const meResponse = z.object({
  kind: z.enum(['user', 'token']),
  userId: z.string(),
  username: z.string(),
  role,
  tokenId: z.string().optional(),
  tokenName: z.string().optional(),
}).meta({ id: 'Me' });

/** The 429 of the sign-in limit (sign-in, and the current password of POST /auth/password). */
export const tooManyAttempts = (retryAfterSeconds: number): ProblemError =>
  new ProblemError(problem(429, coded('error.too-many-sign-ins', { seconds: retryAfterSeconds })), { 'retry-after': String(retryAfterSeconds) });

/** Secure cookies when the request came over HTTPS (X-Forwarded-Proto counts when trustProxy is set). */
const isHttps = (req: FastifyRequest): boolean => req.protocol === 'https';

export async function authRoutes(app: FastifyInstance, opts: { auth: AuthService }): Promise<void> {
  const auth = opts.auth;

  defineRoute(
    app,
    {
      method: 'POST',
      url: '/auth/login',
      operationId: 'login',
      summary: 'Sign in and receive a session cookie',
      description: `Sets an HttpOnly, SameSite=Strict cookie \`${SESSION_COOKIE}\` (Secure over HTTPS). At most ${auth.limiter.maxPerKey} failed attempts per username and client IP in ${auth.limiter.windowMs / 60_000} minutes (and ${auth.limiter.maxPerIp} per IP), then 429 with Retry-After.`,
      tags: ['auth'],
      access: 'public',
      body: loginBody,
      responses: {
        200: { description: 'Signed in', schema: loginResponse, headers: { 'set-cookie': 'the session cookie' } },
        401: { description: 'Wrong username or password' },
        429: { description: 'Too many failed attempts; see Retry-After', headers: { 'retry-after': 'seconds to wait' } },
      },
    },
    async ({ body }, req, reply) => {
      const result = await auth.login(body.username, body.password, req.ip);
      const who = { name: body.username, kind: 'anonymous' as const };
      if (!result.ok && result.reason === 'rate-limited') {
        await audit(req, 'auth.login.rate-limited', { type: 'user', id: body.username }, {}, who);
        throw tooManyAttempts(result.retryAfterSeconds);
      }
      if (!result.ok) {
        await audit(req, 'auth.login.failure', { type: 'user', id: body.username }, {}, who);
        throw new ProblemError(problem(401, coded('error.wrong-credentials'), [], 'invalid-credentials'));
      }
      req.principal = { kind: 'user', userId: result.user.id, username: result.user.username, role: result.user.role };
      await audit(req, 'auth.login', { type: 'user', id: result.user.id }, { username: result.user.username });
      reply.header('set-cookie', sessionCookie(result.sessionSecret, { maxAgeSeconds: auth.sessionTtlMs / 1000, secure: isHttps(req) }));
      return { user: result.user, expiresAt: result.expiresAt };
    },
  );

  defineRoute(
    app,
    {
      method: 'POST',
      url: '/auth/logout',
      operationId: 'logout',
      summary: 'End the current session',
      tags: ['auth'],
      access: 'authenticated',
      responses: { 204: { description: 'Signed out; the cookie is cleared' } },
    },
    async (_input, req, reply) => {
      const sid = readCookie(req.headers.cookie, SESSION_COOKIE);
      if (sid && req.principal?.kind === 'user') await auth.logout(sid);
      await audit(req, 'auth.logout', { type: 'user', id: req.principal?.userId ?? null }, req.principal ? { username: req.principal.username } : {});
      return reply.code(204).header('set-cookie', sessionCookie('', { maxAgeSeconds: 0, secure: isHttps(req) })).send();
    },
  );

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/auth/me',
      operationId: 'me',
      summary: 'Who is calling',
      tags: ['auth'],
      access: 'authenticated',
      responses: { 200: { description: 'The caller', schema: meResponse } },
    },
    async (_input, req) => {
      const p = req.principal!;
      return { kind: p.kind, userId: p.userId, username: p.username, role: p.role, ...(p.tokenId ? { tokenId: p.tokenId, tokenName: p.tokenName } : {}) };
    },
  );
}
