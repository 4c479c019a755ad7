// The console after the secret key was lost, in real headless Chromium: a banner on every page names
// the connections whose stored secrets cannot be decrypted (in Chinese and in English); their form
// marks those fields; entering the secrets again and saving repairs the connection and the banner
// goes away. Screenshots: test-output/screenshots/30-secrets-banner-*.png.
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
const SECRET = 'console-sync-secret-0123456789abcdef';

describe('the lost-key banner in Chromium', () => {
  let dataDir: string;
  let service: Service;
  let chromium: Chromium;

  const start = () =>
    startService(resolveServeConfig({ port: '0', dataDir }, { WECOM_SYNC_ADMIN_PASSWORD: ADMIN_PASSWORD, WECOM_SYNC_WORKER: 'off', WECOM_SYNC_DEMO: 'off' }), {
      logger: pino({ level: 'silent' }),
      announce: () => {},
    });

  beforeAll(async () => {
    await ensureConsoleBuilt({ quiet: true });
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-sync-banner-'));
    service = await start();
    const base = { corpId: 'ww0123456789abcdef', secret: SECRET, rootDepartmentId: 1 };
    await service.sync.connections.create({ ...base, name: 'acme', proxies: '127.0.0.1:1', proxyUsername: 'egress', proxyPassword: 'proxy-pass-42' });
    await service.sync.connections.create({ ...base, name: '华东分公司' });
    await service.close();
    rmSync(join(dataDir, 'secret.key')); // lost: the next start makes a new key
    service = await start();
    chromium = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await service?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const signIn = async (lang: 'zh' | 'en') => {
    const { page } = await chromium.page(lang);
    await page.goto(service.url);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('whoami').textContent()).toContain('admin');
    return page;
  };

  it('names the connections in Chinese', async () => {
    const page = await signIn('zh');
    const banner = page.getByTestId('secrets-banner');
    await expect.poll(() => banner.textContent()).toContain('有连接保存的密钥无法解密');
    const text = (await banner.textContent())!;
    expect(text).toContain('acme (通讯录同步Secret, 代理密码)');
    expect(text).toContain('华东分公司 (通讯录同步Secret)');
    await screenshot(page, '30-secrets-banner-zh');
    await page.context().close();
  });

  it('names them in English, marks the fields, and goes away once the secrets are entered again', async () => {
    const page = await signIn('en');
    const banner = page.getByTestId('secrets-banner');
    await expect.poll(() => banner.textContent()).toContain('Stored connection secrets cannot be decrypted');
    expect(await banner.textContent()).toContain('acme (Address Book Sync Secret, proxy password)');
    await screenshot(page, '30-secrets-banner-en');

    await banner.getByRole('link', { name: 'acme' }).click();
    await expect.poll(() => page.getByText('cannot be decrypted — enter it again').count()).toBe(2);
    await screenshot(page, '31-secrets-form-en');
    // saving without the proxy password is refused by the form: both must be entered again
    await page.getByTestId('field-secret').fill(SECRET);
    await page.getByTestId('connection-save').click();
    await expect.poll(() => page.locator('.ant-form-item-explain-error').count()).toBeGreaterThan(0);
    await page.getByTestId('field-proxyPassword').fill('proxy-pass-42');
    await page.getByTestId('connection-save').click();
    await expect.poll(() => banner.textContent()).not.toContain('acme (');
    expect(await banner.textContent()).toContain('华东分公司');
    expect((await service.sync.connections.unreadableSecrets()).map((u) => u.name)).toEqual(['华东分公司']);
    await page.context().close();
  });
});
