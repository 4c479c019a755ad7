// The identity-provider page in real headless Chromium, in Chinese and in English: create a SCIM
// endpoint (its URL and token shown once, and the token works), issue another token, revoke one
// (it stops at once), change the settings. Screenshots: test-output/screenshots/40-scim-*.png.
import { describe, expect, it } from 'vitest';
import { screenshot } from '../helpers/chromium.js';
import { WAIT, consoleUnderTest, signIn } from '../helpers/console.js';

const ADMIN_PASSWORD = 'console-admin-pass-123';

describe('the SCIM page in Chromium', () => {
  const ui = consoleUnderTest(ADMIN_PASSWORD);

  const signInAs = (lang: 'zh' | 'en') => signIn(ui.chromium, ui.service, { lang, password: ADMIN_PASSWORD, path: '/scim' });
  const scimStatus = async (token: string): Promise<number> => (await fetch(`${ui.service.url}/scim/v2/entra/Users`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('creates an endpoint in Chinese: the URL and the token are shown once, and the token works', async () => {
    const page = await signInAs('zh');
    await expect.poll(() => page.getByText('还没有 SCIM 端点').count(), WAIT).toBe(1);
    await page.getByTestId('new-endpoint').click();
    await page.getByTestId('endpoint-name').fill('entra');
    await screenshot(page, '40-scim-create-zh');
    await page.getByTestId('endpoint-submit').click();
    const token = page.getByTestId('issued-token');
    await expect.poll(() => token.count(), WAIT).toBe(1);
    const text = (await token.textContent())!;
    expect(text).toMatch(/^wsc_/);
    expect(await page.getByTestId('issued-url').textContent()).toBe(`${ui.service.url}/scim/v2/entra`);
    expect(await page.getByText('?aadOptscim062020').count()).toBeGreaterThan(0);
    await screenshot(page, '41-scim-token-zh');
    expect(await scimStatus(text)).toBe(200);
    await page.getByTestId('issued-done').click();
    await expect.poll(() => page.getByTestId('tokens-entra').textContent(), WAIT).toContain('default');
    await screenshot(page, '42-scim-list-zh');
    await page.context().close();
  });

  it('issues and revokes tokens and changes the settings in English', async () => {
    const page = await signInAs('en');
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
