// Plans (dry runs) asked of the workers (PostgreSQL deployments). `serve --no-worker` calls no WeCom
// API, yet a plan reads WeCom: so the serve process records a *plan request* (table plan_requests,
// migration 0015), sends a job on the plan queue (./queue.ts, PLAN_QUEUE), and waits a bounded time;
// a worker claims the request, makes the plan through its pipeline — its WeCom reads pass the
// shared budget like a run's — and stores it language-neutral (reasons and warnings as codes with
// parameters), which the serve process renders in the caller's language.
//
//   request   (serve) join an open request of the connection, or record a new one:
//               - one waiting (not started yet) is joined, brought up to date (it reads the
//                 directory when it starts) and kept wanted until this requester's wait ends;
//               - one a live worker is making is joined when it was asked for the same directory
//                 (latest change sequence) and connection version — so a plan longer than one wait
//                 is answered to the next ask instead of started again;
//               - else a new waiting request (at most one waiting per connection: the index).
//   claim     (worker) waiting → planning, if still wanted (someone waits); one worker wins
//   finish    (worker) planning → done (the plan) or failed (the problem to answer)
//   wait      (serve) polls the request until it is done or failed, or the wait ends
//
// Requests are kept an hour, then deleted by the next request. The clocks of the processes are
// assumed in step (NTP), as the run leases assume.
import { sql } from 'kysely';
import type { Plan, PlanWarning } from '../domain/plan.js';
import type { FieldError } from '../domain/common.js';
import type { Explanation } from '../domain/errors.js';
import type { TextParams } from '../messages/index.js';
import type { MappingProblem } from '../mapping/definitions/index.js';
import { newId } from '../store/ids.js';
import type { DB, Store } from '../store/store.js';
import type { JobQueue } from './queue.js';

/** The plan as a worker hands it over: what the serve process needs to render it (planView), in no language. */
export interface StoredPlan {
  connection: { id: string; name: string };
  plan: Plan;
  warnings: PlanWarning[];
  problems: MappingProblem[];
}

/** A failed plan as the serve process answers it (the problem the single-process route would answer). */
export interface PlanProblem {
  status: number;
  /** the problem type's name, e.g. `wecom-error` */
  type: string;
  detail: string;
  explanation?: Explanation;
  errors?: FieldError[];
  /** the detail's message code and parameters (src/messages), for the serve process to say it in the caller's language */
  messageCode?: string;
  params?: TextParams;
}

export type PlanAnswer = { status: 'done'; plan: StoredPlan } | { status: 'failed'; problem: PlanProblem } | { status: 'waiting' | 'planning' | 'expired' | 'gone' };

/** What the requester knew when it asked: a request made for the same may answer it. */
export interface PlanBasis {
  connectionId: string;
  changeSeq: number;
  connectionVersion: number;
}

const KEEP_MS = 3_600_000;
/** A worker is live while its heartbeat is this recent (three beats: src/jobs/registry.ts). */
const LIVE_MS = 15_000;

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Joins the connection's open request or records a new one (see the top of the file); `waitMs`:
 * how long the requester waits. Answers the request's id, and whether it was joined.
 */
export async function requestPlan(store: Store, basis: PlanBasis, waitMs: number, now = Date.now()): Promise<{ id: string; joined: boolean }> {
  const until = iso(now + waitMs);
  await store.db.deleteFrom('plan_requests').where('requested_at', '<', iso(now - KEEP_MS)).execute();
  for (let attempt = 0; attempt < 5; attempt++) {
    // a plan a live worker is making for the same directory and settings
    const making = await store.db
      .selectFrom('plan_requests as p')
      .innerJoin('sync_workers as w', 'w.id', 'p.worker')
      .select('p.id')
      .where('p.connection_id', '=', basis.connectionId)
      .where('p.status', '=', 'planning')
      .where('p.change_seq', '=', basis.changeSeq)
      .where('p.connection_version', '=', basis.connectionVersion)
      .where('w.state', '=', 'running')
      .where('w.seen_at', '>', iso(now - LIVE_MS))
      .orderBy('p.started_at', 'desc')
      .executeTakeFirst();
    if (making) return { id: making.id, joined: true };
    const waiting = await store.db.selectFrom('plan_requests').selectAll().where('connection_id', '=', basis.connectionId).where('status', '=', 'waiting').executeTakeFirst();
    if (waiting) {
      // nobody waits for it any more: set it aside (a worker would not start it), and record a new one
      const stale = waiting.wanted_until <= iso(now);
      const r = await store.db
        .updateTable('plan_requests')
        .set(stale ? { status: 'expired', finished_at: iso(now) } : { change_seq: basis.changeSeq, connection_version: basis.connectionVersion, wanted_until: until > waiting.wanted_until ? until : waiting.wanted_until })
        .where('id', '=', waiting.id)
        .where('status', '=', 'waiting')
        .executeTakeFirst();
      if (!stale && Number(r.numUpdatedRows) === 1) return { id: waiting.id, joined: true };
      continue;
    }
    const id = newId('plan');
    const inserted = await store.db
      .insertInto('plan_requests')
      .values({
        id, connection_id: basis.connectionId, status: 'waiting', requested_at: iso(now), change_seq: basis.changeSeq, connection_version: basis.connectionVersion,
        wanted_until: until, worker: null, started_at: null, finished_at: null, result: null, error: null,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { id, joined: false };
    // another process recorded one at the same moment: join it
  }
  throw new Error(`could not record a plan request for connection ${basis.connectionId}: it kept changing under this one`);
}

/** The request's answer now. */
export async function planAnswer(db: DB, id: string): Promise<PlanAnswer> {
  const r = await db.selectFrom('plan_requests').select(['status', 'result', 'error']).where('id', '=', id).executeTakeFirst();
  if (!r) return { status: 'gone' };
  if (r.status === 'done' && r.result !== null) return { status: 'done', plan: JSON.parse(r.result) as StoredPlan };
  if (r.status === 'failed' && r.error !== null) return { status: 'failed', problem: JSON.parse(r.error) as PlanProblem };
  return { status: r.status as 'waiting' | 'planning' | 'expired' };
}

/** Polls the request until it is answered or `timeoutMs` has passed (then its last state: waiting, planning…). */
export async function waitForPlan(db: DB, id: string, timeoutMs: number, pollMs = 100): Promise<PlanAnswer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const a = await planAnswer(db, id);
    if (a.status === 'done' || a.status === 'failed' || a.status === 'gone' || Date.now() >= deadline) return a;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
  }
}

