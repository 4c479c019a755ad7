// The routes one connection may use to reach WeCom: its proxies in the configured order, or a
// direct connection when it has none. Each route has one undici dispatcher (ProxyAgent tunnelling
// with CONNECT and Basic proxy auth, or Agent for direct), verifying WeCom's certificate against the
// given CA. A proxy written `host:port` is spoken to in plain HTTP (the tunnel inside is TLS to
// WeCom either way); one written `https://host:port` is reached over TLS — its certificate checked
// against the proxy CA — so the CONNECT request and the proxy credentials are encrypted too. A proxy that refuses the connection or our credentials is marked unhealthy for a
// cool-down and skipped meanwhile; when every proxy is unhealthy they are all tried anyway, in order.

import { type CodedText, type FlatParams, coded } from '../../messages/index.js';
import { Agent, Pool, ProxyAgent, type buildConnector, type Dispatcher } from 'undici';
import { DIRECT, routeKey, type Route } from '../errors/wecom-error.js';

interface ProxyEndpoint {
  host: string;
  port: number;
  /** reached over TLS (`https://host:port`) */
  tls: boolean;
  /** "host:port" or "https://host:port" as configured (IPv6 hosts in brackets) */
  key: string;
}

/**
 * A failure on the leg to an https:// proxy itself (its TLS handshake), as opposed to the tunnel
 * through it to WeCom: undici reports both with the same TLS error codes.
 */
export class ProxyLegError extends Error {
  override readonly name = 'ProxyLegError';
  readonly code: string | undefined;
  constructor(cause: Error) {
    super(cause.message, { cause });
    const c = (cause as { code?: unknown }).code;
    this.code = typeof c === 'string' ? c : undefined;
  }
}

/** The proxy's own connection pool, with its connection failures marked as the proxy leg's. */
const proxyLegPool = (origin: URL | string, opts: Pool.Options): Pool => {
  const connect = opts.connect as buildConnector.connector;
  return new Pool(origin, {
    ...opts,
    connect: (o, callback) => connect(o, (err, socket) => (err ? callback(new ProxyLegError(err), null) : callback(null, socket as NonNullable<typeof socket>))),
  });
};

/** A proxy list that cannot be used as given. */
export class ProxyConfigError extends Error {
  override readonly name = 'ProxyConfigError';
  readonly class = 'config' as const;
  /** The message's code and params (src/messages), for saying it in another language; absent for the pool's own settings. */
  readonly text: CodedText<FlatParams> | null;
  constructor(message: string | CodedText<FlatParams>) {
    super(typeof message === 'string' ? message : message.message);
    this.text = typeof message === 'string' ? null : message;
  }
}

const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function parseEntry(raw: string, index: number): ProxyEndpoint {
  const written = raw.trim();
  // before anything quotes the entry: it may hold a password
  if (written.includes('@'))
    throw new ProxyConfigError(coded('proxy.credentials-in-address', { n: index + 1 }));
  const at = { n: index + 1, proxy: written };
  const tls = /^https:\/\//i.test(written);
  const entry = tls ? written.slice('https://'.length).replace(/\/$/, '') : written;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry))
    throw new ProxyConfigError(coded('proxy.scheme', at));
  let host: string;
  let portText: string;
  const v6 = /^\[([0-9A-Fa-f:.]+)\]:(\d+)$/.exec(entry);
  if (v6) {
    host = `[${v6[1]}]`;
    portText = v6[2] as string;
  } else {
    const m = /^([^:\s]+):([^:\s]*)$/.exec(entry);
    if (!m) throw new ProxyConfigError(coded('proxy.host-port', at));
    host = m[1] as string;
    portText = m[2] as string;
    const looksIpv4 = /^[\d.]+$/.test(host);
    if (looksIpv4 ? !IPV4_RE.test(host) : !HOSTNAME_RE.test(host))
      throw new ProxyConfigError(coded('proxy.host', { ...at, host }));
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535)
    throw new ProxyConfigError(coded('proxy.port', at));
  const port = Number(portText);
  return { host, port, tls, key: `${tls ? 'https://' : ''}${host}:${port}` };
}

