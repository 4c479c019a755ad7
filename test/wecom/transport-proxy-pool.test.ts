import { afterEach, describe, expect, it } from 'vitest';
import { parseProxyList, ProxyConfigError, ProxyPool } from '../../src/wecom/transport/proxy-pool.js';

describe('proxy list parsing', () => {
  it('reads "host:port,host:port" in order, tolerating spaces, semicolons and new lines', () => {
    expect(parseProxyList(' 127.0.0.1:18888, proxy-b.example.com:3128 ;\n[::1]:8080 ').map((p) => p.key)).toEqual([
      '127.0.0.1:18888',
      'proxy-b.example.com:3128',
      '[::1]:8080',
    ]);
    expect(parseProxyList(['10.0.0.5:3128'])).toEqual([{ host: '10.0.0.5', port: 3128, tls: false, key: '10.0.0.5:3128' }]);
  });
  it('reads https://host:port as a proxy reached over TLS', () => {
    expect(parseProxyList('https://proxy.example.com:8443, 10.0.0.5:3128,HTTPS://[::1]:443/')).toEqual([
      { host: 'proxy.example.com', port: 8443, tls: true, key: 'https://proxy.example.com:8443' },
      { host: '10.0.0.5', port: 3128, tls: false, key: '10.0.0.5:3128' },
      { host: '[::1]', port: 443, tls: true, key: 'https://[::1]:443' },
    ]);
  });
  it('treats empty input as no proxies', () => {
    expect(parseProxyList(undefined)).toEqual([]);
    expect(parseProxyList('')).toEqual([]);
    expect(parseProxyList(' , ')).toEqual([]);
  });
  it.each([
    ['127.0.0.1', /expected host:port/],
    ['127.0.0.1:', /port must be a number/],
    ['127.0.0.1:0', /port must be a number from 1 to 65535/],
    ['127.0.0.1:70000', /port/],
    ['127.0.0.1:abc', /port/],
    ['300.1.1.1:80', /not a valid host/],
    ['bad_host!:80', /not a valid host/],
    ['http://127.0.0.1:3128', /host:port \(HTTP CONNECT\) or https:\/\/host:port/],
    ['socks5://127.0.0.1:1080', /host:port \(HTTP CONNECT\) or https:\/\/host:port/],
    ['https://127.0.0.1', /expected host:port/],
    ['https://puser:ppass@127.0.0.1:3128', /credentials may not be part of the address/],
    ['user:pass@127.0.0.1:3128', /credentials may not be part of the address/],
    ['127.0.0.1:3128,127.0.0.1:3128', /listed twice/],
  ])('refuses %s with a clear message', (input, message) => {
    expect(() => parseProxyList(input)).toThrow(ProxyConfigError);
    expect(() => parseProxyList(input)).toThrow(message);
  });
  it('names the entry that is wrong', () => {
    expect(() => parseProxyList('127.0.0.1:1,nope')).toThrow(/proxy #2 "nope"/);
  });
  it('never echoes credentials given in an address', () => {
    for (const entry of ['puser:ppass@127.0.0.1:3128', 'http://puser:ppass@127.0.0.1:3128']) {
      const err = (() => {
        try {
          parseProxyList(entry);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ProxyConfigError);
      expect(String(err)).not.toContain('ppass');
    }
  });
});

describe('proxy pool health and order', () => {
  let pool: ProxyPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('goes direct without proxies', () => {
    pool = new ProxyPool({});
    expect(pool.routes().map((r) => r.key)).toEqual(['direct']);
    expect(pool.usesProxies).toBe(false);
    expect(pool.health()[0]).toMatchObject({ key: 'direct', healthy: true, state: 'healthy' });
  });

  it('skips an unhealthy proxy during its cool-down, then tries it first again', () => {
    let now = 1_000;
    pool = new ProxyPool({ proxies: 'a.example:1,b.example:2,c.example:3', cooldownMs: 30_000, now: () => now });
    expect(pool.usesProxies).toBe(true);
    expect(pool.routes().map((r) => r.key)).toEqual(['a.example:1', 'b.example:2', 'c.example:3']);
    pool.markUsed('a.example:1');
    pool.markUnhealthy('a.example:1', 'proxy a.example:1 refused the connection');
    expect(pool.routes().map((r) => r.key)).toEqual(['b.example:2', 'c.example:3', 'a.example:1']);
    const a = pool.health()[0];
    expect(a).toMatchObject({
      key: 'a.example:1',
      healthy: false,
      state: 'cooling-down',
      unhealthyUntil: 31_000,
      lastError: 'proxy a.example:1 refused the connection',
      lastErrorAt: 1_000,
      lastUsedAt: 1_000,
      consecutiveFailures: 1,
    });
    now = 31_000;
    expect(pool.routes().map((r) => r.key)).toEqual(['a.example:1', 'b.example:2', 'c.example:3']);
    expect(pool.health()[0]).toMatchObject({ state: 'retry-due', unhealthyUntil: null });
    pool.markSuccess('a.example:1', '127.0.0.2');
    expect(pool.health()[0]).toMatchObject({ healthy: true, state: 'healthy', consecutiveFailures: 0, lastEgressIp: '127.0.0.2', lastSuccessAt: 31_000 });
  });

  it('tries every proxy in order when all are unhealthy', () => {
    const now = 0;
    pool = new ProxyPool({ proxies: ['a.example:1', 'b.example:2'], now: () => now });
    pool.markUnhealthy('b.example:2', 'x');
    pool.markUnhealthy('a.example:1', 'y');
    expect(pool.routes().map((r) => r.key)).toEqual(['a.example:1', 'b.example:2']);
  });

  it('checks the credentials given', () => {
    expect(() => new ProxyPool({ proxies: 'a:1', proxyPassword: 'pw' })).toThrow(/without a proxy username/);
    expect(() => new ProxyPool({ proxies: 'a:1', proxyUsername: 'a:b', proxyPassword: 'pw' })).toThrow(/may not contain ":"/);
  });
});
