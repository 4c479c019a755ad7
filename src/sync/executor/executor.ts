// The executor: runs the stored operations of one run through the WeCom client and records every
// step durably. See ./README.md for the crash-safety argument.
//
//   for each operation, in an order allowed by dependsOn, up to `concurrency` at once:
//     1. record  status=running, attempts+1 (+ for a create: a *pending link* naming the chosen
//        department id / userid)                                 — committed before step 2
//     2. call WeCom
//     3. record  the result and the link change (shadow = shadow + body) in ONE transaction
//                                                                 — committed before dependents start
//
// An operation found 'running' when a run is resumed was interrupted between 1 and 3: WeCom may or
// may not have applied it, so it is sent again as *uncertain*, and "already exists" / "not found"
// answers that an applied first attempt would cause are recognised as success.
import type { Explanation } from '../../domain/errors.js';
import type { DepartmentLink, Links, MemberLink } from '../../domain/link.js';
import type { Operation, Plan } from '../../domain/plan.js';
import { Errcode } from '../../wecom/errors/catalog.js';
import { WeComError, WeComTransportError } from '../../wecom/errors/wecom-error.js';
import type { WeComClient } from '../../wecom/client.js';
import type { Store, Tx } from '../../store/store.js';
import { applyToLinks } from '../planner/apply.js';
import { Journal } from '../state/journal.js';
import {
  deleteDepartmentLink,
  deleteMemberLink,
  loadLinks,
  putDepartmentLink,
  putMemberLink,
  type LinkWriteContext,
  type StoredLinks,
  type StoredDepartmentLink,
  type StoredMemberLink,
} from '../state/links.js';
import {
  finishRun,
  getRun,
  loadOperations,
  markOwnerActive,
  renewLease,
  type ErrorClassName,
  type OperationRecord,
  type OperationStatus,
  type RunError,
  type RunStatus,
  type RunSummary,
} from '../state/runs.js';

/** What the executor needs of the WeCom client (the real client, or anything shaped like it). */
export type SyncClient = Pick<WeComClient, 'department' | 'user'>;

export type ExecutorEvent =
  | { type: 'op-started'; runId: string; opId: string; kind: Operation['kind']; uncertain: boolean }
  | { type: 'op-answered'; runId: string; opId: string; kind: Operation['kind']; status: 'succeeded' | 'failed' }
  | { type: 'op-recorded'; runId: string; opId: string; kind: Operation['kind']; status: OperationStatus }
  | { type: 'run-aborted'; runId: string; reason: string };

export interface ExecuteOptions {
  store: Store;
  client: SyncClient;
  runId: string;
  /** The lease owner recorded on the run (see state/runs.ts). */
  owner: string;
  /** Operations in flight at once (the client's limiter keeps WeCom's budget); default 96. */
  concurrency?: number;
  /**
   * Operations of one WeCom API in flight at once (at most `concurrency`); default half of
   * `concurrency`, at least 1. An API waiting for its budget in the client's limiter then never
   * holds every slot another API could use (department and member creates run side by side, each
   * on its own budget).
   */
  perApiConcurrency?: number;
  /** Lease length; renewed every third of it; default 60 s. */
  leaseMs?: number;
  /** Consecutive transient failures (after the client's own retries) that stop the run; default 20. */
  maxConsecutiveTransientFailures?: number;
  onEvent?: (e: ExecutorEvent) => void;
  /**
   * The run's operations exactly as just stored by the caller in the transaction that started the
   * run (see recordsOfPlan), which saves reading them back; absent = loaded from the store.
   */
  operations?: OperationRecord[];
  /** The connection's links exactly as the caller just loaded them (the pipeline); absent = loaded from the store. */
  links?: StoredLinks;
}

export interface ExecuteResult {
  runId: string;
  /** 'taken-over': the lease was lost to another executor, which finishes the run. */
  status: RunStatus | 'taken-over';
  summary: RunSummary;
  error: RunError | null;
}

