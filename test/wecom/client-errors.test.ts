import { describe, expect, it } from 'vitest';
import {
  describeRoute,
  parseEgressIp,
  parseHint,
  redact,
  WeComError,
  WeComTransportError,
} from '../../src/wecom/errors/wecom-error.js';
import { describeFailure } from '../../src/wecom/transport/http.js';
import type { TransportFailureKind } from '../../src/wecom/errors/wecom-error.js';

const MSG_60020 =
  'not allow to access from your ip, hint: [1658286717354964018506079], from ip: 127.0.0.3, more info at https://open.work.weixin.qq.com/devtool/query?e=60020';

describe('errmsg parsing', () => {
  it('finds the hint id in both formats', () => {
    expect(parseHint(MSG_60020)).toBe('1658286717354964018506079');
    expect(parseHint('userid not found, hint: [1559277777_1_62f42bff15e4e3fb851fc11f853c1113], more info at x')).toBe(
      '1559277777_1_62f42bff15e4e3fb851fc11f853c1113',
    );
    expect(parseHint('ok')).toBeUndefined();
  });
  it('finds the egress IP', () => {
    expect(parseEgressIp(MSG_60020)).toBe('127.0.0.3');
    expect(parseEgressIp('x, from ip: 2001:db8::1, more info')).toBe('2001:db8::1');
    expect(parseEgressIp('invalid credential, hint: [1]')).toBeUndefined();
  });
});

describe('WeComError', () => {
  it('explains 60020 naming the egress IP and the proxy', () => {
    const e = new WeComError({ errcode: 60020, errmsg: MSG_60020, api: 'user/create', route: { kind: 'proxy', proxy: '127.0.0.1:18889' } });
    expect(e.message).toMatch(/^WeCom does not trust the egress IP 127\.0\.0\.3 used through proxy 127\.0\.0\.1:18889/);
    expect(e.class).toBe('config');
    expect(e.egressIp).toBe('127.0.0.3');
    expect(e.hint).toBe('1658286717354964018506079');
    expect(e.explanation.en).toContain('127.0.0.3');
    expect(e.explanation.zh).toContain('127.0.0.3');
    expect(e.explanation.zh).toContain('经代理 127.0.0.1:18889');
  });
  it('says "used directly" without a proxy', () => {
    const e = new WeComError({ errcode: 60020, errmsg: MSG_60020, api: 'gettoken', route: { kind: 'direct' } });
    expect(e.message).toMatch(/^WeCom does not trust the egress IP 127\.0\.0\.3 used directly/);
    expect(describeRoute({ kind: 'direct' })).toBe('directly');
  });
  it('takes class and texts from the catalogue', () => {
    const e = new WeComError({ errcode: 60102, errmsg: 'userid existed, hint: [1]', api: 'user/create', route: { kind: 'direct' } });
    expect(e.class).toBe('data');
    expect(e.explanation.zh).toContain('UserID已存在');
    expect(e.message).toContain('errcode 60102');
    expect(e.api).toBe('user/create');
    expect(new WeComError({ errcode: 48009, errmsg: '', api: 'user/get', route: { kind: 'direct' } }).explanation.en).toMatch(/2022-08-15/);
  });
  it('redacts tokens that an errmsg might echo', () => {
    const e = new WeComError({
      errcode: 40014,
      errmsg: 'invalid access_token, url: /cgi-bin/user/get?access_token=SECRET_TOKEN_123&userid=a',
      api: 'user/get',
      route: { kind: 'direct' },
    });
    expect(e.message).not.toContain('SECRET_TOKEN_123');
    expect(e.errmsg).toContain('access_token=***');
  });
});

describe('redact', () => {
  it('removes access_token and corpsecret values and literal secrets', () => {
    const s = redact('GET https://h/cgi-bin/gettoken?corpid=ww1&corpsecret=s3cr3t and ?access_token=abc&x=1 pw=hunter22', ['hunter22']);
    expect(s).toBe('GET https://h/cgi-bin/gettoken?corpid=ww1&corpsecret=*** and ?access_token=***&x=1 pw=***');
  });
});

describe('transport failures in plain words', () => {
  const make = (err: unknown, proxy?: string) =>
    describeFailure(err, { apiBase: 'https://127.0.0.1:19443', route: proxy ? { kind: 'proxy', proxy } : { kind: 'direct' } }, (kind: TransportFailureKind, detail, cause, status) =>
      new WeComTransportError({ kind, api: 'gettoken', route: proxy ? { kind: 'proxy', proxy } : { kind: 'direct' }, detail, cause, status }),
    );
  const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

  it('proxy refused our credentials', () => {
    for (const status of [401, 407]) {
      const e = make(withCode(`Proxy response (${status}) !== 200 when HTTP Tunneling`, 'UND_ERR_ABORTED'), '127.0.0.1:18888');
      expect(e.kind).toBe('proxy-auth');
      expect(e.class).toBe('config');
      expect(e.beforeSend).toBe(true);
      expect(e.message).toContain(`proxy 127.0.0.1:18888 refused our credentials (HTTP ${status})`);
    }
  });
  it('proxy down', () => {
    const e = make(withCode('connect ECONNREFUSED 127.0.0.1:18890', 'ECONNREFUSED'), '127.0.0.1:18890');
    expect(e).toMatchObject({ kind: 'connect', class: 'retryable', beforeSend: true });
    expect(e.message).toContain('proxy 127.0.0.1:18890 refused the connection');
  });
  it('proxy would not tunnel', () => {
    const e = make(withCode('Proxy response (403) !== 200 when HTTP Tunneling', 'UND_ERR_ABORTED'), '127.0.0.1:18888');
    expect(e).toMatchObject({ kind: 'proxy-refused', status: 403, beforeSend: true });
  });
  it('direct: refused, TLS, timeout and reset', () => {
    expect(make(withCode('x', 'ECONNREFUSED')).message).toContain("WeCom's host 127.0.0.1:19443 refused the connection");
    const tls = make(withCode('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'));
    expect(tls).toMatchObject({ kind: 'tls', class: 'config' });
    expect(make(withCode('x', 'UND_ERR_HEADERS_TIMEOUT'))).toMatchObject({ kind: 'timeout', beforeSend: false, class: 'retryable' });
    expect(make(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET', cause: withCode('read', 'ECONNRESET') }))).toMatchObject({
      kind: 'reset',
      beforeSend: false,
    });
    const timeout = new Error('The operation was aborted due to timeout');
    timeout.name = 'TimeoutError';
    expect(make(timeout).kind).toBe('timeout');
  });
});
