// Resolve, step 1: what WeCom holds now, as far as this connection can tell. Department links are
// indexed (links to the root and duplicates are ignored), and the simulated tree is seeded from
// WeCom's department list — only the root's subtree, which is ours to act on — or, without the
// list, from the shadows.
import type { DepartmentLink } from '../../../domain/link.js';
import { type PlanContext, pushTo, warn } from '../context.js';
import { msg } from '../../../messages/index.js';
import type { ObservedDepartment } from '../types.js';
import { cmp } from '../util.js';
import { DepartmentSim } from './sim.js';

export interface CurrentDepartments {
  /** Usable department links by organization key. */
  linkByKey: Map<string, DepartmentLink>;
  /** The department ids of those links. */
  linkedIds: Set<number>;
  /** WeCom's department list by id; undefined when it was not read. */
  observedById?: Map<number, ObservedDepartment>;
  /** The root's subtree per that list; undefined when it was not read. */
  subtree?: Set<number>;
  sim: DepartmentSim;
}

export function readCurrentDepartments(ctx: PlanContext): CurrentDepartments {
  const cur: CurrentDepartments = { linkByKey: new Map(), linkedIds: new Set(), sim: new DepartmentSim() };
  indexLinks(ctx, cur);
  seedTree(ctx, cur);
  return cur;
}

/** The linked department exists in WeCom (assumed when the list was not read). */
export function linkExists(cur: CurrentDepartments, link: DepartmentLink): boolean {
  return cur.observedById ? cur.observedById.has(link.departmentId) : true;
}

/** False only when the list was read and the department lies outside the root's subtree. */
export function inRootSubtree(cur: CurrentDepartments, id: number): boolean {
  return !cur.subtree || cur.subtree.has(id);
}

/** Links to the root are ignored (the root is never touched), and so are duplicate links. */
function indexLinks(ctx: PlanContext, cur: CurrentDepartments): void {
  const root = ctx.settings.rootDepartmentId;
  for (const link of [...ctx.input.links.departments].sort((a, b) => cmp(a.key, b.key))) {
    if (link.departmentId === root) {
      warn(ctx, 'root-linked', msg('warning.root-linked', { key: link.key, root }), link.key);
      ctx.untouchedDepartmentKeys.add(link.key);
      continue;
    }
    if (cur.linkByKey.has(link.key) || cur.linkedIds.has(link.departmentId)) {
      warn(ctx, 'duplicate-link', msg('warning.duplicate-link', { key: link.key, id: link.departmentId }), link.key);
      continue;
    }
    cur.linkByKey.set(link.key, link);
    cur.linkedIds.add(link.departmentId);
  }
}

function seedTree(ctx: PlanContext, cur: CurrentDepartments): void {
  const { settings } = ctx;
  const root = settings.rootDepartmentId;
  const observed = ctx.input.observed?.departments;
  const { sim } = cur;
  sim.put(root, undefined, undefined);
  if (observed) {
    cur.observedById = new Map(observed.map((row) => [row.id, row]));
    cur.subtree = rootSubtree(root, observed);
    for (const row of observed) if (row.id !== root && cur.subtree.has(row.id)) sim.put(row.id, row.parentid, undefined);
  } else if (!ctx.input.scope) {
    // a scoped (incremental) plan reads no list by design: nothing to warn about
    warn(ctx, 'no-department-list', msg('warning.no-department-list'));
  }
  const defaultId = settings.defaultDepartmentId;
  if (defaultId !== undefined && !sim.has(defaultId)) {
    if (cur.observedById && !cur.observedById.has(defaultId)) warn(ctx, 'default-department-missing', msg('warning.default-department-missing', { id: defaultId }));
    sim.put(defaultId, cur.observedById?.get(defaultId)?.parentid, undefined);
  }
  for (const link of cur.linkByKey.values()) {
    if (!linkExists(cur, link)) continue;
    if (!inRootSubtree(cur, link.departmentId)) {
      warn(ctx, 'outside-root', msg('warning.outside-root', { id: link.departmentId, key: link.key }), link.key);
      ctx.untouchedDepartmentKeys.add(link.key);
      continue;
    }
    const parent = cur.observedById?.get(link.departmentId)?.parentid ?? link.shadow?.parentid;
    sim.put(link.departmentId, parent, link.shadow?.name);
  }
}

/** The root and everything below it in the list (which may cover the whole company). */
function rootSubtree(root: number, observed: ObservedDepartment[]): Set<number> {
  const kids = new Map<number, number[]>();
  for (const row of observed) pushTo(kids, row.parentid, row.id);
  const subtree = new Set([root]);
  const stack = [root];
  while (stack.length > 0) {
    for (const c of kids.get(stack.pop()!) ?? []) {
      if (!subtree.has(c)) {
        subtree.add(c);
        stack.push(c);
      }
    }
  }
  return subtree;
}