interface Outcome {
  status: 'succeeded' | 'failed';
  note?: string;
  errcode?: number | null;
  errmsg?: string;
  errorClass?: ErrorClassName;
  explanation?: Explanation;
  /** apply = store the link the operation's body implies; gone = the object is not in WeCom: drop the link; drop-pending = the create certainly did not happen */
  link: 'apply' | 'gone' | 'drop-pending' | 'keep';
  abort?: boolean;
}

const GONE_MEMBER: Explanation = {
  en: 'The member no longer exists in WeCom (deleted by hand?). Its link was removed; the next run creates it again.',
  zh: '该成员在企业微信中已不存在（可能被手工删除），已解除关联；下次同步将重新创建。',
};
const GONE_DEPARTMENT: Explanation = {
  en: 'The department no longer exists in WeCom (deleted by hand?). Its link was removed; the next run creates it again.',
  zh: '该部门在企业微信中已不存在（可能被手工删除），已解除关联；下次同步将重新创建。',
};

const isCreate = (k: Operation['kind']): boolean => k === 'department.create' || k === 'member.create';

/** The WeCom API an operation calls (its budget in the client's limiter). */
const API_OF: Record<Operation['kind'], string> = {
  'department.create': 'department/create',
  'department.update': 'department/update',
  'department.delete': 'department/delete',
  'member.create': 'user/create',
  'member.update': 'user/update',
  'member.disable': 'user/update',
  'member.delete': 'user/delete',
};

/** Ready operations of one API, first-in first-out; `seq` orders readiness across APIs. */
interface ApiQueue {
  items: Array<{ rec: OperationRecord; seq: number }>;
  head: number;
  inFlight: number;
}

function asOperation(r: OperationRecord): Operation {
  return { id: r.opId, kind: r.kind, key: r.key, target: r.target, body: r.body, dependsOn: r.dependsOn, reason: r.reason } as Operation;
}

/** In-memory view of the connection's links, authoritative while this process holds the run. */
class LinkCache {
  readonly departments = new Map<string, StoredDepartmentLink>();
  readonly members = new Map<string, StoredMemberLink>();
  private readonly deptIds = new Map<number, string>();
  private readonly userids = new Map<string, string>();

  constructor(links: { departments: StoredDepartmentLink[]; members: StoredMemberLink[] }) {
    for (const l of links.departments) this.setDepartment(l);
    for (const l of links.members) this.setMember(l);
  }
  setDepartment(l: StoredDepartmentLink): void {
    this.dropDepartment(l.key);
    this.departments.set(l.key, l);
    this.deptIds.set(l.departmentId, l.key);
  }
  dropDepartment(key: string): void {
    const old = this.departments.get(key);
    if (old && this.deptIds.get(old.departmentId) === key) this.deptIds.delete(old.departmentId);
    this.departments.delete(key);
  }
  setMember(l: StoredMemberLink): void {
    this.dropMember(l.key);
    this.members.set(l.key, l);
    this.userids.set(l.userid.toLowerCase(), l.key);
  }
  dropMember(key: string): void {
    const old = this.members.get(key);
    if (old && this.userids.get(old.userid.toLowerCase()) === key) this.userids.delete(old.userid.toLowerCase());
    this.members.delete(key);
  }
  departmentHolder(id: number): string | undefined {
    return this.deptIds.get(id);
  }
  useridHolder(userid: string): string | undefined {
    return this.userids.get(userid.toLowerCase());
  }
  /** The links of `key` as the planner's types, for applyToLinks. */
  linksOf(op: Operation): Links {
    const d = op.kind.startsWith('department.') ? this.departments.get(op.key) : undefined;
    const m = op.kind.startsWith('member.') ? this.members.get(op.key) : undefined;
    return { departments: d ? [strip(d)] : [], members: m ? [strip(m)] : [] };
  }
}

function strip<T extends { state: unknown }>(l: T): Omit<T, 'state'> {
  const { state: _s, ...rest } = l;
  return rest;
}

