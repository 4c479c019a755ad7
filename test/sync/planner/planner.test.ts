import { render } from '../../../src/messages/index.js';
import { describe as group, expect, it } from 'vitest';
import type { DesiredState } from '../../../src/domain/desired.js';
import type { Links } from '../../../src/domain/link.js';
import type { Operation, Plan } from '../../../src/domain/plan.js';
import { applyToLinks, planSync } from '../../../src/sync/planner/index.js';
import { temporaryName } from '../../../src/sync/planner/util.js';
import { ROOT, company, dept, member, noLinks, settings, step } from './fixtures.js';

const ids = (plan: Plan): string[] => plan.operations.map((o) => o.id);
const op = (plan: Plan, id: string): Operation => {
  const found = plan.operations.find((o) => o.id === id);
  if (!found) throw new Error(`no operation ${id} in ${ids(plan).join(', ')}`);
  return found;
};

/** Starts from an empty connection root, applies `desired`, and returns model and links. */
function seeded(desired: DesiredState) {
  const model = company();
  const { links } = step(model, desired, noLinks());
  return { model, links };
}

const replanIsEmpty = (desired: DesiredState, links: Links, model = company()) =>
  planSync({ desired, links, observed: model.observed(), settings: settings() }).operations;

group('department ids and creation order', () => {
  const desired: DesiredState = {
    departments: [dept('org_b', 'Sales', 'org_a'), dept('org_a', 'HQ'), dept('org_c', 'East', 'org_b')],
    members: [member('acc_1', 'alice', ['org_c', 'org_a'])],
  };

  it('assigns ids above every known id, deterministically, and puts them in the create body', () => {
    const model = company();
    const plan = planSync({ desired, links: noLinks(), observed: model.observed(), settings: settings() });
    expect(ids(plan)).toEqual(['dept.create:org_a', 'dept.create:org_b', 'dept.create:org_c', 'member.create:acc_1']);
    expect(op(plan, 'dept.create:org_a').body).toEqual({ id: 12, name: 'HQ', parentid: ROOT });
    expect(op(plan, 'dept.create:org_b').body).toEqual({ id: 13, name: 'Sales', parentid: 12 });
    expect(op(plan, 'dept.create:org_c').body).toEqual({ id: 14, name: 'East', parentid: 13 });
    expect(op(plan, 'dept.create:org_b').dependsOn).toEqual(['dept.create:org_a']);
    expect(op(plan, 'member.create:acc_1').dependsOn).toEqual(['dept.create:org_a', 'dept.create:org_c']);
    expect(op(plan, 'member.create:acc_1').body).toMatchObject({ userid: 'alice', department: [14, 12], main_department: 14 });
    expect(op(plan, 'dept.create:org_a').reason.cause).toBe('created in directory');
    // same input, same plan
    expect(planSync({ desired, links: noLinks(), observed: model.observed(), settings: settings() })).toEqual(plan);
  });

  it('applies cleanly and plans nothing the second time', () => {
    const { model, links } = seeded(desired);
    expect(model.departments.get(14)).toMatchObject({ name: 'East', parentid: 13 });
    expect(replanIsEmpty(desired, links, model)).toEqual([]);
  });

  it('avoids ids used anywhere in the company, even outside the root', () => {
    const model = company();
    model.addDepartment({ id: 500, name: 'Far away', parentid: 11, order: 0 });
    const plan = planSync({ desired, links: noLinks(), observed: model.observed(), settings: settings() });
    expect((op(plan, 'dept.create:org_a').body as { id: number }).id).toBe(501);
  });
});

