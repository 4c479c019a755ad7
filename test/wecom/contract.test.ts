// One source for WeCom's rules: the client's pre-send validation (src/wecom/rules/fields.ts) and
// the simulator must answer every input in this table with the same errcode. Each case runs
// against a fresh company where no stateful rule (uniqueness, existence) interferes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import {
  checkDepartmentCreate,
  checkDepartmentUpdate,
  checkMemberCreate,
  checkMemberUpdate,
  checkBatchDelete,
  type RuleViolation,
} from '../../src/wecom/rules/fields.js';

type Api = 'department/create' | 'department/update' | 'user/create' | 'user/update' | 'user/batchdelete';
const checks: Record<Api, (body: unknown) => RuleViolation | null> = {
  'department/create': checkDepartmentCreate,
  'department/update': checkDepartmentUpdate,
  'user/create': checkMemberCreate,
  'user/update': checkMemberUpdate,
  'user/batchdelete': checkBatchDelete,
};

interface Case {
  name: string;
  api: Api;
  body: Record<string, unknown>;
  /** the errcode both sides must give (0 = accepted) */
  expect: number;
}

const member = (extra: Record<string, unknown> = {}) => ({
  userid: 'zhangsan',
  name: '张三',
  department: [1],
  mobile: '13800000000',
  ...extra,
});

const cases: Case[] = [
  // departments
  { name: 'department ok', api: 'department/create', body: { name: '研发中心', parentid: 1 }, expect: 0 },
  { name: 'department 32 chars ok', api: 'department/create', body: { name: '部'.repeat(32), parentid: 1 }, expect: 0 },
  { name: 'department 33 chars', api: 'department/create', body: { name: '部'.repeat(33), parentid: 1 }, expect: 60001 },
  { name: 'department empty name', api: 'department/create', body: { name: '', parentid: 1 }, expect: 60001 },
  { name: 'department name missing', api: 'department/create', body: { parentid: 1 }, expect: 60001 },
  { name: 'department forbidden char', api: 'department/create', body: { name: 'R&D: core', parentid: 1 }, expect: 60009 },
  { name: 'department forbidden pipe', api: 'department/create', body: { name: 'a|b', parentid: 1 }, expect: 60009 },
  { name: 'department id 1 on create', api: 'department/create', body: { name: 'x', parentid: 1, id: 1 }, expect: 40058 },
  { name: 'department id 2 ok', api: 'department/create', body: { name: 'x', parentid: 1, id: 2 }, expect: 0 },
  { name: 'department order negative', api: 'department/create', body: { name: 'x', parentid: 1, order: -1 }, expect: 40058 },
  { name: 'department order max uint32', api: 'department/create', body: { name: 'x', parentid: 1, order: 2 ** 32 - 1 }, expect: 0 },
  { name: 'department parent as string', api: 'department/create', body: { name: 'x', parentid: '1' }, expect: 40058 },
  { name: 'department unknown field', api: 'department/create', body: { name: 'x', parentid: 1, parent: 1 }, expect: 40058 },
  { name: 'department update no id', api: 'department/update', body: { name: 'x' }, expect: 40063 },
  { name: 'department update root order ok', api: 'department/update', body: { id: 1, order: 5 }, expect: 0 },
  // members
  { name: 'member ok', api: 'user/create', body: member(), expect: 0 },
  { name: 'member email only ok', api: 'user/create', body: member({ mobile: undefined, email: 'zs@example.com' }), expect: 0 },
  { name: 'member no mobile no email', api: 'user/create', body: member({ mobile: undefined }), expect: 60129 },
  { name: 'member userid missing', api: 'user/create', body: member({ userid: undefined }), expect: 41009 },
  { name: 'member userid with @', api: 'user/create', body: member({ userid: 'zs@corp' }), expect: 40003 },
  { name: 'member userid leading dot', api: 'user/create', body: member({ userid: '.zs' }), expect: 40003 },
  { name: 'member userid 64 bytes', api: 'user/create', body: member({ userid: 'a'.repeat(64) }), expect: 0 },
  { name: 'member userid 65 bytes', api: 'user/create', body: member({ userid: 'a'.repeat(65) }), expect: 40003 },
  { name: 'member name 64 chars', api: 'user/create', body: member({ name: '名'.repeat(64) }), expect: 0 },
  { name: 'member name 65 chars', api: 'user/create', body: member({ name: '名'.repeat(65) }), expect: 60112 },
  { name: 'member name blank', api: 'user/create', body: member({ name: '  ' }), expect: 60112 },
  { name: 'member department missing', api: 'user/create', body: member({ department: undefined }), expect: 41019 },
  { name: 'member department empty', api: 'user/create', body: member({ department: [] }), expect: 40066 },
  { name: 'member 21 departments', api: 'user/create', body: member({ department: Array.from({ length: 21 }, (_, i) => i + 1) }), expect: 60110 },
  { name: 'member mobile +86 space', api: 'user/create', body: member({ mobile: '+86 13800000000' }), expect: 0 },
  { name: 'member mobile +852 hyphen', api: 'user/create', body: member({ mobile: '+852-91234567' }), expect: 0 },
  { name: 'member mobile letters', api: 'user/create', body: member({ mobile: '138abc' }), expect: 60103 },
  { name: 'member mobile two spaces', api: 'user/create', body: member({ mobile: '+86 138 0000 0000' }), expect: 60103 },
  { name: 'member email invalid', api: 'user/create', body: member({ email: 'not-an-email' }), expect: 60105 },
  { name: 'member email too short', api: 'user/create', body: member({ email: 'a@b' }), expect: 60105 },
  { name: 'member biz_mail invalid', api: 'user/create', body: member({ biz_mail: 'x@' }), expect: 60143 },
  { name: 'member gender int', api: 'user/create', body: member({ gender: 1 }), expect: 40058 },
  { name: 'member gender string', api: 'user/create', body: member({ gender: '2' }), expect: 0 },
  { name: 'member position 129', api: 'user/create', body: member({ position: 'p'.repeat(129) }), expect: 301012 },
  { name: 'member telephone letters', api: 'user/create', body: member({ telephone: '010-abc' }), expect: 301013 },
  { name: 'member telephone ok', api: 'user/create', body: member({ telephone: '010-62345678' }), expect: 0 },
  { name: 'member leader mismatch', api: 'user/create', body: member({ is_leader_in_dept: [1, 0] }), expect: 60132 },
  { name: 'member order mismatch', api: 'user/create', body: member({ order: [1, 2] }), expect: 40058 },
  { name: 'member six direct leaders', api: 'user/create', body: member({ direct_leader: ['a', 'b', 'c', 'd', 'e', 'f'] }), expect: 40058 },
  { name: 'member enable 2', api: 'user/create', body: member({ enable: 2 }), expect: 40058 },
  { name: 'member alias 33', api: 'user/create', body: member({ alias: 'a'.repeat(33) }), expect: 40058 },
  { name: 'member main dept not in list', api: 'user/create', body: member({ main_department: 7 }), expect: 40058 },
  {
    name: 'member extattr web bad url',
    api: 'user/create',
    body: member({ extattr: { attrs: [{ type: 1, name: '主页', web: { url: 'ftp://x', title: 'x' } }] } }),
    expect: 40058,
  },
  {
    name: 'member extattr text 65',
    api: 'user/create',
    body: member({ extattr: { attrs: [{ type: 0, name: '工号', text: { value: 'x'.repeat(65) } }] } }),
    expect: 40058,
  },
  { name: 'member to_invite string', api: 'user/create', body: member({ to_invite: 'no' }), expect: 40058 },
  { name: 'member unknown field', api: 'user/create', body: member({ mobil: '13800000000' }), expect: 40058 },
  { name: 'update new_userid with @', api: 'user/update', body: { userid: 'zhangsan', new_userid: 'z@x' }, expect: 40003 },
  { name: 'update to_invite not allowed', api: 'user/update', body: { userid: 'zhangsan', to_invite: false }, expect: 40058 },
  { name: 'update order without department', api: 'user/update', body: { userid: 'zhangsan', order: [1] }, expect: 40058 },
  { name: 'update position ok', api: 'user/update', body: { userid: 'zhangsan', position: '工程师' }, expect: 0 },
  // batch delete
  { name: 'batchdelete empty', api: 'user/batchdelete', body: { useridlist: [] }, expect: 40031 },
  { name: 'batchdelete 201', api: 'user/batchdelete', body: { useridlist: Array.from({ length: 201 }, (_, i) => `u${i}`) }, expect: 40032 },
  { name: 'batchdelete ok', api: 'user/batchdelete', body: { useridlist: ['zhangsan'] }, expect: 0 },
];