function errorOutcome(e: unknown, link: Outcome['link']): Outcome {
  if (e instanceof WeComError) {
    const cls: ErrorClassName = e.class === 'config' ? 'config' : e.class === 'data' ? 'data' : 'retryable';
    // a create whose earlier attempt lost its answer may have been applied: keep the pending link
    const certain = !e.afterLostAnswer;
    return {
      status: 'failed',
      errcode: e.errcode,
      errmsg: e.message,
      errorClass: cls,
      explanation: e.explanation,
      link: link === 'drop-pending' && !certain ? 'keep' : link,
      abort: cls === 'config',
    };
  }
  if (e instanceof WeComTransportError) {
    const cls: ErrorClassName = e.class === 'config' ? 'config' : 'retryable';
    return {
      status: 'failed',
      errcode: null,
      errmsg: e.message,
      errorClass: cls,
      explanation: {
        en: `No answer from WeCom (${e.kind}): ${e.message}`,
        zh: `未收到企业微信的应答（${e.kind}）：${e.message}`,
      },
      // a request that may have reached WeCom leaves the create uncertain
      link: link === 'drop-pending' && !e.beforeSend ? 'keep' : link,
      abort: cls === 'config',
    };
  }
  const msg = e instanceof Error ? e.message : String(e);
  return { status: 'failed', errcode: null, errmsg: msg, errorClass: 'internal', explanation: { en: `Internal error: ${msg}`, zh: `内部错误：${msg}` }, link: link === 'drop-pending' ? 'keep' : link };
}

const codeOf = (e: unknown): number | undefined => (e instanceof WeComError && !e.presend ? e.errcode : undefined);

/**
 * One WeCom call for one operation, with the idempotence rules that make re-sending safe.
 * `uncertain`: an earlier attempt may have been applied (resumed after a crash, or a previous
 * attempt failed without a certain answer while its pending link stayed recorded).
 */
async function perform(client: SyncClient, op: Operation, uncertain: boolean): Promise<Outcome> {
  try {
    switch (op.kind) {
      case 'department.create':
        try {
          await client.department.create(op.body);
          return { status: 'succeeded', link: 'apply' };
        } catch (e) {
          if (codeOf(e) === Errcode.DepartmentExists && uncertain) {
            // 60008 is "id exists" or "a sibling has the name": only the first is our earlier create.
            // Verify the id exists under the intended parent with department/simplelist (allowed for
            // newly trusted IPs); if even that is refused, trust the recorded pending link (ids are
            // chosen above every id the connection has ever seen).
            try {
              const rows = await client.department.simplelist(op.body.id);
              const row = rows.find((r) => r.id === op.body.id);
              if (row && row.parentid === op.body.parentid)
                return { status: 'succeeded', link: 'apply', note: 'already created by an earlier attempt (verified: the id exists under the intended parent)' };
            } catch (v) {
              if (codeOf(v) === Errcode.DetailReadForbidden)
                return { status: 'succeeded', link: 'apply', note: 'already created by an earlier attempt (not verified: department/simplelist refused with 48009)' };
              if (codeOf(v) !== Errcode.DepartmentNotFound) throw v;
            }
          }
          return errorOutcome(e, 'drop-pending');
        }
      case 'department.update':
        try {
          await client.department.update(op.body);
          return { status: 'succeeded', link: 'apply' };
        } catch (e) {
          if (codeOf(e) === Errcode.DepartmentNotFound) return { ...errorOutcome(e, 'gone'), errorClass: 'gone', explanation: GONE_DEPARTMENT };
          return errorOutcome(e, 'keep');
        }
      case 'department.delete':
        try {
          await client.department.delete(op.body.id);
          return { status: 'succeeded', link: 'apply' };
        } catch (e) {
          if (codeOf(e) === Errcode.DepartmentNotFound) return { status: 'succeeded', link: 'apply', note: 'already deleted in WeCom' };
          return errorOutcome(e, 'keep');
        }
      case 'member.create':
        try {
          await client.user.create(op.body);
          return { status: 'succeeded', link: 'apply' };
        } catch (e) {
          if (codeOf(e) === Errcode.UseridExists && uncertain) {
            // Our earlier attempt created it (the pending link says we sent this create). Send the
            // values once more as an update so WeCom surely holds exactly the create body.
            const { to_invite: _invite, ...values } = op.body;
            try {
              await client.user.update(values);
              return { status: 'succeeded', link: 'apply', note: 'already created by an earlier attempt; its values were sent again as an update' };
            } catch (u) {
              return errorOutcome(u, 'keep');
            }
          }
          return errorOutcome(e, 'drop-pending');
        }
      case 'member.update':
      case 'member.disable':
        try {
          await client.user.update(op.body);
          return { status: 'succeeded', link: 'apply' };
        } catch (e) {
          if (codeOf(e) !== Errcode.UseridNotFound) return errorOutcome(e, 'keep');
          const { new_userid, ...rest } = op.body;
          if (new_userid !== undefined && (uncertain || (e instanceof WeComError && e.afterLostAnswer))) {
            // a rename whose first attempt was applied: the member now answers to the new userid
            try {
              await client.user.update({ ...rest, userid: new_userid });
              return { status: 'succeeded', link: 'apply', note: 'renamed by an earlier attempt; the values were sent again under the new userid' };
            } catch (r) {
              if (codeOf(r) !== Errcode.UseridNotFound) return errorOutcome(r, 'keep');
            }
          }
          return { ...errorOutcome(e, 'gone'), errorClass: 'gone', explanation: GONE_MEMBER };
        }
      case 'member.delete':
        try {
          await client.user.delete(op.body.userid);
          return { status: 'succeeded', link: 'apply' };
        } catch (e) {
          if (codeOf(e) === Errcode.UseridNotFound) return { status: 'succeeded', link: 'apply', note: 'already deleted in WeCom' };
          return errorOutcome(e, 'keep');
        }
    }
  } catch (e) {
    return errorOutcome(e, isCreate(op.kind) ? 'drop-pending' : 'keep');
  }
}

