// Per-object sync state of one connection: an organization's or account's link, its operations
// across runs, and the objects whose latest operation failed (or is still pending). Pure data
// access; the plain-language verdict is made by src/sync/views/object-status.ts.
//
// "Latest" orders a key's operations by when they happened — finished_at, else started_at, else
// the run's created_at (a retry of an older run that ends after a newer run is the latest) — then
// by run id and plan position. Operations of cancelled runs (a held plan superseded or cancelled)
// were never sent and are left out everywhere.
//
// Indexes: run_operations_key (key, run_id) finds one key's operations (0003); the lists start from
// run_operations_status (status, key) (0006): only keys that have a failed (or pending) operation
// at all are read, in key order, however long the history of the others.
import { sql } from 'kysely';
import type { DepartmentShadow, MemberShadow } from '../../domain/link.js';
import type { DB, Tx } from '../../store/store.js';
import type { LinkState } from './links.js';
import type { ErrorClassName, Explanation, OperationStatus, RunStatus } from './runs.js';

export type ObjectType = 'account' | 'organization';

/** The operation kinds of one object type. */
const OPERATION_KINDS_OF: Readonly<Record<ObjectType, readonly string[]>> = {
  organization: ['department.create', 'department.update', 'department.delete'],
  account: ['member.create', 'member.update', 'member.disable', 'member.delete'],
};

export const typeOfKind = (kind: string): ObjectType => (kind.startsWith('department.') ? 'organization' : 'account');

export interface ObjectLink {
  type: ObjectType;
  key: string;
  /** The WeCom userid, or the department id as a string. */
  wecomId: string;
  origin: 'created' | 'matched';
  state: LinkState;
  /** The values last written to WeCom (null: unknown, e.g. just adopted or pending). */
  shadow: MemberShadow | DepartmentShadow | null;
  updatedAt: string;
  /** The run and operation that last wrote the link. */
  runId: string | null;
  opId: string | null;
}

export interface ObjectOperation {
  runId: string;
  runKind: string;
  runStatus: RunStatus;
  opId: string;
  kind: string;
  key: string;
  status: OperationStatus;
  errcode: number | null;
  errmsg: string | null;
  errorClass: ErrorClassName | null;
  explanation: Explanation | null;
  note: string | null;
  attempts: number;
  reason: { cause: string; detail?: string };
  /** When it happened: finished, else started, else when its run was created (a pending operation). */
  at: string;
}

const json = <T>(s: string | null): T | null => (s === null ? null : (JSON.parse(s) as T));

// ------------------------------------------------------------------ links

type LinkRow = { key: string; wecom_id: string | number; origin: string; shadow: string | null; state: string; updated_at: string; run_id: string | null; op_id: string | null };

function toLink(type: ObjectType, r: LinkRow): ObjectLink {
  return {
    type,
    key: r.key,
    wecomId: String(r.wecom_id),
    origin: r.origin as ObjectLink['origin'],
    state: r.state as LinkState,
    shadow: json<MemberShadow | DepartmentShadow>(r.shadow),
    updatedAt: r.updated_at,
    runId: r.run_id,
    opId: r.op_id,
  };
}

const MEMBER_LINK = ['account_id as key', 'userid as wecom_id', 'origin', 'shadow', 'state', 'updated_at', 'run_id', 'op_id'] as const;
const DEPARTMENT_LINK = ['org_id as key', 'department_id as wecom_id', 'origin', 'shadow', 'state', 'updated_at', 'run_id', 'op_id'] as const;

async function linkRows(db: DB | Tx, connectionId: string, type: ObjectType, keys: readonly string[]): Promise<LinkRow[]> {
  if (keys.length === 0) return [];
  return type === 'account'
    ? db.selectFrom('member_links').select(MEMBER_LINK).where('connection_id', '=', connectionId).where('account_id', 'in', [...keys]).execute()
    : db.selectFrom('department_links').select(DEPARTMENT_LINK).where('connection_id', '=', connectionId).where('org_id', 'in', [...keys]).execute();
}

/** The link of one organization or account, or null. */
export async function objectLink(db: DB | Tx, connectionId: string, type: ObjectType, key: string): Promise<ObjectLink | null> {
  const [r] = await linkRows(db, connectionId, type, [key]);
  return r ? toLink(type, r) : null;
}