group('resuming after a crash', () => {
  // An executor may store a link without shadow before it sends a create (the id is known).
  const pending: Links = { departments: [{ key: 'a', departmentId: 30, origin: 'created', shadow: null }], members: [] };
  const desired: DesiredState = { departments: [dept('a', 'A')], members: [] };

  it('creates with the recorded id when the create never reached WeCom', () => {
    const plan = planSync({ desired, links: pending, observed: company().observed(), settings: settings() });
    expect(plan.operations.map((o) => [o.id, o.body, o.reason.cause])).toEqual([['dept.create:a', { id: 30, name: 'A', parentid: ROOT }, 'created in directory']]);
  });

  it('writes every field when the create did reach WeCom (values unknown)', () => {
    const model = company();
    model.addDepartment({ id: 30, name: 'A', parentid: ROOT, order: 0 });
    const { plan, links } = step(model, desired, pending);
    expect(plan.operations.map((o) => [o.id, o.body, o.reason.cause])).toEqual([['dept.update:a', { id: 30, name: 'A', parentid: ROOT }, 'no shadow state']]);
    expect(replanIsEmpty(desired, links, model)).toEqual([]);
  });
});

group('only changed fields', () => {
  it('sends only what differs from the shadow', () => {
    const desired: DesiredState = { departments: [dept('org_a', 'HQ', null, { order: 5 })], members: [member('acc_1', 'alice', ['org_a'], { position: 'Dev' })] };
    const { model, links } = seeded(desired);
    const changed: DesiredState = { departments: [dept('org_a', 'HQ', null, { order: 7 })], members: [member('acc_1', 'alice', ['org_a'], { position: 'Lead' })] };
    const { plan } = step(model, changed, links);
    expect(ids(plan)).toEqual(['dept.update:org_a', 'member.update:acc_1']);
    expect(op(plan, 'dept.update:org_a').body).toEqual({ id: 12, order: 7 });
    expect(op(plan, 'member.update:acc_1').body).toEqual({ userid: 'alice', position: 'Lead' });
    expect(op(plan, 'member.update:acc_1').reason).toEqual({ cause: 'changed in directory', changes: [{ field: 'position', old: 'Dev', new: 'Lead' }] });
  });

  it('clears a removed field with an empty value and ignores department order when unchanged', () => {
    const desired: DesiredState = { departments: [dept('a', 'A'), dept('b', 'B')], members: [member('m', 'm1', ['a', 'b'], { alias: 'Al' })] };
    const { model, links } = seeded(desired);
    const { plan, links: after } = step(model, { ...desired, members: [member('m', 'm1', ['a', 'b'])] }, links);
    expect(plan.operations.map((o) => o.body)).toEqual([{ userid: 'm1', alias: '' }]);
    expect(replanIsEmpty({ ...desired, members: [member('m', 'm1', ['a', 'b'])] }, after, model)).toEqual([]);
  });
});

