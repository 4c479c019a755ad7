// The client's transport against the real parts only: the project's WeCom simulator over HTTPS
// and real tinyproxy instances. Covers what proxy-tinyproxy.test.ts and client-simulator.test.ts
// do not: every route failing, certificates the client cannot verify, timeouts, secrets kept out of
// the wire's headers/body, logs and errors, the multipart upload as the simulator stores it, and
// failover away from a proxy whose egress IP WeCom does not trust.
//   PT: egress 127.0.0.2 (trusted)    PU: egress 127.0.0.3 (not trusted)    both: puser / PROXY_PASSWORD
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCert, startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import {
  createWeComClient,
  WeComError,
  WeComTransportError,
  type CallEvent,
  type WeComClient,
  type WeComClientOptions,
} from '../../src/wecom/index.js';
import { freePort, startTinyproxy, type RunningTinyproxy } from '../helpers/tinyproxy.js';

const CORP = { corpid: 'wwtransport', secret: 'transport-secret-7f3a9c' };
const PROXY_USER = 'puser';
const PROXY_PASSWORD = 'proxy-pass-5d21e8';

let sim: RunningSimulator;
let pt: RunningTinyproxy;
let pu: RunningTinyproxy;
const clients: WeComClient[] = [];

function client(extra: Partial<WeComClientOptions> = {}): WeComClient {
  const c = createWeComClient({
    corpId: CORP.corpid,
    secret: CORP.secret,
    apiBase: sim.url,
    ca: sim.caPem,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...extra,
  });
  clients.push(c);
  return c;
}

const viaProxies = (proxies: string[], password = PROXY_PASSWORD): Partial<WeComClientOptions> => ({
  proxies,
  proxyUsername: PROXY_USER,
  proxyPassword: password,
});

const member = (userid: string, i: number) => ({ userid, name: userid, department: [1], mobile: `139${String(i).padStart(8, '0')}` });

/** The rejection of a call that must fail. */
const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => expect.fail('the call should have failed'), (e: unknown) => e);

beforeAll(async () => {
  // Direct calls (127.0.0.1) and PT (127.0.0.2) come from fully trusted IPs; PU (127.0.0.3) does not.
  sim = await startSimulator({ https: true, port: 0, corps: [CORP], legacyTrustedIps: ['127.0.0.1', '127.0.0.2'] });
  const proxy = { connectPorts: [sim.port], username: PROXY_USER, password: PROXY_PASSWORD };
  [pt, pu] = await Promise.all([startTinyproxy({ egress: '127.0.0.2', ...proxy }), startTinyproxy({ egress: '127.0.0.3', ...proxy })]);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  sim.sim.setFaults({ faultRate: 0 });
});

afterAll(async () => {
  await Promise.all([pt, pu].filter(Boolean).map((p) => p.stop()));
  await sim?.close();
});

