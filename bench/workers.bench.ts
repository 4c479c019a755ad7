// PostgreSQL deployments (issue 15): the initial sync of many companies by 1, 2 and 4
// `wecom-sync worker` processes, against `wecom-sync simulator` in its own process at a scaled
// budget. Each company has its own budget, so the floor of the whole is the largest company's:
// N user/create at C per window W cannot end before ceil(N / C − 1) × W after the first create.
// Goal: ≤ 1.1 × that floor with 2 workers, and no slower with 4 than with 2. With one company,
// more workers cannot help: they share its budget (src/jobs/budget.ts), and the figures show it.
//
//   npm run bench -- workers                       20 companies × 2,000 members, workers 1,2,4
//   npm run bench -- workers --companies=1 --workers=1,2
//   (or BENCH_WORKERS_COMPANIES, BENCH_WORKERS_MEMBERS, BENCH_WORKERS_LIST, BENCH_WORKERS_BUDGET=400/5s)
//
// Needs PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test): each round
// creates a database of its own and drops it. Not run in CI.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'wecom-sync.mjs');
const SERVER = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Settings {
  companies: number;
  members: number;
  workers: number[];
  budget: { count: number; windowMs: number; text: string };
}

function settings(argv: string[]): Settings {
  const flag = (name: string, env: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? process.env[env];
  const budgetText = flag('budget', 'BENCH_WORKERS_BUDGET') ?? '400/5s';
  const m = /^(\d+)\/(\d+)s$/.exec(budgetText);
  if (!m) throw new Error('--budget: N/Ss, e.g. 400/5s');
  return {
    companies: Number(flag('companies', 'BENCH_WORKERS_COMPANIES') ?? 20),
    members: Number(flag('members', 'BENCH_WORKERS_MEMBERS') ?? 2000),
    workers: (flag('workers', 'BENCH_WORKERS_LIST') ?? '1,2,4').split(',').map(Number),
    budget: { count: Number(m[1]), windowMs: Number(m[2]) * 1000, text: budgetText },
  };
}

export const floorSeconds = (n: number, b: { count: number; windowMs: number }): number => Math.max(0, Math.ceil(n / b.count - 1)) * (b.windowMs / 1000);

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

interface Round {
  workers: number;
  seconds: number;
  floorSeconds: number;
  ratio: number;
  runs: { succeeded: number; other: number };
  refused45009: number;
  /** the latest company's wait from the jobs' send to its first user/create (taking the job, reading WeCom, planning, storing the plan) */
  preludeSeconds: number;
  /** the longest company's span from its first to its last user/create, and that against the floor */
  createSpanSeconds: number;
  createSpanRatio: number;
}

async function round(s: Settings, workers: number): Promise<Round> {
  const name = `wecom_bench_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const corps = Array.from({ length: s.companies }, (_, i) => `wwbench${i}`);
  const sim = await start(
    ['simulator', '--http', '--port', '0', '--rate-limit', s.budget.text, '--rate-limit-hour', 'off', ...corps.flatMap((c) => ['--corp', `${c}:${c}-secret`])],
    {},
    /listening on/,
  );
  const procs: ChildProcess[] = [sim.child];
  const { openStore } = await import('../src/store/store.js');
  const { Connections, SecretBox } = await import('../src/connections/index.js');
  const { Directory } = await import('../src/directory/directory.js');
  const { importBuffer } = await import('../src/connectors/import/importer.js');
  const { queueRun, getRun } = await import('../src/sync/state/runs.js');
  const { PgJobQueue } = await import('../src/jobs/index.js');
  const store = await openStore({ kind: 'postgres', url: url.toString() });
  const key = randomBytes(32);
  try {
    const directory = new Directory(store);
    const orgCsv = ['path', ...corps.map((c) => `company-${c}`)].join('\n');
    const orgReport = await importBuffer(directory, Buffer.from(orgCsv), { fileName: 'organizations.csv', kind: 'organizations' });
    if (orgReport.errors.length > 0) throw new Error(`organizations: ${JSON.stringify(orgReport.errors.slice(0, 3))}`);
    const accLines = ['username,name,mobile,email,status,organizations'];
    corps.forEach((c, ci) => {
      for (let i = 0; i < s.members; i++) accLines.push(`${c}-u${i},员工${i},+86 13${String(ci * 100_000 + i).padStart(9, '0')},,enabled,company-${c}`);
    });
    const accReport = await importBuffer(directory, Buffer.from(accLines.join('\n')), { fileName: 'accounts.csv', kind: 'accounts' });
    if (accReport.errors.length > 0) throw new Error(`accounts: ${JSON.stringify(accReport.errors.slice(0, 3))}`);
    const orgs = await directory.getTree();
    const connections = new Connections(store, SecretBox.fromKey(key));
    const ids: string[] = [];
    for (const c of corps) {
      const org = orgs.find((o) => o.name === `company-${c}`)!;
      const conn = await connections.create({
        name: c,
        corpId: c,
        secret: `${c}-secret`,
        rootDepartmentId: 1,
        apiBase: sim.url,
        rateBudget: [s.budget],
        scope: { organizationRoots: [org.id] },
        policies: { safety: { maxDeletes: 1_000_000, maxDeletePercent: 100 } },
      });
      ids.push(conn.id);
    }
    const slots = String(Math.ceil(s.companies / workers));
    const env = { DATABASE_URL: url.toString(), WECOM_SYNC_SECRET_KEY: key.toString('base64'), PORT: '0', LOG_LEVEL: 'warn', WECOM_SYNC_SLOTS: slots };
    procs.push(...(await Promise.all(Array.from({ length: workers }, () => start(['worker'], env, /ready on/)))).map((w) => w.child));
    const queue = await PgJobQueue.start({ url: url.toString() });
    const runIds: string[] = [];
    for (const id of ids) runIds.push((await queueRun(store, id, 'full')).runId);
    const t0 = performance.now();
    const t0Wall = Date.now();
    await queue.send(ids.map((connectionId) => ({ connectionId })));
    let finished: Array<{ status: string }> = [];
    for (;;) {
      finished = (await Promise.all(runIds.map((r) => getRun(store.db, r)))).map((r) => ({ status: r!.status }));
      if (finished.every((r) => !['queued', 'planned', 'running'].includes(r.status))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - t0) / 1000;
    await queue.stop();
    const calls = ((await (await fetch(`${sim.url}/_sim/stats`)).json()) as { rateLimited?: number }).rateLimited ?? 0;
    const floor = floorSeconds(s.members, s.budget);
    const creates = ((await (await fetch(`${sim.url}/_sim/calls`)).json()) as { calls: Array<{ at: number; api: string; corpid: string | null; errcode: number | null }> }).calls.filter(
      (c) => c.api === 'user/create' && c.errcode === 0,
    );
    const perCorp = new Map<string, { first: number; last: number }>();
    for (const c of creates) {
      const x = perCorp.get(c.corpid ?? '') ?? { first: Infinity, last: -Infinity };
      perCorp.set(c.corpid ?? '', { first: Math.min(x.first, c.at), last: Math.max(x.last, c.at) });
    }
    const prelude = Math.max(...[...perCorp.values()].map((x) => x.first - t0Wall)) / 1000;
    const span = Math.max(...[...perCorp.values()].map((x) => x.last - x.first)) / 1000;
    return {
      preludeSeconds: Number(prelude.toFixed(1)),
      createSpanSeconds: Number(span.toFixed(1)),
      createSpanRatio: floor > 0 ? Number((span / floor).toFixed(3)) : 0,
      workers,
      seconds: Number(seconds.toFixed(1)),
      floorSeconds: floor,
      ratio: floor > 0 ? Number((seconds / floor).toFixed(3)) : 0,
      runs: { succeeded: finished.filter((r) => r.status === 'succeeded').length, other: finished.filter((r) => r.status !== 'succeeded').length },
      refused45009: calls,
    };
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    await store.close();
    await admin(`drop database if exists ${name} with (force)`);
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const s = settings(process.argv.slice(2));
  console.log(`${s.companies} companies × ${s.members} members, simulator budget ${s.budget.text} per company and API; floor ${floorSeconds(s.members, s.budget)} s`);
  const rounds: Round[] = [];
  for (const w of s.workers) {
    const r = await round(s, w);
    console.log(
      `${w} worker(s): ${r.seconds} s = ${r.ratio} × floor; runs ${r.runs.succeeded} succeeded, ${r.runs.other} other; 45009 refusals ${r.refused45009}; ` +
        `latest first create after ${r.preludeSeconds} s; longest create span ${r.createSpanSeconds} s = ${r.createSpanRatio} × floor`,
    );
    rounds.push(r);
  }
  return { companies: s.companies, members: s.members, budget: s.budget.text, rounds };
}
