import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { Caller, CORP, startTestSim } from './helpers.js';

let s: RunningSimulator;
let c: Caller;
beforeAll(async () => ({ s, c } = await startTestSim({ corps: [{ corpid: CORP, secret: 'test-secret', extattrs: [{ name: '工号', type: 'text' }, { name: 'Site', type: 'web' }] }] })));
afterAll(() => s.close());
beforeEach(() => {
  s.sim.reset();
  c.forgetToken();
  s.sim.seedDepartment(CORP, { name: 'A', id: 2 });
  s.sim.seedDepartment(CORP, { name: 'B', id: 3 });
  s.sim.seedMember(CORP, { userid: 'ZhangSan', name: '张三', department: [2], mobile: '13800000000', email: 'zs@example.com', biz_mail: 'zs@corp.example.com' });
});

const base = { name: '李四', department: [2], mobile: '13900000000' };
const create = (body: Record<string, unknown>) => c.postCode('user/create', body);
const update = (body: Record<string, unknown>) => c.postCode('user/update', body);
const member = async (userid: string) => (await c.get('user/get', { userid })).body;

describe('user/create rules (a failing and a passing case each)', () => {
  it.each([
    ['userid characters → 40003', { ...base, userid: 'li si' }, { ...base, userid: 'li.si-1_x' }, 40003],
    ['userid missing → 41009', { ...base }, { ...base, userid: 'lisi' }, 41009],
    ['userid taken in another case → 60102', { ...base, userid: 'zhangsan' }, { ...base, userid: 'zhangsan2' }, 60102],
    ['name empty → 60112', { ...base, userid: 'lisi', name: '' }, { ...base, userid: 'lisi' }, 60112],
    ['mobile malformed → 60103', { ...base, userid: 'lisi', mobile: '138abc' }, { ...base, userid: 'lisi', mobile: '+86 13900000000' }, 60103],
    ['mobile taken → 60104', { ...base, userid: 'lisi', mobile: '138-0000-0000' }, { ...base, userid: 'lisi' }, 60104],
    ['mobile taken with +86 → 60104', { ...base, userid: 'lisi', mobile: '+86 13800000000' }, { ...base, userid: 'lisi' }, 60104],
    ['email malformed → 60105', { ...base, userid: 'lisi', email: 'not-an-email' }, { ...base, userid: 'lisi', email: 'ls@example.com' }, 60105],
    ['email taken (any case) → 60106', { ...base, userid: 'lisi', email: 'ZS@example.com' }, { ...base, userid: 'lisi', email: 'ls@example.com' }, 60106],
    ['biz_mail taken → 60145', { ...base, userid: 'lisi', biz_mail: 'zs@corp.example.com' }, { ...base, userid: 'lisi', biz_mail: 'ls@corp.example.com' }, 60145],
    ['mobile and email both empty → 60129', { userid: 'lisi', name: 'L', department: [2] }, { userid: 'lisi', name: 'L', department: [2], email: 'l@example.com' }, 60129],
    ['unknown department → 60123', { ...base, userid: 'lisi', department: [99] }, { ...base, userid: 'lisi', department: [3] }, 60123],
    ['empty department list → 40066', { ...base, userid: 'lisi', department: [] }, { ...base, userid: 'lisi', department: [2, 3] }, 40066],
    ['department missing → 41019', { userid: 'lisi', name: 'L', mobile: '13900000000' }, { ...base, userid: 'lisi' }, 41019],
    ['more than 100 departments → 60110', { ...base, userid: 'lisi', department: Array.from({ length: 101 }, (_, i) => i + 2) }, { ...base, userid: 'lisi' }, 60110],
    ['is_leader_in_dept length → 60132', { ...base, userid: 'lisi', is_leader_in_dept: [1, 0] }, { ...base, userid: 'lisi', is_leader_in_dept: [1] }, 60132],
    ['direct_leader not a member → 40003', { ...base, userid: 'lisi', direct_leader: ['ghost'] }, { ...base, userid: 'lisi', direct_leader: ['zhangsan'] }, 40003],
    ['gender other than 1 and 2 → 40058', { ...base, userid: 'lisi', gender: '0' }, { ...base, userid: 'lisi', gender: 2 }, 40058],
    ['alias of 65 / 64 characters → 40058', { ...base, userid: 'lisi', alias: 'a'.repeat(65) }, { ...base, userid: 'lisi', alias: 'a'.repeat(64) }, 40058],
    ['userid with a space / with @ → 40003', { ...base, userid: 'li si@corp' }, { ...base, userid: 'li.si@corp' }, 40003],
    ['mobile with two spaces / +86 without a space → 60103', { ...base, userid: 'lisi', mobile: '+86 139 0000 0000' }, { ...base, userid: 'lisi', mobile: '+8613900000000' }, 60103],
    ['unknown field → 40058', { ...base, userid: 'lisi', mail: 'x' }, { ...base, userid: 'lisi' }, 40058],
    ['avatar_mediaid not an image → 301015', { ...base, userid: 'lisi', avatar_mediaid: 'nope' }, { ...base, userid: 'lisi', avatar_mediaid: '' }, 301015],
  ])('%s', async (_label, bad, good, code) => {
    expect(await create(bad)).toBe(code);
    expect(await create(good)).toBe(0);
  });

  it('ignores unknown fields as WeCom does unless told to refuse them', async () => {
    s.sim.setRules({ refuseUnknownFields: false });
    expect(await create({ ...base, userid: 'lisi', mail: 'x' })).toBe(0);
    expect(await member('lisi')).not.toHaveProperty('mail');
  });

  it('stores an integer gender as the string WeCom returns', async () => {
    expect(await create({ ...base, userid: 'lisi', gender: 2 })).toBe(0);
    expect((await member('lisi')).gender).toBe('2');
  });

  it('stores the userid as given and finds it case-insensitively; user/get returns the full member object', async () => {
    expect(await create({ ...base, userid: 'LiSi', direct_leader: ['ZHANGSAN'], extattr: { attrs: [{ type: 0, name: '工号', text: { value: '007' } }] } })).toBe(0);
    const m = await member('lisi');
    expect(m).toMatchObject({ errcode: 0, userid: 'LiSi', name: '李四', department: [2], order: [0], is_leader_in_dept: [0], direct_leader: ['ZhangSan'], main_department: 2, status: 4, enable: 1, gender: '0' });
    for (const f of ['position', 'mobile', 'email', 'biz_mail', 'avatar', 'thumb_avatar', 'telephone', 'alias', 'address', 'qr_code', 'external_position', 'external_profile', 'extattr'])
      expect(m).toHaveProperty(f);
  });

  it('drops extattrs whose names are not configured, keeps configured ones, refuses a type mismatch', async () => {
    const attrs = [
      { type: 0, name: '工号', text: { value: '42' } },
      { type: 0, name: '未配置', text: { value: 'x' } },
    ];
    expect(await create({ ...base, userid: 'lisi', extattr: { attrs } })).toBe(0);
    expect((await member('lisi')).extattr).toEqual({ attrs: [{ type: 0, name: '工号', text: { value: '42' } }] });
    expect(await update({ userid: 'lisi', extattr: { attrs: [{ type: 0, name: 'Site', text: { value: 'x' } }] } })).toBe(40058);
  });

  it('accepts to_invite on create only', async () => {
    expect(await create({ ...base, userid: 'lisi', to_invite: false })).toBe(0);
    expect(await update({ userid: 'lisi', to_invite: false })).toBe(40058);
  });
});

