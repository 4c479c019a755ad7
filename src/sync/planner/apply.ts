// The links an executor stores after operations succeeded (pure). applyOperation is the effect of
// one operation (the executor stores it after each success); applyToLinks folds it over a whole
// plan and drops the plan's unlinks (tests use it to check that planning again yields nothing).
import type { DepartmentLink, Links, MemberLink, MemberShadow } from '../../domain/link.js';
import type { Operation, Plan, Relink } from '../../domain/plan.js';

type DepartmentOperation = Extract<Operation, { kind: `department.${string}` }>;
type MemberOperation = Extract<Operation, { kind: `member.${string}` }>;

/** Links by key: an operation touches the link of its own key only. */
interface KeyedLinks {
  departments: Map<string, DepartmentLink>;
  members: Map<string, MemberLink>;
}

function departmentAfter(op: DepartmentOperation, link: DepartmentLink | undefined): DepartmentLink | undefined {
  switch (op.kind) {
    case 'department.create': {
      const b = op.body;
      const shadow: DepartmentLink['shadow'] = { name: b.name, parentid: b.parentid, order: b.order ?? 0 };
      if (b.name_en !== undefined) shadow.nameEn = b.name_en;
      return { key: op.key, departmentId: b.id, origin: 'created', shadow };
    }
    case 'department.update': {
      if (!link) return undefined;
      const b = op.body;
      const shadow = { ...(link.shadow ?? { name: '', parentid: 0, order: 0 }) };
      if (b.name !== undefined) shadow.name = b.name;
      if (b.name_en !== undefined) shadow.nameEn = b.name_en;
      if (b.parentid !== undefined) shadow.parentid = b.parentid;
      if (b.order !== undefined) shadow.order = b.order;
      return { ...link, shadow };
    }
    case 'department.delete':
      return undefined;
  }
}

function memberAfter(op: MemberOperation, link: MemberLink | undefined): MemberLink | undefined {
  switch (op.kind) {
    case 'member.create': {
      const { userid, to_invite: _invite, ...rest } = op.body;
      return { key: op.key, userid, origin: 'created', shadow: structuredClone(rest) };
    }
    case 'member.update':
    case 'member.disable': {
      if (!link) return undefined;
      const { userid, new_userid, ...rest } = op.body;
      const shadow: MemberShadow = { ...(link.shadow ?? { department: [] }), ...structuredClone(rest) };
      if (rest.department) {
        // order, leader flags and main department are aligned with the department list
        if (!rest.order) delete shadow.order;
        if (!rest.is_leader_in_dept) delete shadow.is_leader_in_dept;
        if (rest.main_department === undefined) delete shadow.main_department;
      }
      return { ...link, userid: new_userid ?? userid, shadow };
    }
    case 'member.delete':
      return undefined;
  }
}

const isDepartmentOperation = (op: Operation): op is DepartmentOperation => op.kind.startsWith('department.');

function setOrDelete<T>(map: Map<string, T>, key: string, value: T | undefined): void {
  if (value === undefined) map.delete(key);
  else map.set(key, value);
}

/** The step both functions below are made of: one operation applied to keyed links, in place. */
function step(links: KeyedLinks, op: Operation): void {
  if (isDepartmentOperation(op)) setOrDelete(links.departments, op.key, departmentAfter(op, links.departments.get(op.key)));
  else setOrDelete(links.members, op.key, memberAfter(op, links.members.get(op.key)));
}

function keyed(links: Links): KeyedLinks {
  return { departments: new Map(links.departments.map((l) => [l.key, l])), members: new Map(links.members.map((l) => [l.key, l])) };
}

function unkeyed(links: KeyedLinks): Links {
  return { departments: [...links.departments.values()], members: [...links.members.values()] };
}

/** A re-hire: the link of `from` becomes the link of `to`, replacing a stale one (nothing when `from` is gone: done already). */
function relink(links: KeyedLinks, r: Relink): void {
  const map: Map<string, { key: string }> = r.type === 'department' ? links.departments : links.members;
  const l = map.get(r.from);
  if (!l) return;
  map.delete(r.from);
  map.set(r.to, { ...l, key: r.to });
}

/** The links after one successful operation: its key's link created, updated (shadow + body) or removed. */
export function applyOperation(op: Operation, links: Links): Links {
  const k = keyed(links);
  step(k, op);
  return unkeyed(k);
}

/** The links after every operation of the plan succeeded, and its unlinks were done. */
export function applyToLinks(plan: Plan, links: Links): Links {
  // folded over keyed links (not applyOperation's arrays) to stay linear in the plan's size
  const k = keyed(links);
  for (const r of plan.relinks ?? []) relink(k, r);
  for (const op of plan.operations) step(k, op);
  for (const u of plan.unlinks) (u.type === 'department' ? k.departments : k.members).delete(u.key);
  return unkeyed(k);
}
