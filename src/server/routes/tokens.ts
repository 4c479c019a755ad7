// /api/v1/tokens: API tokens for automation (admin only).
//   POST   /tokens       {name, role?} → 201 {token, …}; the token text is shown this once
//   GET    /tokens       active tokens (?includeRevoked=true for all), never the token text
//   DELETE /tokens/:id   revoke (204); the token stops working at once
import { coded } from '../../messages/index.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AuthService } from '../../auth/index.js';
import { audit } from '../audit.js';
import { ProblemError, problem } from '../problem.js';
import { defineRoute } from '../route.js';

const role = z.enum(['admin', 'viewer']);
const tokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  role,
  userId: z.string().describe('the user the token acts for'),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable().describe('updated at most once a minute'),
  revokedAt: z.string().nullable(),
}).meta({ id: 'Token' });
const createBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: role.optional().describe('default viewer; never more than the creator’s role'),
});
const createResponse = tokenSchema.extend({ token: z.string().describe('`wst_…`; shown only in this response') }).meta({ id: 'TokenCreated' });
const idParams = z.strictObject({ id: z.string().min(1).max(64) });
const listQuery = z.strictObject({ includeRevoked: z.enum(['true', 'false']).optional() });

export async function tokenRoutes(app: FastifyInstance, opts: { auth: AuthService }): Promise<void> {
  const auth = opts.auth;

  defineRoute(
    app,
    {
      method: 'POST',
      url: '/tokens',
      operationId: 'createToken',
      summary: 'Create an API token',
      description: 'Use it as `Authorization: Bearer wst_…`. Only its SHA-256 digest is stored: copy it now.',
      tags: ['tokens'],
      access: 'admin',
      body: createBody,
      responses: { 201: { description: 'Created; `token` is shown only now', schema: createResponse } },
    },
    async ({ body }, req, reply) => {
      const { token, record } = await auth.createToken(req.principal!, body.name, body.role ?? 'viewer');
      await audit(req, 'token.create', { type: 'token', id: record.id }, { name: record.name, role: record.role });
      return reply.code(201).header('cache-control', 'no-store').send({ ...record, token });
    },
  );

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/tokens',
      operationId: 'listTokens',
      summary: 'List API tokens (without their text)',
      tags: ['tokens'],
      access: 'admin',
      query: listQuery,
      responses: { 200: { description: 'The tokens, oldest first', schema: z.object({ items: z.array(tokenSchema) }) } },
    },
    async ({ query }) => ({ items: await auth.listTokens({ includeRevoked: query.includeRevoked === 'true' }) }),
  );

  defineRoute(
    app,
    {
      method: 'DELETE',
      url: '/tokens/:id',
      operationId: 'revokeToken',
      summary: 'Revoke an API token',
      tags: ['tokens'],
      access: 'admin',
      params: idParams,
      responses: { 204: { description: 'Revoked' }, 404: { description: 'No such token' } },
    },
    async ({ params }, req, reply) => {
      const t = await auth.revokeToken(params.id);
      if (!t) throw new ProblemError(problem(404, coded('error.token-not-found', { id: params.id })));
      await audit(req, 'token.revoke', { type: 'token', id: t.id }, { name: t.name });
      return reply.code(204).send();
    },
  );
}
