// Test helper for browser tests of the console: a service on a free port over a temp data
// directory (console built, no worker, no demo offer, quiet), and signing in as a user in a fresh
// browser context in one language.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { ensureConsoleBuilt } from '../../scripts/build-console.mjs';
import { resolveServeConfig } from '../../src/server/config.js';
import { type Service, startService } from '../../src/server/service.js';
import { type Chromium, launchChromium } from './chromium.js';

/** A loaded machine answers slowly; waiting is bounded, never a sleep. */
export const WAIT = { timeout: 15_000 };

/** `admin` gets `adminPassword` on this first start. */
export async function startConsoleService(dataDir: string, adminPassword: string): Promise<Service> {
  await ensureConsoleBuilt({ quiet: true });
  return startService(resolveServeConfig({ port: '0', dataDir }, { WECOM_SYNC_ADMIN_PASSWORD: adminPassword, WECOM_SYNC_WORKER: 'off', WECOM_SYNC_DEMO: 'off' }), {
    logger: pino({ level: 'silent' }),
    announce: () => {},
  });
}

/**
 * For a describe block: before its tests, a service (as startConsoleService, on a new temp data
 * directory) and Chromium; after them, both closed and the directory removed. Read the fields
 * inside the tests.
 */
export function consoleUnderTest(adminPassword: string): { readonly service: Service; readonly chromium: Chromium } {
  const state = {} as { service: Service; chromium: Chromium; dataDir: string };
  beforeAll(async () => {
    state.dataDir = mkdtempSync(join(tmpdir(), 'wecom-sync-console-'));
    state.service = await startConsoleService(state.dataDir, adminPassword);
    state.chromium = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await state.chromium?.close();
    await state.service?.close();
    if (state.dataDir) rmSync(state.dataDir, { recursive: true, force: true });
  });
  return state;
}

/** Opens `path` in a new context, signs in on the form it shows, and waits for the console. */
export async function signIn(chromium: Chromium, service: Service, opts: { lang: 'zh' | 'en'; password: string; username?: string; path?: string }): Promise<Page> {
  const username = opts.username ?? 'admin';
  const { page } = await chromium.page(opts.lang);
  await page.goto(`${service.url}${opts.path ?? '/'}`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(opts.password);
  await page.getByTestId('login-submit').click();
  await expect.poll(() => page.getByTestId('whoami').textContent(), WAIT).toContain(username);
  return page;
}

/** Waits until no animation runs (dialogs, messages, popups): for a screenshot or a measure of the final state. */
export const settled = (page: Page): Promise<void> =>
  expect
    .poll(() => page.evaluate<number>("document.getAnimations().filter((a) => a.playState === 'running' && a.effect?.getTiming().iterations !== Infinity).length"), { timeout: 10_000, interval: 50 })
    .toBe(0);

/**
 * The open popup (a popconfirm, a popover or a confirmation dialog) lies wholly inside the window,
 * at least `margin` px from each edge: nothing of it is cut at the window's edge.
 */
export async function expectPopupInsideWindow(page: Page, what: string, margin = 8): Promise<void> {
  const popup = page.locator('.ant-popover:visible, .ant-modal-confirm:visible, .ant-modal:visible').last();
  await popup.waitFor(WAIT);
  // placed (and moved into the window) once its opening animation has ended
  await settled(page);
  const box = (await popup.boundingBox())!;
  const { width, height } = page.viewportSize()!;
  const where = `${what} at ${width}×${height}: ${JSON.stringify(box)}`;
  expect(box.x, where).toBeGreaterThanOrEqual(margin);
  expect(box.y, where).toBeGreaterThanOrEqual(margin);
  expect(box.x + box.width, where).toBeLessThanOrEqual(width - margin);
  expect(box.y + box.height, where).toBeLessThanOrEqual(height - margin);
}
