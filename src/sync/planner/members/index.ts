// Member phase of the planner, step by step (each step in its own file):
//  1. classify: member list and links indexed, desired members (./classify.ts); re-hires: new
//     accounts take over the links deleted accounts left on members WeCom still has (./rehire.ts);
//  2. per desired member: delete when disabled and the policy says so (./removals.ts), create when
//     WeCom lacks it (./creates.ts), userid change by rename or re-create (./userids.ts), update of
//     the changed fields and departments (./updates.ts, ./fields.ts, ./affiliation.ts);
//  3. linked members no longer desired: delete or disable per policy (./removals.ts);
//  4. userid claims: taken userids must be free or freed first (./claims.ts);
//  5. direct_leader follow-ups (./leaders.ts), waits for department creates, and the departures
//     and remaining members the department deletes need (./membership.ts);
//  6. order: deletes first (they free userids), then the rest by key.
import type { DesiredMember } from '../../../domain/desired.js';
import type { Operation } from '../../../domain/plan.js';
import type { LinkedMember, PlanContext } from '../context.js';
import { cmp } from '../util.js';
import { findHolders, resolveClaims } from './claims.js';
import { classifyMembers } from './classify.js';
import { planCreate } from './creates.js';
import { planLeaders } from './leaders.js';
import { countRemainingMembers, recordDepartures, waitForDepartmentCreates } from './membership.js';
import { planRehires } from './rehire.js';
import { deleteDisabled, planRemovedMembers } from './removals.js';
import type { MemberPhase } from './state.js';
import { planUpdate } from './updates.js';
import { planUseridChange } from './userids.js';

/** Fills ctx.memberOps, ctx.memberLeftBy and ctx.remainingMembers (after the department structure phase). */
export function planMembers(ctx: PlanContext): void {
  const ms = classifyMembers(ctx);
  planRehires(ctx, ms);
  for (const { m, state } of ms.desired) planDesiredMember(ctx, ms, m, state);
  planRemovedMembers(ctx, ms);
  findHolders(ctx, ms);
  resolveClaims(ctx, ms);
  const ops = ms.ops.filter((op) => !ms.dropped.has(op));
  ops.push(...planLeaders(ops, ms.claims));
  waitForDepartmentCreates(ctx, ops);
  recordDepartures(ctx, ops);
  for (const op of ops) op.dependsOn.sort(cmp);
  countRemainingMembers(ctx, ms);
  ctx.memberOps.push(...ops.sort(byRank));
}

function planDesiredMember(ctx: PlanContext, ms: MemberPhase, m: DesiredMember, state: LinkedMember | undefined): void {
  if (m.fields.enable === 0 && ctx.settings.onAccountDisabled === 'delete') return deleteDisabled(ctx, ms, m, state);
  if (!state || !state.exists) return planCreate(ctx, ms, m, state);
  const userid = planUseridChange(ctx, ms, m, state);
  if (userid !== 'recreated') planUpdate(ctx, ms, m, state, userid === 'rename');
}

// Deletes first (they free userids), then the rest by key; the final topological sort keeps this.
const rank = (op: Operation): number =>
  op.kind === 'member.delete' ? 0 : op.kind === 'member.disable' ? 3 : op.id.endsWith('#direct_leader') ? 2 : 1;
const byRank = (a: Operation, b: Operation): number => rank(a) - rank(b) || cmp(a.key, b.key) || cmp(a.id, b.id);
