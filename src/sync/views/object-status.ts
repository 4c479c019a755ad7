// Per-object sync status: where one directory object (organization or account) stands in WeCom
// for one connection — its link, its last operation with WeCom's answer and explanation, its
// recent history, and a plain-language verdict (en/zh) — and the list of objects that are broken
// (or pending) right now. Reads only: the store's links and run operations
// (src/sync/state/object-status.ts), the object itself, and for the scope the organizations
// around it (as the mapping preview does), never WeCom.
import type { Account } from '../../domain/account.js';
import type { Connection } from '../../domain/connection.js';
import type { Organization } from '../../domain/organization.js';
import type { Directory } from '../../directory/directory.js';
import { type CompiledMapping, mapDirectory } from '../../mapping/definitions/index.js';
import type { Store } from '../../store/store.js';
import { listConflicts } from '../state/conflicts.js';
import { getCursor } from '../state/cursors.js';
import {
  type ObjectLink,
  type ObjectOperation,
  type ObjectType,
  directoryObjects,
  latestChange,
  latestOperationsOf,
  latestOperationsWithStatus,
  objectLink,
  objectLinks,
  objectOperations,
  pendingLinkKeys,
  typeOfKind,
} from '../state/object-status.js';
import type { Explanation } from '../state/runs.js';

type VerdictStatus = 'in-sync' | 'pending' | 'failed' | 'not-synced' | 'out-of-scope' | 'conflict';

interface Verdict {
  status: VerdictStatus;
  message: Explanation;
}

/** Where the mapping puts an existing object: synced ('in'), left out by a problem ('held'), outside the scope ('out'). */
export type ScopeState = { state: 'in' } | { state: 'held'; problem: string } | { state: 'out' };

export interface VerdictInput {
  type: ObjectType;
  /** Still in the directory. */
  exists: boolean;
  /** An account disabled in the directory. */
  disabled: boolean;
  link: Pick<ObjectLink, 'wecomId' | 'state' | 'shadow' | 'updatedAt'> | null;
  last: Pick<ObjectOperation, 'runId' | 'runStatus' | 'kind' | 'status' | 'errcode' | 'errmsg' | 'errorClass' | 'explanation' | 'at' | 'reason'> | null;
  /** Not evaluated (a list, a deleted object, a mapping that does not compile): undefined. */
  scope?: ScopeState;
  /** The object's latest directory change, when it is newer than both the connection's cursor and the link's last write. */
  changedAfterWrite?: { occurredAt: string } | null;
  onAccountDeleted?: Connection['policies']['onAccountDeleted'];
}

const KIND_TEXT: Record<string, Explanation> = {
  'member.create': { en: 'creating the member', zh: '创建成员' },
  'member.update': { en: 'updating the member', zh: '更新成员' },
  'member.disable': { en: 'disabling the member', zh: '停用成员' },
  'member.delete': { en: 'deleting the member', zh: '删除成员' },
  'department.create': { en: 'creating the department', zh: '创建部门' },
  'department.update': { en: 'updating the department', zh: '更新部门' },
  'department.delete': { en: 'deleting the department', zh: '删除部门' },
};
const kindText = (kind: string): Explanation => KIND_TEXT[kind] ?? { en: kind, zh: kind };

const v = (status: VerdictStatus, en: string, zh: string): Verdict => ({ status, message: { en, zh } });

/**
 * The plain-language verdict on one object, in English and Chinese. Pure: everything it looks at
 * is in the input. In order: a failed (or not sent) last operation → failed; a last operation
 * waiting in a held or running run, or a create whose answer was never recorded → pending; then
 * the directory side (deleted, held by the mapping, out of scope, changed since the last write);
 * else in sync (linked) or not synced (never linked).
 */
