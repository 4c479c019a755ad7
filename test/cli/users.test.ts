// `wecom-sync users …` as a real process on a temp data directory (and once on PostgreSQL): the
// operator's way back in when the admin password is lost. The store is opened here between runs to
// check what a user of the console would see: which password signs in, which sessions survive.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/index.js';
import { AuthService } from '../../src/auth/index.js';
import { type StoreConfig } from '../../src/store/config.js';
import { openStore } from '../../src/store/store.js';
import { type CliRun, runCli } from '../helpers/cli.js';
import { PG_URL } from '../store/backends.js';

type Run = CliRun;
const cli = runCli;

/** Opens the store, runs fn with its AuthService, closes it (the CLI runs in between). */
async function withAuth<T>(config: StoreConfig, fn: (auth: AuthService, audit: AuditLog) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    return await fn(new AuthService(store), new AuditLog(store));
  } finally {
    await store.close();
  }
}

const signsIn = (config: StoreConfig, username: string, password: string): Promise<boolean> =>
  withAuth(config, async (auth) => (await auth.login(username, password, '10.0.0.9')).ok);

describe('wecom-sync users', () => {
  let dir: string;
  let data: string;
  let config: StoreConfig;
  const run = (args: string[], opts?: { stdin?: string }): Promise<Run> => cli([...args, '--data-dir', data], opts);
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-users-cli-'));
    data = path.join(dir, 'data');
    config = { kind: 'sqlite', file: path.join(data, 'wecom-sync.sqlite') };
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resets a lost admin password: prints a new one once, ends the sessions, lifts the lockout, never prints hashes', async () => {
    // the first start made "admin" from WECOM_SYNC_ADMIN_PASSWORD, which nobody remembers; the admin is signed in somewhere
    // and someone has been guessing (locked out from 10.0.0.9)
    fs.mkdirSync(data, { recursive: true });
    const oldSession = await withAuth(config, async (auth) => {
      await auth.ensureAdmin('forgotten-long-ago');
      const s = await auth.login('admin', 'forgotten-long-ago', '10.0.0.1');
      for (let i = 0; i < 6; i++) await auth.login('admin', `guess-${i}`, '10.0.0.9');
      expect(await auth.login('admin', 'forgotten-long-ago', '10.0.0.9')).toMatchObject({ ok: false, reason: 'rate-limited' });
      return s.ok ? s.sessionSecret : '';
    });

    const listed = await run(['users', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^admin\s+admin\s+active\s/m);
    expect(listed.stdout).not.toContain('scrypt');

    const reset = await run(['users', 'reset-password', 'Admin']);
    expect(reset.code, reset.stderr).toBe(0);
    const printed = /^ {4}(\S{24})$/m.exec(reset.stdout)?.[1];
    expect(printed, reset.stdout).toBeDefined();
    expect(reset.stdout).toContain('shown only now');

    expect(await signsIn(config, 'admin', 'forgotten-long-ago')).toBe(false);
    expect(await signsIn(config, 'admin', printed!)).toBe(true); // from the IP that was locked out
    await withAuth(config, async (auth, audit) => {
      expect(await auth.sessionPrincipal(oldSession)).toBeNull();
      const entries = (await audit.list({ action: 'user.update' })).items;
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ actorKind: 'system', actor: expect.stringMatching(/^command line \(/), detail: { fields: ['password'] } });
      expect(JSON.stringify(entries)).not.toContain(printed!);
    });

    // --json: the same, machine-readable; no hash anywhere in any output
    const json = await run(['users', 'reset-password', 'admin', '--json']);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout) as { username: string; password: string };
    expect(body.username).toBe('admin');
    expect(await signsIn(config, 'admin', body.password)).toBe(true);
    const listJson = await run(['users', 'list', '--json']);
    expect(JSON.parse(listJson.stdout)).toEqual([expect.objectContaining({ username: 'admin', role: 'admin', disabled: false })]);
    for (const r of [listed, reset, json, listJson]) expect(r.stdout + r.stderr).not.toMatch(/scrypt|password_?hash/i);
  }, 180_000);

  it('creates users with a generated or a chosen password (stdin), and disables and enables them', async () => {
    const created = await run(['users', 'create', 'ops', '--role', 'admin', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const opsPassword = (JSON.parse(created.stdout) as { password: string }).password;
    expect(opsPassword).toHaveLength(24);
    expect(await signsIn(config, 'ops', opsPassword)).toBe(true);

    const chosen = await run(['users', 'create', 'lisi', '--password-stdin'], { stdin: 'a-chosen-password\n' });
    expect(chosen.code, chosen.stderr).toBe(0);
    expect(chosen.stdout).not.toContain('a-chosen-password');
    expect(await signsIn(config, 'lisi', 'a-chosen-password')).toBe(true);
    expect((await run(['users', 'list', '--json'])).stdout).toContain('"role":"viewer"'); // the default role

    const session = await withAuth(config, async (auth) => {
      const s = await auth.login('lisi', 'a-chosen-password', '10.0.0.2');
      return s.ok ? s.sessionSecret : '';
    });
    const disabled = await run(['users', 'disable', 'lisi']);
    expect(disabled.code).toBe(0);
    expect(await signsIn(config, 'lisi', 'a-chosen-password')).toBe(false);
    await withAuth(config, async (auth) => expect(await auth.sessionPrincipal(session)).toBeNull());
    expect((await run(['users', 'list'])).stdout).toMatch(/^lisi\s+viewer\s+disabled\s/m);
    expect((await run(['users', 'disable', 'lisi'])).stdout).toContain('already disabled');
    expect((await run(['users', 'enable', 'lisi'])).code).toBe(0);
    expect(await signsIn(config, 'lisi', 'a-chosen-password')).toBe(true);
  }, 180_000);

  it('says what is wrong: usage and refused input exit 2, an unknown user 1; nothing changes', async () => {
    expect((await run(['users', 'create', 'boss', '--role', 'admin', '--json'])).code).toBe(0);
    const cases: Array<[string[], string | undefined, number, RegExp]> = [
      [['users', 'disable', 'boss'], undefined, 2, /last active admin/],
      [['users', 'create', 'boss'], undefined, 2, /username is taken/],
      [['users', 'create', 'two words'], undefined, 2, /username must be/],
      [['users', 'create', 'x', '--role', 'root'], undefined, 2, /argument 'root' is invalid/],
      [['users', 'reset-password', 'boss', '--password-stdin'], 'short\n', 2, /password must be at least 8 characters/],
      [['users', 'reset-password', 'boss', '--password-stdin'], '', 2, /password is empty/],
      [['users', 'reset-password', 'nobody'], undefined, 1, /no user "nobody" \(wecom-sync users list/],
      [['users', 'frob'], undefined, 2, /unknown command/],
      [['users', 'create'], undefined, 2, /missing required argument/],
    ];
    for (const [args, stdin, code, message] of cases) {
      const r = await run(args, stdin === undefined ? undefined : { stdin });
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const users = JSON.parse((await run(['users', 'list', '--json'])).stdout) as Array<{ username: string; disabled: boolean }>;
    expect(users).toEqual([expect.objectContaining({ username: 'boss', disabled: false })]);
  }, 180_000);

  it('works on PostgreSQL when DATABASE_URL is set', async () => {
    const schema = `t_${process.pid}_users_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    try {
      const env = { DATABASE_URL: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}` };
      const created = await cli(['users', 'create', 'pgadmin', '--role', 'admin', '--json'], { env });
      expect(created.code, created.stderr).toBe(0);
      const reset = await cli(['users', 'reset-password', 'pgadmin', '--json'], { env });
      expect(reset.code, reset.stderr).toBe(0);
      const rows = await admin.query(`select username, role from ${schema}.users`);
      expect(rows.rows).toEqual([{ username: 'pgadmin', role: 'admin' }]);
      const cfg: StoreConfig = { kind: 'postgres', url: env.DATABASE_URL };
      expect(await signsIn(cfg, 'pgadmin', (JSON.parse(reset.stdout) as { password: string }).password)).toBe(true);
    } finally {
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
  }, 180_000);
});
