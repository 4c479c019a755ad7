// Structure phase, one step: a pending create or update (move, rename, other fields) runs against
// the simulated tree when it is valid at that point — the parent exists, no sibling holds the
// name, a move makes no cycle — and emits its operation with the dependencies that make it valid.
import type { DepartmentUpdateBody, FieldChange, Operation, Reason, ReasonCause } from '../../../domain/plan.js';
import { type DepartmentTarget, type PlanContext, noted, pushTo } from '../context.js';
import type { DepartmentSim } from './sim.js';

/** A desired department that must be created or changed. */
export interface Pending {
  t: DepartmentTarget;
  create: boolean;
}

export interface StructureState {
  sim: DepartmentSim;
  /** Sibling order per department id, from WeCom's department list. */
  observedOrder: Map<number, number>;
  /** Changes not run yet, by department id. */
  pendingById: Map<number, Pending>;
  /** The latest move: moves run one after another (a move can be valid only after another). */
  lastMove?: string;
  /** Name slot (parent, name) -> the operation that vacated it. */
  slotFreedBy: Map<string, string>;
  /** Departments renamed to a temporary name already (at most once each). */
  tempRenamed: Set<number>;
  /** A change that could not run -> the department holding the name it needs. */
  blockedBy: Map<Pending, number>;
}

const slotKey = (parent: number, name: string): string => `${parent}\u0000${name}`;

/** Records that `opId` frees the name slot department `id` holds now. */
export function vacate(st: StructureState, id: number, opId: string): void {
  const p = st.sim.parent.get(id);
  const n = st.sim.name.get(id);
  if (p !== undefined && n !== undefined) st.slotFreedBy.set(slotKey(p, n), opId);
}

export const deps = (...ids: Array<string | undefined>): string[] => [...new Set(ids.filter((x): x is string => x !== undefined))];

/** Runs the change if it is valid now; false when it must wait (or is blocked: see st.blockedBy). */
export function tryRun(ctx: PlanContext, st: StructureState, p: Pending): boolean {
  const { t } = p;
  if (!st.sim.has(t.parentId)) return false;
  const holder = st.sim.holder(t.parentId, t.name);
  if (holder !== undefined && holder !== t.id) {
    st.blockedBy.set(p, holder);
    return false;
  }
  if (!p.create) return runUpdate(ctx, st, t);
  runCreate(ctx, st, t);
  return true;
}

function runCreate(ctx: PlanContext, st: StructureState, t: DepartmentTarget): void {
  const id = `dept.create:${t.key}`;
  const body: { id: number; name: string; parentid: number; name_en?: string; order?: number } = { name: t.name, parentid: t.parentId, id: t.id };
  if (t.nameEn !== undefined) body.name_en = t.nameEn;
  if (t.order !== undefined) body.order = t.order;
  const changes: FieldChange[] = [
    { field: 'name', old: null, new: t.name },
    { field: 'parentid', old: null, new: t.parentId },
  ];
  if (t.nameEn !== undefined) changes.push({ field: 'name_en', old: null, new: t.nameEn });
  if (t.order !== undefined) changes.push({ field: 'order', old: null, new: t.order });
  const cause: ReasonCause = t.link && t.link.shadow ? 'drift: deleted in WeCom' : 'created in directory';
  const note = noted(!t.link ? 'note.dept.new-id' : t.link.shadow ? 'note.dept.recreated-same-id' : 'note.dept.interrupted-create', { id: t.id });
  ctx.departmentOps.push({
    id, kind: 'department.create', key: t.key, target: { departmentId: t.id }, body,
    dependsOn: deps(ctx.createdBy.get(t.parentId), st.slotFreedBy.get(slotKey(t.parentId, t.name))),
    reason: { cause, ...note, changes },
  });
  st.sim.put(t.id, t.parentId, t.name);
  ctx.createdBy.set(t.id, id);
  ctx.lastDepartmentOp.set(t.id, id);
}

/** A move and/or rename and/or other fields of a linked department; false when the move would make a cycle (yet). */
function runUpdate(ctx: PlanContext, st: StructureState, t: DepartmentTarget): boolean {
  const { sim } = st;
  const curParent = sim.parent.get(t.id);
  const moving = curParent !== t.parentId;
  if (moving && sim.isSelfOrAncestor(t.id, t.parentId)) return false;
  const { body, changes } = updateFields(st, t, moving);
  const id = `dept.update:${t.key}`;
  const dependsOn = deps(
    ctx.lastDepartmentOp.get(t.id),
    moving ? ctx.createdBy.get(t.parentId) : undefined,
    moving ? st.lastMove : undefined,
    moving || body.name !== undefined ? st.slotFreedBy.get(slotKey(t.parentId, t.name)) : undefined,
  );
  const op: Operation = { id, kind: 'department.update', key: t.key, target: { departmentId: t.id }, body, dependsOn, reason: updateReason(t, curParent, moving, changes) };
  ctx.departmentOps.push(op);
  if (moving || body.name !== undefined) vacate(st, t.id, id);
  if (moving) {
    st.lastMove = id;
    if (curParent !== undefined) pushTo(ctx.childLeftBy, curParent, id);
  }
  sim.put(t.id, t.parentId, t.name);
  ctx.lastDepartmentOp.set(t.id, id);
  return true;
}

/** The fields that differ from the simulated tree and the shadow (all of them without shadow). */
function updateFields(st: StructureState, t: DepartmentTarget, moving: boolean): { body: DepartmentUpdateBody; changes: FieldChange[] } {
  const shadow = t.link!.shadow;
  const body: DepartmentUpdateBody = { id: t.id };
  const changes: FieldChange[] = [];
  if (st.sim.name.get(t.id) !== t.name) {
    body.name = t.name;
    changes.push({ field: 'name', old: shadow?.name ?? null, new: t.name });
  }
  if (t.nameEn !== undefined && shadow?.nameEn !== t.nameEn) {
    body.name_en = t.nameEn;
    changes.push({ field: 'name_en', old: shadow?.nameEn ?? null, new: t.nameEn });
  }
  if (moving || !shadow) {
    // without shadow every field is written, so the stored shadow is complete afterwards
    body.parentid = t.parentId;
    changes.push({ field: 'parentid', old: st.sim.parent.get(t.id) ?? null, new: t.parentId });
  }
  const curOrder = st.observedOrder.get(t.id) ?? shadow?.order;
  if (t.order !== undefined && curOrder !== t.order) {
    body.order = t.order;
    changes.push({ field: 'order', old: curOrder ?? null, new: t.order });
  }
  return { body, changes };
}

function updateReason(t: DepartmentTarget, curParent: number | undefined, moving: boolean, changes: FieldChange[]): Reason {
  const shadow = t.link!.shadow;
  if (t.rehiredFrom !== undefined)
    return { cause: 're-created: takes over the department left by a deleted organization', changes, ...noted('note.dept.rehired', { id: t.id, from: String(t.rehiredFrom) }) };
  if (!shadow) return { cause: 'no shadow state', changes, ...noted('note.no-shadow') };
  if (moving && curParent !== shadow.parentid && t.parentId === shadow.parentid)
    return { cause: 'drift: moved in WeCom', changes, ...(curParent == null ? noted('note.dept.moved-back-unknown') : noted('note.dept.moved-back', { parent: curParent })) };
  return { cause: 'changed in directory', changes };
}
