// Sync routes (what `wecom-sync plan / apply / status` do):
//   GET  /connections/:name/plan     dry run (viewer) → {operations, summary, warnings} (the shape of `plan --json`);
//                                    serve --no-worker: made by a worker (./worker-plans.ts)
//   POST /connections/:name/runs     start a full run (admin) → 202 {run, status}; 409 when a run is active
//   GET  /connections/:name/runs     recent runs (viewer)
//   GET  /connections/:name/status   links, cursor, held runs, failures of the last run (viewer)
//   GET  /runs/:id                   a run: status, summary, error, operations with errcode and explanation (viewer)
//   POST /runs/:id/approve           execute a run held by the safety threshold (admin) → 202
//   POST /runs/:id/retry             send a finished run's failed operations again (admin) → 202
// and the per-object status (./objects.ts): GET /connections/:name/objects/:type/:id and GET /connections/:name/objects.
//
// Runs are long: the route answers 202 {run: id} as soon as the run has begun (for a new run, once
// its plan is stored; for approve/retry, at the first executor event, after checking the run's
// status) and the run goes on in the background. Poll GET /runs/:id until `finished` is true. A run
// that fails before sending anything (WeCom unreachable, wrong secret) answers with that error (the
// failed run stays in the history), as does a run already active (409).
// Background runs are awaited when the app closes, then the pipeline's clients are closed.
import { coded } from '../../messages/index.js';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Connections } from '../../connections/index.js';
import type { Connection } from '../../domain/connection.js';
import type { PlanAnswer } from '../../jobs/plans.js';
import { connectionBudget } from '../../domain/connection.js';
import type { Budget } from '../../wecom/transport/rate-limiter.js';
import { type SyncPipeline, type SyncReport, type Subjects, planView, reasonText, subjectsOf, summaryIn, syncStatus, targetText, warningsIn } from '../../sync/index.js';
import { type Lang, negotiateLang } from '../../messages/index.js';
import { ACTIVE_STATUSES, type RunRecord, getRun, listRuns, loadOperations } from '../../sync/state/runs.js';
import { audit } from '../audit.js';
import { ProblemError, problem } from '../problem.js';
import { defineRoute } from '../route.js';
import { type DemoGuard, connectionRoutes, nameParams } from './connections.js';
import { mappingRoutes } from './mapping.js';
import { objectRoutes } from './objects.js';
import { planFromWorkers } from './worker-plans.js';
import { explanation, fieldChange, operationStatus, subject, text, warning } from './schemas.js';

// ------------------------------------------------------------------ shapes (the CLI's JSON)

/** `wecom-sync plan --json`, plus whether applying it would be held by the safety threshold. */
function planWithHeld(report: Pick<SyncReport, 'plan' | 'warnings' | 'problems'>, budget: readonly Budget[], subjects: Subjects, lang: Lang) {
  return { ...planView(report, budget, subjects, lang), held: report.plan?.safety.exceeded ?? false };
}

const planTarget = z.union([z.object({ departmentId: z.number() }), z.object({ userid: z.string() })]);
const planSchema = z
  .object({
    operations: z.array(
      z
        .object({
          kind: z.string(),
          key: z.string().describe('the organization or account id'),
          target: planTarget,
          changes: z.array(fieldChange),
          reason: z.string().describe('English: the cause, and its note in brackets'),
          cause: z.string().describe('why, as a code (e.g. "created in directory")'),
          note: text.optional(),
          subject: subject.optional(),
        })
        .meta({ id: 'PlanOperation' }),
    ),
    summary: z.record(z.string(), z.number()).describe('{total, <kind>: n}'),
    estimate: z
      .object({
        seconds: z.number().describe("the least time the connection's rate budget allows for the plan's WeCom calls (0: they all fit in the first window)"),
        limitedBy: z
          .object({ api: z.string(), count: z.number(), windowMs: z.number() })
          .nullable()
          .describe('the API and the window of its budget that set that time (e.g. user/create, 150000 per 3600000 ms); null when nothing waits'),
      })
      .meta({ id: 'PlanEstimate' }),
    relinks: z
      .array(
        z
          .object({
            type: z.enum(['department', 'member']),
            from: z.string().describe('the deleted account or organization whose link moves'),
            to: z.string().describe('the new account or organization that takes the WeCom member or department over'),
            by: z.string().describe('userid, mobile, email (members) or name-path (departments)'),
            reason: z.string(),
          })
          .meta({ id: 'PlanRelink' }),
      )
      .describe('re-hires: links taken over, without a WeCom call, before the operations run'),
    warnings: z.array(warning),
    held: z.boolean().describe('applying this plan now would be held for approval (safety threshold)'),
  })
  .meta({ id: 'Plan' });
