// What the plan route answers on `serve --no-worker` for each answer of the workers
// (src/server/routes/worker-plans.ts): the plan, the worker's problem as it met it, or 503
// `no-worker` with Retry-After and a code the console words in its language.
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/domain/connection.js';
import { AppError } from '../../src/domain/errors.js';
import type { PlanAnswer, StoredPlan } from '../../src/jobs/plans.js';
import { problemOf } from '../../src/server/problem.js';
import { planFromWorkers } from '../../src/server/routes/worker-plans.js';

const connection = { id: 'conn_1', name: 'acme', version: 1 } as Connection;
const answering = (a: PlanAnswer | { status: 'no-worker' }) => ({ plan: async () => a, planWaitMs: 25_000 });

async function refusal(a: PlanAnswer | { status: 'no-worker' }): Promise<AppError> {
  const e = await planFromWorkers(answering(a), connection).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('plans from the workers', () => {
  it('a plan made: returned as the worker stored it', async () => {
    const plan = { connection: { id: 'conn_1', name: 'acme' } } as StoredPlan;
    expect(await planFromWorkers(answering({ status: 'done', plan }), connection)).toBe(plan);
  });

  it('a plan the worker could not make: its problem, status, explanation and field errors as the single process answers them', async () => {
    const e = await refusal({ status: 'failed', problem: { status: 502, type: 'wecom-error', detail: 'WeCom: invalid credential', explanation: { en: 'wrong', zh: '错误' } } });
    expect(problemOf(e)).toMatchObject({ type: 'urn:wecom-sync:problem:wecom-error', status: 502, detail: 'WeCom: invalid credential', explanation: { en: 'wrong', zh: '错误' } });
  });

  it("a worker's problem keeps its message code: the serve process says it in the caller's language", async () => {
    const e = await refusal({ status: 'failed', problem: { status: 502, type: 'wecom-error', detail: 'WeCom: invalid credential', messageCode: 'error.wecom', params: { detail: 'invalid credential' } } });
    expect(problemOf(e)).toMatchObject({ detail: 'WeCom: invalid credential', code: 'error.wecom', params: { detail: 'invalid credential' } });
    expect(problemOf(e, 'zh').detail).toBe('企业微信返回错误：invalid credential');
  });

  it.each([
    ['no-worker', 'plan.no-worker', /no worker is available: this process sends nothing to WeCom/],
    ['waiting', 'plan.no-worker', /none took the plan request within 25 s/],
    ['expired', 'plan.no-worker', /none took the plan request/],
    ['planning', 'plan.still-planning', /still making the plan .*ask again/],
  ] as const)('%s: 503 no-worker (%s) with Retry-After', async (status, code, detail) => {
    const e = await refusal({ status });
    expect(e.headers['retry-after']).toMatch(/^\d+$/);
    expect(problemOf(e)).toMatchObject({ type: 'urn:wecom-sync:problem:no-worker', status: 503, code, params: { waitSeconds: 25 } });
    expect(e.message).toMatch(detail);
  });
});