export function objectVerdict(i: VerdictInput): Verdict {
  const { link, last } = i;
  const acc = i.type === 'account';
  // what the sentence is about
  const it: Explanation & { En: string } = link
    ? acc
      ? { en: `WeCom member ${link.wecomId}`, En: `WeCom member ${link.wecomId}`, zh: `企业微信成员 ${link.wecomId} ` }
      : { en: `WeCom department ${link.wecomId}`, En: `WeCom department ${link.wecomId}`, zh: `企业微信部门 ${link.wecomId} ` }
    : acc
      ? { en: 'the account', En: 'The account', zh: '该账号' }
      : { en: 'the organization', En: 'The organization', zh: '该组织' };
  const lastOk = last?.status === 'succeeded' ? last : null;
  const removed = lastOk !== null && lastOk.kind.endsWith('.delete');
  const disabledInWeCom = lastOk !== null && lastOk.kind === 'member.disable';
  const gone = !i.exists || (acc && i.disabled);

  if (last && (last.status === 'failed' || last.status === 'skipped')) {
    const k = kindText(last.kind);
    const where = { en: `(run ${last.runId}, ${last.at})`, zh: `（运行 ${last.runId}，${last.at}）` };
    // a create that failed for an object deleted (or disabled) since: no run will send it again
    if (!link && gone && last.kind.endsWith('.create')) {
      const what = !i.exists ? { en: 'Deleted', zh: '已在目录中删除' } : { en: 'Disabled', zh: '已在目录中停用' };
      return v(
        'not-synced',
        `${what.en} in the directory; never created in WeCom (the last attempt, ${k.en} ${where.en}, had failed${last.errcode !== null ? ` with errcode ${last.errcode}` : ''})`,
        `${what.zh}；从未在企业微信中创建（最近一次${k.zh}${where.zh}失败${last.errcode !== null ? `，错误码 ${last.errcode}` : ''}）`,
      );
    }
    if (last.status === 'failed') {
      const why: Explanation = last.explanation ?? { en: last.errmsg ?? 'no answer was recorded', zh: last.errmsg ?? '没有记录到应答' };
      return last.errcode !== null
        ? v('failed', `Failed: ${k.en} ${where.en} — WeCom errcode ${last.errcode}: ${why.en}`, `失败：${k.zh}${where.zh}— 企业微信错误码 ${last.errcode}：${why.zh}`)
        : v('failed', `Failed: ${k.en} ${where.en} — ${why.en}`, `失败：${k.zh}${where.zh}— ${why.zh}`);
    }
    const zhWhy = last.errorClass === 'dependency' ? `所依赖的操作未成功（${last.errmsg ?? ''}）` : last.errorClass === 'aborted' ? `运行已中止（${last.errmsg ?? ''}）` : (last.errmsg ?? '');
    return v('failed', `Not sent: ${k.en} ${where.en} — ${last.errmsg ?? 'skipped'}`, `未发送：${k.zh}${where.zh}— ${zhWhy}`);
  }
  if (last && (last.status === 'pending' || last.status === 'running')) {
    const k = kindText(last.kind);
    if (last.runStatus === 'held')
      return v('pending', `Waiting for approval: ${k.en} is in run ${last.runId}, held by the safety threshold`, `等待审批：${k.zh}在运行 ${last.runId} 中，因超出安全阈值而暂停`);
    if (last.runStatus === 'planned' || last.runStatus === 'running') return v('pending', `Being synced: ${k.en} in run ${last.runId}`, `同步中：运行 ${last.runId} 正在${k.zh}`);
    return v('pending', `Not sent yet: ${k.en} in run ${last.runId} (${last.runStatus})`, `尚未发送：运行 ${last.runId}（${last.runStatus}）中的${k.zh}`);
  }
  if (link?.state === 'pending')
    return v(
      'pending',
      `Unconfirmed: ${it.en} was being created when its run stopped, before WeCom's answer was recorded; the next run confirms or re-creates it`,
      `未确认：创建${it.zh}时运行中断，企业微信的应答未被记录；下次同步会确认或重新创建`,
    );

  if (!i.exists) {
    if (link) {
      if (disabledInWeCom) return v('in-sync', `Deleted in the directory; ${it.en} is disabled (since ${lastOk.at})`, `已在目录中删除；${it.zh}已停用（自 ${lastOk.at} 起）`);
      if (acc && i.onAccountDeleted === 'ignore')
        return v('in-sync', `Deleted in the directory; ${it.en} is kept as it is (deletion policy "ignore")`, `已在目录中删除；按删除策略 "ignore" 保留${it.zh}`);
      return v('pending', `Deleted in the directory; the next run applies the deletion policy to ${it.en}`, `已在目录中删除；下次同步将按删除策略处理${it.zh}`);
    }
    if (removed) return v('in-sync', `Deleted in the directory and in WeCom (${lastOk.at})`, `已在目录和企业微信中删除（${lastOk.at}）`);
    return v('not-synced', 'Deleted in the directory; not linked to anything in WeCom', '已在目录中删除；未关联企业微信中的对象');
  }

  if (i.scope?.state === 'held')
    return v(
      'not-synced',
      `Left out by the mapping: ${i.scope.problem}. ${link ? `${it.En} is left as it is.` : 'Nothing is created in WeCom.'}`,
      `映射未能处理该对象：${i.scope.problem}。${link ? `${it.zh}保持不变。` : '不会在企业微信中创建。'}`,
    );
  if (i.scope?.state === 'out') {
    if (link && disabledInWeCom) return v('out-of-scope', `Out of this connection's scope; ${it.en} is disabled (since ${lastOk.at})`, `不在此连接的同步范围内；${it.zh}已停用（自 ${lastOk.at} 起）`);
    if (link) return v('out-of-scope', `Out of this connection's scope; the next run applies the deletion policy to ${it.en}`, `不在此连接的同步范围内；下次同步将按删除策略处理${it.zh}`);
    if (removed) return v('out-of-scope', `Out of this connection's scope; removed from WeCom (${lastOk.at})`, `不在此连接的同步范围内；已从企业微信中删除（${lastOk.at}）`);
    return v('out-of-scope', "Out of this connection's scope (the mapping's scope): not synced to WeCom", '不在此连接的同步范围内（映射的 scope）：不会同步到企业微信');
  }

  if (link) {
    if (i.changedAfterWrite)
      return v(
        'pending',
        `Changed in the directory at ${i.changedAfterWrite.occurredAt}, after ${it.en} was last written (${link.updatedAt}); the next run sends the change`,
        `目录于 ${i.changedAfterWrite.occurredAt} 有变更，晚于${it.zh}最近一次写入（${link.updatedAt}）；下次同步将发送该变更`,
      );
    if (link.shadow === null)
      return v('pending', `${it.En} is linked, but its values were never written; the next run writes them`, `${it.zh}已关联，但其字段从未写入；下次同步将写入`);
    return v('in-sync', `${it.En} matches the directory since ${link.updatedAt}`, `${it.zh}自 ${link.updatedAt} 起与目录一致`);
  }
  if (removed) return v('in-sync', `Removed from WeCom (${lastOk.at}: ${lastOk.reason.cause})`, `已从企业微信中删除（${lastOk.at}）`);
  if (acc && i.disabled)
    return v('not-synced', 'Disabled in the directory and never created in WeCom (a disabled account is not created)', '目录中已停用，且从未在企业微信中创建（停用的账号不会被创建）');
  if (!last) return v('not-synced', 'Not synced yet (no run has covered it)', '尚未同步（还没有同步运行处理过它）');
  return v('not-synced', 'Not linked to WeCom; the next run creates it', '未关联企业微信；下次同步将创建');
}