const runStatus = z
  .enum(['queued', 'planned', 'running', 'held', 'succeeded', 'failed', 'partial', 'cancelled'])
  .describe(
    'active (at most one per connection): planned, running. queued: waits for a worker (PostgreSQL deployments); at most one per connection, and requests made meanwhile coalesce into it. ' +
      'held: waits for approval. The others are final.',
  )
  .meta({ id: 'RunStatus' });
const runSummary = z
  .object({ total: z.number(), succeeded: z.number(), failed: z.number(), skipped: z.number(), pending: z.number(), retryable: z.number(), gone: z.number(), byKind: z.record(z.string(), z.number()), message: z.string(), note: text.optional() })
  .meta({ id: 'RunSummary' });
const runError = z.object({ message: z.string(), explanation: explanation.optional(), errcode: z.number().optional() }).meta({ id: 'RunError' });
const runFields = {
  id: z.string(),
  connectionId: z.string(),
  kind: z.enum(['full', 'incremental']),
  status: runStatus,
  finished: z.boolean().describe('false while queued, planned or running'),
  summary: runSummary.nullable(),
  error: runError.nullable(),
  warnings: z.array(warning),
  held: z.boolean().describe('the plan exceeded the safety threshold'),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
};
const runSchema = z.object(runFields).meta({ id: 'Run' });
const operationSchema = z
  .object({
    opId: z.string(),
    seq: z.number(),
    kind: z.string(),
    key: z.string(),
    target: z.string().describe('"member <userid>" or "department <id>"'),
    reason: z.string(),
    cause: z.string(),
    reasonNote: text.optional().describe("the reason's note as a code with parameters"),
    subject,
    changes: z.array(fieldChange),
    status: operationStatus,
    attempts: z.number(),
    errcode: z.number().nullable(),
    errmsg: z.string().nullable(),
    errorClass: z.string().nullable(),
    explanation: explanation.nullable(),
    note: z.string().nullable(),
  })
  .meta({ id: 'RunOperation' });
const runDetail = z.object({ ...runFields, connection: z.object({ id: z.string(), name: z.string() }).nullable(), operations: z.array(operationSchema) }).meta({ id: 'RunDetail' });
const accepted = z
  .object({
    run: z.string(),
    status: runStatus,
    location: z.string(),
    coalesced: z.boolean().optional().describe('queued deployments: true when the request joined the run already queued for the connection (its id is answered)'),
  })
  .meta({ id: 'RunAccepted' });
const statusSchema = z
  .object({
    connection: z.object({ id: z.string(), name: z.string(), rootDepartmentId: z.number(), defaultDepartmentId: z.number().nullable() }),
    runs: z.array(z.object({ id: z.string(), kind: z.string(), status: runStatus, createdAt: z.string(), finishedAt: z.string().nullable(), summary: z.string().nullable(), error: z.string().nullable() })),
    links: z.object({ departments: z.number(), members: z.number(), pending: z.number() }),
    failures: z.array(
      z
        .object({ runId: z.string(), kind: z.string(), key: z.string(), target: z.string(), errcode: z.number().nullable(), errmsg: z.string().nullable(), explanation: explanation.nullable(), note: z.string().nullable() })
        .meta({ id: 'SyncFailure' }),
    ),
    held: z.array(z.string()),
    cursor: z.object({ lastChangeSeq: z.number().nullable(), latestSequence: z.number(), lag: z.number(), departmentIdFloor: z.number() }),
    mapping: z.object({ pending: z.boolean().describe('the mapping (or scope, default department) was changed and saved after the last full run; the next full run applies it (the service starts one when the mapping is saved)') }),
  })
  .meta({ id: 'SyncStatus' });
const idParams = z.strictObject({ id: z.string().min(1).max(64) });
const runsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).optional() });

/** A run in `lang` (its summary and warnings; English by default). */
function runView(r: RunRecord, lang: Lang = 'en') {
  return {
    id: r.id,
    connectionId: r.connectionId,
    kind: r.kind,
    status: r.status,
    finished: r.status !== 'queued' && !(ACTIVE_STATUSES as readonly string[]).includes(r.status),
    summary: summaryIn(r.summary, lang),
    error: r.error,
    warnings: warningsIn(r.plan?.warnings ?? [], lang),
    held: r.plan?.safety.exceeded ?? false,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  };
}

