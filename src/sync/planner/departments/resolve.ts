// Department phase 1, resolve: the current tree (./current.ts) and the valid desired tree
// (./desired.ts) give the targets — each synced organization with its WeCom id, linked or newly
// assigned — and the linked departments to delete.
import type { DepartmentLink } from '../../../domain/link.js';
import { type DepartmentTarget, type PlanContext, warn } from '../context.js';
import { msg } from '../../../messages/index.js';
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
  const released = releasedDepartments(ctx, cur, tree);
  for (const { key, depth } of tree.order) {
    const d = tree.byKey.get(key)!;
    const pk = tree.parentKey.get(key) ?? null;
    const parentId = pk === null ? root : ctx.departmentIdOf.get(pk)!;
    // a new organization, or one whose department is gone from WeCom, may take over a released one
    const own = cur.linkByKey.get(key);
    const taken = own && linkExists(cur, own) ? undefined : takeOver(ctx, cur, released, key, d.name, parentId);
    const link = taken?.link ?? own;
    const id = link ? link.departmentId : ++maxId;
    if (!link && !cur.observedById && !warnedBlindIds) {
      warnedBlindIds = true;
      warn(ctx, 'blind-department-ids', msg('warning.blind-department-ids', { id }));
    }
    const t: DepartmentTarget = { key, id, name: d.name, parentId, depth, exists: link ? linkExists(cur, link) : false };
    if (d.nameEn !== undefined) t.nameEn = d.nameEn;
    if (d.order !== undefined) t.order = d.order;
    if (link) t.link = link;
    if (taken) t.rehiredFrom = taken.from;
    ctx.targets.set(key, t);
    ctx.departmentIdOf.set(key, id);
  }
  if (maxId > 2 ** 31 - 1) throw new Error('no free department id below 2^31');
}

/**
 * Department links whose organization is gone (not desired, and planned by this run or known
 * deleted: input.released), by the name slot (parent id, name) they hold in the simulated tree.
 */
function releasedDepartments(ctx: PlanContext, cur: CurrentDepartments, tree: DesiredTree): Map<string, DepartmentLink> {
  const out = new Map<string, DepartmentLink>();
  const known = new Set(ctx.input.released?.departments ?? []);
  for (const link of cur.linkByKey.values()) {
    if (tree.byKey.has(link.key) || ctx.untouchedDepartmentKeys.has(link.key)) continue;
    if (tree.inScope && !tree.inScope.has(link.key) && !known.has(link.key)) continue;
    if (!linkExists(cur, link) || !cur.sim.has(link.departmentId)) continue;
    const parent = cur.sim.parent.get(link.departmentId);
    const name = cur.sim.name.get(link.departmentId);
    if (parent !== undefined && name !== undefined) out.set(`${parent}\u0000${name}`, link);
  }
  return out;
}

/**
 * A new organization with the name and parent of a department a deleted organization left (the
 * same path) takes that department over (plan.relinks) instead of creating a sibling WeCom would
 * refuse with 60008.
 */
function takeOver(ctx: PlanContext, cur: CurrentDepartments, released: Map<string, DepartmentLink>, key: string, name: string, parentId: number): { link: DepartmentLink; from: string } | undefined {
  const slot = `${parentId}\u0000${name}`;
  const old = released.get(slot);
  if (!old) return undefined;
  released.delete(slot);
  cur.linkByKey.delete(old.key);
  const link: DepartmentLink = { ...old, key };
  cur.linkByKey.set(key, link);
  ctx.relinks.push({
    type: 'department', from: old.key, to: key, by: 'name-path',
    reason: `re-created: organization ${key} takes over department ${old.departmentId} ("${name}"), left by deleted organization ${old.key}`,
  });
  return { link, from: old.key };
}

/** Links no longer desired: unlinked when already gone or kept by policy, else delete candidates. */
function findDeletions(ctx: PlanContext, cur: CurrentDepartments, tree: DesiredTree): void {
  for (const link of cur.linkByKey.values()) {
    if (tree.byKey.has(link.key) || ctx.untouchedDepartmentKeys.has(link.key)) continue;
    if (tree.inScope && !tree.inScope.has(link.key)) continue;
    if (!linkExists(cur, link)) {
      ctx.unlinks.push({ type: 'department', key: link.key, reason: 'department already deleted in WeCom' });
    } else if (ctx.settings.onOrganizationDeleted === 'keep') {
      // the link stays (the department is left as it is): its name stays known, and a re-created
      // organization with the same path takes the department over
    } else if (link.departmentId === ctx.settings.defaultDepartmentId) {
      warn(ctx, 'default-department-kept', msg('warning.default-department-kept', { id: link.departmentId, key: link.key }), link.key);
    } else {
      ctx.deleteCandidates.set(link.departmentId, link);
    }
  }
}
