// The HTTP application factory. Routes live in ./routes and are declared with defineRoute
// (./route.ts), which also feeds the OpenAPI document; every error leaves as problem+json.
//
//   /healthz, /readyz, /metrics          operations (./routes/system.ts)
//   /api/v1/openapi.json                 the OpenAPI document (public)
//   /api/v1/auth/*, /tokens*, /users*    sign-in, sessions, API tokens, users (when `auth` is given)
//   /api/v1/audit                        the audit log (when `auditLog` is given)
//   /api/v1/organizations, /accounts, /changes   the directory
//   /api/v1/scim/endpoints*              SCIM endpoints and their tokens (when `scim` is given)
//   /scim/v2/<endpoint>/…                 the SCIM 2.0 endpoints identity providers call (./scim.ts; own tokens)
//   /, /assets/*, any other GET          the web console (when `consoleDir` is given; ./console.ts)
//
// Later routes (connections, sync runs) register through `routes` — a plugin receiving the /api/v1
// scope, where authentication, role checks, CSRF and audit already apply:
//
//   buildApp({ …, routes: [async (api) => { defineRoute(api, {…}, handler) }] })
//
// Without `auth` the API is open: that mode exists for unit tests and embedding only;
// `wecom-sync serve` always passes it. `authenticate` is a lower-level hook point (tests).
import { negotiateLang } from '../messages/index.js';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { sql } from 'kysely';
import type { AuditLog } from '../audit/index.js';
import type { AuthService } from '../auth/index.js';
import { SCIM_PATH_PREFIX, type ScimEndpoints } from '../connectors/scim/index.js';
import type { Sources } from '../connectors/ldap/index.js';
import type { Directory } from '../directory/directory.js';
import { type Metrics, metrics as processMetrics } from '../observability/metrics.js';
import type { Store } from '../store/index.js';
import { audit } from './audit.js';
import { registerConsole } from './console.js';
import { authHook } from './auth.js';
import { registerJsonParser } from './json-body.js';
import { problem, problemOf, sendProblem, toAppError } from './problem.js';
import { serializeRequest, untrustedForwardingHint } from './request-log.js';
import type { RouteDoc } from './route.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes } from './routes/auth.js';
import { directoryRoutes } from './routes/directory.js';
import { type ReadinessCheck, openApiRoute, systemRoutes } from './routes/system.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/users.js';
import { scimAdminRoutes } from './routes/scim.js';
import { sourceRoutes } from './routes/sources.js';
import { scimMount } from './scim.js';

export type { ReadinessCheck } from './routes/system.js';

