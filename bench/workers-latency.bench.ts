// PostgreSQL deployments (issue 15): from a directory write on `serve --no-worker` to the call
// arriving at WeCom, with two `wecom-sync worker` processes (LISTEN/NOTIFY wakes them). Goal: p99
// under 250 ms. All real processes: the simulator, serve, the workers; one connection synced first,
// then N account creations through serve's REST API, one at a time (each waits until its
// user/create arrived), timed from the request's start to the simulator's arrival stamp (one clock).
//
//   npm run bench -- workers-latency                    100 writes, 2 workers
//   npm run bench -- workers-latency --writes=300 --workers=1
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'wecom-sync.mjs');
const SERVER = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CORP = 'wwlatency';

function start(args: string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; url: string }> {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const on = (d: Buffer): void => {
      out += d.toString();
      const line = out.split('\n').find((l) => ready.test(l));
      if (line) resolve({ child, url: /(https?:\/\/[^\s)]+)/.exec(line)?.[1] ?? '' });
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}:\n${out}`)));
  });
}

async function admin(sqlText: string): Promise<void> {
  const u = new URL(SERVER);
  u.pathname = '/postgres';
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    await c.query(sqlText);
  } finally {
    await c.end();
  }
}

const flag = (name: string, def: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def);
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

export async function run(): Promise<Record<string, unknown>> {
  const writes = flag('writes', 100);
  const workers = flag('workers', 2);
  const name = `wecom_bench_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const procs: ChildProcess[] = [];
  const { openStore } = await import('../src/store/store.js');
  const { Connections, SecretBox } = await import('../src/connections/index.js');
  const { Directory } = await import('../src/directory/directory.js');
  const { AuthService } = await import('../src/auth/index.js');
  const store = await openStore({ kind: 'postgres', url: url.toString() });
  try {
    const sim = await start(['simulator', '--http', '--port', '0', '--corp', `${CORP}:${CORP}-secret`], {}, /listening on/);
    procs.push(sim.child);
    const key = randomBytes(32);
    const auth = new AuthService(store);
    await auth.ensureAdmin('long-enough-password-1');
    const user = await store.db.selectFrom('users').select(['id', 'username']).executeTakeFirstOrThrow();
    const { token } = await auth.createToken({ kind: 'user', userId: user.id, username: user.username, role: 'admin' }, 'bench', 'admin');
    const directory = new Directory(store);
    const org = await directory.createOrganization({ name: 'Bench' });
    await directory.createAccount({ username: 'first', displayName: 'First', organizationIds: [org.id], mobile: '+86 13800000000' });
    await new Connections(store, SecretBox.fromKey(key)).create({ name: 'acme', corpId: CORP, secret: `${CORP}-secret`, rootDepartmentId: 1, apiBase: sim.url });
    const env = { DATABASE_URL: url.toString(), WECOM_SYNC_SECRET_KEY: key.toString('base64'), PORT: '0', LOG_LEVEL: 'warn', WECOM_SYNC_CONSOLE: 'off' };
    const serve = await start(['serve', '--no-worker'], env, /serving on/);
    procs.push(serve.child);
    for (const w of await Promise.all(Array.from({ length: workers }, () => start(['worker'], env, /ready on/)))) procs.push(w.child);
    const api = (method: string, p: string, body?: unknown) =>
      fetch(`${serve.url}/api/v1${p}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const creates = async (): Promise<number[]> =>
      ((await (await fetch(`${sim.url}/_sim/calls`)).json()) as { calls: Array<{ api: string; at: number; errcode: number | null }> }).calls
        .filter((c) => c.api === 'user/create' && c.errcode === 0)
        .map((c) => c.at);
    const started = await api('POST', '/connections/acme/runs');
    if (started.status !== 202) throw new Error(`run: ${started.status} ${await started.text()}`);
    for (let i = 0; (await creates()).length < 1; i++) {
      if (i > 600) throw new Error('the first run did not reach WeCom within 30 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const latencies: number[] = [];
    for (let i = 0; i < writes; i++) {
      const t0 = Date.now();
      const r = await api('POST', '/accounts', { username: `w${i}`, displayName: `W ${i}`, organizationIds: [org.id], mobile: `+86 1390000${String(i).padStart(4, '0')}` });
      if (r.status !== 201) throw new Error(`write ${i}: ${r.status} ${await r.text()}`);
      for (;;) {
        const at = await creates();
        if (at.length >= i + 2) {
          latencies.push(at[i + 1]! - t0);
          break;
        }
        await new Promise((res) => setTimeout(res, 5));
      }
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const result = { writes, workers, p50: pct(sorted, 50), p90: pct(sorted, 90), p99: pct(sorted, 99), max: sorted[sorted.length - 1] };
    console.log(`${writes} writes through serve, ${workers} worker(s): write → WeCom p50 ${result.p50} ms, p90 ${result.p90} ms, p99 ${result.p99} ms, max ${result.max} ms`);
    return result;
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    await store.close();
    await admin(`drop database if exists ${name} with (force)`);
  }
}
