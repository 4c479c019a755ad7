// Department phase 4, deletes: departments no longer desired (policy "delete"), deepest first,
// each after its sub-departments were deleted or moved out and its members left. A department
// that something stays in (a sub-department or member this connection does not remove) is not
// deleted: a warning says what stays.
import type { DepartmentLink } from '../../../domain/link.js';
import type { Operation } from '../../../domain/plan.js';
import { type PlanContext, noted, warn } from '../context.js';
import { type Message, msg } from '../../../messages/index.js';
import { cmp } from '../util.js';
import type { DepartmentSim } from './sim.js';

/** Fills ctx.deleteOps from ctx.deleteCandidates; runs after the member phase (ctx.remainingMembers). */
export function planDeletes(ctx: PlanContext, sim: DepartmentSim): void {
  const candidates = [...ctx.deleteCandidates.values()]
    .map((link) => ({ link, depth: depthIn(sim, link.departmentId) }))
    .sort((a, b) => b.depth - a.depth || cmp(a.link.key, b.link.key));
  const deletedBy = new Map<number, string>();
  const noMemberList = ctx.observedMembers === undefined;
  let warnedNoMembers = false;
  for (const { link } of candidates) {
    const d = link.departmentId;
    const kids = [...(sim.children.get(d) ?? [])].sort((x, y) => x - y);
    const staying = kids.filter((k) => !deletedBy.has(k));
    const members = ctx.remainingMembers.get(d) ?? 0;
    if (staying.length > 0 || members > 0) {
      warnNotDeleted(ctx, link, staying, members);
      continue;
    }
    if (noMemberList && !warnedNoMembers) {
      warnedNoMembers = true;
      warn(ctx, 'no-member-list-for-delete', msg('warning.no-member-list-for-delete'));
    }
    const op = deleteOp(ctx, link, kids.map((k) => deletedBy.get(k)!));
    ctx.deleteOps.push(op);
    deletedBy.set(d, op.id);
  }
}

function depthIn(sim: DepartmentSim, id: number): number {
  let d = 0;
  let cur: number | undefined = id;
  while (cur !== undefined && d <= sim.parent.size) {
    cur = sim.parent.get(cur);
    d++;
  }
  return d;
}

function warnNotDeleted(ctx: PlanContext, link: DepartmentLink, staying: number[], members: number): void {
  const parts: Message[] = [];
  if (staying.length > 0) parts.push(msg('phrase.sub-departments-staying', { n: staying.length, ids: staying.slice(0, 5).join(', ') }));
  if (members > 0) parts.push(msg('phrase.members-staying', { n: members }));
  const what = parts.length === 2 ? msg('phrase.and', { a: parts[0]!, b: parts[1]! }) : parts[0]!;
  warn(ctx, 'department-not-deleted', msg('warning.department-not-deleted', { key: link.key, id: link.departmentId, what }), link.key);
}

/** The delete waits for its sub-departments' deletes, for moves out of it, members leaving, and its own last change. */
function deleteOp(ctx: PlanContext, link: DepartmentLink, kidDeletes: string[]): Operation {
  const d = link.departmentId;
  const dependsOn = new Set<string>(kidDeletes);
  for (const x of ctx.childLeftBy.get(d) ?? []) dependsOn.add(x);
  for (const x of ctx.memberLeftBy.get(d) ?? []) dependsOn.add(x);
  const last = ctx.lastDepartmentOp.get(d);
  if (last) dependsOn.add(last);
  return {
    id: `dept.delete:${link.key}`, kind: 'department.delete', key: link.key, target: { departmentId: d }, body: { id: d },
    dependsOn: [...dependsOn].sort(cmp),
    reason: {
      cause: 'deleted in directory',
      ...noted('note.dept.delete-policy'),
      changes: [{ field: 'name', old: link.shadow?.name ?? null, new: null }],
    },
  };
}
