// Orphans: WeCom members and departments that no account or organization of this connection
// owns, with who, since when and why, and the admin's decision on each (ignore, delete):
//   'account deleted' / 'organization deleted'  a link whose directory object is deleted (policies
//        disable, ignore, keep left the WeCom object there) — from the links and their shadows
//        (the values last written), so these answer also where WeCom refuses lists (48009);
//   'out of scope'   a link whose object still exists but the mapping no longer selects (the
//        connection's scope shrank), as the last full run saw it;
//   'not linked'     in WeCom under the connection's root department, linked by nothing (made
//        by hand in WeCom, or left when a link was dropped), as the last full run's id lists showed;
//   'other connection'  the same, but another connection of the same company links it.
// Nothing here calls WeCom: unlinked ones are known by their ids and departments only (the id
// lists carry nothing else, and details are refused to a newly trusted IP: 48009).
import type { DepartmentShadow, MemberShadow } from '../../domain/link.js';
import type { Directory } from '../../directory/directory.js';
import type { Store } from '../../store/store.js';
import { orphanOperationKey } from '../planner/orphans.js';
import { listDecisions, loadScan, orphanKey, removalsDone, type OrphanDecision, type OrphanType } from '../state/orphans.js';

export type OrphanMemberWhy = 'account deleted' | 'out of scope' | 'not linked' | 'other connection';
export type OrphanDepartmentWhy = 'organization deleted' | 'out of scope' | 'not linked' | 'other connection';

export interface OrphanDecisionView {
  action: 'ignore' | 'delete';
  by: string;
  at: string;
  /** a delete carried out (under policy "disable": the member disabled), and when */
  done: { kind: string; at: string } | null;
}

export interface OrphanMember {
  userid: string;
  /** the name last written to WeCom; null when only the id is known */
  name: string | null;
  /** false when last written disabled; null when unknown (ids only) */
  enabled: boolean | null;
  /** the account whose link still holds the member (deleted, or out of scope); null when none */
  account: string | null;
  /** its departments: as WeCom listed them, else as last written */
  departments: number[];
  /** when the link was last written; for unlinked ones, when a full run first saw it */
  since: string;
  why: OrphanMemberWhy;
  /** 'other connection': that connection's name */
  otherConnection?: string;
  /** what is known: the shadow (values last written), or only the ids from WeCom's lists */
  known: 'shadow' | 'ids';
  decision: OrphanDecisionView | null;
}

export interface OrphanDepartment {
  departmentId: number;
  name: string | null;
  parentId: number | null;
  organization: string | null;
  since: string;
  why: OrphanDepartmentWhy;
  otherConnection?: string;
  known: 'shadow' | 'ids';
  decision: OrphanDecisionView | null;
}

export interface OrphanScanView {
  /** the last full run that read WeCom's id lists, and when */
  runId: string;
  at: string;
  members: 'listed' | 'refused';
  departments: 'listed' | 'refused';
}

