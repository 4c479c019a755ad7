// Department phases of the planner:
//  - resolveDepartments: validate the desired tree, assign ids to new departments, find deletions;
//  - planStructure: creates, moves and renames, simulated step by step against a model of the
//    current tree so that every step is valid (parent exists, no cycle, sibling names unique),
//    breaking name conflicts with temporary names;
//  - planDeletes: deletions of departments no longer desired, children first, after members left.
import type { DesiredDepartment } from '../../domain/desired.js';
import type { DepartmentLink } from '../../domain/link.js';
import type { DepartmentUpdateBody, FieldChange, Operation, ReasonCause } from '../../domain/plan.js';
import { type DepartmentTarget, type PlanContext, pushTo, warn } from './context.js';
import { cmp, temporaryName } from './util.js';

/** The department tree as it stands at one point of the plan. Names are known for linked ones only. */
export class DepartmentSim {
  readonly parent = new Map<number, number | undefined>();
  readonly name = new Map<number, string | undefined>();
  readonly children = new Map<number, Set<number>>();
  private readonly slots = new Map<number, Map<string, number>>();

  has(id: number): boolean {
    return this.parent.has(id);
  }

  holder(parent: number, name: string): number | undefined {
    return this.slots.get(parent)?.get(name);
  }

  /** Adds a department, or fills in what is known about one already added. */
  put(id: number, parent: number | undefined, name: string | undefined): void {
    if (this.parent.has(id)) this.detach(id);
    this.parent.set(id, parent);
    this.name.set(id, name);
    this.attach(id);
  }

  remove(id: number): void {
    this.detach(id);
    this.parent.delete(id);
    this.name.delete(id);
  }

  /** True when `ancestor` is `id` or lies on the parent chain above `id`. */
  isSelfOrAncestor(ancestor: number, id: number): boolean {
    let cur: number | undefined = id;
    for (let steps = 0; cur !== undefined && steps <= this.parent.size; steps++) {
      if (cur === ancestor) return true;
      cur = this.parent.get(cur);
    }
    return false;
  }

  private attach(id: number): void {
    const p = this.parent.get(id);
    if (p === undefined) return;
    let kids = this.children.get(p);
    if (!kids) this.children.set(p, (kids = new Set()));
    kids.add(id);
    const n = this.name.get(id);
    if (n !== undefined) {
      let slot = this.slots.get(p);
      if (!slot) this.slots.set(p, (slot = new Map()));
      slot.set(n, id);
    }
  }

  private detach(id: number): void {
    const p = this.parent.get(id);
    if (p === undefined) return;
    this.children.get(p)?.delete(id);
    const n = this.name.get(id);
    if (n !== undefined) {
      const slot = this.slots.get(p);
      if (slot?.get(n) === id) slot.delete(n);
    }
  }
}

