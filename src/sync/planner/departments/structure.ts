// Department phase 2, structure: creates, moves and renames, run against the simulated tree
// (./changes.ts) in rounds, parents first, so that every operation is valid when it runs. When a
// round runs nothing, the holder of a needed name — a department that will be renamed, moved or
// deleted anyway — gets a temporary name; when no such holder exists, the blocked changes are
// dropped with a warning.
import { type DepartmentTarget, type PlanContext, noted, warn } from '../context.js';
import { msg } from '../../../messages/index.js';
import { cmp, temporaryName } from '../util.js';
import { type Pending, type StructureState, deps, tryRun, vacate } from './changes.js';
import type { DepartmentSim } from './sim.js';

/** Fills ctx.departmentOps with creates, moves and renames, in an order valid step by step. */
export function planStructure(ctx: PlanContext, sim: DepartmentSim): void {
  const st: StructureState = { sim, observedOrder: new Map(), pendingById: new Map(), slotFreedBy: new Map(), tempRenamed: new Set(), blockedBy: new Map() };
  for (const row of ctx.input.observed?.departments ?? []) st.observedOrder.set(row.id, row.order);
  let pending = pendingChanges(ctx, st);
  while (pending.length > 0) {
    const left = runRound(ctx, st, pending);
    const progress = left.length < pending.length;
    pending = left;
    if (progress) continue;
    if (renameHolderTemporarily(ctx, st, pending)) continue;
    // Creates that are dropped leave their children without a parent: those are dropped here too
    // (their parent never appears in the simulation), and members fall back per rule.
    dropBlocked(ctx, st, pending);
    break;
  }
}

/** Targets to create or change, parents first (by depth, then key). */
function pendingChanges(ctx: PlanContext, st: StructureState): Pending[] {
  const pending: Pending[] = [];
  for (const t of [...ctx.targets.values()].sort((a, b) => a.depth - b.depth || cmp(a.key, b.key))) {
    const create = !t.link || !t.exists;
    if (create || needsUpdate(st, t)) {
      const p = { t, create };
      pending.push(p);
      st.pendingById.set(t.id, p);
    }
  }
  return pending;
}

function needsUpdate(st: StructureState, t: DepartmentTarget): boolean {
  if (!t.link || !t.exists) return false;
  const shadow = t.link.shadow;
  if (!shadow) return true;
  if (st.sim.parent.get(t.id) !== t.parentId || st.sim.name.get(t.id) !== t.name) return true;
  if (t.nameEn !== undefined && shadow.nameEn !== t.nameEn) return true;
  const curOrder = st.observedOrder.get(t.id) ?? shadow.order;
  return t.order !== undefined && curOrder !== t.order;
}

/** Runs every pending change that is valid, in order; returns those that must wait. */
function runRound(ctx: PlanContext, st: StructureState, pending: Pending[]): Pending[] {
  const left: Pending[] = [];
  for (const p of pending) {
    st.blockedBy.delete(p);
    if (tryRun(ctx, st, p)) st.pendingById.delete(p.t.id);
    else left.push(p);
  }
  return left;
}

/** Frees one needed name by renaming its holder to a temporary name; false when none can be. */
function renameHolderTemporarily(ctx: PlanContext, st: StructureState, pending: Pending[]): boolean {
  const { sim } = st;
  for (const p of pending) {
    const holder = st.blockedBy.get(p);
    if (holder === undefined || !tempable(ctx, st, holder)) continue;
    const parent = sim.parent.get(holder)!;
    const oldName = sim.name.get(holder)!;
    const temp = temporaryName(oldName, holder, (n) => sim.holder(parent, n) !== undefined);
    // a tempable holder is pending or to be deleted
    const key = (st.pendingById.get(holder)?.t.key ?? ctx.deleteCandidates.get(holder)?.key)!;
    const id = `dept.rename-tmp:${key}`;
    ctx.departmentOps.push({
      id, kind: 'department.update', key, target: { departmentId: holder }, body: { id: holder, name: temp },
      dependsOn: deps(ctx.lastDepartmentOp.get(holder)),
      reason: {
        cause: 'temporary rename to free a name',
        ...noted(p.create ? 'note.dept.name-needed-new' : 'note.dept.name-needed-changed', { name: oldName, id: p.t.id, key: p.t.key }),
        changes: [{ field: 'name', old: oldName, new: temp }],
      },
    });
    vacate(st, holder, id);
    sim.put(holder, parent, temp);
    st.tempRenamed.add(holder);
    ctx.lastDepartmentOp.set(holder, id);
    return true;
  }
  return false;
}

/** A holder of a needed name can be renamed temporarily if it will change anyway. */
function tempable(ctx: PlanContext, st: StructureState, holder: number): boolean {
  if (st.tempRenamed.has(holder)) return false;
  if (ctx.deleteCandidates.has(holder)) return true;
  const p = st.pendingById.get(holder); // still pending: entries are removed once run
  return p !== undefined && (p.t.parentId !== st.sim.parent.get(holder) || p.t.name !== st.sim.name.get(holder));
}

/** Nothing can run: each remaining change is dropped with a warning (a dropped create also loses its id). */
function dropBlocked(ctx: PlanContext, st: StructureState, pending: Pending[]): void {
  for (const p of pending) {
    const holder = st.blockedBy.get(p);
    const why = holder !== undefined
      ? msg('why.name-held', { name: p.t.name, holder })
      : msg(st.sim.has(p.t.parentId) ? 'why.parent-cycle' : 'why.parent-not-created', { parent: p.t.parentId });
    warn(ctx, 'department-blocked', msg('warning.department-blocked', { key: p.t.key, action: msg(p.create ? 'phrase.not-created' : 'phrase.not-updated'), why }), p.t.key);
    if (p.create) {
      ctx.targets.delete(p.t.key);
      ctx.departmentIdOf.delete(p.t.key);
    }
  }
}
