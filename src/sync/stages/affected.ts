// Which directory objects a batch of change-feed entries can affect in WeCom: the keys an
// incremental run plans. Generous on purpose — planning an unchanged object costs nothing (its
// shadow matches, no operation), missing one leaves WeCom wrong until the next full reconcile.
import type { Change } from '../../domain/change.js';
import type { Account } from '../../domain/account.js';
import type { Directory, DirectorySnapshot } from '../../directory/directory.js';

export interface AffectedKeys {
  organizations: Set<string>;
  accounts: Set<string>;
}

/**
 * - an organization: itself, its siblings (a rename can make or end a sibling-name collision),
 *   its subtree (a move or a scope/filter change carries the subtree in or out of scope) and the
 *   accounts in any of those (their affiliation or scope may change);
 * - an account: itself and its reports (their direct_leader names its userid, which a username
 *   change, a create, a delete or a scope change alters).
 * Deleted objects are named too: the planner deletes or disables them per policy.
 */
export function affectedKeys(changes: readonly Change[], snapshot: DirectorySnapshot): AffectedKeys {
  const out: AffectedKeys = { organizations: new Set(), accounts: new Set() };
  const orgById = new Map(snapshot.organizations.map((o) => [o.id, o]));
  const childrenOf = new Map<string | null, string[]>();
  for (const o of snapshot.organizations) {
    const l = childrenOf.get(o.parentId);
    if (l) l.push(o.id);
    else childrenOf.set(o.parentId, [o.id]);
  }
  const reportsOf = new Map<string, string[]>();
  const accountsIn = new Map<string, string[]>();
  for (const a of snapshot.accounts) {
    if (a.managerId) {
      const l = reportsOf.get(a.managerId);
      if (l) l.push(a.id);
      else reportsOf.set(a.managerId, [a.id]);
    }
    for (const org of a.organizationIds) {
      const l = accountsIn.get(org);
      if (l) l.push(a.id);
      else accountsIn.set(org, [a.id]);
    }
  }
  const subtrees = new Set<string>();
  for (const c of changes) {
    if (c.objectType === 'organization') {
      out.organizations.add(c.objectId);
      const o = orgById.get(c.objectId);
      if (o) for (const s of childrenOf.get(o.parentId) ?? []) out.organizations.add(s);
      if (o) subtrees.add(o.id);
    } else {
      out.accounts.add(c.objectId);
      for (const r of reportsOf.get(c.objectId) ?? []) out.accounts.add(r);
    }
  }
  // subtrees of changed organizations (each walked once)
  const seen = new Set<string>();
  const stack = [...subtrees];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    out.organizations.add(id);
    for (const a of accountsIn.get(id) ?? []) out.accounts.add(a);
    for (const ch of childrenOf.get(id) ?? []) stack.push(ch);
  }
  return out;
}

/** What an incremental run maps: every organization, and only the accounts it needs. */
interface AffectedInput {
  keys: AffectedKeys;
  /** The input for mapDirectory: all organizations (sibling names, scope roots and ancestors need the tree), the affected accounts and their managers. */
  snapshot: DirectorySnapshot;
}

/**
 * The same keys as affectedKeys(), read without loading every account: the organization tree,
 * the changed accounts, their reports, the accounts under changed organizations, and the managers
 * of all of those (direct_leader needs the manager's userid). Reads are not one transaction: a
 * write landing meanwhile has its own, later, feed entry, so the next run plans its keys again.
 */
export async function collectAffected(directory: Directory, changes: readonly Change[]): Promise<AffectedInput> {
  const organizations = await directory.getTree();
  const keys: AffectedKeys = { organizations: new Set(), accounts: new Set() };
  const orgById = new Map(organizations.map((o) => [o.id, o]));
  const childrenOf = new Map<string | null, string[]>();
  for (const o of organizations) {
    const l = childrenOf.get(o.parentId);
    if (l) l.push(o.id);
    else childrenOf.set(o.parentId, [o.id]);
  }
  const loaded = new Map<string, Account>();
  const changedAccounts = new Set<string>();
  const subtreeRoots = new Set<string>();
  for (const c of changes) {
    if (c.objectType === 'organization') {
      keys.organizations.add(c.objectId);
      const o = orgById.get(c.objectId);
      if (o) {
        for (const s of childrenOf.get(o.parentId) ?? []) keys.organizations.add(s);
        subtreeRoots.add(o.id);
      }
    } else changedAccounts.add(c.objectId);
  }
  // subtrees of changed organizations: nested roots are covered by their outermost one
  for (const id of subtreeRoots) {
    let p = orgById.get(id)?.parentId ?? null;
    let nested = false;
    while (p !== null && !nested) {
      nested = subtreeRoots.has(p);
      p = orgById.get(p)?.parentId ?? null;
    }
    if (nested) continue;
    const stack = [id];
    while (stack.length > 0) {
      const o = stack.pop()!;
      keys.organizations.add(o);
      for (const ch of childrenOf.get(o) ?? []) stack.push(ch);
    }
    for (const a of await directory.accountsInSubtree(id)) {
      loaded.set(a.id, a);
      keys.accounts.add(a.id);
    }
  }
  // changed accounts and their reports
  for (const id of changedAccounts) {
    keys.accounts.add(id);
    if (!loaded.has(id)) {
      const a = await directory.getAccount(id);
      if (a) loaded.set(id, a);
    }
  }
  if (changedAccounts.size > 0) {
    const reports = await directory.store.db.selectFrom('accounts').select('id').where('manager_id', 'in', [...changedAccounts]).execute();
    for (const { id } of reports) {
      keys.accounts.add(id);
      if (!loaded.has(id)) {
        const a = await directory.getAccount(id);
        if (a) loaded.set(id, a);
      }
    }
  }
  // managers, for direct_leader (mapped, not planned)
  for (const a of [...loaded.values()]) {
    if (a.managerId && !loaded.has(a.managerId)) {
      const m = await directory.getAccount(a.managerId);
      if (m) loaded.set(m.id, m);
    }
  }
  return { keys, snapshot: { organizations, accounts: [...loaded.values()] } };
}
