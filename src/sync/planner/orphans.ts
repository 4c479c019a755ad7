// Planner phase 5, orphan removals: WeCom members and departments no link owns, whose removal an
// admin requested (POST …/orphans/:type/:id/delete). Planned by full runs only (the id lists must
// show the orphan is still there and still unlinked), under the connection's deletion policy and
// counted by the safety threshold like every other delete:
//   members      onAccountDeleted "delete" → member.delete; "disable" → member.disable;
//                "ignore" → nothing (warning orphan-removal-refused);
//   departments  onOrganizationDeleted "delete" → department.delete, children first, once no
//                member or sub-department stays in it; "keep" → nothing (warning).
// The company's creator is never removed; a userid a desired account is about to take is not
// touched (a warning says so).
import type { Operation } from '../../domain/plan.js';
import { isCreator, noted, warn, type PlanContext } from './context.js';
import { type Message, msg } from '../../messages/index.js';
import type { DepartmentSim } from './departments/sim.js';
import { cmp, lower } from './util.js';

export interface OrphanRemoval {
  /** who asked, and when: shown in the operation's reason */
  by: string;
  at: string;
}

export const ORPHAN_KEY_PREFIX = 'orphan:';

/** The operation key of an orphan: it has no directory object. */
export const orphanOperationKey = (type: 'member' | 'department', wecomId: string | number): string => `${ORPHAN_KEY_PREFIX}${type}:${type === 'member' ? lower(String(wecomId)) : wecomId}`;


export function planOrphanRemovals(ctx: PlanContext, sim: DepartmentSim): void {
  const req = ctx.input.orphanRemovals;
  if (!req || ctx.input.scope) return;
  const removed = planMemberRemovals(ctx, req.members ?? []);
  planDepartmentRemovals(ctx, sim, req.departments ?? [], removed);
}

/** Returns userid (lower case) → the delete operation's id, for members that leave their departments. */
function planMemberRemovals(ctx: PlanContext, members: ReadonlyArray<OrphanRemoval & { userid: string }>): Map<string, string> {
  const deleted = new Map<string, string>();
  if (members.length === 0) return deleted;
  const policy = ctx.settings.onAccountDeleted;
  const observed = ctx.observedMembers;
  const linked = new Set([...ctx.memberLinks.values()].map((l) => l.lu));
  const claimed = new Set(ctx.input.desired.members.map((m) => lower(m.userid)));
  for (const r of [...members].sort((a, b) => cmp(lower(a.userid), lower(b.userid)))) {
    const lu = lower(r.userid);
    const key = orphanOperationKey('member', r.userid);
    const m = observed?.get(lu);
    if (!observed) {
      warn(ctx, 'orphan-removal-deferred', msg('warning.orphan-member-deferred', { userid: r.userid }), key);
      continue;
    }
    if (!m || linked.has(lu)) continue; // gone from WeCom, or linked since: nothing to remove
    if (claimed.has(lu)) {
      warn(ctx, 'orphan-removal-refused', msg('warning.orphan-member-mapped', { userid: m.userid }), key);
      continue;
    }
    if (isCreator(ctx, m.userid)) {
      warn(ctx, 'creator-protected', msg('warning.orphan-member-creator', { userid: m.userid }), key);
      continue;
    }
    if (policy === 'ignore') {
      warn(ctx, 'orphan-removal-refused', msg('warning.orphan-member-ignore-policy', { userid: m.userid }), key);
      continue;
    }
    const note = noted('note.orphan.member-removal', { by: r.by, at: r.at, policy });
    const op: Operation =
      policy === 'delete'
        ? { id: `member.delete:${key}`, kind: 'member.delete', key, target: { userid: m.userid }, body: { userid: m.userid }, dependsOn: [],
            reason: { cause: 'orphan: removal requested', ...note, changes: [{ field: 'userid', old: m.userid, new: null }] } }
        : { id: `member.disable:${key}`, kind: 'member.disable', key, target: { userid: m.userid }, body: { userid: m.userid, enable: 0 }, dependsOn: [],
            reason: { cause: 'orphan: removal requested', ...note, changes: [{ field: 'enable', old: null, new: 0 }] } };
    ctx.memberOps.push(op);
    if (op.kind === 'member.delete') deleted.set(lu, op.id);
  }
  return deleted;
}

