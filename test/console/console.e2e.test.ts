// The console, end to end in real headless Chromium (Debian's chromium via playwright-core), against
// the real service (in-process `serve` with its sync worker), the WeCom simulator over HTTPS and a
// real tinyproxy whose egress address is the company's trusted IP. An admin signs in, creates the
// connection through the form with the seed's fields (and scope, deletion policies and safety
// threshold, checked as stored; an edit sends only the changed policy), tests it, previews the mapping and the plan,
// applies it, sees the members in the run's results and an account's per-connection sync status in
// the directory, edits an account in the directory browser and sees the change reach the simulator,
// provokes a failure (a mobile WeCom already has: 60104) and finds it in the account's status and
// in the runs page's "Needs attention" card. Screenshots of each page go to test-output/screenshots/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../scripts/build-console.mjs';
import { resolveServeConfig } from '../../src/server/config.js';
import { type Service, startService } from '../../src/server/service.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { type Chromium, launchChromium, screenshot } from '../helpers/chromium.js';
import { signIn } from '../helpers/console.js';
import { type RunningTinyproxy, startTinyproxy } from '../helpers/tinyproxy.js';

const CORP = { corpid: 'wwconsole000000001', secret: 'console-sync-secret-0123456789abcdef' };
const PROXY = { username: 'egress', password: 'proxy-pass-console-42' };
const ADMIN_PASSWORD = 'console-admin-pass-123';

interface StoredConnection {
  scope: { organizationRoots: string[] };
  policies: { onAccountDeleted: string; onAccountDisabled: string; onOrganizationDeleted: string; safety: { maxDeletes: number; maxDeletePercent: number } };
}

