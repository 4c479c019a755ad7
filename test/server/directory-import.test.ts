// POST /api/v1/directory/import (the CLI's importer over REST: dry run, then the real run) and
// GET /api/v1/directory/export (the directory as a JSON import file, read back unchanged).
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Directory } from '../../src/directory/directory.js';
import { IMPORT_MAX_BYTES } from '../../src/server/routes/directory-io.js';
import { type Harness, PROBLEM, bearer, harness } from './harness.js';

const ORGS_CSV = 'path,order,code\n总公司,1,HQ\n总公司/销售部,10,SALES\n总公司/研发部,20,RD\n';
const ACCOUNTS_CSV =
  'username,name,mobile,email,organizations,status\n' +
  'zhangsan,张三,13800000001,zhangsan@example.com,总公司/销售部,enabled\n' +
  'lisi,李四,,lisi@example.com,总公司/研发部;总公司/销售部,enabled\n';
const BAD_ACCOUNTS_CSV =
  'username,name,mobile,email,organizations,status\n' +
  'zhangsan,张三,13800000001,zhangsan@example.com,总公司/销售部,enabled\n' +
  'lisi,李四,,not-an-email,总公司/研发部,enabled\n';

describe('directory import and export over REST', () => {
  let h: Harness;
  let d: Directory;
  beforeEach(async () => {
    h = await harness();
    d = new Directory(h.t.store);
  });
  afterEach(async () => {
    await h.dispose();
  });
  const admin = () => bearer(h.adminToken);
  const post = (dryRun: boolean, payload: object, headers: Record<string, string> = admin()) =>
    h.inject({ method: 'POST', url: `/api/v1/directory/import?dryRun=${dryRun}`, payload, headers });
  const counts = async () => ({ orgs: (await d.snapshot()).organizations.length, accounts: (await d.snapshot()).accounts.length, feed: (await d.changesSince(0, 10_000)).length });

  it('previews a file without writing anything, then imports it in one go, audited', async () => {
    const preview = await post(true, { fileName: 'orgs.csv', content: ORGS_CSV });
    expect(preview.statusCode).toBe(200);
    expect(preview.json()).toMatchObject({ dryRun: true, applied: false, organizations: { create: 3, update: 0, unchanged: 0 }, errors: [], format: 'csv' });
    expect(await counts()).toEqual({ orgs: 0, accounts: 0, feed: 0 });
    expect((await h.auditLog.list({})).items.filter((e) => e.action !== 'auth.login')).toEqual([]);

    const done = await post(false, { fileName: 'orgs.csv', content: ORGS_CSV });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ dryRun: false, applied: true, organizations: { create: 3 }, changes: 3 });
    const accounts = await post(false, { fileName: 'accounts.csv', content: ACCOUNTS_CSV });
    expect(accounts.json()).toMatchObject({ applied: true, accounts: { create: 2, update: 0, unchanged: 0 } });
    const lisi = (await d.listAccounts({ username: 'lisi' })).items[0]!;
    const rd = (await d.listOrganizations({ code: 'RD' })).items[0]!;
    expect(lisi).toMatchObject({ displayName: '李四', primaryOrganizationId: rd.id });
    expect(lisi.organizationIds).toHaveLength(2);

    // the same file again: unchanged, nothing written
    const again = await post(true, { fileName: 'accounts.csv', content: ACCOUNTS_CSV });
    expect(again.json()).toMatchObject({ accounts: { create: 0, update: 0, unchanged: 2 } });

    const audited = (await h.auditLog.list({})).items.filter((e) => e.action === 'directory.import');
    expect(audited).toHaveLength(2);
    expect(audited.map((e) => e.detail)).toContainEqual(expect.objectContaining({ fileName: 'accounts.csv', accounts: { create: 2, update: 0, unchanged: 0 }, changes: 2 }));
  });

  it('names each bad row (row, column, message) and imports nothing, in the preview and in the real run', async () => {
    await post(false, { fileName: 'orgs.csv', content: ORGS_CSV });
    const before = await counts();
    const preview = await post(true, { fileName: 'accounts.csv', content: BAD_ACCOUNTS_CSV });
    expect(preview.statusCode).toBe(200);
    // each row error has a code and params, so the console says it in the user's language
    expect(preview.json().errors).toEqual([{ row: 3, column: 'email', message: expect.stringContaining('not-an-email'), code: 'invalid.email', params: { value: expect.stringContaining('not-an-email') } }]);
    expect(preview.json().accounts).toMatchObject({ create: 1 });

    const refused = await post(false, { fileName: 'accounts.csv', content: BAD_ACCOUNTS_CSV });
    expect(refused.statusCode).toBe(422);
    expect(refused.headers['content-type']).toContain(PROBLEM);
    expect(refused.json().errors).toEqual([{ field: 'row 3.email', message: expect.stringContaining('not-an-email'), code: 'invalid.email', params: { value: expect.stringContaining('not-an-email') } }]);
    expect(refused.json()).toMatchObject({ code: 'error.import-refused', params: { count: 1, row: 3, column: 'email' } });
    expect(await counts()).toEqual(before);
    expect((await h.auditLog.list({})).items.filter((e) => e.action === 'directory.import')).toHaveLength(1);

    // skipInvalid: the good row goes in, the bad one is reported
    const skipped = await h.inject({ method: 'POST', url: '/api/v1/directory/import?dryRun=false&skipInvalid=true', payload: { fileName: 'a.csv', content: BAD_ACCOUNTS_CSV }, headers: admin() });
    expect(skipped.json()).toMatchObject({ applied: true, skippedRows: 1, accounts: { create: 1 } });

    // a file-level problem: an unknown column
    const header = await post(true, { content: 'username,name,mobile,email,organizations,status,shoe_size\n' });
    expect(header.json().errors).toEqual([expect.objectContaining({ row: 1, column: 'shoe_size' })]);
  });

  it('reads JSON and GB18030 files (as base64), and refuses a body that is not one file', async () => {
    const json = await post(true, { content: JSON.stringify({ organizations: [{ path: '总公司' }], accounts: [{ username: 'wu', name: '吴', organizations: ['总公司'] }] }) });
    expect(json.json()).toMatchObject({ format: 'json', organizations: { create: 1 }, accounts: { create: 1 }, errors: [] });
    const gbk = iconv.encode(ORGS_CSV, 'gb18030').toString('base64');
    const fromExcel = await post(false, { fileName: 'orgs.csv', contentBase64: gbk });
    expect(fromExcel.json()).toMatchObject({ encoding: 'gb18030', applied: true, organizations: { create: 3 } });
    expect((await d.listOrganizations({ code: 'SALES' })).items[0]?.name).toBe('销售部');

    const both = await post(true, { content: 'x', contentBase64: 'eA==' });
    expect(both.statusCode).toBe(400);
    expect(both.json().errors).toEqual([expect.objectContaining({ field: 'content' })]);
    expect((await post(true, {})).statusCode).toBe(400);
    expect((await post(true, { contentBase64: '%%%' })).statusCode).toBe(400);
  });

  it('refuses a file over the limit with 413, writing nothing', async () => {
    const row = 'user,名字,,,总公司,enabled\n';
    const big = 'username,name,mobile,email,organizations,status\n' + row.repeat(Math.ceil((IMPORT_MAX_BYTES + 1024) / Buffer.byteLength(row)));
    const r = await post(false, { fileName: 'big.csv', content: big });
    expect(r.statusCode).toBe(413);
    expect(r.headers['content-type']).toContain(PROBLEM);
    expect(r.json().detail).toContain('16 MiB');
    expect(await counts()).toEqual({ orgs: 0, accounts: 0, feed: 0 });
  });

  it('is for administrators: 401 without credentials, 403 for a viewer (who may export)', async () => {
    expect((await post(true, { content: ORGS_CSV }, {})).statusCode).toBe(401);
    expect((await post(true, { content: ORGS_CSV }, bearer(h.viewerToken))).statusCode).toBe(403);
    expect((await h.inject({ method: 'GET', url: '/api/v1/directory/export' })).statusCode).toBe(401);
    expect((await h.inject({ method: 'GET', url: '/api/v1/directory/export', headers: bearer(h.viewerToken) })).statusCode).toBe(200);
  });

  it('exports the directory as a JSON file the import reads back unchanged', async () => {
    await post(false, { fileName: 'orgs.csv', content: ORGS_CSV });
    await post(false, { fileName: 'accounts.csv', content: ACCOUNTS_CSV });
    const r = await h.inject({ method: 'GET', url: '/api/v1/directory/export', headers: admin() });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-disposition']).toMatch(/^attachment; filename="directory-\d{4}-\d{2}-\d{2}\.json"$/);
    const doc = r.json();
    expect(doc.organizations.map((o: { path: string }) => o.path)).toEqual(['总公司', '总公司/销售部', '总公司/研发部']);
    expect(doc.accounts.find((a: { username: string }) => a.username === 'lisi')).toMatchObject({ name: '李四', organizations: ['总公司/研发部', '总公司/销售部'], mobile: null });

    // read back: everything unchanged
    const back = await post(true, { fileName: 'directory.json', content: r.body });
    expect(back.json()).toMatchObject({ errors: [], organizations: { create: 0, update: 0, unchanged: 3 }, accounts: { create: 0, update: 0, unchanged: 2 } });
    // into an empty directory: the same tree and accounts
    const other = await harness();
    try {
      const into = await other.inject({ method: 'POST', url: '/api/v1/directory/import?dryRun=false', payload: { fileName: 'directory.json', content: r.body }, headers: bearer(other.adminToken) });
      expect(into.json()).toMatchObject({ applied: true, organizations: { create: 3 }, accounts: { create: 2 } });
    } finally {
      await other.dispose();
    }
  });
});