/** Validates the desired tree and fills ctx.targets, ctx.deleteCandidates and the simulation. */
export function resolveDepartments(ctx: PlanContext): DepartmentSim {
  const { settings, input } = ctx;
  const root = settings.rootDepartmentId;
  const observed = input.observed?.departments;

  // --- links, indexed; links to the root are ignored (the root is never touched)
  const linkByKey = new Map<string, DepartmentLink>();
  const linkedIds = new Set<number>();
  for (const link of [...input.links.departments].sort((a, b) => cmp(a.key, b.key))) {
    if (link.departmentId === root) {
      warn(ctx, 'root-linked', `organization ${link.key} is linked to the root department ${root}, which is never changed; ignored`, link.key);
      ctx.untouchedDepartmentKeys.add(link.key);
      continue;
    }
    if (linkByKey.has(link.key) || linkedIds.has(link.departmentId)) {
      warn(ctx, 'duplicate-link', `department link ${link.key} -> ${link.departmentId} duplicates another link; ignored`, link.key);
      continue;
    }
    linkByKey.set(link.key, link);
    linkedIds.add(link.departmentId);
  }

  // --- the current tree
  const sim = new DepartmentSim();
  sim.put(root, undefined, undefined);
  const observedById = new Map<number, { parentid: number; order: number }>();
  let subtree: Set<number> | undefined;
  if (observed) {
    for (const row of observed) observedById.set(row.id, row);
    // Only the root's subtree is ours to act on (the list may cover the whole company).
    const kids = new Map<number, number[]>();
    for (const row of observed) pushTo(kids, row.parentid, row.id);
    subtree = new Set([root]);
    const stack = [root];
    while (stack.length > 0) {
      for (const c of kids.get(stack.pop()!) ?? []) {
        if (!subtree.has(c)) {
          subtree.add(c);
          stack.push(c);
        }
      }
    }
    for (const row of observed) if (row.id !== root && subtree.has(row.id)) sim.put(row.id, row.parentid, undefined);
  } else {
    warn(ctx, 'no-department-list', 'WeCom did not list department ids (48009 or not read): departments deleted or moved by hand in WeCom were not checked; planned from shadow state only');
  }
  if (settings.defaultDepartmentId !== undefined && !sim.has(settings.defaultDepartmentId)) {
    if (observed && !observedById.has(settings.defaultDepartmentId))
      warn(ctx, 'default-department-missing', `the default department ${settings.defaultDepartmentId} is not in WeCom's department list`);
    sim.put(settings.defaultDepartmentId, observedById.get(settings.defaultDepartmentId)?.parentid, undefined);
  }
  const exists = (link: DepartmentLink): boolean => (observed ? observedById.has(link.departmentId) : true);
  for (const link of linkByKey.values()) {
    if (!exists(link)) continue;
    if (subtree && !subtree.has(link.departmentId)) {
      warn(ctx, 'outside-root', `department ${link.departmentId} (organization ${link.key}) is outside the root department's subtree; left alone`, link.key);
      ctx.untouchedDepartmentKeys.add(link.key);
      continue;
    }
    const parent = observedById.get(link.departmentId)?.parentid ?? link.shadow?.parentid;
    sim.put(link.departmentId, parent, link.shadow?.name);
  }

  // --- the desired tree: unique keys, known parents, no cycles, unique sibling names
  const desiredByKey = new Map<string, DesiredDepartment>();
  for (const d of [...input.desired.departments].sort((a, b) => cmp(a.key, b.key))) {
    if (desiredByKey.has(d.key)) {
      warn(ctx, 'duplicate-key', `organization ${d.key} appears twice in the desired state; the first is used`, d.key);
      continue;
    }
    desiredByKey.set(d.key, d);
  }
  // Incremental run: linked organizations it does not name keep their department, and children
  // and members named by the run may refer to them even when the desired state leaves them out.
  const named = input.scope ? new Set(input.scope.departments) : undefined;
  if (named) {
    for (const link of linkByKey.values()) {
      if (!named.has(link.key) && exists(link) && !ctx.untouchedDepartmentKeys.has(link.key)) ctx.departmentIdOf.set(link.key, link.departmentId);
    }
  }
  const parentKey = new Map<string, string | null>();
  const anchors = new Set<string>();
  for (const d of desiredByKey.values()) {
    if (d.parentKey !== null && !desiredByKey.has(d.parentKey) && named && ctx.departmentIdOf.has(d.parentKey)) {
      anchors.add(d.parentKey);
      parentKey.set(d.key, d.parentKey);
    } else if (d.parentKey !== null && !desiredByKey.has(d.parentKey)) {
      warn(ctx, 'unknown-parent', `organization ${d.key}: parent ${d.parentKey} is not synced; placed directly under the root department`, d.key);
      parentKey.set(d.key, null);
    } else parentKey.set(d.key, d.parentKey);
  }
  // Break parent cycles (a directory bug, but never loop on it).
  const state = new Map<string, 1 | 2>();
  for (const start of desiredByKey.keys()) {
    const path: string[] = [];
    let cur: string | null | undefined = start;
    while (cur != null && !state.has(cur)) {
      state.set(cur, 1);
      path.push(cur);
      cur = parentKey.get(cur);
    }
    if (cur != null && state.get(cur) === 1) {
      const cycle = path.slice(path.indexOf(cur)).sort(cmp);
      warn(ctx, 'parent-cycle', `organizations ${cycle.join(', ')} form a parent cycle; ${cycle[0]} placed under the root department`, cycle[0]);
      parentKey.set(cycle[0]!, null);
    }
    for (const k of path) state.set(k, 2);
  }
  // Children lists, then a breadth-first walk (parents before children, by key).
  const childrenOf = new Map<string | null, string[]>();
  for (const k of desiredByKey.keys()) pushTo(childrenOf, parentKey.get(k) ?? null, k);
  const order: Array<{ key: string; depth: number }> = [];
  // A linked department left alone keeps its members (they are not moved out because of a conflict).
  const keepAffiliation = (k: string): void => {
    const link = linkByKey.get(k);
    if (link && exists(link) && !(subtree && !subtree.has(link.departmentId))) ctx.departmentIdOf.set(k, link.departmentId);
  };
  // Incremental run: the named organizations, plus desired ancestors WeCom does not have yet.
  let inScope: Set<string> | undefined;
  if (named) {
    inScope = new Set(named);
    for (const k of [...inScope]) {
      let p = desiredByKey.has(k) ? (parentKey.get(k) ?? null) : null;
      while (p !== null && !inScope.has(p)) {
        const link = linkByKey.get(p);
        if (link && exists(link)) break;
        inScope.add(p);
        p = parentKey.get(p) ?? null;
      }
    }
  }
  const skipped = new Set<string>();
  let level: Array<string | null> = [null, ...[...anchors].sort(cmp)];
  for (let depth = 1; level.length > 0; depth++) {
    const next: string[] = [];
    for (const p of level) {
      const names = new Map<string, string>();
      for (const k of childrenOf.get(p) ?? []) {
        const d = desiredByKey.get(k)!;
        if ((p !== null && skipped.has(p)) || ctx.untouchedDepartmentKeys.has(k)) {
          skipped.add(k);
          keepAffiliation(k);
        } else if (inScope && !inScope.has(k)) {
          // not named by this incremental run: left as it is, its id still usable
          const link = linkByKey.get(k);
          if (link && exists(link)) keepAffiliation(k);
          else skipped.add(k);
        } else if (names.has(d.name)) {
          warn(ctx, 'sibling-name-conflict', `organization ${k}: another synced organization (${names.get(d.name)}) under the same parent is also named "${d.name}"; this one and its sub-organizations are not synced`, k);
          skipped.add(k);
          keepAffiliation(k);
        } else {
          names.set(d.name, k);
          order.push({ key: k, depth });
        }
        next.push(k);
      }
    }
    level = next;
  }

  // --- ids: links keep theirs; new departments get the next free ids above everything known
  let maxId = Math.max(root, settings.defaultDepartmentId ?? 0, input.options?.departmentIdFloor ?? 0, ...linkedIds);
  for (const id of observedById.keys()) if (id > maxId && id < 2 ** 31) maxId = id;
  let warnedBlindIds = false;
  for (const { key, depth } of order) {
    const d = desiredByKey.get(key)!;
    const link = linkByKey.get(key);
    const id = link ? link.departmentId : ++maxId;
    if (!link && !observed && !warnedBlindIds) {
      warnedBlindIds = true;
      warn(ctx, 'blind-department-ids', `new department ids (from ${id}) were chosen without WeCom's department list; an id made by hand since the last full read would collide (60008)`);
    }
    const pk = parentKey.get(key) ?? null;
    const parentId = pk === null ? root : ctx.departmentIdOf.get(pk)!;
    const t: DepartmentTarget = { key, id, name: d.name, parentId, depth, exists: link ? exists(link) : false };
    if (d.nameEn !== undefined) t.nameEn = d.nameEn;
    if (d.order !== undefined) t.order = d.order;
    if (link) t.link = link;
    ctx.targets.set(key, t);
    ctx.departmentIdOf.set(key, id);
  }
  if (maxId > 2 ** 31 - 1) throw new Error('no free department id below 2^31');

  // --- links no longer desired
  for (const link of linkByKey.values()) {
    if (desiredByKey.has(link.key) || ctx.untouchedDepartmentKeys.has(link.key)) continue;
    if (inScope && !inScope.has(link.key)) continue;
    if (!exists(link)) {
      ctx.unlinks.push({ type: 'department', key: link.key, reason: 'department already deleted in WeCom' });
    } else if (ctx.settings.onOrganizationDeleted === 'keep') {
      ctx.unlinks.push({ type: 'department', key: link.key, reason: 'organization deleted in directory; department kept in WeCom (policy "keep")' });
    } else if (link.departmentId === settings.defaultDepartmentId) {
      warn(ctx, 'default-department-kept', `department ${link.departmentId} (organization ${link.key}) is the default department; not deleted`, link.key);
    } else {
      ctx.deleteCandidates.set(link.departmentId, link);
    }
  }
  return sim;
}

