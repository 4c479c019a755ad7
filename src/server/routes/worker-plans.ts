// A plan (dry run) in a process that calls no WeCom API (`serve --no-worker`): asked of the workers
// through the queue (src/jobs/plans.ts) and answered as the single-process route answers — the
// plan, or the problem the worker met (e.g. 502 when WeCom refused) — or, when no worker answered
// within the wait, 503 with Retry-After:
//   no-worker  (code plan.no-worker)       no worker is running, or none took the request in time
//   no-worker  (code plan.still-planning)  a worker is making it but took longer than the wait;
//                                          asking again joins it (same directory and settings)
import type { Connection } from '../../domain/connection.js';
import type { StoredPlan } from '../../jobs/plans.js';
import { ProblemError, problem } from '../problem.js';
import { AppError } from '../../domain/errors.js';
import type { QueuedRuns } from './sync.js';

const RETRY_AFTER_SECONDS = 5;

function noWorker(code: 'plan.no-worker' | 'plan.still-planning', detail: string, waitSeconds: number): ProblemError {
  const p = { ...problem(503, detail, [], 'no-worker'), code, params: { waitSeconds } };
  return new ProblemError(p, { 'retry-after': String(RETRY_AFTER_SECONDS) });
}

/** The plan a worker made for `connection`, or the problem to answer. */
export async function planFromWorkers(queued: Pick<QueuedRuns, 'plan' | 'planWaitMs'>, connection: Connection): Promise<StoredPlan> {
  const answer = await queued.plan(connection);
  const waitSeconds = Math.round(queued.planWaitMs / 1000);
  switch (answer.status) {
    case 'done':
      return answer.plan;
    case 'failed': {
      const p = answer.problem;
      throw new AppError(p.type, p.status, p.detail, {
        ...(p.explanation ? { explanation: p.explanation } : {}),
        ...(p.errors ? { errors: p.errors } : {}),
        ...(p.messageCode !== undefined ? { messageCode: p.messageCode } : {}),
        ...(p.params !== undefined ? { params: p.params } : {}),
      });
    }
    case 'planning':
      throw noWorker(
        'plan.still-planning',
        `a worker is still making the plan (it takes longer than ${waitSeconds} s): ask again in a moment — the request joins the plan being made`,
        waitSeconds,
      );
    case 'no-worker':
      throw noWorker(
        'plan.no-worker',
        'no worker is available: this process sends nothing to WeCom (serve --no-worker), and plans are made by `wecom-sync worker` processes, none of which is running; start one and ask again',
        waitSeconds,
      );
    default:
      throw noWorker('plan.no-worker', `no worker is available: none took the plan request within ${waitSeconds} s (the workers are stopped or busy); ask again`, waitSeconds);
  }
}
