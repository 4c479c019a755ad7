// `wecom-sync connection …` as a real process, with --data-dir in a temp dir. The simulator runs in
// this process, so the CLI is spawned asynchronously (a blocking spawn would stall the simulator).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { type CliRun, runCli } from '../helpers/cli.js';

const corpid = 'ww0123456789abcdef';
const SECRET = 'cli-secret-PLAINTEXT-8c1e5a';
const PROXY_PASSWORD = 'cli-proxy-PLAINTEXT-77';

type Run = CliRun;
const cli = runCli;

let dir: string;
let data: string;
let sim: RunningSimulator;
let caFile: string;
let secretFile: string;
const all: Run[] = [];
async function run(args: string[], opts?: { stdin?: string; env?: Record<string, string> }): Promise<Run> {
  const r = await cli([...args, '--data-dir', data], opts);
  all.push(r);
  return r;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-conn-cli-'));
  data = path.join(dir, 'data');
  sim = await startSimulator({ corps: [{ corpid, secret: SECRET }], trustedIps: ['127.0.0.1'] });
  caFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caFile, sim.caPem as string);
  secretFile = path.join(dir, 'secret.txt');
  fs.writeFileSync(secretFile, SECRET + '\n', { mode: 0o600 });
});

afterAll(async () => {
  await sim?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('wecom-sync connection', () => {
  it('create from a secret file, list, show, test against the simulator, update, delete — no secret printed anywhere', async () => {
    const created = await run([
      'connection', 'create', '--name', 'Acme', '--corp-id', corpid, '--secret-file', secretFile, '--root-department', '1',
      '--extattr', '工号:text=attrs.employee_no', '--api-base', sim.url, '--ca-file', caFile, '--json',
    ]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const c = JSON.parse(created.stdout);
    expect(c).toMatchObject({ name: 'Acme', corpId: corpid, hasSecret: true, hasProxyPassword: false, apiBase: sim.url, warnings: [] });
    expect(c.extattrs).toEqual([{ name: '工号', type: 'text', expression: 'attrs.employee_no' }]);
    const keyFile = path.join(data, 'secret.key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(data, 'wecom-sync.sqlite')).includes(Buffer.from(SECRET))).toBe(false);

    const listed = await run(['connection', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/Acme\s+ww0123456789abcdef\s+1\s+direct\s+set\s+not set/);

    const shown = await run(['connection', 'show', 'acme']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^secret:\s+set$/m);
    expect(shown.stdout).toMatch(/^proxy password:\s+not set$/m);
    expect(shown.stdout).toMatch(/^on account deleted:\s+disable$/m);

    const tested = await run(['connection', 'test', 'Acme']);
    expect(tested.stderr).toBe('');
    expect(tested.code).toBe(0);
    const lines = tested.stdout.split('\n');
    expect(lines.find((l) => l.includes(' token '))).toMatch(/^✓ token\s+Access token obtained directly/);
    expect(lines.find((l) => l.includes('root-department'))).toMatch(/^✓ root-department\s+Root department 1 exists/);
    expect(lines.find((l) => l.includes('member-details'))).toMatch(/^! member-details\s+Member details cannot be read from this IP \(errcode 48009\)/);
    expect(tested.stdout).toContain('Result: the connection works.');

    const json = await run(['connection', 'test', 'Acme', '--json']);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.ok).toBe(true);
    expect(result.checks.map((x: { name: string }) => x.name)).toEqual(['token', 'root-department', 'department-ids', 'member-ids', 'member-details']);

    const zh = await run(['connection', 'test', 'Acme', '--lang', 'zh']);
    expect(zh.stdout).toContain('结果：连接可用。');

    // a proxy password from stdin; then the root department is wrong → test exits 1 with ✗
    const upd = await run(['connection', 'update', 'acme', '--root-department', '999', '--proxy', '127.0.0.1:1', '--proxy-user', 'u', '--proxy-password-stdin'], {
      stdin: PROXY_PASSWORD + '\n',
    });
    expect(upd.code).toBe(0);
    expect(upd.stdout).toContain('version 2');
    expect((await run(['connection', 'show', 'acme'])).stdout).toMatch(/^proxy password:\s+set$/m);
    const down = await run(['connection', 'test', 'acme']);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^✗ token\s+Proxy 127\.0\.0\.1:1 is down or unreachable/m);

    await run(['connection', 'update', 'acme', '--clear-proxy']);
    const missing = await run(['connection', 'test', 'acme']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^✗ root-department\s+Root department 999 not found/m);
    expect(missing.stdout).toContain('Result: the connection does not work');

    expect((await run(['connection', 'delete', 'acme'])).code).toBe(2); // needs --yes
    const deleted = await run(['connection', 'delete', 'acme', '--yes']);
    expect(deleted.code).toBe(0);
    const gone = await run(['connection', 'show', 'acme']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('no connection named "acme"');

    for (const r of all) {
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      expect(r.stdout + r.stderr).not.toContain(PROXY_PASSWORD);
    }
  }, 60_000);

  it('rate share, rate budget override and an https:// proxy with its CA', async () => {
    const created = await run([
      'connection', 'create', '--name', 'Rates', '--corp-id', corpid, '--secret-file', secretFile, '--root-department', '1',
      '--rate-budget', '200/1s,2000/30s', '--rate-share', '50%', '--proxy', 'https://127.0.0.1:1', '--proxy-ca-file', caFile,
    ]);
    expect(created.code).toBe(0);
    const shown = (await run(['connection', 'show', 'rates'])).stdout;
    expect(shown).toMatch(/^rate budget:\s+100\/1s and 1000\/30s per API \(50% of the override\)$/m);
    expect(shown).toMatch(/^proxies:\s+https:\/\/127\.0\.0\.1:1$/m);
    expect(shown).toMatch(/^proxy CA certificate:\s+custom$/m);
    await run(['connection', 'update', 'rates', '--clear-rate-budget', '--rate-share', '100', '--clear-proxy']);
    expect((await run(['connection', 'show', 'rates'])).stdout).toMatch(/^rate budget:\s+10000\/1m and 150000\/1h per API \(WeCom's\)$/m);
    const badRate = await run(['connection', 'update', 'rates', '--rate-budget', '200/soon']);
    expect(badRate.code).toBe(2);
    expect(badRate.stderr).toMatch(/rateBudget: the rate budget "200\/soon": expected N or N\/WINDOW/);
  }, 120_000);

  it('bad input exits 2 with a clear message; secrets are refused on the command line', async () => {
    const argvSecret = await run(['connection', 'create', '--name', 'x', '--corp-id', corpid, '--secret', 'argv-secret-value', '--root-department', '1']);
    expect(argvSecret.code).toBe(2);
    expect(argvSecret.stderr).toMatch(/secrets are never accepted on the command line.*--secret-file FILE or --secret-stdin/);
    expect(argvSecret.stderr).not.toContain('argv-secret-value');

    const invalid = await run([
      'connection', 'create', '--name', 'bad', '--corp-id', 'not valid!', '--secret-file', secretFile, '--root-department', '1',
      '--proxy', 'http://proxy:3128', '--api-base', 'http://example.com', '--extattr', 'a:text', '--extattr', 'A:web',
    ]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('the connection is not valid');
    expect(invalid.stderr).toMatch(/corpId: the company ID \(corpid\) must be 1–64 letters and digits/);
    expect(invalid.stderr).toMatch(/proxies: proxy #1 "http:\/\/proxy:3128": write the address as host:port/);
    expect(invalid.stderr).toMatch(/apiBase: .*only for localhost/);
    expect(invalid.stderr).toMatch(/extattrs\[1\]\.name: extended attribute "A" is listed twice/);

    const noRoot = await run(['connection', 'create', '--name', 'x', '--corp-id', corpid, '--secret-file', secretFile, '--root-department', 'one']);
    expect(noRoot.code).toBe(2);
    expect(noRoot.stderr).toContain('--root-department must be a positive whole number, got "one"');

    const noSecret = await run(['connection', 'create', '--name', 'x', '--corp-id', corpid, '--root-department', '1']);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('--secret-file FILE or --secret-stdin');

    const noFile = await run(['connection', 'create', '--name', 'x', '--corp-id', corpid, '--secret-file', path.join(dir, 'nope'), '--root-department', '1']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('the secret file not found');

    const badPolicy = await run(['connection', 'create', '--name', 'x', '--corp-id', corpid, '--secret-file', secretFile, '--root-department', '1', '--on-account-deleted', 'purge']);
    expect(badPolicy.code).toBe(2);

    const badCa = path.join(dir, 'bad.pem');
    fs.writeFileSync(badCa, 'hello');
    const ca = await run(['connection', 'create', '--name', 'x', '--corp-id', corpid, '--secret-file', secretFile, '--root-department', '1', '--ca-file', badCa]);
    expect(ca.code).toBe(2);
    expect(ca.stderr).toContain('caPem: must be PEM text');

    // a warning (not an error) for an unusual corpid; the secret from stdin
    const warn = await run(['connection', 'create', '--name', 'odd', '--corp-id', 'corp42', '--secret-stdin', '--root-department', '1'], { stdin: SECRET });
    expect(warn.code).toBe(0);
    expect(warn.stderr).toMatch(/^warning: company ID "corp42" does not look like a WeCom corpid/);
    const dup = await run(['connection', 'create', '--name', 'ODD', '--corp-id', corpid, '--secret-file', secretFile, '--root-department', '1']);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('a connection named "odd" already exists');
  }, 60_000);

  it('refuses a key file others can read, saying how to fix it (exit 1)', async () => {
    const own = path.join(dir, 'perm');
    const ok = await cli(['connection', 'create', '--name', 'p', '--corp-id', corpid, '--secret-file', secretFile, '--root-department', '1', '--api-base', sim.url, '--ca-file', caFile, '--data-dir', own]);
    expect(ok.code).toBe(0);
    const keyFile = path.join(own, 'secret.key');
    fs.chmodSync(keyFile, 0o644);
    const r = await cli(['connection', 'test', 'p', '--data-dir', own]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`chmod 600 ${keyFile}`);
    // the key from the environment instead: malformed → clear error
    const env = await cli(['connection', 'test', 'p', '--data-dir', own], { env: { WECOM_SYNC_SECRET_KEY: 'c2hvcnQ=' } });
    expect(env.code).toBe(1);
    expect(env.stderr).toMatch(/WECOM_SYNC_SECRET_KEY decodes to 5 bytes/);
    fs.chmodSync(keyFile, 0o600);
    expect((await cli(['connection', 'test', 'p', '--data-dir', own])).code).toBe(0);
  }, 60_000);
});
