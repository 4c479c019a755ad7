// Seeded random planner inputs for the characterization test. Unlike the property test's directory
// histories (always consistent), these also hold what only a damaged or odd store produces:
// duplicate links and keys, links to the root or outside it, parent cycles, unknown parents,
// shadows that disagree with WeCom, taken userids. Own PRNG, so the inputs depend on nothing but
// this file (a fast-check upgrade would otherwise change them).
import type { DesiredDepartment, DesiredExtAttr, DesiredMember, DesiredMemberFields, DesiredState } from '../../../src/domain/desired.js';
import type { DepartmentLink, Links, MemberLink, MemberShadow } from '../../../src/domain/link.js';
import type { Observed, ObservedDepartment, PlannerInput, PlannerOptions, PlannerSettings } from '../../../src/sync/planner/types.js';
import { ROOT, settings } from './fixtures.js';

/** xorshift32: deterministic across platforms and library versions. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  int(n: number): number {
    this.s ^= this.s << 13;
    this.s ^= this.s >>> 17;
    this.s ^= this.s << 5;
    return (this.s >>> 0) % n;
  }
  chance(p: number): boolean {
    return this.int(1000) < p * 1000;
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
  /** A sub-list (in order) keeping each element with probability p. */
  some<T>(list: readonly T[], p: number): T[] {
    return list.filter(() => this.chance(p));
  }
  /** `n` picks, repeats allowed. */
  picks<T>(list: readonly T[], n: number): T[] {
    return Array.from({ length: n }, () => this.pick(list));
  }
}

/** Departments this connection does not manage: one in the root, one outside it. */
export const LEGACY = 20;
const OUTSIDE = 11;
/** A member this connection does not manage (in LEGACY). */
export const STRANGER = 's1';

const ORG_KEYS = ['o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7'];
const ACCOUNT_KEYS = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'];
const NAMES = ['A', 'B', 'C'];
const USERIDS = ['u1', 'u2', 'u3', 'u4', 'U2', STRANGER];
const LINKED_IDS = [21, 22, 23, 24, 25, 26, 27];
const TEXT = [undefined, '', 'p', 'q'];
const EXTATTRS: DesiredExtAttr[] = [
  { type: 0, name: 'e1', text: { value: 'v' } },
  { type: 0, name: 'e1', text: { value: '' } },
  { type: 0, name: 'e2', text: { value: 'w' } },
  { type: 1, name: 'e3', web: { url: 'https://x', title: 't' } },
  { type: 1, name: 'e3', web: { url: '', title: '' } },
];

function desiredDepartments(r: Rng): DesiredDepartment[] {
  const keys = r.some(ORG_KEYS, 0.6);
  if (keys.length > 0 && r.chance(0.1)) keys.push(r.pick(keys)); // duplicate key
  return keys.map((key) => {
    const parentKey = r.chance(0.4) ? null : r.chance(0.08) ? 'ox' : r.pick(ORG_KEYS);
    const d: DesiredDepartment = { key, name: r.pick(NAMES), parentKey };
    if (r.chance(0.2)) d.nameEn = r.pick(['En', 'Fr']);
    if (r.chance(0.2)) d.order = r.pick([0, 1, 5]);
    return d;
  });
}

const MOBILES = ['13800000001', '13800000002'];

/** Member fields; well-formed ones pass WeCom's field rules (a mobile number is always there). */
function fields(r: Rng, wellFormed: boolean): DesiredMemberFields {
  const f: DesiredMemberFields = { name: r.pick(['N1', 'N2']), enable: r.chance(0.85) ? 1 : 0 };
  const text = r.pick(TEXT);
  if (text !== undefined) f.alias = text;
  const mobile = wellFormed ? r.pick(MOBILES) : r.pick([undefined, '', ...MOBILES]);
  if (mobile !== undefined) f.mobile = mobile;
  if (r.chance(0.3)) f.position = r.pick(['x', 'y']);
  if (r.chance(0.3)) f.gender = r.pick(['1', '2'] as const);
  if (r.chance(0.2)) f.avatar_mediaid = r.pick(['m1', 'm2']);
  if (r.chance(0.35)) f.direct_leader = r.some(USERIDS, 0.3);
  if (r.chance(0.3)) f.extattr = { attrs: r.some(EXTATTRS, 0.4) };
  return f;
}

