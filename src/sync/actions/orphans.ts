// What an admin does with an orphan (a WeCom member or department no account or organization of
// the connection owns; views/orphans.ts):
//   link    to an existing account / organization: the orphan becomes its link (origin
//           'matched'); the next run writes the directory's values to it
//   adopt   into the directory: an account / organization is created from what is known (the
//           shadow: the values last written; for ids-only orphans the caller gives the name) and
//           linked, in one transaction with the directory write, so no run creates it again
//   delete  a stored decision: the next full run plans the removal under the deletion policy
//           and the safety threshold (planner/orphans.ts); refused where the policy never removes
//   ignore  a stored decision: listed as ignored, never acted on (clear it to act again)
// Links change only while no run of the connection is active (a run holds the links it loaded).
// Each function checks its input and throws an OrphanError (problem+json) a caller can act on.
import { fieldError } from '../../domain/common.js';
import { coded } from '../../messages/index.js';
import type { MemberShadow, DepartmentShadow } from '../../domain/link.js';
import { AppError } from '../../domain/errors.js';
import type { Directory } from '../../directory/directory.js';
import type { Store, Tx } from '../../store/store.js';
import { creatorUserids } from '../state/creators.js';
import { putDepartmentLink, putMemberLink } from '../state/links.js';
import { clearDecision, dropObservation, putDecision, type OrphanType } from '../state/orphans.js';
import { findOrphan, type OrphanDepartment, type OrphanMember } from '../views/orphans.js';

export class OrphanError extends AppError {
  override readonly name = 'OrphanError';
}

export interface OrphanConnection {
  id: string;
  name: string;
  rootDepartmentId: number;
  policies: { onAccountDeleted: 'delete' | 'disable' | 'ignore'; onOrganizationDeleted: 'delete' | 'keep' };
}

export interface OrphanActionDeps {
  store: Store;
  directory: Directory;
  connection: OrphanConnection;
  /** Whether a run of the connection is active now (links must not change under it). */
  isRunning: () => Promise<boolean>;
  now?: () => Date;
}

export type RemovalEffect = 'member.delete' | 'member.disable' | 'department.delete';

const nowOf = (deps: OrphanActionDeps): string => (deps.now?.() ?? new Date()).toISOString();

async function requireOrphan(deps: OrphanActionDeps, type: OrphanType, id: string): Promise<OrphanMember | OrphanDepartment> {
  const o = await findOrphan(deps, deps.connection.id, type, id);
  if (!o) throw new OrphanError('orphan-not-found', 404, coded(`error.orphan-not-found.${type}`, { id, connection: deps.connection.name }));
  return o;
}

async function requireActionable(deps: OrphanActionDeps, type: OrphanType, id: string): Promise<OrphanMember | OrphanDepartment> {
  const o = await requireOrphan(deps, type, id);
  if (o.decision?.action === 'ignore') throw new OrphanError('orphan-ignored', 409, coded(`error.orphan-ignored.${type}`, { id }));
  if (o.why === 'other connection')
    throw new OrphanError('orphan-linked-elsewhere', 409, coded(`error.orphan-linked-elsewhere.${type}`, { id, connection: o.otherConnection ?? '' }));
  return o;
}

async function notRunning(deps: OrphanActionDeps): Promise<void> {
  if (await deps.isRunning()) throw new OrphanError('orphan-run-active', 409, coded('error.orphan-run-active', { connection: deps.connection.name }));
}

const heldBy = (o: OrphanMember | OrphanDepartment): string | null => ('account' in o ? o.account : o.organization);

/** Links an orphan to an existing account (member) or organization (department). */
export async function linkOrphan(deps: OrphanActionDeps, type: OrphanType, id: string, to: string): Promise<{ type: OrphanType; wecomId: string; linkedTo: string }> {
  const o = await requireActionable(deps, type, id);
  await notRunning(deps);
  const key = type === 'member' ? await requireAccount(deps, to) : await requireOrganization(deps, to);
  return deps.store.write(async (trx) => {
    await requireUnlinked(deps, trx, type, key);
    await moveLink(deps, trx, o, key);
    return { type, wecomId: wecomIdOf(o), linkedTo: key };
  });
}

export interface AdoptMemberInput {
  username?: string;
  displayName?: string;
  /** the account's organization; default: the organization linked to one of the member's departments */
  organization?: string;
}

export interface AdoptDepartmentInput {
  name?: string;
  /** the parent organization; default: the one linked to the department's parent (none under the root) */
  parent?: string | null;
}