/** The links of these keys (one type), by key. */
export async function objectLinks(db: DB | Tx, connectionId: string, type: ObjectType, keys: readonly string[]): Promise<Map<string, ObjectLink>> {
  return new Map((await linkRows(db, connectionId, type, keys)).map((r) => [r.key, toLink(type, r)]));
}

/** Keys of pending links (a create sent, its answer not recorded), in key order, after `after`. */
export async function pendingLinkKeys(db: DB | Tx, connectionId: string, opts: { type?: ObjectType; after?: string; limit: number }): Promise<Array<{ type: ObjectType; key: string }>> {
  const types: ObjectType[] = opts.type ? [opts.type] : ['account', 'organization'];
  const out: Array<{ type: ObjectType; key: string }> = [];
  for (const type of types) {
    const rows =
      type === 'account'
        ? await db
            .selectFrom('member_links')
            .select('account_id as key')
            .where('connection_id', '=', connectionId)
            .where('state', '=', 'pending')
            .$if(opts.after !== undefined, (q) => q.where('account_id', '>', opts.after!))
            .orderBy('account_id')
            .limit(opts.limit)
            .execute()
        : await db
            .selectFrom('department_links')
            .select('org_id as key')
            .where('connection_id', '=', connectionId)
            .where('state', '=', 'pending')
            .$if(opts.after !== undefined, (q) => q.where('org_id', '>', opts.after!))
            .orderBy('org_id')
            .limit(opts.limit)
            .execute();
    for (const r of rows) out.push({ type, key: r.key });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).slice(0, opts.limit);
}

// ------------------------------------------------------------------ operations

type OpRow = {
  run_id: string; run_kind: string; run_status: string; op_id: string; kind: string; key: string; status: string; errcode: number | string | null;
  errmsg: string | null; error_class: string | null; explanation: string | null; note: string | null; attempts: number | string; reason: string; at: string;
};

function toOperation(r: OpRow): ObjectOperation {
  const reason = JSON.parse(r.reason) as { cause: string; detail?: string };
  return {
    runId: r.run_id,
    runKind: r.run_kind,
    runStatus: r.run_status as RunStatus,
    opId: r.op_id,
    kind: r.kind,
    key: r.key,
    status: r.status as OperationStatus,
    errcode: r.errcode === null ? null : Number(r.errcode),
    errmsg: r.errmsg,
    errorClass: r.error_class as ErrorClassName | null,
    explanation: json<Explanation>(r.explanation),
    note: r.note,
    attempts: Number(r.attempts),
    reason: { cause: reason.cause, ...(reason.detail !== undefined ? { detail: reason.detail } : {}) },
    at: r.at,
  };
}

/** When an operation happened (see the header): an expression over the aliases `op` and `run`. */
const atOf = (op: string, run: string) => sql<string>`coalesce(${sql.ref(`${op}.finished_at`)}, ${sql.ref(`${op}.started_at`)}, ${sql.ref(`${run}.created_at`)})`;

function operationsQuery(db: DB | Tx, connectionId: string) {
  return db
    .selectFrom('run_operations as o')
    .innerJoin('runs as r', 'r.id', 'o.run_id')
    .select([
      'o.run_id', 'r.kind as run_kind', 'r.status as run_status', 'o.op_id', 'o.kind', 'o.key', 'o.status', 'o.errcode', 'o.errmsg', 'o.error_class',
      'o.explanation', 'o.note', 'o.attempts', 'o.reason', atOf('o', 'r').as('at'),
    ])
    .where('r.connection_id', '=', connectionId)
    .where('r.status', '!=', 'cancelled');
}

/**
 * The operations on one object in this connection's runs, newest first (at most `limit`). The
 * first is the object's latest operation.
 */
export async function objectOperations(db: DB | Tx, connectionId: string, type: ObjectType, key: string, limit = 20): Promise<ObjectOperation[]> {
  const rows = await operationsQuery(db, connectionId)
    .where('o.key', '=', key)
    .where('o.kind', 'in', [...OPERATION_KINDS_OF[type]])
    .orderBy(atOf('o', 'r'), 'desc')
    .orderBy('o.run_id', 'desc')
    .orderBy('o.seq', 'desc')
    .limit(limit)
    .execute();
  return (rows as OpRow[]).map(toOperation);
}

