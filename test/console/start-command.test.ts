// The README's start command, run as a newcomer would: on a fresh data directory it builds the
// console if needed, starts the service, prints the first admin password once, serves the console
// at /, and offers the demo; in Chromium the newcomer signs in with that password, starts the demo
// and sees its first sync succeed; then goes on to a real connection (the form's refusal offers
// Remove demo and the scope, in Chinese). Ctrl-C stops it cleanly.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Chromium, launchChromium, screenshot } from '../helpers/chromium.js';
import { freePort } from '../helpers/tinyproxy.js';

/** `npm start` as the README's "two commands" block gives it (after `npm ci &&`, which CI has run). */
function readmeStartCommand(): string {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const block = /## The two commands\s+```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  const line = block?.split('\n').find((l) => /#\s*run it/.test(l));
  if (!line) throw new Error('README.md has no "run it" line in "## The two commands"');
  const cmd = line.split('#')[0]!.trim();
  expect(cmd.startsWith('npm ci && ')).toBe(true);
  return cmd.slice('npm ci && '.length);
}

interface Started {
  child: ChildProcess;
  url: string;
  password: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function start(command: string, env: NodeJS.ProcessEnv): Promise<Started> {
  // As typed in a terminal: `npm start` in its own process group (a Ctrl-C reaches the whole group).
  const [cmd, ...args] = command.split(/\s+/);
  const child = spawn(cmd!, args, { cwd: process.cwd(), env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<{ url: string; password: string }>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const url = /serving on (http:\/\/\S+)/.exec(out)?.[1];
      const password = /with this password[^\n]*\n\s*\n\s+(\S+)\n/.exec(out)?.[1];
      if (url && password) resolve({ url, password });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`"${command}" exited with ${code} before serving:\n${out}`)));
  });
  const { url, password } = await ready;
  return { child, url, password, output: () => out, exited };
}

describe('the README start command on a fresh data directory', () => {
  let dataDir: string;
  let service: Started;
  let browser: Chromium;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-sync-start-'));
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(await freePort()), WECOM_SYNC_DATA_DIR: dataDir, LOG_LEVEL: process.env.START_TEST_LOG_LEVEL ?? 'warn' };
    delete env.WECOM_SYNC_ADMIN_PASSWORD;
    delete env.DATABASE_URL;
    delete env.WECOM_SYNC_SECRET_KEY;
    service = await start(readmeStartCommand(), env);
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (service && service.child.exitCode === null) {
      process.kill(-service.child.pid!, 'SIGKILL');
      await service.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the console, its assets and the API on the configured port', async () => {
    const page = await fetch(`${service.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const html = await page.text();
    expect(html).toContain('<div id="root"></div>');
    const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
    expect(script).toMatch(/^\/assets\/.+\.js$/);
    const js = await fetch(`${service.url}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    // A console route is the console's page; an unknown API path stays a problem+json 404.
    expect((await fetch(`${service.url}/connections/x/runs`, { headers: { accept: 'text/html' } })).headers.get('content-type')).toMatch(/text\/html/);
    const api = await fetch(`${service.url}/api/v1/nope`);
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  });

  it('signs the newcomer in with the printed password and runs the demo to a successful first sync', async () => {
    const { context, page } = await browser.page('zh');
    try {
      await page.goto(service.url);
      await page.getByTestId('login-username').fill('admin');
      await page.getByTestId('login-password').fill(service.password);
      await screenshot(page, '01-sign-in-zh');
      await page.getByTestId('login-submit').click();
      await page.getByTestId('whoami').waitFor();
      await page.getByTestId('demo-start').waitFor();
      await screenshot(page, '02-connections-demo-offer-zh');
      await page.getByTestId('demo-start').click();
      const status = page.getByTestId('run-status');
      await expect.poll(async () => status.getAttribute('data-finished'), { timeout: 90_000, interval: 250 }).toBe('true');
      expect(await status.getAttribute('data-status')).toBe('succeeded');
      expect(await page.getByTestId('run-op').count()).toBeGreaterThan(0);
      await screenshot(page, '03-demo-first-run-zh');
    } finally {
      await context.close();
    }
  }, 150_000);

  it('leads from the demo to a real connection in the console, in Chinese: the refusal names the Remove demo button and the scope, not a REST call', async () => {
    const { context, page } = await browser.page('zh');
    try {
      await page.goto(service.url);
      await page.getByTestId('login-username').fill('admin');
      await page.getByTestId('login-password').fill(service.password);
      await page.getByTestId('login-submit').click();
      // the banner says how to go on to a real WeCom
      expect(await page.getByTestId('demo-next').textContent()).toContain('删除演示');
      // the demo's scope is shown, read-only: the sample company
      await page.getByTestId('link-edit-demo').click();
      const demoScope = page.getByTestId('field-scope');
      await expect.poll(() => demoScope.textContent(), { timeout: 15_000 }).toContain('星河科技');
      expect(await demoScope.locator('input').isDisabled()).toBe(true);
      // it is removed with the demo: Remove demo stands where Delete would (which the server refuses)
      expect(await page.getByTestId('connection-demo-remove').count()).toBe(1);
      expect(await page.getByTestId('connection-delete').count()).toBe(0);
      await screenshot(page, '04-demo-connection-zh');
      await page.goto(`${service.url}/connections`);
      await page.getByTestId('new-connection').click();
      // the new form says it up front
      expect(await page.getByTestId('demo-notice').textContent()).toContain('同步范围');
      await page.getByTestId('field-name').fill('acme');
      await page.getByTestId('field-corpId').fill('ww0123456789abcdef');
      await page.getByTestId('field-secret').fill('real-sync-secret-0123456789');
      await page.getByTestId('connection-save').click();
      // refused: the whole directory would take in the sample company; said in Chinese, with the console's own actions
      const conflict = page.getByTestId('demo-conflict');
      await conflict.waitFor();
      expect(await conflict.getAttribute('data-code')).toBe('demo-active.whole-directory');
      const text = (await conflict.textContent()) ?? '';
      expect(text).toContain('示例公司');
      expect(text).not.toMatch(/DELETE|\/api\/|the demo is active/i);
      await screenshot(page, '05-demo-conflict-zh');
      // "choose the scope" points at the scope field
      await conflict.getByTestId('choose-scope').click();
      await expect.poll(() => page.getByTestId('field-scope').locator('input').evaluate((el) => el.ownerDocument.activeElement === el), { timeout: 15_000 }).toBe(true);
      // Remove demo, from the form; then the same form saves
      await conflict.getByTestId('form-demo-remove').click();
      await page.getByTestId('form-demo-remove-confirm').click();
      await expect.poll(() => page.getByTestId('demo-conflict').count(), { timeout: 60_000 }).toBe(0);
      expect(await page.getByTestId('demo-notice').count()).toBe(0);
      await page.getByTestId('connection-save').click();
      await page.waitForURL(/\/connections\/acme$/);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('stops cleanly on Ctrl-C (SIGINT to the process group, which npm forwards once more)', async () => {
    process.kill(-service.child.pid!, 'SIGINT');
    expect(await service.exited, service.output().slice(-4000)).toBe(0);
    expect(service.output()).toContain('SIGINT: shutting down');
    expect(service.output()).not.toContain('exiting without waiting');
    expect(service.output()).not.toMatch(/"level":(50|60)/);
  }, 60_000);
});
