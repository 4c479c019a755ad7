// Stage "adopt": existing WeCom objects the mapping's matching rules pair with directory objects,
// linked instead of created (no duplicate of a person who is already in WeCom). Members not linked
// yet are matched by userid (from the id list) and, when WeCom lets details be read, by mobile or
// e-mail; departments by name path or id, only while the connection has no department link yet
// (its first run). Only objects inside the connection's root subtree are adopted.
import type { DepartmentLink, Links, MemberLink } from '../../domain/link.js';
import type { PlanWarning } from '../../domain/plan.js';
import { matchDepartments, matchMembers, type ExistingMember, type MatchingRules } from '../../mapping/definitions/index.js';
import type { SyncClient } from '../executor/index.js';
import type { Observed, ObservedMember } from '../planner/types.js';
import type { StoredLinks } from '../state/links.js';
import type { MappedDirectory } from './map.js';
import { isDetailReadRefused } from './observe.js';
import { warning } from '../planner/context.js';
import { msg } from '../../messages/index.js';

export interface Adoption {
  members: Array<{ key: string; userid: string; by: string }>;
  departments: Array<{ key: string; departmentId: number; by: string }>;
  warnings: PlanWarning[];
}

export const NO_ADOPTION: Adoption = { members: [], departments: [], warnings: [] };

interface AdoptInput {
  client: SyncClient;
  rootDepartmentId: number;
  rules: MatchingRules;
  mapped: Pick<MappedDirectory, 'desired' | 'departmentIds'>;
  observed: Observed;
  links: StoredLinks;
}

export async function adopt(input: AdoptInput): Promise<Adoption> {
  const { observed } = input;
  const subtree = observed.departments ? subtreeOf(input.rootDepartmentId, observed.departments) : undefined;
  const members = await adoptMembers(input, subtree);
  const departments = await adoptDepartments(input);
  return { members: members.matched, departments: departments.matched, warnings: [...members.warnings, ...departments.warnings] };
}

/** The adopted objects as links (origin 'matched', values unknown: the plan sends every field). */
export function adoptedLinks(a: Adoption): Links {
  return {
    departments: a.departments.map((d): DepartmentLink => ({ key: d.key, departmentId: d.departmentId, origin: 'matched', shadow: null })),
    members: a.members.map((x): MemberLink => ({ key: x.key, userid: x.userid, origin: 'matched', shadow: null })),
  };
}

type Matched<T> = { matched: T[]; warnings: PlanWarning[] };

async function adoptMembers(input: AdoptInput, subtree: Set<number> | undefined): Promise<Matched<Adoption['members'][number]>> {
  const { rules, links, observed } = input;
  const none = { matched: [], warnings: [] };
  const linkedKeys = new Set(links.members.map((l) => l.key));
  const candidates = input.mapped.desired.members.filter((d) => !linkedKeys.has(d.key));
  if (candidates.length === 0 || rules.members.length === 0 || !observed.members) return none;
  const linkedUserids = new Set(links.members.map((l) => l.userid.toLowerCase()));
  const inside = (x: ObservedMember): boolean => subtree !== undefined && x.department.every((d) => subtree.has(d));
  const free = observed.members.filter((x) => !linkedUserids.has(x.userid.toLowerCase()) && inside(x));
  if (free.length === 0) return none;

  const warnings: PlanWarning[] = [];
  const existing = new Map<string, ExistingMember>(free.map((x) => [x.userid.toLowerCase(), { userid: x.userid }]));
  if (rules.members.some((r) => r !== 'userid')) {
    try {
      for (const d of await input.client.user.list(input.rootDepartmentId, { fetchChild: true })) {
        const e = existing.get(d.userid.toLowerCase());
        if (!e) continue;
        if (d.mobile) e.mobile = d.mobile;
        if (d.email) e.email = d.email;
      }
    } catch (e) {
      if (!isDetailReadRefused(e)) throw e;
      warnings.push(warning('match-details-refused', msg('warning.match-details-refused-members')));
    }
  }
  const r = matchMembers(candidates, [...existing.values()], rules.members);
  for (const a of r.ambiguous)
    warnings.push(warning('match-ambiguous', msg('warning.match-ambiguous-member', { key: a.key, by: a.by, candidates: a.candidates.join(', ') }), a.key));
  return { matched: r.matched, warnings };
}

async function adoptDepartments(input: AdoptInput): Promise<Matched<Adoption['departments'][number]>> {
  const { rules, links, observed, mapped } = input;
  const none = { matched: [], warnings: [] };
  if (links.departments.length > 0 || rules.departments === 'none' || mapped.desired.departments.length === 0 || !observed.departments?.length) return none;
  const warnings: PlanWarning[] = [];
  let existing: Array<{ id: number; parentid: number; name?: string }> = observed.departments;
  if (rules.departments === 'name-path') {
    try {
      existing = await input.client.department.list(input.rootDepartmentId);
    } catch (e) {
      if (!isDetailReadRefused(e)) throw e;
      warnings.push(warning('match-details-refused', msg('warning.match-details-refused-departments')));
      return { matched: [], warnings };
    }
  }
  if (existing.length === 0) return { matched: [], warnings };
  const r = matchDepartments(mapped.desired.departments, existing, input.rootDepartmentId, rules.departments, mapped.departmentIds);
  for (const a of r.ambiguous) warnings.push(warning('match-ambiguous', msg('warning.match-ambiguous-department', { key: a.key, candidates: a.candidates.join(', ') }), a.key));
  return { matched: r.matched, warnings };
}

/** The root and its descendants in a department list (the list may cover the whole company). */
function subtreeOf(root: number, departments: ReadonlyArray<{ id: number; parentid: number }>): Set<number> {
  const children = new Map<number, number[]>();
  for (const d of departments) {
    if (d.id === d.parentid) continue;
    const l = children.get(d.parentid);
    if (l) l.push(d.id);
    else children.set(d.parentid, [d.id]);
  }
  const out = new Set<number>([root]);
  const stack = [root];
  while (stack.length > 0) {
    for (const c of children.get(stack.pop()!) ?? []) {
      if (out.has(c)) continue;
      out.add(c);
      stack.push(c);
    }
  }
  return out;
}