function desiredMembers(r: Rng, wellFormed: boolean): DesiredMember[] {
  const keys = r.some(ACCOUNT_KEYS, 0.6);
  if (keys.length > 0 && r.chance(0.1)) keys.push(r.pick(keys));
  const members = keys.map((key) => {
    const departmentKeys = r.chance(0.1) ? null : r.picks([...ORG_KEYS, 'ox'], r.int(4));
    const m: DesiredMember = { key, userid: r.pick(USERIDS), departmentKeys, fields: fields(r, wellFormed) };
    if (departmentKeys && r.chance(0.3)) m.isLeaderIn = r.some(departmentKeys, 0.5);
    if (departmentKeys && r.chance(0.3)) m.order = departmentKeys.map(() => r.pick([0, 2]));
    if (r.chance(0.15)) m.toInvite = r.chance(0.5);
    return m;
  });
  // as the mapping does: direct leaders are enabled members of the same directory
  if (wellFormed) {
    const leaders = members.filter((m) => m.fields.enable === 1).map((m) => m.userid);
    for (const m of members) if (m.fields.direct_leader) m.fields.direct_leader = r.some(leaders, 0.3);
  }
  return members;
}

export function desiredState(r: Rng, wellFormed = false): DesiredState {
  return { departments: desiredDepartments(r), members: desiredMembers(r, wellFormed) };
}

/** A few directory edits: what a change feed brings between two runs (renames, swaps, moves, order, leaders, userids). */
export function perturb(r: Rng, d: DesiredState): DesiredState {
  const departments = d.departments.map((x) => {
    if (!r.chance(0.25)) return x;
    const y = { ...x };
    const kind = r.int(4);
    if (kind === 0) y.name = r.pick(NAMES);
    else if (kind === 1) y.parentKey = r.chance(0.5) ? null : r.pick(d.departments).key;
    else if (kind === 2) y.order = r.pick([0, 1, 5]);
    else y.nameEn = r.pick(['En', 'Fr']);
    return y;
  });
  const members = d.members.map((x) => {
    if (!r.chance(0.3)) return x;
    const y = { ...x, fields: { ...x.fields } };
    const keys = y.departmentKeys ?? [];
    const kind = r.int(6);
    if (kind === 0) y.order = keys.map(() => r.pick([0, 2, 3]));
    else if (kind === 1) y.isLeaderIn = r.some(keys, 0.5);
    else if (kind === 2) y.fields.enable = y.fields.enable === 1 ? 0 : 1;
    else if (kind === 3) y.userid = r.pick(USERIDS);
    else if (kind === 4) y.departmentKeys = y.departmentKeys && [...y.departmentKeys].reverse();
    else y.fields.position = r.pick(['x', 'y', 'z']);
    return y;
  });
  // sometimes a swap: names of two organizations, userids of two accounts
  if (departments.length >= 2 && r.chance(0.3)) swap(r, departments, 'name');
  if (members.length >= 2 && r.chance(0.3)) swap(r, members, 'userid');
  return { departments, members };
}

function swap<T, K extends keyof T>(r: Rng, list: T[], field: K): void {
  const i = r.int(list.length);
  const j = r.int(list.length);
  const a = list[i]!;
  const b = list[j]!;
  list[i] = { ...a, [field]: b[field] };
  list[j] = { ...b, [field]: a[field] };
}

function departmentLinks(r: Rng): DepartmentLink[] {
  const links = r.some(ORG_KEYS, 0.5).map((key): DepartmentLink => {
    const departmentId = r.chance(0.05) ? ROOT : r.chance(0.05) ? OUTSIDE : r.pick(LINKED_IDS);
    const shadow = r.chance(0.15) ? null : { name: r.pick(NAMES), parentid: r.pick([ROOT, ROOT, ...LINKED_IDS]), order: r.pick([0, 1]) };
    if (shadow && r.chance(0.2)) Object.assign(shadow, { nameEn: 'En' });
    return { key, departmentId, origin: r.pick(['created', 'matched'] as const), shadow };
  });
  if (links.length > 0 && r.chance(0.1)) links.push({ ...r.pick(links) });
  return links;
}