interface Pending {
  t: DepartmentTarget;
  create: boolean;
}

/** Creates, moves and renames, in an order that is valid step by step; fills ctx.departmentOps. */
export function planStructure(ctx: PlanContext, sim: DepartmentSim): void {
  const observedOrder = new Map<number, number>();
  for (const row of ctx.input.observed?.departments ?? []) observedOrder.set(row.id, row.order);

  const needsUpdate = (t: DepartmentTarget): boolean => {
    if (!t.link || !t.exists) return false;
    const shadow = t.link.shadow;
    if (!shadow) return true;
    if (sim.parent.get(t.id) !== t.parentId || sim.name.get(t.id) !== t.name) return true;
    if (t.nameEn !== undefined && shadow.nameEn !== t.nameEn) return true;
    const curOrder = observedOrder.get(t.id) ?? shadow.order;
    return t.order !== undefined && curOrder !== t.order;
  };

  const pendingById = new Map<number, Pending>();
  let pending: Pending[] = [];
  for (const t of [...ctx.targets.values()].sort((a, b) => a.depth - b.depth || cmp(a.key, b.key))) {
    const create = !t.link || !t.exists;
    if (create || needsUpdate(t)) {
      const p = { t, create };
      pending.push(p);
      pendingById.set(t.id, p);
    }
  }

  let lastMove: string | undefined;
  const slotFreedBy = new Map<string, string>();
  const slotKey = (parent: number, name: string): string => `${parent}\u0000${name}`;
  const tempRenamed = new Set<number>();
  const blockedBy = new Map<Pending, number>();

  const vacate = (id: number, opId: string): void => {
    const p = sim.parent.get(id);
    const n = sim.name.get(id);
    if (p !== undefined && n !== undefined) slotFreedBy.set(slotKey(p, n), opId);
  };

  const deps = (...ids: Array<string | undefined>): string[] => [...new Set(ids.filter((x): x is string => x !== undefined))];

  const tryRun = (p: Pending): boolean => {
    const { t } = p;
    if (!sim.has(t.parentId)) return false;
    const holder = sim.holder(t.parentId, t.name);
    if (holder !== undefined && holder !== t.id) {
      blockedBy.set(p, holder);
      return false;
    }
    if (p.create) {
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
      const detail = !t.link
        ? `new department id ${t.id} chosen by the planner`
        : t.link.shadow
          ? `department ${t.id} is linked but no longer in WeCom's department list; re-created with the same id`
          : `department id ${t.id} was recorded before an interrupted create; created with that id`;
      ctx.departmentOps.push({
        id, kind: 'department.create', key: t.key, target: { departmentId: t.id }, body,
        dependsOn: deps(ctx.createdBy.get(t.parentId), slotFreedBy.get(slotKey(t.parentId, t.name))),
        reason: { cause, detail, changes },
      });
      sim.put(t.id, t.parentId, t.name);
      ctx.createdBy.set(t.id, id);
      ctx.lastDepartmentOp.set(t.id, id);
      return true;
    }
    // update: move and/or rename and/or other fields
    const curParent = sim.parent.get(t.id);
    const moving = curParent !== t.parentId;
    if (moving && sim.isSelfOrAncestor(t.id, t.parentId)) return false; // would create a cycle (yet)
    const shadow = t.link!.shadow;
    const body: DepartmentUpdateBody = { id: t.id };
    const changes: FieldChange[] = [];
    const curName = sim.name.get(t.id);
    if (curName !== t.name) {
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
      changes.push({ field: 'parentid', old: curParent ?? null, new: t.parentId });
    }
    const curOrder = observedOrder.get(t.id) ?? shadow?.order;
    if (t.order !== undefined && curOrder !== t.order) {
      body.order = t.order;
      changes.push({ field: 'order', old: curOrder ?? null, new: t.order });
    }
    const id = `dept.update:${t.key}`;
    let cause: ReasonCause = 'changed in directory';
    let detail: string | undefined;
    if (!shadow) {
      cause = 'no shadow state';
      detail = 'the link has no record of the values last written, so every field is sent';
    } else if (moving && curParent !== shadow.parentid && t.parentId === shadow.parentid) {
      cause = 'drift: moved in WeCom';
      detail = `moved by hand in WeCom to ${curParent ?? 'an unknown parent'}; moved back`;
    }
    const dependsOn = deps(
      ctx.lastDepartmentOp.get(t.id),
      moving ? ctx.createdBy.get(t.parentId) : undefined,
      moving ? lastMove : undefined,
      moving || body.name !== undefined ? slotFreedBy.get(slotKey(t.parentId, t.name)) : undefined,
    );
    const op: Operation = { id, kind: 'department.update', key: t.key, target: { departmentId: t.id }, body, dependsOn, reason: { cause, changes } };
    if (detail !== undefined) op.reason.detail = detail;
    ctx.departmentOps.push(op);
    if (moving || body.name !== undefined) vacate(t.id, id);
    if (moving) {
      lastMove = id;
      if (curParent !== undefined) pushTo(ctx.childLeftBy, curParent, id);
    }
    sim.put(t.id, t.parentId, t.name);
    ctx.lastDepartmentOp.set(t.id, id);
    return true;
  };

  const keyOf = (id: number): string | undefined => pendingById.get(id)?.t.key ?? ctx.deleteCandidates.get(id)?.key;

  /** A holder of a needed name can be renamed temporarily if it will change anyway. */
  const tempable = (holder: number): boolean => {
    if (tempRenamed.has(holder)) return false;
    if (ctx.deleteCandidates.has(holder)) return true;
    const p = pendingById.get(holder); // still pending: entries are removed once run
    return p !== undefined && (p.t.parentId !== sim.parent.get(holder) || p.t.name !== sim.name.get(holder));
  };

  while (pending.length > 0) {
    let progress = false;
    const next: Pending[] = [];
    for (const p of pending) {
      blockedBy.delete(p);
      if (tryRun(p)) {
        progress = true;
        pendingById.delete(p.t.id);
      } else next.push(p);
    }
    pending = next;
    if (progress || pending.length === 0) continue;
    // Stuck: free a needed name by renaming its holder to a temporary name.
    let freed = false;
    for (const p of pending) {
      const holder = blockedBy.get(p);
      if (holder === undefined || !tempable(holder)) continue;
      const parent = sim.parent.get(holder)!;
      const oldName = sim.name.get(holder)!;
      const temp = temporaryName(oldName, holder, (n) => sim.holder(parent, n) !== undefined);
      const key = keyOf(holder)!;
      const id = `dept.rename-tmp:${key}`;
      ctx.departmentOps.push({
        id, kind: 'department.update', key, target: { departmentId: holder }, body: { id: holder, name: temp },
        dependsOn: deps(ctx.lastDepartmentOp.get(holder)),
        reason: {
          cause: 'temporary rename to free a name',
          detail: `"${oldName}" is needed by ${p.create ? 'new' : 'changed'} department ${p.t.id} (organization ${p.t.key}) under the same parent`,
          changes: [{ field: 'name', old: oldName, new: temp }],
        },
      });
      vacate(holder, id);
      sim.put(holder, parent, temp);
      tempRenamed.add(holder);
      ctx.lastDepartmentOp.set(holder, id);
      freed = true;
      break;
    }
    if (freed) continue;
    for (const p of pending) {
      const holder = blockedBy.get(p);
      const why = holder !== undefined
        ? `the name "${p.t.name}" is held by department ${holder} under the same parent, which this connection does not change`
        : `its parent department ${p.t.parentId} could not be ${sim.has(p.t.parentId) ? 'used (cycle)' : 'created'}`;
      warn(ctx, 'department-blocked', `organization ${p.t.key}: department ${p.create ? 'not created' : 'not updated'}: ${why}`, p.t.key);
      if (p.create) {
        ctx.targets.delete(p.t.key);
        ctx.departmentIdOf.delete(p.t.key);
      }
    }
    // Creates that were dropped leave their children without a parent: those are dropped above too
    // (their parent never appears in the simulation), and members fall back per rule.
    break;
  }
}

