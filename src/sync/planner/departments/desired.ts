// Resolve, step 2: the desired tree, made valid. Keys are unique, unknown parents go under the
// root, parent cycles are broken, and of two siblings with the same name only the first (by key)
// is synced. The result is the organizations to sync, parents first. Organizations left alone keep
// their department id where they have one, so members may still use it.
import type { DesiredDepartment } from '../../../domain/desired.js';
import { type PlanContext, pushTo, warn } from '../context.js';
import { msg } from '../../../messages/index.js';
import { cmp } from '../util.js';
import { type CurrentDepartments, inRootSubtree, linkExists } from './current.js';

export interface DesiredTree {
  byKey: Map<string, DesiredDepartment>;
  /** Parent organization per key once validated (null = under the root). */
  parentKey: Map<string, string | null>;
  /**
   * Incremental run: the named organizations, plus desired ancestors WeCom does not have yet.
   * Undefined for a full reconcile.
   */
  inScope?: Set<string>;
  /** The organizations to sync, breadth first (parents before children, by key). */
  order: Array<{ key: string; depth: number }>;
}

export function resolveDesiredTree(ctx: PlanContext, cur: CurrentDepartments): DesiredTree {
  const byKey = uniqueByKey(ctx);
  // Incremental run: linked organizations it does not name keep their department, and children
  // and members named by the run may refer to them even when the desired state leaves them out.
  const named = ctx.input.scope ? new Set(ctx.input.scope.departments) : undefined;
  if (named) {
    for (const link of cur.linkByKey.values()) {
      if (!named.has(link.key) && linkExists(cur, link) && !ctx.untouchedDepartmentKeys.has(link.key)) ctx.departmentIdOf.set(link.key, link.departmentId);
    }
  }
  const { parentKey, anchors } = resolveParents(ctx, byKey, named);
  breakCycles(ctx, byKey, parentKey);
  const tree: DesiredTree = { byKey, parentKey, order: [] };
  if (named) tree.inScope = withAncestorsToCreate(named, tree, cur);
  tree.order = syncOrder(ctx, cur, tree, anchors);
  return tree;
}

function uniqueByKey(ctx: PlanContext): Map<string, DesiredDepartment> {
  const byKey = new Map<string, DesiredDepartment>();
  for (const d of [...ctx.input.desired.departments].sort((a, b) => cmp(a.key, b.key))) {
    if (byKey.has(d.key)) {
      warn(ctx, 'duplicate-key', msg('warning.duplicate-key', { key: d.key }), d.key);
      continue;
    }
    byKey.set(d.key, d);
  }
  return byKey;
}

/**
 * Parents not in the desired state go under the root, except in an incremental run where the
 * parent is a linked organization it does not name: that one is an anchor the tree hangs under.
 */
function resolveParents(ctx: PlanContext, byKey: Map<string, DesiredDepartment>, named: Set<string> | undefined) {
  const parentKey = new Map<string, string | null>();
  const anchors = new Set<string>();
  for (const d of byKey.values()) {
    if (d.parentKey !== null && !byKey.has(d.parentKey) && named && ctx.departmentIdOf.has(d.parentKey)) {
      anchors.add(d.parentKey);
      parentKey.set(d.key, d.parentKey);
    } else if (d.parentKey !== null && !byKey.has(d.parentKey)) {
      warn(ctx, 'unknown-parent', msg('warning.unknown-parent', { key: d.key, parent: d.parentKey! }), d.key);
      parentKey.set(d.key, null);
    } else parentKey.set(d.key, d.parentKey);
  }
  return { parentKey, anchors };
}

/** Breaks parent cycles (a directory bug, but never loop on it): the first key of a cycle goes under the root. */
function breakCycles(ctx: PlanContext, byKey: Map<string, DesiredDepartment>, parentKey: Map<string, string | null>): void {
  const state = new Map<string, 1 | 2>();
  for (const start of byKey.keys()) {
    const path: string[] = [];
    let cur: string | null | undefined = start;
    while (cur != null && !state.has(cur)) {
      state.set(cur, 1);
      path.push(cur);
      cur = parentKey.get(cur);
    }
    if (cur != null && state.get(cur) === 1) {
      const cycle = path.slice(path.indexOf(cur)).sort(cmp);
      warn(ctx, 'parent-cycle', msg('warning.parent-cycle', { cycle: cycle.join(', '), first: cycle[0]! }), cycle[0]);
      parentKey.set(cycle[0]!, null);
    }
    for (const k of path) state.set(k, 2);
  }
}

/** The named organizations plus their desired ancestors that WeCom does not have yet (created first). */
function withAncestorsToCreate(named: Set<string>, tree: DesiredTree, cur: CurrentDepartments): Set<string> {
  const inScope = new Set(named);
  for (const k of [...inScope]) {
    let p = tree.byKey.has(k) ? (tree.parentKey.get(k) ?? null) : null;
    while (p !== null && !inScope.has(p)) {
      const link = cur.linkByKey.get(p);
      if (link && linkExists(cur, link)) break;
      inScope.add(p);
      p = tree.parentKey.get(p) ?? null;
    }
  }
  return inScope;
}

/**
 * Breadth-first from the root (and the anchors): which organizations are synced, with their depth.
 * Children of an organization left alone are left alone too.
 */
function syncOrder(ctx: PlanContext, cur: CurrentDepartments, tree: DesiredTree, anchors: Set<string>): Array<{ key: string; depth: number }> {
  const childrenOf = new Map<string | null, string[]>();
  for (const k of tree.byKey.keys()) pushTo(childrenOf, tree.parentKey.get(k) ?? null, k);
  const order: Array<{ key: string; depth: number }> = [];
  const skipped = new Set<string>();
  let level: Array<string | null> = [null, ...[...anchors].sort(cmp)];
  for (let depth = 1; level.length > 0; depth++) {
    const next: string[] = [];
    for (const p of level) {
      const names = new Map<string, string>();
      for (const k of childrenOf.get(p) ?? []) {
        const d = tree.byKey.get(k)!;
        if ((p !== null && skipped.has(p)) || ctx.untouchedDepartmentKeys.has(k)) {
          skipped.add(k);
          keepAffiliation(ctx, cur, k);
        } else if (tree.inScope && !tree.inScope.has(k)) {
          // not named by this incremental run: left as it is, its id still usable
          const link = cur.linkByKey.get(k);
          if (link && linkExists(cur, link)) keepAffiliation(ctx, cur, k);
          else skipped.add(k);
        } else if (names.has(d.name)) {
          warn(ctx, 'sibling-name-conflict', msg('warning.sibling-name-conflict', { key: k, other: String(names.get(d.name)), name: d.name }), k);
          skipped.add(k);
          keepAffiliation(ctx, cur, k);
        } else {
          names.set(d.name, k);
          order.push({ key: k, depth });
        }
        next.push(k);
      }
    }
    level = next;
  }
  return order;
}

/** A linked department left alone keeps its members (they are not moved out because of a conflict). */
function keepAffiliation(ctx: PlanContext, cur: CurrentDepartments, key: string): void {
  const link = cur.linkByKey.get(key);
  if (link && linkExists(cur, link) && inRootSubtree(cur, link.departmentId)) ctx.departmentIdOf.set(key, link.departmentId);
}
