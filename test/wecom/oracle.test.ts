// An oracle that does not share the implementation: requests and the answers WeCom documents for
// them, written by hand from the reference (../shared/wecom-api.md, section in each row) and never
// computed from src/wecom/rules. It runs against
//  - the simulator in both readings (raw HTTP, not our client): `current` is the answer under
//    today's documentation (the default), `strict` under the older or stricter reading;
//  - the client's pre-flight checks: what the current reading accepts, the client must send (and
//    the call succeeds); what every source refuses without needing WeCom's state, it may refuse
//    before sending (`presend`), and anything else it must send and let WeCom answer.
// Each case starts from a fresh company: the root, departments 2..101, members zhangsan and
// wang.wu@corp in 2 (plus the creator every company has).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startSimulator, type Rules, type RunningSimulator } from '../../src/simulator/index.js';
import { createWeComClient, WeComError, type WeComClient } from '../../src/wecom/index.js';

/** 'refused': the reference says the request is refused but names no errcode (or several). */
type Answer = number | 'refused';

interface Row {
  name: string;
  /** section of the reference the answer comes from */
  ref: string;
  api: 'department/create' | 'department/update' | 'department/delete' | 'user/create' | 'user/update' | 'user/delete' | 'user/batchdelete';
  body: Record<string, unknown>;
  current: Answer;
  strict: Answer;
  /** every source refuses it and no state is needed: the client may refuse it before sending */
  presend?: boolean;
  /** calls made (and required to succeed) before the request, in the same company */
  before?: Array<{ api: Row['api']; body: Record<string, unknown> }>;
}

const zh = (n: number): string => '部'.repeat(n);
const m = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  userid: 'lisi',
  name: '李四',
  department: [2],
  mobile: '13900000000',
  ...extra,
});
const depts = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 2);

