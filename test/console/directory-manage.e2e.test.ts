// Managing the directory in the console, end to end in headless Chromium against the real service
// (no WeCom connection: the directory alone). An admin starts from an empty directory (which says
// how to fill it), creates organizations and an account, edits and moves an organization, is told in
// their language why an organization in use cannot be deleted, deletes an account and an
// organization; then imports a file whose bad row shows in the preview (nothing written), and a good
// one, and exports the directory. Screenshots at 1366 and 1920 px in Chinese and English go to
// test-output/screenshots/.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../scripts/build-console.mjs';
import type { Directory } from '../../src/directory/directory.js';
import { resolveServeConfig } from '../../src/server/config.js';
import { type Service, startService } from '../../src/server/service.js';
import { type Chromium, launchChromium, screenshot } from '../helpers/chromium.js';
import { WAIT, expectPopupInsideWindow, settled } from '../helpers/console.js';

const ADMIN_PASSWORD = 'directory-admin-pass-123';

// Each test walks several pages: on a loaded 2-core CI machine that takes longer than the default 30 s.
describe('managing the directory in the console', { timeout: 90_000 }, () => {
  let dataDir: string;
  let service: Service;
  let directory: Directory;
  let chromium: Chromium;
  let page: Page;

  const signIn = async (p: Page) => {
    await p.goto(`${service.url}/directory`);
    await p.getByTestId('login-username').fill('admin');
    await p.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await p.getByTestId('login-submit').click();
    await p.getByTestId('directory').waitFor();
  };
  const orgNamed = async (name: string) => (await directory.listOrganizations({ q: name, limit: 10 })).items.find((o) => o.name === name);
  const treeNode = (p: Page, name: string) => p.getByTestId('org-tree').locator('.ant-tree-title').getByText(name, { exact: true });
  /**
   * Waits until the page shows the organization as selected: in the URL and in what is drawn (the
   * router updates the URL first and renders the new selection in a transition after it).
   */
  const selectedIs = async (p: Page, id: string, name: string) => {
    await expect.poll(() => new URL(p.url()).searchParams.get('organization'), WAIT).toBe(id);
    await expect.poll(() => p.getByTestId('org-tree').locator('.ant-tree-node-selected').getByText(name, { exact: true }).count(), WAIT).toBe(1);
  };
  /** Selects an organization in the tree, as a person would before acting on it. */
  const select = async (p: Page, name: string) => {
    const id = (await orgNamed(name))!.id;
    // a click on the selected node would deselect it
    if (new URL(p.url()).searchParams.get('organization') !== id) await treeNode(p, name).click();
    await selectedIs(p, id, name);
  };
  /** Picks `name` in the open dialog's parent picker. */
  const pickParent = async (p: Page, name: string) => {
    await p.getByTestId('org-parent').click();
    await p.locator('.ant-select-dropdown:visible .ant-select-tree-title').getByText(name, { exact: true }).click();
  };

  /** Chooses a file in the open import dialog; the preview (a dry run) follows. */
  const chooseFile = (p: Page, name: string, text: string) =>
    p.getByTestId('import-dialog').locator('input[type=file]').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  const BAD_CSV =
    'username,name,mobile,email,organizations,status\n' +
    'wangwu,王五,13800000005,wangwu@example.com,总公司/销售部,enabled\n' +
    'zhaoliu,赵六,,not-an-email,总公司/市场部,enabled\n';
  const GOOD_CSV = BAD_CSV.replace('not-an-email', 'zhaoliu@example.com');

  beforeAll(async () => {
    await ensureConsoleBuilt({ quiet: true });
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-sync-dirmanage-'));
    service = await startService(resolveServeConfig({ port: '0', dataDir }, { WECOM_SYNC_ADMIN_PASSWORD: ADMIN_PASSWORD, WECOM_SYNC_DEMO: 'off' }), {
      logger: pino({ level: 'silent' }),
      announce: () => {},
    });
    const { Directory } = await import('../../src/directory/directory.js');
    directory = new Directory(service.store);
    chromium = await launchChromium();
    page = (await chromium.page('en')).page;
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await service?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('says how to fill an empty directory', async () => {
    await signIn(page);
    const empty = page.getByTestId('directory-empty');
    await empty.waitFor();
    const text = (await empty.textContent()) ?? '';
    for (const way of ['New organization', 'Import', 'SCIM', 'demo']) expect(text).toContain(way);
    await screenshot(page, '40-directory-empty-1366-en');
    const zh = (await chromium.page('zh')).page;
    await signIn(zh);
    expect(await zh.getByTestId('directory-empty').textContent()).toContain('目录是空的');
    await zh.setViewportSize({ width: 1920, height: 900 });
    await screenshot(zh, '40-directory-empty-1920-zh');
    await zh.context().close();
  });

  it('creates organizations, edits one, and moves one under another', async () => {
    await page.getByTestId('empty-new-org').click();
    await page.getByTestId('org-name').fill('总公司');
    await page.getByTestId('org-code').fill('HQ');
    await page.getByTestId('org-save').click();
    await treeNode(page, '总公司').waitFor();
    const hq = await orgNamed('总公司');
    expect(hq).toMatchObject({ parentId: null, code: 'HQ' });

    // the new organization is selected: the next one goes under it
    await selectedIs(page, hq!.id, '总公司');
    await page.getByTestId('org-new').click();
    await page.getByTestId('org-name').fill('销售部');
    await page.getByTestId('org-order').fill('10');
    await page.getByTestId('org-save').click();
    await treeNode(page, '销售部').waitFor();
    expect(await orgNamed('销售部')).toMatchObject({ parentId: hq!.id, order: 10 });

    await select(page, '总公司');
    await page.getByTestId('org-new').click();
    await page.getByTestId('org-name').fill('研发');
    await page.getByTestId('org-save').click();
    await treeNode(page, '研发').waitFor();

    // edit: name and code
    await page.getByTestId('org-edit').click();
    await page.getByTestId('org-name').fill('研发部');
    await page.getByTestId('org-code').fill('RD');
    await page.getByTestId('org-save').click();
    await treeNode(page, '研发部').waitFor();
    const rd = await orgNamed('研发部');
    expect(rd).toMatchObject({ parentId: hq!.id, code: 'RD' });

    // move 研发部 under 销售部; the picker does not offer 研发部 itself
    await page.getByTestId('org-move').click();
    await page.getByTestId('org-parent').click();
    const self = page.locator('.ant-select-dropdown:visible .ant-select-tree-treenode-disabled').getByText('研发部', { exact: true });
    await self.waitFor();
    await page.keyboard.press('Escape');
    await pickParent(page, '销售部');
    await screenshot(page, '41-directory-move-1366-en');
    await page.getByTestId('org-save').click();
    const sales = await orgNamed('销售部');
    await expect.poll(async () => (await orgNamed('研发部'))?.parentId).toBe(sales!.id);
  });

  it('creates an account with the edit form, refuses to delete an organization in use, deletes an account and an organization', async () => {
    await select(page, '销售部');
    await page.getByTestId('account-new').click();
    await page.getByTestId('account-username').fill('zhangsan');
    await page.getByTestId('account-name').fill('张三');
    await page.getByTestId('account-mobile').fill('13800000001');
    await screenshot(page, '42-directory-new-account-1366-en');
    await page.getByTestId('account-save').click();
    await page.getByTestId('account-row-zhangsan').waitFor();
    const sales = await orgNamed('销售部');
    expect((await directory.listAccounts({ username: 'zhangsan' })).items[0]).toMatchObject({ displayName: '张三', mobile: '+86 13800000001', primaryOrganizationId: sales!.id });

    // 销售部 has 研发部 under it and 张三 in it: the console says so, and nothing is deleted
    await page.getByTestId('org-delete').click();
    const refused = page.getByTestId('org-delete-refused');
    await refused.waitFor();
    await settled(page);
    expect(await refused.textContent()).toContain('sub-organizations (1) and accounts (1)');
    await screenshot(page, '43-directory-delete-refused-1366-en');
    await page.getByRole('button', { name: 'Close' }).click();
    expect(await orgNamed('销售部')).toBeDefined();

    await page.getByTestId('delete-account-zhangsan').click();
    // the confirmation of the table's right-most button is wholly inside the window at 1366 px
    expect(page.viewportSize()?.width).toBe(1366);
    await expectPopupInsideWindow(page, 'the account delete confirmation');
    await page.getByTestId('confirm-delete').click();
    await expect.poll(async () => (await directory.listAccounts({ username: 'zhangsan' })).items.length).toBe(0);
    await page.getByTestId('account-row-zhangsan').waitFor({ state: 'detached' });

    await select(page, '研发部');
    await page.getByTestId('org-delete').click();
    await page.getByTestId('confirm-delete').click();
    await expect.poll(async () => (await orgNamed('研发部')) ?? null).toBeNull();
    await treeNode(page, '研发部').waitFor({ state: 'detached' });
  });

  it('imports a file: a bad row shows in the preview and nothing is written; a good file is imported on confirmation', async () => {
    await select(page, '总公司');
    await page.getByTestId('import-open').click();
    await chooseFile(page, 'accounts.csv', BAD_CSV);
    const errors = page.getByTestId('import-errors');
    await errors.waitFor();
    const cells = await errors.locator('tbody tr').first().locator('td').allTextContents();
    expect(cells.slice(0, 2)).toEqual(['3', 'email']);
    expect(cells[2]).toContain('not-an-email');
    expect(await page.getByTestId('import-confirm').isDisabled()).toBe(true);
    expect((await page.getByTestId('import-accounts').textContent()) ?? '').toMatch(/Create\s*1/);
    await settled(page);
    await screenshot(page, '44-directory-import-errors-1366-en');
    // the preview wrote nothing
    expect((await directory.snapshot()).accounts.map((a) => a.username)).toEqual([]);
    expect(await orgNamed('市场部')).toBeUndefined();

    await chooseFile(page, 'accounts.csv', GOOD_CSV);
    await expect.poll(() => page.getByTestId('import-preview').textContent()).toContain('No errors');
    expect(await page.getByTestId('import-errors').count()).toBe(0);
    await page.getByTestId('import-confirm').click();
    await page.getByTestId('import-dialog').waitFor({ state: 'detached' });
    expect((await directory.snapshot()).accounts.map((a) => a.username).sort()).toEqual(['wangwu', 'zhaoliu']);
    await treeNode(page, '市场部').waitFor();
    await page.getByTestId('account-new').waitFor();
    await select(page, '市场部');
    await page.getByTestId('account-row-zhaoliu').waitFor();
  });

  it('exports the directory as a JSON import file (a download)', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()]);
    expect(download.suggestedFilename()).toMatch(/^directory-\d{4}-\d{2}-\d{2}\.json$/);
    const path = await download.path();
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { organizations: Array<{ path: string }>; accounts: Array<{ username: string }> };
    expect(doc.organizations.map((o) => o.path).sort()).toEqual(['总公司', '总公司/市场部', '总公司/销售部']);
    expect(doc.accounts.map((a) => a.username).sort()).toEqual(['wangwu', 'zhaoliu']);
  });

  it('fits 1366 and 1920 px in Chinese and English', async () => {
    const zh = (await chromium.page('zh')).page;
    await signIn(zh);
    for (const [lang, p] of [['en', page], ['zh', zh]] as const)
      for (const width of [1366, 1920]) {
        await p.setViewportSize({ width, height: 900 });
        await p.goto(`${service.url}/directory`);
        await select(p, '销售部');
        await p.getByTestId('account-row-wangwu').waitFor();
        const where = `${lang} at ${width} px`;
        const overflow = await p.getByTestId('accounts-table').locator('.ant-table-content').first().evaluate((el) => el.scrollWidth - el.clientWidth);
        expect(overflow, `${where}: the table scrolls sideways`).toBeLessThanOrEqual(1);
        await expect.poll(() => p.getByTestId('org-toolbar').textContent(), { ...WAIT, message: where }).toContain(lang === 'zh' ? '新建下级组织' : 'New sub-organization');
        await settled(p);
        await screenshot(p, `45-directory-manage-${width}-${lang}`);
        await p.getByTestId('import-open').click();
        await chooseFile(p, 'accounts.csv', BAD_CSV.replace('wangwu', 'sunqi'));
        await p.getByTestId('import-errors').waitFor();
        expect(await p.getByTestId('import-preview').textContent(), where).toContain(lang === 'zh' ? '处错误' : 'errors');
        await settled(p);
        await screenshot(p, `46-directory-import-${width}-${lang}`);
        await p.keyboard.press('Escape');
        await p.getByTestId('import-dialog').waitFor({ state: 'detached' });
        await p.getByTestId('org-edit').click();
        await p.getByTestId('org-name').waitFor();
        await settled(p);
        await screenshot(p, `47-directory-edit-org-${width}-${lang}`);
        await p.keyboard.press('Escape');
      }
  }, 120_000);
});
