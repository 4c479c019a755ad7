// Test connection against the real simulator over HTTPS, directly and through real tinyproxy
// instances leaving from chosen loopback addresses (the egress IP WeCom sees).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainFailure, testConnection, type ConnectionTestResult } from '../../src/connections/index.js';
import { WeComError, WeComTransportError } from '../../src/wecom/index.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';
import type { WeComClientOptions } from '../../src/wecom/index.js';
import { startStunnel, type RunningStunnel } from '../helpers/stunnel.js';
import { freePort, startTinyproxy, type RunningTinyproxy } from '../helpers/tinyproxy.js';

const corpid = 'ww00000000000000aa';
const secret = 'sim-secret-Q7pLx2';
const PROXY_PASSWORD = 'proxy-pass-Jk81';
const conn = { corpId: corpid, rootDepartmentId: 1, defaultDepartmentId: null };

const sims: RunningSimulator[] = [];
async function sim(opts: Omit<SimulatorOptions, 'corps'> = {}): Promise<RunningSimulator> {
  const s = await startSimulator({ corps: [{ corpid, secret }], ...opts });
  s.sim.seedDepartment(corpid, { name: 'R&D', id: 2 });
  s.sim.seedMember(corpid, { userid: 'zhangsan', name: '张三', department: [2], mobile: '13800000000' });
  sims.push(s);
  return s;
}

const options = (s: RunningSimulator, over: Partial<WeComClientOptions> = {}): WeComClientOptions => ({
  corpId: corpid,
  secret,
  apiBase: s.url,
  ca: s.caPem,
  ...over,
});

const fast = { client: { retry: { maxAttempts: 1 } } };
const byName = (r: ConnectionTestResult) => Object.fromEntries(r.checks.map((c) => [c.name, c]));
const statuses = (r: ConnectionTestResult) => r.checks.map((c) => `${c.name}:${c.status}`);

afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