group('sibling-name swaps and temporary names', () => {
  it('swaps two sibling names through a temporary name', () => {
    const desired: DesiredState = { departments: [dept('a', 'Sales'), dept('b', 'Support')], members: [] };
    const { model, links } = seeded(desired);
    const swapped: DesiredState = { departments: [dept('a', 'Support'), dept('b', 'Sales')], members: [] };
    const { plan, links: after } = step(model, swapped, links);
    expect(ids(plan)).toEqual(['dept.rename-tmp:b', 'dept.update:a', 'dept.update:b']);
    const tmp = op(plan, 'dept.rename-tmp:b');
    expect(tmp.reason.cause).toBe('temporary rename to free a name');
    expect(tmp.body).toEqual({ id: 13, name: 'Support~tmp~d' });
    expect(op(plan, 'dept.update:a').dependsOn).toEqual(['dept.rename-tmp:b']);
    expect(op(plan, 'dept.update:b').dependsOn).toEqual(['dept.rename-tmp:b', 'dept.update:a']);
    expect(op(plan, 'dept.update:b').reason.changes).toEqual([{ field: 'name', old: 'Support', new: 'Sales' }]);
    expect(replanIsEmpty(swapped, after, model)).toEqual([]);
  });

  it('rotates three names with one temporary name', () => {
    const desired: DesiredState = { departments: [dept('a', 'X'), dept('b', 'Y'), dept('c', 'Z')], members: [] };
    const { model, links } = seeded(desired);
    const rotated: DesiredState = { departments: [dept('a', 'Y'), dept('b', 'Z'), dept('c', 'X')], members: [] };
    const { plan } = step(model, rotated, links);
    expect(plan.operations.filter((o) => o.id.startsWith('dept.rename-tmp')).length).toBe(1);
    expect(plan.operations.length).toBe(4);
  });

  it('moves a department into a parent where a sibling currently holds its name', () => {
    const desired: DesiredState = {
      departments: [dept('p', 'P'), dept('q', 'Q'), dept('x', 'Team', 'p'), dept('y', 'Team', 'q')],
      members: [],
    };
    const { model, links } = seeded(desired);
    // x moves into q while y (named Team) moves into p: a cross swap of parents
    const crossed: DesiredState = {
      departments: [dept('p', 'P'), dept('q', 'Q'), dept('x', 'Team', 'q'), dept('y', 'Team', 'p')],
      members: [],
    };
    const { plan, links: after } = step(model, crossed, links);
    expect(ids(plan)[0]).toMatch(/^dept\.rename-tmp:/);
    expect(replanIsEmpty(crossed, after, model)).toEqual([]);
  });

  it('renames a department being deleted when a sibling renamed in the directory needs its name', () => {
    // (a new organization with the same path would take the department over instead: see rehire.test.ts)
    const desired: DesiredState = { departments: [dept('old', 'Ops'), dept('keep', 'Keep', 'old'), dept('dev', 'Dev')], members: [member('m', 'u1', ['old'])] };
    const { model, links } = seeded(desired);
    const next: DesiredState = { departments: [dept('dev', 'Ops')], members: [member('m', 'u1', ['dev'])] };
    const { plan, links: after } = step(model, next, links);
    expect(ids(plan)).toEqual(['dept.rename-tmp:old', 'dept.update:dev', 'member.update:m', 'dept.delete:keep', 'dept.delete:old']);
    expect(op(plan, 'dept.update:dev').dependsOn).toEqual(['dept.rename-tmp:old']);
    expect(op(plan, 'dept.delete:old').dependsOn).toEqual(['dept.delete:keep', 'dept.rename-tmp:old', 'member.update:m']);
    expect(replanIsEmpty(next, after, model)).toEqual([]);
  });

  it('syncs only the first of two desired siblings with the same name; a linked loser keeps its members', () => {
    const desired: DesiredState = { departments: [dept('a', 'Ops'), dept('b', 'Dev')], members: [member('m', 'u', ['b'])] };
    const { model, links } = seeded(desired);
    // both out-of-scope parents collapse to the root: b is now also called "Ops"
    const clash: DesiredState = { departments: [dept('a', 'Ops'), dept('b', 'Ops'), dept('c', 'Ops')], members: [member('m', 'u', ['b'])] };
    const { plan } = step(model, clash, links);
    expect(plan.operations).toEqual([]);
    expect(plan.warnings.filter((w) => w.code === 'sibling-name-conflict').map((w) => w.key)).toEqual(['b', 'c']);
  });

  it('keeps temporary names within 32 characters and free of forbidden characters', () => {
    const name = temporaryName('研发中心:华东区*一二三四五六七八九十一二三四五六七八九十', 123456, () => false);
    expect([...name].length).toBeLessThanOrEqual(32);
    expect(name).not.toMatch(/[\\:*?"<>|]/);
    expect(temporaryName('A', 5, (n) => n === 'A~tmp~5')).toBe('A~tmp~5~1');
  });
});

group('moves and cycles', () => {
  it('inverts parent and child (B under A becomes A under B)', () => {
    const desired: DesiredState = { departments: [dept('a', 'A'), dept('b', 'B', 'a')], members: [] };
    const { model, links } = seeded(desired);
    const inverted: DesiredState = { departments: [dept('b', 'B'), dept('a', 'A', 'b')], members: [] };
    const { plan, links: after } = step(model, inverted, links);
    expect(ids(plan)).toEqual(['dept.update:b', 'dept.update:a']);
    expect(op(plan, 'dept.update:a').dependsOn).toEqual(['dept.update:b']);
    expect(replanIsEmpty(inverted, after, model)).toEqual([]);
  });

  it('holds a move that would make a cycle until the move it needs has run', () => {
    // now: root/{A/{B}, "B"(c)}; wanted: root/{B/{A}, C(c)} — b must wait for c's rename, a for b
    const desired: DesiredState = { departments: [dept('a', 'A'), dept('b', 'B', 'a'), dept('c', 'B')], members: [] };
    const { model, links } = seeded(desired);
    const next: DesiredState = { departments: [dept('b', 'B'), dept('a', 'A', 'b'), dept('c', 'C')], members: [] };
    const { plan, links: after } = step(model, next, links);
    expect(ids(plan)).toEqual(['dept.update:c', 'dept.update:b', 'dept.update:a']);
    expect(op(plan, 'dept.update:b').dependsOn).toEqual(['dept.update:c']);
    expect(op(plan, 'dept.update:a').dependsOn).toEqual(['dept.update:b']);
    expect(replanIsEmpty(next, after, model)).toEqual([]);
  });
});

group('deletes', () => {
  const desired: DesiredState = {
    departments: [dept('a', 'A'), dept('b', 'B', 'a'), dept('c', 'C')],
    members: [member('m1', 'u1', ['b']), member('m2', 'u2', ['b', 'c'])],
  };

  it('moves members out and deletes children before parents', () => {
    const { model, links } = seeded(desired);
    const next: DesiredState = { departments: [dept('c', 'C')], members: [member('m2', 'u2', ['c'])] };
    const { plan, links: after } = step(model, next, links);
    expect(ids(plan)).toEqual(['member.delete:m1', 'member.update:m2', 'dept.delete:b', 'dept.delete:a']);
    expect(op(plan, 'dept.delete:b').dependsOn).toEqual(['member.delete:m1', 'member.update:m2']);
    expect(op(plan, 'dept.delete:a').dependsOn).toEqual(['dept.delete:b']);
    expect(plan.safety).toMatchObject({ deletes: 3, disables: 0, linked: 5, exceeded: false });
    expect(after.departments.map((l) => l.key)).toEqual(['c']);
    expect(replanIsEmpty(next, after, model)).toEqual([]);
  });

  it('policy disable: disables the member and moves it out of departments being deleted', () => {
    const { model, links } = seeded(desired);
    const next: DesiredState = { departments: [dept('c', 'C')], members: [member('m2', 'u2', ['c'])] };
    const { plan, links: after } = step(model, next, links, settings({ onAccountDeleted: 'disable' }));
    expect(op(plan, 'member.disable:m1').body).toEqual({ userid: 'u1', enable: 0, department: [ROOT] });
    expect(plan.safety).toMatchObject({ deletes: 2, disables: 1 });
    expect(model.members.get('u1')?.fields.enable).toBe(0);
    expect(planSync({ desired: next, links: after, observed: model.observed(), settings: settings({ onAccountDeleted: 'disable' }) }).operations).toEqual([]);
  });

  it('policy ignore: leaves the member, and so cannot delete its department (warned)', () => {
    const { model, links } = seeded(desired);
    const next: DesiredState = { departments: [dept('c', 'C')], members: [member('m2', 'u2', ['c'])] };
    const { plan } = step(model, next, links, settings({ onAccountDeleted: 'ignore' }));
    expect(ids(plan)).toEqual(['member.update:m2']);
    expect(plan.warnings.map((w) => w.code)).toContain('department-not-deleted');
  });

  it('policy keep: leaves the department in WeCom, and its link (so its name stays known)', () => {
    const { model, links } = seeded({ departments: [dept('a', 'A'), dept('c', 'C')], members: [] });
    const { plan, links: after } = step(model, { departments: [dept('c', 'C')], members: [] }, links, settings({ onOrganizationDeleted: 'keep' }));
    expect(plan.operations).toEqual([]);
    expect(plan.unlinks).toEqual([]);
    expect(after.departments.map((l) => l.key).sort()).toEqual(['a', 'c']);
    expect(model.departments.has(12)).toBe(true);
    // a sibling renamed to the kept department's name is reported in the plan, not refused by WeCom (60008)
    const renamed = planSync({ desired: { departments: [dept('c', 'A')], members: [] }, links: after, observed: model.observed(), settings: settings({ onOrganizationDeleted: 'keep' }) });
    expect(renamed.operations).toEqual([]);
    expect(renamed.warnings.map((w) => w.code)).toContain('department-blocked');
  });

  it('never deletes or changes departments it does not manage, the root, or anything outside the root', () => {
    const model = company();
    model.addDepartment({ id: 20, name: 'Legacy', parentid: ROOT, order: 0 });
    const links: Links = {
      departments: [
        { key: 'r', departmentId: ROOT, origin: 'matched', shadow: null },
        { key: 'out', departmentId: 11, origin: 'matched', shadow: { name: 'Outside', parentid: 1, order: 0 } },
      ],
      members: [],
    };
    const plan = planSync({ desired: { departments: [dept('out', 'Renamed')], members: [] }, links, observed: model.observed(), settings: settings() });
    expect(plan.operations).toEqual([]);
    expect(plan.warnings.map((w) => w.code).sort()).toEqual(['outside-root', 'root-linked']);
  });

  it('applies the organization delete policy per department, and a blocked child blocks its parent', () => {
    const model = company();
    const { links } = step(model, { departments: [dept('a', 'A'), dept('b', 'B', 'a')], members: [] }, noLinks());
    model.addDepartment({ id: 99, name: 'Manual', parentid: 13, order: 0 }); // made by hand under b
    const { plan } = step(model, { departments: [], members: [] }, links);
    expect(plan.operations).toEqual([]);
    expect(plan.warnings.filter((w) => w.code === 'department-not-deleted').map((w) => w.key)).toEqual(['b', 'a']);
  });
});

group('userid changes', () => {
  const desired: DesiredState = { departments: [dept('a', 'A')], members: [member('m', 'old.id', ['a'])] };
  const renamed: DesiredState = { departments: [dept('a', 'A')], members: [member('m', 'new.id', ['a'])] };

  it('re-creates members we created (default), counted as a delete', () => {
    const { model, links } = seeded(desired);
    const { plan, links: after } = step(model, renamed, links);
    expect(ids(plan)).toEqual(['member.delete:m', 'member.create:m']);
    expect(op(plan, 'member.create:m').dependsOn).toEqual(['member.delete:m']);
    expect(op(plan, 'member.delete:m').reason.cause).toBe('userid changed in directory');
    expect(op(plan, 'member.delete:m').reason.detail).toContain('301036');
    expect(plan.safety.deletes).toBe(1);
    expect(after.members[0]?.userid).toBe('new.id');
    expect(replanIsEmpty(renamed, after, model)).toEqual([]);
  });

  it('renames in place with new_userid when asked (and for matched members by default)', () => {
    const { model, links } = seeded(desired);
    const { plan, links: after } = step(model, renamed, links, settings(), { useridChange: 'new_userid' });
    expect(plan.operations.map((o) => [o.kind, o.body])).toEqual([['member.update', { userid: 'old.id', new_userid: 'new.id' }]]);
    expect(after.members[0]?.userid).toBe('new.id');
    const fresh = seeded(desired);
    const matched = { ...fresh.links, members: fresh.links.members.map((l) => ({ ...l, origin: 'matched' as const })) };
    const auto = planSync({ desired: renamed, links: matched, observed: fresh.model.observed(), settings: settings() });
    expect(auto.operations.map((o) => [o.kind, o.body])).toEqual([['member.update', { userid: 'old.id', new_userid: 'new.id' }]]);
    expect(auto.operations[0]?.reason.detail).toContain('301036');
  });

  it('does not re-create when the deletion policy forbids deletes', () => {
    const { model, links } = seeded(desired);
    const { plan } = step(model, renamed, links, settings({ onAccountDeleted: 'disable' }));
    expect(plan.operations).toEqual([]);
    expect(plan.warnings.map((w) => w.code)).toContain('userid-change-blocked');
  });

  it('swaps two userids by re-creating both', () => {
    const two: DesiredState = { departments: [dept('a', 'A')], members: [member('m1', 'x', ['a']), member('m2', 'y', ['a'])] };
    const { model, links } = seeded(two);
    const swapped: DesiredState = { departments: [dept('a', 'A')], members: [member('m1', 'y', ['a']), member('m2', 'x', ['a'])] };
    const { plan } = step(model, swapped, links);
    expect(op(plan, 'member.create:m1').dependsOn).toEqual(['member.delete:m1', 'member.delete:m2']);
  });

  it('gives a userid mapped for two accounts to the first, and warns about the other', () => {
    const plan = planSync({ desired: { departments: [], members: [member('m2', 'Same', null), member('m1', 'same', null)] }, links: noLinks(), observed: company().observed(), settings: settings() });
    expect(ids(plan)).toEqual(['member.create:m1']);
    const conflicts = plan.warnings.filter((w) => w.code === 'userid-conflict');
    expect(conflicts).toEqual([{ code: 'userid-conflict', key: 'm2', message: expect.stringContaining('also mapped for account m1'), note: expect.anything() }]);
    // the same warning as a code with parameters: the console says it in Chinese
    expect(render(conflicts[0]!.note!)).toBe(conflicts[0]!.message);
    expect(render(conflicts[0]!.note!, 'zh')).toBe('账号 m2：userid“Same”也映射给了账号 m1；未创建');
  });

  it('keeps the old userid when the new one is held by a member that keeps it', () => {
    const two: DesiredState = { departments: [], members: [member('m1', 'x', null), member('m2', 'y', null, { position: 'P' })] };
    const { model, links } = seeded(two);
    const clash: DesiredState = { departments: [], members: [member('m1', 'x', null), member('m2', 'x', null, { position: 'Q' })] };
    const { plan } = step(model, clash, links, settings(), { useridChange: 'new_userid' });
    expect(plan.operations.map((o) => o.body)).toEqual([{ userid: 'y', position: 'Q' }]);
    expect(plan.warnings.map((w) => w.code).filter((c) => c.startsWith('userid'))).toEqual(['userid-conflict']);
  });

  it('unlinks a member deleted in WeCom whose new userid is taken, so the link does not point at someone else', () => {
    const two: DesiredState = { departments: [], members: [member('m1', 'x', null), member('m2', 'y', null)] };
    const { model, links } = seeded(two);
    model.members.delete('y');
    const next: DesiredState = { departments: [], members: [member('m1', 'x', null), member('m2', 'x', null)] };
    const { plan } = step(model, next, links, settings({ onAccountDeleted: 'ignore' }));
    expect(plan.operations).toEqual([]);
    expect(plan.unlinks).toEqual([{ type: 'member', key: 'm2', reason: expect.stringContaining('userid "x" is taken') }]);
  });

  it('refuses a userid held by a member it does not manage', () => {
    const model = company();
    model.addMember({ userid: 'taken', department: [ROOT], fields: {} });
    const plan = planSync({ desired: { departments: [], members: [member('m', 'TAKEN', null)] }, links: noLinks(), observed: model.observed(), settings: settings() });
    expect(plan.operations).toEqual([]);
    expect(plan.warnings.map((w) => w.code)).toContain('userid-conflict');
  });
});

group('drift', () => {
  const desired: DesiredState = { departments: [dept('a', 'A'), dept('b', 'B')], members: [member('m', 'u', ['a'])] };

  it('re-creates a department and a member deleted by hand, with the same department id', () => {
    const { model, links } = seeded(desired);
    model.members.delete('u');
    model.departments.delete(12);
    const { plan, links: after } = step(model, desired, links);
    expect(ids(plan)).toEqual(['dept.create:a', 'member.create:m']);
    expect((op(plan, 'dept.create:a').body as { id: number }).id).toBe(12);
    expect(op(plan, 'dept.create:a').reason.cause).toBe('drift: deleted in WeCom');
    expect(op(plan, 'member.create:m').reason.cause).toBe('drift: deleted in WeCom');
    expect(replanIsEmpty(desired, after, model)).toEqual([]);
  });

  it('moves back a member moved by hand', () => {
    const { model, links } = seeded(desired);
    model.members.get('u')!.department = [13];
    const { plan } = step(model, desired, links);
    expect(plan.operations.map((o) => [o.reason.cause, o.body])).toEqual([
      ['drift: moved in WeCom', { userid: 'u', department: [12], is_leader_in_dept: [0], main_department: 12 }],
    ]);
  });

  it('with the default-department override, never touches affiliation on update', () => {
    const s = settings({ defaultDepartmentId: ROOT });
    const model = company();
    const { links } = step(model, { departments: [], members: [member('m', 'u', null)] }, noLinks(), s);
    expect(model.members.get('u')?.department).toEqual([ROOT]);
    model.members.get('u')!.department = [11];
    const { plan } = step(model, { departments: [], members: [member('m', 'u', null, { position: 'P' })] }, links, s);
    expect(plan.operations.map((o) => o.body)).toEqual([{ userid: 'u', position: 'P' }]);
  });

  it('without id lists (48009), plans from shadow state and says which checks were skipped', () => {
    const { model, links } = seeded(desired);
    model.members.delete('u');
    const plan = planSync({ desired, links, settings: settings() });
    expect(plan.operations).toEqual([]);
    expect(plan.warnings.map((w) => w.code)).toEqual(['no-department-list', 'no-member-list']);
  });
});

group('members without departments, disabled accounts', () => {
  it('puts a member with no synced department under the root and warns', () => {
    const plan = planSync({ desired: { departments: [], members: [member('m', 'u', ['gone'])] }, links: noLinks(), observed: company().observed(), settings: settings() });
    expect((op(plan, 'member.create:m').body as { department: number[] }).department).toEqual([ROOT]);
    expect(plan.warnings.map((w) => w.code)).toEqual(['department-not-synced', 'no-department']);
  });

  it('disables on account disabled (policy disable) or deletes (policy delete)', () => {
    const desired: DesiredState = { departments: [], members: [member('m', 'u', null)] };
    const disabled: DesiredState = { departments: [], members: [member('m', 'u', null, { enable: 0 })] };
    const a = seeded(desired);
    const { plan } = step(a.model, disabled, a.links);
    expect(plan.operations.map((o) => [o.kind, o.body, o.reason.cause])).toEqual([['member.disable', { userid: 'u', enable: 0 }, 'disabled in directory']]);
    expect(plan.safety.disables).toBe(1);
    const b = seeded(desired);
    const { plan: p2 } = step(b.model, disabled, b.links, settings({ onAccountDisabled: 'delete' }));
    expect(ids(p2)).toEqual(['member.delete:m']);
  });
});

group('incremental runs (scope)', () => {
  it('plans only what the change feed names, with a partial desired state, and deletes nothing else', () => {
    const full: DesiredState = {
      departments: [dept('a', 'A'), dept('b', 'B', 'a')],
      members: [member('m1', 'u1', ['b']), member('m2', 'u2', ['a'])],
    };
    const { model, links } = seeded(full);
    // the feed says: organization c was created under b, account m1 moved to c and renamed
    const partial: DesiredState = { departments: [dept('c', 'C', 'b')], members: [member('m1', 'u1', ['c'], { name: 'Renamed' })] };
    const input = { desired: partial, links, observed: model.observed(), settings: settings(), scope: { departments: ['c'], members: ['m1'] } };
    const plan = planSync(input);
    expect(plan.operations.map((o) => [o.id, o.body])).toEqual([
      ['dept.create:c', { id: 14, name: 'C', parentid: 13 }],
      ['member.update:m1', { userid: 'u1', name: 'Renamed', department: [14], is_leader_in_dept: [0], main_department: 14 }],
    ]);
    expect(plan.warnings).toEqual([]);
    // the same partial state as a full reconcile would delete a, b and m2
    const asFull = planSync({ ...input, scope: undefined });
    expect(asFull.operations.map((o) => o.id)).toContain('dept.delete:a');
  });
});

group('direct leaders', () => {
  it('sets leaders created in the same plan once they exist, even when two lead each other', () => {
    const desired: DesiredState = {
      departments: [],
      members: [member('m1', 'boss', null, { direct_leader: ['deputy'] }), member('m2', 'deputy', null, { direct_leader: ['boss'] }), member('m3', 'dev', null, { direct_leader: ['boss'] })],
    };
    const model = company();
    const { plan, links } = step(model, desired, noLinks());
    expect(ids(plan)).toEqual([
      'member.create:m1', 'member.create:m2', 'member.create:m3',
      'member.update:m1#direct_leader', 'member.update:m2#direct_leader', 'member.update:m3#direct_leader',
    ]);
    expect(op(plan, 'member.create:m1').body).not.toHaveProperty('direct_leader');
    expect(op(plan, 'member.update:m3#direct_leader')).toMatchObject({ body: { userid: 'dev', direct_leader: ['boss'] }, dependsOn: ['member.create:m1', 'member.create:m3'] });
    expect(model.members.get('dev')?.fields.direct_leader).toEqual(['boss']);
    expect(replanIsEmpty(desired, links, model)).toEqual([]);
  });

  it('an update waits for a leader created in the same plan', () => {
    const before: DesiredState = { departments: [], members: [member('m1', 'dev', null)] };
    const { model, links } = seeded(before);
    const after: DesiredState = { departments: [], members: [member('m1', 'dev', null, { direct_leader: ['boss'] }), member('m2', 'boss', null)] };
    const { plan } = step(model, after, links);
    expect(op(plan, 'member.update:m1').dependsOn).toEqual(['member.create:m2']);
    expect(ids(plan)).toEqual(['member.create:m2', 'member.update:m1']);
  });
});

group('safety threshold', () => {
  const many: DesiredState = { departments: [], members: Array.from({ length: 10 }, (_, i) => member(`m${i}`, `u${i}`, null)) };

  it('is exceeded above maxDeletes, and the plan is still complete', () => {
    const { model, links } = seeded(many);
    const plan = planSync({ desired: { departments: [], members: [] }, links, observed: model.observed(), settings: settings({ safety: { maxDeletes: 5, maxDeletePercent: 100 } }) });
    expect(plan.operations.length).toBe(10);
    expect(plan.safety).toEqual({ deletes: 10, disables: 0, linked: 10, exceeded: true, limit: { maxDeletes: 5, maxDeletePercent: 100 } });
    expect(plan.warnings.map((w) => w.code)).toContain('safety-threshold');
  });

  it('is exceeded above maxDeletePercent, counting disables', () => {
    const { model, links } = seeded(many);
    const s = settings({ onAccountDeleted: 'disable', safety: { maxDeletes: 100, maxDeletePercent: 20 } });
    const three = planSync({ desired: { departments: [], members: many.members.slice(3) }, links, observed: model.observed(), settings: s });
    expect(three.safety).toMatchObject({ disables: 3, exceeded: true });
    const two = planSync({ desired: { departments: [], members: many.members.slice(2) }, links, observed: model.observed(), settings: s });
    expect(two.safety).toMatchObject({ disables: 2, exceeded: false });
  });
});

group('applyToLinks', () => {
  it('records created ids and written values as shadow state', () => {
    const plan = planSync({ desired: { departments: [dept('a', 'A', null, { nameEn: 'Aa' })], members: [member('m', 'u', ['a'], { email: 'u@example.com' })] }, links: noLinks(), observed: company().observed(), settings: settings() });
    const links = applyToLinks(plan, noLinks());
    expect(links.departments).toEqual([{ key: 'a', departmentId: 12, origin: 'created', shadow: { name: 'A', nameEn: 'Aa', parentid: ROOT, order: 0 } }]);
    expect(links.members[0]).toMatchObject({ key: 'm', userid: 'u', origin: 'created', shadow: { department: [12], email: 'u@example.com', enable: 1 } });
  });
});
