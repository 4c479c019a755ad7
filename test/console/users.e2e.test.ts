// The user menu, the Users page and the API tokens page in real headless Chromium, in Chinese and
// English: change my own password (a wrong current one is refused in the form), create a user with
// a generated password and disable them, create an API token (shown once, it works) and revoke it
// (it stops at once). Each step is checked against the API the way a user would notice it: who can
// sign in, which token answers. Screenshots at 1366 and 1920 px: test-output/screenshots/50-users-*.png.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot } from '../helpers/chromium.js';
import { WAIT, consoleUnderTest, expectPopupInsideWindow, signIn } from '../helpers/console.js';

const FIRST_PASSWORD = 'console-admin-pass-123';
const NEW_PASSWORD = 'a-better-admin-pass-456';

/** Screenshots at both widths the issue names. */
async function shots(page: Page, name: string): Promise<void> {
  for (const width of [1366, 1920]) {
    await page.setViewportSize({ width, height: width === 1366 ? 900 : 1080 });
    await screenshot(page, `${name}-${width}`);
  }
  await page.setViewportSize({ width: 1366, height: 900 });
}

describe('users, API tokens and my password in Chromium', () => {
  const ui = consoleUnderTest(FIRST_PASSWORD);

  const signInAs = (lang: 'zh' | 'en', password: string, path = '/connections'): Promise<Page> => signIn(ui.chromium, ui.service, { lang, password, path });
  /** What the API answers a sign-in with these credentials (200 signed in, 401 refused). */
  const login = async (username: string, password: string): Promise<number> =>
    (await fetch(`${ui.service.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })).status;
  const tokenStatus = async (token: string): Promise<number> => (await fetch(`${ui.service.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('in Chinese: the user name opens a menu; change my password; create a user and disable them', async () => {
    const page = await signInAs('zh', FIRST_PASSWORD);
    await page.getByTestId('whoami').click();
    await page.getByTestId('menu-password').waitFor(WAIT);
    expect(await page.getByTestId('menu-signout').textContent()).toBe('退出登录');
    await screenshot(page, '50-users-menu-zh');
    await page.getByTestId('menu-password').click();

    // a wrong current password is said under its field; nothing changes
    await page.getByTestId('password-current').fill('not-my-password');
    await page.getByTestId('password-new').fill(NEW_PASSWORD);
    await page.getByTestId('password-confirm').fill(NEW_PASSWORD);
    await page.getByTestId('password-submit').click();
    await expect.poll(() => page.getByText('当前密码不正确').count(), WAIT).toBe(1);
    await shots(page, '51-users-password-zh');
    expect(await login('admin', FIRST_PASSWORD)).toBe(200);

    await page.getByTestId('password-current').fill(FIRST_PASSWORD);
    await page.getByTestId('password-submit').click();
    await expect.poll(() => page.getByText('密码已修改，其他设备上的登录已退出').count(), WAIT).toBe(1);
    expect(await login('admin', FIRST_PASSWORD)).toBe(401);
    expect(await login('admin', NEW_PASSWORD)).toBe(200);

    // Users, from the same menu: create "lisi" with a generated password
    await page.getByTestId('whoami').click();
    await page.getByTestId('menu-users').click();
    await expect.poll(() => page.getByTestId('user-row-admin').textContent(), WAIT).toContain('（你）');
    await page.getByTestId('new-user').click();
    await page.getByTestId('user-username').fill('lisi');
    await page.getByTestId('user-password-generate').click();
    const generated = await page.getByTestId('user-password').inputValue();
    expect(generated).toHaveLength(24);
    await screenshot(page, '52-users-create-zh');
    await page.getByTestId('user-submit').click();
    await expect.poll(() => page.getByTestId('user-row-lisi').textContent(), WAIT).toContain('只读');
    expect(await login('lisi', generated)).toBe(200);

    // disabling her ends her sign-ins; the confirmation, by the window's right edge, is not cut off
    expect(page.viewportSize()?.width).toBe(1366);
    await page.getByTestId('disable-lisi').click();
    await expectPopupInsideWindow(page, 'the disable confirmation');
    await page.getByRole('button', { name: '停 用' }).or(page.getByRole('button', { name: '停用' })).last().click();
    await expect.poll(() => page.getByTestId('user-row-lisi').textContent(), WAIT).toContain('已停用');
    expect(await login('lisi', generated)).toBe(401);
    await shots(page, '53-users-list-zh');
    await page.context().close();
  }, 90_000);

  it('in English: the last admin cannot be made a viewer; an API token is shown once, works, and stops when revoked', async () => {
    const page = await signInAs('en', NEW_PASSWORD, '/users');
    await expect.poll(() => page.getByTestId('user-row-lisi').textContent(), WAIT).toContain('disabled');
    // the only active admin stays admin: the server refuses, the page says why
    await page.getByTestId('role-admin').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option-content', { hasText: /^viewer$/ }).click();
    await expect.poll(() => page.getByText('This is the last active admin', { exact: false }).count(), WAIT).toBe(1);
    await shots(page, '54-users-list-en');

    await page.getByTestId('whoami').click();
    await page.getByTestId('menu-tokens').click();
    await expect.poll(() => page.getByText('No API tokens yet').count(), WAIT).toBe(1);
    await page.getByTestId('new-token').click();
    await page.getByTestId('token-name').fill('nightly-export');
    await page.getByTestId('token-submit').click();
    const shown = page.getByTestId('token-issued');
    await expect.poll(() => shown.count(), WAIT).toBe(1);
    const token = (await shown.textContent())!;
    expect(token).toMatch(/^wst_/);
    await shots(page, '55-users-token-en');
    expect(await tokenStatus(token)).toBe(200);
    await page.getByTestId('token-issued-done').click();
    // listed without its text, with the user it acts for and its role
    const row = page.getByTestId('token-row-nightly-export');
    await expect.poll(() => row.textContent(), WAIT).toContain('admin');
    expect(await row.textContent()).toContain('viewer');
    await expect.poll(async () => (await page.content()).includes(token), WAIT).toBe(false); // gone with the dialog
    await shots(page, '56-users-tokens-en');

    await page.getByTestId('revoke-nightly-export').click();
    await expectPopupInsideWindow(page, 'the revoke confirmation');
    await page.getByRole('button', { name: 'Revoke' }).last().click();
    await expect.poll(() => tokenStatus(token), WAIT).toBe(401);
    await expect.poll(() => row.count(), WAIT).toBe(0); // revoked tokens are hidden unless asked for
    await page.getByTestId('show-revoked').click();
    await expect.poll(() => row.textContent(), WAIT).toContain('revoked');
    await page.context().close();
  }, 90_000);

  it('screenshots of the Users and API tokens pages in the other languages', async () => {
    const en = await signInAs('en', NEW_PASSWORD);
    await en.getByTestId('whoami').click();
    await en.getByTestId('menu-password').click();
    await en.getByTestId('password-current').waitFor(WAIT);
    await shots(en, '57-users-password-en');
    await en.context().close();
    const zh = await signInAs('zh', NEW_PASSWORD, '/tokens');
    await zh.getByTestId('show-revoked').click();
    await expect.poll(() => zh.getByTestId('token-row-nightly-export').textContent(), WAIT).toContain('已吊销');
    await shots(zh, '58-users-tokens-zh');
    await zh.context().close();
  }, 90_000);
});
