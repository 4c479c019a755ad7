// Every query on the SCIM link tables: which accounts and groups an endpoint owns, the resources
// as sent, group members. The directory's own rows are written through the Directory only.
import type { DB, Tx } from '../../store/index.js';
import { chunk } from '../../store/index.js';
import type { ScimGroupsTable, ScimUsersTable } from '../../store/tables/scim.js';
import type { IndexedAttribute } from './filter.js';

export type Db = DB | Tx;

export const userNameKey = (userName: string): string => userName.toLowerCase();

/** Users of an endpoint in the SCIM list order (account id: creation order), narrowed by an indexed equality. */
export async function userRows(db: Db, endpointId: string, where: { attribute: IndexedAttribute; value: string } | null = null, page?: { offset: number; limit: number }): Promise<ScimUsersTable[]> {
  let q = db.selectFrom('scim_users').selectAll().where('endpoint_id', '=', endpointId);
  if (where?.attribute === 'id') q = q.where('account_id', '=', where.value);
  else if (where?.attribute === 'userName') q = q.where('user_name_key', '=', userNameKey(where.value));
  else if (where?.attribute === 'externalId') q = q.where('external_id', '=', where.value);
  else if (where) return [];
  q = q.orderBy('account_id');
  if (page) q = q.offset(page.offset).limit(page.limit);
  return q.execute();
}