function memberShadow(r: Rng): MemberShadow {
  const { enable, ...f } = fields(r, false);
  const department = r.picks([ROOT, LEGACY, OUTSIDE, ...LINKED_IDS], 1 + r.int(2));
  const s: MemberShadow = { ...f, department };
  if (r.chance(0.8)) s.enable = enable;
  if (r.chance(0.3)) s.order = department.map(() => r.pick([0, 2]));
  if (r.chance(0.3)) s.is_leader_in_dept = department.map(() => r.pick([0, 1]));
  if (r.chance(0.3)) s.main_department = r.pick(department);
  return s;
}

function memberLinks(r: Rng): MemberLink[] {
  const links = r.some(ACCOUNT_KEYS, 0.5).map((key): MemberLink => ({
    key, userid: r.pick(USERIDS), origin: r.pick(['created', 'matched'] as const), shadow: r.chance(0.15) ? null : memberShadow(r),
  }));
  if (links.length > 0 && r.chance(0.1)) links.push({ ...r.pick(links) });
  return links;
}

function observed(r: Rng, links: Links): Observed {
  const o: Observed = {};
  if (r.chance(0.8)) {
    const rows: ObservedDepartment[] = [
      { id: 1, parentid: 0, order: 0 }, { id: ROOT, parentid: 1, order: 0 }, { id: OUTSIDE, parentid: 1, order: 0 }, { id: LEGACY, parentid: ROOT, order: 0 },
    ];
    for (const l of links.departments) {
      if (l.departmentId === ROOT || l.departmentId === OUTSIDE || rows.some((x) => x.id === l.departmentId) || r.chance(0.15)) continue;
      const parentid = l.shadow && r.chance(0.7) ? l.shadow.parentid : r.pick([ROOT, LEGACY, OUTSIDE, ...LINKED_IDS]);
      rows.push({ id: l.departmentId, parentid, order: l.shadow && r.chance(0.7) ? l.shadow.order : r.pick([0, 1]) });
    }
    if (r.chance(0.2)) rows.push({ id: r.pick([28, 40]), parentid: r.pick([ROOT, OUTSIDE]), order: 0 });
    o.departments = rows;
  }
  if (r.chance(0.8)) {
    const members = [{ userid: STRANGER, department: [LEGACY] }];
    for (const l of links.members) {
      if (r.chance(0.15) || members.some((m) => m.userid.toLowerCase() === l.userid.toLowerCase())) continue;
      members.push({ userid: l.userid, department: l.shadow && r.chance(0.7) ? [...l.shadow.department] : r.picks([ROOT, LEGACY, ...LINKED_IDS], 1 + r.int(2)) });
    }
    if (r.chance(0.2)) members.push({ userid: r.pick(['u3', 'u9']), department: [r.pick([LEGACY, ...LINKED_IDS])] });
    o.members = members;
  }
  return o;
}

export function plannerSettings(r: Rng): PlannerSettings {
  const s = settings({
    onAccountDeleted: r.pick(['delete', 'disable', 'ignore'] as const),
    onAccountDisabled: r.pick(['disable', 'delete'] as const),
    onOrganizationDeleted: r.pick(['delete', 'delete', 'keep'] as const),
    safety: { maxDeletes: r.pick([0, 3, 1000]), maxDeletePercent: r.pick([10, 100]) },
  });
  if (r.chance(0.3)) s.defaultDepartmentId = r.pick([LEGACY, 22, 99]);
  return s;
}

export function plannerOptions(r: Rng): PlannerOptions {
  const o: PlannerOptions = {};
  if (r.chance(0.7)) o.useridChange = r.pick(['auto', 'new_userid', 'recreate'] as const);
  if (r.chance(0.3)) o.departmentIdFloor = r.pick([25, 50]);
  return o;
}

/** Any input: links and observed lists need not agree with each other. */
export function rawInput(r: Rng): PlannerInput {
  const desired = desiredState(r);
  const links: Links = { departments: departmentLinks(r), members: memberLinks(r) };
  const input: PlannerInput = { desired, links, observed: observed(r, links), settings: plannerSettings(r), options: plannerOptions(r) };
  if (r.chance(0.3)) {
    const scope = { departments: r.some([...ORG_KEYS, 'ox'], 0.4), members: r.some(ACCOUNT_KEYS, 0.4) };
    input.scope = scope;
    // what an incremental run maps: only the named objects (sometimes more, which must not matter)
    if (r.chance(0.5))
      input.desired = { departments: desired.departments.filter((d) => scope.departments.includes(d.key)), members: desired.members.filter((m) => scope.members.includes(m.key)) };
  }
  return input;
}
