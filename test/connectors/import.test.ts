// Bulk import: formats, encodings, planning, row-level errors, all-or-nothing and skip-invalid.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ImportOptions, type ImportReport, importBuffer, importFile, summaryJson } from '../../src/connectors/import/importer.js';
import { decode } from '../../src/connectors/import/decode.js';
import { Directory } from '../../src/directory/directory.js';
import { BACKENDS, type TestStore } from '../store/backends.js';

const templates = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/templates');
const ACC_HEADER = 'username,name,mobile,email,organizations,status';
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function state(d: Directory): Promise<unknown> {
  return { tree: await d.getTree(), accounts: await d.allAccounts(), seq: await d.latestSequence() };
}

describe('decoding', () => {
  it('detects UTF-8 with and without BOM, and GB18030', () => {
    const text = 'username,name\nzs,张三\n';
    expect(decode(Buffer.concat([BOM, Buffer.from(text)]))).toMatchObject({ text, encoding: 'utf8', errors: [] });
    expect(decode(Buffer.from(text))).toMatchObject({ text, encoding: 'utf8', errors: [] });
    expect(decode(iconv.encode(text, 'gb18030'))).toMatchObject({ text, encoding: 'gb18030', errors: [] });
    expect(decode(iconv.encode(text, 'gb18030'), 'gb18030')).toMatchObject({ text, encoding: 'gb18030' });
  });

  it('reports the lines of bytes that are neither UTF-8 nor GB18030', () => {
    const buf = Buffer.concat([Buffer.from('a,b\nok,1\nbad'), Buffer.from([0xff, 0xff]), Buffer.from(',2\n')]);
    expect(decode(buf).errors).toMatchObject([{ row: 3, column: '', message: expect.stringContaining('neither UTF-8 nor GB18030') }]);
    // Forcing UTF-8 on a GB18030 file points at --encoding.
    const gb = iconv.encode('a,b\n张三,1\n', 'gb18030');
    expect(decode(gb, 'utf8').errors[0]).toMatchObject({ row: 2, message: expect.stringContaining('--encoding gb18030') });
  });
});

