// Initial full sync of 1,000 departments and 10,000 members into an empty simulated company, then a
// no-op resync. WeCom answers after 40 ms and allows 200 calls per second per API (sliding
// window); the client is given the same budget. The floor is set by the budget: the last of N
// calls of one API can start no earlier than ceil(N / 200 − 1) s after the first, so 10,000
// user/create need ≥ 49 s (departments run alongside, on their own API budget, parents first).
//   npm run bench -- initial-sync      (BENCH_SYNC_MEMBERS / BENCH_SYNC_DEPARTMENTS to scale)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DesiredDepartment, DesiredMember, DesiredState } from '../src/domain/desired.js';
import { startSimulator } from '../src/simulator/index.js';
import { openStore } from '../src/store/store.js';
import { runPipeline, type PipelineEvent } from '../src/sync/pipeline.js';
import { mappedState } from '../src/sync/stages/map.js';
import { createWeComClient } from '../src/wecom/index.js';

const MEMBERS = Number(process.env.BENCH_SYNC_MEMBERS ?? 10_000);
const DEPARTMENTS = Number(process.env.BENCH_SYNC_DEPARTMENTS ?? 1_000);
const LATENCY_MS = 40;
const BUDGET = { count: 200, windowMs: 1000 };
const WRITE_APIS = ['department/create', 'department/update', 'department/delete', 'user/create', 'user/update', 'user/delete'];

/** 10 top-level departments, 10 children each, the rest spread one level further down. */
function directory(): DesiredState {
  const departments: DesiredDepartment[] = [];
  for (let i = 0; i < DEPARTMENTS; i++) {
    const parent = i < 10 ? null : i < 110 ? `org_${Math.floor((i - 10) / 10)}` : `org_${10 + ((i - 110) % 100)}`;
    departments.push({ key: `org_${i}`, name: `部门 ${i}`, parentKey: parent });
  }
  const members: DesiredMember[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    const main = `org_${i % DEPARTMENTS}`;
    const keys = i % 5 === 0 ? [main, `org_${(i * 7 + 3) % DEPARTMENTS}`] : [main];
    members.push({
      key: `acc_${i}`,
      userid: `user${i}`,
      departmentKeys: [...new Set(keys)],
      fields: { name: `成员 ${i}`, mobile: `139${String(i).padStart(8, '0')}`, email: `user${i}@example.com`, position: 'Engineer', enable: 1 },
    });
  }
  return { departments, members };
}

const floorSeconds = (n: number): number => Math.max(0, Math.ceil(n / BUDGET.count - 1) * (BUDGET.windowMs / 1000));

export async function run(): Promise<Record<string, unknown>> {
  const corpid = 'wwbenchsync';
  const secret = 'bench-secret';
  const sim = await startSimulator({ port: 0, corps: [{ corpid, secret }], latencyMs: LATENCY_MS, rateLimit: BUDGET });
  const client = createWeComClient({ corpId: corpid, secret, apiBase: sim.url, ca: sim.caPem, rateLimit: BUDGET });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-bench-'));
  const store = await openStore({ kind: 'sqlite', file: path.join(dir, 'bench.sqlite') });
  const connection = { id: 'conn_bench', rootDepartmentId: 1, safety: { maxDeletes: 100, maxDeletePercent: 20 } };
  // the pipeline with this fixed desired state as its map stage (no directory, no mapping)
  const fullRun = (onEvent?: (e: PipelineEvent) => void) =>
    runPipeline({ store, ...(onEvent ? { onEvent } : {}) }, { connection, client }, { kind: 'full', map: async () => mappedState(structuredClone(desired)) });
  const desired = directory();
  try {
    let done = 0;
    const progress = setInterval(() => process.stdout.write(`\r  ${done}/${DEPARTMENTS + MEMBERS} operations recorded`), 1000);
    const started = performance.now();
    const first = await fullRun((e) => void (e.type === 'op-recorded' && done++));
    const wallS = (performance.now() - started) / 1000;
    clearInterval(progress);
    process.stdout.write('\n');
    const afterFirst = sim.sim.stats().byApi;
    const calls = Object.values(afterFirst).reduce((a, b) => a + b, 0);
    // 1 gettoken + department/simplelist + one user/list_id page (empty company) + one create per object
    const minimum = 1 + 1 + 1 + DEPARTMENTS + MEMBERS;
    const company = sim.sim.company(corpid);
    const createdDepartments = company.departments.all().length - 1;
    const createdMembers = company.members.all().length - 1; // every company starts with its creator

    const before = { ...sim.sim.stats().byApi };
    const t2 = performance.now();
    const second = await fullRun();
    const resyncS = (performance.now() - t2) / 1000;
    const after = sim.sim.stats().byApi;
    const delta: Record<string, number> = {};
    for (const [api, n] of Object.entries(after)) if (n - (before[api] ?? 0) > 0) delta[api] = n - (before[api] ?? 0);
    const resyncWrites = WRITE_APIS.reduce((n, api) => n + (delta[api] ?? 0), 0);

    const floorS = Math.max(floorSeconds(MEMBERS), floorSeconds(DEPARTMENTS));
    const figures = {
      departments: DEPARTMENTS,
      members: MEMBERS,
      budget: `${BUDGET.count}/${BUDGET.windowMs}ms per API`,
      latencyMs: LATENCY_MS,
      status: first.status,
      operations: first.summary.total,
      succeeded: first.summary.succeeded,
      wallSeconds: Number(wallS.toFixed(2)),
      floorSeconds: floorS,
      ratioToFloor: Number((wallS / floorS).toFixed(3)),
      weComCalls: calls,
      minimumCalls: minimum,
      callsRatio: Number((calls / minimum).toFixed(4)),
      callsByApi: afterFirst,
      rateLimited45009: sim.sim.stats().rateLimited,
      lostDepartments: DEPARTMENTS - createdDepartments,
      lostMembers: MEMBERS - createdMembers,
      resync: { status: second.status, operations: second.summary.total, seconds: Number(resyncS.toFixed(2)), writeCalls: resyncWrites, calls: delta },
    };
    console.log(
      `  ${DEPARTMENTS} departments + ${MEMBERS} members: ${first.status} in ${figures.wallSeconds} s; floor ${floorS} s → ${figures.ratioToFloor} × floor; ` +
        `${calls} WeCom calls for a minimum of ${minimum} (${figures.callsRatio} ×); 45009: ${figures.rateLimited45009}; ` +
        `lost: ${figures.lostDepartments} departments, ${figures.lostMembers} members\n` +
        `  no-op resync: ${second.summary.total} operations, ${resyncWrites} write calls, reads ${JSON.stringify(delta)} in ${figures.resync.seconds} s`,
    );
    return figures;
  } finally {
    await client.close();
    await sim.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
