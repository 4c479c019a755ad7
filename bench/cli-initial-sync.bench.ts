// The initial full sync measured the way a user runs it: `wecom-sync simulator` in its own process
// (HTTPS, --latency 40, WeCom's real budget --rate-limit 10000/60s), a fresh data directory filled
// with `wecom-sync import` (CSV), `wecom-sync connection create` (secret from a file), then
// `wecom-sync plan --json` and `wecom-sync apply --yes --json`, each a child process timed from
// spawn to exit. The floor is WeCom's budget: N user/create at 10,000 per 60 s cannot end before
// the last window opens, ceil(N / 10,000 − 1) × 60 s after the first create (120 s for 30,000).
//
//   npm run bench -- cli-initial-sync                       1,000 organizations, 30,000 accounts
//   npm run bench -- cli-initial-sync --accounts=12000 --orgs=200 --trace --cpu-prof
//   (or BENCH_CLI_ACCOUNTS, BENCH_CLI_ORGS, BENCH_CLI_LATENCY, BENCH_CLI_TRACE=1, BENCH_CLI_CPU_PROF=1)
//
// --trace preloads bench/cli-trace.mjs into plan and apply (it only watches: WeCom calls, store
// statements, output, exit) and prints where the time goes, phase by phase. --cpu-prof adds
// node's --cpu-prof to them (profiles kept with --keep, in the printed directory). Untraced, the
// breakdown comes from the simulator's call log alone. The client's budget is built in (WeCom's
// 10,000 per minute), so the simulator's is not a setting here.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Agent, request } from 'undici';
import { generate } from './import.bench.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'wecom-sync.mjs');
const TRACE = path.join(ROOT, 'bench', 'cli-trace.mjs');
const BUDGET = { count: 10_000, windowMs: 60_000 };
const CORP = 'wwclibench';

interface Settings {
  orgs: number;
  accounts: number;
  latencyMs: number;
  trace: boolean;
  cpuProf: boolean;
  keep: boolean;
}

function settings(argv: string[]): Settings {
  const flag = (name: string): string | undefined => {
    const eq = argv.find((a) => a.startsWith(`--${name}=`));
    if (eq !== undefined) return eq.slice(name.length + 3);
    return argv.includes(`--${name}`) ? '1' : undefined;
  };
  const num = (name: string, env: string, def: number): number => {
    const v = Number(flag(name) ?? process.env[env] ?? def);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
    return v;
  };
  const on = (name: string, env: string): boolean => (flag(name) ?? process.env[env] ?? '0') !== '0';
  return {
    orgs: num('orgs', 'BENCH_CLI_ORGS', 1_000),
    accounts: num('accounts', 'BENCH_CLI_ACCOUNTS', 30_000),
    latencyMs: num('latency', 'BENCH_CLI_LATENCY', 40),
    trace: on('trace', 'BENCH_CLI_TRACE'),
    cpuProf: on('cpu-prof', 'BENCH_CLI_CPU_PROF'),
    keep: on('keep', 'BENCH_CLI_KEEP'),
  };
}

/** The floor the budget sets: the last call of N cannot start before the window it needs opens. */
export const floorSeconds = (n: number): number => Math.max(0, Math.ceil(n / BUDGET.count - 1)) * (BUDGET.windowMs / 1000);

const load = (): string => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

// ------------------------------------------------------------------ child processes

/** What cli-trace.mjs writes (times in ms since the child's timeOrigin). */
interface Trace {
  timeOrigin: number;
  marks: Record<string, number>;
  calls: Record<string, { sent: number[]; answered: number[] }>;
  connected: number[];
  sqlite: Record<string, { n: number; ms: number; first: number; last: number; maxMs: number }>;
  commits: Array<[number, number]>;
  begins: number[];
  sqlitePerSecond: number[];
  elu: Array<[number, number, number]>;
  holding: Array<[number, string[]]>;
  stdoutBytes: number;
  cpu: { user: number; system: number };
  maxRssMB: number;
}

interface Ran {
  command: string;
  code: number | null;
  /** epoch ms just before spawn, and when the child had exited and closed its pipes */
  spawnedAt: number;
  closedAt: number;
  wallSeconds: number;
  stdout: string;
  stderr: string;
  loadBefore: string;
  loadAfter: string;
  trace?: Trace;
}

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  // the data directory is given on the command line; no PostgreSQL, no inherited node flags
  delete env.DATABASE_URL;
  delete env.WECOM_SYNC_DATA_DIR;
  delete env.NODE_OPTIONS;
  return env;
}