/** The latest operation of each of these keys in this connection, by key (one query, a key's operations ranked). */
export async function latestOperationsOf(db: DB | Tx, connectionId: string, keys: readonly string[]): Promise<Map<string, ObjectOperation>> {
  const out = new Map<string, ObjectOperation>();
  for (const part of chunks([...new Set(keys)], 500)) {
    const ranked = operationsQuery(db, connectionId)
      .select(sql<number>`row_number() over (partition by o.key order by ${atOf('o', 'r')} desc, o.run_id desc, o.seq desc)`.as('rn'))
      .where('o.key', 'in', part);
    const rows = await db.selectFrom(ranked.as('t')).selectAll().where('t.rn', '=', 1).execute();
    for (const r of rows as unknown as OpRow[]) out.set(r.key, toOperation(r));
  }
  return out;
}

const chunks = <T>(xs: T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

/**
 * Keys with an operation of this status in the connection's runs, in key order after `after`.
 * One status per query, so that run_operations_status (status, key) gives the order.
 */
async function keysWithStatus(db: DB | Tx, connectionId: string, status: OperationStatus, opts: { type?: ObjectType; after?: string; limit: number }): Promise<string[]> {
  const rows = await db
    .selectFrom('run_operations as o')
    .innerJoin('runs as r', 'r.id', 'o.run_id')
    .select('o.key')
    .distinct()
    .where('o.status', '=', status)
    .where('r.connection_id', '=', connectionId)
    .where('r.status', '!=', 'cancelled')
    .$if(opts.type !== undefined, (q) => q.where('o.kind', 'in', [...OPERATION_KINDS_OF[opts.type!]]))
    .$if(opts.after !== undefined, (q) => q.where('o.key', '>', opts.after!))
    .orderBy('o.key')
    .limit(opts.limit)
    .execute();
  return rows.map((r) => r.key);
}

/**
 * Objects whose latest operation in this connection has one of `statuses`, in key order after
 * `after` (keyset paging), at most `limit`, with that operation. E.g. ['failed', 'skipped']: what
 * is broken now — an object that failed in one run and succeeded in a later one is not listed.
 * Candidates (keys with such an operation at all) are read in key order, a batch at a time, and
 * kept when their latest operation still has that status.
 */
export async function latestOperationsWithStatus(
  db: DB | Tx,
  connectionId: string,
  statuses: readonly OperationStatus[],
  opts: { type?: ObjectType; after?: string; limit: number },
): Promise<ObjectOperation[]> {
  const out: ObjectOperation[] = [];
  const batch = Math.max(opts.limit, 100);
  let after = opts.after;
  for (;;) {
    const lists = await Promise.all(statuses.map((s) => keysWithStatus(db, connectionId, s, { ...opts, ...(after !== undefined ? { after } : {}), limit: batch })));
    // keys up to the smallest last key of a full list are complete; beyond it, a full list may hold more
    const full = lists.filter((l) => l.length === batch).map((l) => l[l.length - 1]!);
    const frontier = full.length > 0 ? full.reduce((a, b) => (b < a ? b : a)) : undefined;
    const keys = [...new Set(lists.flat())].filter((k) => frontier === undefined || k <= frontier).sort();
    const latest = await latestOperationsOf(db, connectionId, keys);
    for (const k of keys) {
      const op = latest.get(k);
      if (op && statuses.includes(op.status)) out.push(op);
      if (out.length === opts.limit) return out;
    }
    if (frontier === undefined) return out;
    after = frontier;
  }
}

// ------------------------------------------------------------------ the directory side

interface DirectoryObject {
  name: string;
  /** 'enabled' | 'disabled' */
  status: string;
}

/** Names (display name or organization name) and statuses of directory objects that still exist, by id. */
export async function directoryObjects(db: DB | Tx, type: ObjectType, ids: readonly string[]): Promise<Map<string, DirectoryObject>> {
  const out = new Map<string, DirectoryObject>();
  if (ids.length === 0) return out;
  const rows =
    type === 'account'
      ? await db.selectFrom('accounts').select(['id', 'display_name as name', 'status']).where('id', 'in', [...ids]).execute()
      : await db.selectFrom('organizations').select(['id', 'name', 'status']).where('id', 'in', [...ids]).execute();
  for (const r of rows) out.set(r.id, { name: r.name, status: r.status });
  return out;
}

/** The object's latest change-feed entry (changes_object index), or null. */
export async function latestChange(db: DB | Tx, type: ObjectType, id: string): Promise<{ seq: number; occurredAt: string } | null> {
  const r = await db
    .selectFrom('changes')
    .select(['seq', 'occurred_at'])
    .where('object_type', '=', type)
    .where('object_id', '=', id)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? { seq: Number(r.seq), occurredAt: r.occurred_at } : null;
}