/** Deletions: children before parents, after every member and sub-department has left. */
export function planDeletes(ctx: PlanContext, sim: DepartmentSim): void {
  const depth = (id: number): number => {
    let d = 0;
    let cur: number | undefined = id;
    while (cur !== undefined && d <= sim.parent.size) {
      cur = sim.parent.get(cur);
      d++;
    }
    return d;
  };
  const candidates = [...ctx.deleteCandidates.values()]
    .map((link) => ({ link, depth: depth(link.departmentId) }))
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
      const what = [
        staying.length > 0 ? `${staying.length} sub-department(s) this connection does not delete (${staying.slice(0, 5).join(', ')})` : '',
        members > 0 ? `${members} member(s) this connection does not move out` : '',
      ].filter(Boolean).join(' and ');
      warn(ctx, 'department-not-deleted', `organization ${link.key} was deleted but department ${d} still holds ${what}; not deleted`, link.key);
      continue;
    }
    if (noMemberList && !warnedNoMembers) {
      warnedNoMembers = true;
      warn(ctx, 'no-member-list-for-delete', 'WeCom did not list members: department deletions assume no members other than linked ones (60005 otherwise)');
    }
    const id = `dept.delete:${link.key}`;
    const dependsOn = new Set<string>();
    for (const k of kids) dependsOn.add(deletedBy.get(k)!);
    for (const x of ctx.childLeftBy.get(d) ?? []) dependsOn.add(x);
    for (const x of ctx.memberLeftBy.get(d) ?? []) dependsOn.add(x);
    const last = ctx.lastDepartmentOp.get(d);
    if (last) dependsOn.add(last);
    ctx.deleteOps.push({
      id, kind: 'department.delete', key: link.key, target: { departmentId: d }, body: { id: d },
      dependsOn: [...dependsOn].sort(cmp),
      reason: {
        cause: 'deleted in directory',
        detail: 'organization deleted or out of scope; policy "delete"',
        changes: [{ field: 'name', old: link.shadow?.name ?? null, new: null }],
      },
    });
    deletedBy.set(d, id);
  }
}