/** Runs `wecom-sync ARGS` as a user would, to its exit. */
async function wecomSync(args: string[], o: { dir: string; traced?: boolean; cpuProfDir?: string }): Promise<Ran> {
  const traceFile = path.join(o.dir, `trace-${args[0]}-${Date.now()}.json`);
  const nodeArgs = [...(o.traced ? ['--import', pathToFileURL(TRACE).href] : []), ...(o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir] : [])];
  const loadBefore = load();
  const spawnedAt = Date.now();
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {
    cwd: ROOT,
    env: childEnv(o.traced ? { WECOM_SYNC_BENCH_TRACE: traceFile } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  const ran: Ran = {
    command: `wecom-sync ${args.join(' ')}`,
    code,
    spawnedAt,
    closedAt: Date.now(),
    wallSeconds,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
    loadBefore,
    loadAfter: load(),
  };
  if (o.traced && fs.existsSync(traceFile)) ran.trace = JSON.parse(fs.readFileSync(traceFile, 'utf8')) as Trace;
  if (code !== 0) throw new Error(`${ran.command} exited with ${code}:\n${ran.stderr.slice(0, 2000)}${ran.stdout.slice(0, 2000)}`);
  return ran;
}

interface Simulator {
  url: string;
  get<T>(p: string): Promise<T>;
  stop(): Promise<void>;
}

/** `wecom-sync simulator` in its own process, HTTPS with its certificate written to caFile. */
async function startSimulator(dir: string, secret: string, latencyMs: number): Promise<Simulator> {
  const caFile = path.join(dir, 'sim-ca.pem');
  const args = ['simulator', '--port', '0', '--ca-out', caFile, '--corp', `${CORP}:${secret}`, '--latency', String(latencyMs), '--rate-limit', `${BUDGET.count}/${BUDGET.windowMs / 1000}s`];
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.on('error', reject);
    child.on('exit', (c) => reject(new Error(`the simulator exited with ${c} before it was ready:\n${text}`)));
    child.stdout!.on('data', (b: Buffer) => {
      text += b.toString('utf8');
      const m = /listening on (\S+)/.exec(text);
      if (m && text.includes('ready;')) resolve(m[1]!);
    });
  });
  child.removeAllListeners('exit');
  const agent = new Agent({ connect: { ca: fs.readFileSync(caFile, 'utf8') } });
  return {
    url,
    get: async <T>(p: string): Promise<T> => {
      const res = await request(`${url}${p}`, { dispatcher: agent });
      if (res.statusCode !== 200) throw new Error(`GET ${p}: HTTP ${res.statusCode}`);
      return (await res.body.json()) as T;
    },
    stop: async () => {
      await agent.close();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// ------------------------------------------------------------------ where the time goes

interface SimCall {
  at: number;
  api: string;
  errcode: number | null;
}

type Timeline = Array<{ event: string; s: number }>;

/** Seconds since spawn of the calls of `api` arriving at the simulator, in order. */
const arrivals = (calls: SimCall[], api: string, spawnedAt: number): number[] => calls.filter((c) => c.api === api).map((c) => (c.at - spawnedAt) / 1000);

/** The user/create windows: first and last arrival of each budget's worth of calls. */
function windows(userCreates: number[]): Array<{ window: number; first: number; last: number; calls: number }> {
  const out = [];
  for (let k = 0; k * BUDGET.count < userCreates.length; k++) {
    const w = userCreates.slice(k * BUDGET.count, (k + 1) * BUDGET.count);
    out.push({ window: k + 1, first: round(w[0]!), last: round(w[w.length - 1]!), calls: w.length });
  }
  return out;
}

/** Milestones of one command from the simulator's call log (arrival times) and, traced, the child's own marks. */
function timeline(ran: Ran, calls: SimCall[]): Timeline {
  const ev: Timeline = [];
  const add = (event: string, s: number | undefined): void => {
    if (s !== undefined && Number.isFinite(s)) ev.push({ event, s: round(s) });
  };
  const t = ran.trace;
  const at = (ms: number | undefined): number | undefined => (t && ms !== undefined ? (t.timeOrigin + ms - ran.spawnedAt) / 1000 : undefined);
  const mine = calls.filter((c) => c.at >= ran.spawnedAt && c.at <= ran.closedAt);
  const arr = (api: string): number[] => arrivals(mine, api, ran.spawnedAt);
  if (t) {
    const sq = t.sqlite;
    const c = t.calls;
    add('node started, preload ran', at(t.marks.preload));
    add('CLI modules loaded (tsx), commander parses', at(t.marks['cli-parse']));
    add('store opening (first pragma)', at(t.marks['store-open']));
    add('store open, migrations checked (connection read)', at(sq['select connections']?.first));
    add('directory snapshot read', at(Math.max(sq['select accounts']?.last ?? 0, sq['select account_organizations']?.last ?? 0) || undefined));
    add('directory mapped (gettoken sent)', at(c.gettoken?.sent[0]));
    const lists = ['department/simplelist', 'user/list_id'];
    add('WeCom id lists read', at(Math.max(...lists.map((a) => c[a]?.answered[0] ?? -Infinity))));
    add('department/list answered (adoption by name path)', at(c['department/list']?.answered[0]));
    add('id lists read again (sent)', at(c['department/simplelist']?.sent[1]));
    add('id lists read again (answered)', at(c['department/simplelist']?.answered[1] !== undefined ? Math.max(...lists.map((a) => c[a]?.answered[1] ?? -Infinity)) : undefined));
    // the plan is stored in the first transaction after the second read of the id lists (apply only)
    const reread = c['department/simplelist']?.answered[1];
    add('planned (the plan\'s transaction begins)', at(reread !== undefined ? t.begins.find((b) => b >= reread) : undefined));
    add('plan rows built (first insert)', at(sq['insert run_operations']?.first));
    const lastInsert = sq['insert run_operations']?.last;
    add('plan stored (committed)', at(lastInsert !== undefined ? t.commits.find(([ct]) => ct >= lastInsert)?.[0] : undefined));
    add('first department/create sent', at(c['department/create']?.sent[0]));
    add('first user/create sent', at(c['user/create']?.sent[0]));
    add('last department/create answered', at(c['department/create']?.answered.at(-1)));
    add('last user/create answered', at(c['user/create']?.answered.at(-1)));
    add('run finished (last runs update)', at(sq['update runs']?.last));
    add('output: first write', at(t.marks['stdout-first']));
    add('output: last write', at(t.marks['stdout-last']));
    add('store closed', at(t.marks['store-closed']));
    add('beforeExit', at(t.marks.beforeExit));
    add('exit event', at(t.marks.exit));
  } else {
    add('gettoken arrives', arr('gettoken')[0]);
    add('first department/create arrives', arr('department/create')[0]);
    add('first user/create arrives', arr('user/create')[0]);
    add('last department/create arrives', arr('department/create').at(-1));
  }
  const uc = arr('user/create');
  for (let k = 1; k * BUDGET.count < uc.length; k++) {
    add(`user/create ${k * BUDGET.count} arrives (window ${k} sent)`, uc[k * BUDGET.count - 1]);
    add(`user/create ${k * BUDGET.count + 1} arrives (window ${k + 1} opens)`, uc[k * BUDGET.count]);
  }
  add('last user/create arrives', uc.at(-1));
  add('child closed (parent sees exit)', (ran.closedAt - ran.spawnedAt) / 1000);
  return ev.sort((a, b) => a.s - b.s);
}

const round = (x: number, d = 2): number => Number(x.toFixed(d));

function printTimeline(name: string, ev: Timeline): void {
  console.log(`  ${name}: seconds since spawn (+ since the previous event)`);
  let prev = 0;
  for (const e of ev) {
    console.log(`    ${e.s.toFixed(2).padStart(8)}  (+${(e.s - prev).toFixed(2).padStart(6)})  ${e.event}`);
    prev = e.s;
  }
}

/** Figures from the trace that are not points in time. */
function traceFigures(t: Trace): Record<string, unknown> {
  const top = Object.entries(t.sqlite)
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, 8)
    .map(([k, v]) => ({ statement: k, n: v.n, ms: v.ms, maxMs: v.maxMs }));
  const commitMs = t.commits.reduce((a, [, ms]) => a + ms, 0);
  const links = Object.entries(t.sqlite).filter(([k]) => k === 'select department_links' || k === 'select member_links');
  return {
    cpuSeconds: round((t.cpu.user + t.cpu.system) / 1e6),
    maxRssMB: t.maxRssMB,
    sqliteSeconds: round(Object.values(t.sqlite).reduce((a, v) => a + v.ms, 0) / 1000),
    commits: t.commits.length,
    commitSeconds: round(commitMs / 1000),
    sqliteTop: top,
    linkReads: Object.fromEntries(links.map(([k, v]) => [k, v.n])),
    weComCalls: Object.fromEntries(Object.entries(t.calls).map(([k, v]) => [k, v.sent.length])),
    tlsConnections: t.connected.length,
    stdoutBytes: t.stdoutBytes,
    // what kept the event loop alive after the store closed (first look, and the last before exit)
    afterStoreClosed: [t.holding[0], t.holding.at(-1)].filter((h) => h !== undefined).map(([at, res]) => ({ at: round(at / 1000), ...countBy(res) })),
    eventLoopUtilisation: summariseElu(t.elu),
    creates: createsCost(t),
  };
}

/**
 * While creates are sent: CPU time of the process per create, and the create rate one core could
 * sustain at that cost — which bounds how fast a budget's worth (10,000) can be pushed.
 */
function createsCost(t: Trace): Record<string, number> | undefined {
  const users = t.calls['user/create'];
  const depts = t.calls['department/create'];
  if (!users || users.sent.length === 0) return undefined;
  const from = Math.min(users.sent[0]!, depts?.sent[0] ?? Infinity);
  const to = users.answered.at(-1)!;
  // whole seconds of samples inside [from, to]
  const inside = t.elu.filter(([at]) => at - 1000 >= from && at <= to);
  const seconds = inside.length;
  if (seconds === 0) return undefined;
  const cpuMs = inside.reduce((a, [, , cpu]) => a + cpu, 0);
  const count = (xs: number[] | undefined): number => (xs ?? []).filter((x) => x >= inside[0]![0] - 1000 && x <= inside.at(-1)![0]).length;
  const creates = count(users.sent) + count(depts?.sent);
  const msPerCreate = cpuMs / creates;
  return { seconds, creates, cpuSeconds: round(cpuMs / 1000), cpuMsPerCreate: round(msPerCreate, 3), oneCoreCreatesPerSecond: Math.round(1000 / msPerCreate), budgetPushSeconds: round((BUDGET.count * msPerCreate) / 1000, 1) };
}

function countBy(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i] = (out[i] ?? 0) + 1;
  return out;
}

