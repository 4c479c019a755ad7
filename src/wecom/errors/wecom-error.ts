// Typed errors of the WeCom client. WeComError = WeCom answered with a non-zero errcode (or the
// client refused to send a request that WeCom would refuse); WeComTransportError = the answer
// never arrived (network, proxy, TLS, timeout, HTTP 5xx). Both name the route the call took and
// never carry the secret, the access token or the proxy password.

import type { Explanation } from '../../domain/errors.js';
import { errcodeInfo, Errcode, type ErrorClass } from './catalog.js';

/** How a call left this machine: directly, or through one proxy of the connection's pool. */
export type Route = { kind: 'direct' } | { kind: 'proxy'; proxy: string };

export const DIRECT: Route = Object.freeze({ kind: 'direct' }) as Route;

export function routeKey(route: Route): string {
  return route.kind === 'direct' ? 'direct' : route.proxy;
}

/** "used directly" / "used through proxy 127.0.0.1:18888" */
export function describeRoute(route: Route): string {
  return route.kind === 'direct' ? 'directly' : `through proxy ${route.proxy}`;
}

const ACCESS_TOKEN_RE = /(access_token|corpsecret)=[^&\s"']*/gi;

/**
 * Removes credentials from a text meant for a message or a log: `access_token=` and `corpsecret=`
 * query values, and every literal secret given (secret, token, proxy password).
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text.replace(ACCESS_TOKEN_RE, (_m, name: string) => `${name}=***`);
  for (const s of secrets) {
    if (s && s.length >= 3) out = out.split(s).join('***');
  }
  return out;
}

/** WeCom's request id from an errmsg: `hint: [1658286717354964018506079]`. */
export function parseHint(errmsg: string): string | undefined {
  return /hint:\s*\[([^\]\s]+)\]/.exec(errmsg)?.[1];
}

/** The caller IP WeCom saw, from an errmsg: `from ip: 1.2.3.4`. */
export function parseEgressIp(errmsg: string): string | undefined {
  return /from ip:\s*([0-9A-Fa-f.:]*[0-9A-Fa-f])/.exec(errmsg)?.[1];
}

interface WeComErrorInit {
  errcode: number;
  errmsg: string;
  api: string;
  /** null when the client refused the request before sending it */
  route: Route | null;
  /** the field a pre-send validation failed on */
  field?: string;
  /** which attempt (1-based) produced this answer */
  attempt?: number;
  /** an earlier attempt of the same call was sent but its answer was lost: WeCom may have applied it */
  afterLostAnswer?: boolean;
}

function untrustedHead(route: Route | null, egressIp: string | undefined): string {
  return `WeCom does not trust the egress IP ${egressIp ?? '(not reported)'} used ${route ? describeRoute(route) : 'directly'}`;
}

function explain(errcode: number, route: Route | null, egressIp: string | undefined): Explanation {
  const info = errcodeInfo(errcode);
  if (errcode === Errcode.UntrustedIp) {
    const ip = egressIp ?? '(not reported)';
    const zhHow = !route || route.kind === 'direct' ? '直连' : `经代理 ${route.proxy}`;
    return {
      en: `${untrustedHead(route, egressIp)}. ${info.advice?.en ?? ''}`.trim(),
      zh: `企业微信不信任本次调用（${zhHow}）的出口 IP ${ip}。${info.advice?.zh ?? ''}`.trim(),
    };
  }
  const en = info.advice ? `${info.en}: ${info.advice.en}` : info.en;
  const zh = info.advice ? `${info.zh}：${info.advice.zh}` : info.zh;
  return { en, zh };
}

/** WeCom answered with a non-zero errcode (or the request was refused before sending). */
export class WeComError extends Error {
  override readonly name = 'WeComError';
  readonly errcode: number;
  /** WeCom's errmsg as received (includes the hint id); for pre-send failures our own text */
  readonly errmsg: string;
  readonly hint: string | undefined;
  readonly class: ErrorClass;
  readonly explanation: Explanation;
  readonly api: string;
  readonly route: Route | null;
  readonly egressIp: string | undefined;
  /** true when the client refused the request without calling WeCom */
  readonly presend: boolean;
  readonly field: string | undefined;
  readonly attempt: number | undefined;
  /**
   * An earlier attempt of this call was sent but its answer was lost (reset, timeout, HTTP 5xx), so
   * WeCom may already have applied it: e.g. 60104 "mobile exists" on a retried user/create may be
   * our own earlier attempt. The caller should verify before reporting a conflict.
   */
  readonly afterLostAnswer: boolean;

