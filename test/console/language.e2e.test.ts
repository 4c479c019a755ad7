// Every page of the console in Chinese says nothing in English prose: an admin starts the demo
// (a real first sync, with its plan reasons, run summary and operations) and walks every page; on
// each, the visible text outside code and data is searched for two English words in a row. The
// server's texts (plan reasons, run summaries, warnings) come as codes and are rendered here, so a
// text the server adds without a code, or a console label left untranslated, fails this test. On
// every page each visible form control must have a label bound to it (or an aria-label).
// Screenshots: test-output/screenshots/60-zh-<page>.png at 1366 px.
import { mkdtempSync, rmSync } from 'node:fs';
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
});
