// Removals of orphans (WeCom objects no link owns) an admin requested obey the deletion policies and
// the safety threshold, for any mix of policies, orphans, requests, the company's creator and a
// desired account wanting an orphan's userid: members are deleted only under onAccountDeleted
// "delete", disabled under "disable", left alone under "ignore"; departments deleted only under
// onOrganizationDeleted "delete", only when empty once the plan ran, never outside the root; only
// what was requested, is listed and unlinked is touched; every removal counts toward the
// threshold; the model of WeCom accepts the plan, and planning again deletes nothing more.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../../../src/domain/desired.js';
import { applyToLinks, planSync } from '../../../src/sync/planner/index.js';
import type { PlannerInput } from '../../../src/sync/planner/types.js';
import { ROOT, company, dept, member, settings, step } from './fixtures.js';

const USERIDS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
// orphan departments: 20 and 21 under the root (21 inside 20), 30 outside it (under 11)
const DEPARTMENTS = [20, 21, 30];

const scenario = fc.record({
  onAccountDeleted: fc.constantFrom('delete' as const, 'disable' as const, 'ignore' as const),
  onOrganizationDeleted: fc.constantFrom('delete' as const, 'keep' as const),
  maxDeletes: fc.integer({ min: 0, max: 6 }),
  /** orphan members made by hand: userid → department */
  orphans: fc.subarray(USERIDS).chain((ids) => fc.tuple(fc.constant(ids), fc.array(fc.constantFrom(ROOT, 20, 21, 30), { minLength: ids.length, maxLength: ids.length }))),
  memberRequests: fc.subarray(USERIDS),
  departmentRequests: fc.subarray(DEPARTMENTS),
  creator: fc.option(fc.constantFrom(...USERIDS), { nil: undefined }),
  /** a desired account whose userid is one of these (it wants that member) */
  wanted: fc.option(fc.constantFrom(...USERIDS), { nil: undefined }),
});

describe('orphan removals (planner property)', () => {
  it('obey the deletion policies and the safety threshold', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const model = company();
        model.addDepartment({ id: 20, name: 'Hand A', parentid: ROOT, order: 0 });
        model.addDepartment({ id: 21, name: 'Hand B', parentid: 20, order: 0 });
        model.addDepartment({ id: 30, name: 'Hand C', parentid: 11, order: 0 });
        const [ids, where] = sc.orphans;
        ids.forEach((u, i) => model.addMember({ userid: u, department: [where[i]!], fields: { name: u, enable: 1 } }));
        const s = settings({
          onAccountDeleted: sc.onAccountDeleted, onOrganizationDeleted: sc.onOrganizationDeleted,
          safety: { maxDeletes: sc.maxDeletes, maxDeletePercent: 100 }, ...(sc.creator ? { protectedUserids: [sc.creator] } : {}),
        });
        // one linked account (lina), and perhaps a new one whose userid an orphan has
        const base: DesiredState = { departments: [dept('org_a', 'Sales')], members: [member('acc_lina', 'lina', ['org_a'])] };
        const { links } = step(model, base, { departments: [], members: [] }, s);
        const desired: DesiredState = { departments: base.departments, members: [...base.members] };
        if (sc.wanted && ids.includes(sc.wanted)) desired.members.push(member('acc_new', sc.wanted, ['org_a']));
        const at = '2026-12-07T00:00:00.000Z';
        const observedBefore = model.observed();
        const input: PlannerInput = {
          desired, links, settings: s, observed: observedBefore,
          orphanRemovals: { members: sc.memberRequests.map((userid) => ({ userid, by: 'admin', at })), departments: sc.departmentRequests.map((departmentId) => ({ departmentId, by: 'admin', at })) },
        };
        const plan = planSync(input);
        const orphanOps = plan.operations.filter((o) => o.key.startsWith('orphan:'));
        for (const op of orphanOps) expect(op.reason.cause).toBe('orphan: removal requested');

        // members: per policy, only requested + listed + not creator + not wanted by an account
        const memberOps = orphanOps.filter((o) => o.kind.startsWith('member.'));
        const eligible = sc.memberRequests.filter((u) => ids.includes(u) && u !== sc.creator && !(sc.wanted === u));
        if (sc.onAccountDeleted === 'ignore') expect(memberOps).toEqual([]);
        else {
          expect(memberOps.map((o) => o.kind)).toEqual(eligible.map(() => (sc.onAccountDeleted === 'delete' ? 'member.delete' : 'member.disable')));
          expect(memberOps.map((o) => (o.target as { userid: string }).userid).sort()).toEqual([...eligible].sort());
        }
        // departments: only under "delete", only inside the root, only when nothing stays in them
        const deptOps = orphanOps.filter((o) => o.kind === 'department.delete').map((o) => (o.body as { id: number }).id);
        if (sc.onOrganizationDeleted === 'keep') expect(deptOps).toEqual([]);
        expect(deptOps).not.toContain(30);
        for (const d of deptOps) expect(sc.departmentRequests).toContain(d);
        // safety: every removal counts
        const destructive = plan.operations.filter((o) => o.kind === 'member.delete' || o.kind === 'department.delete' || o.kind === 'member.disable').length;
        expect(plan.safety.deletes + plan.safety.disables).toBe(destructive);
        if (destructive > sc.maxDeletes) expect(plan.safety.exceeded).toBe(true);

        // WeCom (the model) accepts every operation in order; a department left with a member is never deleted
        const after = model.clone();
        for (const op of plan.operations) after.apply(op);
        for (const d of deptOps) expect(after.departments.has(d)).toBe(false);
        // planned again against WeCom as the plan left it: nothing more to delete (a disable is
        // planned again by the planner; the pipeline drops requests already carried out)
        const again = planSync({ ...input, links: applyToLinks(plan, links), observed: after.observed() });
        expect(again.operations.filter((o) => o.kind.endsWith('.delete'))).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});