function planDepartmentRemovals(ctx: PlanContext, sim: DepartmentSim, departments: ReadonlyArray<OrphanRemoval & { departmentId: number }>, memberDeletes: Map<string, string>): void {
  if (departments.length === 0) return;
  const observed = ctx.input.observed;
  const linkedIds = new Set(ctx.input.links.departments.map((l) => l.departmentId));
  const root = ctx.settings.rootDepartmentId;
  const wanted = new Map<number, OrphanRemoval>();
  for (const r of departments) {
    const key = orphanOperationKey('department', r.departmentId);
    if (!observed?.departments || !observed.members) {
      warn(ctx, 'orphan-removal-deferred', msg('warning.orphan-department-deferred', { id: r.departmentId }), key);
      continue;
    }
    if (!sim.has(r.departmentId) || linkedIds.has(r.departmentId) || r.departmentId === root || !sim.isSelfOrAncestor(root, r.departmentId)) continue;
    if (ctx.settings.onOrganizationDeleted === 'keep') {
      warn(ctx, 'orphan-removal-refused', msg('warning.orphan-department-keep-policy', { id: r.departmentId }), key);
      continue;
    }
    wanted.set(r.departmentId, r);
  }
  if (wanted.size === 0) return;
  // who stays in each department once this plan's member operations ran
  const stays = new Map<number, number>();
  const leavers = new Map<number, string[]>();
  const count = (d: number) => stays.set(d, (stays.get(d) ?? 0) + 1);
  const linkedByLu = new Map([...ctx.memberLinks.values()].map((l) => [l.lu, l]));
  for (const m of observed!.members ?? []) {
    const lu = lower(m.userid);
    const del = memberDeletes.get(lu);
    const lm = linkedByLu.get(lu);
    const after = lm?.after ?? m.department;
    for (const d of m.department) {
      if (!wanted.has(d)) continue;
      if (del) leavers.set(d, [...(leavers.get(d) ?? []), del]);
      else if (after.includes(d)) count(d);
    }
  }
  const depth = (id: number) => {
    let n = 0;
    for (let cur: number | undefined = id; cur !== undefined && n <= sim.parent.size; cur = sim.parent.get(cur)) n++;
    return n;
  };
  const deletedBy = new Map<number, string>();
  for (const d of [...wanted.keys()].sort((a, b) => depth(b) - depth(a) || a - b)) {
    const key = orphanOperationKey('department', d);
    const kids = [...(sim.children.get(d) ?? [])];
    const staying = kids.filter((k) => !deletedBy.has(k) && !ctx.deleteOps.some((op) => op.kind === 'department.delete' && op.body.id === k));
    const members = stays.get(d) ?? 0;
    if (staying.length > 0 || members > 0) {
      const parts: Message[] = [];
      if (staying.length > 0) parts.push(msg('phrase.sub-departments', { n: staying.length }));
      if (members > 0) parts.push(msg('phrase.members', { n: members }));
      const what = parts.length === 2 ? msg('phrase.and', { a: parts[0]!, b: parts[1]! }) : parts[0]!;
      warn(ctx, 'orphan-not-deleted', msg('warning.orphan-not-deleted', { id: d, what }), key);
      continue;
    }
    const r = wanted.get(d)!;
    const op: Operation = {
      id: `dept.delete:${key}`, kind: 'department.delete', key, target: { departmentId: d }, body: { id: d },
      dependsOn: [...new Set([...kids.map((k) => deletedBy.get(k)).filter((x): x is string => x !== undefined), ...(leavers.get(d) ?? []), ...(ctx.memberLeftBy.get(d) ?? [])])].sort(cmp),
      reason: { cause: 'orphan: removal requested', ...noted('note.orphan.department-removal', { by: r.by, at: r.at }), changes: [{ field: 'id', old: d, new: null }] },
    };
    ctx.deleteOps.push(op);
    deletedBy.set(d, op.id);
  }
}