// ------------------------------------------------------------------ views

interface OperationView {
  runId: string;
  opId: string;
  kind: string;
  status: ObjectOperation['status'];
  errcode: number | null;
  errmsg: string | null;
  explanation: Explanation | null;
  note: string | null;
  attempts: number;
  /** When it happened: finished, else started, else when its run was created. */
  at: string;
}

interface LinkView {
  wecomId: string;
  origin: ObjectLink['origin'];
  state: ObjectLink['state'];
  shadow: ObjectLink['shadow'];
  updatedAt: string;
}

interface ObjectStatusItem {
  type: ObjectType;
  id: string;
  name: string | null;
  exists: boolean;
  link: LinkView | null;
  lastOperation: OperationView | null;
  verdict: Verdict;
  /** status=conflict: every account claiming the same WeCom member (this one included), with its name. */
  claimants?: Array<{ id: string; name: string | null }>;
}

interface ObjectStatusView extends ObjectStatusItem {
  /** The last 20 operations on the object in this connection's runs, newest first. */
  history: OperationView[];
}

const operationView = (o: ObjectOperation): OperationView => ({
  runId: o.runId,
  opId: o.opId,
  kind: o.kind,
  status: o.status,
  errcode: o.errcode,
  errmsg: o.errmsg,
  explanation: o.explanation,
  note: o.note,
  attempts: o.attempts,
  at: o.at,
});

const linkView = (l: ObjectLink): LinkView => ({ wecomId: l.wecomId, origin: l.origin, state: l.state, shadow: l.shadow, updatedAt: l.updatedAt });

interface ObjectStatusDeps {
  store: Store;
  directory: Directory;
  /** The connection's compiled mapping (SyncService.compiledMapping); throws when it does not compile. */
  mapping: (c: Connection) => CompiledMapping;
}

const HISTORY_LENGTH = 20;

/**
 * One object's status in a connection. `id` is the directory id, or for an account also its
 * username. null when the object is neither in the directory nor in any link or operation of the
 * connection.
 */