/** Worker: waiting → planning when someone still waits for it; answers the connection id, or null (taken, expired, gone). */
export async function claimPlanRequest(db: DB, id: string, worker: string, now = Date.now()): Promise<string | null> {
  const r = await db
    .updateTable('plan_requests')
    .set({ status: 'planning', worker, started_at: iso(now) })
    .where('id', '=', id)
    .where('status', '=', 'waiting')
    .where('wanted_until', '>', iso(now))
    .returning('connection_id')
    .executeTakeFirst();
  return r?.connection_id ?? null;
}

/** Worker: the plan made, or the problem met. */
export async function finishPlanRequest(db: DB, id: string, answer: { plan: StoredPlan } | { problem: PlanProblem }): Promise<void> {
  await db
    .updateTable('plan_requests')
    .set('plan' in answer ? { status: 'done', result: JSON.stringify(answer.plan) } : { status: 'failed', error: JSON.stringify(answer.problem) })
    .set({ finished_at: iso(Date.now()) })
    .where('id', '=', id)
    .where('status', '=', 'planning')
    .execute();
}

export interface PlanMaker {
  /** The plan of a connection (through the worker's pipeline: its WeCom reads pass the shared budget). */
  plan(connectionId: string): Promise<StoredPlan>;
  /** A failure as the problem the route answers. */
  describe(err: unknown): PlanProblem;
}

/** Worker: answers one plan request (when it is still waiting and wanted). false: nothing to do. */
export async function answerPlanRequest(db: DB, id: string, worker: string, maker: PlanMaker): Promise<boolean> {
  const connectionId = await claimPlanRequest(db, id, worker);
  if (connectionId === null) return false;
  let answer: { plan: StoredPlan } | { problem: PlanProblem };
  try {
    answer = { plan: await maker.plan(connectionId) };
  } catch (err) {
    answer = { problem: maker.describe(err) };
  }
  await finishPlanRequest(db, id, answer);
  return true;
}

/**
 * Serve: a plan from the workers — none live: `no-worker` at once; else the request (joined or
 * new) is sent on the plan queue and awaited up to `waitMs`. A request still waiting or being
 * made when the wait ends answers its state (the caller says to ask again: the next ask joins it).
 */
export async function askForPlan(store: Store, queue: Pick<JobQueue, 'send'>, basis: PlanBasis, waitMs: number): Promise<PlanAnswer | { status: 'no-worker' }> {
  if ((await liveWorkers(store.db)) === 0) return { status: 'no-worker' };
  const { id } = await requestPlan(store, basis, waitMs);
  // (a joined request is sent again: if its job was lost — taken by a worker that died before claiming it — this one reaches a worker; a job still waiting takes it)
  await queue.send([{ connectionId: basis.connectionId, action: 'plan', planId: id }]);
  return waitForPlan(store.db, id, waitMs);
}

/** Workers that take jobs now (state running, a heartbeat in the last 15 s). */
export async function liveWorkers(db: DB, now = Date.now()): Promise<number> {
  const r = await db
    .selectFrom('sync_workers')
    .select(sql<number>`count(*)`.as('n'))
    .where('state', '=', 'running')
    .where('seen_at', '>', iso(now - LIVE_MS))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
