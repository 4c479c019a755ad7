// The admin's whole job in the console, as issue 12's "done when" walks it, in real headless
// Chromium against the real service (its sync worker, the demo with its built-in simulator) and a
// WeCom simulator for the company's own connection: try the demo → remove it → create the real
// connection with its scope, deletion policies and safety threshold in the form → import accounts
// from a CSV (the preview shows the bad row; the good rows are imported) → edit an account → the
// plan → apply → the run, opened from the runs list → create a user and set a new password → the
// audit log, where each write reads as a diff with names and masked personal data. Once in Chinese
// at 1366 px (no English prose on any page) and once in English at 1920 px; every step's page is
// also looked at in the other two laptop widths (1366, 1440, 1920 px), where it must not run wider
// than the window. Each step asserts what the admin must see. Screenshots:
// test-output/screenshots/70-walk-<lang>-<width>-<step>.png.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../scripts/build-console.mjs';
import { Directory } from '../../src/directory/directory.js';
import { resolveServeConfig } from '../../src/server/config.js';
import { type Service, startService } from '../../src/server/service.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { type Chromium, launchChromium, screenshot } from '../helpers/chromium.js';
import { WAIT, expectPopupInsideWindow, settled } from '../helpers/console.js';
import { englishProse, unlabelled } from '../helpers/prose.js';

const ADMIN_PASSWORD = 'walk-admin-pass-123';
const CORP = { corpid: 'wwa1b2c3d4e5f60718', secret: 'walk-sync-secret-0123456789abcdef' };

/** What the admin reads, per language. */
const TEXT = {
  zh: { created: '目录中新建', saved: '已保存', passwordSet: '已为“wangli”设置新密码', title: '职务', mobile: '手机', scope: '同步范围', org: '青禾科技' },
  en: { created: 'created in directory', saved: 'Saved', passwordSet: 'New password set for “wangli”', title: 'Position', mobile: 'Mobile', scope: 'Scope', org: '青禾科技' },
};

const CSV =
  'username,name,mobile,email,organizations,status,title\n' +
  'lisi,李四,13800000002,lisi@example.com,青禾科技/产品部,enabled,设计师\n' +
  'zhaoliu,赵六,,not-an-email,青禾科技/销售部,enabled,销售\n' +
  'wangwu,王五,13800000005,wangwu@example.com,青禾科技/销售部,enabled,销售经理\n';

interface Env {
  sim: RunningSimulator;
  service: Service;
  dataDir: string;
  directory: Directory;
  chromium: Chromium;
}

/** A fresh service (demo offered, worker on) over a directory that already holds the company's own organizations and one account. */
async function startEnv(chromium: Chromium): Promise<Env> {
  const sim = await startSimulator({ port: 0, corps: [{ corpid: CORP.corpid, secret: CORP.secret }] });
  const dataDir = mkdtempSync(join(tmpdir(), 'wecom-sync-walk-'));
  const service = await startService(resolveServeConfig({ port: '0', dataDir }, { WECOM_SYNC_ADMIN_PASSWORD: ADMIN_PASSWORD, WECOM_SYNC_FULL_INTERVAL: '0' }), {
    logger: pino({ level: 'silent' }),
    announce: () => {},
    sync: { pollMs: 100 },
  });
  const directory = new Directory(service.store);
  const top = await directory.createOrganization({ name: '青禾科技' });
  const product = await directory.createOrganization({ name: '产品部', parentId: top.id });
  await directory.createOrganization({ name: '销售部', parentId: top.id, order: 10 });
  await directory.createAccount({ username: 'zhangsan', displayName: '张三', organizationIds: [product.id], mobile: '13800000001', title: '产品经理' });
  return { sim, service, dataDir, directory, chromium };
}

async function stopEnv(env: Env | undefined): Promise<void> {
  if (!env) return;
  await env.service.close();
  await env.sim.close();
  rmSync(env.dataDir, { recursive: true, force: true });
}

/** The laptop widths the console must serve. */
const WIDTHS = [1366, 1440, 1920];