/**
 * Parses a proxy list: `"host:port,host:port"` (commas, semicolons, whitespace or new lines
 * between entries) or an array of `host:port`. Empty input means "no proxies" (direct).
 */
export function parseProxyList(input: string | readonly string[] | undefined | null): ProxyEndpoint[] {
  if (input === undefined || input === null) return [];
  const parts = typeof input === 'string' ? input.split(/[,;\s]+/) : [...input];
  const entries = parts.map((p) => p.trim()).filter((p) => p !== '');
  const out: ProxyEndpoint[] = [];
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    const ep = parseEntry(e, i);
    const k = ep.key.toLowerCase();
    if (seen.has(k)) throw new ProxyConfigError(coded('proxy.twice', { n: i + 1, proxy: ep.key }));
    seen.add(k);
    out.push(ep);
  });
  return out;
}

export interface RouteHealth {
  route: Route;
  /** "direct" or "host:port" */
  key: string;
  /** false after a connect/proxy-auth failure until the route carries a call again */
  healthy: boolean;
  /** healthy; cooling-down (skipped while healthy routes exist); retry-due (cool-down over, not yet retried) */
  state: 'healthy' | 'cooling-down' | 'retry-due';
  /** while cooling down: when the route is tried first again (epoch ms) */
  unhealthyUntil: number | null;
  consecutiveFailures: number;
  lastError: string | null;
  lastErrorAt: number | null;
  lastUsedAt: number | null;
  lastSuccessAt: number | null;
  /** the egress IP WeCom last reported for calls over this route (from a 60020 errmsg) */
  lastEgressIp: string | null;
}

interface RouteHandle {
  route: Route;
  key: string;
  dispatcher: Dispatcher;
}

interface ProxyPoolOptions {
  proxies?: string | readonly string[];
  proxyUsername?: string;
  proxyPassword?: string;
  /** CA certificate(s) (PEM) to verify WeCom's certificate; default: Node's bundled roots */
  ca?: string | Buffer | Array<string | Buffer>;
  /** CA certificate(s) (PEM) to verify the certificates of https:// proxies; default: Node's bundled roots */
  proxyCa?: string | Buffer | Array<string | Buffer>;
  /** how long a failed proxy is skipped; default 30 s */
  cooldownMs?: number;
  /** TCP/TLS connect timeout per route; default 10 s */
  connectTimeoutMs?: number;
  /** connections per origin per route; default undici's (unlimited) */
  connections?: number;
  now?: () => number;
}

interface RouteState extends RouteHandle {
  health: RouteHealth;
}

export class ProxyPool {
  private readonly states: RouteState[];
  private readonly cooldownMs: number;
  private readonly now: () => number;

