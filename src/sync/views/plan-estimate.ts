// How long WeCom's rate budget makes a plan take, at least: each API has its own budget (every
// window of it kept), and the APIs run side by side, so the plan lasts as long as its slowest API.
// The k-th call of an API (0-based) can start no earlier than
//   t(k) = max(0, max over windows (count c, length W) with k ≥ c of t(k − c) + W)
// (the earliest start once the call c places back has left the window) — what a client that waits
// for its budget and nothing else achieves. A company larger than the hour budget (150,000 calls
// per API) therefore takes more than an hour, whatever the minute budget allows.
import { OPERATION_API, type Operation } from '../../domain/plan.js';
import type { Budget } from '../../wecom/transport/rate-limiter.js';

export interface PlanEstimate {
  /** the least time, in seconds, the budget allows for the plan's calls (0: they all fit in the first window) */
  seconds: number;
  /** the API and the window of its budget that set that time; null when nothing waits */
  limitedBy: { api: string; count: number; windowMs: number } | null;
}

/** When the last of `n` calls of one API can start under `windows` (ms). */
export function rateFloorMs(n: number, windows: readonly Budget[]): number {
  if (n <= 1) return 0;
  const t = new Float64Array(n);
  for (let k = 1; k < n; k++) {
    let best = 0;
    for (const w of windows) if (k >= w.count) best = Math.max(best, (t[k - w.count] as number) + w.windowMs);
    t[k] = best;
  }
  return t[n - 1] as number;
}

/** The plan's duration under `budget` (the windows every API keeps), from its operations per API. */
export function estimatePlan(operations: readonly Pick<Operation, 'kind'>[], budget: readonly Budget[]): PlanEstimate {
  const perApi = new Map<string, number>();
  for (const op of operations) {
    const api = OPERATION_API[op.kind];
    perApi.set(api, (perApi.get(api) ?? 0) + 1);
  }
  let out: PlanEstimate = { seconds: 0, limitedBy: null };
  for (const [api, n] of [...perApi].sort(([a], [b]) => a.localeCompare(b))) {
    const ms = rateFloorMs(n, budget);
    if (ms <= out.seconds * 1000) continue;
    // the window that alone would take longest is the one that binds
    const binding = [...budget].sort((a, b) => Math.floor((n - 1) / b.count) * b.windowMs - Math.floor((n - 1) / a.count) * a.windowMs)[0] as Budget;
    out = { seconds: ms / 1000, limitedBy: { api, count: binding.count, windowMs: binding.windowMs } };
  }
  return out;
}