/**
 * The records `storePlan` stores for a plan's operations (all pending), for executeRun's
 * `operations`. They share the plan's objects; executeRun sends each body as stored (through
 * JSON, see runOne), just before the operation starts rather than all at once before the first.
 */
export function recordsOfPlan(runId: string, plan: Plan): OperationRecord[] {
  return plan.operations.map((op, seq) => ({
    runId,
    opId: op.id,
    seq,
    kind: op.kind,
    key: op.key,
    target: op.target,
    body: op.body,
    reason: op.reason,
    dependsOn: op.dependsOn,
    status: 'pending',
    attempts: 0,
    errcode: null,
    errmsg: null,
    errorClass: null,
    explanation: null,
    note: null,
    startedAt: null,
    finishedAt: null,
  }));
}

function emptyPlan(op: Operation): Plan {
  return {
    operations: [op],
    unlinks: [],
    summary: { total: 1, byKind: {} as Plan['summary']['byKind'] },
    safety: { deletes: 0, disables: 0, linked: 0, exceeded: false, limit: { maxDeletes: 0, maxDeletePercent: 0 } },
    warnings: [],
  };
}

export function summarize(ops: ReadonlyArray<Pick<OperationRecord, 'status' | 'kind' | 'errorClass'>>, aborted: string | null): RunSummary {
  const s: RunSummary = { total: ops.length, succeeded: 0, failed: 0, skipped: 0, pending: 0, retryable: 0, gone: 0, byKind: {}, message: '' };
  for (const o of ops) {
    s.byKind[o.kind] = (s.byKind[o.kind] ?? 0) + 1;
    if (o.status === 'succeeded') s.succeeded++;
    else if (o.status === 'failed') {
      s.failed++;
      if (o.errorClass === 'retryable') s.retryable++;
      if (o.errorClass === 'gone') s.gone++;
    } else if (o.status === 'skipped') s.skipped++;
    else s.pending++;
  }
  s.message =
    s.total === 0
      ? 'nothing to do: WeCom already matches the directory'
      : aborted
        ? `aborted: ${aborted} (${s.succeeded} of ${s.total} operations succeeded, ${s.failed} failed, ${s.skipped} skipped)`
        : s.failed + s.skipped === 0
          ? `${s.succeeded} operations succeeded`
          : `${s.succeeded} of ${s.total} operations succeeded, ${s.failed} failed, ${s.skipped} skipped`;
  return s;
}