  constructor(options: ProxyPoolOptions = {}) {
    const endpoints = parseProxyList(options.proxies);
    this.cooldownMs = options.cooldownMs ?? 30_000;
    if (!(this.cooldownMs >= 0)) throw new ProxyConfigError('proxy cool-down must be ≥ 0 ms');
    this.now = options.now ?? Date.now;
    const { proxyUsername: user, proxyPassword: pass } = options;
    if (pass && !user) throw new ProxyConfigError('a proxy password was given without a proxy username');
    if (user !== undefined && user !== '' && user.includes(':'))
      throw new ProxyConfigError('the proxy username may not contain ":" (Basic authentication)');
    const connectTimeout = options.connectTimeoutMs ?? 10_000;
    const tls = { ...(options.ca !== undefined ? { ca: options.ca } : {}), timeout: connectTimeout };
    const conn = options.connections !== undefined ? { connections: options.connections } : {};
    const token = user ? `Basic ${Buffer.from(`${user}:${pass ?? ''}`).toString('base64')}` : undefined;

    const mk = (route: Route, dispatcher: Dispatcher): RouteState => {
      const key = routeKey(route);
      return {
        route,
        key,
        dispatcher,
        health: {
          route,
          key,
          healthy: true,
          state: 'healthy',
          unhealthyUntil: null,
          consecutiveFailures: 0,
          lastError: null,
          lastErrorAt: null,
          lastUsedAt: null,
          lastSuccessAt: null,
          lastEgressIp: null,
        },
      };
    };

    if (endpoints.length === 0) {
      this.states = [mk(DIRECT, new Agent({ connect: tls, ...conn }))];
    } else {
      this.states = endpoints.map((ep) =>
        mk(
          { kind: 'proxy', proxy: ep.key },
          new ProxyAgent({
            uri: `${ep.tls ? 'https' : 'http'}://${ep.host}:${ep.port}`,
            ...(token ? { token } : {}),
            requestTls: tls,
            proxyTls: { ...(options.proxyCa !== undefined ? { ca: options.proxyCa } : {}), timeout: connectTimeout },
            ...(ep.tls ? { clientFactory: proxyLegPool } : {}),
            ...conn,
          }),
        ),
      );
    }
  }

  /** True when calls go through proxies. */
  get usesProxies(): boolean {
    return this.states[0]?.route.kind === 'proxy';
  }

  /**
   * Routes to try for one call, in order: healthy ones (or ones whose cool-down is over) in the
   * configured order, then the unhealthy ones in the configured order as a last resort.
   */
  routes(): RouteHandle[] {
    const now = this.now();
    const ok: RouteState[] = [];
    const cooling: RouteState[] = [];
    for (const s of this.states) {
      if (s.health.unhealthyUntil !== null && s.health.unhealthyUntil > now) cooling.push(s);
      else ok.push(s);
    }
    return [...ok, ...cooling].map(({ route, key, dispatcher }) => ({ route, key, dispatcher }));
  }

  /** The route a call would take first right now. */
  preferred(): RouteHandle {
    return this.routes()[0] as RouteHandle;
  }

  markUsed(key: string): void {
    const s = this.find(key);
    if (s) s.health.lastUsedAt = this.now();
  }

  /** The route reached WeCom and got an answer (any errcode). */
  markSuccess(key: string, egressIp?: string): void {
    const s = this.find(key);
    if (!s) return;
    const h = s.health;
    h.healthy = true;
    h.unhealthyUntil = null;
    h.consecutiveFailures = 0;
    h.lastSuccessAt = this.now();
    if (egressIp) h.lastEgressIp = egressIp;
  }

  /** The route could not carry the call: skip it for the cool-down. */
  markUnhealthy(key: string, reason: string): void {
    const s = this.find(key);
    if (!s) return;
    const now = this.now();
    const h = s.health;
    h.healthy = false;
    h.unhealthyUntil = now + this.cooldownMs;
    h.consecutiveFailures++;
    h.lastError = reason;
    h.lastErrorAt = now;
  }

  /** A failure that does not make the route unhealthy (timeout, reset, 5xx): remembered for display. */
  noteError(key: string, reason: string): void {
    const s = this.find(key);
    if (!s) return;
    s.health.lastError = reason;
    s.health.lastErrorAt = this.now();
  }

  health(): RouteHealth[] {
    const now = this.now();
    return this.states.map((s) => {
      const h = s.health;
      const cooling = h.unhealthyUntil !== null && h.unhealthyUntil > now;
      const state: RouteState['health']['state'] = h.healthy ? 'healthy' : cooling ? 'cooling-down' : 'retry-due';
      return { ...h, route: { ...h.route }, state, unhealthyUntil: cooling ? h.unhealthyUntil : null };
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.states.map((s) => s.dispatcher.close().catch(() => undefined)));
  }

  private find(key: string): RouteState | undefined {
    return this.states.find((s) => s.key === key);
  }
}