function summariseElu(elu: Array<[number, number, number]>): { mean: number; secondsAbove90: number } {
  const mean = elu.length ? elu.reduce((a, [, u]) => a + u, 0) / elu.length : 0;
  return { mean: round(mean, 3), secondsAbove90: elu.filter(([, u]) => u > 0.9).length };
}

// ------------------------------------------------------------------ the benchmark

export async function run(argv: string[] = process.argv.slice(2)): Promise<Record<string, unknown>> {
  const s = settings(argv);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-cli-bench-'));
  const dataDir = path.join(dir, 'data');
  const profDir = s.cpuProf ? path.join(dir, 'cpu-prof') : undefined;
  const secret = 'cli-bench-secret-0123456789';
  const secretFile = path.join(dir, 'secret.txt');
  fs.writeFileSync(secretFile, `${secret}\n`);
  console.log(`  ${s.orgs} organizations, ${s.accounts} accounts; simulator --latency ${s.latencyMs} --rate-limit 10000/60s; work dir ${dir}; load ${load()}`);
  const sim = await startSimulator(dir, secret, s.latencyMs);
  try {
    const files = generate(dir, s.orgs, s.accounts, 0);
    const d = ['--data-dir', dataDir];
    const importOrgs = await wecomSync(['import', files.orgs, '--json', ...d], { dir });
    const importAccounts = await wecomSync(['import', files.accounts, '--json', ...d], { dir });
    const create = await wecomSync(
      ['connection', 'create', '--name', 'bench', '--corp-id', CORP, '--secret-file', secretFile, '--root-department', '1', '--api-base', sim.url, '--ca-file', path.join(dir, 'sim-ca.pem'), '--json', ...d],
      { dir },
    );
    const version = await wecomSync(['--version'], { dir });
    console.log(
      `  import: organizations ${importOrgs.wallSeconds.toFixed(1)} s, accounts ${importAccounts.wallSeconds.toFixed(1)} s; connection create ${create.wallSeconds.toFixed(1)} s; ` +
        `\`wecom-sync --version\` ${version.wallSeconds.toFixed(2)} s (start-up alone)`,
    );

    const opts = { dir, traced: s.trace, ...(profDir ? { cpuProfDir: profDir } : {}) };
    const plan = await wecomSync(['plan', '--connection', 'bench', '--json', ...d], opts);
    const planned = JSON.parse(plan.stdout) as { operations: unknown[]; summary: Record<string, number> };
    console.log(`  plan: ${plan.wallSeconds.toFixed(2)} s, ${planned.operations.length} operations, ${(plan.stdout.length / 1e6).toFixed(1)} MB of JSON (load ${plan.loadBefore} → ${plan.loadAfter})`);

    const before = await sim.get<{ byApi: Record<string, number>; rateLimited: number; total: number }>('/_sim/stats');
    const apply = await wecomSync(['apply', '--connection', 'bench', '--yes', '--json', ...d], opts);
    const result = JSON.parse(apply.stdout) as { status: string; summary: { succeeded: number; failed: number; skipped: number } };
    const stats = await sim.get<{ byApi: Record<string, number>; rateLimited: number; total: number }>('/_sim/stats');
    const { calls } = await sim.get<{ calls: SimCall[] }>('/_sim/calls');
    const state = await sim.get<{ companies: Array<{ corpid: string; departments: unknown[]; members: unknown[] }> }>('/_sim/state');
    const company = state.companies.find((c) => c.corpid === CORP)!;

    const applyCalls: Record<string, number> = {};
    for (const [api, n] of Object.entries(stats.byApi)) if (n - (before.byApi[api] ?? 0) > 0) applyCalls[api] = n - (before.byApi[api] ?? 0);
    const creates = applyCalls['user/create'] ?? 0;
    const floorS = floorSeconds(s.accounts);
    const uc = arrivals(calls, 'user/create', apply.spawnedAt);
    const figures: Record<string, unknown> = {
      organizations: s.orgs,
      accounts: s.accounts,
      latencyMs: s.latencyMs,
      budget: '10000/60s per API (simulator and client)',
      traced: s.trace,
      startupSeconds: round(version.wallSeconds),
      plan: { seconds: round(plan.wallSeconds), operations: planned.operations.length, jsonMB: round(plan.stdout.length / 1e6, 1), load: `${plan.loadBefore} → ${plan.loadAfter}` },
      apply: {
        seconds: round(apply.wallSeconds),
        status: result.status,
        summary: result.summary,
        load: `${apply.loadBefore} → ${apply.loadAfter}`,
        firstToLastUserCreate: uc.length > 1 ? round(uc.at(-1)! - uc[0]!) : 0,
      },
      floorSeconds: floorS,
      ratioToFloor: floorS > 0 ? round(apply.wallSeconds / floorS, 3) : null,
      weComCalls: applyCalls,
      weComCallsTotal: Object.values(applyCalls).reduce((a, b) => a + b, 0),
      rateLimited45009: stats.rateLimited,
      userCreates: creates,
      windows: windows(uc),
      endState: { departments: company.departments.length - 1, members: company.members.length },
    };
    const planEv = timeline(plan, calls);
    const applyEv = timeline(apply, calls);
    figures.planTimeline = planEv;
    figures.applyTimeline = applyEv;
    if (plan.trace) figures.planTrace = traceFigures(plan.trace);
    if (apply.trace) figures.applyTrace = traceFigures(apply.trace);

    const ok = company.departments.length - 1 === s.orgs && company.members.length === s.accounts && result.status === 'succeeded';
    figures.verified = ok;
    printTimeline('plan', planEv);
    printTimeline('apply', applyEv);
    console.log(
      `  apply: ${result.status} in ${apply.wallSeconds.toFixed(1)} s (load ${apply.loadBefore} → ${apply.loadAfter}); floor ${floorS} s → ${figures.ratioToFloor} × floor; ` +
        `${figures.weComCallsTotal as number} WeCom calls ${JSON.stringify(applyCalls)}; 45009: ${stats.rateLimited}; ` +
        `simulator holds ${company.departments.length - 1} departments + ${company.members.length} members${ok ? '' : ' — NOT the expected end state'}`,
    );
    if (apply.trace) console.log(`  apply trace: ${JSON.stringify(figures.applyTrace)}`);
    if (profDir) console.log(`  CPU profiles: ${profDir}${s.keep ? '' : ' (removed at the end; --keep keeps them)'}`);
    if (!ok) throw new Error('the simulator does not hold the expected company after apply');
    return figures;
  } finally {
    await sim.stop();
    if (!s.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) await run();
