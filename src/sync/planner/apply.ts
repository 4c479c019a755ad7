// The links an executor stores after every operation of a plan succeeded (pure). Used by the
// executor's bookkeeping and by tests to check that planning again yields nothing.
import type { DepartmentLink, Links, MemberLink, MemberShadow } from '../../domain/link.js';
import type { Plan } from '../../domain/plan.js';

export function applyToLinks(plan: Plan, links: Links): Links {
  const departments = new Map<string, DepartmentLink>(links.departments.map((l) => [l.key, l]));
  const members = new Map<string, MemberLink>(links.members.map((l) => [l.key, l]));
  for (const op of plan.operations) {
    switch (op.kind) {
      case 'department.create': {
        const b = op.body;
        const shadow: DepartmentLink['shadow'] = { name: b.name, parentid: b.parentid, order: b.order ?? 0 };
        if (b.name_en !== undefined) shadow.nameEn = b.name_en;
        departments.set(op.key, { key: op.key, departmentId: b.id, origin: 'created', shadow });
        break;
      }
      case 'department.update': {
        const link = departments.get(op.key);
        if (!link) break;
        const b = op.body;
        const shadow = { ...(link.shadow ?? { name: '', parentid: 0, order: 0 }) };
        if (b.name !== undefined) shadow.name = b.name;
        if (b.name_en !== undefined) shadow.nameEn = b.name_en;
        if (b.parentid !== undefined) shadow.parentid = b.parentid;
        if (b.order !== undefined) shadow.order = b.order;
        departments.set(op.key, { ...link, shadow });
        break;
      }
      case 'department.delete':
        departments.delete(op.key);
        break;
      case 'member.create': {
        const { userid, to_invite: _invite, ...rest } = op.body;
        members.set(op.key, { key: op.key, userid, origin: 'created', shadow: structuredClone(rest) });
        break;
      }
      case 'member.update':
      case 'member.disable': {
        const link = members.get(op.key);
        if (!link) break;
        const { userid, new_userid, ...rest } = op.body;
        const shadow: MemberShadow = { ...(link.shadow ?? { department: [] }), ...structuredClone(rest) };
        if (rest.department) {
          // order, leader flags and main department are aligned with the department list
          if (!rest.order) delete shadow.order;
          if (!rest.is_leader_in_dept) delete shadow.is_leader_in_dept;
          if (rest.main_department === undefined) delete shadow.main_department;
        }
        members.set(op.key, { ...link, userid: new_userid ?? userid, shadow });
        break;
      }
      case 'member.delete':
        members.delete(op.key);
        break;
    }
  }
  for (const u of plan.unlinks) (u.type === 'department' ? departments : members).delete(u.key);
  return { departments: [...departments.values()], members: [...members.values()] };
}
