// The identity-provider page in real headless Chromium, in Chinese and in English: create a SCIM
// endpoint (its URL and token shown once, and the token works), issue another token, revoke one
// (it stops at once), change the settings. Screenshots: test-output/screenshots/40-scim-*.png.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../scripts/build-console.mjs';
import { resolveServeConfig } from '../../src/server/config.js';
import { type Service, startService } from '../../src/server/service.js';
import { type Chromium, launchChromium, screenshot } from '../helpers/chromium.js';

const ADMIN_PASSWORD = 'console-admin-pass-123';
/** A loaded machine answers slowly; waiting is bounded, never a sleep. */
const WAIT = { timeout: 15_000 };

describe('the SCIM page in Chromium', () => {
  let dataDir: string;
  let service: Service;
  let chromium: Chromium;

  beforeAll(async () => {
    await ensureConsoleBuilt({ quiet: true });
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-sync-scim-console-'));
    service = await startService(resolveServeConfig({ port: '0', dataDir }, { WECOM_SYNC_ADMIN_PASSWORD: ADMIN_PASSWORD, WECOM_SYNC_WORKER: 'off', WECOM_SYNC_DEMO: 'off' }), {
      logger: pino({ level: 'silent' }),
      announce: () => {},
    });
    chromium = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await service?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const signIn = async (lang: 'zh' | 'en') => {
    const { page } = await chromium.page(lang);
    await page.goto(`${service.url}/scim`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('whoami').textContent(), WAIT).toContain('admin');
    return page;
  };
  const scimStatus = async (token: string): Promise<number> => (await fetch(`${service.url}/scim/v2/entra/Users`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('creates an endpoint in Chinese: the URL and the token are shown once, and the token works', async () => {
    const page = await signIn('zh');
    await expect.poll(() => page.getByText('还没有 SCIM 端点').count(), WAIT).toBe(1);
    await page.getByTestId('new-endpoint').click();
    await page.getByTestId('endpoint-name').fill('entra');
    await screenshot(page, '40-scim-create-zh');
    await page.getByTestId('endpoint-submit').click();
    const token = page.getByTestId('issued-token');
    await expect.poll(() => token.count(), WAIT).toBe(1);
    const text = (await token.textContent())!;
    expect(text).toMatch(/^wsc_/);
    expect(await page.getByTestId('issued-url').textContent()).toBe(`${service.url}/scim/v2/entra`);
    expect(await page.getByText('?aadOptscim062020').count()).toBeGreaterThan(0);
    await screenshot(page, '41-scim-token-zh');
    expect(await scimStatus(text)).toBe(200);
    await page.getByTestId('issued-done').click();
    await expect.poll(() => page.getByTestId('tokens-entra').textContent(), WAIT).toContain('default');
    await screenshot(page, '42-scim-list-zh');
    await page.context().close();
  });

  it('issues and revokes tokens and changes the settings in English', async () => {
    const page = await signIn('en');
    await expect.poll(() => page.getByTestId('endpoint-row-entra').count(), WAIT).toBe(1);
    // issue a second token from the tokens panel
    await page.getByTestId('endpoint-row-entra').locator('.ant-table-row-expand-icon').click();
    await page.getByTestId('token-name-entra').fill('okta-migration');
    await page.getByTestId('issue-entra').click();
    const token = page.getByTestId('issued-token');
    await expect.poll(() => token.count(), WAIT).toBe(1);
    const second = (await token.textContent())!;
    await screenshot(page, '43-scim-token-en');
    await page.getByTestId('issued-done').click();
    await expect.poll(() => page.getByTestId('tokens-entra').textContent(), WAIT).toContain('okta-migration');
    expect(await scimStatus(second)).toBe(200);
    // revoke it: it stops at once
    await page.getByTestId('revoke-okta-migration').click();
    await page.getByRole('button', { name: 'Revoke' }).last().click();
    await expect.poll(() => scimStatus(second), WAIT).toBe(401);
    await expect.poll(() => page.getByTestId('tokens-entra').textContent(), WAIT).toContain('revoked');
    // settings: organizations from SCIM groups
    await page.getByTestId('settings-entra').click();
    await page.getByTestId('endpoint-mode').getByText('SCIM groups').click();
    await screenshot(page, '44-scim-settings-en');
    await page.getByTestId('endpoint-submit').click();
    await expect.poll(() => page.getByTestId('endpoint-row-entra').textContent(), WAIT).toContain('SCIM groups');
    await screenshot(page, '45-scim-list-en');
    await page.context().close();
  });
});