describe('test connection against the simulator', () => {
  it('all ok from an IP trusted before 2022-08-15 (full reads)', async () => {
    const s = await sim({ legacyTrustedIps: ['127.0.0.1'] });
    const r = await testConnection(options(s), { ...conn, defaultDepartmentId: 2 });
    expect(statuses(r)).toEqual(['token:ok', 'root-department:ok', 'department-ids:ok', 'member-ids:ok', 'member-details:ok']);
    expect(r.ok).toBe(true);
    expect(r.route).toBe('direct');
    const c = byName(r);
    expect(c['root-department']?.message.en).toBe('Root department 1 exists, and so does the default department 2 under it.');
    expect(c['department-ids']?.message.en).toMatch(/2 department\(s\)/);
    expect(c['member-details']?.message.en).toMatch(/Full reads allowed.*before 2022-08-15/);
    expect(c['member-details']?.message.zh).toMatch(/2022-08-15/);
    expect(s.sim.calls.filter((x) => x.api === 'user/get').map((x) => x.errcode)).toEqual([0]);
  });

  it('from a newly trusted IP: member details refused (48009) is a warning explained as normal', async () => {
    const s = await sim({ trustedIps: ['127.0.0.1'] });
    const r = await testConnection(options(s), conn);
    expect(statuses(r)).toEqual(['token:ok', 'root-department:ok', 'department-ids:ok', 'member-ids:ok', 'member-details:warning']);
    expect(r.ok).toBe(true);
    const d = byName(r)['member-details'];
    expect(d?.errcode).toBe(48009);
    expect(d?.message.en).toMatch(/^Member details cannot be read from this IP \(errcode 48009\)\. Normal for a trusted IP added after 2022-08-15/);
    expect(d?.message.zh).toMatch(/属正常现象/);
    expect(d?.egressIp).toBe('127.0.0.1');
  });

  it('id lists refused too: warnings saying sync relies on its own records', async () => {
    const s = await sim({ trustedIps: ['127.0.0.1'], refuseIdLists: true });
    const r = await testConnection(options(s), conn);
    expect(statuses(r)).toEqual(['token:ok', 'root-department:warning', 'department-ids:warning', 'member-ids:warning', 'member-details:warning']);
    expect(r.ok).toBe(true);
    const c = byName(r);
    expect(c['member-ids']?.message.en).toMatch(/^WeCom refuses id lists to this IP; sync will rely on its own records \(shadow state\)/);
    expect(c['member-ids']?.errcode).toBe(48009);
    expect(c['root-department']?.message.en).toMatch(/could not be verified/);
    // without a listed userid, the detail check still asked WeCom (with a probe userid)
    expect(s.sim.calls.some((x) => x.api === 'user/get')).toBe(true);
  });

  it('wrong secret: token fails with 40001 in plain words; nothing else is tried; the secret never appears', async () => {
    const s = await sim();
    const wrong = 'wrong-secret-Hh93kd';
    const r = await testConnection(options(s, { secret: wrong }), conn, fast);
    expect(r.ok).toBe(false);
    expect(statuses(r)).toEqual(['token:failed', 'root-department:skipped', 'department-ids:skipped', 'member-ids:skipped', 'member-details:skipped']);
    const tok = byName(r).token;
    expect(tok?.errcode).toBe(40001);
    expect(tok?.message.en).toMatch(/^Wrong secret: WeCom refused the address-book sync secret for company ww00000000000000aa \(errcode 40001\)/);
    expect(tok?.message.zh).toMatch(/Secret 错误/);
    expect(JSON.stringify(r)).not.toContain(wrong);
    expect(s.sim.calls.map((x) => x.api)).toEqual(['gettoken']);
  });

  it('wrong corpid: 40013', async () => {
    const s = await sim();
    const r = await testConnection(options(s, { corpId: 'ww1111111111111111' }), { ...conn, corpId: 'ww1111111111111111' }, fast);
    expect(byName(r).token).toMatchObject({ status: 'failed', errcode: 40013 });
    expect(byName(r).token?.message.en).toMatch(/Wrong company ID/);
  });

  it('root department missing', async () => {
    const s = await sim();
    const r = await testConnection(options(s), { ...conn, rootDepartmentId: 999 });
    expect(r.ok).toBe(false);
    const c = byName(r);
    expect(c['root-department']?.status).toBe('failed');
    expect(c['root-department']?.message.en).toMatch(/^Root department 999 not found in company ww00000000000000aa/);
    expect(c['department-ids']?.status).toBe('skipped');
    expect(c['member-ids']?.status).toBe('ok');
  });

  it('default department outside the root subtree fails the root-department check', async () => {
    const s = await sim();
    s.sim.seedDepartment(corpid, { name: 'Sub', id: 3, parentid: 2 });
    const r = await testConnection(options(s), { ...conn, rootDepartmentId: 3, defaultDepartmentId: 2 });
    expect(byName(r)['root-department']).toMatchObject({ status: 'failed' });
    expect(byName(r)['root-department']?.message.en).toMatch(/default department 2 is not in its subtree/);
  });

  it('TLS: without the simulator CA the certificate cannot be verified', async () => {
    const s = await sim();
    const r = await testConnection(options(s, { ca: undefined }), conn, fast);
    expect(byName(r).token?.status).toBe('failed');
    expect(byName(r).token?.message.en).toMatch(/TLS certificate could not be verified/);
  });
});

