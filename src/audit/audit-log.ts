// The audit log: who did what to which object, when, from where. Entries are append-only; the
// detail is JSON with secrets redacted (./redact.ts) before it reaches the store.
import { type DB, type Store, type Tx, newId } from '../store/index.js';
import type { AuditLogTable } from '../store/tables/auth.js';
import { redactSecrets } from './redact.js';

export type ActorKind = 'user' | 'token' | 'system' | 'anonymous';

export interface AuditActor {
  /** A username, `token:<name>` … anything a human recognises. */
  name: string;
  kind: ActorKind;
}

export interface AuditTarget {
  type: string;
  id?: string | null;
}

interface AuditEntryInput {
  actor: AuditActor;
  /** Dotted verb, e.g. `organization.create`, `auth.login.failure`, `token.revoke`. */
  action: string;
  target?: AuditTarget | null;
  detail?: Record<string, unknown>;
  ip?: string | null;
}

interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  actorKind: ActorKind;
  action: string;
  targetType: string | null;
  targetId: string | null;
  detail: Record<string, unknown>;
  ip: string | null;
}

interface AuditPage {
  items: AuditEntry[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

interface AuditQuery {
  limit?: number;
  /** Entries older than this entry id. */
  before?: string;
  action?: string;
  actor?: string;
  targetType?: string;
  targetId?: string;
}

const fromRow = (r: AuditLogTable): AuditEntry => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  actorKind: r.actor_kind,
  action: r.action,
  targetType: r.target_type,
  targetId: r.target_id,
  detail: JSON.parse(r.detail) as Record<string, unknown>,
  ip: r.ip,
});

export class AuditLog {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** `db`: a write transaction, when the entry must commit with the write it records (SCIM writes). */
  async record(e: AuditEntryInput, db: DB | Tx = this.store.db): Promise<AuditEntry> {
    const row: AuditLogTable = {
      id: newId('aud'),
      at: this.now().toISOString(),
      actor: e.actor.name,
      actor_kind: e.actor.kind,
      action: e.action,
      target_type: e.target?.type ?? null,
      target_id: e.target?.id ?? null,
      detail: JSON.stringify(redactSecrets(e.detail ?? {})),
      ip: e.ip ?? null,
    };
    await db.insertInto('audit_log').values(row).execute();
    return fromRow(row);
  }

  /** Newest first; ids are time-sortable, so `before` pages backwards in time. */
  async list(q: AuditQuery = {}): Promise<AuditPage> {
    const limit = q.limit ?? 100;
    let sel = this.store.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(limit + 1);
    if (q.before) sel = sel.where('id', '<', q.before);
    if (q.action) sel = sel.where('action', '=', q.action);
    if (q.actor) sel = sel.where('actor', '=', q.actor);
    if (q.targetType) sel = sel.where('target_type', '=', q.targetType);
    if (q.targetId) sel = sel.where('target_id', '=', q.targetId);
    const rows = await sel.execute();
    const items = rows.slice(0, limit).map(fromRow);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
  }
}
