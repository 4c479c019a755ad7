// A lost lease stops the executor: once another process holds the run (or may hold it), no new
// WeCom call leaves this one — calls waiting in the client's rate limiter are withdrawn — calls
// already sent are answered and recorded, and the execution ends 'taken-over' without finishing
// the run. The other process then finishes it, and WeCom ends exactly as desired, nothing twice.
// Against the simulator over HTTPS, with a second process (lease-child.ts) on the same store.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { DesiredState } from '../../../src/domain/desired.js';
import type { RunningSimulator } from '../../../src/simulator/index.js';
import type { Store, Tx } from '../../../src/store/store.js';
import type { StoreConfig } from '../../../src/store/config.js';
import type { ExecutorEvent } from '../../../src/sync/executor/executor.js';
import type { PipelineEvent } from '../../../src/sync/pipeline.js';
import { resumeRuns, runFullSync } from '../run/pipeline.js';
import { claimRun, getRun, loadOperations, newOwner, renewLease, takeOver } from '../../../src/sync/state/runs.js';
import type { WeComClient } from '../../../src/wecom/index.js';
import { postgresBackend, sqliteBackend, type TestBackend, type TestStore } from '../../store/backends.js';
import { connection, expectConverged, makeClient, mobile, startSim } from '../run/helpers.js';

const CHILD = path.join(path.dirname(new URL(import.meta.url).pathname), 'lease-child.ts');
const LEASE_MS = 600;
const CONN = connection();

/** One department and 24 members in it: after the department, one API and many calls. */
const desired: DesiredState = {
  departments: [{ key: 'org_a', name: 'Alpha', parentKey: null }],
  members: Array.from({ length: 24 }, (_, i) => ({ key: `acc_${i}`, userid: `user${i}`, departmentKeys: ['org_a'], fields: { name: `Member ${i}`, mobile: mobile(i), enable: 1 as const } })),
};

let sim: RunningSimulator | undefined;
let ts: TestStore | undefined;
let client: WeComClient | undefined;
let child: Child | undefined;
let dir: string | undefined;

afterEach(async () => {
  child?.proc.kill('SIGKILL');
  await client?.close();
  await sim?.close();
  await ts?.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  sim = ts = client = child = dir = undefined;
});

interface Child {
  proc: ChildProcessWithoutNullStreams;
  send(line: string): void;
  /** the next line starting with `prefix` */
  line(prefix: string): Promise<string>;
}

function spawnChild(config: StoreConfig, s: RunningSimulator, marker: string): Child {
  const storeEnv = config.kind === 'postgres' ? { PG_URL: config.url, PG_SCHEMA: config.schema ?? '' } : { STORE_FILE: config.file };
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, ...storeEnv, SIM_URL: s.url, CA_PEM: s.caPem, CONNECTION_ID: CONN.id, MARKER_FILE: marker },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiting: Array<{ prefix: string; resolve: (l: string) => void }> = [];
  let stderr = '';
  proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  createInterface({ input: proc.stdout }).on('line', (l) => {
    const w = waiting.findIndex((x) => l.startsWith(x.prefix));
    if (w >= 0) waiting.splice(w, 1)[0]!.resolve(l);
    else lines.push(l);
  });
  const exited = new Promise<never>((_, reject) => proc.on('exit', (code) => reject(new Error(`lease child exited (${code}): ${stderr}`))));
  return {
    proc,
    send: (line) => void proc.stdin.write(line + '\n'),
    line: (prefix) => {
      const i = lines.findIndex((l) => l.startsWith(prefix));
      if (i >= 0) return Promise.resolve(lines.splice(i, 1)[0]!);
      return Promise.race([new Promise<string>((resolve) => waiting.push({ prefix, resolve })), exited]);
    },
  };
}

/**
 * `budget`: the client's per-API rate limit. Calls beyond it wait in the client's limiter, so calls
 * are surely waiting there when the lease is lost (they must be withdrawn, not sent).
 */