describe('test connection through real proxies', () => {
  let s: RunningSimulator;
  let p2: RunningTinyproxy; // egress 127.0.0.2 (trusted)
  let p3: RunningTinyproxy; // egress 127.0.0.3 (not trusted)
  let px: RunningTinyproxy; // egress 127.0.0.2, expects another password
  let tls2: RunningStunnel; // TLS in front of p2: an https:// proxy
  let dead: string;
  beforeAll(async () => {
    s = await sim({ trustedIps: ['127.0.0.2'] });
    [p2, p3, px] = await Promise.all([
      startTinyproxy({ egress: '127.0.0.2', connectPorts: [s.port], username: 'puser', password: PROXY_PASSWORD }),
      startTinyproxy({ egress: '127.0.0.3', connectPorts: [s.port], username: 'puser', password: PROXY_PASSWORD }),
      startTinyproxy({ egress: '127.0.0.2', connectPorts: [s.port], username: 'puser', password: 'another-one' }),
    ]);
    tls2 = await startStunnel(p2.address);
    dead = `127.0.0.1:${await freePort()}`;
  });
  afterAll(async () => {
    await tls2?.stop();
    await Promise.all([p2, p3, px].filter(Boolean).map((p) => p.stop()));
  });
  const via = (proxies: string) => options(s, { proxies, proxyUsername: 'puser', proxyPassword: PROXY_PASSWORD });

  it('through a trusted proxy: ok, naming the proxy as the route', async () => {
    const r = await testConnection(via(p2.address), conn);
    expect(statuses(r)).toEqual(['token:ok', 'root-department:ok', 'department-ids:ok', 'member-ids:ok', 'member-details:warning']);
    expect(r.route).toBe(p2.address);
    expect(byName(r).token?.message.en).toBe(`Access token obtained through proxy ${p2.address}: company ID and secret are accepted.`);
    expect(r.egressIp).toBe('127.0.0.2'); // from the 48009 errmsg
  });

  it('untrusted egress IP: names 127.0.0.3 and the proxy', async () => {
    const r = await testConnection(via(p3.address), conn, fast);
    expect(r.ok).toBe(false);
    const tok = byName(r).token;
    expect(tok).toMatchObject({ status: 'failed', errcode: 60020, egressIp: '127.0.0.3', route: p3.address });
    expect(tok?.message.en).toContain(`Untrusted egress IP 127.0.0.3 through proxy ${p3.address}`);
    expect(tok?.message.en).toContain('Add 127.0.0.3 to the trusted IPs');
    expect(tok?.message.zh).toContain('127.0.0.3');
    expect(r.egressIp).toBe('127.0.0.3');
    expect(JSON.stringify(r)).not.toContain(PROXY_PASSWORD);
    expect(JSON.stringify(r)).not.toContain(secret);
  });

  it('proxy down: names the proxy', async () => {
    const r = await testConnection(via(dead), conn, fast);
    expect(r.ok).toBe(false);
    const tok = byName(r).token;
    expect(tok?.status).toBe('failed');
    expect(tok?.route).toBe(dead);
    expect(tok?.message.en).toMatch(new RegExp(`^Proxy ${dead} is down or unreachable`));
  });

  it('proxy refusing our credentials: names the proxy; the password never appears', async () => {
    const r = await testConnection(via(px.address), conn, fast);
    const tok = byName(r).token;
    expect(tok?.status).toBe('failed');
    expect(tok?.message.en).toMatch(new RegExp(`^Proxy ${px.address} refused our credentials: check the proxy username and password`));
    expect(JSON.stringify(r)).not.toContain(PROXY_PASSWORD);
  });

  it('an https:// proxy: works with its CA; without it, the proxy’s certificate is named, not WeCom’s', async () => {
    const ok = await testConnection({ ...via(tls2.address), proxyCa: tls2.caPem }, conn);
    expect(ok.ok).toBe(true);
    expect(ok.route).toBe(tls2.address);
    const r = await testConnection(via(tls2.address), conn, fast);
    const tok = byName(r).token;
    expect(tok).toMatchObject({ status: 'failed', route: tls2.address });
    expect(tok?.message.en).toMatch(new RegExp(`^The TLS certificate of proxy ${tls2.address} could not be verified .*Configure the CA that signs the proxy's certificate`));
    expect(tok?.message.zh).toContain('代理 CA 证书');
  });

  it('a dead first proxy with a working second: works, with a warning naming the dead one', async () => {
    const r = await testConnection(via(`${dead},${p2.address}`), conn, fast);
    expect(r.ok).toBe(true);
    const tok = byName(r).token;
    expect(tok?.status).toBe('warning');
    expect(tok?.message.en).toContain(`Access token obtained through proxy ${p2.address}, but proxy ${dead}`);
    expect(r.routes.map((x) => [x.route, x.healthy])).toEqual([
      [dead, false],
      [p2.address, true],
    ]);
  });
});

describe('explainFailure', () => {
  it('removes the secret and proxy password from any error text it turns into a verdict', () => {
    const leaky = new WeComTransportError({
      kind: 'reset',
      api: 'gettoken',
      route: { kind: 'proxy', proxy: '10.0.0.5:3128' },
      detail: `socket hang up while sending corpsecret=${secret} with ${PROXY_PASSWORD}`,
    });
    const v = explainFailure(leaky, { corpId: corpid }, [secret, PROXY_PASSWORD]);
    expect(v.route).toBe('10.0.0.5:3128');
    expect(JSON.stringify(v)).not.toContain(secret);
    expect(JSON.stringify(v)).not.toContain(PROXY_PASSWORD);
    expect(JSON.stringify(v.note)).toContain('***');

    const answered = new WeComError({ errcode: 60011, errmsg: `no privilege, echo ${PROXY_PASSWORD}`, api: 'user/get', route: { kind: 'direct' } });
    expect(JSON.stringify(explainFailure(answered, { corpId: corpid }, [secret, PROXY_PASSWORD]))).not.toContain(PROXY_PASSWORD);
  });
});
