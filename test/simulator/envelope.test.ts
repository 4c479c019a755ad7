import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { Caller, startTestSim } from './helpers.js';

let s: RunningSimulator;
let c: Caller;
beforeAll(async () => ({ s, c } = await startTestSim()));
afterAll(() => s.close());

const ERRMSG = /^(.+), hint: \[(\d{25})\], from ip: 127\.0\.0\.1, more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=(-?\d+)$/;

describe('response envelope', () => {
  it('answers business errors with HTTP 200, Error-Code/Error-Msg headers and the WeCom errmsg shape', async () => {
    const a = await c.get('user/get', { userid: 'nobody' });
    expect(a.status).toBe(200);
    expect(a.body.errcode).toBe(60111);
    const m = ERRMSG.exec(a.body.errmsg as string);
    expect(m).not.toBeNull();
    expect(m?.[1]).toMatch(/^userid not found/);
    expect(m?.[3]).toBe('60111');
    expect(a.headers['error-code']).toBe('60111');
    expect(a.headers['error-msg']).toBe(a.body.errmsg);
    expect(a.headers['content-type']).toBe('application/json; charset=UTF-8');
    // user/get keeps WeCom's empty default fields in the error body
    expect(a.body).toMatchObject({ department: [], order: [], is_leader_in_dept: [] });
  });

  it('uses ok / created / updated / deleted as success errmsg', async () => {
    const created = await c.post('department/create', { name: 'Envelope', parentid: 1 });
    expect(created.body).toMatchObject({ errcode: 0, errmsg: 'created' });
    expect(created.headers['error-code']).toBe('0');
    const id = created.body.id as number;
    expect((await c.post('department/update', { id, order: 5 })).body).toEqual({ errcode: 0, errmsg: 'updated' });
    expect((await c.get('department/get', { id })).body.errmsg).toBe('ok');
    expect((await c.get('department/delete', { id })).body).toEqual({ errcode: 0, errmsg: 'deleted' });
  });

  it('percent-encodes non-Latin-1 characters in the Error-Msg header only', async () => {
    const a = await c.post('department/create', { name: '部'.repeat(70), parentid: 1 });
    expect(a.body.errcode).toBe(60001);
    expect(a.body.errmsg).toContain('–');
    expect(a.headers['error-msg']).toContain('%E2%80%93');
  });

  it('refuses the wrong HTTP method with 40058', async () => {
    const t = await c.token();
    expect((await c.raw('GET', `/cgi-bin/department/create?access_token=${t}`)).body.errcode).toBe(40058);
    expect((await c.raw('POST', `/cgi-bin/user/get?access_token=${t}&userid=x`, { body: '{}' })).body.errcode).toBe(40058);
  });

  it('reads access_token only from the query string (41001 when it is in the body)', async () => {
    const t = await c.token();
    const a = await c.raw('POST', '/cgi-bin/department/create', { body: JSON.stringify({ access_token: t, name: 'X', parentid: 1 }) });
    expect(a.body.errcode).toBe(41001);
  });

  it('answers bad JSON with 40058 and reads JSON whatever the content type', async () => {
    const t = await c.token();
    expect((await c.raw('POST', `/cgi-bin/department/create?access_token=${t}`, { body: '{"name":' })).body.errcode).toBe(40058);
    const ok = await c.raw('POST', `/cgi-bin/department/create?access_token=${t}`, {
      body: JSON.stringify({ name: 'PlainText', parentid: 1 }),
      headers: { 'content-type': 'text/plain' },
    });
    expect(ok.body).toMatchObject({ errcode: 0, errmsg: 'created' });
  });

  it('answers an API it does not implement with HTTP 404 and no WeCom envelope (not 48002 "no permission")', async () => {
    const t = await c.token();
    for (const path of [`/cgi-bin/user/nothing?access_token=${t}`, `/cgi-bin/tag/list?access_token=${t}`, '/cgi-bin/user/authsucc?userid=x']) {
      const a = await c.raw('GET', path);
      expect(a.status).toBe(404);
      expect(a.body).not.toHaveProperty('errcode');
    }
  });

  it('logs every call with api, corpid, ip and errcode', async () => {
    const before = s.sim.calls.length;
    await c.get('user/get', { userid: 'ghost' });
    const last = s.sim.calls[s.sim.calls.length - 1];
    expect(s.sim.calls.length).toBe(before + 1);
    expect(last).toMatchObject({ api: 'user/get', corpid: 'ww-test', ip: '127.0.0.1', errcode: 60111 });
    expect(s.sim.stats().byApi['user/get']).toBeGreaterThanOrEqual(2);
  });
});
