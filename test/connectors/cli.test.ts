// The CLI end to end: `wecom-sync import`, `accounts list`, `organizations list`, exit codes,
// data-dir resolution and DATABASE_URL.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PG_URL } from '../store/backends.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin', 'wecom-sync.mjs');
const templates = path.join(root, 'docs', 'templates');

// Asynchronously: a worker blocked in spawnSync through a file of these (over a minute on a loaded
// machine) cannot answer vitest 3, whose calls from the worker then time out after 60 s.
function cli(args: string[], env: Record<string, string | undefined> = {}, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const baseEnv = { ...process.env };
  delete baseEnv.DATABASE_URL;
  delete baseEnv.WECOM_SYNC_DATA_DIR;
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: cwd ?? root, env: { ...baseEnv, ...env }, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr }),
    );
  });
}

describe('wecom-sync CLI', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-cli-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('imports the templates with --json and lists what the directory holds', async () => {
    const data = path.join(dir, 'data');
    const orgs = await cli(['import', path.join(templates, 'organizations.csv'), '--json', '--data-dir', data]);
    expect(orgs.code).toBe(0);
    const summary = JSON.parse(orgs.stdout);
    expect(summary).toMatchObject({ organizations: { create: 4, update: 0, unchanged: 0 }, accounts: { create: 0, update: 0, unchanged: 0 }, errors: [] });
    const accs = await cli(['import', path.join(templates, 'accounts.csv'), '--json', '--data-dir', data]);
    expect(accs.code).toBe(0);
    expect(JSON.parse(accs.stdout).accounts).toEqual({ create: 3, update: 0, unchanged: 0 });
    expect(fs.existsSync(path.join(data, 'wecom-sync.sqlite'))).toBe(true);

    const listed = await cli(['accounts', 'list', '--json', '--data-dir', data]);
    expect(listed.code).toBe(0);
    const accounts = JSON.parse(listed.stdout);
    expect(accounts.map((a: { username: string }) => a.username).sort()).toEqual(['lisi', 'wangwu', 'zhangsan']);
    expect(accounts.find((a: { username: string }) => a.username === 'lisi').organizationPaths).toEqual(['总公司/研发部', '总公司/销售部']);
    const tree = JSON.parse((await cli(['organizations', 'list', '--json', '--data-dir', data])).stdout);
    expect(tree.map((o: { path: string }) => o.path)).toEqual(['总公司', '总公司/销售部', '总公司/销售部/华东区', '总公司/研发部']);
    // Human output too.
    expect((await cli(['organizations', 'list', '--data-dir', data])).stdout).toContain('总公司/销售部/华东区');
  }, 60_000);

  it('rejects a file with a bad row (exit 1, nothing imported) unless --skip-invalid', async () => {
    const file = path.join(dir, 'a.csv');
    fs.writeFileSync(file, 'username,name,mobile,email,organizations,status\nok,好,,,A,enabled\nbad,坏,123,,A,enabled\n');
    const env = { WECOM_SYNC_DATA_DIR: path.join(dir, 'envdata') };
    const rejected = await cli(['import', file, '--json'], env);
    expect(rejected.code).toBe(1);
    // the English message for people and scripts; its code and parameters for a client's own language
    expect(JSON.parse(rejected.stdout).errors).toEqual([{ row: 3, column: 'mobile', message: expect.stringContaining('123'), code: expect.any(String), params: expect.objectContaining({}) }]);
    expect(JSON.parse((await cli(['accounts', 'list', '--json'], env)).stdout)).toEqual([]);

    const human = await cli(['import', file, '--dry-run'], env);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('row 3, column mobile');

    const skipped = await cli(['import', file, '--json', '--skip-invalid'], env);
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ accounts: { create: 1 }, errors: [{ row: 3, column: 'mobile' }] });
    expect(JSON.parse((await cli(['accounts', 'list', '--json'], env)).stdout).map((a: { username: string }) => a.username)).toEqual(['ok']);
    expect(fs.existsSync(path.join(dir, 'envdata', 'wecom-sync.sqlite'))).toBe(true);
  }, 60_000);

  it('exits 2 on usage errors, with a message and no stack trace', async () => {
    const missing = await cli(['import', path.join(dir, 'nope.csv'), '--data-dir', dir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('file not found');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const badOption = await cli(['import', 'x.csv', '--bogus']);
    expect(badOption.code).toBe(2);
    const badEncoding = await cli(['import', 'x.csv', '--encoding', 'latin1']);
    expect(badEncoding.code).toBe(2);
    const badUrl = await cli(['accounts', 'list'], { DATABASE_URL: 'mysql://x/y' });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('DATABASE_URL');
  }, 60_000);

  it('uses PostgreSQL when DATABASE_URL is set', async () => {
    const schema = `t_${process.pid}_cli_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    try {
      const url = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const r = await cli(['import', path.join(templates, 'organizations.csv'), '--json', '--data-dir', path.join(dir, 'unused')], { DATABASE_URL: url });
      expect(r.code, r.stderr).toBe(0);
      const rows = await admin.query(`select name from ${schema}.organizations order by name`);
      expect(rows.rows.map((x) => x.name).sort()).toEqual(['华东区', '总公司', '研发部', '销售部'].sort());
      expect(fs.existsSync(path.join(dir, 'unused'))).toBe(false);
      const unreachable = await cli(['accounts', 'list'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toContain('cannot open the store');
    } finally {
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
  }, 60_000);
});