const rows: Row[] = [
  // ---- departments (§3, §3.1, §3.2, §3.3, §3.7)
  { name: 'department name of 1 character', ref: '§3.1', api: 'department/create', body: { name: 'A', parentid: 1 }, current: 0, strict: 0 },
  { name: 'department name of 40 characters', ref: '§3 (1–64 current, 1–32 older)', api: 'department/create', body: { name: zh(40), parentid: 1 }, current: 0, strict: 60001 },
  { name: 'department name of 64 characters', ref: '§3.1', api: 'department/create', body: { name: zh(64), parentid: 1 }, current: 0, strict: 60001 },
  { name: 'department name of 65 characters', ref: '§3.1, §3.7', api: 'department/create', body: { name: zh(65), parentid: 1 }, current: 60001, strict: 60001, presend: true },
  { name: 'department name empty', ref: '§3.7 60001', api: 'department/create', body: { name: '', parentid: 1 }, current: 60001, strict: 60001, presend: true },
  { name: 'department name_en of 40 characters', ref: '§3.1 name_en "same limits"', api: 'department/create', body: { name: 'A', name_en: 'e'.repeat(40), parentid: 1 }, current: 0, strict: 60001 },
  { name: 'department name with a colon', ref: '§3 forbidden \\ : * ? " < > |', api: 'department/create', body: { name: 'R&D: core', parentid: 1 }, current: 60009, strict: 60009, presend: true },
  { name: 'department under an unknown parent', ref: '§3.1 parentid must exist', api: 'department/create', body: { name: 'A', parentid: 999 }, current: 60004, strict: 60004 },
  { name: 'department with id 1', ref: '§3.1 id must be > 1 (errcode unconfirmed)', api: 'department/create', body: { name: 'A', parentid: 1, id: 1 }, current: 'refused', strict: 'refused', presend: true },
  { name: 'department order 2^32', ref: '§3 order in [0, 2^32)', api: 'department/create', body: { name: 'A', parentid: 1, order: 2 ** 32 }, current: 'refused', strict: 'refused', presend: true },
  { name: 'department id already used', ref: '§3.1 60008', api: 'department/create', body: { name: 'A', parentid: 1, id: 2 }, current: 60008, strict: 60008 },
  { name: 'sibling with the same name', ref: '§3 siblings may not share a name', api: 'department/create', body: { name: 'D3', parentid: 1 }, current: 60008, strict: 60008 },
  {
    name: 'sibling with the same name_en',
    ref: '§3.1 name_en "same limits" (issue 11: the same rule as name)',
    api: 'department/create',
    body: { name: 'Other', name_en: 'Sales', parentid: 1 },
    before: [{ api: 'department/update', body: { id: 3, name_en: 'Sales' } }],
    current: 60008,
    strict: 60008,
  },
  { name: 'department moved under itself', ref: '§3.2 60010', api: 'department/update', body: { id: 2, parentid: 2 }, current: 60010, strict: 60010 },
  { name: 'department update with unknown fields', ref: '§0 / issue 11: WeCom ignores unknown fields', api: 'department/update', body: { id: 2, name: 'X', colour: 'red' }, current: 0, strict: 0 },
  { name: 'the root department deleted', ref: '§3.3 60007', api: 'department/delete', body: { id: 1 }, current: 60007, strict: 60007 },
  { name: 'a department with members deleted', ref: '§3.3 60005', api: 'department/delete', body: { id: 2 }, current: 60005, strict: 60005 },

  // ---- members (§4.1, §4.2, §4.4)
  { name: 'member with the required fields', ref: '§4.1', api: 'user/create', body: m(), current: 0, strict: 0 },
  { name: 'userid li.si@corp', ref: '§4.1 0-9 a-z A-Z _ - @ . (40003 text omits @)', api: 'user/create', body: m({ userid: 'li.si@corp' }), current: 0, strict: 40003 },
  { name: 'userid with a space', ref: '§4.1', api: 'user/create', body: m({ userid: 'li si' }), current: 40003, strict: 40003, presend: true },
  { name: 'userid starting with a dot', ref: '§4.1 first char a letter or digit', api: 'user/create', body: m({ userid: '.lisi' }), current: 40003, strict: 40003, presend: true },
  { name: 'userid of 64 bytes', ref: '§4.1 1–64 bytes', api: 'user/create', body: m({ userid: 'a'.repeat(64) }), current: 0, strict: 0 },
  { name: 'userid of 65 bytes', ref: '§4.1 1–64 bytes', api: 'user/create', body: m({ userid: 'a'.repeat(65) }), current: 40003, strict: 40003, presend: true },
  { name: 'userid taken in another case', ref: '§4.1 unique case-insensitively, 60102', api: 'user/create', body: m({ userid: 'ZhangSan', mobile: '13700000000' }), current: 60102, strict: 60102 },
  { name: 'name of 65 characters', ref: '§4.1 60112', api: 'user/create', body: m({ name: '名'.repeat(65) }), current: 60112, strict: 60112, presend: true },
  { name: 'alias of 40 characters', ref: '§4.1 1–64 (older 1–32)', api: 'user/create', body: m({ alias: 'a'.repeat(40) }), current: 0, strict: 40058 },
  { name: 'alias of 65 characters', ref: '§4.1, §8 40058 value too long', api: 'user/create', body: m({ alias: 'a'.repeat(65) }), current: 40058, strict: 40058, presend: true },
  { name: 'mobile +8613800000002', ref: '§4.1 digits, + and - (60103 text)', api: 'user/create', body: m({ mobile: '+8613800000002' }), current: 0, strict: 60103 },
  { name: 'mobile +86 13800000002', ref: '§4.1 examples', api: 'user/create', body: m({ mobile: '+86 13800000002' }), current: 0, strict: 0 },
  { name: 'mobile with letters', ref: '§4.1 60103', api: 'user/create', body: m({ mobile: '138abc00000' }), current: 60103, strict: 60103, presend: true },
  { name: 'mobile of 33 characters', ref: '§4.1 ≤32 chars', api: 'user/create', body: m({ mobile: '1'.repeat(33) }), current: 60103, strict: 60103, presend: true },
  { name: 'mobile of another member', ref: '§4.1 60104', api: 'user/create', body: m({ mobile: '13800000000' }), current: 60104, strict: 60104 },
  { name: 'member in 25 departments', ref: '§4.1 ≤100 (older ≤20, 60110)', api: 'user/create', body: m({ department: depts(25) }), current: 0, strict: 60110 },
  { name: 'member in 100 departments', ref: '§4.1 ≤100', api: 'user/create', body: m({ department: depts(100) }), current: 0, strict: 60110 },
  { name: 'member in 101 departments', ref: '§4.1 ≤100, 60110', api: 'user/create', body: m({ department: depts(101) }), current: 60110, strict: 60110, presend: true },
  { name: 'department list empty', ref: '§4.4 40066', api: 'user/create', body: m({ department: [] }), current: 40066, strict: 40066, presend: true },
  { name: 'department missing', ref: '§4.1 41019', api: 'user/create', body: { userid: 'lisi', name: '李四', mobile: '13900000000' }, current: 41019, strict: 41019, presend: true },
  { name: 'unknown department', ref: '§4.1 60003/60123/40066 all quoted', api: 'user/create', body: m({ department: [999] }), current: 'refused', strict: 'refused' },
  { name: 'neither mobile nor email', ref: '§4.1 60129', api: 'user/create', body: { userid: 'lisi', name: '李四', department: [2] }, current: 60129, strict: 60129, presend: true },
  { name: 'email not an address', ref: '§4.1 60105', api: 'user/create', body: m({ email: 'not-an-email' }), current: 60105, strict: 60105, presend: true },
  { name: 'gender as the integer 1', ref: '§4.1 string in samples, integers sent by SDKs (issue 11: widely sent)', api: 'user/create', body: m({ gender: 1 }), current: 0, strict: 'refused' },
  { name: 'gender "2"', ref: '§4.1', api: 'user/create', body: m({ gender: '2' }), current: 0, strict: 0 },
  { name: 'is_leader_in_dept longer than department', ref: '§4.1 60132', api: 'user/create', body: m({ is_leader_in_dept: [1, 0] }), current: 60132, strict: 60132, presend: true },
  { name: 'position of 129 characters', ref: '§4.1 301012', api: 'user/create', body: m({ position: 'p'.repeat(129) }), current: 301012, strict: 301012, presend: true },
  { name: 'telephone with letters', ref: '§4.1 301013', api: 'user/create', body: m({ telephone: '010-abc' }), current: 301013, strict: 301013, presend: true },
  { name: 'six direct leaders', ref: '§4.1 max 5', api: 'user/create', body: m({ direct_leader: ['a', 'b', 'c', 'd', 'e', 'f'] }), current: 'refused', strict: 'refused', presend: true },
  { name: 'direct leader not a member', ref: '§4.1 must be members', api: 'user/create', body: m({ direct_leader: ['ghost'] }), current: 'refused', strict: 'refused' },
  {
    name: 'extended attribute of type 2 (mini program)',
    ref: '§4.1 2=miniprogram (newer docs)',
    api: 'user/create',
    body: m({ extattr: { attrs: [{ type: 2, name: '小程序', miniprogram: { appid: 'wx123', pagepath: '/index', title: '入口' } }] } }),
    current: 0,
    strict: 'refused',
  },
  {
    name: 'web attribute with an ftp URL',
    ref: '§4.1 url must start with http/https',
    api: 'user/create',
    body: m({ extattr: { attrs: [{ type: 1, name: '主页', web: { url: 'ftp://x', title: 'x' } }] } }),
    current: 'refused',
    strict: 'refused',
    presend: true,
  },
  { name: 'unknown request field', ref: 'issue 11: WeCom ignores unknown fields', api: 'user/create', body: m({ nickname_cn: '四' }), current: 0, strict: 0 },
  { name: 'enable 2', ref: '§4.1 1 enabled, 0 disabled', api: 'user/create', body: m({ enable: 2 }), current: 'refused', strict: 'refused', presend: true },
  { name: 'update: order without department', ref: '§4.1 order is only used when department is also passed', api: 'user/update', body: { userid: 'zhangsan', order: [5] }, current: 0, strict: 'refused' },
  { name: 'update: unknown userid', ref: '§4.4 60111', api: 'user/update', body: { userid: 'ghost', position: 'x' }, current: 60111, strict: 60111 },
  { name: 'update: new_userid of a member created by the API', ref: '§4.1 301036', api: 'user/update', body: { userid: 'zhangsan', new_userid: 'zs' }, current: 301036, strict: 301036 },
  { name: 'update: @ userid', ref: '§4.1', api: 'user/update', body: { userid: 'wang.wu@corp', position: 'x' }, current: 0, strict: 40003 },
  { name: 'delete the company creator', ref: '§4.4 301005; every company has its creator', api: 'user/delete', body: { userid: 'creator' }, current: 301005, strict: 301005 },
  { name: 'batchdelete including the creator', ref: '§4.4 301005; batchdelete fails as a whole', api: 'user/batchdelete', body: { useridlist: ['zhangsan', 'creator'] }, current: 301005, strict: 301005 },
  { name: 'batchdelete of 201 userids', ref: '§4.2 max 200, 40032', api: 'user/batchdelete', body: { useridlist: Array.from({ length: 201 }, (_, i) => `u${i}`) }, current: 40032, strict: 40032, presend: true },
  { name: 'batchdelete with an unknown userid', ref: '§4.4 301021', api: 'user/batchdelete', body: { useridlist: ['zhangsan', 'ghost'] }, current: 301021, strict: 301021 },
];

