// One operation sent to WeCom, with the idempotence rules that make sending it again safe (see
// README "Idempotence rules"). No store: the executor records what this returns.
import type { Operation } from '../../domain/plan.js';
import { Errcode } from '../../wecom/errors/catalog.js';
import { WeComError, WeComTransportError } from '../../wecom/errors/wecom-error.js';
import type { CallOptions, WeComClient } from '../../wecom/client.js';
import type { ErrorClassName, Explanation } from '../state/runs.js';

/** What the executor needs of the WeCom client (the real client, or anything shaped like it). */
export type SyncClient = Pick<WeComClient, 'department' | 'user'>;

/**
 * The link an outcome implies: apply = store the link the operation's body implies; gone = the
 * object is not in WeCom: drop the link; drop-pending = the create certainly did not happen: drop
 * its pending link; keep = leave the link as it is.
 */
export type LinkEffect = 'apply' | 'gone' | 'drop-pending' | 'keep';

export interface Outcome {
  status: 'succeeded' | 'failed';
  note?: string;
  errcode?: number | null;
  errmsg?: string;
  errorClass?: ErrorClassName;
  explanation?: Explanation;
  link: LinkEffect;
  /** a configuration error: the run stops */
  abort?: boolean;
}

/**
 * A call of the operation was withdrawn before it was sent (the caller's signal, see the lease
 * guard). An earlier call of the same operation may have been sent (e.g. the create before the
 * verifying read), so it must be performed again as uncertain, or left to whoever resumes the run.
 */
export interface Interrupted {
  status: 'interrupted';
}

const INTERRUPTED: Interrupted = { status: 'interrupted' };

const GONE_MEMBER: Explanation = {
  en: 'The member no longer exists in WeCom (deleted by hand?). Its link was removed; the next run creates it again.',
  zh: '该成员在企业微信中已不存在（可能被手工删除），已解除关联；下次同步将重新创建。',
};
const GONE_DEPARTMENT: Explanation = {
  en: 'The department no longer exists in WeCom (deleted by hand?). Its link was removed; the next run creates it again.',
  zh: '该部门在企业微信中已不存在（可能被手工删除），已解除关联；下次同步将重新创建。',
};

const isCreate = (k: Operation['kind']): boolean => k === 'department.create' || k === 'member.create';

const isWithdrawn = (e: unknown): boolean => e instanceof WeComTransportError && e.kind === 'aborted';

const codeOf = (e: unknown): number | undefined => (e instanceof WeComError && !e.presend ? e.errcode : undefined);

