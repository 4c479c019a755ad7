// Characterization: planSync's exact output (operations, order, ids, bodies, dependencies,
// reasons, warnings, unlinks, safety) for a fixed set of seeded inputs, compared with a stored
// digest per case. It holds the planner's behaviour still while its code is reorganised; a change
// meant to alter plans updates the file with `npx vitest run <this file> -u`, and the diff shows
// which cases moved. To look at a case: raw case i is `rawInput(new Rng(1000 + i))`; run i is
// `history` with `new Rng(900_000 + i)`.
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import type { Links } from '../../../src/domain/link.js';
import type { Plan } from '../../../src/domain/plan.js';
import { applyToLinks, planSync } from '../../../src/sync/planner/index.js';
import type { PlannerInput } from '../../../src/sync/planner/types.js';
import { ROOT, company, noLinks } from './fixtures.js';
import { LEGACY, Rng, STRANGER, desiredState, perturb, plannerOptions, plannerSettings, rawInput } from './random-inputs.js';
import type { WeComModel } from './wecom-model.js';

const RAW_CASES = 1500;
const HISTORIES = 300;
const STEPS = 4;

function outcome(input: PlannerInput): { line: string; plan?: Plan } {
  let plan: Plan;
  try {
    plan = planSync(input);
  } catch (e) {
    return { line: `throws ${(e as Error).message}` };
  }
  const digest = createHash('sha256').update(JSON.stringify(plan)).digest('hex').slice(0, 16);
  return { line: `${plan.operations.length} ops, ${plan.warnings.length} warnings, ${plan.unlinks.length} unlinks ${digest}`, plan };
}

/** Changes made by hand in WeCom between two runs. */
function drift(r: Rng, model: WeComModel, links: Links): void {
  if (!r.chance(0.3)) return;
  const members = links.members.map((l) => model.members.get(l.userid.toLowerCase())).filter((m) => m !== undefined);
  const departments = links.departments.map((l) => model.departments.get(l.departmentId)).filter((d) => d !== undefined);
  const kind = r.int(4);
  if (kind === 0 && members.length > 0) model.members.delete(r.pick(members).userid.toLowerCase());
  else if (kind === 1 && members.length > 0) r.pick(members).department = [LEGACY];
  else if (kind === 2 && departments.length > 0) r.pick(departments).name += '~by-hand';
  else if (kind === 3) {
    const empty = departments.filter((d) => ![...model.departments.values()].some((c) => c.parentid === d.id) && ![...model.members.values()].some((m) => m.department.includes(d.id)));
    if (empty.length > 0) model.departments.delete(r.pick(empty).id);
  }
}

/** Successive runs against a model of WeCom: links and shadows as an executor leaves them. */
function history(r: Rng, label: string, lines: string[]): void {
  const model = company();
  model.addDepartment({ id: LEGACY, name: 'Legacy', parentid: ROOT, order: 0 });
  model.addMember({ userid: STRANGER, department: [LEGACY], fields: {} });
  let links = noLinks();
  // the default department, if any, exists; the id floor is what a store keeps (the highest id seen)
  const settings = plannerSettings(r);
  if (settings.defaultDepartmentId !== undefined) settings.defaultDepartmentId = LEGACY;
  const options = { ...plannerOptions(r), departmentIdFloor: LEGACY };
  let desired = desiredState(r, true);
  for (let step = 0; step < STEPS; step++) {
    drift(r, model, links);
    // the directory changes a lot or a little, or only WeCom did (drift to repair)
    const change = step === 0 ? 10 : r.int(10);
    if (change < 4) desired = desiredState(r, true);
    else if (change < 8) desired = perturb(r, desired);
    const input: PlannerInput = { desired, links, settings, options };
    if (r.chance(0.8)) input.observed = model.observed();
    const { line, plan } = outcome(input);
    lines.push(`${label}.${step} ${line}`);
    if (!plan) return;
    for (const op of plan.operations) {
      try {
        model.apply(op);
      } catch (e) {
        lines.push(`${label}.${step} ${op.id} fails: ${(e as Error).message}`);
        return;
      }
    }
    links = applyToLinks(plan, links);
  }
}

it('plans exactly as recorded for seeded inputs (raw inputs and run histories)', async () => {
  const lines: string[] = [];
  for (let i = 0; i < RAW_CASES; i++) lines.push(`raw${i} ${outcome(rawInput(new Rng(1000 + i))).line}`);
  for (let i = 0; i < HISTORIES; i++) history(new Rng(900_000 + i), `run${i}`, lines);
  await expect(`${lines.join('\n')}\n`).toMatchFileSnapshot('./__snapshots__/characterization.txt');
});
