// Readable builders for planner tests, and a small directory model for property tests.
import type { DesiredDepartment, DesiredMember, DesiredState } from '../../../src/domain/desired.js';
import type { Links } from '../../../src/domain/link.js';
import type { Plan } from '../../../src/domain/plan.js';
import { applyToLinks, planSync } from '../../../src/sync/planner/index.js';
import type { Observed, PlannerInput, PlannerOptions, PlannerSettings } from '../../../src/sync/planner/types.js';
import { WeComModel } from './wecom-model.js';

export const ROOT = 10;

export const settings = (over: Partial<PlannerSettings> = {}): PlannerSettings => ({
  rootDepartmentId: ROOT,
  onAccountDeleted: 'delete',
  onAccountDisabled: 'disable',
  onOrganizationDeleted: 'delete',
  safety: { maxDeletes: 1000, maxDeletePercent: 100 },
  ...over,
});

export const dept = (key: string, name: string, parentKey: string | null = null, extra: Partial<DesiredDepartment> = {}): DesiredDepartment => ({
  key, name, parentKey, ...extra,
});

export const member = (key: string, userid: string, departmentKeys: string[] | null, extra: Partial<DesiredMember['fields']> = {}): DesiredMember => ({
  key, userid, departmentKeys, fields: { name: `Name ${key}`, mobile: mobileFor(key), enable: 1, ...extra },
});

/** A deterministic valid mainland mobile number per key. */
export function mobileFor(key: string): string {
  let h = 7;
  for (const c of key) h = (h * 31 + c.charCodeAt(0)) % 100_000_000;
  return `138${String(h).padStart(8, '0')}`;
}

export const noLinks = (): Links => ({ departments: [], members: [] });

/** A WeCom company: root 1, the connection root 10 under it, an unmanaged sibling 11 outside it. */
export function company(): WeComModel {
  const m = new WeComModel(ROOT);
  m.addDepartment({ id: ROOT, name: 'Sync root', parentid: 1, order: 0 });
  m.addDepartment({ id: 11, name: 'Outside', parentid: 1, order: 0 });
  return m;
}

/**
 * Plans, applies in plan order to the model (throws on the first invalid operation), stores the
 * links the executor would store, and returns everything.
 */
export function step(
  model: WeComModel,
  desired: DesiredState,
  links: Links,
  s: PlannerSettings = settings(),
  options: PlannerOptions = {},
  observed: Observed | undefined = model.observed(),
): { plan: Plan; links: Links; input: PlannerInput } {
  const input: PlannerInput = { desired, links, settings: s, options };
  if (observed) input.observed = observed;
  const plan = planSync(input);
  for (const op of plan.operations) {
    try {
      model.apply(op);
    } catch (e) {
      throw new Error(`operation ${op.id} failed: ${(e as Error).message}\nplan:\n${describe(plan)}`, { cause: e });
    }
  }
  return { plan, links: applyToLinks(plan, links), input };
}

export function describe(plan: Plan): string {
  return plan.operations.map((op) => `  ${op.id} ${JSON.stringify(op.body)} <- [${op.dependsOn.join(', ')}]`).join('\n');
}