describe('when every route fails', () => {
  it('names every proxy tried, retries (the proxies may come back) and never reaches WeCom', async () => {
    const a = `127.0.0.1:${await freePort()}`;
    const b = `127.0.0.1:${await freePort()}`;
    const before = sim.sim.calls.length;
    const c = client({ proxies: [a, b], retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    const err = (await failure(c.department.simplelist())) as WeComTransportError;
    expect(err).toBeInstanceOf(WeComTransportError);
    expect(err).toMatchObject({ kind: 'connect', class: 'retryable', beforeSend: true, route: { kind: 'proxy', proxy: b } });
    expect(err.message).toContain(`every route failed: proxy ${a} refused the connection (ECONNREFUSED)`);
    expect(err.message).toContain(`; proxy ${b} refused the connection (ECONNREFUSED)`);
    const st = c.stats();
    expect(st.transportFailures).toBe(6); // 2 routes × 3 attempts
    expect(st.byRoute).toEqual({ [a]: { calls: 3, transportFailures: 3 }, [b]: { calls: 3, transportFailures: 3 } });
    expect(st.retries).toBe(2);
    expect(c.health().map((h) => h.healthy)).toEqual([false, false]);
    expect(sim.sim.calls.length).toBe(before);
  });

  it('every proxy refusing our credentials is a configuration error naming each proxy, not retried', async () => {
    const before = sim.sim.calls.length;
    const wrong = 'wrong-proxy-pass-91b4';
    const c = client({ ...viaProxies([pt.address, pu.address], wrong), retry: { maxAttempts: 4, baseDelayMs: 1 } });
    const err = (await failure(c.department.simplelist())) as WeComTransportError;
    expect(err).toBeInstanceOf(WeComTransportError);
    expect(err).toMatchObject({ kind: 'proxy-auth', class: 'config', route: { kind: 'proxy', proxy: pu.address } });
    expect(err.message).toContain(`every route failed: proxy ${pt.address} refused our credentials`);
    expect(err.message).toContain(`proxy ${pu.address} refused our credentials`);
    expect(inspect(err, { depth: 8 })).not.toContain(wrong);
    expect(c.stats()).toMatchObject({ calls: 2, retries: 0, transportFailures: 2 });
    expect(sim.sim.calls.length).toBe(before);
  });
});

describe('a certificate the client cannot verify', () => {
  it.each([
    ['no CA given (Node’s public roots)', 'none', false],
    ['another CA than the simulator’s', 'other', false],
    ['another CA, through a proxy', 'other', true],
  ] as const)('%s: a configuration error of kind tls, not retried', async (_name, ca, proxied) => {
    const other = ca === 'other' ? (await selfSignedCert('127.0.0.1')).cert : undefined;
    const before = sim.sim.calls.length;
    const c = createWeComClient({
      corpId: CORP.corpid,
      secret: CORP.secret,
      apiBase: sim.url,
      ...(other ? { ca: other } : {}),
      ...(proxied ? viaProxies([pt.address]) : {}),
      retry: { maxAttempts: 4, baseDelayMs: 1 },
    });
    clients.push(c);
    const err = (await failure(c.department.simplelist())) as WeComTransportError;
    expect(err).toBeInstanceOf(WeComTransportError);
    expect(err).toMatchObject({ kind: 'tls', class: 'config', route: proxied ? { kind: 'proxy', proxy: pt.address } : { kind: 'direct' } });
    expect(err.message).toContain(`the TLS certificate of 127.0.0.1:${sim.port} could not be verified`);
    expect(err.message).toContain(proxied ? `through proxy ${pt.address}` : 'called directly');
    expect(c.stats()).toMatchObject({ calls: 1, retries: 0, transportFailures: 1 });
    // the handshake failed: the simulator never saw a request
    expect(sim.sim.calls.length).toBe(before);
  });
});

describe('timeouts', () => {
  // Their own simulator: an answer held back by latency is still logged by it after the client gave up.
  let slow: RunningSimulator;
  beforeAll(async () => {
    slow = await startSimulator({ https: true, port: 0, corps: [CORP] });
  });
  afterEach(() => slow.sim.setFaults({ latencyMs: 0 }));
  afterAll(async () => {
    await slow?.close();
  });
  const slowClient = (extra: Partial<WeComClientOptions>): WeComClient => client({ apiBase: slow.url, ca: slow.caPem, ...extra });

  it('an answer slower than timeoutMs is abandoned and the call retried; it succeeds once WeCom is fast again', async () => {
    const events: CallEvent[] = [];
    const c = slowClient({
      timeoutMs: 150,
      onCall: (e) => {
        events.push(e);
        // WeCom recovers as soon as the client gave up on the slow answer
        if (e.transportError === 'timeout') slow.sim.setFaults({ latencyMs: 0 });
      },
    });
    await c.ensureToken();
    slow.sim.setFaults({ latencyMs: 2_000 });
    const rows = await c.department.simplelist();
    expect(rows.map((d) => d.id)).toEqual([1]);
    expect(events.filter((e) => e.api === 'department/simplelist').map((e) => [e.attempt, e.errcode, e.transportError])).toEqual([
      [1, null, 'timeout'],
      [2, 0, undefined],
    ]);
    expect(c.stats()).toMatchObject({ retries: 1, transportFailures: 1 });
    // a timeout is not the route's fault: it stays healthy, the failure is shown
    expect(c.health()[0]).toMatchObject({ healthy: true, state: 'healthy' });
    expect(c.health()[0]?.lastError).toContain(`no complete answer from 127.0.0.1:${slow.port} in time (called directly)`);
  });

  it('a WeCom that stays slow ends in a retryable timeout error after maxAttempts', async () => {
    const c = slowClient({ timeoutMs: 100, retry: { maxAttempts: 2, baseDelayMs: 1 } });
    await c.ensureToken();
    slow.sim.setFaults({ latencyMs: 2_000 });
    const err = (await failure(c.department.simplelist())) as WeComTransportError;
    expect(err).toBeInstanceOf(WeComTransportError);
    expect(err).toMatchObject({ kind: 'timeout', class: 'retryable', beforeSend: false, route: { kind: 'direct' } });
    expect(c.stats()).toMatchObject({ retries: 1, transportFailures: 2 });
  });
});

describe('secrets', () => {
  interface Wire {
    path: string;
    headers: string;
    body: string;
  }

  it('the access token travels in the query string only and never shows in logs or errors; nor do the secret or proxy password', async () => {
    const wire: Wire[] = [];
    const onRequest = (message: unknown): void => {
      const { request } = message as { request: { origin: string; path: string; headers: unknown; body: unknown } };
      if (!String(request.origin).endsWith(`:${sim.port}`)) return;
      const body = request.body;
      wire.push({
        path: request.path,
        headers: inspect(request.headers, { depth: 5 }),
        body: Buffer.isBuffer(body) || typeof body === 'string' ? body.toString() : inspect(body),
      });
    };
    const logs: string[] = [];
    const log =
      (level: string) =>
      (obj: object, msg?: string): void =>
        void logs.push(`${level} ${inspect(obj, { depth: 8, breakLength: Infinity })} ${msg ?? ''}`);
    const dead = `127.0.0.1:${await freePort()}`;
    const c = client({
      ...viaProxies([dead, pt.address]),
      logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      onCall: (e) => {
        if (e.transportError === 'reset') sim.sim.setFaults({ faultRate: 0 });
      },
    });
    const tokens: string[] = [];
    const errors: unknown[] = [];
    subscribe('undici:request:create', onRequest);
    try {
      // gettoken (after failing over from the dead proxy), then a plain write
      await c.user.create(member('secret-a', 1));
      tokens.push(sim.sim.issueToken(CORP.corpid, CORP.secret).access_token); // WeCom's current token = the client's
      // a lost answer, retried
      sim.sim.setFaults({ faultRate: 1, faultKind: 'reset' });
      await c.user.update({ userid: 'secret-a', position: 'dev' });
      // a refused token: refreshed and the call repeated
      sim.sim.expireTokens();
      await c.user.update({ userid: 'secret-a', position: 'ops' });
      tokens.push(sim.sim.issueToken(CORP.corpid, CORP.secret).access_token);
      // a data error and a transport error reach the caller
      errors.push(await failure(c.user.create({ ...member('secret-a', 2) })));
      sim.sim.setFaults({ faultRate: 1, faultKind: 'reset' });
      const lost = createWeComClient({
        corpId: CORP.corpid,
        secret: CORP.secret,
        apiBase: sim.url,
        ca: sim.caPem,
        ...viaProxies([pt.address]),
        retry: { maxAttempts: 1 },
        logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      });
      clients.push(lost);
      errors.push(await failure(lost.user.update({ userid: 'secret-a', position: 'qa' })));
    } finally {
      unsubscribe('undici:request:create', onRequest);
    }

    expect(tokens[0]).not.toBe(tokens[1]);
    expect(errors[0]).toBeInstanceOf(WeComError);
    expect(errors[0]).toMatchObject({ errcode: 60102, class: 'data' });
    expect(errors[1]).toBeInstanceOf(WeComTransportError);
    expect(errors[1]).toMatchObject({ kind: 'reset' });

    // on the wire: each business call names its token in the query string and nowhere else
    const business = wire.filter((w) => !w.path.startsWith('/cgi-bin/gettoken'));
    expect(business.length).toBeGreaterThanOrEqual(5);
    for (const w of business) {
      const token = new URL(w.path, sim.url).searchParams.get('access_token');
      expect(tokens).toContain(token);
      for (const t of tokens) {
        expect(w.headers).not.toContain(t);
        expect(w.body).not.toContain(t);
      }
      expect(w.path + w.headers + w.body).not.toContain(CORP.secret);
    }
    // the secret goes to gettoken only, in its query string
    const gettoken = wire.filter((w) => w.path.startsWith('/cgi-bin/gettoken'));
    expect(gettoken.length).toBeGreaterThanOrEqual(2);
    for (const w of gettoken) expect(new URL(w.path, sim.url).searchParams.get('corpsecret')).toBe(CORP.secret);

    // every kind of record was written, and none holds a credential
    for (const level of ['debug', 'info', 'warn']) expect(logs.some((l) => l.startsWith(level))).toBe(true);
    expect(logs.some((l) => l.includes('retrying after a transient failure'))).toBe(true);
    expect(logs.some((l) => l.includes('route failed; trying the next one'))).toBe(true);
    const basic = Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64');
    const texts = [...logs, ...errors.map((e) => `${(e as Error).message}\n${(e as Error).stack}\n${inspect(e, { depth: 8 })}`)];
    for (const text of texts) {
      for (const t of tokens) expect(text).not.toContain(t);
      expect(text).not.toContain(CORP.secret);
      expect(text).not.toContain(PROXY_PASSWORD);
      expect(text).not.toContain(basic);
    }
  });
});

describe('media upload', () => {
  it('the multipart body is parsed by the simulator: the file is stored under its name, byte for byte', async () => {
    const c = client();
    // CRLFs and dashes inside the file must not be taken for a part boundary
    const data = Buffer.concat([
      Buffer.from('部门名称,部门ID,父部门ID,排序\r\n--总部,1,0,1\r\n', 'utf8'),
      Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x2d, 0x2d]),
    ]);
    const media = await c.media.upload(data, 'party.csv');
    expect(media.type).toBe('file');
    const stored = sim.sim.company(CORP.corpid).media.find(media.mediaId);
    expect(stored).toMatchObject({ type: 'file', filename: 'party.csv' });
    expect(stored?.data.equals(data)).toBe(true);
    expect(media.createdAt).toBe(String(Math.floor((stored?.createdAt ?? 0) / 1000)));
  });
});

