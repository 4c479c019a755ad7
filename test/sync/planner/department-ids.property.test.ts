// Property: the ids the planner gives new departments (creates, except a department re-created
// under the id its link holds) are distinct and above the floor it is given (the connection's floor
// raised to its company's mark), above every id WeCom listed and every id a link holds. The per-company reservation (src/sync/state/department-ids.ts) relies on it: a plan
// made above the mark it read holds ids no stored plan of the company holds, and the store stage
// only has to check them against the mark as it is when the plan is stored.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../../src/domain/plan.js';
import { planSync } from '../../../src/sync/planner/index.js';
import { newDepartmentIds } from '../../../src/sync/state/department-ids.js';
import { Rng, rawInput } from './random-inputs.js';

describe('new department ids', () => {
  it('are distinct, and above the floor, every listed id and every linked id', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 2 }), fc.integer({ min: 0, max: 10_000 }), (seed, floor) => {
        const input = rawInput(new Rng(seed));
        input.options = { ...input.options, departmentIdFloor: floor };
        let plan: Plan;
        try {
          plan = planSync(input);
        } catch {
          return; // inputs only a damaged store produces may be refused (the characterization test pins which)
        }
        const ids = newDepartmentIds(plan, input.links.departments);
        expect(new Set(ids).size).toBe(ids.length);
        const listed = (input.observed?.departments ?? []).map((d) => d.id).filter((id) => id < 2 ** 31);
        const linked = input.links.departments.map((l) => l.departmentId);
        const above = Math.max(floor, input.settings.rootDepartmentId, ...listed, ...linked);
        for (const id of ids) expect(id).toBeGreaterThan(above);
      }),
      { numRuns: 500 },
    );
  });
});
