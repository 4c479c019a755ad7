// Prometheus metrics: one registry per process with Node's default metrics and the named metrics
// of the service. The sync metrics are fed from outside src/sync by src/server/sync-engine.ts
// (WeCom client onCall hook, worker events), like this:
//
//   import { metrics } from '../observability/metrics.js';
//   metrics.runsTotal.inc({ status: 'succeeded' });
//   metrics.operationsTotal.inc({ kind: 'member.create', result: 'failed', errcode: '60104' });
//   const end = metrics.wecomCallDuration.startTimer({ api: 'user/create', route: 'proxy-1' }); … end();
//   metrics.queueDepth.set(n);  metrics.changeFeedLag.set({ connection: id }, lag);
//
// Label values must be low-cardinality (never a user id or a name).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  /** Sync runs finished, by status (succeeded, failed, stopped-by-threshold, …). */
  readonly runsTotal: Counter<'status'>;
  /** WeCom operations applied, by kind (department.create, member.update, …), result (ok, failed, skipped) and errcode ("0" when ok). */
  readonly operationsTotal: Counter<'kind' | 'result' | 'errcode'>;
  /** WeCom API call latency, by API path (user/create) and route (direct or the proxy used). */
  readonly wecomCallDuration: Histogram<'api' | 'route'>;
  /** Connections with change-feed entries not synced yet (set after each worker cycle). */
  readonly queueDepth: Gauge;
  /** Change-feed entries not yet processed, per connection id. */
  readonly changeFeedLag: Gauge<'connection'>;
  /** PostgreSQL deployments: jobs waiting in the queue (src/jobs). */
  readonly jobsWaiting: Gauge;
  /** Runs this process executes now. */
  readonly activeRuns: Gauge;
  /** WeCom calls this process holds reserved in the shared budget, by API and window (src/jobs/budget.ts). */
  readonly budgetReserved: Gauge<'api' | 'window'>;
  /** Admin-API requests, by method, route pattern and status code. */
  readonly httpRequestsTotal: Counter<'method' | 'route' | 'status'>;
  readonly httpRequestDuration: Histogram<'method' | 'route'>;
}

export const METRIC_NAMES = {
  runsTotal: 'wecom_sync_runs_total',
  operationsTotal: 'wecom_sync_operations_total',
  wecomCallDuration: 'wecom_api_call_duration_seconds',
  queueDepth: 'wecom_sync_queue_depth',
  changeFeedLag: 'wecom_sync_change_feed_lag',
  jobsWaiting: 'wecom_sync_jobs_waiting',
  activeRuns: 'wecom_sync_active_runs',
  budgetReserved: 'wecom_budget_reserved_calls',
  httpRequestsTotal: 'wecom_sync_http_requests_total',
  httpRequestDuration: 'wecom_sync_http_request_duration_seconds',
} as const;

/** A fresh registry with every metric; `defaults` adds Node's process metrics (heap, event loop lag, …). */
export function createMetrics(opts: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaults !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    runsTotal: new Counter({ name: METRIC_NAMES.runsTotal, help: 'Sync runs finished, by status.', labelNames: ['status'], registers }),
    operationsTotal: new Counter({
      name: METRIC_NAMES.operationsTotal,
      help: 'WeCom operations applied by sync runs, by kind, result and WeCom errcode.',
      labelNames: ['kind', 'result', 'errcode'],
      registers,
    }),
    wecomCallDuration: new Histogram({
      name: METRIC_NAMES.wecomCallDuration,
      help: 'Latency of WeCom API calls in seconds, by API and route (direct or proxy).',
      labelNames: ['api', 'route'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    queueDepth: new Gauge({ name: METRIC_NAMES.queueDepth, help: 'Connections with change-feed entries not synced yet.', registers }),
    changeFeedLag: new Gauge({
      name: METRIC_NAMES.changeFeedLag,
      help: 'Change-feed entries not yet synced, per connection.',
      labelNames: ['connection'],
      registers,
    }),
    jobsWaiting: new Gauge({ name: METRIC_NAMES.jobsWaiting, help: 'Sync jobs waiting in the PostgreSQL queue (all processes).', registers }),
    activeRuns: new Gauge({ name: METRIC_NAMES.activeRuns, help: 'Sync runs this process executes now.', registers }),
    budgetReserved: new Gauge({
      name: METRIC_NAMES.budgetReserved,
      help: "WeCom calls this process holds reserved in the shared per-company budget, by API and window (ms).",
      labelNames: ['api', 'window'],
      registers,
    }),
    httpRequestsTotal: new Counter({
      name: METRIC_NAMES.httpRequestsTotal,
      help: 'Admin API requests, by method, route and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: METRIC_NAMES.httpRequestDuration,
      help: 'Admin API request duration in seconds, by method and route.',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
  };
}

/** The process-wide metrics that `wecom-sync serve` exposes at /metrics. */
export const metrics: Metrics = createMetrics();
