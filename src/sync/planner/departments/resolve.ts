// Department phase 1, resolve: the current tree (./current.ts) and the valid desired tree
// (./desired.ts) give the targets — each synced organization with its WeCom id, linked or newly
// assigned — and the linked departments to delete.
import { type DepartmentTarget, type PlanContext, warn } from '../context.js';
import { type CurrentDepartments, linkExists, readCurrentDepartments } from './current.js';
import { type DesiredTree, resolveDesiredTree } from './desired.js';
import type { DepartmentSim } from './sim.js';

/** Fills ctx.targets, ctx.departmentIdOf, ctx.deleteCandidates; returns the simulated current tree. */
export function resolveDepartments(ctx: PlanContext): DepartmentSim {
  const cur = readCurrentDepartments(ctx);
  const tree = resolveDesiredTree(ctx, cur);
  assignIds(ctx, cur, tree);
  findDeletions(ctx, cur, tree);
  return cur.sim;
}

/**
 * Links keep their ids; new departments get the next free ids above everything known, in key
 * order, so children and members can refer to them in the same plan and a retried create is
 * idempotent.
 */
function assignIds(ctx: PlanContext, cur: CurrentDepartments, tree: DesiredTree): void {
  const { settings, input } = ctx;
  const root = settings.rootDepartmentId;
  let maxId = Math.max(root, settings.defaultDepartmentId ?? 0, input.options?.departmentIdFloor ?? 0, ...cur.linkedIds);
  for (const id of cur.observedById?.keys() ?? []) if (id > maxId && id < 2 ** 31) maxId = id;
  let warnedBlindIds = false;
  for (const { key, depth } of tree.order) {
    const d = tree.byKey.get(key)!;
    const link = cur.linkByKey.get(key);
    const id = link ? link.departmentId : ++maxId;
    if (!link && !cur.observedById && !warnedBlindIds) {
      warnedBlindIds = true;
      warn(ctx, 'blind-department-ids', `new department ids (from ${id}) were chosen without WeCom's department list; an id made by hand since the last full read would collide (60008)`);
    }
    const pk = tree.parentKey.get(key) ?? null;
    const parentId = pk === null ? root : ctx.departmentIdOf.get(pk)!;
    const t: DepartmentTarget = { key, id, name: d.name, parentId, depth, exists: link ? linkExists(cur, link) : false };
    if (d.nameEn !== undefined) t.nameEn = d.nameEn;
    if (d.order !== undefined) t.order = d.order;
    if (link) t.link = link;
    ctx.targets.set(key, t);
    ctx.departmentIdOf.set(key, id);
  }
  if (maxId > 2 ** 31 - 1) throw new Error('no free department id below 2^31');
}

/** Links no longer desired: unlinked when already gone or kept by policy, else delete candidates. */
function findDeletions(ctx: PlanContext, cur: CurrentDepartments, tree: DesiredTree): void {
  for (const link of cur.linkByKey.values()) {
    if (tree.byKey.has(link.key) || ctx.untouchedDepartmentKeys.has(link.key)) continue;
    if (tree.inScope && !tree.inScope.has(link.key)) continue;
    if (!linkExists(cur, link)) {
      ctx.unlinks.push({ type: 'department', key: link.key, reason: 'department already deleted in WeCom' });
    } else if (ctx.settings.onOrganizationDeleted === 'keep') {
      ctx.unlinks.push({ type: 'department', key: link.key, reason: 'organization deleted in directory; department kept in WeCom (policy "keep")' });
    } else if (link.departmentId === ctx.settings.defaultDepartmentId) {
      warn(ctx, 'default-department-kept', `department ${link.departmentId} (organization ${link.key}) is the default department; not deleted`, link.key);
    } else {
      ctx.deleteCandidates.set(link.departmentId, link);
    }
  }
}
