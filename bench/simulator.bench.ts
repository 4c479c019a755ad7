// Throughput of the WeCom simulator: calls per second with no rate limit, 32 calls in flight,
// through undici over HTTPS (as the product calls it) and over plain HTTP.
// Run alone with `npx tsx bench/simulator.bench.ts`; `npm run bench` imports run().
import { pathToFileURL } from 'node:url';
import { Agent, request } from 'undici';
import { startSimulator } from '../src/simulator/index.js';

const IN_FLIGHT = 32;
const CALLS = 8_000;

interface Figure {
  calls: number;
  seconds: number;
  callsPerSecond: number;
  errors: number;
}

async function drive(n: number, call: (i: number) => Promise<number>): Promise<Figure> {
  let next = 0;
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < n) {
        const i = next++;
        if ((await call(i)) !== 0) errors++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { calls: n, seconds: Number(seconds.toFixed(3)), callsPerSecond: Math.round(n / seconds), errors };
}

async function measure(https: boolean): Promise<Record<string, Figure>> {
  const s = await startSimulator({
    https,
    corps: [{ corpid: 'bench', secret: 'bench-secret' }],
    rateLimit: { count: Number.MAX_SAFE_INTEGER, windowMs: 60_000 },
    rateLimitHour: null,
  });
  const dispatcher = new Agent({ connections: IN_FLIGHT, ...(s.caPem ? { connect: { ca: s.caPem } } : {}) });
  try {
    const json = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ errcode: number; [k: string]: unknown }> => {
      const res = await request(`${s.url}${path}`, { method, dispatcher, ...(body ? { body: JSON.stringify(body) } : {}) });
      return (await res.body.json()) as { errcode: number };
    };
    const token = (await json('GET', '/cgi-bin/gettoken?corpid=bench&corpsecret=bench-secret')).access_token as string;
    const q = `access_token=${token}`;
    await drive(2_000, async () => (await json('GET', `/cgi-bin/department/simplelist?${q}`)).errcode); // warm-up (JIT, TLS sessions)
    const create = await drive(CALLS, async (i) =>
      (await json('POST', `/cgi-bin/user/create?${q}`, { userid: `u${i}`, name: `User ${i}`, department: [1], mobile: `1380000${String(i).padStart(4, '0')}` })).errcode,
    );
    const get = await drive(CALLS, async (i) => (await json('GET', `/cgi-bin/user/get?${q}&userid=u${i % CALLS}`)).errcode);
    const update = await drive(CALLS, async (i) => (await json('POST', `/cgi-bin/user/update?${q}`, { userid: `u${i}`, position: `p${i}` })).errcode);
    return { 'user/create': create, 'user/get': get, 'user/update': update };
  } finally {
    await dispatcher.close();
    await s.close();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const figures = { inFlight: IN_FLIGHT, https: await measure(true), http: await measure(false) };
  for (const [transport, byApi] of Object.entries({ https: figures.https, http: figures.http }))
    for (const [api, f] of Object.entries(byApi))
      console.log(`simulator ${transport.padEnd(5)} ${api.padEnd(12)} ${String(f.callsPerSecond).padStart(7)} calls/s  (${f.calls} calls, ${IN_FLIGHT} in flight, ${f.errors} errors)`);
  return { simulator: figures };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
