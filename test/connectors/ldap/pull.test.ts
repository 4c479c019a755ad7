// The LDAP source against a real slapd (test/helpers/slapd.ts), on both store backends: create
// (tests the bind), the first pull, the same pull twice, modify, move, rename, OU rename and move,
// delete, bad entries, ownership, the safety threshold, and TLS (ldaps:// and StartTLS with the
// server's own CA).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../../src/connections/crypto.js';
import { PullHeldError, SourceConnectError, Sources } from '../../../src/connectors/ldap/index.js';
import { startSourceSchedule } from '../../../src/connectors/ldap/schedule.js';
import { Directory } from '../../../src/directory/directory.js';
import { createLogger } from '../../../src/observability/logger.js';
import { READER_DN, READER_PASSWORD, type RunningSlapd, SUFFIX, startSlapd } from '../../helpers/slapd.js';
import { type TestBackend, type TestStore, postgresBackend, sqliteBackend } from '../../store/backends.js';
import { OUS, company, ouDn } from './company.js';

let slapd: RunningSlapd;
beforeAll(async () => {
  slapd = await startSlapd();
}, 30_000);
afterAll(async () => {
  await slapd?.stop();
});

const box = SecretBox.fromKey(Buffer.alloc(32, 7));
const PEOPLE = 200;

