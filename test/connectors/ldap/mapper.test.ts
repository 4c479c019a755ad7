// The pure core of the LDAP source: DNs, binary attributes, the mapper's defaults for OpenLDAP and
// for Active Directory (on entries as AD returns them — not against a live AD), and the planner's
// partition: every entry and every owned object lands in exactly one place.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Account } from '../../../src/domain/account.js';
import type { Organization } from '../../../src/domain/organization.js';
import { dnKey, leafValue, parentKey } from '../../../src/connectors/ldap/dn.js';
import { LdapMapping, laterStamp } from '../../../src/connectors/ldap/mapper.js';
import { type KeyedDn, planPull } from '../../../src/connectors/ldap/plan.js';
import { DEFAULT_SAFETY, checkSettings, withDefaults } from '../../../src/connectors/ldap/settings.js';
import { type RawEntry, guidToString, sidToString } from '../../../src/connectors/ldap/values.js';

const entry = (dn: string, attrs: Record<string, Array<string | Buffer>>): RawEntry => ({ dn, attributes: Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k.toLowerCase(), v])) });

describe('DNs', () => {
  it('compare case-insensitively with escapes resolved, and give parents and leaf values', () => {
    expect(dnKey('OU=研发中心, DC=Example,DC=com')).toBe(dnKey('ou=研发中心,dc=example,dc=com'));
    expect(dnKey('ou=\\E7\\A0\\94\\E5\\8F\\91,dc=x')).toBe(dnKey('ou=研发,dc=x'));
    expect(leafValue('CN=Smith\\, John,OU=Sales,DC=corp')).toBe('Smith, John');
    expect(parentKey(dnKey('CN=Smith\\, John,OU=Sales,DC=corp'))).toBe(dnKey('ou=sales,dc=corp'));
  });
});

describe('binary attributes', () => {
  it('objectGUID reads as Windows prints it; objectSid as S-1-…', () => {
    expect(guidToString(Buffer.from('ff19966f868b11d0b42d00c04fc964ff', 'hex'))).toBe('6f9619ff-8b86-d011-b42d-00c04fc964ff');
    expect(sidToString(Buffer.from('010500000000000515000000dcf4dc3b833d2b46828ba62800020000', 'hex'))).toBe('S-1-5-21-1004336348-1177238915-682003330-512');
  });
  it('later stamps: generalized time as text, USNs as numbers', () => {
    expect(laterStamp('20261207180102Z', '20261207175959Z')).toBe('20261207180102Z');
    expect(laterStamp('999', '1000')).toBe('1000');
    expect(laterStamp(null, '5')).toBe('5');
  });
});

describe('mapping', () => {
  const openldap = new LdapMapping({ flavor: 'openldap', fields: {} });
  const ad = new LdapMapping({ flavor: 'ad', fields: {} });

  it('OpenLDAP defaults: uid, cn (Chinese), first mail of several, mobile normalised, entryUUID', () => {
    const r = openldap.mapAccount(
      entry('uid=zhang.san,ou=研发中心,dc=example,dc=com', { entryUUID: ['D9D1A6DC-86B3-1041-9878-B1530C4E668F'], uid: ['zhang.san'], cn: ['张三'], mail: ['a@x.cn', 'b@x.cn'], mobile: ['13800000001'], title: [], modifyTimestamp: ['20261207180102Z'] }),
    );
    expect(r).toEqual({
      ok: true,
      account: {
        key: 'd9d1a6dc-86b3-1041-9878-b1530c4e668f',
        dn: 'uid=zhang.san,ou=研发中心,dc=example,dc=com',
        fields: { username: 'zhang.san', displayName: '张三', email: 'a@x.cn', mobile: '+86 13800000001', telephone: null, title: null, employeeNumber: null },
        enabled: true,
        managerDn: null,
        stamp: '20261207180102Z',
      },
    });
  });

  it('reports what is missing or invalid', () => {
    expect(openldap.mapAccount(entry('cn=x,dc=e', { entryUUID: ['u1'], cn: ['x'] }))).toMatchObject({ ok: false, error: { dn: 'cn=x,dc=e', message: 'missing required attribute uid (username)' } });
    expect(openldap.mapAccount(entry('uid=x,dc=e', { entryUUID: ['u1'], uid: ['x'], cn: ['x'], mobile: ['12345'] }))).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^invalid mobile/) } });
    expect(openldap.mapAccount(entry('uid=x,dc=e', { uid: ['x'], cn: ['x'] }))).toMatchObject({ ok: false, error: { message: expect.stringMatching(/missing entryUUID/) } });
  });

  it('AD defaults (an entry as AD returns it): sAMAccountName, displayName, telephoneNumber when no mobile, employeeID, manager DN, objectGUID, disabled by userAccountControl', () => {
    const guid = Buffer.from('ff19966f868b11d0b42d00c04fc964ff', 'hex');
    const rec = entry('CN=李四,OU=销售部,DC=corp,DC=example', {
      objectGUID: [guid],
      sAMAccountName: ['lisi'],
      displayName: ['李四'],
      cn: ['李四'],
      mail: ['lisi@corp.example'],
      mobile: [],
      telephoneNumber: ['+86 13900000002'],
      title: ['销售经理'],
      employeeID: ['E1002'],
      manager: ['CN=王五,OU=销售部,DC=corp,DC=example'],
      userAccountControl: ['514'], // NORMAL_ACCOUNT | ACCOUNTDISABLE
      uSNChanged: ['41023'],
    });
    const r = ad.mapAccount(rec);
    expect(r.ok && r.account).toMatchObject({
      key: '6f9619ff-8b86-d011-b42d-00c04fc964ff',
      fields: { username: 'lisi', displayName: '李四', mobile: '+86 13900000002', email: 'lisi@corp.example', title: '销售经理', employeeNumber: 'E1002' },
      enabled: false,
      managerDn: 'CN=王五,OU=销售部,DC=corp,DC=example',
      stamp: '41023',
    });
    const enabled = ad.mapAccount(entry(rec.dn, { ...Object.fromEntries(Object.entries(rec.attributes).map(([k, v]) => [k, [...v]])), useraccountcontrol: ['512'], displayname: [] }));
    expect(enabled.ok && enabled.account).toMatchObject({ enabled: true, fields: { displayName: '李四' } });
    expect(ad.attributes).toEqual(expect.arrayContaining(['objectGUID', 'uSNChanged', 'userAccountControl', 'sAMAccountName', 'employeeID']));
  });

  it('custom expressions: the n-th value of a multi-valued attribute', () => {
    const m = new LdapMapping({ flavor: 'openldap', fields: { email: 'values.mail[1]' } });
    const r = m.mapAccount(entry('uid=a,dc=e', { entryUUID: ['k'], uid: ['a'], cn: ['a'], mail: ['first@x.cn', 'second@x.cn'] }));
    expect(r.ok && r.account.fields.email).toBe('second@x.cn');
  });

  it('settings are checked', () => {
    const errs = checkSettings(withDefaults({ url: 'http://x', baseDn: '', userFilter: 'uid=*', fields: { username: 'concat(' } }));
    expect(errs.map((e) => e.field).sort()).toEqual(['baseDn', 'fields.username', 'url', 'userFilter']);
    expect(checkSettings(withDefaults({ url: 'ldaps://dc1:636', baseDn: 'dc=x', startTls: true })).map((e) => e.field)).toEqual(['startTls']);
  });
});