describe('egress IP through a proxy', () => {
  it('with failoverOnUntrustedIp, a 60020 through one proxy moves the call to the next proxy, which WeCom trusts', async () => {
    const before = sim.sim.calls.length;
    const c = client({ ...viaProxies([pu.address, pt.address]), failoverOnUntrustedIp: true });
    await c.user.create(member('egress-a', 3));
    expect((await c.department.simplelist()).map((d) => d.id)).toEqual([1]);

    const [untrusted, trusted] = c.health();
    expect(untrusted).toMatchObject({ healthy: false, state: 'cooling-down', lastEgressIp: '127.0.0.3' });
    expect(untrusted?.lastError).toContain(`WeCom does not trust the egress IP 127.0.0.3 used through proxy ${pu.address}`);
    expect(trusted).toMatchObject({ healthy: true });
    expect(c.preferredRoute()).toEqual({ kind: 'proxy', proxy: pt.address });
    // the untrusted proxy carried gettoken once; during its cool-down calls go straight to the trusted one
    expect(c.stats().byRoute[pu.address]).toEqual({ calls: 1, transportFailures: 0 });

    const calls = sim.sim.calls.slice(before);
    expect(calls.filter((x) => x.ip === '127.0.0.3').map((x) => [x.api, x.errcode])).toEqual([['gettoken', 60020]]);
    expect(calls.filter((x) => x.ip === '127.0.0.2').map((x) => [x.api, x.errcode])).toEqual([
      ['gettoken', 0],
      ['user/create', 0],
      ['department/simplelist', 0],
    ]);
  });

  it('the last proxy’s 60020 is still returned, naming it: failover never hides the cause', async () => {
    const c = client({ ...viaProxies([pu.address]), failoverOnUntrustedIp: true });
    const err = (await failure(c.department.simplelist())) as WeComError;
    expect(err).toBeInstanceOf(WeComError);
    expect(err).toMatchObject({ errcode: 60020, class: 'config', egressIp: '127.0.0.3', route: { kind: 'proxy', proxy: pu.address } });
  });
});