describe.each([sqliteBackend, postgresBackend])('LDAP pull on $name', (backend: TestBackend) => {
  let t: TestStore;
  let directory: Directory;
  let sources: Sources;
  const base = `o=acme-${backend.name},${SUFFIX}`;
  const data = company(base, PEOPLE);
  const [u0, u1, u2, u3, , u5] = data.users;

  const accountOf = async (uid: string) => directory.getAccountByUsername(uid);
  const orgNamed = async (name: string) => (await directory.getTree()).find((o) => o.name === name);

  beforeAll(async () => {
    t = await backend.open();
    directory = new Directory(t.store);
    sources = new Sources(directory, box);
    await slapd.add(data.entries);
    // bad entries: no uid, an invalid mobile, a duplicate uid in another OU
    await slapd.add([
      { dn: `cn=无名氏,${ouDn(['总部'], base)}`, attributes: { objectClass: ['inetOrgPerson'], cn: '无名氏', sn: '无' } },
      { dn: `uid=bad.mobile,${ouDn(['总部'], base)}`, attributes: { objectClass: ['inetOrgPerson'], uid: 'bad.mobile', cn: '错号', sn: '错', mobile: '12345' } },
      { dn: `cn=dup,${ouDn(['总部', '人力资源部'], base)}`, attributes: { objectClass: ['inetOrgPerson'], uid: u5!.uid, cn: '重名', sn: '重' } },
    ]);
  }, 60_000);
  afterAll(async () => {
    await t?.dispose();
  });

  it('create stores the source with its password encrypted and tests the bind, without pulling', async () => {
    await expect(sources.create('wrong', { url: slapd.url, baseDn: base, bindDn: READER_DN }, 'not the password')).rejects.toThrow(/invalid credentials/);
    const v = await sources.create('corp', { url: slapd.url, baseDn: base, bindDn: READER_DN }, READER_PASSWORD);
    expect(v.settings.flavor).toBe('openldap');
    expect(v.hasPassword).toBe(true);
    expect(v.owned).toEqual({ organizations: 0, accounts: 0 });
    const row = await t.store.db.selectFrom('sources').selectAll().where('name', '=', 'corp').executeTakeFirstOrThrow();
    expect(row.secret).not.toContain(READER_PASSWORD);
    expect(JSON.stringify(v)).not.toContain(READER_PASSWORD);
    expect((await directory.listAccounts()).items).toHaveLength(0);
    const test = await sources.test('corp');
    expect(test).toMatchObject({ ok: true, flavor: 'openldap', users: PEOPLE + 3, organizations: OUS.length });
  });

  it('the first pull imports the tree and the people, and skips each bad entry with its DN', async () => {
    const r = await sources.pull('corp');
    expect(r.mode).toBe('full');
    expect(r.organizations).toEqual({ created: OUS.length, updated: 0, deleted: 0, unchanged: 0 });
    // two entries with one username: neither is imported while it is ambiguous
    expect(r.accounts).toEqual({ created: PEOPLE - 1, updated: 0, disabled: 0, deleted: 0, unchanged: 0 });
    expect(r.errors.map((e) => e.dn).sort()).toEqual(
      [`cn=无名氏,${ouDn(['总部'], base)}`, `uid=bad.mobile,${ouDn(['总部'], base)}`, `cn=dup,${ouDn(['总部', '人力资源部'], base)}`, u5!.dn].sort(),
    );
    expect(r.errors.find((e) => e.dn.startsWith('cn=无名氏'))!.message).toMatch(/missing required attribute uid/);
    expect(r.errors.find((e) => e.dn.startsWith('uid=bad.mobile'))!.message).toMatch(/invalid mobile/);
    expect(r.errors.find((e) => e.dn.startsWith('cn=dup'))!.message).toMatch(/duplicate username/);

    const platform = (await orgNamed('平台部'))!;
    const rd = (await orgNamed('研发中心'))!;
    expect(platform.parentId).toBe(rd.id);
    expect((await orgNamed('总部'))!.parentId).toBeNull();
    const a0 = (await accountOf(u0!.uid))!;
    expect(a0.displayName).toBe(u0!.cn);
    expect(a0.email).toBe(`${u0!.uid}@example.cn`); // first of two values
    expect(a0.mobile).toMatch(/^\+86 138/);
    expect(a0.organizationIds).toEqual([(await orgNamed(u0!.ou.at(-1)!))!.id]);
    expect(await accountOf('backup-bot')).toBeUndefined();
    expect((await directory.listAccounts({ limit: 1000 })).items).toHaveLength(PEOPLE - 1);
    expect(await accountOf(u5!.uid)).toBeUndefined();
  });

  it('a fixed bad entry is imported by the next (delta) pull', async () => {
    await slapd.del(`cn=dup,${ouDn(['总部', '人力资源部'], base)}`);
    const r = await sources.pull('corp');
    expect(r.mode).toBe('delta');
    expect(r.accounts).toEqual({ created: 1, updated: 0, disabled: 0, deleted: 0, unchanged: PEOPLE - 1 });
    expect(r.errors).toHaveLength(2);
    expect((await accountOf(u5!.uid))!.displayName).toBe(u5!.cn);
  });

  it('the same pull twice changes nothing (and writes nothing to the change feed)', async () => {
    const seq = await directory.latestSequence();
    for (const full of [false, true]) {
      const r = await sources.pull('corp', { full });
      expect(r.organizations).toEqual({ created: 0, updated: 0, deleted: 0, unchanged: OUS.length });
      expect(r.accounts).toEqual({ created: 0, updated: 0, disabled: 0, deleted: 0, unchanged: PEOPLE });
      expect(r.errors).toHaveLength(2);
    }
    expect(await directory.latestSequence()).toBe(seq);
  });

  it('a delta pull carries a modify, a move, a rename and a deletion, keeping identities', async () => {
    const before0 = (await accountOf(u0!.uid))!;
    const before1 = (await accountOf(u1!.uid))!;
    const before2 = (await accountOf(u2!.uid))!;
    await slapd.modify(u0!.dn, { title: '总监' });
    const hr = ouDn(['总部', '人力资源部'], base);
    await slapd.rename(u1!.dn, `uid=${u1!.uid},${hr}`); // moved to another OU
    await slapd.rename(u2!.dn, `uid=${u2!.uid}.new,${u2!.dn.split(',').slice(1).join(',')}`); // renamed: a new uid, same entry
    await slapd.del(u3!.dn);

    const r = await sources.pull('corp');
    expect(r.mode).toBe('delta');
    expect(r.errors).toHaveLength(2);
    expect(r.accounts).toEqual({ created: 0, updated: 3, disabled: 0, deleted: 1, unchanged: PEOPLE - 4 });
    const after0 = (await accountOf(u0!.uid))!;
    expect(after0.id).toBe(before0.id);
    expect(after0.title).toBe('总监');
    const after1 = (await accountOf(u1!.uid))!;
    expect(after1.id).toBe(before1.id);
    expect(after1.primaryOrganizationId).toBe((await orgNamed('人力资源部'))!.id);
    expect(await accountOf(u2!.uid)).toBeUndefined();
    expect((await accountOf(`${u2!.uid}.new`))!.id).toBe(before2.id);
    expect(await accountOf(u3!.uid)).toBeUndefined();
    u1!.dn = `uid=${u1!.uid},${hr}`;
  });

  it('renaming an OU renames its organization and keeps its children in it; moving an OU moves the organization', async () => {
    const platform = (await orgNamed('平台部'))!;
    const member = data.users.find((u) => u.ou.at(-1) === '平台部' && u !== u0 && u !== u1 && u !== u2 && u !== u3)!;
    const before = (await accountOf(member.uid))!;
    const oldDn = ouDn(['总部', '研发中心', '平台部'], base);
    await slapd.rename(oldDn, `ou=基础平台部,${ouDn(['总部', '研发中心'], base)}`);
    let r = await sources.pull('corp');
    expect(r.organizations).toMatchObject({ updated: 1, deleted: 0, created: 0 });
    expect(r.accounts).toMatchObject({ created: 0, deleted: 0, updated: 0 });
    const renamed = (await directory.getOrganization(platform.id))!;
    expect(renamed.name).toBe('基础平台部');
    // the child (whose modifyTimestamp did not change) is still in it, and a later change to it still lands
    await slapd.modify(`uid=${member.uid},ou=基础平台部,${ouDn(['总部', '研发中心'], base)}`, { title: '架构师' });
    r = await sources.pull('corp');
    expect(r.accounts).toMatchObject({ updated: 1, created: 0, deleted: 0 });
    const after = (await accountOf(member.uid))!;
    expect(after.id).toBe(before.id);
    expect(after.title).toBe('架构师');
    expect(after.primaryOrganizationId).toBe(platform.id);

    // move the OU under 销售部
    await slapd.rename(`ou=基础平台部,${ouDn(['总部', '研发中心'], base)}`, `ou=基础平台部,${ouDn(['总部', '销售部'], base)}`);
    r = await sources.pull('corp');
    expect(r.organizations).toMatchObject({ updated: 1 });
    expect((await directory.getOrganization(platform.id))!.parentId).toBe((await orgNamed('销售部'))!.id);
    expect((await accountOf(member.uid))!.primaryOrganizationId).toBe(platform.id);
  });

  it('never touches what it does not own: a hand-made account with an LDAP uid is reported, and blocks nothing else', async () => {
    const hq = (await orgNamed('总部'))!;
    await directory.createAccount({ username: 'hand.made', displayName: '手工', organizationIds: [hq.id] });
    await slapd.add([{ dn: `uid=hand.made,${ouDn(['总部'], base)}`, attributes: { objectClass: ['inetOrgPerson'], uid: 'hand.made', cn: '冲突', sn: '冲' } }]);
    const r = await sources.pull('corp');
    expect(r.errors.find((e) => e.dn.startsWith('uid=hand.made'))!.message).toMatch(/duplicate username.*does not own/);
    expect((await accountOf('hand.made'))!.displayName).toBe('手工');
    await slapd.del(`uid=hand.made,${ouDn(['总部'], base)}`);
    const again = await sources.pull('corp');
    expect(again.accounts.deleted).toBe(0);
    expect(await accountOf('hand.made')).toBeDefined();
  });

  it('keeps an e-mail the directory cannot normalise as the server has it (the entry is not bad)', async () => {
    await slapd.add([{ dn: `uid=ops,${ouDn(['总部'], base)}`, attributes: { objectClass: ['inetOrgPerson'], uid: 'ops', cn: '运维', sn: '运', mail: 'ops@localhost' } }]);
    const r = await sources.pull('corp');
    expect(r.accounts.created).toBe(1);
    expect(r.errors.some((e) => e.dn.startsWith('uid=ops'))).toBe(false);
    expect((await accountOf('ops'))!.email).toBe('ops@localhost');
  });

  it('holds a pull that would delete more than the safety threshold, and applies it once approved', async () => {
    const victims = data.users.slice(10).filter((u) => u.ou.at(-1) !== '平台部').slice(0, 30);
    for (const v of victims) await slapd.del(v.dn);
    const seq = await directory.latestSequence();
    await expect(sources.pull('corp')).rejects.toBeInstanceOf(PullHeldError);
    expect(await directory.latestSequence()).toBe(seq);
    expect(await accountOf(victims[0]!.uid)).toBeDefined();
    expect((await sources.show('corp')).lastPull!.status).toBe('held');
    const r = await sources.pull('corp', { approve: true });
    expect(r.accounts.deleted).toBe(victims.length);
    expect(await accountOf(victims[0]!.uid)).toBeUndefined();
  });

  it('holds a pull whose search finds nobody (a wrong base DN)', async () => {
    await t.store.db.updateTable('sources').set({ settings: JSON.stringify({ ...(await sources.show('corp')).settings, baseDn: `ou=empty,${base}` }) }).where('name', '=', 'corp').execute();
    await slapd.add([{ dn: `ou=empty,${base}`, attributes: { objectClass: ['organizationalUnit'], ou: 'empty' } }]);
    await expect(sources.pull('corp')).rejects.toThrow(/found no user entries/);
  });
});