describe('planner partition (property)', () => {
  const base = 'dc=x';
  const mapping = new LdapMapping({ flavor: 'openldap', fields: {} });
  const org = (id: string, name: string): Organization => ({ id, externalId: null, name, parentId: null, order: 0, code: null, status: 'enabled', attributes: {}, version: 1, createdAt: '', updatedAt: '' });
  const account = (id: string, username: string): Account => ({
    id, externalId: null, username, displayName: username, mobile: null, email: null, telephone: null, title: null, gender: 'unspecified', employeeNumber: null, managerId: null,
    organizationIds: ['o1'], primaryOrganizationId: 'o1', status: 'enabled', attributes: {}, version: 1, createdAt: '', updatedAt: '',
  });

  it('every user entry is planned or reported, every owned account absent from the server is deleted, and nothing twice', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ n: fc.integer({ min: 0, max: 30 }), name: fc.integer({ min: 0, max: 12 }), bad: fc.boolean(), read: fc.boolean() }), { maxLength: 25 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 25 }),
        (users, ownedNs) => {
          const byKey = new Map(users.map((u) => [`k${u.n}`, u]));
          const userKeys: KeyedDn[] = [...byKey.values()].map((u) => ({ key: `k${u.n}`, dn: `uid=u${u.n},ou=a,${base}` }));
          const owned = [...new Set(ownedNs)];
          const links = new Map(owned.map((n) => [`k${n}`, { objectId: `acc${n}`, dn: `uid=u${n},ou=a,${base}` }]));
          const current = new Map(owned.map((n) => [`acc${n}`, account(`acc${n}`, `user${byKey.get(`k${n}`)?.name ?? 100 + n}`)]));
          const read = [...byKey.values()]
            .filter((u) => u.read || !links.has(`k${u.n}`))
            .map((u) => mapping.mapAccount(entry(`uid=u${u.n},ou=a,${base}`, { entryUUID: [`k${u.n}`], uid: [`user${u.name}`], cn: ['x'], mobile: u.bad ? ['bad'] : [] })));
          const plan = planPull({
            baseDn: base,
            parentOrganizationId: null,
            orgKeys: [{ key: 'oa', dn: `ou=a,${base}` }],
            userKeys,
            read,
            links: { organizations: new Map([['oa', { objectId: 'o1', dn: `ou=a,${base}` }]]), accounts: links },
            current: { organizations: new Map([['o1', org('o1', 'a')]]), accounts: current },
            foreignUsernames: new Map(),
            safety: DEFAULT_SAFETY,
          });
          const planned = plan.accounts.map((a) => a.key);
          const errored = plan.errors.map((e) => userKeys.find((u) => u.dn === e.dn)!.key);
          const deleted = plan.deleteAccounts.map((d) => d.key);
          // each entry of the key set: exactly once, planned or reported
          expect([...planned, ...errored].sort()).toEqual(userKeys.map((u) => u.key).sort());
          // deletions: exactly the owned keys the server no longer has
          expect(deleted.sort()).toEqual(owned.map((n) => `k${n}`).filter((k) => !byKey.has(k)).sort());
          // usernames stay unique among planned accounts
          const names = plan.accounts.map((a) => (a.fields?.username ?? current.get(a.id!)!.username).toLowerCase());
          expect(new Set(names).size).toBe(names.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
