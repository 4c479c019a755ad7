// The LDAP / AD sources page in real headless Chromium against a real slapd: create a source (the
// bind is tested; a wrong password is shown, not stored), Test, Pull now (the skipped entry listed
// with its DN), and a held pull approved from its dialog. Screenshots: test-output/screenshots/50-sources-*.png.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from '../helpers/chromium.js';
import { WAIT, consoleUnderTest, signIn } from '../helpers/console.js';
import { READER_DN, READER_PASSWORD, type RunningSlapd, SUFFIX, startSlapd } from '../helpers/slapd.js';
import { company, ouDn } from '../connectors/ldap/company.js';

const ADMIN_PASSWORD = 'console-admin-pass-123';
const base = `o=console,${SUFFIX}`;
const data = company(base, 12);

let slapd: RunningSlapd;
beforeAll(async () => {
  slapd = await startSlapd();
  await slapd.add(data.entries);
  await slapd.add([{ dn: `uid=bad,${ouDn(['总部'], base)}`, attributes: { objectClass: ['inetOrgPerson'], uid: 'bad', cn: '坏号码', sn: '坏', mobile: '12345' } }]);
}, 30_000);
afterAll(async () => {
  await slapd?.stop();
});

describe('the sources page in Chromium', () => {
  const ui = consoleUnderTest(ADMIN_PASSWORD);

  it('creates, tests and pulls an LDAP source in Chinese; a held pull is approved from its dialog', async () => {
    const page = await signIn(ui.chromium, ui.service, { lang: 'zh', password: ADMIN_PASSWORD, path: '/sources' });
    await expect.poll(() => page.getByText('还没有目录源').count(), WAIT).toBe(1);
    await page.getByTestId('new-source').click();
    await page.getByTestId('source-name').fill('corp');
    await page.getByTestId('source-url').fill(slapd.url);
    await page.getByTestId('source-bind-dn').fill(READER_DN);
    await page.getByTestId('source-bind-password').fill('wrong password');
    await page.getByTestId('source-base-dn').fill(base);
    await page.getByTestId('source-submit').click();
    await expect.poll(() => page.getByTestId('source-error').textContent(), WAIT).toMatch(/拒绝以“cn=reader,dc=example,dc=com”绑定：凭据无效/); // the bind refused, in the console's language
    await page.getByTestId('source-bind-password').fill(READER_PASSWORD);
    await screenshot(page, '50-sources-create-zh');
    await page.getByTestId('source-submit').click();
    await expect.poll(() => page.getByTestId('source-row-corp').count(), WAIT).toBe(1);
    expect(await page.getByTestId('source-row-corp').textContent()).toContain('从未拉取');

    await page.getByTestId('test-corp').click();
    await expect.poll(() => page.getByText('连接正常：搜索条件匹配 13 个用户条目和 8 个组织单位').count(), WAIT).toBeGreaterThan(0);

    await page.getByTestId('pull-corp').click();
    await expect.poll(() => page.getByTestId('status-corp').textContent(), WAIT).toBe('有跳过的条目');
    await expect.poll(() => page.getByTestId('skipped-corp').textContent(), WAIT).toContain(`uid=bad,${ouDn(['总部'], base)}`);
    expect(await page.getByTestId('source-row-corp').textContent()).toContain('8 / 12');
    await screenshot(page, '51-sources-pulled-zh');

    for (const u of data.users.slice(0, 6)) await slapd.del(u.dn);
    await page.getByTestId('pull-corp').click();
    await expect.poll(() => page.getByText('拉取已暂停，未做任何修改').count(), WAIT).toBeGreaterThan(0);
    await screenshot(page, '52-sources-held-zh');
    await page.getByRole('button', { name: '确认并应用' }).click();
    await expect.poll(() => page.getByTestId('source-row-corp').textContent(), WAIT).toContain('8 / 6');
    await page.context().close();
  });
});
