// The console's Plan page on `serve --no-worker` (PostgreSQL), in real headless Chromium: with no
// worker it says so in the reader's language (no plan, no stale Apply); once a `wecom-sync worker`
// runs, Refresh shows the plan the worker made, in Chinese. Screenshots:
// test-output/screenshots/70-plan-no-worker-zh.png, 71-plan-from-worker-zh.png.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../../scripts/build-console.mjs';
import { resolveServeConfig } from '../../src/server/config.js';
import { type Service, startService } from '../../src/server/service.js';
import { type Chromium, launchChromium, screenshot } from '../helpers/chromium.js';
import { connectionInput, createDeployment, type Deployment, type Proc, startProcess, startSimulatorProcess } from '../jobs/cluster.js';

const CORP = 'wwconsoleplans';
const PASSWORD = 'long-enough-password-1'; // the deployment's admin (cluster.ts)

describe('the Plan page on serve --no-worker', () => {
  let d: Deployment;
  let sim: Proc;
  let worker: Proc | undefined;
  let service: Service;
  let chromium: Chromium;

  beforeAll(async () => {
    await ensureConsoleBuilt({ quiet: true });
    [d, sim] = await Promise.all([createDeployment(), startSimulatorProcess([CORP])]);
    await d.connections.create(connectionInput('acme', CORP, sim.url));
    const org = await d.directory.createOrganization({ name: '研发部' });
    await d.directory.createAccount({ username: 'zhangsan', displayName: '张三', organizationIds: [org.id], mobile: '+86 13800003001' });
    service = await startService(
      resolveServeConfig({ port: '0', worker: false }, { DATABASE_URL: d.db.url, WECOM_SYNC_SECRET_KEY: d.key, WECOM_SYNC_DEMO: 'off', WECOM_SYNC_PLAN_WAIT_SECONDS: '10' }),
      { logger: pino({ level: 'silent' }), announce: () => {} },
    );
    chromium = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await service?.close();
    await Promise.all([worker?.stop('SIGKILL'), sim?.stop('SIGKILL')]);
    await d?.close();
  });

  it('says in Chinese that no worker is available, then shows the plan a worker made', async () => {
    const { page } = await chromium.page('zh');
    await page.goto(service.url);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('whoami').textContent()).toContain('admin');

    await page.goto(`${service.url}/connections/acme/plan`);
    const notice = page.getByTestId('plan-no-worker');
    await notice.waitFor();
    const text = (await notice.textContent()) ?? '';
    expect(text).toContain('暂时没有可用的同步进程');
    expect(text).not.toMatch(/no worker|not call WeCom/i);
    expect(await page.getByTestId('plan-op').count()).toBe(0);
    await screenshot(page, '70-plan-no-worker-zh');

    worker = await startProcess(['worker'], d.env(), /ready on/);
    await page.reload();
    await page.getByTestId('plan-summary').waitFor({ timeout: 20_000 });
    const kinds = await page.getByTestId('plan-op').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
    expect(kinds.sort()).toEqual(['department.create', 'member.create']);
    expect(await page.getByTestId('plan-no-worker').count()).toBe(0);
    expect(await page.locator('body').textContent()).toContain('研发部');
    await screenshot(page, '71-plan-from-worker-zh');
  }, 90_000);
});