export async function objectStatus(deps: ObjectStatusDeps, connection: Connection, type: ObjectType, id: string): Promise<ObjectStatusView | null> {
  const { directory } = deps;
  const db = deps.store.db;
  const account = type === 'account' ? ((await directory.getAccount(id)) ?? (await directory.getAccountByUsername(id))) : undefined;
  const organization = type === 'organization' ? await directory.getOrganization(id) : undefined;
  const key = account?.id ?? organization?.id ?? id;
  const exists = account !== undefined || organization !== undefined;
  const [link, history] = await Promise.all([objectLink(db, connection.id, type, key), objectOperations(db, connection.id, type, key, HISTORY_LENGTH)]);
  if (!exists && !link && history.length === 0) return null;

  let scope: ScopeState | undefined;
  let changedAfterWrite: { occurredAt: string } | null = null;
  if (exists) {
    scope = await scopeOf(deps, connection, account ? { account } : { organization: organization! });
    if (link?.state === 'active') {
      const [change, cursor] = await Promise.all([latestChange(db, type, key), getCursor(db, connection.id)]);
      if (change && (cursor.lastChangeSeq === null || change.seq > cursor.lastChangeSeq) && change.occurredAt > link.updatedAt) changedAfterWrite = { occurredAt: change.occurredAt };
    }
  }
  const last = history[0] ?? null;
  return {
    type,
    id: key,
    name: account?.displayName ?? organization?.name ?? null,
    exists,
    link: link ? linkView(link) : null,
    lastOperation: last ? operationView(last) : null,
    history: history.map(operationView),
    verdict: objectVerdict({
      type,
      exists,
      disabled: account?.status === 'disabled',
      link,
      last,
      ...(scope ? { scope } : {}),
      changedAfterWrite,
      onAccountDeleted: connection.policies.onAccountDeleted,
    }),
  };
}

/**
 * Where the connection's mapping puts one object, computed as the mapping preview does: the
 * organizations around it (ancestors, their children, the roots) and, for an account, its
 * manager — not the whole directory. A collision with an object outside that neighbourhood
 * (two accounts mapped to one userid) is not seen here; a full run holds both. undefined when
 * the mapping does not compile.
 */
async function scopeOf(deps: ObjectStatusDeps, connection: Connection, o: { account: Account } | { organization: Organization }): Promise<ScopeState | undefined> {
  let mapping: CompiledMapping;
  try {
    mapping = deps.mapping(connection);
  } catch {
    return undefined;
  }
  const settings = { defaultDepartmentId: connection.defaultDepartmentId };
  if ('account' in o) {
    const a = o.account;
    const manager = a.managerId ? await deps.directory.getAccount(a.managerId) : undefined;
    const organizations = await deps.directory.organizationsAround([...a.organizationIds, ...(manager?.organizationIds ?? [])]);
    const r = mapDirectory({ organizations, accounts: manager ? [a, manager] : [a] }, mapping, settings);
    if (r.desired.members.some((m) => m.key === a.id)) return { state: 'in' };
    if (r.held.accounts.includes(a.id)) return { state: 'held', problem: problemText(r.problems, a.id) };
    return { state: 'out' };
  }
  const org = o.organization;
  const r = mapDirectory({ organizations: await deps.directory.organizationsAround([org.id]), accounts: [] }, mapping, settings);
  if (r.desired.departments.some((d) => d.key === org.id)) return { state: 'in' };
  if (r.held.organizations.includes(org.id)) return { state: 'held', problem: problemText(r.problems, org.id) };
  return { state: 'out' };
}

function problemText(problems: ReadonlyArray<{ key: string; field: string; message: string; effect: string }>, key: string): string {
  const mine = problems.filter((p) => p.key === key && p.effect === 'object-skipped');
  return (mine.length > 0 ? mine : problems.filter((p) => p.key === key)).map((p) => `${p.field}: ${p.message}`).join('; ') || 'a problem of the mapping';
}

type ObjectListStatus = 'failed' | 'pending' | 'conflict';

const RULE_ZH: Record<string, string> = { userid: '账号', mobile: '手机号', email: '邮箱' };

