// An independent client: node-easywechat (a published WeCom SDK nobody here wrote), used as it is —
// only its documented configuration points it at the simulator (http.baseURL, an HTTPS agent that
// trusts the simulator's certificate, an in-memory token cache). (package.json pins its dependency
// node-socialite to 1.4.1: 1.5 dropped a module node-easywechat 3.6.2 requires, so it would not load.) The requests are shaped the way
// the SDK's users send them (integer gender, e-mail-like userids, +86 mobiles, long names); each
// call the SDK makes and each answer is asserted against WeCom's documented behaviour under the
// simulator's default reading.
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormData, Work } from 'node-easywechat';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';

const CORP = { corpid: 'wwsdk', secret: 'sdk-secret' };

/** The SDK's cache interface, kept in memory (its default writes files). */
class MemoryCache {
  private readonly data = new Map<string, unknown>();
  async get(key: string): Promise<unknown> {
    return this.data.get(key);
  }
  async has(key: string): Promise<boolean> {
    return this.data.has(key);
  }
  async set(key: string, value?: unknown): Promise<boolean> {
    this.data.set(key, value);
    return true;
  }
  async delete(key: string): Promise<boolean> {
    return this.data.delete(key);
  }
}

let sim: RunningSimulator;
let agent: https.Agent;

function sdk(secret = CORP.secret): Work {
  const app = new Work({
    corp_id: CORP.corpid,
    secret,
    token: 'unused-token',
    aes_key: 'unused-aes-key',
    http: { baseURL: `${sim.url}/`, httpsAgent: agent },
  });
  app.setCache(new MemoryCache() as never);
  return app;
}

/** errcode and body of an answer (the SDK does not throw on a non-zero errcode sent with HTTP 200). */
const body = (r: { toObject(): unknown }): Record<string, unknown> & { errcode: number } => r.toObject() as Record<string, unknown> & { errcode: number };

beforeAll(async () => {
  sim = await startSimulator({ port: 0, corps: [CORP] });
  agent = new https.Agent({ ca: sim.caPem });
});
afterAll(async () => {
  agent?.destroy();
  await sim?.close();
});

describe('node-easywechat against the simulator (default reading)', () => {
  it('syncs departments and members the way the SDK sends them, and reads them back', async () => {
    const app = sdk();
    const client = app.getClient();
    const longName = '华东区域销售与客户成功中心'.repeat(3) + '第一事业部'; // 44 characters: current docs allow 64
    const d = body(await client.postJson('cgi-bin/department/create', { name: longName, name_en: 'East China Sales and Customer Success', parentid: 1, order: 10 }));
    expect(d).toMatchObject({ errcode: 0, errmsg: 'created' });
    const id = d.id as number;
    expect(body(await client.get('cgi-bin/department/get', { params: { id } })).department).toMatchObject({ id, name: longName, parentid: 1, order: 10 });
    // a sibling may not share the English name
    expect(body(await client.postJson('cgi-bin/department/create', { name: 'Other', name_en: 'East China Sales and Customer Success', parentid: 1 })).errcode).toBe(60008);

    const created = body(
      await client.postJson('cgi-bin/user/create', {
        userid: 'li.si@corp',
        name: '李四',
        department: [id, 1],
        mobile: '+8613800000002',
        gender: 1,
        enable: 1,
        to_invite: false,
        extattr: { attrs: [{ type: 2, name: '小程序', miniprogram: { appid: 'wx123', pagepath: '/index', title: '入口' } }] },
      }),
    );
    expect(created).toMatchObject({ errcode: 0, errmsg: 'created' });
    // order without department is ignored, as documented
    expect(body(await client.postJson('cgi-bin/user/update', { userid: 'li.si@corp', position: '经理', order: [5] })).errcode).toBe(0);
    const got = body(await client.get('cgi-bin/user/get', { params: { userid: 'LI.SI@CORP' } }));
    expect(got).toMatchObject({ errcode: 0, userid: 'li.si@corp', mobile: '+8613800000002', gender: '1', position: '经理', department: [id, 1], order: [0, 0], status: 4 });

    const ids = body(await client.postJson('cgi-bin/user/list_id', { limit: 100 }));
    expect(ids.errcode).toBe(0);
    expect(ids.dept_user).toEqual([
      { userid: 'creator', department: 1 },
      { userid: 'li.si@corp', department: id },
      { userid: 'li.si@corp', department: 1 },
    ]);
    expect(ids).not.toHaveProperty('next_cursor');

    // one token for all of it, fetched by the SDK itself and sent as the access_token query parameter
    const calls = sim.sim.calls.map((c) => `${c.api} ${c.errcode}`);
    expect(calls).toEqual([
      'gettoken 0',
      'department/create 0',
      'department/get 0',
      'department/create 60008',
      'user/create 0',
      'user/update 0',
      'user/get 0',
      'user/list_id 0',
    ]);
  });

  it("meets WeCom's refusals: the creator (301005), a wrong secret (40001), an API the simulator lacks (HTTP 404, not 48002)", async () => {
    const client = sdk().getClient();
    const del = body(await client.get('cgi-bin/user/delete', { params: { userid: 'creator' } }));
    expect(del.errcode).toBe(301005);
    expect(String(del.errmsg)).toMatch(/creator/);
    await expect(sdk('wrong-secret').getAccessToken().getToken()).rejects.toThrow(/40001/);
    const unknown = await client.get('cgi-bin/tag/list');
    expect(unknown.getStatusCode()).toBe(404);
    expect(unknown.isFailed()).toBe(true);
    expect(unknown.toString()).not.toContain('48002');
  });

  it('imports members with batch/syncuser: an unknown department id lands under 其他(待设置部门)', async () => {
    const client = sdk().getClient();
    const csv = '姓名,帐号,手机号,所在部门\n王五,wang.wu@corp,+8613900000003,4242\n';
    const form = new FormData();
    form.append('media', Buffer.from(csv, 'utf8'), { filename: 'members.csv', contentType: 'application/octet-stream' });
    // the SDK's own multipart option (not in axios' types)
    const media = body(await client.post('cgi-bin/media/upload', { params: { type: 'file' }, formData: form } as never));
    expect(media).toMatchObject({ errcode: 0, type: 'file' });
    const job = body(await client.postJson('cgi-bin/batch/syncuser', { media_id: media.media_id, to_invite: false }));
    expect(job.errcode).toBe(0);
    await sim.sim.waitForJob(CORP.corpid, job.jobid as string);
    const result = body(await client.get('cgi-bin/batch/getresult', { params: { jobid: job.jobid } }));
    expect(result).toMatchObject({ errcode: 0, status: 3, type: 'sync_user', result: [{ userid: 'wang.wu@corp', errcode: 0 }] });
    const member = body(await client.get('cgi-bin/user/get', { params: { userid: 'wang.wu@corp' } }));
    expect(member.department).toEqual([4242]);
    const dept = body(await client.get('cgi-bin/department/get', { params: { id: 4242 } })).department as { parentid: number };
    const pending = body(await client.get('cgi-bin/department/get', { params: { id: dept.parentid } })).department;
    expect(pending).toMatchObject({ name: '其他(待设置部门)', parentid: 1 });
  });
});