// ------------------------------------------------------------------ routes

/**
 * Runs requested through a job queue (PostgreSQL deployments, src/jobs): a worker process executes
 * them, and this process may send nothing to WeCom at all (`serve --no-worker`).
 */
export interface QueuedRuns {
  /** Queues a full run (coalesced into the connection's queued run); answers its id. */
  requestRun(connectionId: string): Promise<{ runId: string; coalesced: boolean }>;
  /** Queues the approval or retry of a run. */
  requestRerun(connectionId: string, runId: string, action: 'approve' | 'retry'): Promise<void>;
  /** false: this process never calls WeCom, so its plans (dry runs) are made by the workers: `plan`. */
  callsWeCom: boolean;
  /** A plan asked of the workers (src/jobs/plans.ts), awaited up to `planWaitMs`. */
  plan(connection: Connection): Promise<PlanAnswer | { status: 'no-worker' }>;
  planWaitMs: number;
}

interface SyncRoutesOptions {
  sync: SyncPipeline;
  connections: Connections;
  /** Runs go through the queue (src/jobs) instead of running in this process. */
  queued?: QueuedRuns;
  /** Close the pipeline (its WeCom clients) when the app closes, after the background runs. */
  closeService?: boolean;
}

export function syncRoutes(opts: SyncRoutesOptions): FastifyPluginAsync {
  const { sync, connections } = opts;
  return async (app: FastifyInstance) => {
    /** Runs going on in the background, awaited on close. */
    const background = new Set<Promise<unknown>>();
    app.addHook('onClose', async () => {
      await Promise.allSettled([...background]);
      if (opts.closeService) await sync.close();
    });

    const track = (name: string, p: Promise<unknown>): void => {
      const q = p.catch((err: unknown) => app.log.error({ err, connection: name }, 'background sync run failed')).finally(() => background.delete(q));
      background.add(q);
    };
    const runLocation = (id: string): string => `${app.prefix}/runs/${id}`;

    async function runOf(id: string): Promise<RunRecord> {
      const run = await getRun(sync.store.db, id);
      if (!run) throw new ProblemError(problem(404, coded('error.run-not-found', { id })));
      return run;
    }

    defineRoute(
      app,
      {
        method: 'GET',
        url: '/connections/:name/plan',
        operationId: 'planSync',
        summary: 'Dry run: what a sync would change in WeCom',
        description:
          'Reads the directory and WeCom; nothing is stored or sent. The shape of `wecom-sync plan --json`. ' +
          'A process that calls no WeCom API (PostgreSQL deployments, `serve --no-worker`) asks a `wecom-sync worker` for the plan and waits for its answer up to `WECOM_SYNC_PLAN_WAIT_SECONDS` (25 s by default); ' +
          'the answer is the same. Requests for one connection made while one waits for a worker, or while a worker makes one for the same directory and settings, share it. ' +
          'When no worker is running, or none answered in time, 503 (type `urn:wecom-sync:problem:no-worker`, code `plan.no-worker`, or `plan.still-planning` when a worker is still making it: asking again joins it) with `Retry-After`.',
        tags: ['sync'],
        access: 'viewer',
        params: nameParams,
        responses: {
          200: { description: 'The plan', schema: planSchema },
          404: { description: 'No such connection' },
          502: { description: 'WeCom refused or could not be reached' },
          503: { description: 'serve --no-worker: no worker is running, or none answered within the wait (Retry-After)', headers: { 'Retry-After': 'seconds' } },
        },
      },
      async ({ params }, req) => {
        const lang = negotiateLang(req.headers['accept-language']);
        if (opts.queued && !opts.queued.callsWeCom) {
          // rendered here, in the caller's language, from the worker's language-neutral plan
          const c = await connections.get(params.name);
          const made = await planFromWorkers(opts.queued, c);
          return planWithHeld(made, connectionBudget(c), await subjectsOf(sync.directory, made.plan.operations), lang);
        }
        const report = await sync.plan(params.name);
        return planWithHeld(report, connectionBudget(await connections.get(report.connection.id)), await subjectsOf(sync.directory, report.plan?.operations ?? []), lang);
      },
    );

    defineRoute(
      app,
      {
        method: 'POST',
        url: '/connections/:name/runs',
        operationId: 'startRun',
        summary: 'Start a full sync run',
        description:
          'Answers 202 once the run has begun (its plan is stored); the run continues in the background: poll `GET /runs/{id}` until `finished`. A run that fails before anything was sent (WeCom unreachable, a wrong secret) answers that error; the failed run stays in the history. ' +
          'A run that would delete or disable more than the safety threshold ends `held`: approve it with `POST /runs/{id}/approve`.',
        tags: ['sync'],
        access: 'admin',
        params: nameParams,
        responses: {
          202: { description: 'Started', schema: accepted, headers: { Location: 'the run' } },
          404: { description: 'No such connection' },
          409: { description: 'A run of this connection is already active' },
          502: { description: 'WeCom refused or could not be reached before the run started' },
        },
      },
      async ({ params }, req, reply) => {
        const c = await connections.get(params.name);
        if (opts.queued) {
          const { runId, coalesced } = await opts.queued.requestRun(c.id);
          if (!coalesced) await audit(req, 'run.start', { type: 'run', id: runId }, { connection: c.name, connectionId: c.id });
          const run = await runOf(runId);
          return reply.code(202).header('location', runLocation(runId)).send({ run: runId, status: run.status, location: runLocation(runId), coalesced });
        }
        let id: string | null = null;
        let begun!: () => void;
        const began = new Promise<null>((resolve) => (begun = () => resolve(null)));
        const done = sync.apply(c.id, {
          onEvent: (e) => {
            if (e.type === 'run-claimed') id = e.runId;
            else if (e.type === 'plan-stored') begun();
          },
        });
        // whichever comes first: the stored plan, or the end (a failure before anything was sent is the answer)
        const ended = await Promise.race([began, done]);
        if (ended?.cause !== undefined) throw ended.cause;
        if (!id) throw new ProblemError(problem(500, 'the run ended without an id'));
        track(c.name, done);
        await audit(req, 'run.start', { type: 'run', id }, { connection: c.name, connectionId: c.id });
        const run = await runOf(id);
        return reply.code(202).header('location', runLocation(id)).send({ run: id, status: run.status, location: runLocation(id) });
      },
    );

    defineRoute(
      app,
      {
        method: 'GET',
        url: '/connections/:name/runs',
        operationId: 'listRuns',
        summary: 'Recent runs of a connection, newest first',
        tags: ['sync'],
        access: 'viewer',
        params: nameParams,
        query: runsQuery,
        responses: { 200: { description: 'The runs', schema: z.object({ items: z.array(runSchema) }) }, 404: { description: 'No such connection' } },
      },
      async ({ params, query }, req) => {
        const c = await connections.get(params.name);
        const lang = negotiateLang(req.headers['accept-language']);
        return { items: (await listRuns(sync.store.db, c.id, query.limit ?? 20)).map((r) => runView(r, lang)) };
      },
    );

    defineRoute(
      app,
      {
        method: 'GET',
        url: '/connections/:name/status',
        operationId: 'syncStatus',
        summary: 'Sync status of a connection',
        description: 'Recent runs, links, change-feed lag, runs held for approval and the failed operations of the last finished run (with explanations).',
        tags: ['sync'],
        access: 'viewer',
        params: nameParams,
        responses: { 200: { description: 'The status', schema: statusSchema }, 404: { description: 'No such connection' } },
      },
      async ({ params }) => syncStatus(sync.store, sync.directory, await connections.get(params.name)),
    );

    defineRoute(
      app,
      {
        method: 'GET',
        url: '/runs/:id',
        operationId: 'getRun',
        summary: 'A run with its operations',
        description: 'Each operation with its status, WeCom errcode/errmsg and the plain-language explanation of a failure.',
        tags: ['sync'],
        access: 'viewer',
        params: idParams,
        responses: { 200: { description: 'The run', schema: runDetail }, 404: { description: 'No such run' } },
      },
      async ({ params }, req) => {
        const run = await runOf(params.id);
        const c = await connections.find(run.connectionId);
        const ops = await loadOperations(sync.store.db, run.id);
        const subjects = await subjectsOf(sync.directory, ops);
        const lang = negotiateLang(req.headers['accept-language']);
        return {
          ...runView(run, lang),
          connection: c ? { id: c.id, name: c.name } : null,
          operations: ops.map((op) => ({
            opId: op.opId,
            seq: op.seq,
            kind: op.kind,
            key: op.key,
            target: targetText(op.target as { departmentId?: number; userid?: string }),
            reason: reasonText(op, lang),
            cause: op.reason.cause,
            ...(op.reason.note ? { reasonNote: op.reason.note } : {}),
            subject: subjects.get(op.key) ?? null,
            changes: op.reason.changes,
            status: op.status,
            attempts: op.attempts,
            errcode: op.errcode,
            errmsg: op.errmsg,
            errorClass: op.errorClass,
            explanation: op.explanation,
            note: op.note,
          })),
        };
      },
    );

    /** approve / retry: check the run's state now, execute in the background. */
    const reexecute = (action: 'approve' | 'retry') =>
      async ({ params }: { params: { id: string } }, req: FastifyRequest, reply: FastifyReply) => {
        const run = await runOf(params.id);
        const allowed = action === 'approve' ? ['held'] : ['partial', 'failed'];
        if (!allowed.includes(run.status))
          throw new ProblemError(problem(409, coded(action === 'approve' ? 'error.run-not-held' : 'error.run-not-retryable', { id: run.id, status: run.status })));
        const c = await connections.get(run.connectionId);
        if (opts.queued) {
          await opts.queued.requestRerun(c.id, run.id, action);
          await audit(req, `run.${action}`, { type: 'run', id: run.id }, { connection: c.name, connectionId: c.id, from: run.status });
          reply.code(202).header('location', runLocation(run.id));
          return { run: run.id, status: run.status, location: runLocation(run.id) };
        }
        // answer once execution has begun (the first executor event), so a poll never sees the old state
        let begun!: () => void;
        const started = new Promise<void>((resolve) => (begun = resolve));
        const onEvent = (): void => begun();
        const done = action === 'approve' ? sync.approve(c.id, run.id, { onEvent }) : sync.retry(c.id, run.id, { onEvent });
        await Promise.race([started, done]);
        track(c.name, done);
        await audit(req, `run.${action}`, { type: 'run', id: run.id }, { connection: c.name, connectionId: c.id, from: run.status });
        // returned, not sent: checked against the routes' 202 schema where they are defined
        reply.code(202).header('location', runLocation(run.id));
        return { run: run.id, status: 'running' as const, location: runLocation(run.id) };
      };

    defineRoute(
      app,
      {
        method: 'POST',
        url: '/runs/:id/approve',
        operationId: 'approveRun',
        summary: 'Execute a run held by the safety threshold',
        description: 'Answers 202 once execution has begun; the run continues in the background (poll `GET /runs/{id}`).',
        tags: ['sync'],
        access: 'admin',
        params: idParams,
        responses: { 202: { description: 'Executing', schema: accepted }, 404: { description: 'No such run' }, 409: { description: 'The run is not held' } },
      },
      reexecute('approve'),
    );

    defineRoute(
      app,
      {
        method: 'POST',
        url: '/runs/:id/retry',
        operationId: 'retryRun',
        summary: 'Send the failed operations of a finished run again',
        description: 'For a `partial` or `failed` run: its failed operations (and those skipped because of them) are sent again, in dependency order. Answers 202 once execution has begun (poll `GET /runs/{id}`).',
        tags: ['sync'],
        access: 'admin',
        params: idParams,
        responses: { 202: { description: 'Executing', schema: accepted }, 404: { description: 'No such run' }, 409: { description: 'The run is not partial or failed' } },
      },
      reexecute('retry'),
    );
  };
}