  constructor(init: WeComErrorInit & { presend?: boolean }) {
    const errmsg = redact(init.errmsg);
    const egressIp = parseEgressIp(errmsg);
    const explanation = explain(init.errcode, init.route, egressIp);
    const where = init.presend
      ? 'refused before sending'
      : init.route
        ? `sent ${describeRoute(init.route)}`
        : 'sent';
    const head =
      init.errcode === Errcode.UntrustedIp
        ? untrustedHead(init.route, egressIp)
        : `${init.api} failed with errcode ${init.errcode} (${errcodeInfo(init.errcode).en})`;
    super(`${head} [${init.api}, errcode ${init.errcode}, ${where}]: ${errmsg}`);
    this.errcode = init.errcode;
    this.errmsg = errmsg;
    this.hint = parseHint(errmsg);
    this.class = init.presend ? 'data' : errcodeInfo(init.errcode).class;
    this.explanation = explanation;
    this.api = init.api;
    this.route = init.route;
    this.egressIp = egressIp;
    this.presend = init.presend ?? false;
    this.field = init.field;
    this.attempt = init.attempt;
    this.afterLostAnswer = init.afterLostAnswer ?? false;
  }

  get retryable(): boolean {
    return this.class === 'retryable';
  }
}

/** What went wrong on the way to WeCom. */
export type TransportFailureKind =
  /** the proxy (or, direct, WeCom's host) refused or dropped the TCP connection, or DNS failed */
  | 'connect'
  /** connecting took too long */
  | 'connect-timeout'
  /** the proxy refused our credentials (HTTP 401/407 to CONNECT) */
  | 'proxy-auth'
  /** the proxy answered CONNECT with another non-200 status (port not allowed, target unreachable) */
  | 'proxy-refused'
  /** certificate verification or TLS handshake with WeCom's host failed */
  | 'tls'
  /** certificate verification or TLS handshake with an https:// proxy itself failed */
  | 'proxy-tls'
  /** the request was sent but no complete answer arrived in time */
  | 'timeout'
  /** the connection was reset or closed while the request was in flight */
  | 'reset'
  /** WeCom (or something in front of it) answered with HTTP 5xx */
  | 'http-5xx'
  /** an HTTP status other than 200/5xx, or a body that is not WeCom JSON */
  | 'bad-response'
  /** the caller's signal was aborted before the request was sent (never retried) */
  | 'aborted';

interface WeComTransportErrorInit {
  kind: TransportFailureKind;
  api: string;
  route: Route;
  /** plain words, already redacted */
  detail: string;
  status?: number;
  cause?: unknown;
}

/** The call did not get a WeCom answer. */
export class WeComTransportError extends Error {
  override readonly name = 'WeComTransportError';
  readonly kind: TransportFailureKind;
  readonly api: string;
  readonly route: Route;
  readonly status: number | undefined;
  readonly class: ErrorClass;
  /** true when the request certainly never reached WeCom (safe to send again through another route) */
  readonly beforeSend: boolean;

  constructor(init: WeComTransportErrorInit) {
    super(`${init.api}: ${init.detail}`, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.kind = init.kind;
    this.api = init.api;
    this.route = init.route;
    this.status = init.status;
    const clientSide = init.kind === 'bad-response' && init.status !== undefined && init.status >= 400 && init.status < 500;
    this.class = init.kind === 'proxy-auth' || init.kind === 'tls' || init.kind === 'proxy-tls' || clientSide ? 'config' : 'retryable';
    this.beforeSend = ['connect', 'connect-timeout', 'proxy-auth', 'proxy-refused', 'tls', 'proxy-tls', 'aborted'].includes(init.kind);
  }

  /** An aborted call was stopped by its caller on purpose: repeating it would defeat the abort. */
  get retryable(): boolean {
    return this.class === 'retryable' && this.kind !== 'aborted';
  }
}