export async function countUsers(db: Db, endpointId: string): Promise<number> {
  const r = await db.selectFrom('scim_users').select((eb) => eb.fn.countAll<number>().as('n')).where('endpoint_id', '=', endpointId).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function userRow(db: Db, endpointId: string, id: string): Promise<ScimUsersTable | undefined> {
  return db.selectFrom('scim_users').selectAll().where('endpoint_id', '=', endpointId).where('account_id', '=', id).executeTakeFirst();
}

export async function userByName(db: Db, endpointId: string, userName: string): Promise<ScimUsersTable | undefined> {
  return db.selectFrom('scim_users').selectAll().where('endpoint_id', '=', endpointId).where('user_name_key', '=', userNameKey(userName)).executeTakeFirst();
}

/** The user of the endpoint a manager reference names: by SCIM id, else externalId, else userName. */
export async function resolveUserRef(db: Db, endpointId: string, ref: string): Promise<string | null> {
  const r = await db
    .selectFrom('scim_users')
    .select('account_id')
    .where('endpoint_id', '=', endpointId)
    .where((eb) => eb.or([eb('account_id', '=', ref), eb('external_id', '=', ref), eb('user_name_key', '=', userNameKey(ref))]))
    .orderBy('account_id')
    .executeTakeFirst();
  return r?.account_id ?? null;
}

/** Users whose manager reference is still waiting for a user that may be this one. */
export async function waitingFor(db: Db, endpointId: string, user: { id: string; externalId: string | null; userName: string }): Promise<string[]> {
  const refs = [user.id, user.userName, ...(user.externalId ? [user.externalId] : [])];
  const rows = await db
    .selectFrom('scim_users')
    .select(['account_id', 'manager_ref'])
    .where('endpoint_id', '=', endpointId)
    .where('manager_ref', 'is not', null)
    .where((eb) => eb.or([eb('manager_ref', 'in', refs), eb(eb.fn('lower', ['manager_ref']), '=', userNameKey(user.userName))]))
    .execute();
  return rows.filter((r) => r.account_id !== user.id).map((r) => r.account_id);
}

/** The ids among `ids` that are users of the endpoint, in the given order. */
export async function existingUsers(db: Db, endpointId: string, ids: readonly string[], maxParameters: number): Promise<string[]> {
  const found = new Set<string>();
  for (const part of chunk([...new Set(ids)], 1, maxParameters - 10))
    for (const r of await db.selectFrom('scim_users').select('account_id').where('endpoint_id', '=', endpointId).where('account_id', 'in', part).execute()) found.add(r.account_id);
  return ids.filter((id) => found.has(id));
}

export async function groupRows(db: Db, endpointId: string, where: { attribute: IndexedAttribute; value: string } | null = null, page?: { offset: number; limit: number }): Promise<ScimGroupsTable[]> {
  let q = db.selectFrom('scim_groups').selectAll().where('endpoint_id', '=', endpointId);
  if (where?.attribute === 'id') q = q.where('id', '=', where.value);
  else if (where?.attribute === 'displayName') q = q.where('display_name_key', '=', where.value.toLowerCase());
  else if (where?.attribute === 'externalId') q = q.where('external_id', '=', where.value);
  else if (where) return [];
  q = q.orderBy('id');
  if (page) q = q.offset(page.offset).limit(page.limit);
  return q.execute();
}

export async function countGroups(db: Db, endpointId: string): Promise<number> {
  const r = await db.selectFrom('scim_groups').select((eb) => eb.fn.countAll<number>().as('n')).where('endpoint_id', '=', endpointId).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function groupRow(db: Db, endpointId: string, id: string): Promise<ScimGroupsTable | undefined> {
  return db.selectFrom('scim_groups').selectAll().where('endpoint_id', '=', endpointId).where('id', '=', id).executeTakeFirst();
}

/** Members of groups, with the display name of their account, in member order (account id). */
export async function membersOf(db: Db, groupIds: readonly string[], maxParameters: number): Promise<Map<string, Array<{ value: string; display: string }>>> {
  const out = new Map<string, Array<{ value: string; display: string }>>(groupIds.map((g) => [g, []]));
  for (const part of chunk([...groupIds], 1, maxParameters - 10)) {
    const rows = await db
      .selectFrom('scim_group_members as m')
      .innerJoin('accounts as a', 'a.id', 'm.account_id')
      .select(['m.group_id', 'm.account_id', 'a.display_name'])
      .where('m.group_id', 'in', part)
      .orderBy('m.account_id')
      .execute();
    for (const r of rows) out.get(r.group_id)!.push({ value: r.account_id, display: r.display_name });
  }
  return out;
}

export async function memberIdsOf(db: Db, groupId: string): Promise<string[]> {
  return (await db.selectFrom('scim_group_members').select('account_id').where('group_id', '=', groupId).orderBy('account_id').execute()).map((r) => r.account_id);
}

/** Sets a group's members to `ids`: only the difference is written. Returns who joined and who left. */
export async function setMembers(trx: Tx, groupId: string, ids: readonly string[], maxParameters: number): Promise<{ added: string[]; removed: string[] }> {
  const before = new Set(await memberIdsOf(trx, groupId));
  const after = new Set(ids);
  const added = [...after].filter((id) => !before.has(id));
  const removed = [...before].filter((id) => !after.has(id));
  for (const part of chunk(removed, 1, maxParameters - 10)) await trx.deleteFrom('scim_group_members').where('group_id', '=', groupId).where('account_id', 'in', part).execute();
  for (const part of chunk(added, 2, maxParameters)) await trx.insertInto('scim_group_members').values(part.map((account_id) => ({ group_id: groupId, account_id }))).execute();
  return { added, removed };
}

/** The organizations a user's groups became (groups mode), in group order. */
export async function groupOrganizationsOf(db: Db, accountId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('scim_group_members as m')
    .innerJoin('scim_groups as g', 'g.id', 'm.group_id')
    .select('g.organization_id')
    .where('m.account_id', '=', accountId)
    .where('g.organization_id', 'is not', null)
    .orderBy('g.id')
    .execute();
  return [...new Set(rows.map((r) => r.organization_id!))];
}

/** How many groups (of any endpoint) became this organization. */
export async function groupsOfOrganization(db: Db, organizationId: string): Promise<number> {
  const r = await db.selectFrom('scim_groups').select((eb) => eb.fn.countAll<number>().as('n')).where('organization_id', '=', organizationId).executeTakeFirstOrThrow();
  return Number(r.n);
}
