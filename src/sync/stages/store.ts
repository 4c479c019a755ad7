// Stage "store": the plan becomes durable before anything is sent. One transaction stores the
// adopted links, the plan's operations (status pending), supersedes older held plans (full runs),
// raises the department id floor to every id seen or chosen (ids chosen by a run that crashes are
// never reused), reserves the new department ids for the company (DepartmentIdsTakenError when
// another run took one meanwhile: nothing is stored, the run plans again), and starts the run —
// or parks it as 'held' when it deletes or disables more than the safety threshold, or drops it
// when an incremental run found nothing to do. A full run that read WeCom's lists also stores
// what no link owns (the orphans view reads it).
import { coded } from '../../messages/index.js';
import type { Plan } from '../../domain/plan.js';
import type { Store } from '../../store/store.js';
import { updateCursor } from '../state/cursors.js';
import { DepartmentIdsTakenError, departmentIdMark, reserveDepartmentIds } from '../state/department-ids.js';
import { replaceConflicts } from '../state/conflicts.js';
import { saveScan } from '../state/orphans.js';
import type { OrphanScan } from './orphans.js';
import { putLinks } from '../state/links.js';
import { deleteRun, getRun, RunStateError, startRun, storePlan, supersedeHeldRuns, type RunKind } from '../state/runs.js';
import { adoptedLinks, type Adoption } from './adopt.js';
import type { Observed } from '../planner/types.js';

export interface ClaimedRun {
  runId: string;
  owner: string;
  kind: RunKind;
  connectionId: string;
  leaseMs: number;
}

export interface StoreInput {
  plan: Plan;
  adoption: Adoption;
  observed: Observed;
  /** The new department ids the plan chose (state/department-ids.ts newDepartmentIds), reserved for the connection's company. */
  reserve?: { corpId: string; ids: readonly number[] };
  /** The account keys the plan planned (an incremental run's scope); absent: every key (full run). */
  plannedAccounts?: readonly string[];
  /** Drop a run with nothing to do, moving the cursor to this sequence (incremental runs). */
  dropEmptyAt?: number | null;
  /** Full runs that asked for WeCom's lists: what no link owns (./orphans.ts) and which lists WeCom gave, kept for the orphans view. */
  orphanScan?: OrphanScan;
  now: string;
}

/** started: execute it; held: waits for approval; dropped: nothing to do, no run left behind. */
export type Stored = 'started' | 'held' | 'dropped';

export async function storeRun(store: Store, run: ClaimedRun, input: StoreInput): Promise<Stored> {
  const { plan } = input;
  const adopted = adoptedLinks(input.adoption);
  const empty = plan.operations.length === 0 && plan.unlinks.length === 0 && !plan.relinks?.length;
  const held = plan.safety.exceeded;
  return store.write(async (trx) => {
    // the claim is still ours: a run that looked stale while it was planned may have been taken over
    const current = await getRun(trx, run.runId);
    if (current?.status !== 'planned' || current.leaseOwner !== run.owner)
      throw new RunStateError(coded('error.run-taken-over', { run: run.runId, status: current?.status ?? 'gone' }));
    if (adopted.departments.length + adopted.members.length > 0) await putLinks(trx, run.connectionId, adopted, input.now);
    // conflicts the rules cannot settle are kept for "Needs attention", also when the run is dropped
    await replaceConflicts(trx, run.connectionId, input.plannedAccounts ?? 'all', plan.warnings, input.now);
    if (input.orphanScan) await saveScan(trx, run.connectionId, run.runId, input.orphanScan, input.now);
    if (empty && input.dropEmptyAt !== undefined) {
      await deleteRun(trx, run.runId);
      if (input.dropEmptyAt !== null) await updateCursor(trx, run.connectionId, { lastChangeSeq: input.dropEmptyAt });
      return 'dropped';
    }
    const { reserve } = input;
    if (reserve && !(await reserveDepartmentIds(trx, reserve.corpId, reserve.ids, input.now))) throw new DepartmentIdsTakenError(reserve.corpId, await departmentIdMark(trx, reserve.corpId));
    await storePlan(store, trx, run.runId, plan, held);
    if (run.kind === 'full') await supersedeHeldRuns(trx, run.connectionId, run.runId);
    await updateCursor(trx, run.connectionId, { departmentIdFloor: departmentIdFloor(input.observed, plan) });
    if (held) return 'held';
    await startRun(trx, run.runId, run.owner, run.leaseMs);
    return 'started';
  });
}

/** The highest department id seen in WeCom or chosen by the plan. */
function departmentIdFloor(observed: Observed, plan: Plan): number {
  let floor = 0;
  for (const d of observed.departments ?? []) floor = Math.max(floor, d.id);
  for (const op of plan.operations) if (op.kind === 'department.create') floor = Math.max(floor, op.body.id);
  return floor;
}
