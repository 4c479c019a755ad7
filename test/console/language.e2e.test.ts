// Every page of the console in Chinese says nothing in English prose: an admin starts the demo
// (a real first sync, with its plan reasons, run summary and operations) and walks every page; on
// each, the visible text outside code and data is searched for two English words in a row. The
// server's texts (plan reasons, run summaries, warnings) come as codes and are rendered here, so a
// text the server adds without a code, or a console label left untranslated, fails this test. On
// every page each visible form control must have a label bound to it (or an aria-label). Then the
// server's refusals, said from their codes: a 422 and a 409 in the account form, a connection test
// through a proxy that refuses (its network error shown as data), an import preview with row errors.
// Screenshots: test-output/screenshots/60-zh-<page>.png and 61-zh-<refusal>.png at 1366 px.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../scripts/build-console.mjs';
import { resolveServeConfig } from '../../src/server/config.js';
import { type Service, startService } from '../../src/server/service.js';
import { type Chromium, launchChromium, screenshot } from '../helpers/chromium.js';
import { WAIT } from '../helpers/console.js';
import { englishProse, unlabelled } from '../helpers/prose.js';

const ADMIN_PASSWORD = 'language-admin-pass-123';

describe('the console in Chinese, every page', { timeout: 180_000 }, () => {
  let dataDir: string;
  let service: Service;
  let chromium: Chromium;
  let page: Page;
  let demoPath = '';

  beforeAll(async () => {
    await ensureConsoleBuilt({ quiet: true });
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-sync-language-'));
    service = await startService(resolveServeConfig({ port: '0', dataDir }, { WECOM_SYNC_ADMIN_PASSWORD: ADMIN_PASSWORD, WECOM_SYNC_FULL_INTERVAL: '0' }), {
      logger: pino({ level: 'silent' }),
      announce: () => {},
      sync: { pollMs: 100 },
    });
    chromium = await launchChromium();
    page = (await chromium.page('zh')).page;
    await page.setViewportSize({ width: 1366, height: 900 });
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await service?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const visit = async (name: string, path: string, ready: string): Promise<string[]> => {
    await page.goto(`${service.url}${path}`);
    await page.getByTestId(ready).first().waitFor(WAIT);
    await page.waitForLoadState('networkidle');
    await screenshot(page, `60-zh-${name}`);
    return [...(await englishProse(page)).map((f) => `${name}: ${f}`), ...(await unlabelled(page)).map((f) => `${name}: no label: ${f}`)];
  };

  it('starts the demo, then finds no English prose on any page', async () => {
    await page.goto(service.url);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('demo-start').click();
    const status = page.getByTestId('run-status');
    await expect.poll(() => status.getAttribute('data-finished'), { timeout: 120_000, interval: 250 }).toBe('true');
    expect(await status.getAttribute('data-status')).toBe('succeeded');
    const runPath = new URL(page.url()).pathname;

    // the run's operations name the objects and say why, in Chinese
    const reasons = await page.getByTestId('run-op').first().textContent();
    expect(reasons).toContain('目录中新建');
    const found: string[] = [];
    found.push(...(await englishProse(page)).map((f) => `run: ${f}`));
    await screenshot(page, '60-zh-run');
    // one operation opened: its field changes, labelled in Chinese
    await page.getByTestId('run-op').first().locator('.ant-table-row-expand-icon').click();
    await expect.poll(() => page.getByText('上级部门').count(), WAIT).toBeGreaterThan(0);
    found.push(...(await englishProse(page)).map((f) => `run (expanded): ${f}`));

    const demo = decodeURIComponent(/\/connections\/([^/]+)/.exec((await page.getByRole('link').filter({ hasText: /演示|demo/i }).first().getAttribute('href')) ?? '')?.[1] ?? 'demo');
    const c = `/connections/${encodeURIComponent(demo)}`;
    demoPath = c;
    found.push(...(await visit('connections', '/connections', 'whoami')));
    found.push(...(await visit('connection', c, 'field-scope')));
    found.push(...(await visit('mapping', `${c}/mapping`, 'mapping-members-position')));
    // a mistyped function: the error says so in Chinese, with the function meant
    await page.getByTestId('mapping-members-position').fill('lowr(title)');
    await page.getByTestId('mapping-save').click();
    await expect.poll(() => page.getByText('未知函数 lowr()；是否想用 lower()？').count(), WAIT).toBeGreaterThan(0);
    await screenshot(page, '60-zh-mapping-error');
    found.push(...(await englishProse(page)).map((f) => `mapping (error): ${f}`));
    found.push(...(await visit('plan', `${c}/plan`, 'plan-summary')));
    found.push(...(await visit('runs', `${c}/runs`, 'whoami')));
    found.push(...(await visit('orphans', `${c}/orphans`, 'whoami')));
    found.push(...(await visit('run-again', runPath, 'run-status')));
    found.push(...(await visit('directory', '/directory', 'whoami')));
    found.push(...(await visit('scim', '/scim', 'whoami')));
    found.push(...(await visit('sources', '/sources', 'whoami')));
    found.push(...(await visit('audit', '/audit', 'whoami')));
    found.push(...(await visit('users', '/users', 'whoami')));
    found.push(...(await visit('tokens', '/tokens', 'whoami')));
    expect(found).toEqual([]);
  });

  /** The English prose on the page, and the text of `testId` once it shows `expected` (waited for, bounded). */
  const refusal = async (name: string, testId: string, expected: string): Promise<string[]> => {
    const el = page.getByTestId(testId).first();
    await expect.poll(async () => ((await el.count()) > 0 ? ((await el.textContent()) ?? '') : ''), WAIT).toContain(expected);
    await screenshot(page, `61-zh-${name}`);
    return (await englishProse(page)).map((f) => `${name}: ${f}`);
  };

  it("says the server's refusals in Chinese: a 422 and a 409, a failing connection test, an import's row errors", async () => {
    expect(demoPath).not.toBe('');
    const api = (method: 'GET' | 'PATCH', path: string, data?: unknown) =>
      page.request.fetch(`${service.url}/api/v1${path}`, { method, headers: { 'x-requested-with': 'language-test', accept: 'application/json' }, ...(data !== undefined ? { data } : {}) });
    const someone = ((await (await api('GET', '/accounts?limit=1')).json()) as { items: Array<{ id: string; username: string }> }).items[0]!;
    const found: string[] = [];

    // 422: a mobile that is not one — said under its field in Chinese, the value as typed
    await page.goto(`${service.url}/directory`);
    const first = page.getByTestId('org-tree').locator('.ant-tree-title').first();
    await first.click();
    await expect.poll(() => page.getByTestId('org-tree').locator('.ant-tree-node-selected').count(), WAIT).toBe(1);
    await page.getByTestId('account-new').click();
    // the new account is placed in the selected organization (the drawer fills it in)
    await expect.poll(() => page.locator('.ant-drawer .ant-select-selection-item').count(), WAIT).toBeGreaterThan(0);
    await page.getByTestId('account-username').fill(someone.username);
    await page.getByTestId('account-name').fill('重名测试');
    await page.getByTestId('account-mobile').fill('12345');
    await page.getByTestId('account-save').click();
    await expect.poll(() => page.getByText('“12345”不是有效的手机号').count(), WAIT).toBeGreaterThan(0);
    found.push(...(await englishProse(page)).map((f) => `account 422: ${f}`));
    await screenshot(page, '61-zh-account-422');
    // 409: the username is taken — the server names the holder, in Chinese
    await page.getByTestId('account-mobile').fill('');
    await page.getByTestId('account-save').click();
    await expect.poll(() => page.getByText(`已被“${someone.username}”（${someone.id}）占用`).count(), WAIT).toBeGreaterThan(0);
    await expect.poll(() => page.getByText('“12345”不是有效的手机号').count(), WAIT).toBe(0); // the earlier answer's error is gone (after its fade)
    found.push(...(await englishProse(page)).map((f) => `account 409: ${f}`));
    await screenshot(page, '61-zh-account-409');

    // Test connection through a proxy that refuses: the verdict in Chinese, the network's words as data
    const closed = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
    });
    const name = decodeURIComponent(demoPath.split('/').pop()!);
    expect((await api('PATCH', `/connections/${encodeURIComponent(name)}`, { proxies: [`127.0.0.1:${closed}`] })).status()).toBe(200);
    try {
      await page.goto(`${service.url}${demoPath}`);
      await page.getByTestId('connection-test').click();
      const token = page.getByTestId('check-token');
      await expect.poll(() => token.getAttribute('data-status'), { timeout: 60_000, interval: 250 }).toBe('failed');
      found.push(...(await refusal('test-proxy-refused', 'check-token-text', `代理 127.0.0.1:${closed} 不可用或无法连接`)));
      // the network's own words are data (a code span), not prose
      expect(await page.getByTestId('check-token-text').locator('code').count()).toBeGreaterThan(0);
    } finally {
      expect((await api('PATCH', `/connections/${encodeURIComponent(name)}`, { proxies: [] })).status()).toBe(200);
    }

    // an import preview with row errors: each said in Chinese, the file's values as given
    await page.goto(`${service.url}/directory`);
    await page.getByTestId('import-open').click();
    await page
      .getByTestId('import-dialog')
      .locator('input[type=file]')
      .setInputFiles({ name: 'accounts.csv', mimeType: 'text/csv', buffer: Buffer.from('username,name,mobile,email,organizations,status\nbad user!,坏行,12345,,总部/新部门,maybe\n') });
    await page.getByTestId('import-errors').waitFor(WAIT);
    const rows = (await page.getByTestId('import-error-text').allTextContents()).join('\n');
    expect(rows).toContain('“12345”不是有效的手机号');
    expect(rows).toContain('“maybe”不是有效的状态');
    found.push(...(await refusal('import-row-errors', 'import-errors', '只能包含字母、数字')));
    expect(found).toEqual([]);
  });
});
