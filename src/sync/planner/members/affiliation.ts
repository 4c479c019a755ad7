// A member's departments: the desired ones (department ids, order, leader flags, main), whether
// they changed, and the update fields when they did. Departments are compared as sets.
import type { DesiredMember } from '../../../domain/desired.js';
import type { MemberShadow } from '../../../domain/link.js';
import type { FieldChange, MemberUpdateBody } from '../../../domain/plan.js';
import { type LinkedMember, type PlanContext, warn } from '../context.js';
import { msg } from '../../../messages/index.js';
import { sameMap, sameNumberSet } from '../util.js';
import type { MemberPhase } from './state.js';

interface Affiliation {
  department: number[];
  order?: number[];
  leaders: number[];
  main: number;
}

/**
 * The desired departments. With the default-department override (or no department keys) a
 * created member goes to the default department (or the root) and an update leaves them (null).
 * Organizations not synced are left out; with none left, the member goes to the fallback.
 */
export function affiliation(ctx: PlanContext, ms: MemberPhase, m: DesiredMember, forCreate: boolean): Affiliation | null {
  const { fallback } = ms;
  if (ms.override || m.departmentKeys === null) {
    if (!forCreate) return null;
    if (!ms.override) warn(ctx, 'no-default-department', msg('warning.no-default-department', { key: m.key, root: ctx.settings.rootDepartmentId }), m.key);
    return { department: [fallback], leaders: [0], main: fallback };
  }
  const department: number[] = [];
  const order: number[] = [];
  const leaders: number[] = [];
  const missing: string[] = [];
  m.departmentKeys.forEach((k, i) => {
    const id = ctx.departmentIdOf.get(k);
    if (id === undefined) {
      missing.push(k);
      return;
    }
    if (department.includes(id)) return;
    department.push(id);
    order.push(m.order?.[i] ?? 0);
    leaders.push(m.isLeaderIn?.includes(k) ? 1 : 0);
  });
  if (missing.length > 0) warn(ctx, 'department-not-synced', msg('warning.department-not-synced', { key: m.key, orgs: missing.join(', ') }), m.key);
  if (department.length === 0) {
    warn(ctx, 'no-department', msg(ctx.settings.defaultDepartmentId !== undefined ? 'warning.no-department-default' : 'warning.no-department-root', { key: m.key, id: fallback }), m.key);
    return { department: [fallback], leaders: [0], main: fallback };
  }
  const a: Affiliation = { department, leaders, main: department[0]! };
  if (m.order !== undefined) a.order = order;
  return a;
}

/**
 * Adds the department fields to an update when the member's departments differ from WeCom's
 * (as sets) or, per the shadow, its main department, leader flags or order changed. Returns true
 * when they had been changed by hand in WeCom and are restored (drift).
 */
export function diffAffiliation(ctx: PlanContext, ms: MemberPhase, m: DesiredMember, state: LinkedMember, body: MemberUpdateBody, changes: FieldChange[]): boolean {
  const shadow = state.link.shadow;
  const cur = state.current;
  if (sameAffiliation(ctx, ms, m, cur, shadow)) return false;
  const aff = affiliation(ctx, ms, m, false);
  if (!aff) return false;
  let changed = !shadow || !sameNumberSet(cur, aff.department);
  if (shadow && !changed) {
    changed =
      (shadow.main_department ?? shadow.department[0]) !== aff.main ||
      !sameLeaders(shadow.department, shadow.is_leader_in_dept, aff.department, aff.leaders) ||
      (aff.order !== undefined && !sameMap(orderMap(shadow.department, shadow.order), orderMap(aff.department, aff.order)));
  }
  if (!changed) return false;
  const shadowDepts = shadow?.department ?? cur;
  const drifted = !sameNumberSet(cur, shadowDepts) && sameNumberSet(aff.department, shadowDepts);
  body.department = aff.department;
  changes.push({ field: 'department', old: cur, new: aff.department });
  if (aff.order) {
    body.order = aff.order;
    changes.push({ field: 'order', old: shadow?.order ?? null, new: aff.order });
  }
  body.is_leader_in_dept = aff.leaders;
  changes.push({ field: 'is_leader_in_dept', old: shadow?.is_leader_in_dept ?? null, new: aff.leaders });
  body.main_department = aff.main;
  changes.push({ field: 'main_department', old: shadow?.main_department ?? shadow?.department[0] ?? null, new: aff.main });
  return drifted;
}

/** Allocation-free check that a member's departments (with order, leader flags, main) are unchanged. */
function sameAffiliation(ctx: PlanContext, ms: MemberPhase, m: DesiredMember, cur: readonly number[], shadow: MemberShadow | null): boolean {
  const keys = m.departmentKeys;
  if (ms.override) return true;
  if (!keys || !shadow || keys.length === 0 || keys.length !== cur.length || keys.length !== shadow.department.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const id = ctx.departmentIdOf.get(k);
    if (id === undefined || id !== shadow.department[i] || id !== cur[i]) return false;
    if ((shadow.is_leader_in_dept?.[i] ?? 0) !== (m.isLeaderIn?.includes(k) ? 1 : 0)) return false;
    if (m.order && (shadow.order?.[i] ?? 0) !== (m.order[i] ?? 0)) return false;
    if (i > 0 && keys.indexOf(k) < i) return false; // duplicates: take the slow path
  }
  return (shadow.main_department ?? shadow.department[0]) === cur[0];
}

function sameLeaders(sd: readonly number[], sl: readonly number[] | undefined, dd: readonly number[], dl: readonly number[]): boolean {
  if (sd.length === dd.length) {
    let same = true;
    for (let i = 0; i < sd.length && same; i++) same = sd[i] === dd[i] && (sl?.[i] ?? 0) === (dl[i] ?? 0);
    if (same) return true;
  }
  return sameMap(leaderMap(sd, sl), leaderMap(dd, dl));
}

function leaderMap(department: readonly number[], leaders: readonly number[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  department.forEach((d, i) => {
    if (leaders?.[i] === 1) m.set(String(d), '1');
  });
  return m;
}

function orderMap(department: readonly number[], order: readonly number[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  department.forEach((d, i) => m.set(String(d), String(order?.[i] ?? 0)));
  return m;
}
