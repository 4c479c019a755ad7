// GET /api/v1/audit: the audit log, newest first, paged with `before` (admin only).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AuditLog } from '../../audit/index.js';
import { defineRoute } from '../route.js';

const entry = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  actorKind: z.enum(['user', 'token', 'system', 'anonymous']),
  action: z.string().describe('e.g. organization.create, auth.login.failure, token.revoke'),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  detail: z
    .record(z.string(), z.unknown())
    .describe('the object by name (name, username, path) and, for writes, `changes`: [{field, before?, after?, kind?}] — kind "masked": personal data masked; "secret": changed, no value; secrets are never recorded'),
  ip: z.string().nullable(),
}).meta({ id: 'AuditEntry' });
const query = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  before: z.string().max(64).optional().describe('the nextCursor of the previous page'),
  action: z.string().max(100).optional(),
  actor: z.string().max(200).optional(),
  targetType: z.string().max(64).optional(),
  targetId: z.string().max(200).optional(),
});

export async function auditRoutes(app: FastifyInstance, opts: { auditLog: AuditLog }): Promise<void> {
  defineRoute(
    app,
    {
      method: 'GET',
      url: '/audit',
      operationId: 'listAudit',
      summary: 'Read the audit log',
      tags: ['audit'],
      access: 'admin',
      query,
      responses: { 200: { description: 'A page of entries, newest first', schema: z.object({ items: z.array(entry), nextCursor: z.string().nullable() }) } },
    },
    async ({ query: q }) => opts.auditLog.list(Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined))),
  );
}
