// The client against the simulator over HTTPS through real tinyproxy instances bound to
// different egress addresses, as a company's calls leave through its trusted egress IP.
//   P2: egress 127.0.0.2, credentials puser/ppass      P3: egress 127.0.0.3, credentials puser/ppass
//   PX: egress 127.0.0.2, credentials puser/other (our password is wrong there)
//   TLS: stunnel4 terminating TLS in front of P2: an https:// proxy (CONNECT inside TLS)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCert, startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { createWeComClient, WeComError, WeComTransportError, type WeComClient, type WeComClientOptions } from '../../src/wecom/index.js';
import { startStunnel, type RunningStunnel } from '../helpers/stunnel.js';
import { freePort, startTinyproxy, type RunningTinyproxy } from '../helpers/tinyproxy.js';

const corpid = 'wwproxy';
const secret = 'proxy-secret';
let sim: RunningSimulator;
let p2: RunningTinyproxy;
let p3: RunningTinyproxy;
let px: RunningTinyproxy;
let tls: RunningStunnel;
let otherCa: string;
let deadProxy: string;
const clients: WeComClient[] = [];

function client(proxies: string, password = 'ppass', extra: Partial<WeComClientOptions> = {}): WeComClient {
  const c = createWeComClient({
    corpId: corpid,
    secret,
    apiBase: sim.url,
    ca: sim.caPem,
    proxies,
    ...extra,
    proxyUsername: 'puser',
    proxyPassword: password,
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
  });
  clients.push(c);
  return c;
}

const member = (userid: string) => ({ userid, name: userid, department: [1], email: `${userid}@example.com` });

beforeAll(async () => {
  // Only 127.0.0.2 is trusted, and only as a newly trusted IP (detail reads refused: 48009).
  sim = await startSimulator({ port: 0, corps: [{ corpid, secret }], trustedIps: ['127.0.0.2'] });
  const simPort = sim.port;
  [p2, p3, px] = await Promise.all([
    startTinyproxy({ egress: '127.0.0.2', connectPorts: [simPort], username: 'puser', password: 'ppass' }),
    startTinyproxy({ egress: '127.0.0.3', connectPorts: [simPort], username: 'puser', password: 'ppass' }),
    startTinyproxy({ egress: '127.0.0.2', connectPorts: [simPort], username: 'puser', password: 'other' }),
  ]);
  tls = await startStunnel(p2.address);
  otherCa = (await selfSignedCert('127.0.0.1')).cert;
  deadProxy = `127.0.0.1:${await freePort()}`; // nothing listens there
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await tls?.stop();
  await Promise.all([p2, p3, px].filter(Boolean).map((p) => p.stop()));
  await sim?.close();
});

