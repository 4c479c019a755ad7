// Plans through the workers, as real processes on PostgreSQL: `serve --no-worker` answers
// GET …/plan with the plan a `wecom-sync worker` made (the body the single-process route answers,
// in the caller's language), while the serve process calls WeCom never; with no worker it answers
// 503 `no-worker` at once; concurrent requests share one plan; a plan the worker could not make
// answers what the worker met; `wecom-sync plan` on the command line plans by itself.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionBudget } from '../../src/domain/connection.js';
import { SyncPipeline, planView, subjectsOf } from '../../src/sync/index.js';
import { connectionInput, createDeployment, type Deployment, type Proc, simCalls, startProcess, startSimulatorProcess, until } from './cluster.js';

const CORP = 'wwjobsplans';
const WAIT_SECONDS = 10;
let d: Deployment;
let sim: Proc;
let serve: Proc;
const procs: Proc[] = [];

beforeAll(async () => {
  // a slow WeCom (150 ms per answer): a plan takes long enough for requests to meet while it is made
  [d, sim] = await Promise.all([createDeployment(), startSimulatorProcess([CORP], ['--latency', '150'])]);
  procs.push(sim);
  await d.connections.create(connectionInput('acme', CORP, sim.url));
  const org = await d.directory.createOrganization({ name: 'Engineering' });
  for (let i = 0; i < 3; i++) await d.directory.createAccount({ username: `p${i}`, displayName: `Person ${i}`, organizationIds: [org.id], mobile: `+86 1380000${2000 + i}` });
  serve = await startProcess(['serve', '--no-worker'], d.env({ WECOM_SYNC_PLAN_WAIT_SECONDS: String(WAIT_SECONDS) }), /serving on/);
  procs.push(serve);
}, 60_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  await d?.close();
});

async function getPlan(name: string, lang?: string): Promise<{ status: number; retryAfter: string | null; body: Record<string, unknown> }> {
  const r = await fetch(`${serve.url}/api/v1/connections/${name}/plan`, { headers: { authorization: `Bearer ${d.token}`, ...(lang ? { 'accept-language': lang } : {}) } });
  return { status: r.status, retryAfter: r.headers.get('retry-after'), body: (await r.json()) as Record<string, unknown> };
}

/** The sum of a Prometheus counter's samples (every label set) in a /metrics text. */
function sumOf(metrics: string, name: string): number {
  return metrics
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

const metricsOf = async (p: Proc): Promise<string> => (await fetch(`${p.url}/metrics`)).text();

describe('plans on serve --no-worker', () => {
  it('with no worker running: 503 no-worker at once, with Retry-After, and nothing sent to WeCom', async () => {
    const t0 = Date.now();
    const r = await getPlan('acme');
    expect(Date.now() - t0).toBeLessThan(WAIT_SECONDS * 1000 / 2);
    expect(r.status).toBe(503);
    expect(r.retryAfter).toMatch(/^\d+$/);
    expect(r.body).toMatchObject({ type: 'urn:wecom-sync:problem:no-worker', code: 'plan.no-worker', params: { waitSeconds: WAIT_SECONDS } });
    expect(r.body.detail).toMatch(/no worker is available/);
    expect(await simCalls(sim)).toEqual([]);
  });

  it('with a worker: the plan it made, rendered by serve in the caller’s language; every WeCom call was the worker’s, under the shared budget', async () => {
    const worker = await startProcess(['worker'], d.env(), /ready on/);
    procs.push(worker);
    await until('the worker registered', async () => (await d.store.db.selectFrom('sync_workers').select('id').where('state', '=', 'running').execute()).length === 1);

    const en = await getPlan('acme');
    expect(en.status, JSON.stringify(en.body)).toBe(200);
    const ops = en.body.operations as Array<{ kind: string; cause: string; reason: string; subject: { name: string } | null }>;
    expect(ops.map((o) => o.kind).sort()).toEqual(['department.create', 'member.create', 'member.create', 'member.create']);
    expect(ops.every((o) => o.cause === 'created in directory' && o.reason.startsWith('created in directory'))).toBe(true);
    expect(ops.find((o) => o.kind === 'department.create')?.subject?.name).toBe('Engineering');

    // Chinese, from the same language-neutral plan
    const zh = await getPlan('acme', 'zh-CN');
    expect(zh.status).toBe(200);
    const zhOps = zh.body.operations as Array<{ reason: string }>;
    expect(zhOps.every((o) => /[\u4e00-\u9fff]/.test(o.reason) && !o.reason.includes('created in directory'))).toBe(true);

    // who called WeCom: the simulator saw exactly the calls the worker counted; serve counted none
    const calls = await simCalls(sim);
    expect(calls.length).toBeGreaterThan(0);
    expect(sumOf(await metricsOf(worker), 'wecom_api_call_duration_seconds_count')).toBe(calls.length);
    expect(sumOf(await metricsOf(serve), 'wecom_api_call_duration_seconds_count')).toBe(0);
    // the plan's WeCom reads took their share of the company's budget, held in the database
    const worked = await d.store.db.selectFrom('sync_workers').select('id').executeTakeFirstOrThrow();
    const slices = await d.store.db.selectFrom('wecom_budget_slices').select(['api', 'owner']).where('corp_id', '=', CORP).execute();
    expect(slices.map((s) => s.api)).toEqual(expect.arrayContaining(['department/simplelist']));
    expect(slices.every((s) => s.owner === worked.id)).toBe(true);

    // the body the single-process route answers (a pipeline here, after the call log was read)
    const here = new SyncPipeline({ store: d.store, directory: d.directory, connections: d.connections });
    try {
      const report = await here.plan('acme');
      const c = await d.connections.get('acme');
      const single = { ...planView(report, connectionBudget(c), await subjectsOf(d.directory, report.plan.operations), 'en'), held: report.plan.safety.exceeded };
      expect(en.body).toEqual(JSON.parse(JSON.stringify(single)));
    } finally {
      await here.close();
    }
  });

  it('concurrent requests for one connection share one plan of the worker', async () => {
    const before = await d.store.db.selectFrom('plan_requests').select('id').execute();
    const answers = await Promise.all([getPlan('acme'), getPlan('acme'), getPlan('acme', 'zh'), getPlan('acme')]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers[1]!.body).toEqual(answers[0]!.body);
    const after = await d.store.db.selectFrom('plan_requests').select(['id', 'status']).execute();
    const made = after.filter((r) => !before.some((b) => b.id === r.id));
    expect(made).toEqual([{ id: made[0]!.id, status: 'done' }]);
  });

  it('a plan the worker could not make answers what it met, as in one process (WeCom refused the secret: 502 with the explanation)', async () => {
    await d.connections.create(connectionInput('broken', CORP, sim.url, { secret: 'not-the-secret' }));
    const r = await getPlan('broken');
    expect(r.status).toBe(502);
    expect(r.body).toMatchObject({ type: 'urn:wecom-sync:problem:wecom-error' });
    expect((r.body.explanation as { en: string; zh: string }).en.length).toBeGreaterThan(0);
    expect((await getPlan('nobody')).status).toBe(404);
  });

  it('`wecom-sync plan` on the command line plans against PostgreSQL by itself', async () => {
    const bin = path.resolve(import.meta.dirname, '../../bin/wecom-sync.mjs');
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'plan', '--connection', 'acme', '--json'], { env: { ...process.env, ...d.env() } });
    const out = JSON.parse(stdout) as { operations: Array<{ kind: string }> };
    expect(out.operations.filter((o) => o.kind === 'member.create')).toHaveLength(3);
  });
});
