// Connections in the store, on both backends: CRUD, validation, secrets encrypted at rest.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConnectionConflictError,
  ConnectionNotFoundError,
  ConnectionValidationError,
  Connections,
  DEFAULT_POLICIES,
  SecretBox,
  SecretDecryptError,
  corpIdWarnings,
  type ConnectionInput,
} from '../../src/connections/index.js';
import { Directory } from '../../src/directory/directory.js';
import { startSimulator } from '../../src/simulator/index.js';
import { BACKENDS, type TestStore } from '../store/backends.js';

const SECRET = 'Zx9-secret-plaintext-0123456789abcdefghijkl';
const PROXY_PASSWORD = 'proxy-pass-plaintext-42';

const base = (over: Partial<ConnectionInput> = {}): ConnectionInput => ({
  name: 'Acme',
  corpId: 'ww0123456789abcdef',
  secret: SECRET,
  rootDepartmentId: 1,
  ...over,
});

async function errorsOf(p: Promise<unknown>): Promise<Array<{ field: string; message: string }>> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectionValidationError);
  return (err as ConnectionValidationError).errors;
}

let caPem: string;

describe.each(BACKENDS)('connections on $name', (backend) => {
  let t: TestStore;
  let key: Buffer;
  let connections: Connections;
  beforeEach(async () => {
    t = await backend.open();
    key = randomBytes(32);
    connections = new Connections(t.store, SecretBox.fromKey(key));
    if (!caPem) {
      const s = await startSimulator({ corps: [] });
      caPem = s.caPem as string;
      await s.close();
    }
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('creates with safe defaults, reads back by name (any case) or id, lists, updates and deletes', async () => {
    const c = await connections.create(base({ proxies: '127.0.0.1:3128, proxy.example.com:8080', proxyUsername: 'bob', proxyPassword: PROXY_PASSWORD }));
    expect(c).toMatchObject({
      name: 'Acme',
      corpId: 'ww0123456789abcdef',
      rootDepartmentId: 1,
      defaultDepartmentId: null,
      extattrs: [],
      proxies: ['127.0.0.1:3128', 'proxy.example.com:8080'],
      proxyUsername: 'bob',
      apiBase: 'https://qyapi.weixin.qq.com',
      caPem: null,
      scope: { organizationRoots: [] },
      policies: { onAccountDeleted: 'disable', onAccountDisabled: 'disable', onOrganizationDeleted: 'delete', safety: { maxDeletes: 50, maxDeletePercent: 20 } },
      mapping: null,
      hasSecret: true,
      hasProxyPassword: true,
      version: 1,
    });
    expect(c.policies).toEqual(DEFAULT_POLICIES);
    expect(c.id).toMatch(/^con_/);
    expect(JSON.stringify(c)).not.toContain(SECRET);
    expect(JSON.stringify(c)).not.toContain(PROXY_PASSWORD);
    expect(await connections.get('ACME')).toEqual(c);
    expect(await connections.get(c.id)).toEqual(c);
    expect(await connections.find('nope')).toBeNull();

    const second = await connections.create(base({ name: 'beta', corpId: 'wwfedcba9876543210', rootDepartmentId: 5, defaultDepartmentId: 7 }));
    expect((await connections.list()).map((x) => x.name)).toEqual(['Acme', 'beta']);

    const updated = await connections.update('acme', {
      defaultDepartmentId: 3,
      extattrs: [
        { name: '工号', type: 'text', expression: 'attrs.employee_no' },
        { name: 'Homepage', type: 'web', expression: 'concat("https://example.com/", username)' },
      ],
      apiBase: 'https://127.0.0.1:8443/',
      caPem,
      policies: { onAccountDeleted: 'delete', safety: { maxDeletePercent: 5.5 } },
      mapping: { version: 1, members: { userid: 'username', name: 'displayName' } },
    });
    expect(updated).toMatchObject({
      version: 2,
      defaultDepartmentId: 3,
      apiBase: 'https://127.0.0.1:8443',
      policies: { onAccountDeleted: 'delete', onAccountDisabled: 'disable', onOrganizationDeleted: 'delete', safety: { maxDeletes: 50, maxDeletePercent: 5.5 } },
      mapping: { version: 1, members: { userid: 'username', name: 'displayName' } },
      hasProxyPassword: true,
    });
    expect(updated.extattrs.map((e) => e.name)).toEqual(['工号', 'Homepage']);
    expect(updated.caPem).toContain('BEGIN CERTIFICATE');
    expect(updated.createdAt).toBe(c.createdAt);

    const cleared = await connections.update(c.id, { defaultDepartmentId: null, proxies: [], proxyUsername: null, proxyPassword: null, caPem: null, mapping: null });
    expect(cleared).toMatchObject({ defaultDepartmentId: null, proxies: [], proxyUsername: null, hasProxyPassword: false, caPem: null, mapping: null, version: 3 });

    await expect(connections.update('acme', { name: 'Beta' })).rejects.toSatisfy(
      (e) => e instanceof ConnectionValidationError && e.errors.some((x) => x.field === 'name' && /already exists/.test(x.message)),
    );
    await expect(connections.update('acme', { corpId: 'ww1' }, { expectedVersion: 1 })).rejects.toBeInstanceOf(ConnectionConflictError);
    expect((await connections.update('acme', { name: 'ACME Corp' }, { expectedVersion: 3 })).name).toBe('ACME Corp');

    await connections.delete('acme corp');
    await expect(connections.get('acme corp')).rejects.toBeInstanceOf(ConnectionNotFoundError);
    await expect(connections.delete('acme corp')).rejects.toBeInstanceOf(ConnectionNotFoundError);
    expect((await connections.list()).map((x) => x.id)).toEqual([second.id]);
  });

  it('names are unique case-insensitively', async () => {
    await connections.create(base());
    const errors = await errorsOf(connections.create(base({ name: 'ACME' })));
    expect(errors).toEqual([{ field: 'name', message: 'a connection named "Acme" already exists (names are case-insensitive)', code: 'invalid.connection-name-taken', params: { name: 'Acme' } }]);
  });

  it('reports every invalid field at once, by field, without quoting secrets', async () => {
    const errors = await errorsOf(
      connections.create({
        name: ' ',
        corpId: 'ww 01',
        secret: 'has space',
        rootDepartmentId: 0,
        defaultDepartmentId: -2,
        extattrs: [
          { name: '工号', type: 'text' },
          { name: '工号', type: 'web' },
          { name: 'x', type: 'link' as 'text' },
          { name: 'y', type: 'text', expression: 'concat(' },
        ],
        proxies: 'http://10.0.0.1:3128',
        proxyPassword: 'pw-without-user',
        apiBase: 'http://example.com',
        caPem: 'not a certificate',
        policies: { onAccountDeleted: 'purge' as 'delete', safety: { maxDeletes: -1, maxDeletePercent: 101 } },
        scope: { organizationRoots: ['org_missing'] },
      }),
    );
    const fields = errors.map((e) => e.field).sort();
    expect(fields).toEqual(
      [
        'apiBase',
        'caPem',
        'corpId',
        'defaultDepartmentId',
        'extattrs[1].name',
        'extattrs[2].type',
        'extattrs[3].expression',
        'name',
        'policies.onAccountDeleted',
        'policies.safety.maxDeletePercent',
        'policies.safety.maxDeletes',
        'proxies',
        'proxyPassword',
        'rootDepartmentId',
        'scope.organizationRoots',
        'secret',
      ].sort(),
    );
    const text = JSON.stringify(errors);
    expect(text).not.toContain('has space');
    expect(text).not.toContain('pw-without-user');
    expect(errors.find((e) => e.field === 'apiBase')?.message).toMatch(/http:\/\/ is allowed only for localhost/);
    expect(errors.find((e) => e.field === 'proxies')?.message).toMatch(/host:port/);
    expect(await connections.list()).toEqual([]);
  });

  it('accepts http:// for loopback only, checks scope organizations exist, warns on an unusual corpid', async () => {
    const org = await new Directory(t.store).createOrganization({ name: 'HQ' });
    const c = await connections.create(base({ corpId: 'corp42', apiBase: 'http://127.0.0.1:9999', scope: { organizationRoots: [org.id] } }));
    expect(c.apiBase).toBe('http://127.0.0.1:9999');
    expect(c.scope.organizationRoots).toEqual([org.id]);
    expect(corpIdWarnings(c.corpId)[0]).toMatch(/does not look like a WeCom corpid/);
    expect(corpIdWarnings('ww0123456789abcdef')).toEqual([]);
  });

  it('rate budget: WeCom’s documented windows by default, a share of them, or an override; the client keeps what results', async () => {
    const c = await connections.create(base());
    expect(c).toMatchObject({ rateBudget: null, rateSharePercent: 100, proxyCaPem: null });
    expect((await connections.clientOptions(c.id)).rateLimit).toEqual([
      { count: 10_000, windowMs: 60_000 },
      { count: 150_000, windowMs: 3_600_000 },
    ]);
    // another application of the company uses the same APIs: this connection may use 40 %
    const shared = await connections.update(c.id, { rateSharePercent: 40 });
    expect(shared.rateSharePercent).toBe(40);
    expect((await connections.clientOptions(c.id)).rateLimit).toEqual([
      { count: 4_000, windowMs: 60_000 },
      { count: 60_000, windowMs: 3_600_000 },
    ]);
    // an override (a simulator with a scaled budget), as text or as windows; the share still applies
    const overridden = await connections.update(c.id, { rateBudget: '2000/30s, 200/1s', rateSharePercent: 100 });
    expect(overridden.rateBudget).toEqual([
      { count: 200, windowMs: 1000 },
      { count: 2000, windowMs: 30_000 },
    ]);
    expect((await connections.get(c.id)).rateBudget).toEqual(overridden.rateBudget);
    expect((await connections.clientOptions(c.id)).rateLimit).toEqual(overridden.rateBudget);
    await connections.update(c.id, { rateBudget: [{ count: 50, windowMs: 500 }], rateSharePercent: 10 });
    expect((await connections.clientOptions(c.id)).rateLimit).toEqual([{ count: 5, windowMs: 500 }]);
    expect((await connections.update(c.id, { rateBudget: null })).rateBudget).toBeNull();

    const errors = await errorsOf(connections.update(c.id, { rateBudget: '200/soon', rateSharePercent: 0 }));
    expect(errors.map((e) => e.field)).toEqual(['rateBudget', 'rateSharePercent']);
    expect((await errorsOf(connections.update(c.id, { rateBudget: '10/1s,20/1s' })))[0]?.message).toMatch(/same window length twice/);
    expect((await errorsOf(connections.update(c.id, { rateSharePercent: 120 })))[0]?.message).toMatch(/at most 100/);
  });

  it('proxy CA: trusted for https:// proxies, passed to the client; refused without an https:// proxy', async () => {
    const errors = await errorsOf(connections.create(base({ proxies: '127.0.0.1:3128', proxyCaPem: caPem })));
    expect(errors).toEqual([{ field: 'proxyCaPem', message: 'a proxy CA certificate is set but no https:// proxy is configured', code: 'invalid.proxy-ca-without-https' }]);
    expect((await errorsOf(connections.create(base({ proxies: 'https://127.0.0.1:3128', proxyCaPem: 'not a pem' }))))[0]?.field).toBe('proxyCaPem');
    const c = await connections.create(base({ proxies: 'https://proxy.example.com:8443,127.0.0.1:3128', proxyCaPem: caPem }));
    expect(c.proxies).toEqual(['https://proxy.example.com:8443', '127.0.0.1:3128']);
    expect(c.proxyCaPem).toContain('BEGIN CERTIFICATE');
    expect(await connections.clientOptions(c.id)).toMatchObject({ proxies: c.proxies, proxyCa: c.proxyCaPem });
    expect((await connections.update(c.id, { proxies: [], proxyCaPem: null })).proxyCaPem).toBeNull();
  });

  it('stores the secret and proxy password only encrypted, bound to the row', async () => {
    const a = await connections.create(base({ proxies: '127.0.0.1:3128', proxyUsername: 'bob', proxyPassword: PROXY_PASSWORD }));
    const b = await connections.create(base({ name: 'other', secret: 'other-secret-value' }));
    const rows = await sql<Record<string, unknown>>`select * from connections`.execute(t.store.db);
    const raw = JSON.stringify(rows.rows);
    expect(raw).not.toContain(SECRET);
    expect(raw).not.toContain(PROXY_PASSWORD);
    expect(raw).not.toContain('other-secret-value');
    const rowA = rows.rows.find((r) => r.id === a.id) as { secret_enc: string; proxy_password_enc: string };
    expect(rowA.secret_enc).toMatch(/^v1:[^:]+:[^:]+:[^:]+$/);
    expect(rowA.proxy_password_enc).toMatch(/^v1:/);

    // decrypt round trip, for the sync engine
    expect(await connections.clientOptions('acme')).toEqual({
      corpId: 'ww0123456789abcdef',
      secret: SECRET,
      apiBase: 'https://qyapi.weixin.qq.com',
      proxies: ['127.0.0.1:3128'],
      proxyUsername: 'bob',
      proxyPassword: PROXY_PASSWORD,
      rateLimit: [
        { count: 10_000, windowMs: 60_000 },
        { count: 150_000, windowMs: 3_600_000 },
      ],
    });
    expect(await connections.clientOptions(b.id)).toMatchObject({ secret: 'other-secret-value' });
    expect((await connections.clientOptions(b.id)).proxyPassword).toBeUndefined();

    // a new secret replaces the old one; an update without secret keeps it
    await connections.update('other', { secret: 'rotated-secret' });
    await connections.update('other', { rootDepartmentId: 2 });
    expect((await connections.clientOptions('other')).secret).toBe('rotated-secret');

    // swapping ciphertexts between rows (or columns) does not decrypt
    await sql`update connections set secret_enc = ${rowA.secret_enc} where id = ${b.id}`.execute(t.store.db);
    await expect(connections.clientOptions(b.id)).rejects.toBeInstanceOf(SecretDecryptError);
    await sql`update connections set secret_enc = ${rowA.proxy_password_enc} where id = ${a.id}`.execute(t.store.db);
    await expect(connections.clientOptions(a.id)).rejects.toThrow(/cannot decrypt the secret of connection "Acme"/);
  });

  it('with another key: a clear error naming the connection and the way out', async () => {
    await connections.create(base());
    const other = new Connections(t.store, SecretBox.fromKey(randomBytes(32)));
    expect((await other.get('acme')).hasSecret).toBe(true); // reading settings needs no key
    const err = await other.clientOptions('acme').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretDecryptError);
    expect((err as Error).message).toMatch(/cannot decrypt the secret of connection "Acme".*not the key it was encrypted with/);
    expect((err as Error).message).not.toContain(SECRET);
    // the same key again works
    expect((await new Connections(t.store, SecretBox.fromKey(key)).clientOptions('acme')).secret).toBe(SECRET);
  });
});
