// /api/v1/sources against a real slapd: create (201, the bind tested, the password never in an
// answer nor the audit log), list, show with its pulls, test, pull (the partition and skipped
// entries), a held pull (409 problem, nothing applied), and the roles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READER_DN, READER_PASSWORD, type RunningSlapd, SUFFIX, startSlapd } from '../../helpers/slapd.js';
import { type Harness, PROBLEM, bearer, harness } from '../../server/harness.js';
import { company, ouDn } from './company.js';

let slapd: RunningSlapd;
let h: Harness;
const base = `o=rest,${SUFFIX}`;
const data = company(base, 10);

beforeAll(async () => {
  slapd = await startSlapd();
  await slapd.add(data.entries);
  await slapd.add([{ dn: `uid=nomail,${ouDn(['总部'], base)}`, attributes: { objectClass: ['inetOrgPerson'], uid: 'nomail', cn: '号码错', sn: '错', mobile: '000' } }]);
  h = await harness({ sourcesKey: Buffer.alloc(32, 3) });
}, 30_000);
afterAll(async () => {
  await h?.dispose();
  await slapd?.stop();
});

describe('/api/v1/sources', () => {
  it('create, list, show, test, pull, held pull; the password never comes back', async () => {
    const admin = bearer(h.adminToken);
    const body = { name: 'corp', kind: 'ldap', url: slapd.url, bindDn: READER_DN, bindPassword: READER_PASSWORD, baseDn: base };
    const bad = await h.inject({ method: 'POST', url: '/api/v1/sources', headers: admin, payload: { ...body, name: 'bad', bindPassword: 'wrong' } });
    expect(bad.statusCode).toBe(502);
    expect(bad.headers['content-type']).toContain(PROBLEM);
    expect(bad.json().type).toContain('source-unreachable');
    // English for the CLI and API clients, a code for the console, Chinese when asked for
    expect(bad.json()).toMatchObject({ code: 'error.source-bind-refused', params: { bindDn: READER_DN } });
    expect(bad.json().detail).toMatch(/refused the bind as ".*": invalid credentials \(check the bind DN and password\)$/);
    const badZh = await h.inject({ method: 'POST', url: '/api/v1/sources', headers: { ...admin, 'accept-language': 'zh-CN' }, payload: { ...body, name: 'bad', bindPassword: 'wrong' } });
    expect(badZh.json().detail).toMatch(/拒绝以“.*”绑定：凭据无效/);
    const viewerCreate = await h.inject({ method: 'POST', url: '/api/v1/sources', headers: bearer(h.viewerToken), payload: body });
    expect(viewerCreate.statusCode).toBe(403);

    const created = await h.inject({ method: 'POST', url: '/api/v1/sources', headers: admin, payload: body });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'corp', flavor: 'openldap', hasPassword: true, bindDn: READER_DN, owned: { organizations: 0, accounts: 0 }, lastPull: null });
    expect(created.body).not.toContain(READER_PASSWORD);
    expect((await h.inject({ method: 'POST', url: '/api/v1/sources', headers: admin, payload: body })).statusCode).toBe(409);

    const test = await h.inject({ method: 'POST', url: '/api/v1/sources/corp/test', headers: admin });
    expect(test.json()).toMatchObject({ ok: true, users: 11, organizations: 8 });

    const pulled = await h.inject({ method: 'POST', url: '/api/v1/sources/corp/pull', headers: admin, payload: {} });
    expect(pulled.statusCode).toBe(200);
    expect(pulled.json()).toMatchObject({
      mode: 'full',
      organizations: { created: 8, updated: 0, deleted: 0, unchanged: 0 },
      accounts: { created: 10, updated: 0, disabled: 0, deleted: 0, unchanged: 0 },
      errors: [{ dn: `uid=nomail,${ouDn(['总部'], base)}`, message: expect.stringMatching(/invalid mobile/) }],
    });

    for (const u of data.users.slice(0, 6)) await slapd.del(u.dn);
    const held = await h.inject({ method: 'POST', url: '/api/v1/sources/corp/pull', headers: admin, payload: {} });
    expect(held.statusCode).toBe(409);
    expect(held.json().type).toContain('source-pull-held');

    const list = await h.inject({ method: 'GET', url: '/api/v1/sources', headers: bearer(h.viewerToken) });
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toHaveLength(1);
    expect(list.json().items[0]).toMatchObject({ name: 'corp', owned: { accounts: 10, organizations: 8 }, lastPull: { status: 'held' } });
    const show = await h.inject({ method: 'GET', url: '/api/v1/sources/corp', headers: admin });
    expect(show.json().pulls.map((p: { status: string }) => p.status)).toEqual(['held', 'errors']);
    for (const r of [list, show, test]) expect(r.body).not.toContain(READER_PASSWORD);
    const audit = await h.auditLog.list({ limit: 50 });
    expect(JSON.stringify(audit)).not.toContain(READER_PASSWORD);

    const approved = await h.inject({ method: 'POST', url: '/api/v1/sources/corp/pull', headers: admin, payload: { approve: true } });
    expect(approved.json().accounts).toMatchObject({ deleted: 6, unchanged: 4 });
    expect((await h.inject({ method: 'GET', url: '/api/v1/sources/nope', headers: admin })).statusCode).toBe(404);

    // update: a wrong new password is refused (502) and the stored one kept; then a schedule
    const wrongPw = await h.inject({ method: 'PATCH', url: '/api/v1/sources/corp', headers: admin, payload: { bindPassword: 'wrong' } });
    expect(wrongPw.statusCode).toBe(502);
    expect((await h.inject({ method: 'POST', url: '/api/v1/sources/corp/test', headers: admin })).json().ok).toBe(true);
    const patched = await h.inject({ method: 'PATCH', url: '/api/v1/sources/corp', headers: admin, payload: { intervalMinutes: 15, safety: { maxFraction: 0.5, minimum: 2 } } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ intervalMinutes: 15, safety: { maxFraction: 0.5, minimum: 2 }, hasPassword: true });
    expect(patched.body).not.toContain(READER_PASSWORD);

    // delete: what it imported stays
    expect((await h.inject({ method: 'DELETE', url: '/api/v1/sources/corp', headers: admin })).statusCode).toBe(204);
    expect((await h.inject({ method: 'GET', url: '/api/v1/sources', headers: admin })).json().items).toEqual([]);
    const accounts = await h.inject({ method: 'GET', url: '/api/v1/accounts?limit=100', headers: admin });
    expect(accounts.json().items).toHaveLength(4);
  });
});