describe('user/update rules', () => {
  it.each([
    ['unknown userid → 60111', { userid: 'ghost', name: 'X' }, { userid: 'zhangsan', name: 'X' }, 60111],
    ['mobile of another member → 60104', { userid: 'lisi', mobile: '13800000000' }, { userid: 'lisi', mobile: '13700000000' }, 60104],
    ['is_leader_in_dept vs stored departments → 60132', { userid: 'lisi', is_leader_in_dept: [1, 0] }, { userid: 'lisi', is_leader_in_dept: [1] }, 60132],
    ['main_department outside stored departments → 40058', { userid: 'lisi', main_department: 3 }, { userid: 'lisi', main_department: 2 }, 40058],
    ['order with department of another length → 40058', { userid: 'lisi', department: [2], order: [1, 2] }, { userid: 'lisi', department: [2], order: [1] }, 40058],
    ['clearing both mobile and email → 60129', { userid: 'lisi', mobile: '' }, { userid: 'lisi', mobile: '', email: 'l@example.com' }, 60129],
    ['unknown department → 60123', { userid: 'lisi', department: [2, 77] }, { userid: 'lisi', department: [2, 3] }, 60123],
  ])('%s', async (_label, bad, good, code) => {
    expect(await create({ ...base, userid: 'lisi' })).toBe(0);
    expect(await update(bad)).toBe(code);
    expect(await update(good)).toBe(0);
  });

  it('ignores order sent without department', async () => {
    expect(await create({ ...base, userid: 'lisi', order: [7] })).toBe(0);
    expect(await update({ userid: 'lisi', order: [1, 2, 3] })).toBe(0);
    expect((await member('lisi')).order).toEqual([7]);
  });

  it('refuses new_userid for API-created members → 301036', async () => {
    expect(await update({ userid: 'zhangsan', new_userid: 'zs2' })).toBe(301036);
  });

  it('allows new_userid once for a WeCom-generated userid, and updates leader references', async () => {
    s.sim.seedMember(CORP, { userid: 'wo1234', name: 'Gen', department: [2], email: 'gen@example.com' }, { useridGenerated: true });
    expect(await create({ ...base, userid: 'lisi', direct_leader: ['wo1234'] })).toBe(0);
    expect(await update({ userid: 'wo1234', new_userid: 'ZhangSan' })).toBe(60102);
    expect(await update({ userid: 'wo1234', new_userid: 'wang.wu' })).toBe(0);
    expect((await member('wang.wu')).userid).toBe('wang.wu');
    expect((await member('lisi')).direct_leader).toEqual(['wang.wu']);
    expect(await c.getCode('user/get', { userid: 'wo1234' })).toBe(60111);
    expect(await update({ userid: 'wang.wu', new_userid: 'wang.wu2' })).toBe(301036);
  });

  it('ignores a mobile change silently once the member has activated', async () => {
    s.sim.seedMember(CORP, { userid: 'active', name: 'A', department: [2], mobile: '13600000000' }, { status: 1 });
    expect(await update({ userid: 'active', mobile: '13611111111', position: 'lead' })).toBe(0);
    expect(await member('active')).toMatchObject({ mobile: '13600000000', position: 'lead', status: 1 });
    expect(await update({ userid: 'zhangsan', mobile: '13611111111' })).toBe(0);
    expect((await member('zhangsan')).mobile).toBe('13611111111');
  });

  it('enable 0 disables (status 2); enable 1 restores 4, or 1 for a member who had activated', async () => {
    s.sim.seedMember(CORP, { userid: 'active', name: 'A', department: [2], mobile: '13600000000' }, { status: 1 });
    for (const [userid, back] of [['zhangsan', 4], ['active', 1]] as const) {
      expect(await update({ userid, enable: 0 })).toBe(0);
      expect(await member(userid)).toMatchObject({ status: 2, enable: 0 });
      expect(await update({ userid, enable: 1 })).toBe(0);
      expect(await member(userid)).toMatchObject({ status: back, enable: 1 });
    }
  });

  it('keeps per-department order and leader flags when departments change without them', async () => {
    expect(await create({ ...base, userid: 'lisi', department: [2, 3], order: [5, 6], is_leader_in_dept: [1, 0] })).toBe(0);
    expect(await update({ userid: 'lisi', department: [3, 1] })).toBe(0);
    expect(await member('lisi')).toMatchObject({ department: [3, 1], order: [6, 0], is_leader_in_dept: [0, 0], main_department: 3 });
  });
});

