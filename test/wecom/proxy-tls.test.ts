// The client through a real TLS-terminating proxy: stunnel4 (TLS) in front of tinyproxy (CONNECT,
// Basic auth, egress 127.0.0.2), i.e. a proxy written `https://host:port`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCert, startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { createWeComClient, WeComTransportError, type WeComClient } from '../../src/wecom/index.js';
import { startStunnel, type RunningStunnel } from '../helpers/stunnel.js';
import { startTinyproxy, type RunningTinyproxy } from '../helpers/tinyproxy.js';

const corpid = 'wwtlsproxy';
const secret = 'tls-proxy-secret';
let sim: RunningSimulator;
let tiny: RunningTinyproxy;
let tls: RunningStunnel;
let otherCa: string;
const clients: WeComClient[] = [];

function client(opts: { proxies: string; proxyCa?: string; password?: string }): WeComClient {
  const c = createWeComClient({
    corpId: corpid,
    secret,
    apiBase: sim.url,
    ca: sim.caPem,
    proxies: opts.proxies,
    ...(opts.proxyCa !== undefined ? { proxyCa: opts.proxyCa } : {}),
    proxyUsername: 'puser',
    proxyPassword: opts.password ?? 'ppass',
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
  });
  clients.push(c);
  return c;
}

const member = (userid: string) => ({ userid, name: userid, department: [1], email: `${userid}@example.com` });

beforeAll(async () => {
  sim = await startSimulator({ port: 0, corps: [{ corpid, secret }], trustedIps: ['127.0.0.2'] });
  tiny = await startTinyproxy({ egress: '127.0.0.2', connectPorts: [sim.port], username: 'puser', password: 'ppass' });
  tls = await startStunnel(tiny.address);
  otherCa = (await selfSignedCert('127.0.0.1')).cert;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await tls?.stop();
  await tiny?.stop();
  await sim?.close();
});

describe('the client through an https:// proxy (CONNECT inside TLS)', () => {
  it('reaches WeCom through the TLS proxy, verified with the proxy CA, from the proxy’s egress address', async () => {
    const c = client({ proxies: tls.address, proxyCa: tls.caPem });
    await c.user.create(member('via-tls-proxy'));
    expect(sim.sim.calls.filter((x) => x.api === 'user/create').at(-1)?.ip).toBe('127.0.0.2');
    expect(c.health()[0]).toMatchObject({ key: tls.address, healthy: true });
  });

  it('refuses a proxy whose certificate the proxy CA does not sign: a TLS error naming the proxy, never sent', async () => {
    const before = sim.sim.stats().total;
    for (const proxyCa of [otherCa, undefined]) {
      const c = client({ proxies: tls.address, ...(proxyCa ? { proxyCa } : {}) });
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
    const c = createWeComClient({ corpId: corpid, secret, apiBase: sim.url, ca: otherCa, proxies: tls.address, proxyCa: tls.caPem, proxyUsername: 'puser', proxyPassword: 'ppass', retry: { maxAttempts: 1 } });
    clients.push(c);
    const err = (await c.user.create(member('never-wecom-ca')).catch((e: unknown) => e)) as WeComTransportError;
    expect(err).toMatchObject({ kind: 'tls', class: 'config' });
    expect(err.message).toContain(`the TLS certificate of 127.0.0.1:${sim.port} could not be verified`);
    expect(err.message).toContain(`through proxy ${tls.address}`);
  });

  it('reports wrong proxy credentials through the TLS proxy, without the password', async () => {
    const c = client({ proxies: tls.address, proxyCa: tls.caPem, password: 'wrong-ppass' });
    const err = (await c.user.create(member('never-wrong-password')).catch((e: unknown) => e)) as WeComTransportError;
    expect(err).toBeInstanceOf(WeComTransportError);
    expect(err).toMatchObject({ kind: 'proxy-auth', class: 'config', route: { kind: 'proxy', proxy: tls.address } });
    expect(err.message).toContain(`proxy ${tls.address} refused our credentials`);
    expect(err.message).not.toContain('wrong-ppass');
  });
});
