// WeCom's rate limits as WeCom punishes them, scaled down in time: an initial full sync against a
// simulator that blocks an API for `--rate-block` after a call over its minute budget, and for the
// hour window after a call over its hour budget. Three scenarios (BENCH_RATE_SCENARIO picks one):
//   matching  the connection's budget override equals the simulator's: 200/1s          (≈ 10 s)
//   stricter  the simulator allows half what the client assumes (400/1s vs 200/1s):
//             other applications spend the rest; the client must settle after one block (≈ 11 s)
//   hour      a company larger than the hour budget: 200/1s and 3,000/60s — WeCom's proportions
//             (the hour budget is 15 minute-budgets, its window 60 minute-windows) (≈ 65 s)
//   hour-minute-only  the same with a client that keeps only the minute window (≈ 80 s)
// The floor is the least time the simulator's budget allows for the creates: the k-th call of an
// API can start no earlier than t(k − c) + W for each window (c per W) — estimatePlan's rateFloorMs,
// the same function the plan's expected duration comes from. Latency 40 ms, HTTPS, SQLite on disk.
//   npm run bench -- rate-limits       (BENCH_RATE_SCENARIO=matching|stricter|hour|hour-minute-only, BENCH_RATE_MEMBERS, BENCH_RATE_TIMELINE=1: calls per 100 ms)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DesiredDepartment, DesiredMember, DesiredState } from '../src/domain/desired.js';
import { connectionBudget } from '../src/domain/connection.js';
import { startSimulator } from '../src/simulator/index.js';
import { openStore } from '../src/store/store.js';
import { runPipeline } from '../src/sync/pipeline.js';
import { mappedState } from '../src/sync/stages/map.js';
import { estimatePlan, rateFloorMs } from '../src/sync/views/plan-estimate.js';
import { createWeComClient } from '../src/wecom/index.js';
import type { Budget } from '../src/wecom/transport/rate-limiter.js';

const LATENCY_MS = 40;
const DEPARTMENTS = 100;
const MINUTE: Budget = { count: 200, windowMs: 1000 };
const HOUR: Budget = { count: 3000, windowMs: 60_000 };
const BLOCK_MS = 1000;

interface Scenario {
  name: string;
  members: number;
  /** the simulator's windows: the minute one, then the hour one (null = WeCom's default, never reached here) */
  sim: { minute: Budget; hour: Budget | null };
  /** the connection's budget override */
  client: Budget[];
}

const SCENARIOS: Scenario[] = [
  { name: 'matching', members: 2000, sim: { minute: MINUTE, hour: null }, client: [MINUTE] },
  { name: 'stricter', members: 2000, sim: { minute: MINUTE, hour: null }, client: [{ count: 400, windowMs: 1000 }] },
  { name: 'hour', members: 4000, sim: { minute: MINUTE, hour: HOUR }, client: [MINUTE, HOUR] },
  // the same company with a client that keeps the minute window only: it meets the hour block
  { name: 'hour-minute-only', members: 4000, sim: { minute: MINUTE, hour: HOUR }, client: [MINUTE] },
];

/** 10 top-level departments, the rest one level down; members spread over them. */
function directory(members: number): DesiredState {
  const departments: DesiredDepartment[] = [];
  for (let i = 0; i < DEPARTMENTS; i++) departments.push({ key: `org_${i}`, name: `部门 ${i}`, parentKey: i < 10 ? null : `org_${i % 10}` });
  const list: DesiredMember[] = [];
  for (let i = 0; i < members; i++)
    list.push({
      key: `acc_${i}`,
      userid: `user${i}`,
      departmentKeys: [`org_${i % DEPARTMENTS}`],
      fields: { name: `成员 ${i}`, mobile: `139${String(i).padStart(8, '0')}`, email: `user${i}@example.com`, enable: 1 },
    });
  return { departments, members: list };
}

const load = (): string => os.loadavg().map((x) => x.toFixed(1)).join(' ');

