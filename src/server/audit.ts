// The audit helper routes call after a successful admin action:
//
//   await audit(req, 'connection.update', { type: 'connection', id }, { name, changes: diffFields(before, after) });
//
// The actor (user, token, or anonymous when auth is off) and the client IP come from the request;
// the detail is redacted (any key that looks like a secret) before it is stored; `changes` come from
// src/audit/changes.ts, which masks personal values. A write request
// that succeeds without calling audit() is still recorded, generically, by the safety net in
// ./app.ts (`<METHOD> <route>`), so no admin write goes unrecorded.
import type { FastifyRequest } from 'fastify';
import type { AuditActor, AuditLog, AuditTarget } from '../audit/index.js';
import type { Principal } from '../auth/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** null when the app runs without an audit log (unit tests). */
    auditLog: AuditLog | null;
  }
  interface FastifyRequest {
    /** Who is calling; null when unauthenticated (or auth is off). */
    principal: Principal | null;
    /** Set once the handler has written an audit entry for this request. */
    audited: boolean;
  }
}

function actorOf(principal: Principal | null): AuditActor {
  if (!principal) return { name: 'anonymous', kind: 'anonymous' };
  if (principal.kind === 'token') return { name: `${principal.username} (token ${principal.tokenName ?? principal.tokenId})`, kind: 'token' };
  return { name: principal.username, kind: 'user' };
}

/**
 * For a POST that writes nothing (a preview): the safety net must not record it as a write. The
 * audit log holds writes only, so an admin reading it sees what changed, not what was looked at.
 */
export function writesNothing(req: FastifyRequest): void {
  req.audited = true;
}

export async function audit(
  req: FastifyRequest,
  action: string,
  target: AuditTarget | null,
  detail: Record<string, unknown> = {},
  actor: AuditActor = actorOf(req.principal),
): Promise<void> {
  req.audited = true;
  const log = req.server.auditLog;
  if (!log) return;
  await log.record({ actor, action, target, detail, ip: req.ip });
}
