// Expression contexts: directory objects as the plain JSON the expressions read (see README.md,
// "Expression context"). Organization contexts are built once per run and shared by every
// account context that names them.
import type { Account } from '../../domain/account.js';
import type { Organization } from '../../domain/organization.js';
import type { Context } from '../expression/index.js';

export interface OrgNode {
  org: Organization;
  /** The context without `parent` (used as another context's parent / primary_organization.parent). */
  flat: Context;
  /** The organization's own context (flat + parent). */
  ctx: Context;
  parent: OrgNode | null;
  /** The parent id names no organization (or the parents form a cycle). */
  broken: 'missing-parent' | 'cycle' | null;
  /** On a parent cycle itself (not merely below one). */
  onCycle: boolean;
  /** Set by mapDirectory: 'in' (a desired department), 'held' (in scope, left out by a problem), null (out of scope). */
  state: 'in' | 'held' | null;
  depth: number;
  path: string;
  children: OrgNode[];
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Sorts by id and keeps one object per id (the first in a canonical order, so the choice does not
 * depend on the input order). Returns the ids that were duplicated.
 */
export function canonical<T extends { id: string }>(items: readonly T[]): { items: T[]; duplicates: string[] } {
  const sorted = [...items].sort(byId);
  const out: T[] = [];
  const duplicates: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const cur = sorted[i]!;
    const prev = out[out.length - 1];
    if (prev && prev.id === cur.id) {
      if (duplicates[duplicates.length - 1] !== cur.id) duplicates.push(cur.id);
      if (JSON.stringify(cur) < JSON.stringify(prev)) out[out.length - 1] = cur;
    } else {
      out.push(cur);
    }
  }
  return { items: out, duplicates };
}

/** Indexes organizations (already canonical): parents, children (by id), path, depth, contexts. */
export function indexOrganizations(orgs: readonly Organization[]): Map<string, OrgNode> {
  const nodes = new Map<string, OrgNode>();
  for (const org of orgs) nodes.set(org.id, { org, flat: {}, ctx: {}, parent: null, broken: null, onCycle: false, state: null, depth: 0, path: '', children: [] });
  for (const n of nodes.values()) {
    const pid = n.org.parentId;
    if (pid === null) continue;
    const p = nodes.get(pid);
    if (!p || p === n) {
      n.broken = p ? 'cycle' : 'missing-parent';
      n.onCycle = p === n;
    }
    else {
      n.parent = p;
      p.children.push(n);
    }
  }
  // Depth and path, iteratively (no recursion on deep trees); cycles are found and marked.
  const done = new Set<OrgNode>();
  for (const start of nodes.values()) {
    if (done.has(start)) continue;
    const chain: OrgNode[] = [];
    const onChain = new Set<OrgNode>();
    let cur: OrgNode | null = start;
    while (cur && !done.has(cur) && !onChain.has(cur)) {
      chain.push(cur);
      onChain.add(cur);
      cur = cur.parent;
    }
    if (cur && onChain.has(cur)) {
      // cur starts a cycle: every node of the cycle is broken (and so is everything below it).
      let c: OrgNode | null = cur;
      do {
        c!.broken = 'cycle';
        c!.onCycle = true;
        c = c!.parent;
      } while (c && c !== cur);
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const n = chain[i]!;
      const p = n.parent;
      if (n.onCycle || !p) {
        n.depth = 0;
        n.path = n.org.name;
      } else {
        if (p.broken) n.broken ??= p.broken;
        n.depth = p.depth + 1;
        n.path = `${p.path}/${n.org.name}`;
      }
      done.add(n);
    }
  }
  for (const n of nodes.values()) n.flat = orgFlat(n);
  for (const n of nodes.values()) {
    n.ctx = orgFull(n);
    n.children.sort((a, b) => byId(a.org, b.org));
  }
  return nodes;
}

/** The account's organization ids, primary first, each once. */
export function accountOrganizationIds(a: Account): string[] {
  const ids: string[] = a.primaryOrganizationId ? [a.primaryOrganizationId] : [];
  for (const id of a.organizationIds ?? []) if (!ids.includes(id)) ids.push(id);
  return ids;
}

// Contexts are written as object literals, never with spread: V8 builds a spread copy of a
// 15-property object several times slower, which dominated a 100k-account run.

function orgFlat(n: OrgNode): Context {
  const o = n.org;
  return {
    id: o.id, external_id: o.externalId, name: o.name, code: o.code, order: o.order, status: o.status,
    attrs: o.attributes ?? {}, path: n.path, depth: n.depth,
  };
}

function orgFull(n: OrgNode): Context {
  const o = n.org;
  return {
    id: o.id, external_id: o.externalId, name: o.name, code: o.code, order: o.order, status: o.status,
    attrs: o.attributes ?? {}, path: n.path, depth: n.depth, parent: n.parent ? n.parent.flat : null,
  };
}

/** The account as `manager` shows it: its own fields and primary organization, no organizations list or manager. */
export function accountBaseContext(a: Account, orgs: ReadonlyMap<string, OrgNode>): Context {
  const primaryId = accountOrganizationIds(a)[0];
  const primary = primaryId !== undefined ? orgs.get(primaryId) : undefined;
  return {
    id: a.id, external_id: a.externalId, username: a.username, name: a.displayName, display_name: a.displayName,
    mobile: a.mobile, email: a.email, telephone: a.telephone, title: a.title, gender: a.gender,
    employee_number: a.employeeNumber, status: a.status, attrs: a.attributes ?? {},
    primary_organization: primary ? primary.ctx : null,
  };
}

/** The full account context: its fields, organizations (known ones, primary first) and manager (its base context). */
export function accountContext(a: Account, organizations: readonly OrgNode[], manager: Context | null): Context {
  const orgCtxs: Context[] = new Array<Context>(organizations.length);
  for (let i = 0; i < organizations.length; i++) orgCtxs[i] = organizations[i]!.ctx;
  const primary = a.primaryOrganizationId === organizations[0]?.org.id ? organizations[0]! : undefined;
  return {
    id: a.id, external_id: a.externalId, username: a.username, name: a.displayName, display_name: a.displayName,
    mobile: a.mobile, email: a.email, telephone: a.telephone, title: a.title, gender: a.gender,
    employee_number: a.employeeNumber, status: a.status, attrs: a.attributes ?? {},
    primary_organization: primary ? primary.ctx : null, organizations: orgCtxs, manager,
  };
}

/** An account context with `organization` (for the leader rule, evaluated per organization). */
export function withOrganization(c: Context, organization: Context): Context {
  return {
    id: c.id, external_id: c.external_id, username: c.username, name: c.name, display_name: c.display_name,
    mobile: c.mobile, email: c.email, telephone: c.telephone, title: c.title, gender: c.gender,
    employee_number: c.employee_number, status: c.status, attrs: c.attrs,
    primary_organization: c.primary_organization, organizations: c.organizations, manager: c.manager, organization,
  };
}
