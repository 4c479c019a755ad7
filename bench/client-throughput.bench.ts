// How close the client gets to WeCom's rate budget: N user/create calls through the client over
// HTTPS against the simulator with a 40 ms round trip and a per-API sliding window. The floor is
// set by the window, not by the machine: with a budget of B calls per W, the last of N calls can
// start no earlier than ceil(N / B - 1) × W after the first. A serial client needs N × latency.
// The client counts a call against its window until its answer is back (the only moment it is
// sure WeCom has counted it), which costs about one round trip per window: ≈ 1 + RTT / W, i.e.
// 1.04 at this benchmark's 1 s window and 1.0007 at WeCom's 60 s window.
import { startSimulator } from '../src/simulator/index.js';
import { createWeComClient } from '../src/wecom/index.js';

const N = Number(process.env.BENCH_CLIENT_CALLS ?? 3000);
const LATENCY_MS = 40;
const BUDGET = { count: 100, windowMs: 1000 };

export async function run(): Promise<Record<string, unknown>> {
  const corpid = 'wwbench';
  const secret = 'bench-secret';
  const sim = await startSimulator({ port: 0, corps: [{ corpid, secret }], latencyMs: LATENCY_MS, rateLimit: BUDGET });
  const client = createWeComClient({ corpId: corpid, secret, apiBase: sim.url, ca: sim.caPem, rateLimit: BUDGET });
  try {
    await client.department.simplelist(); // fetch the token first: gettoken is its own API with its own budget
    const progress = setInterval(() => process.stdout.write(`\r  ${client.stats().byApi['user/create'] ?? 0}/${N} calls`), 1000);
    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: N }, (_, i) =>
        client.user.create({ userid: `bench${i}`, name: `成员${i}`, department: [1], mobile: `139${String(i).padStart(8, '0')}` }),
      ),
    );
    const wallS = (performance.now() - started) / 1000;
    clearInterval(progress);
    process.stdout.write('\n');

    const failed = results.filter((r) => r.status === 'rejected');
    const created = sim.sim.company(corpid).members.all().length - 1; // every company starts with its creator
    const floorS = Math.ceil(N / BUDGET.count - 1) * (BUDGET.windowMs / 1000);
    const serialS = (N * LATENCY_MS) / 1000;
    const figures = {
      calls: N,
      budget: `${BUDGET.count}/${BUDGET.windowMs}ms per API`,
      latencyMs: LATENCY_MS,
      wallSeconds: Number(wallS.toFixed(2)),
      floorSeconds: floorS,
      ratioToFloor: Number((wallS / floorS).toFixed(3)),
      serialBaselineSeconds: serialS,
      speedupOverSerial: Number((serialS / wallS).toFixed(2)),
      rateLimited45009: sim.sim.stats().rateLimited,
      clientRetries: client.stats().retries,
      failed: failed.length,
      lost: N - created,
    };
    console.log(
      `  ${N} user/create in ${figures.wallSeconds} s; floor ${floorS} s → ${figures.ratioToFloor} × floor ` +
        `(goal ≤ 1.05); serial would take ${serialS} s; 45009 answers: ${figures.rateLimited45009}; ` +
        `failed: ${figures.failed}; lost: ${figures.lost}`,
    );
    return figures;
  } finally {
    await client.close();
    await sim.close();
  }
}