/**
 * The connection, mapping, sync and per-object status routes for `wecom-sync serve`, on the hosted sync engine's Connections
 * and SyncPipeline (./sync-engine.ts, built from the service's store and secret box as the CLI
 * builds them). The engine closes the pipeline at shutdown; the routes await their background
 * runs when the app closes, which is before that. `demo` tells the connection routes which
 * connection is the demo's (src/demo) and guards the sample company.
 */
export function adminSyncRoutes(
  engine: { connections: Connections; pipeline: SyncPipeline; mappingSaved?: (connectionId: string) => void; queued?: QueuedRuns | null },
  opts: { demo?: DemoGuard } = {},
): FastifyPluginAsync[] {
  return [
    connectionRoutes({ connections: engine.connections, directory: engine.pipeline.directory, ...(opts.demo ? { demo: opts.demo } : {}) }),
    mappingRoutes({
      connections: engine.connections,
      directory: engine.pipeline.directory,
      ...(opts.demo ? { demo: opts.demo } : {}),
      ...(engine.mappingSaved ? { onSaved: engine.mappingSaved } : {}),
    }),
    syncRoutes({ sync: engine.pipeline, connections: engine.connections, ...(engine.queued ? { queued: engine.queued } : {}) }),
    objectRoutes({ sync: engine.pipeline, connections: engine.connections, ...(engine.mappingSaved ? { onLinked: engine.mappingSaved } : {}) }),
  ];
}