async function setup(backend: TestBackend, withChild: boolean, budget?: { count: number; windowMs: number }) {
  sim = await startSim({ latencyMs: 100 });
  ts = await backend.open();
  client = makeClient(sim, { timeoutMs: 10_000, ...(budget ? { rateLimit: budget } : {}) });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-lease-'));
  const marker = path.join(dir, 'taken');
  if (withChild) {
    child = spawnChild(ts.config, sim, marker);
    await child.line('READY');
  }
  return { s: sim, store: ts.store, client, marker };
}

type Event = ExecutorEvent | PipelineEvent;
const ofType = <T extends Event['type']>(events: Event[], type: T) => events.filter((e): e is Extract<Event, { type: T }> => e.type === type);
const userCreates = (s: RunningSimulator): number => s.sim.stats().byApi['user/create'] ?? 0;
const memberEvents = <T extends { kind: string }>(events: T[]): T[] => events.filter((e) => e.kind === 'member.create');

/** After the execution ended: nothing was sent after `from` (an index into events), and what was sent is exactly what was answered and recorded. */
async function expectStoppedSending(s: RunningSimulator, store: Store, events: Event[], from: number, runId: string): Promise<void> {
  expect(ofType(events.slice(from), 'op-started')).toEqual([]);
  const started = memberEvents(ofType(events, 'op-started'));
  const answered = memberEvents(ofType(events, 'op-answered'));
  // calls handed to the client but still waiting in its limiter were withdrawn
  expect(started.length - answered.length).toBeGreaterThanOrEqual(1);
  // WeCom received exactly the calls that were answered, and each answer was recorded
  expect(userCreates(s)).toBe(answered.length);
  const recorded = new Set(ofType(events, 'op-recorded').map((e) => e.opId));
  const rows = new Map((await loadOperations(store.db, runId)).map((o) => [o.opId, o]));
  for (const a of answered) {
    expect(recorded.has(a.opId)).toBe(true);
    expect(rows.get(a.opId)).toMatchObject({ status: 'succeeded', attempts: 1 });
  }
}

/** The other process finishes the run: WeCom ends exactly as desired, every member created once. */
async function expectFinishedByChild(s: RunningSimulator, store: Store): Promise<void> {
  child!.send('resume');
  expect(await child!.line('DONE')).toBe('DONE succeeded');
  await expectConverged(s, store, CONN, desired);
  expect(userCreates(s)).toBe(desired.members.length);
}

/** A full run of `desired` with a short lease; `react` sees every event, after those before it. */
async function sync(store: Store, client: WeComClient, react: (e: Event, events: Event[]) => void = () => {}) {
  const events: Event[] = [];
  const r = await runFullSync({ store, client, connection: CONN, desired, concurrency: 8, leaseMs: LEASE_MS, onEvent: (e) => (events.push(e), react(e, events)) });
  return { r, events, runId: runIdOf(events) };
}

const runIdOf = (events: Event[]): string => ofType(events, 'run-claimed')[0]!.runId;
/** Whether `e` is the n-th event of its type. */
const isNth = (e: Event, events: Event[], type: Event['type'], n: number): boolean => e.type === type && ofType(events, type).length === n;

const backends: Array<[string, TestBackend]> = [
  ['SQLite', sqliteBackend],
  ['PostgreSQL', postgresBackend],
];