interface AppOptions {
  directory: Directory;
  /** The store: its reachability is the readiness check (plus `readiness`). */
  store?: Store;
  /** When set, every /api/v1 route except login and the OpenAPI document needs a session or token. */
  auth?: AuthService;
  /** When set, admin actions are recorded. */
  auditLog?: AuditLog;
  /** Default: the process-wide registry (src/observability/metrics.ts). */
  metrics?: Metrics;
  /** 'public' (loopback binds) or 'authenticated' (token or session; other binds). Default 'public'. */
  metricsAccess?: 'public' | 'authenticated';
  readiness?: ReadinessCheck[];
  /** Called after every successful directory write (serve: wakes the sync worker). */
  onDirectoryWrite?: () => void;
  /** More /api/v1 routes (connections, runs, …), registered inside the authenticated scope. */
  routes?: FastifyPluginAsync[];
  /** A pino logger, or false/undefined for none. */
  logger?: FastifyBaseLogger | boolean;
  authenticate?: (request: FastifyRequest) => Promise<void>;
  /** Maximum JSON body size in bytes (default 1 MiB); larger bodies get 413. */
  bodyLimit?: number;
  /** Fastify's trustProxy: honour X-Forwarded-For/-Proto/-Host from these proxies. Default false. */
  trustProxy?: boolean | string;
  version?: string;
  /** Serve the web console from this directory (a Vite build, see ./console.ts); absent = API only. */
  consoleDir?: string;
  /** When set: the SCIM endpoints under /scim/v2/<name> (./scim.ts) and their management under /api/v1/scim. */
  scim?: ScimEndpoints;
  /** When set: the pulled directory sources (LDAP / AD) under /api/v1/sources. */
  sources?: Sources;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function buildApp(opts: AppOptions): FastifyInstance {
  const logger = opts.logger;
  const metrics = opts.metrics ?? processMetrics;
  const serializers = { req: serializeRequest };
  const app = Fastify({
    ...(logger && typeof logger === 'object' ? { loggerInstance: logger.child({}, { serializers }) } : { logger: logger === true ? { serializers } : false }),
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    trustProxy: opts.trustProxy ?? false,
    // Fastify's own routing failures (a path with malformed percent-encoding) as problem+json too.
    frameworkErrors: (err, _req, reply) =>
      sendProblem(reply, err.code === 'FST_ERR_BAD_URL' ? problem(400, 'the URL path has malformed percent-encoding (% must be followed by two hex digits of UTF-8)') : problemOf(toAppError(err))),
  }) as unknown as FastifyInstance;
  app.addHook('onRequest', untrustedForwardingHint(Boolean(opts.trustProxy)));
  registerJsonParser(app);

  app.decorate('apiRoutes', [] as RouteDoc[]);
  app.decorate('auditLog', opts.auditLog ?? null);
  app.decorateRequest('principal', null);
  app.decorateRequest('audited', false);

  // Every error leaves here, as its AppError's problem (./problem.ts), its detail in the language Accept-Language asks
  // for (as plans are; English by default); the log gets what a 5xx hides.
  app.setErrorHandler((err, req, reply) => {
    const e = toAppError(err);
    if (e.status >= 500) req.log.error({ err }, 'request failed');
    return sendProblem(reply.headers(e.headers), problemOf(e, negotiateLang(req.headers['accept-language'])));
  });
  // Unknown paths: the console's page (its router draws client-side routes), else problem+json.
  const consoleFallback: ((req: FastifyRequest, reply: FastifyReply) => boolean) | null = opts.consoleDir ? registerConsole(app, opts.consoleDir) : null;
  app.setNotFoundHandler((req, reply) => {
    if (consoleFallback?.(req, reply)) return reply;
    return sendProblem(reply, problem(404, `no route for ${req.method} ${req.url.split('?')[0]}`));
  });

  // Graceful close: Fastify stops listening and answers new requests 503; responses still in flight
  // ask their keep-alive connection to close, so the server is not held open until idle clients time out.
  // Connections that carry no request are closed at once — including ones that never sent any:
  // browsers open such sockets speculatively, and Node counts them as busy, not idle, so they
  // would hold the close open until the headers timeout (a Chromium tab did, before this).
  let closing = false;
  const inFlight = new Map<Socket, number>();
  app.server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  app.addHook('onRequest', async (req) => {
    const socket = req.raw.socket;
    if (inFlight.has(socket)) inFlight.set(socket, inFlight.get(socket)! + 1);
  });
  const requestDone = (req: FastifyRequest): void => {
    const socket = req.raw.socket;
    const n = inFlight.get(socket);
    if (n !== undefined) inFlight.set(socket, Math.max(0, n - 1));
  };
  app.addHook('onRequestAbort', async (req) => requestDone(req));
  app.addHook('preClose', async () => {
    closing = true;
    for (const [socket, n] of inFlight) if (n === 0) socket.destroy();
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });

  // Request metrics, by route pattern (never the raw URL: ids would explode the label set).
  app.addHook('onResponse', async (req, reply) => {
    requestDone(req);
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpRequestsTotal.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpRequestDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    if (closing) app.server.closeIdleConnections();
  });

  const readiness: ReadinessCheck[] = [...(opts.readiness ?? [])];
  if (opts.store) {
    const store = opts.store;
    readiness.unshift({
      name: 'store',
      check: async () => {
        await sql`select 1`.execute(store.db);
      },
    });
  }

  app.register(systemRoutes, { metrics, readiness, metricsAccess: opts.metricsAccess ?? 'public', auth: opts.auth ?? null });
  if (opts.scim) {
    const scim = opts.scim;
    app.register(async (mount) => scimMount(mount, { endpoints: scim, store: opts.store ?? opts.directory.store, directory: opts.directory, auditLog: opts.auditLog ?? null, ...(opts.onDirectoryWrite ? { onWrite: opts.onDirectoryWrite } : {}) }), {
      prefix: `${SCIM_PATH_PREFIX}/:endpoint`,
    });
  }

  app.register(
    async (api) => {
      if (opts.authenticate) {
        const authenticate = opts.authenticate;
        api.addHook('onRequest', async (req) => {
          await authenticate(req);
        });
      }
      if (opts.auth) api.addHook('onRequest', authHook(opts.auth));
      // Safety net: a successful write that the route did not audit itself is recorded generically.
      if (opts.auditLog) {
        api.addHook('onSend', async (req, reply, payload) => {
          if (UNSAFE.has(req.method) && reply.statusCode < 400 && !req.audited && req.routeOptions.url)
            await audit(req, `${req.method} ${req.routeOptions.url}`, null, { params: req.params ?? {} });
          return payload;
        });
      }
      await api.register(openApiRoute, { version: opts.version });
      if (opts.auth) {
        await api.register(authRoutes, { auth: opts.auth });
        await api.register(tokenRoutes, { auth: opts.auth });
        await api.register(userRoutes, { auth: opts.auth });
      }
      if (opts.auditLog) await api.register(auditRoutes, { auditLog: opts.auditLog });
      await api.register(directoryRoutes, { directory: opts.directory, ...(opts.onDirectoryWrite ? { onWrite: opts.onDirectoryWrite } : {}) });
      if (opts.scim) await api.register(scimAdminRoutes(opts.scim));
      if (opts.sources) await api.register(sourceRoutes(opts.sources, opts.onDirectoryWrite ? { onWrite: opts.onDirectoryWrite } : {}));
      for (const plugin of opts.routes ?? []) await api.register(plugin);
    },
    { prefix: '/api/v1' },
  );
  return app;
}