/** Creates an account (member) or organization (department) from what is known, and links the orphan to it. */
export async function adoptOrphan(deps: OrphanActionDeps, type: OrphanType, id: string, input: AdoptMemberInput & AdoptDepartmentInput): Promise<{ type: OrphanType; wecomId: string; created: { type: 'account' | 'organization'; id: string } }> {
  const o = await requireActionable(deps, type, id);
  await notRunning(deps);
  const db = deps.store.db;
  if (type === 'member') {
    const m = o as OrphanMember;
    const shadow = await memberShadowOf(deps, m);
    const displayName = input.displayName ?? m.name;
    if (!displayName)
      throw new OrphanError('orphan-details-unknown', 422, coded('error.orphan-member-name-unknown', { userid: m.userid }), {
        errors: [fieldError('displayName', 'invalid.orphan-member-name')],
      });
    let organization = input.organization;
    if (organization === undefined) {
      for (const d of m.departments) {
        const row = await db.selectFrom('department_links').select('org_id').where('connection_id', '=', deps.connection.id).where('department_id', '=', d).executeTakeFirst();
        if (row && (await deps.directory.getOrganization(row.org_id))) {
          organization = row.org_id;
          break;
        }
      }
    }
    if (organization === undefined)
      throw new OrphanError('orphan-organization-unknown', 422, coded('error.orphan-member-organization-unknown', { userid: m.userid, departments: m.departments.join(', ') || '—' }), {
        errors: [fieldError('organization', 'invalid.orphan-member-organization')],
      });
    const account = await deps.directory.transaction(async (w) => {
      const a = await w.createAccount({
        username: input.username ?? m.userid, displayName, organizationIds: [organization],
        ...(shadow?.mobile ? { mobile: shadow.mobile } : {}), ...(shadow?.email ? { email: shadow.email } : {}), ...(shadow?.position ? { title: shadow.position } : {}),
      });
      await moveLink(deps, w.trx, o, a.id);
      return a;
    });
    return { type, wecomId: m.userid, created: { type: 'account', id: account.id } };
  }
  const d = o as OrphanDepartment;
  const name = input.name ?? d.name;
  if (!name)
    throw new OrphanError('orphan-details-unknown', 422, coded('error.orphan-department-name-unknown', { id: d.departmentId }), {
      errors: [fieldError('name', 'invalid.orphan-department-name')],
    });
  let parent = input.parent;
  if (parent === undefined) {
    if (d.parentId === null || d.parentId === deps.connection.rootDepartmentId) parent = null;
    else {
      const row = await db.selectFrom('department_links').select('org_id').where('connection_id', '=', deps.connection.id).where('department_id', '=', d.parentId).executeTakeFirst();
      if (!row || !(await deps.directory.getOrganization(row.org_id)))
        throw new OrphanError('orphan-parent-unknown', 422, coded('error.orphan-parent-unknown', { parent: d.parentId, id: d.departmentId }), {
          errors: [fieldError('parent', 'invalid.orphan-parent')],
        });
      parent = row.org_id;
    }
  }
  const org = await deps.directory.transaction(async (w) => {
    const created = await w.createOrganization({ name, ...(parent ? { parentId: parent } : {}) });
    await moveLink(deps, w.trx, o, created.id);
    return created;
  });
  return { type, wecomId: String(d.departmentId), created: { type: 'organization', id: org.id } };
}

/** Stores the request to remove an orphan: the next full run plans it (under the policy and the safety threshold). */
export async function requestRemoval(deps: OrphanActionDeps, type: OrphanType, id: string, by: string): Promise<{ type: OrphanType; wecomId: string; effect: RemovalEffect }> {
  const o = await requireActionable(deps, type, id);
  const p = deps.connection.policies;
  if (heldBy(o) !== null)
    throw new OrphanError(
      'orphan-policy',
      409,
      type === 'member'
        ? coded('error.orphan-still-linked.member', { id, holder: heldBy(o) ?? '', policy: p.onAccountDeleted })
        : coded('error.orphan-still-linked.department', { id, holder: heldBy(o) ?? '', policy: p.onOrganizationDeleted }),
    );
  let effect: RemovalEffect;
  if (type === 'member') {
    if (p.onAccountDeleted === 'ignore') throw new OrphanError('orphan-policy', 409, coded('error.orphan-policy-ignore', { connection: deps.connection.name, id }));
    const creators = (await creatorUserids(deps.store.db, deps.connection.id)).map((u) => u.toLowerCase());
    if (creators.includes(id.toLowerCase())) throw new OrphanError('orphan-creator', 409, coded('error.orphan-creator', { id }));
    effect = p.onAccountDeleted === 'delete' ? 'member.delete' : 'member.disable';
  } else {
    if (p.onOrganizationDeleted === 'keep') throw new OrphanError('orphan-policy', 409, coded('error.orphan-policy-keep', { connection: deps.connection.name, id }));
    effect = 'department.delete';
  }
  const wecomId = wecomIdOf(o);
  await deps.store.write((trx) => putDecision(trx, deps.connection.id, { type, wecomId, decision: 'delete', by, at: nowOf(deps) }));
  return { type, wecomId, effect };
}

/** Marks an orphan ignored: listed as such, never acted on. */
export async function ignoreOrphan(deps: OrphanActionDeps, type: OrphanType, id: string, by: string): Promise<{ type: OrphanType; wecomId: string }> {
  const o = await requireOrphan(deps, type, id);
  const wecomId = wecomIdOf(o);
  await deps.store.write((trx) => putDecision(trx, deps.connection.id, { type, wecomId, decision: 'ignore', by, at: nowOf(deps) }));
  return { type, wecomId };
}