/** A failed call as an outcome. A withdrawn call is no outcome: it is rethrown (perform reports it as interrupted). */
function errorOutcome(e: unknown, link: LinkEffect): Outcome {
  if (isWithdrawn(e)) throw e;
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

const done = (note?: string): Outcome => ({ status: 'succeeded', link: 'apply', ...(note ? { note } : {}) });

type Op<K extends Operation['kind']> = Extract<Operation, { kind: K }>;

async function createDepartment(client: SyncClient, op: Op<'department.create'>, uncertain: boolean, call: CallOptions): Promise<Outcome> {
  try {
    await client.department.create(op.body, call);
    return done();
  } catch (e) {
    if (codeOf(e) === Errcode.DepartmentExists && uncertain) {
      // 60008 is "id exists" or "a sibling has the name": only the first is our earlier create.
      // Verify the id exists under the intended parent with department/simplelist (allowed for
      // newly trusted IPs); if even that is refused, trust the recorded pending link (ids are
      // chosen above every id the connection has ever seen, and reserved for this connection among
      // the company's: state/department-ids.ts).
      try {
        const rows = await client.department.simplelist(op.body.id, call);
        const row = rows.find((r) => r.id === op.body.id);
        if (row && row.parentid === op.body.parentid) return done('already created by an earlier attempt (verified: the id exists under the intended parent)');
      } catch (v) {
        if (codeOf(v) === Errcode.DetailReadForbidden) return done('already created by an earlier attempt (not verified: department/simplelist refused with 48009)');
        if (codeOf(v) !== Errcode.DepartmentNotFound) throw v;
      }
    }
    return errorOutcome(e, 'drop-pending');
  }
}

async function updateDepartment(client: SyncClient, op: Op<'department.update'>, call: CallOptions): Promise<Outcome> {
  try {
    await client.department.update(op.body, call);
    return done();
  } catch (e) {
    if (codeOf(e) === Errcode.DepartmentNotFound) return { ...errorOutcome(e, 'gone'), errorClass: 'gone', explanation: GONE_DEPARTMENT };
    return errorOutcome(e, 'keep');
  }
}

async function deleteDepartment(client: SyncClient, op: Op<'department.delete'>, call: CallOptions): Promise<Outcome> {
  try {
    await client.department.delete(op.body.id, call);
    return done();
  } catch (e) {
    if (codeOf(e) === Errcode.DepartmentNotFound) return done('already deleted in WeCom');
    return errorOutcome(e, 'keep');
  }
}

async function createMember(client: SyncClient, op: Op<'member.create'>, uncertain: boolean, call: CallOptions): Promise<Outcome> {
  try {
    await client.user.create(op.body, call);
    return done();
  } catch (e) {
    if (codeOf(e) !== Errcode.UseridExists || !uncertain) return errorOutcome(e, 'drop-pending');
    // Our earlier attempt created it (the pending link says we sent this create). Send the
    // values once more as an update so WeCom surely holds exactly the create body.
    const { to_invite: _invite, ...values } = op.body;
    try {
      await client.user.update(values, call);
      return done('already created by an earlier attempt; its values were sent again as an update');
    } catch (u) {
      return errorOutcome(u, 'keep');
    }
  }
}

async function updateMember(client: SyncClient, op: Op<'member.update' | 'member.disable'>, uncertain: boolean, call: CallOptions): Promise<Outcome> {
  try {
    await client.user.update(op.body, call);
    return done();
  } catch (e) {
    if (codeOf(e) !== Errcode.UseridNotFound) return errorOutcome(e, 'keep');
    const { new_userid, ...rest } = op.body;
    if (new_userid !== undefined && (uncertain || (e instanceof WeComError && e.afterLostAnswer))) {
      // a rename whose first attempt was applied: the member now answers to the new userid
      try {
        await client.user.update({ ...rest, userid: new_userid }, call);
        return done('renamed by an earlier attempt; the values were sent again under the new userid');
      } catch (r) {
        if (codeOf(r) !== Errcode.UseridNotFound) return errorOutcome(r, 'keep');
      }
    }
    return { ...errorOutcome(e, 'gone'), errorClass: 'gone', explanation: GONE_MEMBER };
  }
}

async function deleteMember(client: SyncClient, op: Op<'member.delete'>, call: CallOptions): Promise<Outcome> {
  try {
    await client.user.delete(op.body.userid, call);
    return done();
  } catch (e) {
    if (codeOf(e) === Errcode.UseridNotFound) return done('already deleted in WeCom');
    return errorOutcome(e, 'keep');
  }
}

function send(client: SyncClient, op: Operation, uncertain: boolean, call: CallOptions): Promise<Outcome> {
  switch (op.kind) {
    case 'department.create':
      return createDepartment(client, op, uncertain, call);
    case 'department.update':
      return updateDepartment(client, op, call);
    case 'department.delete':
      return deleteDepartment(client, op, call);
    case 'member.create':
      return createMember(client, op, uncertain, call);
    case 'member.update':
    case 'member.disable':
      return updateMember(client, op, uncertain, call);
    case 'member.delete':
      return deleteMember(client, op, call);
  }
}

/**
 * One WeCom call (or the few an idempotence rule needs) for one operation. `uncertain`: an earlier
 * attempt may have been applied (resumed after a crash, or a previous attempt failed without a
 * certain answer while its pending link stayed recorded). `call.signal` withdraws calls not sent
 * yet: the result is then Interrupted.
 */
export async function perform(client: SyncClient, op: Operation, uncertain: boolean, call: CallOptions = {}): Promise<Outcome | Interrupted> {
  try {
    return await send(client, op, uncertain, call);
  } catch (e) {
    if (isWithdrawn(e)) return INTERRUPTED;
    return errorOutcome(e, isCreate(op.kind) ? 'drop-pending' : 'keep');
  }
}
