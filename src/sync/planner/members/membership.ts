// Members and departments: member operations wait for the creates of the departments they put a
// member in; for the department delete phase, which operation takes a member out of which
// department (ctx.memberLeftBy) and how many members stay in each department to be deleted
// (ctx.remainingMembers).
import type { Operation } from '../../../domain/plan.js';
import { type PlanContext, pushTo } from '../context.js';
import { lower } from '../util.js';
import type { MemberPhase } from './state.js';

export function waitForDepartmentCreates(ctx: PlanContext, ops: Operation[]): void {
  for (const op of ops) {
    const departments = op.kind === 'member.create' ? op.body.department : op.kind === 'member.update' || op.kind === 'member.disable' ? (op.body.department ?? []) : [];
    for (const d of departments) {
      const c = ctx.createdBy.get(d);
      if (c && !op.dependsOn.includes(c)) op.dependsOn.push(c);
    }
  }
}

/** ctx.memberLeftBy, and each linked member's departments once the operations ran (LinkedMember.after). */
export function recordDepartures(ctx: PlanContext, ops: Operation[]): void {
  for (const op of ops) {
    const state = ctx.memberLinks.get(op.key);
    if (!state || !state.exists) continue;
    if (op.kind === 'member.delete') {
      if (op.target.userid === state.link.userid) {
        for (const d of state.current) pushTo(ctx.memberLeftBy, d, op.id);
        state.after = [];
      }
    } else if ((op.kind === 'member.update' || op.kind === 'member.disable') && op.body.department) {
      const next = new Set(op.body.department);
      for (const d of state.current) if (!next.has(d)) pushTo(ctx.memberLeftBy, d, op.id);
      state.after = op.body.department;
    }
  }
}

/** Members left in departments that are to be deleted (only those are ever asked about): linked ones, and unmanaged ones from the list. */
export function countRemainingMembers(ctx: PlanContext, ms: MemberPhase): void {
  const doomed = ctx.deleteCandidates;
  if (doomed.size === 0) return;
  const count = (d: number): void => {
    if (doomed.has(d)) ctx.remainingMembers.set(d, (ctx.remainingMembers.get(d) ?? 0) + 1);
  };
  for (const { exists, current, after } of ctx.memberLinks.values()) {
    if (!exists) continue;
    for (const d of after ?? current) count(d);
  }
  for (const m of ctx.input.observed?.members ?? []) {
    if (m.department.some((d) => doomed.has(d)) && ms.holders.get(lower(m.userid)) === '') for (const d of m.department) count(d);
  }
}
