// The client over real HTTPS and real CONNECT proxies, against a tiny in-test WeCom stand-in and
// in-test Node proxies (the tinyproxy-based tests are the lead's). Checks failover, health, error
// wording, redaction and the wire format (token in the query, multipart upload).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { generate } from 'selfsigned';
import { createWeComClient, WeComError, WeComTransportError, type WeComClient } from '../../src/wecom/index.js';
import { startSimulator } from '../../src/simulator/index.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

let caPem = '';
let server: HttpsServer;
let base = '';
const seen: Seen[] = [];
let faults: Array<'502' | 'reset' | 'slow'> = [];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

interface TestProxy {
  address: string;
  connects: number;
  server: HttpServer;
}

async function startProxy(auth?: string, egress?: string): Promise<TestProxy> {
  const proxy: TestProxy = { address: '', connects: 0, server: createHttpServer() };
  const sockets = new Set<Socket>();
  proxy.server.on('connect', (req: IncomingMessage, client: Socket) => {
    proxy.connects++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (auth && req.headers['proxy-authorization'] !== `Basic ${Buffer.from(auth).toString('base64')}`) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="t"\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const up = netConnect({ port: Number(port), host: host as string, ...(egress ? { localAddress: egress } : {}) }, () => {
      client.write('HTTP/1.1 200 Connection established\r\n\r\n');
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => proxy.server.listen(0, '127.0.0.1', r));
  proxy.address = `127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
  proxy.server.on('close', () => sockets.forEach((s) => s.destroy()));
  return proxy;
}

beforeAll(async () => {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  caPem = pems.cert;
  server = createHttpsServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      const fault = faults.shift();
      if (fault === 'reset') return req.socket.destroy();
      if (fault === '502') return void res.writeHead(502).end('bad gateway');
      const url = new URL(req.url ?? '/', 'https://x');
      const send = (o: object) => {
        const go = () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(o));
        if (fault === 'slow') setTimeout(go, 400);
        else go();
      };
      if (url.pathname === '/cgi-bin/gettoken')
        return send({ errcode: 0, errmsg: 'ok', access_token: `tok-${url.searchParams.get('corpsecret')?.length}`, expires_in: 7200 });
      if (url.searchParams.get('access_token') !== 'tok-6') return send({ errcode: 40014, errmsg: 'invalid access_token' });
      if (url.pathname === '/cgi-bin/department/simplelist') return send({ errcode: 0, errmsg: 'ok', department_id: [{ id: 1, parentid: 0, order: 0 }] });
      if (url.pathname === '/cgi-bin/media/upload') return send({ errcode: 0, errmsg: '', type: 'file', media_id: 'm1', created_at: '1380000000' });
      send({ errcode: 0, errmsg: 'ok' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function client(extra: Partial<Parameters<typeof createWeComClient>[0]> = {}): WeComClient {
  return createWeComClient({ corpId: 'ww1', secret: 'secret', apiBase: base, ca: caPem, retry: { baseDelayMs: 5 }, ...extra });
}

describe('proxy failover over real connections', () => {
  it('skips a proxy that is down, uses the next one and shows it in health', async () => {
    const down = `127.0.0.1:${await freePort()}`;
    const good = await startProxy('puser:ppass');
    const c = client({ proxies: `${down},${good.address}`, proxyUsername: 'puser', proxyPassword: 'ppass' });
    try {
      expect(await c.department.simplelist()).toEqual([{ id: 1, parentid: 0, order: 0 }]);
      const [h1, h2] = c.health();
      expect(h1).toMatchObject({ key: down, healthy: false, state: 'cooling-down' });
      expect(h1?.lastError).toContain(`proxy ${down} refused the connection (ECONNREFUSED)`);
      expect(h2).toMatchObject({ key: good.address, healthy: true });
      const usedAt = h1?.lastUsedAt;
      await c.department.simplelist();
      expect(c.health()[0]?.lastUsedAt).toBe(usedAt); // not tried again during its cool-down
      expect(c.preferredRoute()).toEqual({ kind: 'proxy', proxy: good.address });
      const st = c.stats();
      expect(st.byRoute[down]).toEqual({ calls: 1, transportFailures: 1 });
      expect(st.byRoute[good.address]?.calls).toBe(3); // gettoken + 2 calls
      expect(st.retries).toBe(0);
    } finally {
      await c.close();
      good.server.close();
    }
  });

  it('reports wrong proxy credentials as a configuration error naming the proxy, without the password, and fails over', async () => {
    const strict = await startProxy('puser:right-password');
    const open = await startProxy();
    const c = client({ proxies: [strict.address], proxyUsername: 'puser', proxyPassword: 'wrong-password' });
    const c2 = client({ proxies: [strict.address, open.address], proxyUsername: 'puser', proxyPassword: 'wrong-password' });
    try {
      const err = await c.department.simplelist().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WeComTransportError);
      const te = err as WeComTransportError;
      expect(te).toMatchObject({ kind: 'proxy-auth', class: 'config', status: 407, route: { kind: 'proxy', proxy: strict.address } });
      expect(te.message).toContain(`proxy ${strict.address} refused our credentials (HTTP 407)`);
      expect(JSON.stringify({ m: te.message, s: te.stack })).not.toContain('wrong-password');
      expect(strict.connects).toBe(1); // configuration errors are not retried
      expect(await c2.department.simplelist()).toHaveLength(1);
      expect(c2.health()[0]).toMatchObject({ healthy: false });
    } finally {
      await c.close();
      await c2.close();
      strict.server.close();
      open.server.close();
    }
  });

  it('names every route when all fail', async () => {
    const a = `127.0.0.1:${await freePort()}`;
    const b = `127.0.0.1:${await freePort()}`;
    const c = client({ proxies: [a, b], retry: { maxAttempts: 2, baseDelayMs: 1 } });
    try {
      const err = (await c.department.simplelist().catch((e: unknown) => e)) as WeComTransportError;
      expect(err.kind).toBe('connect');
      expect(err.message).toContain(`every route failed: proxy ${a} refused the connection`);
      expect(err.message).toContain(`proxy ${b} refused the connection`);
      expect(c.stats().transportFailures).toBe(4);
    } finally {
      await c.close();
    }
  });
});

describe('direct transport', () => {
  it('refuses a certificate it cannot verify, as a configuration error', async () => {
    const c = createWeComClient({ corpId: 'ww1', secret: 'secret', apiBase: base });
    try {
      const err = (await c.department.simplelist().catch((e: unknown) => e)) as WeComTransportError;
      expect(err).toBeInstanceOf(WeComTransportError);
      expect(err).toMatchObject({ kind: 'tls', class: 'config' });
      expect(err.message).toMatch(/certificate of 127\.0\.0\.1:\d+ could not be verified/);
    } finally {
      await c.close();
    }
  });

  it('retries HTTP 502, a reset connection and a timeout', async () => {
    const c = client({ timeoutMs: 200 });
    try {
      await c.ensureToken();
      faults = ['502', 'reset', 'slow'];
      expect(await c.department.simplelist()).toHaveLength(1);
      expect(c.stats()).toMatchObject({ retries: 3, transportFailures: 3 });
      expect(c.health()[0]?.lastError).toBeTruthy();
    } finally {
      faults = [];
      await c.close();
    }
  });

  it('sends the access token in the query string only and never logs it', async () => {
    const logs: string[] = [];
    const log = (o: object, m?: string) => void logs.push(JSON.stringify(o) + (m ?? ''));
    const c = client({ logger: { debug: log, info: log, warn: log, error: log } });
    try {
      seen.length = 0;
      await c.user.update({ userid: 'zhangsan', position: 'dev' });
      const call = seen.find((s) => s.url.startsWith('/cgi-bin/user/update'));
      expect(call?.url).toContain('access_token=tok-6');
      expect(call?.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(call?.body.toString() ?? '')).toEqual({ userid: 'zhangsan', position: 'dev' });
      expect(logs.length).toBeGreaterThan(0);
      expect(logs.join('\n')).not.toContain('tok-6');
      expect(logs.join('\n')).not.toMatch(/corpsecret=secret/);
    } finally {
      await c.close();
    }
  });

  it('uploads media as multipart with filename and filelength in the part header', async () => {
    const c = client();
    try {
      seen.length = 0;
      const csv = Buffer.from('部门名称,部门ID,父部门ID,排序\n总部,1,0,1\n', 'utf8');
      expect(await c.media.upload(csv, 'party.csv')).toEqual({ type: 'file', mediaId: 'm1', createdAt: '1380000000' });
      const call = seen.find((s) => s.url.startsWith('/cgi-bin/media/upload'));
      expect(call?.url).toMatch(/[?&]type=file/);
      const boundary = /boundary=(.+)$/.exec(String(call?.headers['content-type']))?.[1];
      expect(boundary).toBeTruthy();
      const text = call?.body.toString('utf8') ?? '';
      expect(text).toContain(`Content-Disposition: form-data; name="media"; filename="party.csv"; filelength=${csv.length}\r\n`);
      expect(text).toContain('Content-Type: application/octet-stream\r\n\r\n');
      expect(call?.body.includes(csv)).toBe(true);
      expect(text.endsWith(`--${boundary}--\r\n`)).toBe(true);
    } finally {
      await c.close();
    }
  });
});

describe('egress IP through a proxy (simulator)', () => {
  it('60020 names the egress IP the simulator saw and the proxy used; failover to a trusted proxy when enabled', async () => {
    const sim = await startSimulator({ https: true, port: 0, corps: [{ corpid: 'ww1', secret: 's1' }], legacyTrustedIps: ['127.0.0.2'] });
    const untrusted = await startProxy('puser:ppass', '127.0.0.3');
    const trusted = await startProxy('puser:ppass', '127.0.0.2');
    const opts = { corpId: 'ww1', secret: 's1', apiBase: sim.url, ca: sim.caPem, proxyUsername: 'puser', proxyPassword: 'ppass' };
    const plain = createWeComClient({ ...opts, proxies: [untrusted.address, trusted.address] });
    const failover = createWeComClient({ ...opts, proxies: [untrusted.address, trusted.address], failoverOnUntrustedIp: true });
    try {
      const err = (await plain.department.simplelist().catch((e: unknown) => e)) as WeComError;
      expect(err).toBeInstanceOf(WeComError);
      expect(err).toMatchObject({ errcode: 60020, class: 'config', egressIp: '127.0.0.3', route: { kind: 'proxy', proxy: untrusted.address } });
      expect(err.message).toMatch(new RegExp(`^WeCom does not trust the egress IP 127\\.0\\.0\\.3 used through proxy ${untrusted.address.replace(/\./g, '\\.')}`));
      expect(plain.health()[0]).toMatchObject({ healthy: true, lastEgressIp: '127.0.0.3' });

      expect((await failover.department.simplelist()).map((d) => d.id)).toEqual([1]);
      expect(failover.health()[0]).toMatchObject({ healthy: false, lastEgressIp: '127.0.0.3' });
      expect(failover.health()[0]?.lastError).toContain('egress IP 127.0.0.3');
      expect(failover.preferredRoute()).toEqual({ kind: 'proxy', proxy: trusted.address });
      const ips = new Set(sim.sim.calls.filter((c) => c.errcode === 0).map((c) => c.ip));
      expect(ips).toEqual(new Set(['127.0.0.2']));
    } finally {
      await plain.close();
      await failover.close();
      untrusted.server.close();
      trusted.server.close();
      await sim.close();
    }
  });
});