describe.each(backends)('lease lost (%s)', (_name, backend) => {
  it('another process steals the lease mid-run: once noticed, nothing more is sent; in-flight answers are recorded; the thief finishes the run', async () => {
    // 3 calls per API and minute: the 4th member create onwards wait in the limiter
    const { s, store, client } = await setup(backend, true, { count: 3, windowMs: 60_000 });
    const { r, events, runId } = await sync(store, client, (e, events) => isNth(e, events, 'op-answered', 3) && child!.send(`steal ${runIdOf(events)}`));
    const thief = (await child!.line('STOLEN')).split(' ')[1]!;
    expect(r.status).toBe('taken-over');
    expect(r.error?.message).toMatch(/Lost the lease/);
    expect(r.error?.message).toContain(thief);
    const lost = events.findIndex((e) => e.type === 'lease' && e.state === 'lost');
    expect(lost).toBeGreaterThan(-1);
    await expectStoppedSending(s, store, events, lost, runId);
    // not finished by the executor that lost it: still running, under the thief
    expect(await getRun(store.db, runId)).toMatchObject({ status: 'running', leaseOwner: thief });
    await expectFinishedByChild(s, store);
  }, 60_000);

  it('the event loop stalls past the lease while another process takes the run over: after the stall nothing more is sent', async () => {
    // short windows: calls waiting in the limiter are due again when the stall ends, as a rule before
    // the executor's renewal timer: only the signal reading the deadline itself withdraws them
    const { s, store: real, client, marker } = await setup(backend, true, { count: 3, windowMs: 200 });
    // stalled with a write transaction open, this process would hold the store's write lock and
    // nobody could take over before the stall ends: the stall waits for a moment none is open
    let open = 0;
    const store = withWrite(real, (write, fn) => (open++, write(fn).finally(() => open--)));
    let stallEnded = -1;
    const { r, events, runId } = await sync(store, client, (e, events) => {
      // executing (the lease is renewed from now on): the other process watches for a stale run
      if (isNth(e, events, 'op-started', 1)) child!.send('watch');
      if (stallEnded < 0 && ofType(events, 'op-answered').length >= 4 && open === 0) {
        // a synchronous stall (as a long GC or a blocking call would be) until the run was taken over
        const until = Date.now() + 30_000;
        while (!fs.existsSync(marker) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        stallEnded = events.length;
      }
    });
    const [, takenRun, taker] = (await child!.line('TAKEN')).split(' ');
    expect(takenRun).toBe(runId);
    expect(stallEnded).toBeGreaterThan(0);
    expect(r.status).toBe('taken-over');
    expect(r.error?.message).toContain(taker!);
    await expectStoppedSending(s, real, events, stallEnded, runId);
    await expectFinishedByChild(s, real);
  }, 60_000);
});

describe('lease kept', () => {
  it('a stall past the lease with nobody taking over: the renewal confirms the lease and the run succeeds (no false alarm)', async () => {
    const { s, store, client } = await setup(sqliteBackend, false);
    const { r, events } = await sync(store, client, (e, events) => isNth(e, events, 'op-answered', 4) && Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3 * LEASE_MS));
    const log = events.map((e) => `${e.type} ${'opId' in e ? e.opId : ''} ${'state' in e ? `${e.state}: ${e.detail}` : ''}`).join('\n');
    expect(r.status, `${JSON.stringify(r.error)}\n${log}`).toBe('succeeded');
    const lease = ofType(events, 'lease').map((e) => e.state);
    expect(lease.slice(0, 2), log).toEqual(['unconfirmed', 'confirmed']);
    expect(lease).not.toContain('lost');
    await expectConverged(s, store, CONN, desired);
    expect(userCreates(s), `${JSON.stringify(s.sim.calls.filter((c) => c.api === 'user/create'))}\n${log}`).toBe(desired.members.length);
  }, 60_000);
});

/** The store with its write(fn) made by `write` (which may call the real one). */
function withWrite(store: Store, write: <T>(real: Store['write'], fn: (trx: Tx) => Promise<T>) => Promise<T>): Store {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'write') return <T>(fn: (trx: Tx) => Promise<T>) => write((f) => target.write(f), fn);
      return Reflect.get(target, prop, target) as unknown;
    },
  });
}

/** The store with every write transaction seen through `view`. */
const viewWrites = (store: Store, view: (trx: Tx) => Tx): Store => withWrite(store, (real, fn) => real((trx) => fn(view(trx))));

