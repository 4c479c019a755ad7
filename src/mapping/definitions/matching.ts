// Matching rules as pure functions: which existing WeCom members and departments a fresh
// connection should adopt (link) instead of creating duplicates. The caller (reconciler) passes
// only WeCom objects not linked yet, read from WeCom's lists.
import type { DesiredDepartment, DesiredMember } from '../../domain/desired.js';
import type { DepartmentMatchRule, MemberMatchRule } from './types.js';

export interface ExistingMember {
  userid: string;
  mobile?: string;
  email?: string;
}

interface MemberMatchResult {
  matched: Array<{ key: string; userid: string; by: MemberMatchRule }>;
  /** Several WeCom members fit (or one WeCom member fits several accounts): a human decides. */
  ambiguous: Array<{ key: string; candidates: string[]; by: MemberMatchRule }>;
  unmatched: string[];
}

/** Mobile comparison key: digits only, with mainland China's +86 / 0086 prefix dropped. */
export function mobileKey(mobile: string | undefined): string | undefined {
  if (!mobile) return undefined;
  let digits = mobile.replace(/[^\d+]/g, '');
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  if (digits.startsWith('+86')) digits = digits.slice(3);
  else if (/^861[3-9]\d{9}$/.test(digits)) digits = digits.slice(2);
  digits = digits.replace(/\D/g, '');
  return digits.length >= 4 ? digits : undefined;
}

const emailKey = (e: string | undefined): string | undefined => (e && e.includes('@') ? e.trim().toLowerCase() : undefined);

function index(existing: readonly ExistingMember[], key: (m: ExistingMember) => string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of existing) {
    const k = key(m);
    if (k === undefined) continue;
    const list = out.get(k);
    if (list) {
      if (!list.includes(m.userid)) list.push(m.userid);
    } else out.set(k, [m.userid]);
  }
  for (const l of out.values()) l.sort();
  return out;
}

/**
 * Tries the rules in order for each desired member: the first rule that finds exactly one WeCom
 * member matches; one that finds several makes the member ambiguous (later rules are not tried).
 * A WeCom member found for several accounts goes to the account whose rule came first; with a tie
 * every claimant is ambiguous. Deterministic: accounts in key order, candidates sorted.
 */
export function matchMembers(desired: readonly DesiredMember[], existing: readonly ExistingMember[], rules: readonly MemberMatchRule[]): MemberMatchResult {
  const byUserid = index(existing, (m) => m.userid.toLowerCase());
  const byMobile = index(existing, (m) => mobileKey(m.mobile));
  const byEmail = index(existing, (m) => emailKey(m.email));
  const sorted = [...desired].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  type Proposal = { key: string; rank: number; by: MemberMatchRule; candidates: string[] };
  const proposals: Proposal[] = [];
  const unmatched: string[] = [];
  for (const d of sorted) {
    let found: Proposal | undefined;
    for (const [rank, rule] of rules.entries()) {
      const k = rule === 'userid' ? d.userid.toLowerCase() : rule === 'mobile' ? mobileKey(d.fields.mobile) : emailKey(d.fields.email);
      const candidates = k === undefined ? undefined : (rule === 'userid' ? byUserid : rule === 'mobile' ? byMobile : byEmail).get(k);
      if (candidates && candidates.length > 0) {
        found = { key: d.key, rank, by: rule, candidates };
        break;
      }
    }
    if (found) proposals.push(found);
    else unmatched.push(d.key);
  }
  const claims = new Map<string, Proposal[]>();
  for (const p of proposals) {
    if (p.candidates.length !== 1) continue;
    const list = claims.get(p.candidates[0]!);
    if (list) list.push(p);
    else claims.set(p.candidates[0]!, [p]);
  }
  const result: MemberMatchResult = { matched: [], ambiguous: [], unmatched };
  for (const p of proposals) {
    if (p.candidates.length !== 1) {
      result.ambiguous.push({ key: p.key, candidates: [...p.candidates], by: p.by });
      continue;
    }
    const userid = p.candidates[0]!;
    const rivals = claims.get(userid)!;
    const best = Math.min(...rivals.map((r) => r.rank));
    const winners = rivals.filter((r) => r.rank === best);
    if (winners.length === 1 && winners[0] === p) result.matched.push({ key: p.key, userid, by: p.by });
    else result.ambiguous.push({ key: p.key, candidates: [userid], by: p.by });
  }
  return result;
}

interface ExistingDepartment {
  id: number;
  parentid: number;
  /** Unknown when WeCom refused details (48009): such departments can be matched by id only. */
  name?: string;
}