export interface Orphans {
  scan: OrphanScanView | null;
  /** what the list cannot show, in English and Chinese; null when nothing is missing */
  note: { en: string; zh: string } | null;
  members: OrphanMember[];
  departments: OrphanDepartment[];
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function noteOf(scan: OrphanScanView | null): Orphans['note'] {
  if (!scan)
    return {
      en: 'No full run has read WeCom\'s id lists yet: only members and departments left by deleted accounts and organizations are listed. Members made by hand in WeCom appear after the next full run.',
      zh: '尚无全量同步读取过企业微信的 ID 列表：只列出已删除账号和组织留下的成员和部门。在企业微信中手工创建的成员将在下一次全量同步后显示。',
    };
  const refused = [scan.members === 'refused' ? 'member' : '', scan.departments === 'refused' ? 'department' : ''].filter(Boolean);
  if (refused.length > 0)
    return {
      en: `WeCom refused its ${refused.join(' and ')} id list to this IP at the last full run (48009, a newly trusted IP): those orphans are as an earlier run saw them, and what this connection wrote is shown from its shadow state. Only ids are known of objects made by hand.`,
      zh: `上次全量同步时企业微信拒绝向此 IP 提供${refused.map((r) => (r === 'member' ? '成员' : '部门')).join('和')} ID 列表（48009，新加入的可信 IP）：这些孤立对象为较早一次同步所见，本连接写入过的对象按影子状态显示。手工创建的对象只知道其 ID。`,
    };
  return {
    en: 'Objects made by hand in WeCom are known by their ids and departments only: WeCom\'s id lists carry nothing else, and details are refused to a newly trusted IP (48009).',
    zh: '在企业微信中手工创建的对象只知道其 ID 和所属部门：企业微信的 ID 列表不含其他信息，且新加入的可信 IP 无法读取详情（48009）。',
  };
}

/** The connection's orphans, in userid / department id order. Reads the store and the directory, never WeCom. */
export async function orphansOf(deps: { store: Store; directory: Directory }, connectionId: string): Promise<Orphans> {
  const db = deps.store.db;
  const [members, departments, stored, decisions] = await Promise.all([
    db.selectFrom('member_links').select(['account_id', 'userid', 'shadow', 'updated_at']).where('connection_id', '=', connectionId).where('state', '=', 'active').execute(),
    db.selectFrom('department_links').select(['org_id', 'department_id', 'shadow', 'updated_at']).where('connection_id', '=', connectionId).where('state', '=', 'active').execute(),
    loadScan(db, connectionId),
    listDecisions(db, connectionId),
  ]);
  const decisionOf = new Map(decisions.map((d: OrphanDecision) => [`${d.type}:${orphanKey(d.type, d.wecomId)}`, { action: d.decision, by: d.by, at: d.at }]));
  const decision = (type: OrphanType, id: string): OrphanDecisionView | null => {
    const d = decisionOf.get(`${type}:${orphanKey(type, id)}`);
    if (!d) return null;
    const op = carriedOut(type, id);
    return { ...d, done: op ? { kind: op.kind, at: op.at } : null };
  };
  const scan: OrphanScanView | null = stored
    ? { runId: stored.runId, at: stored.at, members: stored.membersListed ? 'listed' : 'refused', departments: stored.departmentsListed ? 'listed' : 'refused' }
    : null;
  // a requested delete done after the scan: gone from WeCom, though the scan (made before) lists it
  const deletes = decisions.filter((d) => d.decision === 'delete');
  const done = await removalsDone(db, connectionId, deletes.map((d) => orphanOperationKey(d.type, d.wecomId)));
  const carriedOut = (type: OrphanType, id: string) => {
    const d = decisionOf.get(`${type}:${orphanKey(type, id)}`);
    const op = done.get(orphanOperationKey(type, id));
    return d?.action === 'delete' && op && op.at >= d.at ? op : undefined;
  };
  const removed = new Set(deletes.filter((d) => carriedOut(d.type, d.wecomId)?.kind.endsWith('.delete')).map((d) => orphanOperationKey(d.type, d.wecomId)));
  const observations = (stored?.orphans ?? []).filter((o) => !removed.has(orphanOperationKey(o.type, o.wecomId)));
  const outOfScope = observations.filter((o) => o.why === 'out of scope' && o.linkKey !== undefined);
  const gone = await deps.directory.deletedOf({
    departments: departments.map((d) => d.org_id),
    members: members.map((m) => m.account_id),
  });
  const goneAccounts = new Set(gone.members);
  const goneOrgs = new Set(gone.departments);
  const memberLinkByKey = new Map(members.map((m) => [m.account_id, m]));
  const departmentLinkByKey = new Map(departments.map((d) => [d.org_id, d]));
  const linkedUserids = new Set(members.map((m) => m.userid.toLowerCase()));
  const linkedDepartments = new Set(departments.map((d) => Number(d.department_id)));
  const observedDepartments = new Map(observations.filter((o) => o.type === 'member').map((o) => [o.wecomId.toLowerCase(), o.departments]));

  // ---------------------------------------------------------------- members
  const outMembers: OrphanMember[] = [];
  const linkMember = (m: (typeof members)[number], why: OrphanMemberWhy): OrphanMember => {
    const s = m.shadow === null ? null : (JSON.parse(m.shadow) as MemberShadow);
    return {
      userid: m.userid, name: s?.name ?? null, enabled: s ? s.enable !== 0 : null, account: m.account_id,
      departments: observedDepartments.get(m.userid.toLowerCase()) ?? s?.department ?? [], since: m.updated_at, why, known: s ? 'shadow' : 'ids',
      decision: decision('member', m.userid),
    };
  };
  for (const m of members) if (goneAccounts.has(m.account_id)) outMembers.push(linkMember(m, 'account deleted'));
  for (const o of outOfScope) {
    if (o.type !== 'member') continue;
    const m = memberLinkByKey.get(o.linkKey!);
    if (!m || goneAccounts.has(m.account_id) || m.userid.toLowerCase() !== o.wecomId.toLowerCase()) continue;
    outMembers.push(linkMember(m, 'out of scope'));
  }
  const unlinkedMembers = observations.filter((o) => o.type === 'member' && o.why === 'not linked' && !linkedUserids.has(o.wecomId.toLowerCase()));
  const others = await otherConnections(deps.store, connectionId, unlinkedMembers.map((o) => o.wecomId.toLowerCase()));
  for (const o of unlinkedMembers) {
    const other = others.get(o.wecomId.toLowerCase());
    outMembers.push({
      userid: o.wecomId, name: null, enabled: carriedOut('member', o.wecomId)?.kind === 'member.disable' ? false : null, account: null, departments: o.departments, since: o.firstSeen,
      why: other ? 'other connection' : 'not linked', ...(other ? { otherConnection: other } : {}), known: 'ids', decision: decision('member', o.wecomId),
    });
  }

  // ---------------------------------------------------------------- departments
  const outDepartments: OrphanDepartment[] = [];
  const linkDepartment = (d: (typeof departments)[number], why: OrphanDepartmentWhy): OrphanDepartment => {
    const s = d.shadow === null ? null : (JSON.parse(d.shadow) as DepartmentShadow);
    return {
      departmentId: Number(d.department_id), name: s?.name ?? null, parentId: s?.parentid ?? null, organization: d.org_id, since: d.updated_at, why,
      known: s ? 'shadow' : 'ids', decision: decision('department', String(d.department_id)),
    };
  };
  for (const d of departments) if (goneOrgs.has(d.org_id)) outDepartments.push(linkDepartment(d, 'organization deleted'));
  for (const o of outOfScope) {
    if (o.type !== 'department') continue;
    const d = departmentLinkByKey.get(o.linkKey!);
    if (!d || goneOrgs.has(d.org_id) || Number(d.department_id) !== Number(o.wecomId)) continue;
    outDepartments.push(linkDepartment(d, 'out of scope'));
  }
  for (const o of observations) {
    if (o.type !== 'department' || o.why !== 'not linked' || linkedDepartments.has(Number(o.wecomId))) continue;
    outDepartments.push({
      departmentId: Number(o.wecomId), name: null, parentId: o.departments[0] ?? null, organization: null, since: o.firstSeen, why: 'not linked', known: 'ids',
      decision: decision('department', o.wecomId),
    });
  }
  return {
    scan,
    note: noteOf(scan),
    members: outMembers.sort((a, b) => byString(a.userid.toLowerCase(), b.userid.toLowerCase())),
    departments: outDepartments.sort((a, b) => a.departmentId - b.departmentId),
  };
}

/** Userid (lower case) → the name of another connection of the same company that links it. */
async function otherConnections(store: Store, connectionId: string, userids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (userids.length === 0) return out;
  const me = await store.db.selectFrom('connections').select('corp_id').where('id', '=', connectionId).executeTakeFirst();
  if (!me) return out;
  for (let i = 0; i < userids.length; i += 500) {
    const rows = await store.db
      .selectFrom('member_links')
      .innerJoin('connections', 'connections.id', 'member_links.connection_id')
      .select(['member_links.userid_key', 'connections.name'])
      .where('member_links.connection_id', '!=', connectionId)
      .where('connections.corp_id', '=', me.corp_id)
      .where('member_links.userid_key', 'in', userids.slice(i, i + 500))
      .execute();
    for (const r of rows) if (!out.has(r.userid_key)) out.set(r.userid_key, r.name);
  }
  return out;
}

/** One orphan of the connection by type and id (userid, case-insensitively, or department id), or undefined. */
export async function findOrphan(deps: { store: Store; directory: Directory }, connectionId: string, type: OrphanType, id: string): Promise<OrphanMember | OrphanDepartment | undefined> {
  const all = await orphansOf(deps, connectionId);
  if (type === 'member') return all.members.find((m) => m.userid.toLowerCase() === id.toLowerCase());
  return all.departments.find((d) => String(d.departmentId) === String(Number(id)));
}
