// The LDAP source against a live Active Directory (Samba AD DC, test/helpers/samba.ts): the flavour
// is detected, accounts are keyed by objectGUID, sAMAccountName / displayName / telephoneNumber /
// employeeID / manager map by default, userAccountControl bit 2 disables, deltas poll uSNChanged
// above the highestCommittedUSN (with the DC's invocationID), a moved user stays the same account,
// and a deleted one (a tombstone, out of the key set) is deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../../src/connections/crypto.js';
import { Sources } from '../../../src/connectors/ldap/index.js';
import { Directory } from '../../../src/directory/directory.js';
import { AD_ADMIN_DN, AD_ADMIN_PASSWORD, AD_BASE, type RunningSamba, sambaUnavailable, startSamba } from '../../helpers/samba.js';
import { type TestStore, sqliteBackend } from '../../store/backends.js';

const why = sambaUnavailable();
if (why) console.warn(`[ad.test] skipped: ${why}`);

const HQ = `OU=总部,${AD_BASE}`;
const RD = `OU=研发中心,${HQ}`;
const SALES = `OU=销售部,${HQ}`;
const NORMAL = '544'; // NORMAL_ACCOUNT | PASSWD_NOTREQD (created without a password)
const DISABLED = '546'; // … | ACCOUNTDISABLE

describe.skipIf(why !== null)('Active Directory (Samba AD DC)', () => {
  let ad: RunningSamba;
  let t: TestStore;
  let directory: Directory;
  let sources: Sources;
  const user = (cn: string, sam: string, ou: string, extra: Record<string, string> = {}) =>
    ad.add(`CN=${cn},${ou}`, { objectClass: ['top', 'person', 'organizationalPerson', 'user'], cn, sAMAccountName: sam, displayName: cn, userAccountControl: NORMAL, ...extra });

  beforeAll(async () => {
    ad = await startSamba();
    t = await sqliteBackend.open();
    directory = new Directory(t.store);
    sources = new Sources(directory, SecretBox.fromKey(Buffer.alloc(32, 5)));
    for (const ou of [HQ, RD, SALES]) await ad.add(ou, { objectClass: ['top', 'organizationalUnit'], ou: ou.split(',')[0]!.slice(3) });
    await user('王五', 'wangwu', RD, { title: '总监', mail: 'wangwu@corp.example', mobile: '13800000005', employeeID: 'E1005' });
    await user('张三', 'zhangsan', RD, { telephoneNumber: '+86 13900000001', employeeID: 'E1001', manager: `CN=王五,${RD}` });
    await user('李四', 'lisi', SALES, { mobile: '13700000002' });
    await user('赵六', 'zhaoliu', SALES, { mobile: '13700000006' });
    await user('孙七', 'sunqi', SALES, { mobile: '13700000007' });
  }, 120_000);
  afterAll(async () => {
    await t?.dispose();
    await ad?.stop();
  });

  it('pulls, then deltas by uSNChanged: modify, disable, move, delete', async () => {
    const v = await sources.create('corp-ad', { url: ad.url, baseDn: HQ, bindDn: AD_ADMIN_DN }, AD_ADMIN_PASSWORD);
    expect(v.settings.flavor).toBe('ad');

    const first = await sources.pull('corp-ad');
    expect(first.errors).toEqual([]);
    expect(first.mode).toBe('full');
    expect(first.organizations).toEqual({ created: 3, updated: 0, deleted: 0, unchanged: 0 });
    expect(first.accounts).toEqual({ created: 5, updated: 0, disabled: 0, deleted: 0, unchanged: 0 });
    const cursor = (await sources.show('corp-ad')).cursor!;
    expect(cursor).toMatchObject({ flavor: 'ad', dc: expect.stringMatching(/\./), invocationId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-/) });
    const zhang = (await directory.getAccountByUsername('zhangsan'))!;
    const wang = (await directory.getAccountByUsername('wangwu'))!;
    expect(zhang).toMatchObject({ displayName: '张三', mobile: '+86 13900000001', employeeNumber: 'E1001', managerId: wang.id, status: 'enabled' });
    const link = await t.store.db.selectFrom('source_links').selectAll().where('account_id', '=', zhang.id).executeTakeFirstOrThrow();
    expect(link.key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    await ad.modify(`CN=李四,${SALES}`, { title: '销售经理' });
    await ad.modify(`CN=赵六,${SALES}`, { userAccountControl: DISABLED });
    await ad.rename(`CN=张三,${RD}`, `CN=张三,${SALES}`);
    await ad.del(`CN=孙七,${SALES}`);
    const delta = await sources.pull('corp-ad');
    expect(delta.mode).toBe('delta');
    expect(delta.errors).toEqual([]);
    expect(delta.accounts).toEqual({ created: 0, updated: 2, disabled: 1, deleted: 1, unchanged: 1 });
    expect(Number((await sources.show('corp-ad')).cursor!.usn)).toBeGreaterThan(Number(cursor.usn));
    expect((await directory.getAccountByUsername('lisi'))!.title).toBe('销售经理');
    expect((await directory.getAccountByUsername('zhaoliu'))!.status).toBe('disabled');
    const moved = (await directory.getAccountByUsername('zhangsan'))!;
    expect(moved.id).toBe(zhang.id);
    const orgs = await directory.getTree();
    expect(moved.primaryOrganizationId).toBe(orgs.find((o) => o.name === '销售部')!.id);
    expect(await directory.getAccountByUsername('sunqi')).toBeUndefined();

    const again = await sources.pull('corp-ad');
    expect(again.mode).toBe('delta');
    expect(again.accounts).toEqual({ created: 0, updated: 0, disabled: 0, deleted: 0, unchanged: 4 });
  }, 60_000);
});
