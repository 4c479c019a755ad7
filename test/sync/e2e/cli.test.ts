// `wecom-sync plan | apply | status` as a real process against the simulator, on a data dir the
// test prepared in-process (store + secret.key). Spawned asynchronously: the simulator runs here.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultMappingDefinition } from '../../../src/mapping/definitions/index.js';
import { claimRun, startRun, storePlan } from '../../../src/sync/state/runs.js';
import { connectionInput, CORP, ourMembers, setup, type Env } from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(root, 'bin', 'wecom-sync.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let env: Env;
function cli(args: string[]): Promise<Run> {
  const e = { ...process.env };
  delete e.DATABASE_URL;
  delete e.WECOM_SYNC_DATA_DIR;
  delete e.WECOM_SYNC_SECRET_KEY;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args, '--data-dir', env.dir], { cwd: root, env: e, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end('');
  });
}

beforeAll(async () => {
  env = await setup({ seed: (s) => s.sim.seedMember(CORP.corpid, { userid: 'zed', name: 'Zed (by hand)', department: [1], mobile: '13900000009' }) });
  const mapping = { ...defaultMappingDefinition(), matching: { members: ['userid'], departments: 'name-path' } };
  await env.connections.create(connectionInput(env, { mapping, policies: { onAccountDeleted: 'delete', safety: { maxDeletes: 3, maxDeletePercent: 100 } } }));
  const org = await env.directory.createOrganization({ name: 'Engineering' });
  const sub = await env.directory.createOrganization({ name: 'Backend', parentId: org.id });
  for (let i = 0; i < 6; i++) await env.directory.createAccount({ username: `u${i}`, displayName: `User ${i}`, organizationIds: [i % 2 ? sub.id : org.id], mobile: `+86 1380000${1000 + i}` });
});
afterAll(async () => env?.close());