const CORP = { corpid: 'wworacle', secret: 'oracle-secret' };
let sim: RunningSimulator;

/** A fresh company (reset also restores the configured rules, so they are set after it). */
function freshCompany(rules: Rules): void {
  sim.sim.reset();
  for (const id of depts(100)) sim.sim.seedDepartment(CORP.corpid, { name: `D${id}`, id });
  sim.sim.seedMember(CORP.corpid, { userid: 'zhangsan', name: '张三', department: [2], mobile: '13800000000' });
  // made by hand in the admin console, which takes e-mail-like userids
  sim.sim.seedMember(CORP.corpid, { userid: 'wang.wu@corp', name: '王五', department: [2], mobile: '13600000000' });
  sim.sim.setRules(rules);
}

/** One call over plain HTTP, as WeCom's documentation describes it (GET for delete, POST JSON otherwise). */
async function raw(api: Row['api'], body: Record<string, unknown>): Promise<number> {
  const tok = (await (await request(`${sim.url}/cgi-bin/gettoken?corpid=${CORP.corpid}&corpsecret=${CORP.secret}`)).body.json()) as { access_token: string };
  const q = new URLSearchParams({ access_token: tok.access_token });
  let res;
  if (api === 'department/delete' || api === 'user/delete') {
    for (const [k, v] of Object.entries(body)) q.set(k, String(v));
    res = await request(`${sim.url}/cgi-bin/${api}?${q}`);
  } else {
    res = await request(`${sim.url}/cgi-bin/${api}?${q}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }
  return ((await res.body.json()) as { errcode: number }).errcode;
}

/** The same request through the product's client (typed bodies are bypassed on purpose: the rows are WeCom's shapes). */
function viaClient(c: WeComClient, api: Row['api'], body: Record<string, unknown>): Promise<unknown> {
  const b = body as never;
  switch (api) {
    case 'department/create':
      return c.department.create(b);
    case 'department/update':
      return c.department.update(b);
    case 'department/delete':
      return c.department.delete(body.id as number);
    case 'user/create':
      return c.user.create(b);
    case 'user/update':
      return c.user.update(b);
    case 'user/delete':
      return c.user.delete(body.userid as string);
    case 'user/batchdelete':
      return c.user.batchDelete(body.useridlist as string[]);
  }
}

const matches = (got: number, want: Answer): boolean => (want === 'refused' ? got !== 0 : got === want);

async function prepare(row: Row, rules: Rules): Promise<void> {
  freshCompany(rules);
  for (const b of row.before ?? []) expect(await raw(b.api, b.body), `${b.api} before "${row.name}"`).toBe(0);
}

beforeAll(async () => {
  sim = await startSimulator({ https: false, port: 0, corps: [CORP] });
});
afterAll(async () => {
  await sim?.close();
});

describe.each(['current', 'strict'] as const)('the simulator answers as documented (%s reading)', (reading) => {
  it.each(rows)('$name ($ref)', async (row) => {
    await prepare(row, { reading, refuseUnknownFields: false });
    const got = await raw(row.api, row.body);
    expect(matches(got, row[reading]), `got ${got}, documented ${String(row[reading])}`).toBe(true);
  });
});

describe("the client's pre-flight checks against the default reading", () => {
  let client: WeComClient;
  beforeAll(() => {
    client = createWeComClient({ corpId: CORP.corpid, secret: CORP.secret, apiBase: sim.url, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  });
  afterAll(() => client.close());

  it.each(rows)('$name', async (row) => {
    await prepare(row, { reading: 'current', refuseUnknownFields: false });
    const before = sim.sim.stats().byApi[row.api] ?? 0;
    const err = await viaClient(client, row.api, row.body).then(
      () => null,
      (e: unknown) => e,
    );
    const sent = (sim.sim.stats().byApi[row.api] ?? 0) > before;
    if (row.current === 0) {
      // the default reading accepts it: the client must send it, and it succeeds
      expect(err).toBeNull();
      expect(sent).toBe(true);
      return;
    }
    expect(err).toBeInstanceOf(WeComError);
    const e = err as WeComError;
    expect(matches(e.errcode, row.current), `got ${e.errcode}, documented ${String(row.current)}`).toBe(true);
    // refused before sending only where every source agrees and no state is needed
    expect({ presend: e.presend, sent }).toEqual({ presend: row.presend === true, sent: row.presend !== true });
  });
});

describe('unknown request fields', () => {
  it('are refused with 40058 naming the field when the simulator is told to (wecom-sync’s own tests)', async () => {
    freshCompany({ reading: 'current', refuseUnknownFields: true });
    expect(await raw('user/create', m({ nickname_cn: '四' }))).toBe(40058);
    expect(await raw('user/create', m())).toBe(0);
  });
});