// Each test walks several pages: on a loaded 2-core CI machine that takes longer than the default 30 s.
describe('the web console in Chromium', { timeout: 90_000 }, () => {
  let dataDir: string;
  let sim: RunningSimulator;
  let proxy: RunningTinyproxy;
  let service: Service;
  let chromium: Chromium;
  let page: Page;
  /** Directory ids of the seeded accounts and of the organization the connection's scope names. */
  const ids = { lina: '', wangfang: '', rd: '' };

  beforeAll(async () => {
    await ensureConsoleBuilt({ quiet: true });
    sim = await startSimulator({ port: 0, corps: [{ corpid: CORP.corpid, secret: CORP.secret }], trustedIps: ['127.0.0.2'] });
    proxy = await startTinyproxy({ egress: '127.0.0.2', connectPorts: [sim.port], ...PROXY });
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-sync-console-'));
    service = await startService(
      resolveServeConfig({ port: '0', dataDir }, { WECOM_SYNC_ADMIN_PASSWORD: ADMIN_PASSWORD, WECOM_SYNC_FULL_INTERVAL: '0' }),
      { logger: pino({ level: 'silent' }), announce: () => {}, sync: { pollMs: 100 } },
    );
    // A small directory: 研发中心 with two teams and three people.
    const { store } = service;
    const { Directory } = await import('../../src/directory/directory.js');
    const d = new Directory(store);
    const rd = await d.createOrganization({ name: '研发中心' });
    const platform = await d.createOrganization({ name: '平台研发部', parentId: rd.id });
    const mobile = await d.createOrganization({ name: '移动端研发部', parentId: rd.id });
    const lead = await d.createAccount({ username: 'zhangwei', displayName: '张伟', organizationIds: [rd.id], mobile: '13800000001', email: 'zhangwei@example.com', title: '研发总监' });
    const lina = await d.createAccount({ username: 'lina', displayName: '李娜', organizationIds: [platform.id], mobile: '13800000002', managerId: lead.id, title: '工程师' });
    const wangfang = await d.createAccount({ username: 'wangfang', displayName: '王芳', organizationIds: [mobile.id], email: 'wangfang@example.com', managerId: lead.id });
    Object.assign(ids, { lina: lina.id, wangfang: wangfang.id, rd: rd.id });
    chromium = await launchChromium();
    page = (await chromium.page('en')).page;
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await service?.close();
    await proxy?.stop();
    await sim?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const members = () => sim.sim.company(CORP.corpid).members;

  it('signs in', async () => {
    await page.goto(service.url);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill('wrong-password-1');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByText(/wrong username or password/i).count()).toBeGreaterThan(0);
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('whoami').textContent()).toContain('admin');
    await screenshot(page, '10-connections-empty-en');
  });

  it('creates the connection through the form with the seed fields, and its test passes through the proxy', async () => {
    await page.getByTestId('new-connection').click();
    await page.getByTestId('field-name').fill('acme');
    await page.getByTestId('field-corpId').fill(CORP.corpid);
    await page.getByTestId('field-secret').fill(CORP.secret);
    await page.getByTestId('field-rootDepartmentId').fill('1');
    await page.getByTestId('field-proxies').fill(proxy.address);
    await page.getByTestId('field-proxies').press('Enter');
    await page.getByTestId('field-proxyUsername').fill(PROXY.username);
    await page.getByTestId('field-proxyPassword').fill(PROXY.password);
    // scope: the 研发中心 subtree, picked in the organization tree; a deletion deletes; a tighter threshold
    await page.getByTestId('field-scope').click();
    await page.keyboard.type('研发中心');
    await page.locator('.ant-select-tree-title', { hasText: /^研发中心$/ }).click();
    await page.keyboard.press('Escape');
    // (a later test deletes an account under the default policy, disable, within this threshold)
    await page.getByTestId('field-onAccountDisabled-delete').click();
    await page.getByTestId('field-maxDeletes').fill('10');
    await page.getByTestId('field-maxDeletePercent').fill('50');
    await page.getByTestId('advanced-toggle').click();
    await page.getByTestId('field-apiBase').fill(sim.url);
    await page.getByTestId('field-caPem').fill(sim.caPem!);
    await screenshot(page, '11-connection-form-en');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await screenshot(page, '11-connection-form-en-1920');
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.getByTestId('connection-save').click();
    await page.waitForURL(/\/connections\/acme$/);
    // stored as chosen
    const created = (await (await page.request.get(`${service.url}/api/v1/connections/acme`)).json()) as StoredConnection;
    expect(created.scope.organizationRoots).toEqual([ids.rd]);
    expect(created.policies).toEqual({ onAccountDeleted: 'disable', onAccountDisabled: 'delete', onOrganizationDeleted: 'delete', safety: { maxDeletes: 10, maxDeletePercent: 50 } });
    // an edit sends only what changed: one policy (once the stored connection has loaded into the form)
    await page.getByTestId('connection-delete').waitFor();
    await page.getByTestId('field-onOrganizationDeleted-keep').click();
    const patch = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith('/api/v1/connections/acme'));
    await page.getByTestId('connection-save').click();
    expect((await patch).postDataJSON()).toEqual({ policies: { onOrganizationDeleted: 'keep' } });
    await expect
      .poll(async () => ((await (await page.request.get(`${service.url}/api/v1/connections/acme`)).json()) as StoredConnection).policies.onOrganizationDeleted)
      .toBe('keep');

    await page.getByTestId('connection-test').click();
    const token = page.getByTestId('check-token');
    await expect.poll(() => token.getAttribute('data-status'), { timeout: 20_000 }).toBe('ok');
    expect(await page.getByTestId('check-root-department').getAttribute('data-status')).toBe('ok');
    // The verdict names the trusted egress IP the call left from.
    await expect.poll(() => page.getByTestId('test-result').textContent()).toContain('127.0.0.2');
    await screenshot(page, '12-connection-test-en');
    // The secrets were stored, never shown.
    const html = await page.content();
    expect(html).not.toContain(CORP.secret);
    expect(html).not.toContain(PROXY.password);
  });

  it('says a new connection has not synced yet, and Sync now offers the plan before a first run', async () => {
    await page.goto(`${service.url}/connections`);
    // not "N changes not synced": the directory's whole history means nothing before the first run
    await expect.poll(() => page.getByTestId('sync-state-acme').getByTestId('changes').getAttribute('data-state')).toBe('never');
    expect(await page.getByTestId('sync-state-acme').textContent()).toContain('Not synced yet');
    await page.goto(`${service.url}/connections/acme/runs`);
    expect(await page.getByTestId('changes').getAttribute('data-state', { timeout: 10_000 })).toBe('never');
    await page.getByTestId('sync-now').click();
    expect(await page.getByTestId('sync-now-confirm').getAttribute('data-first')).toBe('true');
    await screenshot(page, '13-sync-now-first-en');
    await page.getByTestId('sync-now-plan').click();
    await page.waitForURL(/\/connections\/acme\/plan$/);
    expect(await page.request.get(`${service.url}/api/v1/connections/acme/runs`).then(async (r) => ((await r.json()) as { items: unknown[] }).items.length)).toBe(0);
  });

  it('previews the mapping on a sample account', async () => {
    await page.goto(`${service.url}/connections/acme/mapping`);
    await page.getByTestId('preview-account').click();
    await page.keyboard.type('lina');
    await page.getByText(/李娜/).last().click();
    const name = page.getByTestId('preview-members.name');
    await expect.poll(() => name.textContent(), { timeout: 10_000 }).toContain('李娜');
    await screenshot(page, '13-mapping-preview-en');

    // an unsaved edit is not lost without a word: leaving asks first
    await page.getByTestId('mapping-members-position').fill('upper(title)');
    await page.getByRole('menuitem', { name: 'Directory' }).click();
    await page.getByTestId('unsaved-stay').click();
    expect(new URL(page.url()).pathname).toBe('/connections/acme/mapping');
    expect(await page.getByTestId('mapping-members-position').inputValue()).toBe('upper(title)');
    await page.getByRole('menuitem', { name: 'Directory' }).click();
    await page.getByTestId('unsaved-leave').click();
    await page.waitForURL(/\/directory$/);
  });

  it('shows the plan as a diff, applies it and lists the members in the run result', async () => {
    await page.goto(`${service.url}/connections/acme/plan`);
    await page.getByTestId('plan-summary').waitFor();
    const kinds = await page.getByTestId('plan-op').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
    expect(kinds.filter((k) => k === 'department.create').length, kinds.join()).toBe(3);
    // the members, then their direct_leader once the leader exists in WeCom
    expect(kinds.filter((k) => k === 'member.create').length, kinds.join()).toBe(3);
    // the expected duration under the connection's rate budget: a few calls wait for nothing
    expect(await page.getByTestId('plan-estimate').textContent()).toContain('no waiting');
    await screenshot(page, '14-plan-preview-en');

    await page.getByTestId('plan-apply').click();
    await page.getByTestId('plan-apply-confirm').click();
    await page.waitForURL(/\/runs\//);
    const status = page.getByTestId('run-status');
    await expect.poll(() => status.getAttribute('data-finished'), { timeout: 60_000 }).toBe('true');
    expect(await status.getAttribute('data-status')).toBe('succeeded');
    const targets = await page.getByTestId('run-op').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-target')));
    for (const userid of ['zhangwei', 'lina', 'wangfang']) expect(targets.some((t) => t?.includes(userid))).toBe(true);
    expect(members().find('lina')?.name).toBe('李娜');
    await screenshot(page, '15-run-result-en');
  });

  it("shows an account's and an organization's sync status per connection in the directory", async () => {
    await page.goto(`${service.url}/directory`);
    await page.getByTestId('org-tree').waitFor();
    // an organization selected in the tree: its status under the tree
    await page.getByTestId('org-tree').getByText('平台研发部').click();
    const org = page.getByTestId('org-sync-status').getByTestId('sync-status-acme');
    await expect.poll(() => org.getAttribute('data-verdict'), { timeout: 10_000 }).toBe('in-sync');
    expect(await org.getByTestId('sync-status-wecom-id').textContent()).toMatch(/^\d+$/);
    // an account: its status in a drawer, one block per connection
    await page.getByTestId('status-account-lina').click();
    const block = page.getByTestId('sync-status-drawer').getByTestId('sync-status-acme');
    await expect.poll(() => block.getAttribute('data-verdict'), { timeout: 10_000 }).toBe('in-sync');
    expect(await block.getByTestId('sync-status-wecom-id').textContent()).toBe('lina');
    expect(await block.getByTestId('sync-status-message').textContent()).toContain('WeCom member lina matches the directory');
    expect(await block.getByTestId('sync-status-last-op').getAttribute('data-status')).toBe('succeeded');
    expect(await block.getByTestId('sync-status-shadow').textContent()).toContain('李娜');
    expect(page.url()).toContain(`account=${ids.lina}`);
    await screenshot(page, '21-sync-status-en');
  });

  it('edits an account in the directory browser and the change reaches WeCom', async () => {
    await page.goto(`${service.url}/directory`);
    await page.getByTestId('org-tree').waitFor();
    await page.getByTestId('account-search').fill('wangfang');
    await page.getByTestId('edit-account-wangfang').click();
    await page.getByTestId('account-name').fill('王芳芳');
    await page.getByTestId('account-save').click();
    await expect.poll(() => members().find('wangfang')?.name, { timeout: 30_000, interval: 100 }).toBe('王芳芳');
    await screenshot(page, '16-directory-en');
  });

  it("shows a change WeCom refuses in the account's status and in the runs page's needs-attention card", async () => {
    // wangfang gets lina's mobile: WeCom refuses the update (60104 mobile existed)
    await page.goto(`${service.url}/directory`);
    await page.getByTestId('org-tree').waitFor();
    await page.getByTestId('account-search').fill('wangfang');
    await page.getByTestId('edit-account-wangfang').click();
    await page.getByTestId('account-mobile').fill('13800000002');
    // caught where it is typed: the drawer names the account that already has the number
    const held = page.getByTestId('account-mobile-held');
    await held.waitFor();
    expect(await held.textContent()).toContain('李娜 (lina)');
    await screenshot(page, '22-mobile-held-en');
    await page.getByTestId('account-save').click();
    await page.getByTestId('status-account-wangfang').click();
    const block = page.getByTestId('sync-status-drawer').getByTestId('sync-status-acme');
    // pending until the incremental run has answered (the drawer reloads itself while pending; refresh too, as a user would)
    await expect
      .poll(
        async () => {
          const verdict = await block.getAttribute('data-verdict');
          if (verdict !== 'failed') await page.getByTestId('sync-status-refresh').click();
          return verdict;
        },
        { timeout: 30_000 },
      )
      .toBe('failed');
    expect(await block.getByTestId('sync-status-wecom-id').textContent()).toBe('wangfang');
    expect(await block.getByTestId('sync-status-last-op').getAttribute('data-status')).toBe('failed');
    expect(await block.getByTestId('sync-status-last-op').textContent()).toContain('60104');
    expect(await block.getByTestId('sync-status-message').textContent()).toMatch(/Failed: updating the member .*errcode 60104/);
    expect(members().find('wangfang')?.mobile ?? '').not.toContain('13800000002');

    // the runs page lists it under "Needs attention", with WeCom's errcode and links to the run and the directory
    await page.goto(`${service.url}/connections/acme/runs`);
    const attention = page.getByTestId('attention');
    const row = attention.locator(`[data-testid="attention-row"][data-id="${ids.wangfang}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-errcode')).toBe('60104');
    expect(await row.getAttribute('data-verdict')).toBe('failed');
    const text = await row.textContent();
    expect(text).toContain('王芳芳');
    expect(text).toContain('mobile existed');
    expect(await attention.getByTestId('attention-row').count()).toBe(1);
    expect(await row.getByTestId('attention-run').getAttribute('href')).toMatch(/^\/runs\/run_/);
    // the run that sent only this refused update is named for what it was: all failed, not "partial"
    await expect.poll(() => page.locator('[data-outcome="all-failed"]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-outcome="all-failed"]').first().textContent()).toBe('all failed');
    await screenshot(page, '22-attention-en');
    // nothing waits
    await attention.getByTestId('attention-toggle').getByText('Pending').click();
    await expect.poll(() => attention.getAttribute('data-status'), { timeout: 5_000 }).toBe('pending');
    await attention.getByTestId('attention-empty').waitFor();
    await attention.getByTestId('attention-toggle').getByText('Failed').click();
    await row.waitFor();
    // from the row to the account's status in the directory
    await row.getByRole('link', { name: '王芳芳' }).click();
    await page.waitForURL(/\/directory\?account=/);
    await expect.poll(() => page.getByTestId('sync-status-drawer').getByTestId('sync-status-acme').getAttribute('data-verdict'), { timeout: 10_000 }).toBe('failed');
  });

  it('shows two accounts claiming the member a deleted account left under "Needs attention → Conflicts", with both names, in both languages', async () => {
    const { Directory } = await import('../../src/directory/directory.js');
    const d = new Directory(service.store);
    // lina leaves (policy "disable": her member stays, disabled); two new accounts come with her mobile
    await d.deleteAccount(ids.lina);
    await expect.poll(() => members().find('lina')?.status, { timeout: 30_000 }).toBe(2);
    const org = (await d.getTree()).find((o) => o.name === '平台研发部')!;
    const a = await d.createAccount({ username: 'lina.a', displayName: '李娜甲', organizationIds: [org.id], mobile: '13800000002' });
    const b = await d.createAccount({ username: 'lina.b', displayName: '李娜乙', organizationIds: [org.id], mobile: '13800000002' });
    await page.goto(`${service.url}/connections/acme/runs`);
    const attention = page.getByTestId('attention');
    await attention.getByTestId('attention-toggle').getByText('Conflicts').click();
    await expect.poll(() => attention.getAttribute('data-status'), { timeout: 5_000 }).toBe('conflict');
    // the incremental run stores the conflict; the card shows it once read again
    await expect
      .poll(
        async () => {
          const n = await attention.locator('[data-testid="attention-row"][data-verdict="conflict"]').count();
          if (n < 2) await page.reload();
          if (n < 2) await attention.getByTestId('attention-toggle').getByText('Conflicts').click();
          return n;
        },
        { timeout: 30_000 },
      )
      .toBe(2);
    for (const id of [a.id, b.id]) {
      const text = await attention.locator(`[data-testid="attention-row"][data-id="${id}"]`).textContent();
      expect(text).toContain('李娜甲');
      expect(text).toContain('李娜乙');
      expect(text).toContain('"lina"');
    }
    expect(members().find('lina')?.status).toBe(2); // given to neither
    await screenshot(page, '23-attention-conflicts-en');
    for (const width of [1920]) {
      await page.setViewportSize({ width, height: 900 });
      await screenshot(page, `23-attention-conflicts-en-${width}`);
    }
    await page.setViewportSize({ width: 1366, height: 900 });
    const zh = await signIn(chromium, service, { lang: 'zh', password: ADMIN_PASSWORD, path: '/connections/acme/runs' });
    const card = zh.getByTestId('attention');
    await card.getByTestId('attention-toggle').getByText('冲突').click();
    const row = card.locator(`[data-testid="attention-row"][data-id="${a.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toMatch(/李娜甲.*和.*李娜乙.*都按手机号对应/);
    await screenshot(zh, '23-attention-conflicts-zh');
    await zh.setViewportSize({ width: 1920, height: 900 });
    await screenshot(zh, '23-attention-conflicts-zh-1920');
    await zh.close();
  });

  it('lists the runs and the audit log, and draws the console in Chinese', async () => {
    await page.goto(`${service.url}/connections/acme/runs`);
    await expect.poll(() => page.getByTestId('run-row').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    // each page has its own title, and <html lang> is the language shown
    expect(await page.title()).toBe('Runs · acme · wecom-sync');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await screenshot(page, '17-runs-en');
    // synced since: Sync now still asks (a full run), and Cancel starts nothing
    const before = await page.getByTestId('run-row').count();
    expect(await page.getByTestId('changes').getAttribute('data-state')).not.toBe('never');
    await page.getByTestId('sync-now').click();
    expect(await page.getByTestId('sync-now-confirm').getAttribute('data-first')).toBe('false');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByTestId('sync-now-confirm').isVisible()).toBe(false);
    expect(await page.getByTestId('run-row').count()).toBe(before);
    // the connections list: the last run and its time
    await page.goto(`${service.url}/connections`);
    await expect.poll(() => page.getByTestId('sync-state-acme').textContent()).toMatch(/last run/);
    await screenshot(page, '19-connections-en');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await screenshot(page, '19-connections-en-1920');
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(`${service.url}/audit`);
    await expect.poll(() => page.getByTestId('audit-row').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const audit = await page.getByTestId('audit-row').allTextContents();
    expect(audit.join('\n')).not.toContain(CORP.secret);
    await screenshot(page, '18-audit-en');

    // Same browser, new context: sign in again, in Chinese.
    const zh = await signIn(chromium, service, { lang: 'zh', password: ADMIN_PASSWORD });
    await zh.getByTestId('connection-row-acme').waitFor();
    expect(await zh.locator('body').textContent()).toContain('企业微信');
    expect(await zh.title()).toBe('企业微信连接 · wecom-sync');
    expect(await zh.locator('html').getAttribute('lang')).toBe('zh-CN');
    await expect.poll(() => zh.getByTestId('sync-state-acme').textContent()).toContain('上次同步');
    await screenshot(zh, '19-connections-zh');
    await zh.setViewportSize({ width: 1920, height: 1080 });
    await screenshot(zh, '19-connections-zh-1920');
    await zh.setViewportSize({ width: 1366, height: 900 });
    await zh.goto(`${service.url}/connections/acme/runs`);
    await zh.getByTestId('changes').waitFor();
    const runsText = (await zh.locator('body').textContent()) ?? '';
    expect(runsText).not.toMatch(/变更游标|最新序号/);
    await screenshot(zh, '17-runs-zh');
    await zh.goto(`${service.url}/connections/acme`);
    await zh.getByTestId('field-corpId').waitFor();
    expect(await zh.locator('body').textContent()).toContain('企业ID');
    // the stored scope and policies, in Chinese
    expect(await zh.getByTestId('field-scope').textContent()).toContain('研发中心');
    expect(await zh.locator('body').textContent()).toContain('安全阈值');
    await screenshot(zh, '20-connection-form-zh');
    await zh.setViewportSize({ width: 1920, height: 1080 });
    await screenshot(zh, '20-connection-form-zh-1920');
  });

  it('keeps every column of the directory table readable at 1366, 1440 and 1920 px, in Chinese and English', async () => {
    const zh = await signIn(chromium, service, { lang: 'zh', password: ADMIN_PASSWORD });
    for (const [lang, p] of [['en', page], ['zh', zh]] as const)
      for (const width of [1366, 1440, 1920]) {
        await p.setViewportSize({ width, height: 900 });
        await p.goto(`${service.url}/directory`);
        await p.getByTestId('account-row-zhangwei').waitFor();
        const table = p.getByTestId('accounts-table');
        // nothing cut: the table fits its card without scrolling sideways
        const overflow = await table.locator('.ant-table-content').first().evaluate((el) => el.scrollWidth - el.clientWidth);
        expect(overflow, `${lang} at ${width} px: the table scrolls sideways`).toBeLessThanOrEqual(1);
        const layout = await table.locator('thead').first().evaluate((thead) => ({
          height: thead.getBoundingClientRect().height,
          cells: [...thead.querySelectorAll('th')]
            .filter((th) => (th.textContent ?? '').trim() !== '')
            .map((th) => ({ text: (th.textContent ?? '').trim(), width: th.getBoundingClientRect().width, fits: th.scrollWidth <= th.clientWidth + 1 })),
        }));
        const where = `${lang} at ${width} px`;
        // the e-mail column is left out below 1600 px (it is in the edit drawer)
        expect(layout.cells.map((c) => c.text).length, where).toBe(width >= 1600 ? 7 : 6);
        for (const c of layout.cells) {
          expect(c.width, `${where}: column "${c.text}"`).toBeGreaterThanOrEqual(60);
          expect(c.fits, `${where}: column "${c.text}" fits its header`).toBe(true);
        }
        // one line of header text: an antd small table's header row is about 39 px
        expect(layout.height, `${where}: header height`).toBeLessThan(50);
        // no white frame around the page
        expect(await p.locator('body').evaluate((b) => b.ownerDocument.defaultView?.getComputedStyle(b).margin), where).toBe('0px');
        if (width !== 1440) await screenshot(p, `23-directory-${width}-${lang}`);
      }
    await page.setViewportSize({ width: 1366, height: 900 });
  });
});
