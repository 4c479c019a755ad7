// Stage helper "orphans" (pure): what a full run saw in WeCom that no account or organization of
// the connection owns. Computed from the observed id lists and the links after adoption, stored
// with the plan (state/orphans.ts) so that the orphans view answers without calling WeCom:
//   - 'not linked': a member or department in the connection's root subtree that no link holds
//     (made by hand in WeCom, by another connection, or left when a link was dropped);
//   - 'out of scope': a link whose account or organization the mapping no longer selects (the
//     connection's scope shrank, or the object was deleted: the view tells the two apart) and
//     that WeCom still has (policies disable / ignore / keep leave it there).
// Only ids and departments are known of 'not linked' ones: the lists carry nothing else, and
// details are refused to a newly trusted IP (48009).
import type { DesiredState } from '../../domain/desired.js';
import type { Links } from '../../domain/link.js';
import type { Relink } from '../../domain/plan.js';
import type { Observed } from '../planner/types.js';

export type OrphanWhy = 'not linked' | 'out of scope';

export interface ObservedOrphan {
  type: 'member' | 'department';
  /** the userid as WeCom spells it, or the department id as text */
  wecomId: string;
  why: OrphanWhy;
  /** 'out of scope': the key of the link that holds it */
  linkKey?: string;
  /** a member's departments; a department's [parentid] */
  departments: number[];
}

export interface OrphanScan {
  membersListed: boolean;
  departmentsListed: boolean;
  orphans: ObservedOrphan[];
}

export interface OrphanScanInput {
  observed: Observed;
  /** the links the plan starts from (adopted ones included) */
  links: Links;
  desired: DesiredState;
  /** objects the mapping held back this run: never orphans */
  held: { organizations: readonly string[]; accounts: readonly string[] };
  relinks?: readonly Relink[];
  rootDepartmentId: number;
}

/** The department ids under the root (itself excluded); without the list, those the links name. */
function subtreeOf(observed: Observed, links: Links, root: number): Set<number> {
  const out = new Set<number>();
  if (!observed.departments) {
    for (const l of links.departments) if (l.departmentId !== root) out.add(l.departmentId);
    return out;
  }
  const kids = new Map<number, number[]>();
  for (const d of observed.departments) {
    const list = kids.get(d.parentid);
    if (list) list.push(d.id);
    else kids.set(d.parentid, [d.id]);
  }
  const stack = [root];
  while (stack.length > 0) {
    for (const k of kids.get(stack.pop()!) ?? []) {
      if (out.has(k) || k === root) continue;
      out.add(k);
      stack.push(k);
    }
  }
  return out;
}

export function scanOrphans(input: OrphanScanInput): OrphanScan {
  const { observed, links, desired, rootDepartmentId: root } = input;
  const orphans: ObservedOrphan[] = [];
  const subtree = subtreeOf(observed, links, root);
  const inRoot = (d: number) => d === root || subtree.has(d);
  const released = new Set((input.relinks ?? []).map((r) => `${r.type}:${r.from}`));

  const wantedAccounts = new Set([...desired.members.map((m) => m.key), ...input.held.accounts]);
  const linkedUserids = new Map(links.members.map((l) => [l.userid.toLowerCase(), l]));
  if (observed.members) {
    for (const m of observed.members) {
      const link = linkedUserids.get(m.userid.toLowerCase());
      if (link) {
        if (!wantedAccounts.has(link.key) && !released.has(`member:${link.key}`))
          orphans.push({ type: 'member', wecomId: m.userid, why: 'out of scope', linkKey: link.key, departments: [...m.department] });
      } else if (m.department.some(inRoot)) {
        orphans.push({ type: 'member', wecomId: m.userid, why: 'not linked', departments: [...m.department] });
      }
    }
  }

  const wantedOrgs = new Set([...desired.departments.map((d) => d.key), ...input.held.organizations]);
  const linkedDepartments = new Map(links.departments.map((l) => [l.departmentId, l]));
  if (observed.departments) {
    for (const d of observed.departments) {
      const link = linkedDepartments.get(d.id);
      if (link) {
        if (d.id !== root && !wantedOrgs.has(link.key) && !released.has(`department:${link.key}`))
          orphans.push({ type: 'department', wecomId: String(d.id), why: 'out of scope', linkKey: link.key, departments: [d.parentid] });
      } else if (subtree.has(d.id)) {
        orphans.push({ type: 'department', wecomId: String(d.id), why: 'not linked', departments: [d.parentid] });
      }
    }
  }
  return { membersListed: observed.members !== undefined, departmentsListed: observed.departments !== undefined, orphans };
}
