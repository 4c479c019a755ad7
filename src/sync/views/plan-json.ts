// The plan as users and scripts see it — `wecom-sync plan --json` and `GET …/plan` — in one place,
// so the CLI and the REST API can never drift apart.
import { OPERATION_KINDS, type Operation, type PlanWarning } from '../../domain/plan.js';
import type { MappingProblem } from '../../mapping/definitions/index.js';
import type { Budget } from '../../wecom/transport/rate-limiter.js';
import type { SyncReport } from '../pipeline.js';
import { estimatePlan } from './plan-estimate.js';
import type { Subjects } from './subjects.js';
import { reasonIn, warningsIn } from './texts.js';
import type { Lang } from '../../messages/index.js';

/** "changed in directory (…detail)", for a planned operation or a recorded one; in `lang` when the codes allow. */
export function reasonText(op: { reason: Pick<Operation['reason'], 'cause' | 'detail' | 'note'> }, lang: Lang = 'en'): string {
  return reasonIn(op.reason, lang);
}

/** Mapping problems as warnings, so JSON consumers see them next to the planner's. */
export function problemWarnings(problems: MappingProblem[]): PlanWarning[] {
  return problems.map((p) => ({ code: `mapping.${p.effect}`, key: p.key, message: `${p.objectType} ${p.key}: ${p.field}: ${p.message}` }));
}

/** `{ total, <kind>: n }` for the kinds present. */
export function summaryCounts(ops: readonly Operation[]): Record<string, number> {
  const out: Record<string, number> = { total: ops.length };
  for (const k of OPERATION_KINDS) {
    const n = ops.filter((o) => o.kind === k).length;
    if (n > 0) out[k] = n;
  }
  return out;
}

/**
 * `{ operations: [{kind, target, changes, reason}], summary, estimate, relinks, warnings }`; `budget` is the
 * connection's per-API rate budget (connectionBudget), which sets the estimate; `reason` and the
 * warnings in `lang` (English by default).
 */
export function planJson(report: Pick<SyncReport, 'plan' | 'warnings' | 'problems'>, budget: readonly Budget[], lang: Lang = 'en') {
  const ops = report.plan?.operations ?? [];
  return {
    operations: ops.map((op) => ({ kind: op.kind, target: op.target, changes: op.reason.changes, reason: reasonText(op, lang) })),
    summary: summaryCounts(ops),
    estimate: estimatePlan(ops, budget),
    relinks: (report.plan?.relinks ?? []).map(({ type, from, to, by, reason }) => ({ type, from, to, by, reason })),
    warnings: warningsIn([...report.warnings, ...problemWarnings(report.problems)], lang),
  };
}

/**
 * The REST API's plan: planJson, and on each operation the directory `key`, the `cause` and `note`
 * as codes (src/messages renders them in the console's language) and the `subject` (subjectsOf: the
 * object's name or path). The CLI's JSON stays as it was.
 */
export function planView(report: Pick<SyncReport, 'plan' | 'warnings' | 'problems'>, budget: readonly Budget[], subjects: Subjects, lang: Lang) {
  const ops = report.plan?.operations ?? [];
  return {
    ...planJson(report, budget, lang),
    operations: ops.map((op) => ({
      kind: op.kind,
      key: op.key,
      target: op.target,
      changes: op.reason.changes,
      reason: reasonText(op, lang),
      cause: op.reason.cause,
      ...(op.reason.note ? { note: op.reason.note } : {}),
      subject: subjects.get(op.key) ?? null,
    })),
  };
}