async function runScenario(s: Scenario): Promise<Record<string, unknown>> {
  const members = Number(process.env.BENCH_RATE_MEMBERS ?? s.members);
  const corpid = `wwrate${s.name}`;
  const secret = 'bench-secret';
  const sim = await startSimulator({
    port: 0,
    corps: [{ corpid, secret }],
    latencyMs: LATENCY_MS,
    rateLimit: s.sim.minute,
    ...(s.sim.hour ? { rateLimitHour: s.sim.hour } : {}),
    rateBlockMs: BLOCK_MS,
  });
  // what `connection create … --rate-budget` stores, through the function the service uses
  const budget = connectionBudget({ rateBudget: s.client, rateSharePercent: 100 });
  const client = createWeComClient({ corpId: corpid, secret, apiBase: sim.url, ca: sim.caPem, rateLimit: budget });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-bench-rate-'));
  const store = await openStore({ kind: 'sqlite', file: path.join(dir, 'bench.sqlite') });
  const connection = { id: `conn_${s.name}`, rootDepartmentId: 1, safety: { maxDeletes: 100, maxDeletePercent: 20 } };
  const desired = directory(members);
  const loadBefore = load();
  try {
    const plan = await runPipeline({ store }, { connection, client }, { kind: 'full', dryRun: true, map: async () => mappedState(structuredClone(desired)) });
    const estimate = estimatePlan(plan.plan?.operations ?? [], budget);
    const started = performance.now();
    const startedAt = sim.sim.now();
    const report = await runPipeline({ store }, { connection, client }, { kind: 'full', map: async () => mappedState(structuredClone(desired)) });
    const wallS = (performance.now() - started) / 1000;

    const simWindows = [s.sim.minute, ...(s.sim.hour ? [s.sim.hour] : [])];
    const floorS = rateFloorMs(members, simWindows) / 1000;
    const creates = sim.sim.calls.filter((c) => c.api === 'user/create' && c.at >= startedAt);
    const createdAt = creates.filter((c) => c.errcode === 0).map((c) => c.at);
    // from the first user/create to the last: the part the budget governs (the wall time adds planning and storing the plan)
    const spanS = (Math.max(...createdAt) - Math.min(...createdAt)) / 1000;
    const beforeFirstS = (Math.min(...createdAt) - startedAt) / 1000;
    const refused = sim.sim.calls.filter((c) => c.errcode === 45009 && c.at >= startedAt).map((c) => c.at);
    const firstRefusal = refused.length > 0 ? Math.min(...refused) : null;
    const afterFirstBlock = firstRefusal === null ? 0 : refused.filter((at) => at >= firstRefusal + BLOCK_MS).length;
    if (process.env.BENCH_RATE_TIMELINE) {
      const t0 = Math.min(...createdAt);
      const buckets = new Map<number, string>();
      for (const c of creates) {
        const b = Math.floor((c.at - t0) / 100);
        buckets.set(b, (buckets.get(b) ?? '') + (c.errcode === 0 ? '.' : 'x'));
      }
      for (const [b, marks] of [...buckets].sort((x, y) => x[0] - y[0])) console.log(`  ${(b / 10).toFixed(1)} s  ${marks.length} ${marks.replace(/\.+/g, (m) => `.${m.length}`)}`);
    }
    const company = sim.sim.company(corpid);
    const figures = {
      scenario: s.name,
      simulator: `--rate-limit ${s.sim.minute.count}/${s.sim.minute.windowMs / 1000}s${s.sim.hour ? ` --rate-limit-hour ${s.sim.hour.count}/${s.sim.hour.windowMs / 1000}s` : ''} --rate-block ${BLOCK_MS / 1000}s --latency ${LATENCY_MS}`,
      clientBudget: s.client.map((b) => `${b.count}/${b.windowMs / 1000}s`).join(','),
      departments: DEPARTMENTS,
      members,
      status: report.status,
      operations: report.summary.total,
      succeeded: report.summary.succeeded,
      wallSeconds: Number(wallS.toFixed(2)),
      floorSeconds: floorS,
      ratioToFloor: Number((wallS / floorS).toFixed(3)),
      beforeFirstCreateSeconds: Number(beforeFirstS.toFixed(2)),
      createSpanSeconds: Number(spanS.toFixed(2)),
      spanRatioToFloor: Number((spanS / floorS).toFixed(3)),
      planEstimateSeconds: estimate.seconds,
      planLimitedBy: estimate.limitedBy,
      userCreateCalls: creates.length,
      rateLimited45009: refused.length,
      rateLimitedAfterFirstBlock: afterFirstBlock,
      clientCapAfter: client.limiterSnapshot().apis['user/create']?.cap ?? null,
      lostMembers: members - company.members.all().length,
      lostDepartments: DEPARTMENTS - (company.departments.all().length - 1),
      load: `${loadBefore} → ${load()}`,
    };
    console.log(
      `  ${s.name}: ${DEPARTMENTS} departments + ${members} members, simulator ${figures.simulator}, client ${figures.clientBudget}: ${report.status} in ${figures.wallSeconds} s; ` +
        `floor ${floorS} s → ${figures.ratioToFloor} × floor (plan said ≥ ${estimate.seconds} s); first create after ${figures.beforeFirstCreateSeconds} s, ` +
        `first → last create ${figures.createSpanSeconds} s = ${figures.spanRatioToFloor} × floor; user/create calls ${creates.length}; ` +
        `45009: ${refused.length} (${afterFirstBlock} after the first block); cap ${figures.clientCapAfter ?? 'none'}; ` +
        `lost ${figures.lostDepartments} departments, ${figures.lostMembers} members; load ${figures.load}`,
    );
    return figures;
  } finally {
    await client.close();
    await sim.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const wanted = process.env.BENCH_RATE_SCENARIO;
  const out: Record<string, unknown> = {};
  for (const s of SCENARIOS) if (!wanted || wanted === s.name) out[s.name] = await runScenario(s);
  return out;
}
