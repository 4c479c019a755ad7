// `wecom-sync source …` as a process against a real slapd: create reads the password file once
// (its trailing newline is not part of the password) and tests the bind without pulling; pull
// --json prints the partition and exits 1 after importing every good entry when one is bad, 0 when
// none is, 3 when held; the password is never printed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READER_DN, READER_PASSWORD, type RunningSlapd, SUFFIX, startSlapd } from '../../helpers/slapd.js';
import { runCli } from '../../helpers/cli.js';
import { company, ouDn } from './company.js';

let slapd: RunningSlapd;
let dir: string;
const base = `o=cli,${SUFFIX}`;
const data = company(base, 12);

beforeAll(async () => {
  slapd = await startSlapd();
  await slapd.add(data.entries);
  await slapd.add([{ dn: `uid=bad,${ouDn(['总部'], base)}`, attributes: { objectClass: ['inetOrgPerson'], uid: 'bad', cn: '坏号码', sn: '坏', mobile: 'call me' } }]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-ldap-cli-'));
}, 30_000);
afterAll(async () => {
  await slapd?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('wecom-sync source', () => {
  it('create, show, list, test, pull with bad entries, pull again, a held pull', async () => {
    const dataDir = path.join(dir, 'data');
    const pw = path.join(dir, 'bind.pw');
    fs.writeFileSync(pw, READER_PASSWORD + '\n');
    const common = ['--data-dir', dataDir];

    const created = await runCli(['source', 'create', 'ldap', 'corp', '--url', slapd.url, '--bind-dn', READER_DN, '--bind-password-file', pw, '--base-dn', base, '--json', ...common]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const v = JSON.parse(created.stdout);
    expect(v).toMatchObject({ name: 'corp', kind: 'ldap', flavor: 'openldap', url: slapd.url, bindDn: READER_DN, baseDn: base, hasPassword: true, owned: { organizations: 0, accounts: 0 }, lastPull: null });
    expect(created.stdout).not.toContain(READER_PASSWORD);

    const list = await runCli(['source', 'list', '--json', ...common]);
    expect(JSON.parse(list.stdout).map((s: { name: string }) => s.name)).toEqual(['corp']);
    const show = await runCli(['source', 'show', 'corp', ...common]);
    expect(show.stdout).toContain('password stored');
    expect(show.stdout + list.stdout).not.toContain(READER_PASSWORD);
    const test = await runCli(['source', 'test', 'corp', '--json', ...common]);
    expect(test.code).toBe(0);
    expect(JSON.parse(test.stdout)).toMatchObject({ ok: true, users: 13 });

    const pulled = await runCli(['source', 'pull', 'corp', '--json', ...common]);
    expect(pulled.code).toBe(1);
    const r = JSON.parse(pulled.stdout);
    expect(Object.keys(r)).toEqual(['organizations', 'accounts', 'errors']);
    expect(r.organizations).toEqual({ created: 8, updated: 0, deleted: 0, unchanged: 0 });
    expect(r.accounts).toEqual({ created: 12, updated: 0, disabled: 0, deleted: 0, unchanged: 0 });
    // the English for the command line, the code and params (the mobile's own error as a clause) for other languages
    expect(r.errors).toEqual([
      { dn: `uid=bad,${ouDn(['总部'], base)}`, message: expect.stringMatching(/invalid mobile/), code: 'row.ldap-mobile', params: { detail: { code: 'invalid.mobile', params: { value: expect.any(String) } } } },
    ]);

    await slapd.del(`uid=bad,${ouDn(['总部'], base)}`);
    const again = await runCli(['source', 'pull', 'corp', '--json', ...common]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      organizations: { created: 0, updated: 0, deleted: 0, unchanged: 8 },
      accounts: { created: 0, updated: 0, disabled: 0, deleted: 0, unchanged: 12 },
      errors: [],
    });

    // everybody gone at once (here: 6 of 12, over the minimum of 5): held, exit 3, nothing applied
    for (const u of data.users.slice(0, 6)) await slapd.del(u.dn);
    const held = await runCli(['source', 'pull', 'corp', '--json', ...common]);
    expect(held.code).toBe(3);
    expect(JSON.parse(held.stdout)).toMatchObject({ held: true, accounts: { deleted: 6 } });
    expect(held.stderr).toMatch(/--approve/);
    const approved = await runCli(['source', 'pull', 'corp', '--approve', '--json', ...common]);
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout).accounts).toEqual({ created: 0, updated: 0, disabled: 0, deleted: 6, unchanged: 6 });

    // update (the bind tested again with the stored password), then delete: the accounts stay
    const updated = await runCli(['source', 'update', 'corp', '--interval', '30', '--safety-minimum', '10', '--json', ...common]);
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ intervalMinutes: 30, safety: { minimum: 10, maxFraction: 0.1 }, hasPassword: true });
    const deleted = await runCli(['source', 'delete', 'corp', ...common]);
    expect(deleted.code).toBe(0);
    expect(JSON.parse((await runCli(['accounts', 'list', '--json', ...common])).stdout)).toHaveLength(6);
  }, 60_000);
});