export function finalStatus(summary: RunSummary, aborted: boolean): RunStatus {
  if (aborted) return 'failed';
  if (summary.failed + summary.skipped + summary.pending > 0) return 'partial';
  return 'succeeded';
}

/**
 * Executes a run whose status is 'running' under `owner`'s lease (see runner: startRun, takeOver,
 * reactivateRun). Returns when every operation is succeeded, failed or skipped, and the run's final
 * status is stored.
 */
export async function executeRun(opts: ExecuteOptions): Promise<ExecuteResult> {
  const { store, client, runId, owner } = opts;
  const concurrency = Math.max(1, opts.concurrency ?? 96);
  const perApi = Math.min(concurrency, Math.max(1, opts.perApiConcurrency ?? Math.ceil(concurrency / 2)));
  const leaseMs = opts.leaseMs ?? 60_000;
  const maxTransient = opts.maxConsecutiveTransientFailures ?? 20;
  const emit = (e: ExecutorEvent): void => opts.onEvent?.(e);

  const run = await getRun(store.db, runId);
  if (!run) throw new Error(`run ${runId} does not exist`);
  if (run.status !== 'running' || run.leaseOwner !== owner) throw new Error(`run ${runId} is ${run.status} under ${run.leaseOwner ?? 'no owner'}; it must be running under ${owner}`);
  const connectionId = run.connectionId;

  markOwnerActive(owner, true);
  const journal = new Journal(store);
  const lease = setInterval(() => void journal.write((trx) => renewLease(trx, runId, owner, leaseMs)).catch(() => {}), Math.max(50, Math.floor(leaseMs / 3)));
  lease.unref();

  try {
    const records = opts.operations ?? (await loadOperations(store.db, runId));
    const cache = new LinkCache(opts.links ?? (await loadLinks(store.db, connectionId)));
    const now = (): string => new Date().toISOString();
    const ctx = (opId: string | null): LinkWriteContext => ({ connectionId, runId, opId, now: now() });

    // Unlinks (policy "keep", objects already gone) need no WeCom call; idempotent, done first.
    const unlinks = run.plan?.unlinks ?? [];
    if (unlinks.length > 0) {
      await journal.write(async (trx) => {
        for (const u of unlinks) {
          if (u.type === 'department') await deleteDepartmentLink(trx, connectionId, u.key);
          else await deleteMemberLink(trx, connectionId, u.key);
        }
      });
      for (const u of unlinks) {
        if (u.type === 'department') cache.dropDepartment(u.key);
        else cache.dropMember(u.key);
      }
    }

    const byId = new Map(records.map((r) => [r.opId, r]));
    const dependents = new Map<string, string[]>();
    const waiting = new Map<string, number>();
    for (const r of records) {
      let n = 0;
      for (const d of r.dependsOn) {
        if (!byId.has(d)) continue; // a dependency outside the plan is already satisfied
        n++;
        const list = dependents.get(d);
        if (list) list.push(r.opId);
        else dependents.set(d, [r.opId]);
      }
      waiting.set(r.opId, n);
    }

    let aborted: RunError | null = null;
    let transientStreak = 0;
    // ready operations, one queue per WeCom API (see perApiConcurrency)
    const queues = new Map<string, ApiQueue>();
    let readySeq = 0;
    const blocked = new Map<string, string>(); // opId -> failed dependency
    const toSkip: Array<{ rec: OperationRecord; why: string; cls: ErrorClassName }> = [];

    const settle = (r: OperationRecord): void => {
      const ok = r.status === 'succeeded';
      for (const d of dependents.get(r.opId) ?? []) {
        const dep = byId.get(d)!;
        if (!ok && !blocked.has(d)) blocked.set(d, r.opId);
        const left = (waiting.get(d) ?? 0) - 1;
        waiting.set(d, left);
        if (left === 0) becomeReady(dep);
      }
    };
    const queued = new Set<string>();
    const becomeReady = (r: OperationRecord): void => {
      if (queued.has(r.opId)) throw new Error(`executor bug: operation ${r.opId} became ready twice`);
      queued.add(r.opId);
      if (r.status === 'succeeded' || r.status === 'failed' || r.status === 'skipped') return settle(r);
      const bad = blocked.get(r.opId);
      if (bad !== undefined) {
        const dep = byId.get(bad)!;
        toSkip.push({ rec: r, why: `dependency ${bad} ${dep.status === 'skipped' ? 'was skipped' : 'failed'}`, cls: 'dependency' });
        r.status = 'skipped';
        return settle(r);
      }
      const api = API_OF[r.kind];
      let q = queues.get(api);
      if (!q) queues.set(api, (q = { items: [], head: 0, inFlight: 0 }));
      q.items.push({ rec: r, seq: readySeq++ });
    };
    /** The operation that became ready first among the APIs with a free slot; it takes the slot. */
    const next = (): { rec: OperationRecord; q: ApiQueue } | undefined => {
      let best: ApiQueue | undefined;
      for (const q of queues.values()) {
        if (q.head === q.items.length || q.inFlight >= perApi) continue;
        if (!best || q.items[q.head]!.seq < best.items[best.head]!.seq) best = q;
      }
      if (!best) return undefined;
      const { rec } = best.items[best.head++]!;
      if (best.head > 1024 && best.head * 2 > best.items.length) {
        best.items = best.items.slice(best.head);
        best.head = 0;
      }
      best.inFlight++;
      return { rec, q: best };
    };

    const flushSkips = async (): Promise<void> => {
      if (toSkip.length === 0) return;
      const batch = toSkip.splice(0);
      const t = now();
      await journal.write(async (trx) => {
        for (const s of batch)
          await trx
            .updateTable('run_operations')
            .set({ status: 'skipped', error_class: s.cls, errmsg: s.why, errcode: null, explanation: null, finished_at: t, updated_at: t })
            .where('run_id', '=', runId)
            .where('op_id', '=', s.rec.opId)
            .execute();
      });
      for (const s of batch) {
        s.rec.errorClass = s.cls;
        s.rec.errmsg = s.why;
        emit({ type: 'op-recorded', runId, opId: s.rec.opId, kind: s.rec.kind, status: 'skipped' });
      }
    };

    const started = new Set<string>();
    const runOne = async (rec: OperationRecord): Promise<void> => {
      started.add(rec.opId);
      // records given by the caller hold the plan's objects: use the body exactly as stored (JSON)
      if (opts.operations) rec.body = JSON.parse(JSON.stringify(rec.body)) as OperationRecord['body'];
      const op = asOperation(rec);
      const wasRunning = rec.status === 'running';
      // a pending link of this very create left by an earlier attempt = that attempt may have been applied
      const pendingBefore =
        (op.kind === 'department.create' && cache.departments.get(op.key)?.state === 'pending' && cache.departments.get(op.key)?.departmentId === op.body.id) ||
        (op.kind === 'member.create' && cache.members.get(op.key)?.state === 'pending' && cache.members.get(op.key)?.userid.toLowerCase() === op.body.userid.toLowerCase());
      const uncertain = wasRunning || pendingBefore;

      // links held by another key would make the stored links inconsistent: refuse before sending
      let conflict: string | null = null;
      if (op.kind === 'department.create') {
        const h = cache.departmentHolder(op.body.id);
        if (h !== undefined && h !== op.key) conflict = `department id ${op.body.id} is already linked to organization ${h}`;
      } else if (op.kind === 'member.create' || (op.kind === 'member.update' && op.body.new_userid)) {
        const u = op.kind === 'member.create' ? op.body.userid : op.body.new_userid!;
        const h = cache.useridHolder(u);
        if (h !== undefined && h !== op.key) conflict = `userid ${u} is already linked to account ${h}`;
      }

      rec.attempts++;
      const startedAt = now();
      const pendingDept: StoredDepartmentLink | null =
        op.kind === 'department.create' ? { key: op.key, departmentId: op.body.id, origin: 'created', shadow: null, state: 'pending' } : null;
      const pendingMember: StoredMemberLink | null =
        op.kind === 'member.create' ? { key: op.key, userid: op.body.userid, origin: 'created', shadow: null, state: 'pending' } : null;

      let outcome: Outcome;
      if (conflict) {
        outcome = { status: 'failed', errcode: null, errmsg: conflict, errorClass: 'data', explanation: { en: `Not sent: ${conflict}.`, zh: `未发送：${conflict}。` }, link: 'keep' };
        await journal.write(async (trx) => {
          await trx.updateTable('run_operations').set({ status: 'running', attempts: rec.attempts, started_at: startedAt, updated_at: startedAt }).where('run_id', '=', runId).where('op_id', '=', rec.opId).execute();
        });
      } else {
        await journal.write(async (trx) => {
          await trx
            .updateTable('run_operations')
            .set({ status: 'running', attempts: rec.attempts, started_at: startedAt, updated_at: startedAt })
            .where('run_id', '=', runId)
            .where('op_id', '=', rec.opId)
            .execute();
          if (pendingDept) await putDepartmentLink(trx, ctx(rec.opId), pendingDept, 'pending');
          if (pendingMember) await putMemberLink(trx, ctx(rec.opId), pendingMember, 'pending');
        });
        if (pendingDept) cache.setDepartment(pendingDept);
        if (pendingMember) cache.setMember(pendingMember);
        rec.status = 'running';
        emit({ type: 'op-started', runId, opId: rec.opId, kind: rec.kind, uncertain });
        outcome = await perform(client, op, uncertain);
        emit({ type: 'op-answered', runId, opId: rec.opId, kind: rec.kind, status: outcome.status });
      }

      // the link after this operation
      let nextDept: StoredDepartmentLink | null | undefined; // undefined = unchanged, null = deleted
      let nextMember: StoredMemberLink | null | undefined;
      if (outcome.status === 'succeeded' && outcome.link === 'apply') {
        const after = applyToLinks(emptyPlan(op), cache.linksOf(op));
        if (op.kind.startsWith('department.')) {
          const l = after.departments.find((x) => x.key === op.key);
          nextDept = l ? { ...l, state: 'active' } : null;
        } else {
          const l = after.members.find((x) => x.key === op.key);
          nextMember = l ? { ...l, state: 'active' } : null;
        }
      } else if (outcome.link === 'gone' || outcome.link === 'drop-pending') {
        if (op.kind.startsWith('department.')) nextDept = null;
        else nextMember = null;
      }

      const finished = now();
      const write = async (trx: Tx, withLinks: boolean): Promise<void> => {
        await trx
          .updateTable('run_operations')
          .set({
            status: outcome.status,
            errcode: outcome.errcode ?? null,
            errmsg: outcome.errmsg ?? null,
            error_class: outcome.errorClass ?? null,
            explanation: outcome.explanation ? JSON.stringify(outcome.explanation) : null,
            note: outcome.note ?? null,
            finished_at: finished,
            updated_at: finished,
          })
          .where('run_id', '=', runId)
          .where('op_id', '=', rec.opId)
          .execute();
        if (!withLinks) return;
        const c = ctx(rec.opId);
        if (nextDept === null) await deleteDepartmentLink(trx, connectionId, op.key);
        else if (nextDept) await putDepartmentLink(trx, c, nextDept, 'active');
        if (nextMember === null) await deleteMemberLink(trx, connectionId, op.key);
        else if (nextMember) await putMemberLink(trx, c, nextMember, 'active');
      };
      try {
        await journal.write((trx) => write(trx, true));
        if (nextDept === null) cache.dropDepartment(op.key);
        else if (nextDept) cache.setDepartment(nextDept);
        if (nextMember === null) cache.dropMember(op.key);
        else if (nextMember) cache.setMember(nextMember);
      } catch (e) {
        // the link could not be stored (a constraint): keep the result, report the operation failed
        const msg = `WeCom accepted the operation but its link could not be stored: ${(e as Error).message}`;
        outcome = { status: 'failed', errcode: outcome.errcode ?? null, errmsg: msg, errorClass: 'internal', explanation: { en: msg, zh: `企业微信已执行，但关联无法保存：${(e as Error).message}` }, link: 'keep' };
        await journal.write((trx) => write(trx, false));
      }
      rec.status = outcome.status;
      rec.errorClass = outcome.errorClass ?? null;
      rec.errcode = outcome.errcode ?? null;
      rec.errmsg = outcome.errmsg ?? null;
      emit({ type: 'op-recorded', runId, opId: rec.opId, kind: rec.kind, status: outcome.status });

      if (outcome.status === 'succeeded') transientStreak = 0;
      else if (outcome.errorClass === 'retryable') transientStreak++;
      if (outcome.abort && !aborted)
        aborted = { message: `${outcome.errmsg ?? 'configuration error'}`, ...(outcome.explanation ? { explanation: outcome.explanation } : {}), ...(outcome.errcode != null ? { errcode: outcome.errcode } : {}) };
      else if (!aborted && transientStreak >= maxTransient)
        aborted = {
          message: `${transientStreak} operations in a row failed with transient errors after retries; stopping (last: ${outcome.errmsg ?? ''})`,
          explanation: { en: 'WeCom could not be reached reliably; the run stopped and failed operations will be retried by the next run.', zh: '无法稳定访问企业微信，本次同步已停止；失败的操作将在下次同步时重试。' },
        };
      if (aborted) emit({ type: 'run-aborted', runId, reason: aborted.message });
      settle(rec);
    };

    // initial readiness, in plan order (a snapshot: settling a finished operation below makes its
    // dependents ready itself, and they must not be queued twice)
    const initial = records.filter((r) => (waiting.get(r.opId) ?? 0) === 0);
    for (const r of initial) becomeReady(r);

    const inFlight = new Set<Promise<void>>();
    for (;;) {
      await flushSkips();
      while (!aborted && inFlight.size < concurrency) {
        const picked = next();
        if (!picked) break;
        const { rec, q } = picked;
        const p: Promise<void> = runOne(rec)
          .catch((e: unknown) => {
            // bookkeeping failed (store unavailable): stop starting operations; the run stays
            // 'running' with this one 'running' and is resumed later
            if (!aborted) aborted = { message: `the store failed: ${(e as Error).message}` };
            (rec as { storeFailed?: boolean }).storeFailed = true;
          })
          .finally(() => {
            q.inFlight--;
            inFlight.delete(p);
          });
        inFlight.add(p);
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight);
    }
    await flushSkips();

    const storeFailed = records.some((r) => (r as { storeFailed?: boolean }).storeFailed);
    if (storeFailed) throw new Error(`run ${runId} stopped: ${(aborted as RunError | null)?.message ?? 'store failure'}; it stays running and will be resumed`);

    const abortedNow = aborted as RunError | null;
    if (abortedNow) {
      // never started in this execution (operations started here all recorded a result)
      const rest = records.filter((r) => r.status === 'pending' || (r.status === 'running' && !started.has(r.opId)));
      const t = now();
      await journal.write(async (trx) => {
        for (const r of rest)
          await trx
            .updateTable('run_operations')
            .set({ status: 'skipped', error_class: 'aborted', errmsg: `run aborted: ${abortedNow.message}`, finished_at: t, updated_at: t })
            .where('run_id', '=', runId)
            .where('op_id', '=', r.opId)
            .execute();
      });
      for (const r of rest) {
        r.status = 'skipped';
        r.errorClass = 'aborted';
      }
    }

    const summary = summarize(records, abortedNow ? abortedNow.message : null);
    const status = finalStatus(summary, abortedNow !== null);
    await journal.write((trx) => finishRun(trx, runId, status, summary, abortedNow));
    await journal.drain();
    return { runId, status, summary, error: abortedNow };
  } finally {
    clearInterval(lease);
    await journal.drain().catch(() => {});
    markOwnerActive(owner, false);
  }
}

export type { DepartmentLink, MemberLink };