interface DepartmentMatchResult {
  matched: Array<{ key: string; departmentId: number; by: 'id' | 'name-path' }>;
  unmatched: string[];
  ambiguous: Array<{ key: string; candidates: number[] }>;
}

/**
 * Matches desired departments to WeCom departments strictly under `rootDepartmentId` (the root
 * itself is never adopted). 'name-path': a top-level department (parentKey null) matches a child
 * of the root with its name, a child matches a child of its parent's match — exact name first,
 * then case-insensitive; a department whose parent is unmatched stays unmatched. 'id': the ids
 * from mapDirectory's `departmentIds`. 'none': nothing matches.
 */
export function matchDepartments(
  desired: readonly DesiredDepartment[],
  existing: readonly ExistingDepartment[],
  rootDepartmentId: number,
  rule: DepartmentMatchRule,
  ids: ReadonlyArray<{ key: string; departmentId: number }> = [],
): DepartmentMatchResult {
  const keys = [...desired].map((d) => d.key).sort();
  const result: DepartmentMatchResult = { matched: [], unmatched: [], ambiguous: [] };
  const children = new Map<number, ExistingDepartment[]>();
  const byId = new Map<number, ExistingDepartment>();
  for (const e of existing) {
    if (byId.has(e.id)) continue;
    byId.set(e.id, e);
    if (e.id === rootDepartmentId) continue;
    const l = children.get(e.parentid);
    if (l) l.push(e);
    else children.set(e.parentid, [e]);
  }
  // Departments strictly under the root.
  const under = new Set<number>();
  const stack = [rootDepartmentId];
  while (stack.length > 0) {
    for (const c of children.get(stack.pop()!) ?? []) {
      if (under.has(c.id)) continue;
      under.add(c.id);
      stack.push(c.id);
    }
  }
  if (rule === 'none') return { ...result, unmatched: keys };

  if (rule === 'id') {
    const wanted = new Map(ids.map((x) => [x.key, x.departmentId]));
    const claimed = new Map<number, string[]>();
    for (const k of keys) {
      const id = wanted.get(k);
      if (id !== undefined && under.has(id)) claimed.set(id, [...(claimed.get(id) ?? []), k]);
    }
    for (const k of keys) {
      const id = wanted.get(k);
      const c = id !== undefined ? claimed.get(id) : undefined;
      if (id === undefined || !c) result.unmatched.push(k);
      else if (c.length === 1) result.matched.push({ key: k, departmentId: id, by: 'id' });
      else result.ambiguous.push({ key: k, candidates: [id] });
    }
    return result;
  }

  // name-path: top-down over the desired tree.
  const desiredByParent = new Map<string | null, DesiredDepartment[]>();
  const known = new Set(desired.map((d) => d.key));
  for (const d of desired) {
    const p = d.parentKey !== null && known.has(d.parentKey) ? d.parentKey : null;
    const l = desiredByParent.get(p);
    if (l) l.push(d);
    else desiredByParent.set(p, [d]);
  }
  const decided = new Set<string>();
  const queue: Array<{ parentKey: string | null; departmentId: number }> = [{ parentKey: null, departmentId: rootDepartmentId }];
  while (queue.length > 0) {
    const { parentKey, departmentId } = queue.shift()!;
    const group = [...(desiredByParent.get(parentKey) ?? [])].sort((a, b) => (a.key < b.key ? -1 : 1));
    const pool = (children.get(departmentId) ?? []).filter((e) => under.has(e.id) && e.name !== undefined);
    const proposals = new Map<string, number[]>();
    for (const d of group) {
      let c = pool.filter((e) => e.name === d.name).map((e) => e.id);
      if (c.length === 0) c = pool.filter((e) => e.name!.toLowerCase() === d.name.toLowerCase()).map((e) => e.id);
      proposals.set(d.key, c.sort((a, b) => a - b));
    }
    const claimCount = new Map<number, number>();
    for (const c of proposals.values()) if (c.length === 1) claimCount.set(c[0]!, (claimCount.get(c[0]!) ?? 0) + 1);
    for (const d of group) {
      decided.add(d.key);
      const c = proposals.get(d.key)!;
      if (c.length === 0) result.unmatched.push(d.key);
      else if (c.length > 1 || claimCount.get(c[0]!)! > 1) result.ambiguous.push({ key: d.key, candidates: c });
      else {
        result.matched.push({ key: d.key, departmentId: c[0]!, by: 'name-path' });
        queue.push({ parentKey: d.key, departmentId: c[0]! });
      }
    }
  }
  for (const k of keys) if (!decided.has(k)) result.unmatched.push(k);
  const byKey = (a: { key: string }, b: { key: string }): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  result.matched.sort(byKey);
  result.ambiguous.sort(byKey);
  result.unmatched.sort();
  return result;
}
