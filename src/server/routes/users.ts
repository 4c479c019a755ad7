// /api/v1/users (admin) and /api/v1/auth/password (any signed-in user).
//   GET   /users          the users (never their password hashes)
//   POST  /users          {username, password, role} → 201
//   PATCH /users/:id      {role?, disabled?, password?}; disabling or a new password ends their sessions;
//                         the last active admin cannot be demoted or disabled (409)
//   POST  /auth/password  {currentPassword, newPassword}: change your own password; your other sessions end
import { fieldError } from '../../domain/common.js';
import { coded } from '../../messages/index.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type AuthService, PASSWORD_MIN_LENGTH } from '../../auth/index.js';
import { diffFields, fieldChange } from '../../audit/index.js';
import { audit } from '../audit.js';
import { SESSION_COOKIE, readCookie } from '../cookies.js';
import { ProblemError, problem } from '../problem.js';
import { defineRoute } from '../route.js';
import { tooManyAttempts, userSchema } from './auth.js';

const role = z.enum(['admin', 'viewer']);
const password = z.string().min(PASSWORD_MIN_LENGTH).max(256);
const createBody = z.strictObject({
  username: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'must be 1–64 letters, digits, ".", "_", "@" or "-"'),
  password,
  role,
});
const patchBody = z
  .strictObject({ role: role.optional(), disabled: z.boolean().optional(), password: password.optional() })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'give at least one of role, disabled, password' });
const idParams = z.strictObject({ id: z.string().min(1).max(64) });
const passwordBody = z.strictObject({ currentPassword: z.string().min(1).max(256), newPassword: password });

export async function userRoutes(app: FastifyInstance, opts: { auth: AuthService }): Promise<void> {
  const auth = opts.auth;

  defineRoute(
    app,
    { method: 'GET', url: '/users', operationId: 'listUsers', summary: 'List users', tags: ['users'], access: 'admin', responses: { 200: { description: 'The users', schema: z.object({ items: z.array(userSchema) }) } } },
    async () => ({ items: await auth.listUsers() }),
  );

  defineRoute(
    app,
    {
      method: 'POST',
      url: '/users',
      operationId: 'createUser',
      summary: 'Create a user',
      tags: ['users'],
      access: 'admin',
      body: createBody,
      responses: { 201: { description: 'Created', schema: userSchema }, 409: { description: 'The username is taken' } },
    },
    async ({ body }, req, reply) => {
      const user = await auth.createUser(body.username, body.password, body.role);
      await audit(req, 'user.create', { type: 'user', id: user.id }, { username: user.username, role: user.role });
      return reply.code(201).send(user);
    },
  );

  defineRoute(
    app,
    {
      method: 'PATCH',
      url: '/users/:id',
      operationId: 'updateUser',
      summary: 'Change a user’s role, disable or enable them, or set a new password',
      tags: ['users'],
      access: 'admin',
      params: idParams,
      body: patchBody,
      responses: { 200: { description: 'Updated', schema: userSchema }, 404: { description: 'No such user' }, 409: { description: 'Would leave no active admin' } },
    },
    async ({ params, body }, req) => {
      const before = (await auth.listUsers()).find((u) => u.id === params.id);
      const user = await auth.updateUser(params.id, body);
      if (!user) throw new ProblemError(problem(404, coded('error.user-not-found', { id: params.id })));
      const fields = Object.keys(body).filter((k) => body[k as keyof typeof body] !== undefined);
      // the role and the state before → after; a new password as changed, never its value
      const changes = [
        ...diffFields({ role: before?.role, disabled: before?.disabled }, { role: user.role, disabled: user.disabled }),
        ...(body.password !== undefined ? [fieldChange('password', null, null)] : []),
      ];
      await audit(req, 'user.update', { type: 'user', id: user.id }, { username: user.username, fields, ...(body.role ? { role: body.role } : {}), ...(body.disabled !== undefined ? { disabled: body.disabled } : {}), changes });
      return user;
    },
  );

  defineRoute(
    app,
    {
      method: 'POST',
      url: '/auth/password',
      operationId: 'changePassword',
      summary: 'Change your own password',
      description: 'For signed-in users (not API tokens). Ends your other sessions. Wrong current passwords count against the sign-in limit.',
      tags: ['auth'],
      access: 'authenticated',
      body: passwordBody,
      responses: {
        204: { description: 'Changed' },
        403: { description: 'Called with an API token, or the current password is wrong' },
        429: { description: 'Too many wrong current passwords (the sign-in limit); see Retry-After', headers: { 'retry-after': 'seconds to wait' } },
      },
    },
    async ({ body }, req, reply) => {
      const p = req.principal!;
      if (p.kind !== 'user') throw new ProblemError(problem(403, coded('error.token-cannot-change-password')));
      const result = await auth.changeOwnPassword(p.userId, body.currentPassword, body.newPassword, req.ip, readCookie(req.headers.cookie, SESSION_COOKIE));
      if (!result.ok && result.reason === 'rate-limited') throw tooManyAttempts(result.retryAfterSeconds);
      if (!result.ok) throw new ProblemError(problem(403, coded('error.wrong-current-password'), [fieldError('currentPassword', 'invalid.wrong')]));
      await audit(req, 'user.password.change', { type: 'user', id: p.userId });
      return reply.code(204).send();
    },
  );
}