describe('user/delete and user/batchdelete', () => {
  it('deletes by userid in any case, 60111 when unknown', async () => {
    expect(await c.getCode('user/delete', { userid: 'ghost' })).toBe(60111);
    expect(await c.getCode('user/delete', { userid: 'ZHANGSAN' })).toBe(0);
    expect(s.sim.company(CORP).members.all().map((m) => m.userid)).toEqual(['creator']);
  });

  it('is all-or-nothing: one unknown userid → 301021 and nobody is deleted', async () => {
    s.sim.seedMember(CORP, { userid: 'b', name: 'B', department: [2], email: 'b@example.com' });
    expect(await c.postCode('user/batchdelete', { useridlist: ['zhangsan', 'ghost'] })).toBe(301021);
    expect(s.sim.company(CORP).members.size).toBe(3); // with the creator
    expect(await c.postCode('user/batchdelete', { useridlist: ['zhangsan', 'B'] })).toBe(0);
    expect(s.sim.company(CORP).members.all().map((m) => m.userid)).toEqual(['creator']);
  });

  it('takes at most 200 userids → 40032, and no duplicates → 40031', async () => {
    const many = Array.from({ length: 201 }, (_, i) => `u${i}`);
    expect(await c.postCode('user/batchdelete', { useridlist: many })).toBe(40032);
    expect(await c.postCode('user/batchdelete', { useridlist: ['zhangsan', 'ZhangSan'] })).toBe(40031);
    expect(await c.postCode('user/batchdelete', { useridlist: ['zhangsan'] })).toBe(0);
  });
});