describe.each(BACKENDS)('import on $name', (backend) => {
  let t: TestStore;
  let d: Directory;
  const run = (content: string | Buffer, opts: ImportOptions = {}): Promise<ImportReport> =>
    importBuffer(d, typeof content === 'string' ? Buffer.from(content) : content, { fileName: 'x.csv', ...opts });

  beforeEach(async () => {
    t = await backend.open();
    d = new Directory(t.store);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('imports the documented templates (CSV and JSON) without errors', async () => {
    const orgs = await importFile(d, path.join(templates, 'organizations.csv'));
    expect(orgs).toMatchObject({ errors: [], organizations: { create: 4, update: 0, unchanged: 0 }, applied: true });
    const accs = await importFile(d, path.join(templates, 'accounts.csv'));
    expect(accs).toMatchObject({ errors: [], accounts: { create: 3, update: 0, unchanged: 0 }, organizations: { create: 0 } });
    const json = await importFile(d, path.join(templates, 'directory.json'));
    expect(json.errors).toEqual([]);
    expect(json.organizations).toEqual({ create: 0, update: 0, unchanged: 4 });
    expect(json.accounts).toMatchObject({ create: 0 });
    const zs = await d.getAccountByUsername('zhangsan');
    expect(zs).toMatchObject({ displayName: '张三', mobile: '+86 13800000000', gender: 'male', title: '销售经理', employeeNumber: 'E0001', externalId: 'hr-0001', attributes: { costCenter: 'CC100' } });
  });

  it('creates missing organizations along paths; the first path is primary', async () => {
    const r = await run(`${ACC_HEADER},title\nzs,张三,13800000000,zs@example.com,总公司/销售部/华东区;总公司/研发部,enabled,经理\n`);
    expect(r).toMatchObject({ errors: [], organizations: { create: 4 }, accounts: { create: 1 }, applied: true });
    const tree = await d.getTree();
    const byName = new Map(tree.map((o) => [o.name, o]));
    expect(byName.get('华东区')!.parentId).toBe(byName.get('销售部')!.id);
    const zs = (await d.getAccountByUsername('ZS'))!;
    expect(zs.primaryOrganizationId).toBe(byName.get('华东区')!.id);
    expect(zs.organizationIds).toEqual([byName.get('华东区')!.id, byName.get('研发部')!.id]);
    // Bulk appends: one change per created object.
    expect(await d.latestSequence()).toBe(5);
    const feed = await d.changesSince(0);
    expect(feed.filter((c) => c.objectType === 'organization')).toHaveLength(4);
    expect(feed.at(-1)).toMatchObject({ objectType: 'account', objectId: zs.id, operation: 'create' });
  });

  it('re-importing the same file changes nothing; a changed row is an update with its changed fields', async () => {
    const file = `${ACC_HEADER},attr.cc\nzs,张三,13800000000,zs@example.com,A/B,enabled,1\nls,李四,,ls@example.com,A,enabled,2\n`;
    await run(file);
    const seq = await d.latestSequence();
    const again = await run(file);
    expect(again).toMatchObject({ organizations: { create: 0, update: 0, unchanged: 2 }, accounts: { create: 0, update: 0, unchanged: 2 }, applied: false });
    expect(await d.latestSequence()).toBe(seq);
    const changed = await run(`${ACC_HEADER},attr.cc\nZS,张三丰,+86 138 0000 0000,zs@example.com,A,disabled,\n`);
    expect(changed).toMatchObject({ accounts: { create: 0, update: 1, unchanged: 0 }, errors: [] });
    const feed = await d.changesSince(seq);
    expect(feed).toHaveLength(1);
    expect(feed[0]!.changedFields.sort()).toEqual(['attributes', 'displayName', 'organizationIds', 'primaryOrganizationId', 'status', 'username'].sort());
    expect(await d.getAccountByUsername('zs')).toMatchObject({ username: 'ZS', displayName: '张三丰', status: 'disabled', attributes: {}, version: 2 });
  });

  it('imports an organizations file and matches by external id (moves and renames)', async () => {
    await run('path,order,code,external_id\n总公司,1,HQ,o1\n总公司/销售部,2,S,o2\n总公司/研发部,3,,o3\n');
    const r = await run('path,order,code,external_id\n总公司/研发部/销售中心,5,S,o2\n');
    expect(r).toMatchObject({ errors: [], organizations: { create: 0, update: 1 } });
    const tree = await d.getTree();
    const sales = tree.find((o) => o.externalId === 'o2')!;
    expect(sales).toMatchObject({ name: '销售中心', order: 5, version: 2 });
    expect(tree.find((o) => o.id === sales.parentId)!.name).toBe('研发部');
  });

  it('dry-run reports what would change and changes nothing', async () => {
    const before = await state(d);
    const r = await run(`${ACC_HEADER}\nzs,张三,13800000000,,A/B,enabled\n`, { dryRun: true });
    expect(r).toMatchObject({ dryRun: true, applied: false, organizations: { create: 2 }, accounts: { create: 1 }, errors: [] });
    expect(await state(d)).toEqual(before);
  });

  it('a malformed file gives row-level errors and changes nothing', async () => {
    await run(`${ACC_HEADER}\nexisting,E,,,A,enabled\n`);
    const before = await state(d);
    const file = [
      ACC_HEADER,
      'ok1,好,13800000000,ok1@example.com,A/B,enabled', // row 2: fine
      'bad mobile,坏,12345,nope@,A,enabled', // row 3: username, mobile, email
      'OK1,重复,,,A,enabled', // row 4: duplicate of row 2 (case-insensitive)
      'x2,X,,,A//B,maybe', // row 5: empty path segment, bad status
      'x3,,,,,enabled', // row 6: name and organizations missing
      'x4,"多行',
      '名字",,,A,enabled', // row 7 (a cell over two lines): a name may not contain a line break
      'x5,X,,,A,enabled,extra', // row 9: too many values
    ].join('\n');
    const r = await run(file);
    expect(r.applied).toBe(false);
    expect(r.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 3, column: 'username', message: expect.any(String) }),
        expect.objectContaining({ row: 3, column: 'mobile', message: expect.stringContaining('12345') }),
        expect.objectContaining({ row: 3, column: 'email', message: expect.stringContaining('nope@') }),
        expect.objectContaining({ row: 4, column: 'username', message: expect.stringContaining('row 2') }),
        expect.objectContaining({ row: 5, column: 'organizations', message: expect.stringContaining('empty segment') }),
        expect.objectContaining({ row: 5, column: 'status', message: expect.stringContaining('maybe') }),
        expect.objectContaining({ row: 6, column: 'name', message: expect.any(String) }),
        expect.objectContaining({ row: 6, column: 'organizations', message: expect.any(String) }),
        expect.objectContaining({ row: 7, column: 'name', message: expect.stringContaining('control characters') }),
        expect.objectContaining({ row: 9, column: '', message: expect.stringContaining('7 values') }),
      ]),
    );
    expect(r.errors.some((e) => e.row === 2 || e.row === 8)).toBe(false);
    expect(await state(d)).toEqual(before);
  });

  it('missing columns are reported by name and nothing is imported, even with --skip-invalid', async () => {
    const before = await state(d);
    const r = await run('username,name,email\nzs,张三,zs@example.com\n', { skipInvalid: true });
    expect(r.errors.map((e) => [e.row, e.column])).toEqual([
      [1, 'mobile'],
      [1, 'organizations'],
      [1, 'status'],
    ]);
    expect(r.applied).toBe(false);
    const unknown = await run(`${ACC_HEADER},emial\n`);
    expect(unknown.errors).toMatchObject([{ row: 1, column: 'emial', message: expect.stringContaining('unknown column') }]);
    const kind = await run('foo,bar\n1,2\n');
    expect(kind.errors[0]!.message).toContain('cannot tell');
    expect(await state(d)).toEqual(before);
  });

  it('a cycle in organization paths is a row error and nothing changes', async () => {
    const before = await state(d);
    const r = await run('path,order,code,external_id\nX,1,,e1\nX/Y,2,,e2\nX/Y/Z,3,,e1\n');
    expect(r.errors).toMatchObject([{ row: 4, column: 'path', message: expect.stringContaining('cycle') }]);
    expect(r.errors[0]!.message).toContain('"X"');
    expect(await state(d)).toEqual(before);
    // Against existing data too: moving an existing organization under its own child.
    await run('path,order,code,external_id\nP,1,,p\nP/Q,1,,q\n');
    const mid = await state(d);
    const r2 = await run('path,external_id\nP/Q/P2,p\n');
    expect(r2.errors[0]).toMatchObject({ row: 2, column: 'path', message: expect.stringContaining('inside itself') });
    expect(await state(d)).toEqual(mid);
  });

  it('duplicate paths in an organizations file are reported with the earlier row', async () => {
    const r = await run('path,order\nA,1\nA/B,2\nA/B,3\n');
    expect(r.errors).toMatchObject([{ row: 4, column: 'path', message: expect.stringContaining('row 3') }]);
  });

  it('GB18030 files (as Excel saves them in China) import like UTF-8 ones, detected or forced', async () => {
    const text = `${ACC_HEADER}\nzs,张三,13800000000,zs@example.com,总公司/销售部,启用\n`;
    const r = await run(iconv.encode(text, 'gb18030'));
    expect(r).toMatchObject({ encoding: 'gb18030', errors: [], accounts: { create: 1 } });
    expect(await d.getAccountByUsername('zs')).toMatchObject({ displayName: '张三', status: 'enabled' });
    const forced = await run(iconv.encode(text.replace('张三', '张三丰'), 'gb18030'), { encoding: 'gb18030' });
    expect(forced).toMatchObject({ errors: [], accounts: { update: 1 } });
  });

  it('a file with bad bytes gives row-level errors and changes nothing', async () => {
    const before = await state(d);
    const buf = Buffer.concat([Buffer.from(`${ACC_HEADER}\nzs,Z,,,A,enabled\nls,`), Buffer.from([0xff, 0xfe, 0xff]), Buffer.from(',,,A,enabled\n')]);
    const r = await run(buf);
    expect(r.errors).toMatchObject([{ row: 3, column: '', message: expect.stringContaining('neither UTF-8 nor GB18030') }]);
    expect(await state(d)).toEqual(before);
  });

  it('--skip-invalid imports the valid rows and reports every skipped one', async () => {
    const r = await run(`${ACC_HEADER}\nok,好,,,A,enabled\nbad,坏,1,,A,enabled\nok2,好2,,x@,A,enabled\nok3,好3,,,A,enabled\n`, { skipInvalid: true });
    expect(r).toMatchObject({ applied: true, skippedRows: 2, accounts: { create: 2 } });
    expect(r.errors.map((e) => [e.row, e.column])).toEqual([
      [3, 'mobile'],
      [4, 'email'],
    ]);
    expect((await d.allAccounts()).map((a) => a.username).sort()).toEqual(['ok', 'ok3']);
  });

  it('the apply is all-or-nothing: an error on the last row leaves everything untouched', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => `u${i},U${i},,,Org/T${i % 7},enabled`);
    rows.push('u0,dup,,,Org,enabled');
    const before = await state(d);
    const r = await run([ACC_HEADER, ...rows].join('\n'));
    expect(r.errors).toMatchObject([{ row: 502, column: 'username', message: expect.stringContaining('row 2') }]);
    expect(r.applied).toBe(false);
    expect(await state(d)).toEqual(before);
  });

  it('matches accounts by external id first (renames), and refuses conflicting ids', async () => {
    await run(`${ACC_HEADER},external_id\nold,Old,,,A,enabled,hr-1\nother,O,,,A,enabled,hr-2\n`);
    const renamed = await run(`${ACC_HEADER},external_id\nnew,New,,,A,enabled,hr-1\n`);
    expect(renamed).toMatchObject({ errors: [], accounts: { update: 1 } });
    expect(await d.getAccountByUsername('new')).toMatchObject({ externalId: 'hr-1' });
    const clash = await run(`${ACC_HEADER},external_id\nother,O,,,A,enabled,hr-9\n`);
    expect(clash.errors).toMatchObject([{ row: 2, column: 'external_id', message: expect.stringContaining('hr-2') }]);
    const taken = await run(`${ACC_HEADER},external_id\nother,O,,,A,enabled,hr-1\n`);
    expect(taken.errors[0]).toMatchObject({ row: 2, column: 'username' });
  });

  it('imports JSON with both sections in one transaction, with per-section row errors', async () => {
    const ok = JSON.stringify({
      organizations: [{ path: 'R/S', order: 2, code: 'S' }],
      accounts: [{ username: 'j', name: 'J', organizations: ['R/S', 'R'], mobile: 13800000000, attributes: { level: 3, vip: true } }],
    });
    const r = await run(ok, { fileName: 'd.json' });
    expect(r).toMatchObject({ format: 'json', errors: [], organizations: { create: 2 }, accounts: { create: 1 } });
    expect(await d.getAccountByUsername('j')).toMatchObject({ mobile: '+86 13800000000', attributes: { level: 3, vip: true } });
    const before = await state(d);
    const bad = await run(JSON.stringify({ organizations: [{ path: 'R/T' }], accounts: [{ username: 'k', name: 'K', organizations: 'R', email: 'bad' }, { name: 'x' }] }), { fileName: 'd.json' });
    expect(bad.errors).toMatchObject([
      { row: 1, column: 'email', message: expect.any(String), section: 'accounts' },
      { row: 2, column: 'username', message: expect.any(String), section: 'accounts' },
      { row: 2, column: 'organizations', message: expect.any(String), section: 'accounts' },
    ]);
    expect(await state(d)).toEqual(before);
    const syntax = await run('{"accounts": [\n{"username": }\n]}', { fileName: 'd.json' });
    expect(syntax.errors[0]).toMatchObject({ row: 2, message: expect.stringContaining('JSON syntax error') });
  });

  it('refuses text that is not valid Unicode (a lone surrogate in JSON) with a row-level error naming the key', async () => {
    const before = await state(d);
    const file = '{"accounts": [{"username": "ok", "name": "OK", "organizations": "R"}, {"username": "zs", "name": "Z\\ud800s", "organizations": "R", "attributes": {"cc": "\\udc00"}}]}';
    const r = await run(file, { fileName: 'd.json' });
    expect(r.errors).toMatchObject([
      { row: 2, column: 'name', message: expect.stringContaining('not valid Unicode'), section: 'accounts' },
      { row: 2, column: 'attr.cc', message: expect.stringContaining('not valid Unicode'), section: 'accounts' },
    ]);
    expect(await state(d)).toEqual(before);
    const skipped = await run(file, { fileName: 'd.json', skipInvalid: true });
    expect(skipped).toMatchObject({ applied: true, skippedRows: 1, accounts: { create: 1 } });
    expect(await d.getAccountByUsername('zs')).toBeUndefined();
  });

  it('the --json summary has the documented shape', async () => {
    const r = await run(`${ACC_HEADER}\nzs,Z,,,A,enabled\n`, { dryRun: true });
    const s = summaryJson(r);
    expect(s).toMatchObject({
      organizations: { create: 1, update: 0, unchanged: 0 },
      accounts: { create: 1, update: 0, unchanged: 0 },
      errors: [],
    });
  });
});

describe('import at scale (embedded store)', () => {
  it('imports 20k accounts in one transaction with one change each', async () => {
    const t = await BACKENDS[0]!.open();
    try {
      const d = new Directory(t.store);
      const lines = [ACC_HEADER];
      for (let i = 0; i < 20_000; i++) lines.push(`user${i},员工${i},+86 13${String(i).padStart(9, '0')},u${i}@example.com,总公司/部${i % 50}/组${i % 500},enabled`);
      // how fast (100k accounts): `npm run bench -- import`
      const r = await importBuffer(d, Buffer.from(lines.join('\n')), { fileName: 'a.csv' });
      expect(r).toMatchObject({ errors: [], accounts: { create: 20_000 }, organizations: { create: 551 } });
      expect(await d.latestSequence()).toBe(20_551);
      const sub = await d.accountsInSubtree((await d.listOrganizations({ parentId: null })).items[0]!.id);
      expect(sub).toHaveLength(20_000);
    } finally {
      await t.dispose();
    }
  }, 60_000);
});

void fs;
