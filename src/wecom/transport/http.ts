// One HTTP exchange with WeCom over one route, and the translation of undici's failures into
// WeComTransportError with plain words that name the route.

import { request, type Dispatcher } from 'undici';
import { redact, WeComTransportError, type Route, type TransportFailureKind } from '../errors/wecom-error.js';

export type WireBody =
  | { kind: 'json'; value: unknown }
  | { kind: 'raw'; contentType: string; data: Buffer };

export interface WireRequest {
  method: 'GET' | 'POST';
  query?: Record<string, string | number | undefined>;
  body?: WireBody;
}

export interface WireAnswer {
  errcode: number;
  errmsg: string;
  [field: string]: unknown;
}

interface SendOptions {
  apiBase: string;
  api: string;
  route: Route;
  dispatcher: Dispatcher;
  accessToken?: string;
  timeoutMs: number;
  /** literal secrets to scrub from any text that ends up in an error */
  secrets: ReadonlyArray<string | undefined>;
}

/** `${apiBase}/cgi-bin/${api}?access_token=…&…` */
export function buildUrl(apiBase: string, api: string, query: WireRequest['query'], accessToken?: string): string {
  const url = new URL(`${apiBase.replace(/\/+$/, '')}/cgi-bin/${api}`);
  if (accessToken !== undefined) url.searchParams.set('access_token', accessToken);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  return url.toString();
}

export async function sendOnce(req: WireRequest, o: SendOptions): Promise<WireAnswer> {
  const url = buildUrl(o.apiBase, o.api, req.query, o.accessToken);
  let headers: Record<string, string> | undefined;
  let body: string | Buffer | undefined;
  if (req.body?.kind === 'json') {
    headers = { 'content-type': 'application/json; charset=utf-8' };
    body = JSON.stringify(req.body.value);
  } else if (req.body?.kind === 'raw') {
    headers = { 'content-type': req.body.contentType };
    body = req.body.data;
  }
  const fail = (kind: TransportFailureKind, detail: string, cause?: unknown, status?: number): WeComTransportError =>
    new WeComTransportError({ kind, api: o.api, route: o.route, detail: redact(detail, [...o.secrets, o.accessToken]), cause, status });

  let statusCode: number;
  let text: string;
  try {
    const res = await request(url, {
      method: req.method,
      dispatcher: o.dispatcher,
      ...(headers ? { headers } : {}),
      ...(body !== undefined ? { body } : {}),
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    statusCode = res.statusCode;
    text = await res.body.text();
  } catch (err) {
    throw describeFailure(err, o, fail);
  }
  const via = o.route.kind === 'direct' ? 'directly' : `through proxy ${o.route.proxy}`;
  if (statusCode >= 500) throw fail('http-5xx', `WeCom answered HTTP ${statusCode} (called ${via})`, undefined, statusCode);
  if (statusCode !== 200)
    throw fail('bad-response', `WeCom answered HTTP ${statusCode} instead of 200 (called ${via}); is the API base URL right?`, undefined, statusCode);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw fail('bad-response', `WeCom's answer is not JSON (called ${via}): ${text.slice(0, 80)}`, err, statusCode);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw fail('bad-response', `WeCom's answer is not a JSON object (called ${via})`, undefined, statusCode);
  const obj = parsed as Record<string, unknown>;
  const errcode = obj.errcode === undefined ? 0 : obj.errcode;
  if (typeof errcode !== 'number' || !Number.isInteger(errcode))
    throw fail('bad-response', `WeCom's answer has no numeric errcode (called ${via})`, undefined, statusCode);
  return { ...obj, errcode, errmsg: typeof obj.errmsg === 'string' ? obj.errmsg : '' };
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UND_ERR_PRX_TLS',
]);

function errCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string' && c !== '') {
      // undici wraps some failures; prefer a system/TLS code from a cause when there is one
      const inner = (e as { cause?: unknown }).cause;
      const innerCode = inner && typeof inner === 'object' ? (inner as { code?: unknown }).code : undefined;
      return typeof innerCode === 'string' && innerCode !== '' ? innerCode : c;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function inChain(err: unknown, name: string): boolean {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    if ((e as { name?: unknown }).name === name) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function errText(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    if (e instanceof Error) parts.push(e.message);
    else parts.push(String(e));
    e = e && typeof e === 'object' ? (e as { cause?: unknown }).cause : undefined;
  }
  return parts.join(' / ');
}

/** Maps an undici/Node failure to what happened, in words an admin understands. */
export function describeFailure(
  err: unknown,
  o: Pick<SendOptions, 'route' | 'apiBase'>,
  fail: (kind: TransportFailureKind, detail: string, cause?: unknown, status?: number) => WeComTransportError,
): WeComTransportError {
  const code = errCode(err);
  const text = errText(err);
  const name = err instanceof Error ? err.name : '';
  const host = (() => {
    try {
      return new URL(o.apiBase).host;
    } catch {
      return o.apiBase;
    }
  })();
  const proxy = o.route.kind === 'proxy' ? o.route.proxy : undefined;
  const who = proxy ? `proxy ${proxy}` : `WeCom's host ${host}`;
  const via = proxy ? `through proxy ${proxy}` : 'directly';

  const proxyStatus = /Proxy response \((\d{3})\)/.exec(text);
  if (proxy && proxyStatus) {
    const status = Number(proxyStatus[1]);
    if (status === 401 || status === 407)
      return fail('proxy-auth', `proxy ${proxy} refused our credentials (HTTP ${status}); check the proxy username and password`, err, status);
    return fail('proxy-refused', `proxy ${proxy} refused to open a tunnel to ${host} (HTTP ${status})`, err, status);
  }
  const tlsCode = code !== undefined && (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'));
  if (proxy && tlsCode && inChain(err, 'ProxyLegError'))
    return fail('proxy-tls', `the TLS certificate of proxy ${proxy} could not be verified or its TLS handshake failed (${code}); check the proxy CA certificate, and that the proxy speaks TLS`, err);
  if (tlsCode)
    return fail('tls', `the TLS certificate of ${host} could not be verified (${code}) when called ${via}; check the configured CA`, err);
  if (name === 'SecureProxyConnectionError')
    return fail('tls', `the TLS handshake with ${host} through proxy ${proxy ?? ''} failed: ${text}`, err);
  switch (code) {
    case 'ECONNREFUSED':
      return fail('connect', `${who} refused the connection (ECONNREFUSED)${proxy ? '; is the proxy running?' : ''}`, err);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fail('connect', `the address of ${who} could not be resolved (${code})`, err);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return fail('connect', `${who} is unreachable (${code})`, err);
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return fail('connect-timeout', `connecting to ${who} timed out`, err);
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return fail('timeout', `no complete answer from ${host} in time (called ${via})`, err);
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return fail('reset', `the connection to ${host} was closed before WeCom answered (called ${via}, ${code})`, err);
    default:
      break;
  }
  if (name === 'TimeoutError' || name === 'AbortError')
    return fail('timeout', `no complete answer from ${host} in time (called ${via})`, err);
  return fail('reset', `the call to ${host} failed (called ${via}): ${text}`, err);
}