describe('TLS', () => {
  it('ldaps:// and StartTLS work with the server CA, and fail without it', async () => {
    const t = await sqliteBackend.open();
    try {
      const sources = new Sources(new Directory(t.store), box);
      const ldaps = await sources.create('tls', { url: slapd.ldapsUrl, baseDn: SUFFIX, bindDn: READER_DN, ca: slapd.caPem }, READER_PASSWORD);
      expect(ldaps.settings.url).toBe(slapd.ldapsUrl);
      expect((await sources.test('tls')).ok).toBe(true);
      await sources.create('starttls', { url: slapd.url, startTls: true, baseDn: SUFFIX, bindDn: READER_DN, ca: slapd.caPem }, READER_PASSWORD);
      expect((await sources.test('starttls')).ok).toBe(true);
      await expect(sources.create('untrusted', { url: slapd.ldapsUrl, baseDn: SUFFIX, bindDn: READER_DN }, READER_PASSWORD)).rejects.toBeInstanceOf(SourceConnectError);
      await expect(sources.create('untrusted2', { url: slapd.url, startTls: true, baseDn: SUFFIX, bindDn: READER_DN }, READER_PASSWORD)).rejects.toThrow(/StartTLS/);
    } finally {
      await t.dispose();
    }
  });
});

describe('scheduled pulls', () => {
  it('a source with an interval is pulled when due, and then not again until the interval has passed', async () => {
    const t = await sqliteBackend.open();
    try {
      const base = `o=scheduled,${SUFFIX}`;
      await slapd.add(company(base, 5).entries);
      const directory = new Directory(t.store);
      const sources = new Sources(directory, box);
      await sources.create('every', { url: slapd.url, baseDn: base, bindDn: READER_DN, intervalMinutes: 30 }, READER_PASSWORD);
      await sources.create('manual', { url: slapd.url, baseDn: base, bindDn: READER_DN }, READER_PASSWORD);
      expect(await sources.due()).toEqual(['every']);
      let pulled!: () => void;
      const done = new Promise<void>((resolve) => (pulled = resolve));
      const schedule = startSourceSchedule({ sources, logger: createLogger({ level: 'silent' }), onPulled: () => pulled() });
      await done;
      await schedule.stop();
      expect((await directory.listAccounts()).items).toHaveLength(5);
      expect((await sources.show('every')).lastPull!.status).toBe('ok');
      expect((await sources.show('manual')).lastPull).toBeNull();
      expect(await sources.due()).toEqual([]);
      expect(await sources.due(Date.now() + 31 * 60_000)).toEqual(['every']);
    } finally {
      await t.dispose();
    }
  });
});