/** Accounts that claim one WeCom member the rules cannot give to either (stored by the plans), with every claimant's name. */
async function conflictItems(db: Store['db'], connection: Connection, opts: { after?: string; limit: number }): Promise<{ items: ObjectStatusItem[]; nextCursor: string | null }> {
  const rows = await listConflicts(db, connection.id, { ...(opts.after !== undefined ? { after: opts.after } : {}), limit: opts.limit + 1 });
  const page = rows.slice(0, opts.limit);
  const ids = [...new Set(page.flatMap((r) => [r.key, ...r.claimants]))];
  const [accounts, links, latest] = await Promise.all([
    directoryObjects(db, 'account', ids),
    objectLinks(db, connection.id, 'account', page.map((r) => r.key)),
    latestOperationsOf(db, connection.id, page.map((r) => r.key)),
  ]);
  const nameOf = (id: string): string => accounts.get(id)?.name ?? id;
  const items = page.map((r): ObjectStatusItem => {
    const link = links.get(r.key) ?? null;
    const last = latest.get(r.key) ?? null;
    // names first (the ids are in `claimants`): a cut-off line still shows who is involved
    const names = r.claimants.map(nameOf);
    const message = {
      en: `${names.join(' and ')} both fit, by ${r.rule}, the WeCom member "${r.wecomId}" a deleted account left; the sync gives it to neither. Change one of the accounts, or link the member to the right one.`,
      zh: `${names.join(' 和 ')} 都按${RULE_ZH[r.rule] ?? r.rule}对应已删除账号留下的企业微信成员“${r.wecomId}”，同步无法决定归属，两个都未关联。请修改其中一个账号，或把该成员关联到正确的账号。`,
    };
    const obj = accounts.get(r.key);
    return {
      type: 'account', id: r.key, name: obj?.name ?? null, exists: obj !== undefined, link: link ? linkView(link) : null, lastOperation: last ? operationView(last) : null,
      verdict: { status: 'conflict', message }, claimants: r.claimants.map((id) => ({ id, name: accounts.get(id)?.name ?? null })),
    };
  });
  return { items, nextCursor: rows.length > opts.limit ? page[page.length - 1]!.key : null };
}

/**
 * The objects whose verdict is `failed` (their latest operation failed or was not sent) or
 * `pending` (their latest operation waits in a held or running run, or their link is pending), in
 * id order, `limit` at a time (`after` = the previous page's nextCursor). The verdict here does not
 * look at the mapping's scope or the change feed (the single-object view does). A page may hold
 * fewer than `limit` items and still have a nextCursor.
 */
export async function objectsWithStatus(
  deps: Pick<ObjectStatusDeps, 'store'>,
  connection: Connection,
  opts: { status: ObjectListStatus; type?: ObjectType; after?: string; limit: number },
): Promise<{ items: ObjectStatusItem[]; nextCursor: string | null }> {
  const db = deps.store.db;
  if (opts.status === 'conflict') return opts.type === 'organization' ? { items: [], nextCursor: null } : conflictItems(db, connection, opts);
  const want = opts.limit + 1;
  const page = { ...(opts.type ? { type: opts.type } : {}), ...(opts.after !== undefined ? { after: opts.after } : {}), limit: want };
  const candidates = new Map<string, { type: ObjectType; last: ObjectOperation | null }>();
  if (opts.status === 'failed') {
    for (const op of await latestOperationsWithStatus(db, connection.id, ['failed', 'skipped'], page)) candidates.set(op.key, { type: typeOfKind(op.kind), last: op });
  } else {
    const [ops, links] = await Promise.all([latestOperationsWithStatus(db, connection.id, ['pending', 'running'], page), pendingLinkKeys(db, connection.id, page)]);
    for (const op of ops) candidates.set(op.key, { type: typeOfKind(op.kind), last: op });
    const others = links.filter((l) => !candidates.has(l.key));
    const latest = await latestOperationsOf(db, connection.id, others.map((l) => l.key));
    for (const l of others) candidates.set(l.key, { type: l.type, last: latest.get(l.key) ?? null });
  }
  // the first `want` keys of the union are complete (each source gave its first `want`)
  const keys = [...candidates.keys()].sort().slice(0, want);
  const more = keys.length > opts.limit;
  const pageKeys = keys.slice(0, opts.limit);

  const byType = (t: ObjectType) => pageKeys.filter((k) => candidates.get(k)!.type === t);
  const [accLinks, orgLinks, accounts, organizations] = await Promise.all([
    objectLinks(db, connection.id, 'account', byType('account')),
    objectLinks(db, connection.id, 'organization', byType('organization')),
    directoryObjects(db, 'account', byType('account')),
    directoryObjects(db, 'organization', byType('organization')),
  ]);
  const items: ObjectStatusItem[] = [];
  for (const key of pageKeys) {
    const { type, last } = candidates.get(key)!;
    const link = (type === 'account' ? accLinks : orgLinks).get(key) ?? null;
    const obj = (type === 'account' ? accounts : organizations).get(key);
    const verdict = objectVerdict({ type, exists: obj !== undefined, disabled: obj?.status === 'disabled', link, last, onAccountDeleted: connection.policies.onAccountDeleted });
    if (verdict.status !== opts.status) continue;
    items.push({ type, id: key, name: obj?.name ?? null, exists: obj !== undefined, link: link ? linkView(link) : null, lastOperation: last ? operationView(last) : null, verdict });
  }
  return { items, nextCursor: more ? pageKeys[pageKeys.length - 1]! : null };
}
