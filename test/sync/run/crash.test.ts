// Crash safety: a full run in a child process is killed with SIGKILL at many points (before the
// plan is stored, between "running" recorded and the WeCom call, between WeCom's answer and the
// recorded result, …). A fresh process then resumes: WeCom ends equal to the desired state with no
// duplicate department or member, every link is active and consistent, and planning again gives
// nothing to do.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../../src/simulator/index.js';
import { openStore, type Store } from '../../../src/store/store.js';
import type { StoreConfig } from '../../../src/store/config.js';
import { postgresBackend } from '../../store/backends.js';
import { runFullSync } from './pipeline.js';
import { listRuns, loadOperations } from '../../../src/sync/state/runs.js';
import type { WeComClient } from '../../../src/wecom/index.js';
import { CORP, OUTSIDE, ROOT, connection, expectConverged, makeClient, smallTree, smallTreeV2, startSim } from './helpers.js';

const CHILD = path.join(path.dirname(new URL(import.meta.url).pathname), 'crash-child.ts');

let s: RunningSimulator;
let client: WeComClient;
let dir: string;

beforeAll(async () => {
  s = await startSim();
  client = makeClient(s);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-crash-'));
});
afterAll(async () => {
  await client?.close();
  await s?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function resetWeCom(): void {
  s.sim.reset();
  s.sim.seedDepartment(CORP.corpid, { name: 'Sync root', id: ROOT });
  s.sim.seedDepartment(CORP.corpid, { name: 'Outside', id: OUTSIDE });
  s.sim.seedMember(CORP.corpid, { userid: 'outsider', name: 'Outsider', department: [OUTSIDE], mobile: '13900000001' });
}

interface ChildResult {
  halted: number | null;
  /** It died of the SIGKILL (and did not exit on its own first). */
  killed: boolean;
  done: string | null;
  lines: string[];
}

/** Runs the child; if haltAt is given, kills it with SIGKILL once it froze at that event. */
type Where = string | StoreConfig;

function runChild(where: Where, desired: 'v1' | 'v2', haltAt?: number, killOnLine?: number): Promise<ChildResult> {
  const storeEnv =
    typeof where === 'string' ? { STORE_FILE: where } : where.kind === 'postgres' ? { PG_URL: where.url, PG_SCHEMA: where.schema ?? '' } : { STORE_FILE: where.file };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, ...storeEnv, SIM_URL: s.url, CA_PEM: s.caPem, DESIRED: desired, ...(haltAt !== undefined ? { HALT_AT: String(haltAt) } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: ChildResult = { halted: null, killed: false, done: null, lines: [] };
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      out.lines.push(line);
      if (line.startsWith('HALT ')) {
        out.halted = Number(line.split(' ')[1]);
        child.kill('SIGKILL');
      } else if (line.startsWith('DONE ')) out.done = line;
      else if (killOnLine !== undefined && out.lines.length === killOnLine) {
        out.halted = killOnLine;
        child.kill('SIGKILL'); // free-running: the child keeps going until the signal lands
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      out.killed = signal === 'SIGKILL';
      if (out.killed || code === 0) resolve(out);
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

/** Runs the child and reports whether it froze at event k and died there; false when event k never came. */
async function killedAt(where: Where, desired: 'v1' | 'v2', k: number): Promise<boolean> {
  const child = await runChild(where, desired, k);
  return child.halted === k && child.killed && child.done === null;
}

async function withStore<T>(where: Where, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(typeof where === 'string' ? { kind: 'sqlite', file: where } : where);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The fresh process (this one) resumes and re-plans; everything must converge. */
async function resumeAndCheck(where: Where, desired: 'v1' | 'v2'): Promise<void> {
  const want = desired === 'v2' ? smallTreeV2() : smallTree();
  await withStore(where, async (store) => {
    const r = await runFullSync({ store, client, connection: connection(), desired: want });
    expect(['succeeded'], JSON.stringify(r.summary)).toContain(r.status);
    for (const x of r.resumed ?? []) expect(['succeeded', 'failed'], JSON.stringify(x)).toContain(x.status);
    await expectConverged(s, store, connection(), want);
    // no run is left active; every operation of every run is finished
    const runs = await listRuns(store.db, connection().id);
    expect(runs.filter((x) => x.status === 'running' || x.status === 'planned')).toEqual([]);
    for (const run of runs) expect((await loadOperations(store.db, run.id)).filter((o) => o.status === 'running' || o.status === 'pending')).toEqual([]);
    const again = await runFullSync({ store, client, connection: connection(), desired: want });
    expect(again.summary.total).toBe(0);
  });
}

describe('kill -9 during an initial full run', () => {
  // 2 runner events + 3 per operation (started, answered, recorded) × 15 operations = 47 points
  const points = [1, 2, 3, 4, 5, 6, 7, 9, 11, 13, 15, 17, 19, 21, 23, 26, 29, 32, 35, 38, 41, 44, 46];
  it(`resumes after SIGKILL at ${points.length} different points and converges without duplicates`, async () => {
    const hit: number[] = [];
    for (const k of points) {
      resetWeCom();
      const file = path.join(dir, `initial-${k}.sqlite`);
      if (await killedAt(file, 'v1', k)) hit.push(k);
      await resumeAndCheck(file, 'v1');
    }
    expect(hit).toEqual(points);
  }, 240_000);

  it('survives a second kill during the resume, and free-running kills (the signal lands mid-flight)', async () => {
    resetWeCom();
    const file = path.join(dir, 'double.sqlite');
    expect(await killedAt(file, 'v1', 20)).toBe(true);
    expect(await killedAt(file, 'v1', 12)).toBe(true); // the resuming process dies too
    await resumeAndCheck(file, 'v1');
    const lines = [8, 24, 40];
    const hit: number[] = [];
    for (const line of lines) {
      resetWeCom();
      const f = path.join(dir, `free-${line}.sqlite`);
      // The child still needs this process's simulator to answer its remaining WeCom calls, so the
      // signal sent on reading that line lands before it can finish.
      const child = await runChild(f, 'v1', undefined, line);
      if (child.killed && child.done === null) hit.push(line);
      await resumeAndCheck(f, 'v1');
    }
    expect(hit).toEqual(lines);
  }, 120_000);
});

describe('kill -9 during a run that renames, moves, deletes and creates', () => {
  // 2 runner events + 3 per operation × 10 operations = 32 points
  it('resumes after SIGKILL at several points and converges', async () => {
    const points = [3, 5, 7, 10, 14, 18, 22, 27, 31];
    const hit: number[] = [];
    for (const k of points) {
      resetWeCom();
      const file = path.join(dir, `v2-${k}.sqlite`);
      await withStore(file, async (store) => {
        expect((await runFullSync({ store, client, connection: connection(), desired: smallTree() })).status).toBe('succeeded');
      });
      if (await killedAt(file, 'v2', k)) hit.push(k);
      await resumeAndCheck(file, 'v2');
    }
    expect(hit).toEqual(points);
  }, 240_000);
});

describe('kill -9 with the PostgreSQL store', () => {
  it('resumes after SIGKILL at several points and converges', async () => {
    const points = [2, 6, 11, 19, 30, 44];
    const hit: number[] = [];
    for (const k of points) {
      resetWeCom();
      const t = await postgresBackend.open(); // a fresh schema; the child opens it too
      try {
        await t.store.close();
        if (await killedAt(t.config, 'v1', k)) hit.push(k);
        await resumeAndCheck(t.config, 'v1');
      } finally {
        await t.dispose();
      }
    }
    expect(hit).toEqual(points);
  }, 180_000);
});