async function walk(env: Env, lang: 'zh' | 'en', width: number): Promise<string[]> {
  const { service, sim, directory } = env;
  const T = TEXT[lang];
  const url = (path: string) => `${service.url}${path}`;
  const { context, page } = await env.chromium.page(lang);
  await page.setViewportSize({ width, height: width >= 1920 ? 1080 : 900 });
  const found: string[] = [];
  let step = 0;
  /**
   * The step at every laptop width (this walk's first, then the other two): a screenshot, and the
   * page must not run wider than the window (a cut column, a line that does not wrap). In Chinese,
   * the page's English prose and unlabelled controls are collected too.
   */
  const done = async (name: string) => {
    step += 1;
    for (const w of [width, ...WIDTHS.filter((x) => x !== width)]) {
      if (w !== width) await page.setViewportSize({ width: w, height: 900 });
      await settled(page);
      await screenshot(page, `70-walk-${lang}-${w}-${String(step).padStart(2, '0')}-${name}`);
      const wide = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      if ((wide as number) > 0) found.push(`${name} at ${w} px: the page is ${String(wide)} px wider than the window`);
    }
    await page.setViewportSize({ width, height: width >= 1920 ? 1080 : 900 });
    if (lang === 'zh') found.push(...(await englishProse(page)).map((f) => `${name}: ${f}`), ...(await unlabelled(page)).map((f) => `${name}: no label: ${f}`));
  };

  // ---- 1. sign in, try the demo: a real first sync into the demo's simulator
  await page.goto(url('/connections'));
  await page.getByTestId('login-username').fill('admin');
  await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('demo-start').click();
  const status = page.getByTestId('run-status');
  await expect.poll(() => status.getAttribute('data-finished'), { timeout: 60_000, interval: 250 }).toBe('true');
  expect(await status.getAttribute('data-status')).toBe('succeeded');
  expect(await page.getByTestId('run-op').first().textContent()).toContain(T.created);
  await done('demo-run');

  // ---- 2. remove the demo: its sample company leaves the directory, ours stays; the demo is offered again
  await page.goto(url('/connections'));
  await expect.poll(() => page.getByTestId('demo-banner').getAttribute('data-state'), WAIT).toBe('active');
  await page.getByTestId('demo-remove').click();
  await expectPopupInsideWindow(page, 'the remove-demo confirmation');
  await page.getByTestId('demo-remove-confirm').click();
  await expect.poll(() => page.getByTestId('demo-banner').getAttribute('data-state'), WAIT).toBe('available');
  expect((await directory.getTree()).map((o) => o.name).sort()).toEqual(['产品部', '销售部', '青禾科技'].sort());
  await done('demo-removed');

  // ---- 3. the real connection: the seed's fields, the scope picked in the tree, the policies and the threshold
  const top = (await directory.getTree()).find((o) => o.name === '青禾科技')!;
  await page.getByTestId('new-connection').click();
  await page.getByTestId('field-name').fill('qinghe');
  await page.getByTestId('field-corpId').fill(CORP.corpid);
  await page.getByTestId('field-secret').fill(CORP.secret);
  await page.getByTestId('field-rootDepartmentId').fill('1');
  await page.getByTestId('field-scope').click();
  await page.keyboard.type('青禾');
  await page.locator('.ant-select-tree-title', { hasText: /^青禾科技$/ }).click();
  await page.keyboard.press('Escape');
  await page.getByTestId('field-onAccountDeleted-delete').click();
  await page.getByTestId('field-maxDeletes').fill('5');
  await page.getByTestId('field-maxDeletePercent').fill('20');
  await page.getByTestId('advanced-toggle').click();
  await page.getByTestId('field-apiBase').fill(sim.url);
  await page.getByTestId('field-caPem').fill(sim.caPem!);
  await page.getByTestId('connection-save').click();
  await page.waitForURL(/\/connections\/qinghe$/);
  const stored = (await (await page.request.get(url('/api/v1/connections/qinghe'))).json()) as {
    scope: { organizationRoots: string[] };
    policies: { onAccountDeleted: string; safety: { maxDeletes: number; maxDeletePercent: number } };
  };
  expect(stored.scope.organizationRoots).toEqual([top.id]);
  expect(stored.policies).toMatchObject({ onAccountDeleted: 'delete', safety: { maxDeletes: 5, maxDeletePercent: 20 } });
  await page.getByTestId('connection-delete').waitFor(WAIT);
  // the scope by name once the organization tree has loaded
  await expect.poll(() => page.getByTestId('field-scope').textContent(), WAIT).toContain('青禾科技');
  await done('connection');

  // ---- 4. import: the preview names the bad row and writes nothing; the good rows are imported
  await page.goto(url('/directory'));
  await page.getByTestId('org-tree').locator('.ant-tree-title').getByText('青禾科技', { exact: true }).click();
  await page.getByTestId('import-open').click();
  await page.getByTestId('import-dialog').locator('input[type=file]').setInputFiles({ name: 'accounts.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  const errors = page.getByTestId('import-errors');
  await errors.waitFor(WAIT);
  const cells = await errors.locator('tbody tr').first().locator('td').allTextContents();
  expect(cells.slice(0, 2)).toEqual(['3', 'email']);
  expect(await page.getByTestId('import-confirm').isDisabled()).toBe(true);
  expect((await directory.listAccounts({ username: 'lisi' })).items).toEqual([]);
  await done('import-preview');
  await page.getByTestId('import-skip-invalid').click();
  await page.getByTestId('import-confirm').click();
  await page.getByTestId('import-dialog').waitFor({ state: 'detached', ...WAIT });
  const usernames = (await directory.snapshot()).accounts.map((a) => a.username).sort();
  expect(usernames).toEqual(['lisi', 'wangwu', 'zhangsan']);
  // the new organization's accounts, in the tree the import refreshed
  await page.getByTestId('org-tree').locator('.ant-tree-title').getByText('产品部', { exact: true }).click();
  await page.getByTestId('account-row-lisi').waitFor(WAIT);
  await done('imported');

  // ---- 5. edit an account: a new position (work data) and a new mobile (personal data)
  await page.getByTestId('account-search').fill('zhangsan');
  await page.getByTestId('edit-account-zhangsan').click();
  await page.getByTestId('account-title').fill('高级产品经理');
  await page.getByTestId('account-mobile').fill('13900000009');
  await page.getByTestId('account-save').click();
  await expect.poll(() => page.getByText(T.saved).count(), WAIT).toBeGreaterThan(0);
  await expect.poll(async () => (await directory.getAccountByUsername('zhangsan'))?.title, WAIT).toBe('高级产品经理');
  await done('account-edited');

  // ---- 6. the plan: three departments and three members, by name, with why
  await page.goto(url('/connections/qinghe/plan'));
  await page.getByTestId('plan-summary').waitFor(WAIT);
  const kinds = await page.getByTestId('plan-op').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
  expect(kinds.filter((k) => k === 'department.create'), kinds.join()).toHaveLength(3);
  expect(kinds.filter((k) => k === 'member.create'), kinds.join()).toHaveLength(3);
  const names = (await page.getByTestId('plan-op-name').allTextContents()).join(' | ');
  for (const n of ['青禾科技/产品部', '张三', '李四', '王五']) expect(names).toContain(n);
  expect(names).not.toMatch(/\b(acc|org)_[0-9a-z]{6,}/);
  expect(await page.getByTestId('plan-op-reason').first().textContent()).toContain(T.created);
  await done('plan');

  // ---- 7. apply: the run succeeds and WeCom holds the members as edited
  await page.getByTestId('plan-apply').click();
  await expectPopupInsideWindow(page, 'the apply confirmation');
  await page.getByTestId('plan-apply-confirm').click();
  await page.waitForURL(/\/runs\//);
  await expect.poll(() => status.getAttribute('data-finished'), { timeout: 30_000, interval: 250 }).toBe('true');
  expect(await status.getAttribute('data-status')).toBe('succeeded');
  const runPath = new URL(page.url()).pathname;
  const members = sim.sim.company(CORP.corpid).members;
  expect(members.find('zhangsan')).toMatchObject({ name: '张三', position: '高级产品经理' });
  expect(members.find('wangwu')?.name).toBe('王五');
  expect(members.find('zhaoliu')).toBeUndefined();
  const targets = (await page.getByTestId('run-op-target').allTextContents()).join(' | ');
  expect(targets).toContain('张三');
  await done('run');

  // ---- 8. runs: the run is listed as succeeded and opens
  await page.goto(url('/connections/qinghe/runs'));
  const row = page.getByTestId('run-row').first();
  await row.waitFor(WAIT);
  expect(await row.getAttribute('data-status')).toBe('succeeded');
  await done('runs');
  await row.locator(`a[href="${runPath}"]`).click();
  await page.waitForURL((u) => u.pathname === runPath);
  await expect.poll(() => status.getAttribute('data-status'), WAIT).toBe('succeeded');

  // ---- 9. users: create one with a generated password, then set a new one; each signs in
  await page.goto(url('/users'));
  await page.getByTestId('new-user').click();
  await page.getByTestId('user-username').fill('wangli');
  await page.getByTestId('user-password-generate').click();
  const first = await page.getByTestId('user-password').inputValue();
  await page.getByTestId('user-submit').click();
  await page.getByTestId('user-row-wangli').waitFor(WAIT);
  await page.getByTestId('reset-wangli').click();
  await page.getByTestId('reset-password-generate').click();
  const second = await page.getByTestId('reset-password').inputValue();
  expect(second).not.toBe(first);
  await page.getByTestId('reset-submit').click();
  await expect.poll(() => page.getByText(T.passwordSet).count(), WAIT).toBeGreaterThan(0);
  const login = async (password: string) =>
    (await fetch(url('/api/v1/auth/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'wangli', password }) })).status;
  expect(await login(first)).toBe(401);
  expect(await login(second)).toBe(200);
  await done('users');

  // ---- 10. the audit log: the writes, by name, as diffs; the import preview is not among them
  await page.goto(url('/audit'));
  const auditRows = page.getByTestId('audit-row');
  await auditRows.first().waitFor(WAIT);
  const actions = await page.locator('[data-testid="audit-row"] [data-action]').evaluateAll((tags) => tags.map((t) => t.getAttribute('data-action')));
  for (const a of ['demo.start', 'demo.remove', 'connection.create', 'directory.import', 'account.update', 'run.start', 'user.create', 'user.update']) expect(actions, a).toContain(a);
  expect(actions.filter((a) => a === 'directory.import')).toHaveLength(1);
  const edit = auditRows.filter({ has: page.locator('[data-action="account.update"]') }).first();
  expect(await edit.getByTestId('audit-target-name').textContent()).toBe('张三 (zhangsan)');
  const line = (await edit.getByTestId('audit-changes-line').textContent()) ?? '';
  expect(line).toContain(`${T.title} 产品经理 → 高级产品经理`);
  expect(line).toContain(`${T.mobile} +86****0001 → +86****0009`);
  expect(line).not.toContain('13900000009');
  await edit.locator('.ant-table-row-expand-icon').click();
  const diff = page.getByTestId('audit-diff');
  await diff.waitFor(WAIT);
  expect(await diff.locator('[data-field="title"]').textContent()).toContain('高级产品经理');
  expect(await diff.locator('[data-field="mobile"]').getAttribute('data-kind')).toBe('masked');
  const created = auditRows.filter({ has: page.locator('[data-action="connection.create"]') }).first();
  expect(await created.getByTestId('audit-changes-line').textContent()).toContain(`${T.scope} 青禾科技`);
  await done('audit');

  await context.close();
  return found;
}

describe("the admin's whole job in the console", { timeout: 150_000 }, () => {
  let chromium: Chromium;
  let env: Env | undefined;

  beforeAll(async () => {
    await ensureConsoleBuilt({ quiet: true });
    chromium = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await stopEnv(env);
    await chromium?.close();
  });

  it('in Chinese at 1366 px (and each page at 1440 and 1920 px), with no English prose and nothing wider than the window', async () => {
    env = await startEnv(chromium);
    const found = await walk(env, 'zh', 1366);
    expect(found).toEqual([]);
    await stopEnv(env);
    env = undefined;
  });

  it('in English at 1920 px (and each page at 1366 and 1440 px), nothing wider than the window', async () => {
    env = await startEnv(chromium);
    expect(await walk(env, 'en', 1920)).toEqual([]);
    await stopEnv(env);
    env = undefined;
  });
});
