// The orphans page in Chromium, against the service and the WeCom simulator over HTTPS: members
// and a department made by hand in WeCom are listed after a full run (why: not linked; only ids
// known), an admin ignores one, asks to delete one (a confirmation says what the deletion policy
// makes of it and that the plan and safety threshold apply), adopts one into the directory and
// links one to a new account; the next full run deletes the requested one in WeCom and writes the
// linked and adopted ones from the directory. Drawn in English and Chinese at 1366 px;
// screenshots go to test-output/screenshots/.
import pino from 'pino';
import type { Page } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../scripts/build-console.mjs';
import { Directory } from '../../src/directory/directory.js';
import { resolveServeConfig } from '../../src/server/config.js';
import { type Service, startService } from '../../src/server/service.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { type Chromium, launchChromium, screenshot } from '../helpers/chromium.js';
import { WAIT, signIn } from '../helpers/console.js';

const CORP = { corpid: 'wworphans000000001', secret: 'orphans-secret-0123456789abcdef' };
const ADMIN_PASSWORD = 'orphans-admin-pass-123';

describe('the orphans page', { timeout: 90_000 }, () => {
  let dataDir: string;
  let sim: RunningSimulator;
  let service: Service;
  let chromium: Chromium;

  beforeAll(async () => {
    await ensureConsoleBuilt({ quiet: true });
    sim = await startSimulator({ port: 0, corps: [{ corpid: CORP.corpid, secret: CORP.secret }] });
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-sync-orphans-'));
    service = await startService(resolveServeConfig({ port: '0', dataDir }, { WECOM_SYNC_ADMIN_PASSWORD: ADMIN_PASSWORD, WECOM_SYNC_WORKER: 'off', WECOM_SYNC_DEMO: 'off' }), {
      logger: pino({ level: 'silent' }),
      announce: () => {},
    });
    const d = new Directory(service.store);
    const rd = await d.createOrganization({ name: '研发中心' });
    await d.createAccount({ username: 'lina', displayName: '李娜', organizationIds: [rd.id], mobile: '13800000002' });
    // made by hand in WeCom, under the connection's root
    sim.sim.seedDepartment(CORP.corpid, { name: '临时项目组', parentid: 1, id: 50 });
    [['amy', '13900000001'], ['tom', '13900000002'], ['ivy', '13900000003'], ['zed', '13900000004']].forEach(([userid, mobile]) => sim.sim.seedMember(CORP.corpid, { userid, name: userid, department: [1], mobile }));
    await service.sync.connections.create({
      name: 'acme', corpId: CORP.corpid, secret: CORP.secret, rootDepartmentId: 1, apiBase: sim.url, caPem: sim.caPem,
      policies: { onAccountDeleted: 'delete', safety: { maxDeletes: 10, maxDeletePercent: 100 } },
    });
    expect((await service.sync.pipeline.apply('acme')).status).toBe('succeeded');
    // a new account, not synced yet (no worker): the member zed made by hand is this person
    await d.createAccount({ username: 'zoe', displayName: '周泽', organizationIds: [rd.id], mobile: '13800000005' });
    chromium = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await service?.close();
    await sim?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const row = (page: Page, id: string) => page.locator(`[data-testid="orphan-row"][data-id="${id}"]`);
  /** Before a screenshot: no tooltip under the pointer, the table's loading veil and any dialog's zoom finished (their transitions end at opacity 1). */
  const settled = async (page: Page) => {
    await page.mouse.move(0, 0);
    const drawn = () =>
      page.evaluate(`[...document.querySelectorAll('.ant-spin-container, .ant-modal')].every((e) => getComputedStyle(e).opacity === '1' && !/zoom/.test(e.className))`);
    await expect.poll(drawn, WAIT).toBe(true);
  };
  const member = (userid: string) => sim.sim.company(CORP.corpid).members.all().find((m) => m.userid === userid);

  it('lists the orphans, ignores, deletes after a confirmation, and adopts', async () => {
    const page = await signIn(chromium, service, { lang: 'en', password: ADMIN_PASSWORD, path: '/connections/acme/orphans' });
    await page.setViewportSize({ width: 1366, height: 800 });
    await row(page, 'amy').waitFor(WAIT);
    // the simulator's company creator, made in WeCom, is no account's either
    expect(await page.getByTestId('orphan-row').count()).toBe(5);
    expect(await row(page, 'tom').getAttribute('data-why')).toBe('not linked');
    expect(await row(page, 'tom').textContent()).toContain('Ids only');
    expect(await page.getByTestId('orphans-note').textContent()).toContain('48009');
    await settled(page);
    await screenshot(page, '40-orphans-en');

    await row(page, 'ivy').getByTestId('orphan-ignore').click();
    await expect.poll(() => row(page, 'ivy').getAttribute('data-decision'), WAIT).toBe('ignore');

    await row(page, 'tom').getByTestId('orphan-delete').click();
    const confirm = page.getByTestId('orphan-delete-confirm');
    await confirm.waitFor(WAIT);
    expect(await confirm.textContent()).toMatch(/next full run deletes this member.*safety threshold/);
    await settled(page);
    await screenshot(page, '41-orphans-delete-confirm-en');
    await page.getByTestId('orphan-delete-ok').click();
    await expect.poll(() => row(page, 'tom').getAttribute('data-decision'), WAIT).toBe('delete');

    await row(page, 'amy').getByTestId('orphan-adopt').click();
    await page.getByTestId('orphan-adopt-name').fill('Amy Wu');
    await page.getByTestId('orphan-adopt-org').click();
    await page.locator('.ant-select-item-option', { hasText: '研发中心' }).click();
    await page.getByTestId('orphan-adopt-ok').click();
    await expect.poll(() => row(page, 'amy').count(), WAIT).toBe(0);
    expect((await new Directory(service.store).getAccountByUsername('amy'))?.displayName).toBe('Amy Wu');

    await row(page, 'zed').getByTestId('orphan-link').click();
    await page.getByTestId('orphan-link-target').click();
    await page.keyboard.type('zoe');
    await page.locator('.ant-select-item-option', { hasText: '周泽 (zoe)' }).click();
    await page.getByTestId('orphan-link-ok').click();
    await expect.poll(() => row(page, 'zed').count(), WAIT).toBe(0);

    await page.getByTestId('orphans-kind').getByText('Departments').click();
    await row(page, '50').waitFor(WAIT);
    await settled(page);
    await screenshot(page, '42-orphans-departments-en');

    // the next full run carries the delete out; the adopted member is written from the directory
    expect((await service.sync.pipeline.apply('acme')).status).toBe('succeeded');
    expect(member('tom')).toBeUndefined();
    expect(member('amy')?.name).toBe('Amy Wu');
    expect(member('zed')?.name).toBe('周泽');
    expect(member('zoe')).toBeUndefined();
    expect(member('ivy')).toBeDefined();
    await page.close();
  });

  it('draws the page in Chinese', async () => {
    const page = await signIn(chromium, service, { lang: 'zh', password: ADMIN_PASSWORD, path: '/connections/acme/orphans' });
    await page.setViewportSize({ width: 1366, height: 800 });
    await row(page, 'ivy').waitFor(WAIT);
    const text = (await page.getByTestId('orphans').textContent()) ?? '';
    for (const s of ['孤立对象', '未关联（手工创建）', '仅 ID', '已忽略', '取消忽略']) expect(text).toContain(s);
    await settled(page);
    await screenshot(page, '40-orphans-zh');
    await row(page, 'ivy').getByTestId('orphan-unignore').click();
    await expect.poll(() => row(page, 'ivy').getAttribute('data-decision'), WAIT).toBe('');
    await row(page, 'ivy').getByTestId('orphan-delete').click();
    const confirm = page.getByTestId('orphan-delete-confirm');
    await confirm.waitFor(WAIT);
    expect(await confirm.textContent()).toContain('安全阈值');
    await settled(page);
    await screenshot(page, '41-orphans-delete-confirm-zh');
    await page.close();
  });
});