describe('the client through real HTTPS proxies', () => {
  it('calls WeCom from the proxy’s egress address', async () => {
    const c = client(p2.address);
    await c.user.create(member('via-p2'));
    const create = sim.sim.calls.filter((x) => x.api === 'user/create').at(-1);
    expect(create?.ip).toBe('127.0.0.2');
    expect(c.health()[0]).toMatchObject({ healthy: true });
  });

  it('fails over to the second proxy when the first is down, and remembers the first as unhealthy', async () => {
    const c = client(`${deadProxy},${p2.address}`);
    await c.user.create(member('after-failover'));
    expect(sim.sim.company(corpid)).toBeDefined();
    const health = c.health();
    expect(health).toHaveLength(2);
    expect(health[0]).toMatchObject({ healthy: false });
    expect(health[1]).toMatchObject({ healthy: true });
    const before = c.stats().byRoute[deadProxy]?.calls ?? 0;
    // The next call goes straight to the healthy proxy: the dead one is not tried again meanwhile.
    await c.user.create(member('second-call'));
    expect(c.stats().byRoute[deadProxy]?.calls ?? 0).toBe(before);
  });

  it('reports a proxy that refuses our credentials, then fails over to the next one', async () => {
    const c = client(`${px.address},${p2.address}`);
    await c.user.create(member('after-auth-failover'));
    const [first] = c.health();
    expect(first).toMatchObject({ healthy: false });
    expect(String(first?.lastError)).toMatch(/credentials|407|401|auth/i);

    const only = client(px.address);
    const err = await only.user.create(member('never')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeComTransportError);
    const t = err as WeComTransportError;
    expect(t.kind).toBe('proxy-auth');
    expect(t.class).toBe('config');
    expect(t.route).toEqual({ kind: 'proxy', proxy: px.address });
    expect(t.message).toContain(px.address);
    expect(t.message).not.toContain('ppass');
  });

  it('explains 60020 with the proxy used and the egress IP WeCom saw', async () => {
    const c = client(p3.address);
    const err = await c.user.create(member('from-untrusted')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeComError);
    const w = err as WeComError;
    expect(w.errcode).toBe(60020);
    expect(w.class).toBe('config');
    expect(w.egressIp).toBe('127.0.0.3');
    expect(w.route).toEqual({ kind: 'proxy', proxy: p3.address });
    expect(w.message).toContain(`WeCom does not trust the egress IP 127.0.0.3 used through proxy ${p3.address}`);
    // a configuration error is never retried
    expect(sim.sim.calls.filter((x) => x.ip === '127.0.0.3' && x.api !== 'gettoken').length).toBeLessThanOrEqual(1);
  });

  it('from a newly trusted IP: writes and id lists work, user/get answers 48009', async () => {
    const c = client(p2.address);
    await c.user.create(member('strict-read'));
    const ids = await c.user.listAllIds();
    expect(ids.map((r) => r.userid)).toContain('strict-read');
    const err = await c.user.get('strict-read').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeComError);
    expect((err as WeComError).errcode).toBe(48009);
    expect((err as WeComError).class).toBe('config');
    expect((err as WeComError).explanation.en).toMatch(/2022-08-15/);
  });
});

describe('the client through an https:// proxy (CONNECT inside TLS)', () => {
  it('reaches WeCom through the TLS proxy, verified with the proxy CA, from the proxy’s egress address', async () => {
    const c = client(tls.address, 'ppass', { proxyCa: tls.caPem });
    await c.user.create(member('via-tls-proxy'));
    expect(sim.sim.calls.filter((x) => x.api === 'user/create').at(-1)?.ip).toBe('127.0.0.2');
    expect(c.health()[0]).toMatchObject({ key: tls.address, healthy: true });
  });

  it('refuses a proxy whose certificate the proxy CA does not sign: a TLS error naming the proxy, never sent', async () => {
    const before = sim.sim.stats().total;
    for (const proxyCa of [otherCa, undefined]) {
      const c = client(tls.address, 'ppass', proxyCa ? { proxyCa } : {});
      const err = await c.user.create(member('never-wrong-ca')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WeComTransportError);
      const t = err as WeComTransportError;
      expect(t).toMatchObject({ kind: 'proxy-tls', class: 'config', beforeSend: true, route: { kind: 'proxy', proxy: tls.address } });
      expect(t.message).toContain(`the TLS certificate of proxy ${tls.address} could not be verified`);
      expect(t.message).toMatch(/proxy CA/);
    }
    expect(sim.sim.stats().total).toBe(before);
  });

  it('a certificate of WeCom that the API CA does not sign is still WeCom’s, not the proxy’s', async () => {
    const c = client(tls.address, 'ppass', { ca: otherCa, proxyCa: tls.caPem });
    const err = (await c.user.create(member('never-wecom-ca')).catch((e: unknown) => e)) as WeComTransportError;
    expect(err).toMatchObject({ kind: 'tls', class: 'config' });
    expect(err.message).toContain(`the TLS certificate of 127.0.0.1:${sim.port} could not be verified`);
    expect(err.message).toContain(`through proxy ${tls.address}`);
  });

  it('reports wrong proxy credentials through the TLS proxy, without the password', async () => {
    const c = client(tls.address, 'wrong-ppass', { proxyCa: tls.caPem });
    const err = (await c.user.create(member('never-wrong-password')).catch((e: unknown) => e)) as WeComTransportError;
    expect(err).toBeInstanceOf(WeComTransportError);
    expect(err).toMatchObject({ kind: 'proxy-auth', class: 'config', route: { kind: 'proxy', proxy: tls.address } });
    expect(err.message).toContain(`proxy ${tls.address} refused our credentials`);
    expect(err.message).not.toContain('wrong-ppass');
  });
});