let sim: RunningSimulator;
const corpid = 'wwcontract';
const secret = 'contract-secret';

async function call(api: string, body: unknown): Promise<{ errcode: number; errmsg: string }> {
  const tok = await request(`${sim.url}/cgi-bin/gettoken?corpid=${corpid}&corpsecret=${secret}`);
  const { access_token } = (await tok.body.json()) as { access_token: string };
  const res = await request(`${sim.url}/cgi-bin/${api}?access_token=${access_token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.body.json()) as { errcode: number; errmsg: string };
}

beforeAll(async () => {
  sim = await startSimulator({ https: false, port: 0, corps: [{ corpid, secret }] });
});
afterAll(async () => {
  await sim?.close();
});

describe('client validation and simulator agree', () => {
  it.each(cases)('$name → $expect', async (c) => {
    const body = JSON.parse(JSON.stringify(c.body)) as Record<string, unknown>; // drops undefined fields
    const clientSide = checks[c.api](body)?.errcode ?? 0;
    sim.sim.reset();
    // A member that updates and deletes can refer to, in every fresh company.
    if (c.api === 'user/update' || c.api === 'user/batchdelete') {
      expect((await call('user/create', member())).errcode).toBe(0);
    }
    const simSide = (await call(c.api, body)).errcode;
    expect({ clientSide, simSide }).toEqual({ clientSide: c.expect, simSide: c.expect });
  });
});