describe('wecom-sync plan / apply / status (real process)', () => {
  it('plan --json: {operations, summary, estimate, relinks, warnings}', async () => {
    const r = await cli(['plan', '--connection', 'acme', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { operations: Array<Record<string, unknown>>; summary: Record<string, number>; warnings: unknown[] };
    expect(Object.keys(out).sort()).toEqual(['estimate', 'operations', 'relinks', 'summary', 'warnings']);
    expect(out.summary).toEqual({ total: 8, 'department.create': 2, 'member.create': 6 });
    // 8 calls fit in WeCom's first window: nothing waits for the rate budget
    expect((out as unknown as { estimate: unknown }).estimate).toEqual({ seconds: 0, limitedBy: null });
    expect(out.operations).toHaveLength(8);
    for (const op of out.operations) expect(Object.keys(op).sort()).toEqual(['changes', 'kind', 'reason', 'target']);
    const create = out.operations.find((o) => o.kind === 'member.create' && (o.target as { userid: string }).userid === 'u0')!;
    expect(create.reason).toMatch(/created in directory/);
    expect(create.changes).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name', new: 'User 0' })]));
    expect(ourMembers(env)).toHaveLength(1); // nothing sent
  });

  it('plan (human): grouped by kind, no colour without a terminal', async () => {
    const r = await cli(['plan', '--connection', 'acme']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('member.create (6)');
    expect(r.stdout).toContain('department.create (2)');
    expect(r.stdout).toMatch(/name: ∅ → "User 0"/);
    expect(r.stdout).toContain("Expected duration: no waiting for WeCom's rate budget (10000/1m and 150000/1h per API)");
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('apply without --yes and without a terminal refuses (exit 2), nothing applied', async () => {
    const r = await cli(['apply', '--connection', 'acme']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to apply without --yes/);
    expect(ourMembers(env)).toHaveLength(1);
  });

  it('apply --yes --json: the run, its summary; exit 0', async () => {
    const r = await cli(['apply', '--connection', 'acme', '--yes', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ run: expect.stringMatching(/^run_/), summary: { succeeded: 8, failed: 0, skipped: 0 }, failures: [] });
    expect(ourMembers(env)).toHaveLength(7);
  });

  it('apply with a failing operation: exit 1, the failure explained', async () => {
    const u3 = (await env.directory.getAccountByUsername('u3'))!;
    await env.directory.updateAccount(u3.id, { mobile: '+86 13900000009' }); // zed's number
    const r = await cli(['apply', '--connection', 'acme', '--yes', '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { summary: unknown; failures: unknown[] };
    expect(out.summary).toEqual({ succeeded: 0, failed: 1, skipped: 0 });
    expect(out.failures).toEqual([{ kind: 'member.update', target: 'member u3', errcode: 60104, errmsg: expect.any(String), explanation: expect.any(String) }]);
    const status = await cli(['status', '--connection', 'acme']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/member\.update member u3: 60104/);
    await env.directory.updateAccount(u3.id, { mobile: '+86 13800001003' });
  });

  it('a mass delete is held (exit 3, how to approve); --approve applies it', async () => {
    for (const u of ['u0', 'u1', 'u2', 'u4', 'u5']) await env.directory.deleteAccount((await env.directory.getAccountByUsername(u))!.id);
    const r = await cli(['apply', '--connection', 'acme', '--yes', '--json']);
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout) as { run: string; status: string };
    expect(out.status).toBe('held');
    expect(r.stderr).toContain(`wecom-sync apply --connection acme --approve ${out.run}`);
    expect(ourMembers(env)).toHaveLength(7);
    const a = await cli(['apply', '--connection', 'acme', '--approve', out.run, '--yes', '--json']);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ run: out.run, summary: { failed: 0 } });
    expect(ourMembers(env).map((m) => m.userid).sort()).toEqual(['u3', 'zed']);
  });

  it('apply after a crash: the run left unfinished is resumed first and reported too; exit 1 when it failed', async () => {
    const org = (await env.directory.getTree()).find((o) => o.name === 'Engineering')!;
    await env.directory.createAccount({ username: 'u6', displayName: 'User 6', organizationIds: [org.id], mobile: '+86 13800001006' });
    await env.directory.createAccount({ username: 'u7', displayName: 'User 7', organizationIds: [org.id], mobile: '+86 13900000009' }); // zed's number: 60104
    // a run planned and started by a process that died (same host, no such pid): stale at once
    const { id: connectionId } = await env.connections.get('acme');
    const { plan } = await env.pipeline.plan('acme');
    const dead = `${os.hostname()}:2147483646:dead`;
    const crashed = await claimRun(env.store, connectionId, 'full', dead, 60_000);
    await env.store.write(async (trx) => {
      await storePlan(env.store, trx, crashed, plan, false);
      await startRun(trx, crashed, dead, 60_000);
    });
    const r = await cli(['apply', '--connection', 'acme', '--yes', '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { run: string | null; status: string; resumed: Array<{ run: string; status: string; summary: unknown; failures: Array<{ target: string; errcode: number }> }> };
    expect(out.resumed).toEqual([
      expect.objectContaining({ run: crashed, status: 'partial', summary: { succeeded: 1, failed: 1, skipped: 0 }, failures: [expect.objectContaining({ target: 'member u7', errcode: 60104 })] }),
    ]);
    expect(out.run).not.toBe(crashed); // then a fresh run, reported as before
    expect(env.sim.sim.company(CORP.corpid).members.find('u6')).toBeDefined();
    const human = await cli(['apply', '--connection', 'acme', '--yes']);
    expect(human.code).toBe(1); // u7 still fails, in the fresh run
    await env.directory.deleteAccount((await env.directory.getAccountByUsername('u7'))!.id);
    await env.directory.deleteAccount((await env.directory.getAccountByUsername('u6'))!.id);
    expect((await cli(['apply', '--connection', 'acme', '--yes'])).code).toBe(0);
  });

  it('status --json: runs, links, failures, cursor lag', async () => {
    const r = await cli(['status', '--connection', 'acme', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { runs: Array<{ status: string }>; links: { members: number }; cursor: { lag: number }; held: string[] };
    expect(s.runs.length).toBeGreaterThanOrEqual(3);
    expect(s.links.members).toBe(1);
    expect(s.held).toEqual([]);
    expect(typeof s.cursor.lag).toBe('number');
  });

  it('an unknown connection: exit 1 with a message', async () => {
    const r = await cli(['status', '--connection', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nope/);
  });

  it('sync --watch: a directory change reaches WeCom through the worker; SIGINT stops it (exit 0)', async () => {
    const e = { ...process.env };
    delete e.DATABASE_URL;
    delete e.WECOM_SYNC_DATA_DIR;
    delete e.WECOM_SYNC_SECRET_KEY;
    const child = spawn(process.execPath, [bin, 'sync', '--connection', 'acme', '--watch', '--data-dir', env.dir], { cwd: root, env: e, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const waiters: Array<{ re: RegExp; resolve: () => void }> = [];
    const check = (): void => {
      for (const w of [...waiters]) {
        if (!w.re.test(stdout)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    };
    const until = (re: RegExp): Promise<void> => new Promise((resolve) => (waiters.push({ re, resolve }), check()));
    child.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), check()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await until(/Watching the directory/);
    const u3 = (await env.directory.getAccountByUsername('u3'))!;
    await env.directory.updateAccount(u3.id, { displayName: 'Watched Change' });
    await until(/incremental run run_\w+: succeeded/);
    expect(env.sim.sim.company(CORP.corpid).members.find('u3')?.name).toBe('Watched Change');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toContain('Stopped.');
    expect(stderr).toBe('');
  });
});