/** Clears the decision (ignore or delete) on an orphan; the removal of a delete not yet run is withdrawn. */
export async function clearOrphanDecision(deps: OrphanActionDeps, type: OrphanType, id: string): Promise<{ type: OrphanType; wecomId: string; cleared: 'ignore' | 'delete' }> {
  const o = await requireOrphan(deps, type, id);
  if (!o.decision) throw new OrphanError('orphan-no-decision', 409, coded(`error.orphan-no-decision.${type}`, { id }));
  const cleared = o.decision.action;
  await deps.store.write((trx) => clearDecision(trx, deps.connection.id, type, wecomIdOf(o)));
  return { type, wecomId: wecomIdOf(o), cleared };
}

// ------------------------------------------------------------------ helpers

const wecomIdOf = (o: OrphanMember | OrphanDepartment): string => ('userid' in o ? o.userid : String(o.departmentId));

async function requireAccount(deps: OrphanActionDeps, to: string): Promise<string> {
  const a = (await deps.directory.getAccount(to)) ?? (await deps.directory.getAccountByUsername(to));
  if (!a) throw new OrphanError('orphan-target-not-found', 422, coded('error.account-not-in-directory', { id: to }), { errors: [fieldError('to', 'invalid.no-such-account')] });
  return a.id;
}

async function requireOrganization(deps: OrphanActionDeps, to: string): Promise<string> {
  const org = await deps.directory.getOrganization(to);
  if (!org) throw new OrphanError('orphan-target-not-found', 422, coded('error.organization-not-in-directory', { id: to }), { errors: [fieldError('to', 'invalid.no-such-organization')] });
  return org.id;
}

async function requireUnlinked(deps: OrphanActionDeps, trx: Tx, type: OrphanType, key: string): Promise<void> {
  if (type === 'member') {
    const linked = await trx.selectFrom('member_links').select('userid').where('connection_id', '=', deps.connection.id).where('account_id', '=', key).executeTakeFirst();
    if (linked) throw new OrphanError('orphan-target-linked', 409, coded('error.account-already-linked', { key, userid: linked.userid, connection: deps.connection.name }));
  } else {
    const linked = await trx.selectFrom('department_links').select('department_id').where('connection_id', '=', deps.connection.id).where('org_id', '=', key).executeTakeFirst();
    if (linked) throw new OrphanError('orphan-target-linked', 409, coded('error.organization-already-linked', { key, id: linked.department_id, connection: deps.connection.name }));
  }
}

async function memberShadowOf(deps: OrphanActionDeps, m: OrphanMember): Promise<MemberShadow | null> {
  if (!m.account) return null;
  const row = await deps.store.db.selectFrom('member_links').select('shadow').where('connection_id', '=', deps.connection.id).where('account_id', '=', m.account).executeTakeFirst();
  return row?.shadow ? (JSON.parse(row.shadow) as MemberShadow) : null;
}

/**
 * The orphan becomes the link of `key`, origin 'matched' (the member keeps its WeCom userid, as an
 * adopted one does): a link it had (a deleted or out-of-scope object's) moves with its shadow; an
 * unlinked one is linked with no shadow, so the next run writes every mapped field. The decision and the observation go: it is no orphan any more.
 */
async function moveLink(deps: OrphanActionDeps, trx: Tx, o: OrphanMember | OrphanDepartment, key: string): Promise<void> {
  const c = { connectionId: deps.connection.id, runId: null, opId: null, now: nowOf(deps) };
  if ('userid' in o) {
    let shadow: MemberShadow | null = null;
    if (o.account) {
      const row = await trx.selectFrom('member_links').select(['shadow', 'origin']).where('connection_id', '=', c.connectionId).where('account_id', '=', o.account).executeTakeFirst();
      if (row) {
        shadow = row.shadow ? (JSON.parse(row.shadow) as MemberShadow) : null;
      }
      await trx.deleteFrom('member_links').where('connection_id', '=', c.connectionId).where('account_id', '=', o.account).execute();
    }
    await putMemberLink(trx, c, { key, userid: o.userid, origin: 'matched', shadow }, 'active');
    await clearDecision(trx, c.connectionId, 'member', o.userid);
    await dropObservation(trx, c.connectionId, 'member', o.userid);
    return;
  }
  let shadow: DepartmentShadow | null = null;
  if (o.organization) {
    const row = await trx.selectFrom('department_links').select(['shadow', 'origin']).where('connection_id', '=', c.connectionId).where('org_id', '=', o.organization).executeTakeFirst();
    if (row) {
      shadow = row.shadow ? (JSON.parse(row.shadow) as DepartmentShadow) : null;
    }
    await trx.deleteFrom('department_links').where('connection_id', '=', c.connectionId).where('org_id', '=', o.organization).execute();
  }
  await putDepartmentLink(trx, c, { key, departmentId: o.departmentId, origin: 'matched', shadow }, 'active');
  await clearDecision(trx, c.connectionId, 'department', String(o.departmentId));
  await dropObservation(trx, c.connectionId, 'department', String(o.departmentId));
}
