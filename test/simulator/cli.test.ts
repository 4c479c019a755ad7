import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { Caller } from './helpers.js';

const BIN = join(import.meta.dirname, '../../bin/wecom-sync.mjs');

function run(args: string[]): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, 'simulator', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}

/** Resolves with the URL once the simulator prints its listening line. */
function listening(p: ReturnType<typeof run>): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const m = /listening on (\S+)/.exec(p.out());
      if (m && p.out().includes('ready; stop with')) resolve(m[1] as string);
    };
    p.child.stdout?.on('data', check);
    p.exit.then((code) => reject(new Error(`exited ${code}: ${p.err()}`)));
  });
}

describe('wecom-sync simulator (CLI)', () => {
  it('starts on a free port, prints its facts with masked secrets, answers calls and saves state on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wecom-sim-cli-'));
    const state = join(dir, 'state.json');
    const ca = join(dir, 'ca.pem');
    const p = run(['--port', '0', '--corp', 'ww-cli:topsecret-value', '--ca-out', ca, '--state', state, '--rate-limit', '200/1s', '--rate-limit-hour', '3000/15s', '--rate-block', '1s', '--trusted-ip', '127.0.0.1']);
    const url = await listening(p);
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const c = new Caller(url, new Agent({ connect: { ca: readFileSync(ca, 'utf8') } }), 'ww-cli', 'topsecret-value');
    expect(await c.postCode('department/create', { name: 'FromCli', parentid: 1 })).toBe(0);
    const out = p.out();
    expect(out).toContain('corp ww-cli secret');
    expect(out).not.toContain('topsecret-value');
    expect(out).toContain(`CA certificate written to ${ca}`);
    expect(out).toContain('rate limit: 200 calls per 1000 ms per company and API (over: blocked for 1000 ms), 3000 per 15000 ms (over: blocked for that window)');
    expect(out).toContain('127.0.0.1');
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
    expect(existsSync(state)).toBe(true);
    expect(readFileSync(state, 'utf8')).toContain('FromCli');
  });

  it('uses a demo company and plain HTTP when asked', async () => {
    const p = run(['--http', '--port', '0']);
    const url = await listening(p);
    expect(url).toMatch(/^http:\/\//);
    expect(p.out()).toContain('demo company ww-demo');
    // WeCom's budgets and blocks by default
    expect(p.out()).toContain('rate limit: 10000 calls per 60000 ms per company and API (over: blocked for 60000 ms), 150000 per 3600000 ms');
    const c = new Caller(url, undefined, 'ww-demo', 'demo-secret');
    expect(await c.getCode('department/simplelist')).toBe(0);
    p.child.kill('SIGINT');
    expect(await p.exit).toBe(0);
  });

  it.each([
    [['--rate-limit', '10/xyz'], '--rate-limit'],
    [['--rate-block', 'soon'], '--rate-block'],
    [['--rate-limit-hour', '0/1h'], '--rate-limit-hour'],
    [['--port', 'http'], '--port'],
    [['--corp', 'nocolon'], '--corp'],
    [['--fault-rate', '1.5'], '--fault-rate'],
    [['--trusted-ip', 'not-an-ip'], 'not an IP'],
    [['--reading', 'lenient'], '--reading'],
  ])('exits 2 with a clear message for bad values: %s', async (args, text) => {
    const p = run(args);
    expect(await p.exit).toBe(2);
    expect(p.err()).toContain(text);
  });

  it('plays the strict reading and refuses unknown fields when asked', async () => {
    const p = run(['--http', '--port', '0', '--reading', 'strict', '--refuse-unknown-fields']);
    const url = await listening(p);
    expect(p.out()).toContain('reading: strict');
    expect(p.out()).toContain('unknown request fields refused');
    const c = new Caller(url, undefined, 'ww-demo', 'demo-secret');
    expect(await c.postCode('department/create', { name: '部'.repeat(40), parentid: 1 })).toBe(60001);
    expect(await c.postCode('department/create', { name: 'ok', parentid: 1, colour: 'red' })).toBe(40058);
    expect(await c.postCode('department/create', { name: 'ok', parentid: 1 })).toBe(0);
    p.child.kill('SIGINT');
    expect(await p.exit).toBe(0);
  });

  it('prints the choices with --choices, those where the readings differ first', async () => {
    const p = run(['--choices']);
    expect(await p.exit).toBe(0);
    const out = p.out();
    expect(out).toContain('Sibling department names');
    const differ = out.slice(0, out.indexOf('The same in both readings'));
    for (const topic of ['Department name and name_en length', 'userid characters', 'Departments per member', 'Mobile format', 'Member alias length', 'gender type', 'Extended attributes', 'The company creator'])
      expect(differ).toContain(topic);
    expect(differ).toMatch(/strict: +1–32 characters/);
    // the rate limits as played (issue 11): both budgets and the blocks, with the flags that scale them
    const same = out.slice(out.indexOf('The same in both readings'));
    expect(same).toMatch(/Frequency limits[\s\S]*10,000\/minute and 150,000\/hour[\s\S]*--rate-limit-hour/);
    expect(same).toContain('gettoken with a wrong secret');
  });
});