describe('member reads and lookups', () => {
  beforeEach(() => {
    s.sim.seedDepartment(CORP, { name: 'A1', id: 4, parentid: 2 });
    s.sim.seedMember(CORP, { userid: 'b', name: 'B', department: [3, 4], email: 'b@example.com' });
    s.sim.seedMember(CORP, { userid: 'c', name: 'C', department: [4], email: 'c@example.com' });
  });

  it('user/list_id pages one row per (userid, department) and omits next_cursor on the last page', async () => {
    const rows: Array<{ userid: string; department: number }> = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const a = await c.post('user/list_id', { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(a.body.errcode).toBe(0);
      rows.push(...a.body.dept_user);
      cursor = a.body.next_cursor;
      if (cursor === undefined) expect(a.body).not.toHaveProperty('next_cursor');
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(rows).toEqual([
      { userid: 'creator', department: 1 },
      { userid: 'ZhangSan', department: 2 },
      { userid: 'b', department: 3 },
      { userid: 'b', department: 4 },
      { userid: 'c', department: 4 },
    ]);
  });

  it('user/list_id refuses a cursor it did not issue → 50100, and a limit beyond 10000 → 40058', async () => {
    expect(await c.postCode('user/list_id', { cursor: 'not-a-cursor' })).toBe(50100);
    expect(await c.postCode('user/list_id', { limit: 10001 })).toBe(40058);
  });

  it('user/simplelist and user/list follow fetch_child', async () => {
    const only = (await c.get('user/simplelist', { department_id: 2 })).body.userlist;
    expect(only).toEqual([{ userid: 'ZhangSan', name: '张三', department: [2] }]);
    const deep = (await c.get('user/list', { department_id: 2, fetch_child: 1 })).body.userlist as Array<{ userid: string }>;
    expect(deep.map((m) => m.userid)).toEqual(['ZhangSan', 'b', 'c']);
    expect(await c.getCode('user/list', { department_id: 99 })).toBe(60003);
  });

  it('getuserid finds by mobile (46004 when unknown); get_userid_by_email by biz_mail (1) or personal email (2)', async () => {
    expect((await c.post('user/getuserid', { mobile: '13800000000' })).body).toMatchObject({ errcode: 0, userid: 'ZhangSan' });
    expect(await c.postCode('user/getuserid', { mobile: '13000000000' })).toBe(46004);
    expect((await c.post('user/get_userid_by_email', { email: 'zs@corp.example.com', email_type: 1 })).body.userid).toBe('ZhangSan');
    expect((await c.post('user/get_userid_by_email', { email: 'zs@corp.example.com' })).body.userid).toBe('ZhangSan');
    expect(await c.postCode('user/get_userid_by_email', { email: 'zs@example.com', email_type: 1 })).toBe(46004);
    expect((await c.post('user/get_userid_by_email', { email: 'ZS@example.com', email_type: 2 })).body.userid).toBe('ZhangSan');
  });
});

describe('the company creator', () => {
  it('is an activated member of the root department that user/delete and user/batchdelete refuse → 301005', async () => {
    expect(await member('creator')).toMatchObject({ errcode: 0, department: [1], status: 1 });
    expect(await c.getCode('user/delete', { userid: 'Creator' })).toBe(301005);
    expect(await c.postCode('user/batchdelete', { useridlist: ['zhangsan', 'creator'] })).toBe(301005);
    expect(s.sim.company(CORP).members.find('zhangsan')).toBeDefined(); // all or nothing
  });

  it('may be disabled under the current reading, not under the strict one → 301005', async () => {
    expect(await update({ userid: 'creator', enable: 0 })).toBe(0);
    expect(await update({ userid: 'creator', enable: 1 })).toBe(0);
    s.sim.setRules({ reading: 'strict' });
    expect(await update({ userid: 'creator', enable: 0 })).toBe(301005);
    expect(await update({ userid: 'creator', position: 'CEO' })).toBe(0);
  });

  it('is configurable per company and comes back after a reset', async () => {
    const { s: other, c: oc } = await startTestSim({ corps: [{ corpid: CORP, secret: 'test-secret', creator: { userid: 'boss@corp', name: 'Boss', mobile: '+8613700000000' } }] });
    try {
      expect((await oc.get('user/get', { userid: 'boss@corp' })).body).toMatchObject({ errcode: 0, name: 'Boss', mobile: '+8613700000000', status: 1 });
      other.sim.reset();
      oc.forgetToken();
      expect(await oc.getCode('user/delete', { userid: 'boss@corp' })).toBe(301005);
    } finally {
      await other.close();
    }
  });
});

describe('the strict reading (--reading strict): the older limits where sources disagree', () => {
  beforeEach(() => s.sim.setRules({ reading: 'strict' }));
  it.each([
    ['userid with @ → 40003', { ...base, userid: 'li.si@corp' }, { ...base, userid: 'li.si' }, 40003],
    ['more than 20 departments → 60110', { ...base, userid: 'lisi', department: Array.from({ length: 21 }, (_, i) => i + 2) }, { ...base, userid: 'lisi' }, 60110],
    ['+86 without a separator → 60103', { ...base, userid: 'lisi', mobile: '+8613900000000' }, { ...base, userid: 'lisi', mobile: '+86 13900000000' }, 60103],
    ['alias of 33 characters → 40058', { ...base, userid: 'lisi', alias: 'a'.repeat(33) }, { ...base, userid: 'lisi', alias: 'a'.repeat(32) }, 40058],
    ['gender as integer → 40058', { ...base, userid: 'lisi', gender: 1 }, { ...base, userid: 'lisi', gender: '1' }, 40058],
  ])('%s', async (_label, bad, good, code) => {
    expect(await create(bad)).toBe(code);
    expect(await create(good)).toBe(0);
  });

  it('refuses order without department → 40058', async () => {
    expect(await create({ ...base, userid: 'lisi' })).toBe(0);
    expect(await update({ userid: 'lisi', order: [1] })).toBe(40058);
  });

  it('refuses a mini program extended attribute (type 2) → 40058, which the current reading accepts', async () => {
    const attrs = [{ type: 2, name: 'App', miniprogram: { appid: 'wx1', pagepath: '/p', title: 'T' } }];
    expect(await create({ ...base, userid: 'lisi', extattr: { attrs } })).toBe(40058);
    s.sim.setRules({ reading: 'current' });
    expect(await create({ ...base, userid: 'lisi', extattr: { attrs } })).toBe(0);
    expect(await create({ ...base, userid: 'wangwu', mobile: '13700000000', extattr: { attrs: [{ type: 2, name: 'App', miniprogram: { appid: 'wx1' } }] } })).toBe(40058);
  });
});
