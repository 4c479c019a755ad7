// Re-hire: a new account that maps to the member a deleted account's link still holds takes the
// link over (plan.relinks) and the member is updated and re-enabled in the same plan.
import { describe as group, expect, it } from 'vitest';
import type { DesiredState } from '../../../src/domain/desired.js';
import type { PlannerSettings } from '../../../src/sync/planner/types.js';
import { applyToLinks, planSync } from '../../../src/sync/planner/index.js';
import { company, dept, member, noLinks, settings, step } from './fixtures.js';

const org = dept('org_a', 'Sales');
const before: DesiredState = { departments: [org], members: [member('acc_old', 'xiaomei', ['org_a'], { email: 'xm@example.com' })] };
/** The same person again under a new account id, with a new position. */
const rehired = (userid = 'xiaomei', extra = {}): DesiredState => ({
  departments: [org],
  members: [member('acc_new', userid, ['org_a'], { mobile: before.members[0]!.fields.mobile, email: 'xm@example.com', position: 'Lead', ...extra })],
});
const gone: DesiredState = { departments: [org], members: [] };

function history(policy: PlannerSettings['onAccountDeleted']) {
  const model = company();
  const s = settings({ onAccountDeleted: policy });
  let { links } = step(model, before, noLinks(), s);
  ({ links } = step(model, gone, links, s));
  return { model, links, s };
}

group('re-hire', () => {
  for (const policy of ['disable', 'ignore'] as const) {
    it(`policy ${policy}: the new account takes over the member by userid, updated and enabled, in one plan`, () => {
      const { model, links, s } = history(policy);
      expect(model.members.get('xiaomei')?.fields.enable).toBe(policy === 'disable' ? 0 : 1);
      const { plan, links: after } = step(model, rehired(), links, s);
      expect(plan.relinks).toEqual([expect.objectContaining({ type: 'member', from: 'acc_old', to: 'acc_new', by: 'userid' })]);
      expect(plan.operations.map((o) => o.id)).toEqual(['member.update:acc_new']);
      const op = plan.operations[0]!;
      expect(op.reason.cause).toBe('re-hired: linked to the member left by a deleted account');
      expect(op.body).toMatchObject({ userid: 'xiaomei', position: 'Lead', ...(policy === 'disable' ? { enable: 1 } : {}) });
      expect(plan.warnings.filter((w) => w.code === 'userid-conflict')).toEqual([]);
      expect(model.members.get('xiaomei')?.fields).toMatchObject({ position: 'Lead' });
      if (policy === 'disable') expect(model.members.get('xiaomei')?.fields.enable).toBe(1);
      expect(after.members.map((l) => l.key)).toEqual(['acc_new']);
      // converged
      expect(planSync({ desired: rehired(), links: after, observed: model.observed(), settings: s }).operations).toEqual([]);
    });
  }

  it('policy delete: the member was deleted, so it is simply created again', () => {
    const { model, links, s } = history('delete');
    expect(model.members.has('xiaomei')).toBe(false);
    const { plan } = step(model, rehired(), links, s);
    expect(plan.relinks).toBeUndefined();
    expect(plan.operations.map((o) => o.id)).toEqual(['member.create:acc_new']);
  });

  it('deleted and re-created in the same full run: the member is taken over instead of deleted and created', () => {
    const model = company();
    const s = settings({ onAccountDeleted: 'delete' });
    const { links } = step(model, before, noLinks(), s);
    const { plan } = step(model, rehired(), links, s);
    expect(plan.operations.map((o) => o.id)).toEqual(['member.update:acc_new']);
    expect(plan.safety.deletes).toBe(0);
  });

  it('matched by mobile under another username: keeps the userid WeCom has', () => {
    const { model, links, s } = history('disable');
    const plan = planSync({ desired: rehired('mei.xiao'), links, observed: model.observed(), settings: s, rehireBy: ['userid', 'mobile', 'email'] });
    expect(plan.relinks?.[0]).toMatchObject({ from: 'acc_old', to: 'acc_new', by: 'mobile' });
    expect(plan.operations.map((o) => [o.id, o.target])).toEqual([['member.update:acc_new', { userid: 'xiaomei' }]]);
    // without the rule the new account is a new member
    const plain = planSync({ desired: rehired('mei.xiao'), links, observed: model.observed(), settings: s });
    expect(plain.relinks).toBeUndefined();
    expect(plain.operations.map((o) => o.id)).toEqual(['member.create:acc_new']);
  });

  it('an incremental run takes over a link it does not name only when the account is known deleted', () => {
    const { model, links, s } = history('disable');
    const scope = { departments: [], members: ['acc_new'] };
    const blind = planSync({ desired: rehired(), links, settings: s, scope });
    expect(blind.operations).toEqual([]);
    expect(blind.warnings.map((w) => w.code)).toContain('userid-conflict');
    const plan = planSync({ desired: rehired(), links, settings: s, scope, released: { members: ['acc_old'] } });
    expect(plan.relinks?.map((r) => r.from)).toEqual(['acc_old']);
    expect(plan.operations.map((o) => o.id)).toEqual(['member.update:acc_new']);
    for (const op of plan.operations) model.apply(op);
    expect(applyToLinks(plan, links).members.map((l) => l.key)).toEqual(['acc_new']);
  });

  it('two new accounts fitting one member: neither takes it over; the warning names both', () => {
    const { model, links, s } = history('disable');
    const desired: DesiredState = {
      departments: [org],
      members: [member('acc_n1', 'xm1', ['org_a'], { email: 'xm@example.com' }), member('acc_n2', 'xm2', ['org_a'], { email: 'xm@example.com' })],
    };
    const plan = planSync({ desired, links, observed: model.observed(), settings: s, rehireBy: ['userid', 'email'] });
    expect(plan.relinks).toBeUndefined();
    const w = plan.warnings.filter((x) => x.code === 'rehire-ambiguous');
    expect(w.length).toBeGreaterThan(0);
    expect(w[0]!.message).toContain('acc_n1');
    expect(w[0]!.message).toContain('acc_n2');
  });
});