/** The transaction with `updateTable` going through `f` (which may call the real one). */
function overrideUpdateTable(trx: Tx, f: (table: string, real: (table: string) => object) => object): Tx {
  return new Proxy(trx, {
    get(target, prop) {
      if (prop === 'updateTable') return (table: string) => f(table, (t) => target.updateTable(t as 'runs'));
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The store as the executor sees it, where writes to `runs` (the lease renewals) fail while `down()` says so. */
const withFailingRenewals = (store: Store, down: () => boolean): Store =>
  viewWrites(store, (trx) =>
    overrideUpdateTable(trx, (table, real) => {
      if (table === 'runs' && down()) throw new Error('connection to the store lost');
      return real(table);
    }),
  );

describe('lease renewal fails', () => {
  it('a renewal that throws stops new calls at once; unrenewed past its expiry the lease is lost; a later resume finishes the run', async () => {
    const { s, store: real, client } = await setup(sqliteBackend, false, { count: 3, windowMs: 60_000 });
    let down = false;
    const store = withFailingRenewals(real, () => down);
    const { r, events, runId } = await sync(store, client, (e, events) => isNth(e, events, 'op-answered', 3) && (down = true));
    expect(r.status).toBe('taken-over');
    expect(r.error?.message).toMatch(/could not be renewed before it expired \(renewing the lease failed: connection to the store lost\)/);
    const unconfirmed = events.findIndex((e) => e.type === 'lease' && e.state === 'unconfirmed');
    expect(unconfirmed).toBeGreaterThan(-1);
    expect(ofType(events, 'lease').map((e) => e.state)).toEqual(['unconfirmed', 'lost']);
    await expectStoppedSending(s, real, events, unconfirmed, runId);

    down = false;
    const fresh = makeClient(s); // the first client's budget is spent for this minute
    const [resumed] = await resumeRuns({ store: real, client: fresh, connectionId: CONN.id }).finally(() => fresh.close());
    expect(resumed?.status).toBe('succeeded');
    await expectConverged(s, real, CONN, desired);
    expect(userCreates(s)).toBe(desired.members.length);
  }, 60_000);
});


/** `builder` (a query builder chain) with `hook` run just before the query executes. */
function beforeExecute<T extends object>(builder: T, hook: () => Promise<void>): T {
  return new Proxy(builder, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      const fn = v as (...a: unknown[]) => unknown;
      if (prop === 'execute' || prop === 'executeTakeFirst') return async (...a: unknown[]) => (await hook(), fn.apply(target, a));
      return (...a: unknown[]) => {
        const out = fn.apply(target, a);
        return out && typeof out === 'object' && !(out instanceof Promise) ? beforeExecute(out, hook) : out;
      };
    },
  });
}

describe.each(backends)('renewLease and takeOver (%s)', (_name, backend) => {
  it('takeOver is a compare-and-set on the lease it judged stale: a renewal landing in between wins', async () => {
    ts = await backend.open();
    const store = ts.store;
    const old = newOwner(); // never active in this process: its run is stale
    const runId = await claimRun(store, CONN.id, 'full', old, -1_000); // and its lease expired
    // the old owner's renewal lands between the takeover's read of the run and its update
    let raced = false;
    const racing = viewWrites(store, (trx) =>
      overrideUpdateTable(trx, (table, real) =>
        beforeExecute(real(table), async () => {
          if (raced) return;
          raced = true;
          expect(await renewLease(trx, runId, old, 60_000)).toBe(true);
        }),
      ),
    );
    const thief = newOwner();
    expect(await takeOver(racing, runId, thief, 60_000)).toBeNull();
    expect(raced).toBe(true);
    expect(await getRun(store.db, runId)).toMatchObject({ leaseOwner: old });
    // without a renewal in between the stale run is taken, and the old owner learns it at its next renewal
    await store.write((trx) => trx.updateTable('runs').set({ lease_expires_at: new Date(Date.now() - 1_000).toISOString() }).where('id', '=', runId).execute());
    expect(await takeOver(store, runId, thief, 60_000)).toMatchObject({ id: runId, leaseOwner: thief });
    expect(await store.write((trx) => renewLease(trx, runId, old, 60_000))).toBe(false);
    expect(await store.write((trx) => renewLease(trx, runId, thief, 60_000))).toBe(true);
  });
});
