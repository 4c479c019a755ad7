// Test helpers for PostgreSQL deployments (src/jobs): a database of its own per test file (other
// sessions share the server), `wecom-sync` processes (simulator, serve, worker) started for real,
// and the store opened in the test process to prepare connections and read runs.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { AuthService } from '../../src/auth/index.js';
import { Connections, SecretBox, type ConnectionInput } from '../../src/connections/index.js';
import { Directory } from '../../src/directory/directory.js';
import { openStore, type Store } from '../../src/store/store.js';
import { getRun, type RunRecord } from '../../src/sync/state/runs.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin', 'wecom-sync.mjs');
const SERVER = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(server: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const u = new URL(server);
  u.pathname = '/postgres';
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fresh database `wecom_jobs_<random>` on the test server (or `server`), dropped (forcibly) by drop(). */
export async function createDatabase(server = SERVER): Promise<TestDatabase> {
  const name = `wecom_jobs_${randomBytes(5).toString('hex')}`;
  await admin(server, (c) => c.query(`create database ${name}`));
  const u = new URL(server);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => admin(server, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => {}) };
}

export interface Proc {
  child: ChildProcess;
  /** everything it wrote so far (stdout and stderr) */
  output(): string;
  /** the first URL it printed after `after` */
  url: string;
  /** resolves with the exit code (or the signal) */
  exited: Promise<number | string>;
  /** sends the signal and waits for the exit */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** `wecom-sync ARGS` with `env`, resolved once a line matches `ready` (its first http URL is `url`). */
export function startProcess(args: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 30_000): Promise<Proc> {
  const base = { ...process.env };
  for (const k of ['DATABASE_URL', 'WECOM_SYNC_DATA_DIR', 'WECOM_SYNC_SECRET_KEY', 'WECOM_SYNC_ADMIN_PASSWORD', 'HOST', 'PORT', 'WECOM_SYNC_CONFIG', 'LOG_LEVEL']) delete base[k];
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise<Proc>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wecom-sync ${args[0]} not ready within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const line = out.split('\n').find((l) => ready.test(l));
      if (!line) return;
      clearTimeout(timer);
      const url = /(https?:\/\/[^\s)]+)/.exec(line)?.[1] ?? '';
      resolve({
        child,
        output: () => out,
        url,
        exited,
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`wecom-sync ${args[0]} exited (${code}) before it was ready:\n${out}`));
    });
  });
}

export interface Deployment {
  db: TestDatabase;
  key: string;
  store: Store;
  directory: Directory;
  connections: Connections;
  /** an admin API token for serve */
  token: string;
  /** the environment every wecom-sync process of the deployment gets */
  env(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

/** A database with the schema, an admin token and the connection service, as one deployment's processes share them. */
export async function createDeployment(server?: string): Promise<Deployment> {
  const db = await createDatabase(server);
  const key = randomBytes(32).toString('base64');
  const store = await openStore({ kind: 'postgres', url: db.url });
  const auth = new AuthService(store);
  await auth.ensureAdmin('long-enough-password-1');
  const user = await store.db.selectFrom('users').select(['id', 'username']).executeTakeFirstOrThrow();
  const { token } = await auth.createToken({ kind: 'user', userId: user.id, username: user.username, role: 'admin' }, 'test', 'admin');
  return {
    db,
    key,
    store,
    directory: new Directory(store),
    connections: new Connections(store, SecretBox.fromKey(Buffer.from(key, 'base64'))),
    token,
    env: (extra = {}) => ({ DATABASE_URL: db.url, WECOM_SYNC_SECRET_KEY: key, WECOM_SYNC_CONSOLE: 'off', LOG_LEVEL: 'warn', PORT: '0', ...extra }),
    async close() {
      await store.close().catch(() => {});
      await db.drop();
    },
  };
}

export function connectionInput(name: string, corpId: string, simUrl: string, over: Partial<ConnectionInput> = {}): ConnectionInput {
  return {
    name,
    corpId,
    secret: `${corpId}-secret`,
    rootDepartmentId: 1,
    apiBase: simUrl,
    policies: { onAccountDeleted: 'delete', onAccountDisabled: 'disable', onOrganizationDeleted: 'delete', safety: { maxDeletes: 100_000, maxDeletePercent: 100 } },
    ...over,
  };
}

/** The simulator as its own process (plain HTTP), with these companies (secret: `<corpid>-secret`). */
export function startSimulatorProcess(corps: string[], extra: string[] = []): Promise<Proc> {
  return startProcess(['simulator', '--http', '--port', '0', ...corps.flatMap((c) => ['--corp', `${c}:${c}-secret`]), ...extra], {}, /listening on/);
}

export interface SimCall {
  at: number;
  api: string;
  corpid: string | null;
  errcode: number | null;
}

export async function simCalls(sim: Proc): Promise<SimCall[]> {
  return ((await (await fetch(`${sim.url}/_sim/calls`)).json()) as { calls: SimCall[] }).calls;
}

export interface SimCompany {
  corpid: string;
  departments: Array<{ id: number; name: string; parentid: number }>;
  members: Array<{ userid: string; name: string; mobile: string; department: number[] }>;
}

export async function simState(sim: Proc): Promise<SimCompany[]> {
  return ((await (await fetch(`${sim.url}/_sim/state`)).json()) as { companies: SimCompany[] }).companies;
}

export function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const t of items) m.set(key(t), [...(m.get(key(t)) ?? []), t]);
  return m;
}

/** The most calls in any window of `windowMs` (the simulator's clock; its windows are sliding). */
export function busiest(calls: Array<{ at: number }>, windowMs: number): number {
  const at = calls.map((c) => c.at).sort((a, b) => a - b);
  let head = 0;
  let most = 0;
  for (let i = 0; i < at.length; i++) {
    while (at[i]! - at[head]! >= windowMs) head++;
    most = Math.max(most, i - head + 1);
  }
  return most;
}

/** Polls `fn` until it returns a value other than undefined/false (every 50 ms, up to `ms`). */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The runs, once every one of them has ended (not queued, planned or running); undefined before. */
export async function ended(store: Store, runIds: readonly string[]): Promise<RunRecord[] | undefined> {
  const rs = await Promise.all(runIds.map((id) => getRun(store.db, id)));
  return rs.every((r) => r && !['queued', 'planned', 'running'].includes(r.status)) ? rs.map((r) => r!) : undefined;
}

/** `api` with the deployment's admin token. */
export async function api(base: string, token: string, method: string, url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${base}/api/v1${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