group('re-created organization', () => {
  const tree = (key: string): DesiredState => ({ departments: [dept(key, 'Sales'), dept(`${key}_east`, 'East', key)], members: [member('acc_1', 'u1', [`${key}_east`])] });

  for (const policy of ['keep', 'delete'] as const) {
    it(`policy ${policy}: a new organization with the same path takes over the department (and its subtree) instead of a 60008 create`, () => {
      const model = company();
      const s = settings({ onOrganizationDeleted: policy, onAccountDeleted: 'disable' });
      let { links } = step(model, tree('org_old'), noLinks(), s);
      // the organizations are deleted; the account moves out (the root), so under "delete" they go
      ({ links } = step(model, { departments: [], members: [member('acc_1', 'u1', [])] }, links, s));
      expect(model.departments.has(12)).toBe(policy === 'keep');
      const { plan, links: after } = step(model, tree('org_new'), links, s);
      if (policy === 'keep') {
        expect(plan.relinks?.filter((r) => r.type === 'department').map((r) => [r.from, r.to])).toEqual([['org_old', 'org_new'], ['org_old_east', 'org_new_east']]);
        expect(plan.operations.filter((o) => o.kind === 'department.create')).toEqual([]);
        expect(after.departments.map((l) => [l.key, l.departmentId]).sort()).toEqual([['org_new', 12], ['org_new_east', 13]]);
      } else {
        expect(plan.relinks).toBeUndefined();
        expect(plan.operations.filter((o) => o.kind === 'department.create').map((o) => o.key)).toEqual(['org_new', 'org_new_east']);
      }
      expect(model.members.get('u1')?.department).toEqual([after.departments.find((l) => l.key === 'org_new_east')!.departmentId]);
      expect(planSync({ desired: tree('org_new'), links: after, observed: model.observed(), settings: s }).operations).toEqual([]);
    });
  }

  it('deleted and re-created in one run (policy delete, members still in it): taken over, not deleted', () => {
    const model = company();
    const s = settings({ onOrganizationDeleted: 'delete' });
    const { links } = step(model, tree('org_old'), noLinks(), s);
    const { plan } = step(model, tree('org_new'), links, s);
    expect(plan.operations.filter((o) => o.kind.startsWith('department.'))).toEqual([]);
    expect(plan.relinks?.length).toBe(2);
  });

  it('an incremental run takes over a department it does not name only when the organization is known deleted', () => {
    const model = company();
    const s = settings({ onOrganizationDeleted: 'keep' });
    let { links } = step(model, { departments: [dept('org_old', 'Sales')], members: [] }, noLinks(), s);
    ({ links } = step(model, { departments: [], members: [] }, links, s));
    const scope = { departments: ['org_new'], members: [] };
    const desired: DesiredState = { departments: [dept('org_new', 'Sales')], members: [] };
    const blind = planSync({ desired, links, settings: s, scope });
    expect(blind.operations).toEqual([]);
    expect(blind.warnings.map((w) => w.code)).toContain('department-blocked');
    const plan = planSync({ desired, links, settings: s, scope, released: { departments: ['org_old'] } });
    expect(plan.relinks).toEqual([expect.objectContaining({ type: 'department', from: 'org_old', to: 'org_new', by: 'name-path' })]);
  });
});
