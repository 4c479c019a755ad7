import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { Caller, CORP, fromIp, manualClock, SECRET, startTestSim } from './helpers.js';

let running: RunningSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.map((r) => r.close()));
  running = [];
});
async function sim(opts: Parameters<typeof startTestSim>[0] = {}) {
  const r = await startTestSim(opts);
  running.push(r.s);
  return r;
}
const gettoken = (c: Caller, q: string) => c.raw('GET', `/cgi-bin/gettoken?${q}`).then((a) => a.body);

describe('gettoken', () => {
  it('checks corpid and secret', async () => {
    const { c } = await sim();
    expect((await gettoken(c, `corpsecret=${SECRET}`)).errcode).toBe(41002);
    expect((await gettoken(c, `corpid=${CORP}`)).errcode).toBe(41004);
    expect((await gettoken(c, `corpid=other&corpsecret=${SECRET}`)).errcode).toBe(40013);
    expect((await gettoken(c, `corpid=${CORP}&corpsecret=wrong`)).errcode).toBe(40001);
    const ok = await gettoken(c, `corpid=${CORP}&corpsecret=${SECRET}`);
    expect(ok).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 7200 });
    expect(typeof ok.access_token).toBe('string');
    expect(Buffer.byteLength(ok.access_token as string)).toBeLessThanOrEqual(512);
  });

  it('returns the same token while it is valid, with the remaining lifetime', async () => {
    const clock = manualClock();
    const { c, s } = await sim({ now: clock.now });
    const a = await gettoken(c, `corpid=${CORP}&corpsecret=${SECRET}`);
    clock.advance(1000 * 1000);
    const b = await gettoken(c, `corpid=${CORP}&corpsecret=${SECRET}`);
    expect(b.access_token).toBe(a.access_token);
    expect(b.expires_in).toBe(6200);
    expect(s.sim.stats().gettoken).toEqual({ [CORP]: 2 });
  });
});

describe('access tokens', () => {
  it('answers 41001 without a token and 40014 for an unknown one', async () => {
    const { c } = await sim();
    expect((await c.raw('GET', '/cgi-bin/department/simplelist')).body.errcode).toBe(41001);
    expect((await c.raw('GET', '/cgi-bin/department/simplelist?access_token=bogus')).body.errcode).toBe(40014);
  });

  it('answers 42001 once the token lifetime has passed, then issues a new token', async () => {
    const clock = manualClock();
    const { c } = await sim({ now: clock.now, tokenTtlSeconds: 60 });
    const t = await c.token();
    expect(await c.getCode('department/simplelist')).toBe(0);
    clock.advance(60_000);
    expect(await c.getCode('department/simplelist')).toBe(42001);
    c.forgetToken();
    expect(await c.token()).not.toBe(t);
    expect(await c.getCode('department/simplelist')).toBe(0);
  });

  it('expireTokens() makes current tokens answer 42001; revokeTokens() makes them answer 40014', async () => {
    const { c, s } = await sim();
    await c.token();
    s.sim.expireTokens();
    expect(await c.getCode('department/simplelist')).toBe(42001);
    c.forgetToken();
    await c.token();
    expect(await c.getCode('department/simplelist')).toBe(0);
    const r = await fetch(`${s.url}/_sim/tokens/revoke`, { method: 'POST' });
    expect(r.status).toBe(200);
    expect(await c.getCode('department/simplelist')).toBe(40014);
  });

  it("keeps companies apart: a token acts only on its own company", async () => {
    const { s } = await sim({ corps: [{ corpid: 'corp-a', secret: 'sa' }, { corpid: 'corp-b', secret: 'sb' }] });
    const a = new Caller(s.url, undefined, 'corp-a', 'sa');
    const b = new Caller(s.url, undefined, 'corp-b', 'sb');
    expect((await a.post('department/create', { name: 'OnlyInA', parentid: 1, id: 50 })).body.errcode).toBe(0);
    expect(await b.getCode('department/get', { id: 50 })).toBe(60003);
    expect(s.sim.company('corp-a').departments.has(50)).toBe(true);
    expect(s.sim.company('corp-b').departments.has(50)).toBe(false);
    expect(await a.getCode('department/get', { id: 50 })).toBe(0);
  });
});

describe('trusted IPs', () => {
  it('answers 60020 naming the caller IP when it is not trusted (gettoken included)', async () => {
    const { c } = await sim({ trustedIps: ['127.0.0.2'] });
    const a = await c.raw('GET', `/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`);
    expect(a.body.errcode).toBe(60020);
    expect(a.body.errmsg).toMatch(/^not allow to access from your ip, hint: \[\d{25}\], from ip: 127\.0\.0\.1, more info at/);
  });

  it('lets a newly trusted IP write and list ids but refuses detail reads with 48009', async () => {
    const agent = fromIp('127.0.0.2');
    const { s } = await sim({ trustedIps: ['127.0.0.2'] });
    const c = new Caller(s.url, agent);
    expect(await c.postCode('department/create', { name: 'Strict', parentid: 1, id: 7 })).toBe(0);
    expect(await c.postCode('user/create', { userid: 'u1', name: 'U1', department: [7], mobile: '13800000001' })).toBe(0);
    expect(await c.postCode('user/update', { userid: 'u1', position: 'dev' })).toBe(0);
    expect(await c.getCode('department/simplelist')).toBe(0);
    const ids = await c.post('user/list_id', {});
    expect(ids.body).toMatchObject({ errcode: 0, dept_user: [{ userid: 'creator', department: 1 }, { userid: 'u1', department: 7 }] });
    expect(await c.getCode('user/get', { userid: 'u1' })).toBe(48009);
    expect(await c.getCode('user/list', { department_id: 1, fetch_child: 1 })).toBe(48009);
    expect(await c.getCode('user/simplelist', { department_id: 1 })).toBe(48009);
    expect(await c.getCode('department/list')).toBe(48009);
    expect(await c.getCode('department/get', { id: 7 })).toBe(48009);
    await agent.close();
  });

  it('with refuseIdLists also refuses user/list_id and department/simplelist', async () => {
    const agent = fromIp('127.0.0.2');
    const { s } = await sim({ trustedIps: ['127.0.0.2'], refuseIdLists: true });
    const c = new Caller(s.url, agent);
    expect(await c.postCode('user/list_id', {})).toBe(48009);
    expect(await c.getCode('department/simplelist')).toBe(48009);
    expect(await c.postCode('department/create', { name: 'Still writable', parentid: 1 })).toBe(0);
    await agent.close();
  });

  it('lets a legacy trusted IP read details, and the inspection surface ignores IP rules', async () => {
    const { s, c } = await sim({ trustedIps: ['127.0.0.2'], legacyTrustedIps: ['127.0.0.1'] });
    expect(await c.getCode('department/list')).toBe(0);
    expect(await c.getCode('user/list', { department_id: 1 })).toBe(0);
    const strict = await sim({ trustedIps: ['127.0.0.2'] });
    const r = await fetch(`${strict.s.url}/_sim/stats`);
    expect(r.status).toBe(200);
    expect(s.sim.ipPolicy('::ffff:127.0.0.2')).toBe('strict');
  });
});
