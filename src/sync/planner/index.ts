// The planner: desired state + links (with shadow state) + observed WeCom id lists + policies
// -> an ordered plan of WeCom operations, each with its reason. Pure: no I/O, no clock, no
// randomness; the same input gives the same plan.
//
// Phases (each emits operations valid in sequence; dependsOn edges allow concurrency; README.md
// says what each does and where it lives):
//  1. departments/resolve.ts: resolve the desired tree, assign ids to new departments, find deletions;
//  2. departments/structure.ts: create, move and rename in a simulated tree (parents first,
//     temporary names to break name conflicts);
//  3. members/: create, update (changed fields only), rename or re-create on userid change,
//     disable, delete;
//  4. departments/deletes.ts: department deletions, children first, after members and
//     sub-departments left;
//  5. orphans.ts: removals of orphans (WeCom objects no link owns) an admin requested, per policy.
import type { Plan, OperationKind } from '../../domain/plan.js';
import { OPERATION_KINDS } from '../../domain/plan.js';
import type { DepartmentCreateBody, DepartmentUpdateBody, MemberCreateBody, MemberUpdateBody } from '../../domain/plan.js';
import type { DepartmentCreate, DepartmentUpdate, MemberCreate, MemberUpdate } from '../../wecom/types.js';
import { type PlanContext, warning } from './context.js';
import { msg } from '../../messages/index.js';
import { planDeletes } from './departments/deletes.js';
import { resolveDepartments } from './departments/resolve.js';
import { planStructure } from './departments/structure.js';
import { planMembers } from './members/index.js';
import { planOrphanRemovals } from './orphans.js';
import type { PlannerInput } from './types.js';
import { topoSort } from './util.js';

export type { PlannerSettings } from './types.js';
export { applyToLinks } from './apply.js';

// The domain's body types must stay assignable to the WeCom wire types.
type Assignable<A extends B, B> = A;
export type BodyTypesAgree = [
  Assignable<DepartmentCreateBody, DepartmentCreate>,
  Assignable<DepartmentUpdateBody, DepartmentUpdate>,
  Assignable<MemberCreateBody, MemberCreate>,
  Assignable<MemberUpdateBody, MemberUpdate>,
];

export function planSync(input: PlannerInput): Plan {
  const ctx: PlanContext = {
    input,
    settings: input.settings,
    warnings: [],
    unlinks: [],
    relinks: [],
    departmentOps: [],
    memberOps: [],
    deleteOps: [],
    targets: new Map(),
    untouchedDepartmentKeys: new Set(),
    departmentIdOf: new Map(),
    deleteCandidates: new Map(),
    createdBy: new Map(),
    lastDepartmentOp: new Map(),
    childLeftBy: new Map(),
    memberLeftBy: new Map(),
    remainingMembers: new Map(),
    memberLinks: new Map(),
  };
  const sim = resolveDepartments(ctx);
  planStructure(ctx, sim);
  planMembers(ctx);
  planDeletes(ctx, sim);
  planOrphanRemovals(ctx, sim);

  const operations = topoSort([...ctx.departmentOps, ...ctx.memberOps, ...ctx.deleteOps]);
  const byKind = Object.fromEntries(OPERATION_KINDS.map((k) => [k, 0])) as Record<OperationKind, number>;
  for (const op of operations) byKind[op.kind] += 1;
  const deletes = byKind['member.delete'] + byKind['department.delete'];
  const disables = byKind['member.disable'];
  const linked = input.links.departments.length + input.links.members.length;
  const { maxDeletes, maxDeletePercent } = input.settings.safety;
  const destructive = deletes + disables;
  const exceeded = destructive > maxDeletes || (destructive > 0 && (linked === 0 || (destructive * 100) / linked > maxDeletePercent));
  if (exceeded)
    ctx.warnings.push(warning('safety-threshold', msg('warning.safety-threshold', { n: destructive, linked, maxDeletes, maxDeletePercent })));
  return {
    operations,
    unlinks: ctx.unlinks,
    ...(ctx.relinks.length > 0 ? { relinks: ctx.relinks } : {}),
    summary: { total: operations.length, byKind },
    safety: { deletes, disables, linked, exceeded, limit: { maxDeletes, maxDeletePercent } },
    warnings: ctx.warnings,
  };
}
