// The links repository: organization ↔ department and account ↔ member pairings of one
// connection, with their shadow state (the last values written to WeCom).
//
// A link row is 'pending' between "we are about to create this object with this id/userid" and
// "WeCom confirmed it": it exists so that after a crash the executor knows which department id or
// userid its unanswered create used. For planning, a pending link is an ordinary link whose values
// are unknown (shadow null): if the object exists it is updated with every field, if the id lists
// show it missing it is created again.
import type { DepartmentLink, DepartmentShadow, Links, MemberLink, MemberShadow } from '../../domain/link.js';
import type { DB, Tx } from '../../store/store.js';

export type LinkState = 'active' | 'pending';

export interface StoredDepartmentLink extends DepartmentLink {
  state: LinkState;
}
export interface StoredMemberLink extends MemberLink {
  state: LinkState;
}

export interface StoredLinks {
  departments: StoredDepartmentLink[];
  members: StoredMemberLink[];
}

const parse = <T>(s: string | null): T | null => (s === null ? null : (JSON.parse(s) as T));

export async function loadLinks(db: DB | Tx, connectionId: string): Promise<StoredLinks> {
  const [d, m] = await Promise.all([
    db.selectFrom('department_links').selectAll().where('connection_id', '=', connectionId).orderBy('org_id').execute(),
    db.selectFrom('member_links').selectAll().where('connection_id', '=', connectionId).orderBy('account_id').execute(),
  ]);
  return {
    departments: d.map((r) => ({
      key: r.org_id,
      departmentId: Number(r.department_id),
      origin: r.origin as DepartmentLink['origin'],
      shadow: parse<DepartmentShadow>(r.shadow),
      state: r.state as LinkState,
    })),
    members: m.map((r) => ({
      key: r.account_id,
      userid: r.userid,
      origin: r.origin as MemberLink['origin'],
      shadow: parse<MemberShadow>(r.shadow),
      state: r.state as LinkState,
    })),
  };
}

/** The links as the planner takes them: a pending link is a link with unknown values. */
export function linksForPlanning(stored: StoredLinks): Links {
  return {
    departments: stored.departments.map(({ state, ...l }) => (state === 'pending' ? { ...l, shadow: null } : l)),
    members: stored.members.map(({ state, ...l }) => (state === 'pending' ? { ...l, shadow: null } : l)),
  };
}

export interface LinkWriteContext {
  connectionId: string;
  runId: string | null;
  opId: string | null;
  now: string;
}

export async function putDepartmentLink(trx: Tx, c: LinkWriteContext, link: DepartmentLink, state: LinkState): Promise<void> {
  const row = {
    connection_id: c.connectionId,
    org_id: link.key,
    department_id: link.departmentId,
    origin: link.origin,
    shadow: link.shadow === null ? null : JSON.stringify(link.shadow),
    state,
    run_id: c.runId,
    op_id: c.opId,
    updated_at: c.now,
  };
  await trx
    .insertInto('department_links')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['connection_id', 'org_id']).doUpdateSet({
        department_id: row.department_id,
        origin: row.origin,
        shadow: row.shadow,
        state: row.state,
        run_id: row.run_id,
        op_id: row.op_id,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

export async function putMemberLink(trx: Tx, c: LinkWriteContext, link: MemberLink, state: LinkState): Promise<void> {
  const row = {
    connection_id: c.connectionId,
    account_id: link.key,
    userid: link.userid,
    userid_key: link.userid.toLowerCase(),
    origin: link.origin,
    shadow: link.shadow === null ? null : JSON.stringify(link.shadow),
    state,
    run_id: c.runId,
    op_id: c.opId,
    updated_at: c.now,
  };
  await trx
    .insertInto('member_links')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['connection_id', 'account_id']).doUpdateSet({
        userid: row.userid,
        userid_key: row.userid_key,
        origin: row.origin,
        shadow: row.shadow,
        state: row.state,
        run_id: row.run_id,
        op_id: row.op_id,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

export async function deleteDepartmentLink(trx: Tx, connectionId: string, key: string): Promise<void> {
  await trx.deleteFrom('department_links').where('connection_id', '=', connectionId).where('org_id', '=', key).execute();
}

export async function deleteMemberLink(trx: Tx, connectionId: string, key: string): Promise<void> {
  await trx.deleteFrom('member_links').where('connection_id', '=', connectionId).where('account_id', '=', key).execute();
}

/** Stores a whole set of links (matching wizard, imports, tests). Existing links of these keys are replaced. */
export async function putLinks(trx: Tx, connectionId: string, links: Links, now: string = new Date().toISOString()): Promise<void> {
  const c: LinkWriteContext = { connectionId, runId: null, opId: null, now };
  for (const l of links.departments) await putDepartmentLink(trx, c, l, 'active');
  for (const l of links.members) await putMemberLink(trx, c, l, 'active');
}

/** How many links the connection has, and how many of them are pending (a create not confirmed yet). */
export async function countLinks(db: DB | Tx, connectionId: string): Promise<{ departments: number; members: number; pending: number }> {
  const count = async (table: 'department_links' | 'member_links') => {
    const rows = await db.selectFrom(table).select(['state', db.fn.countAll<number>().as('n')]).where('connection_id', '=', connectionId).groupBy('state').execute();
    let all = 0;
    let pending = 0;
    for (const r of rows) {
      all += Number(r.n);
      if (r.state === 'pending') pending += Number(r.n);
    }
    return { all, pending };
  };
  const [d, m] = await Promise.all([count('department_links'), count('member_links')]);
  return { departments: d.all, members: m.all, pending: d.pending + m.pending };
}
