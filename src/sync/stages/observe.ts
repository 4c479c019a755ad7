// Stage "observe": what exists in WeCom, read once per run from the id lists a newly trusted IP
// may still read (department/simplelist, user/list_id). Member details are never read here: the
// planner compares against the shadow state (the values last written). 48009 on either list is not
// fatal: the plan is made from shadow state alone, and the planner's warning (no-department-list,
// no-member-list) says which check was skipped — once, here nothing is added.
import type { PlanWarning } from '../../domain/plan.js';
import { Errcode } from '../../wecom/errors/catalog.js';
import { WeComError } from '../../wecom/errors/wecom-error.js';
import type { SyncClient } from '../executor/index.js';
import type { Observed, ObservedMember } from '../planner/types.js';

export interface ObservedRead {
  observed: Observed;
  warnings: PlanWarning[];
}

/** An incremental run reads nothing: it trusts the shadow state. */
export const NOT_OBSERVED: ObservedRead = { observed: {}, warnings: [] };

export const isDetailReadRefused = (e: unknown): boolean => e instanceof WeComError && e.errcode === Errcode.DetailReadForbidden;

/**
 * The whole company's department ids (not only the root's subtree: new department ids are chosen
 * above every id seen, so a department outside the root must be known too; the planner acts only
 * on the root's subtree) and every member's (userid, department) rows, aggregated per userid.
 */
export async function observe(client: SyncClient): Promise<ObservedRead> {
  const observed: Observed = {};
  const [d, m] = await Promise.allSettled([client.department.simplelist(), client.user.listAllIds()]);
  if (d.status === 'fulfilled') observed.departments = d.value;
  else if (!isDetailReadRefused(d.reason)) throw d.reason;
  if (m.status === 'fulfilled') {
    const byUser = new Map<string, ObservedMember>();
    for (const row of m.value) {
      const k = row.userid.toLowerCase();
      const cur = byUser.get(k);
      if (cur) cur.department.push(row.department);
      else byUser.set(k, { userid: row.userid, department: [row.department] });
    }
    observed.members = [...byUser.values()];
  } else if (!isDetailReadRefused(m.reason)) throw m.reason;
  return { observed, warnings: [] };
}
