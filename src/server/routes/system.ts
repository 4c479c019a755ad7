// Operational endpoints, outside /api/v1:
//   GET /healthz   the process is up (always 200 while it serves)
//   GET /readyz    every critical readiness check passes (the store answers `select 1`, …) → 200, else 503;
//                  a failed non-critical one (stored secrets the key cannot decrypt) → 200 `degraded`
//   GET /metrics   Prometheus text; public on a loopback bind, else a token or session is needed
// and, inside /api/v1, GET /openapi.json (public).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AuthService } from '../../auth/index.js';
import type { Metrics } from '../../observability/metrics.js';
import { resolvePrincipal } from '../auth.js';
import { buildOpenApi } from '../openapi.js';
import { ProblemError, problem } from '../problem.js';
import { defineRoute } from '../route.js';

export interface ReadinessCheck {
  name: string;
  /** Resolves when healthy; rejects (with a message safe to show) when not. */
  check(): Promise<void>;
  /**
   * Default true: a failure makes the service not ready (503). false: the service stays ready but
   * `degraded` (200) — for failures an admin repairs through the service itself, which a load
   * balancer taking it out of rotation would only put out of reach.
   */
  critical?: boolean;
}

const checkResult = z.object({ name: z.string(), ok: z.boolean(), error: z.string().optional() });
const readyResponse = z
  .object({
    status: z.enum(['ready', 'degraded', 'not-ready']).describe('degraded: serving, but a non-critical check failed (e.g. stored secrets the key cannot decrypt)'),
    checks: z.array(checkResult),
  })
  .meta({ id: 'Readiness' });

export async function systemRoutes(
  app: FastifyInstance,
  opts: { metrics: Metrics; readiness: ReadinessCheck[]; metricsAccess: 'public' | 'authenticated'; auth: AuthService | null; checkTimeoutMs?: number },
): Promise<void> {
  defineRoute(
    app,
    {
      method: 'GET',
      url: '/healthz',
      operationId: 'healthz',
      summary: 'Liveness: the process is up',
      tags: ['operations'],
      access: 'public',
      responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/readyz',
      operationId: 'readyz',
      summary: 'Readiness: the store (and every other dependency) answers',
      tags: ['operations'],
      access: 'public',
      responses: {
        200: { description: 'Ready to serve (`degraded` when a non-critical check failed)', schema: readyResponse },
        503: { description: 'Not ready; `checks` says which dependency failed', schema: readyResponse },
      },
    },
    async (_input, _req, reply) => {
      const timeout = opts.checkTimeoutMs ?? 5000;
      const results = await Promise.all(
        opts.readiness.map(async (c) => {
          let timer: NodeJS.Timeout | undefined;
          try {
            await Promise.race([
              c.check(),
              new Promise((_, reject) => {
                timer = setTimeout(() => reject(new Error(`no answer within ${timeout} ms`)), timeout);
              }),
            ]);
            return { name: c.name, ok: true };
          } catch (err) {
            return { name: c.name, ok: false, error: (err as Error)?.message ?? String(err) };
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      const failed = (critical: boolean) => results.some((r, i) => !r.ok && (opts.readiness[i]!.critical ?? true) === critical);
      const status = failed(true) ? 'not-ready' : failed(false) ? 'degraded' : 'ready';
      return reply.code(status === 'not-ready' ? 503 : 200).header('cache-control', 'no-store').send({ status, checks: results });
    },
  );

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      description:
        opts.metricsAccess === 'public'
          ? 'Public: the server is bound to a loopback address.'
          : 'Needs an API token (any role) or a session, because the server is bound to a non-loopback address.',
      tags: ['operations'],
      access: 'public',
      responses: {
        200: { description: 'Prometheus text exposition format', contentType: 'text/plain; version=0.0.4' },
        401: { description: 'No valid credentials (non-loopback bind only)' },
      },
    },
    async (_input, req, reply) => {
      if (opts.metricsAccess === 'authenticated') {
        const who = opts.auth ? (await resolvePrincipal(opts.auth, req)).principal : null;
        if (!who) throw new ProblemError(problem(401, 'metrics need an API token: Authorization: Bearer wst_…'), { 'www-authenticate': 'Bearer realm="wecom-sync"' });
      }
      const text = await opts.metrics.registry.metrics();
      return reply.type(opts.metrics.registry.contentType).send(text);
    },
  );
}

export async function openApiRoute(app: FastifyInstance, opts: { version?: string }): Promise<void> {
  let cached: ReturnType<typeof buildOpenApi> | undefined;
  defineRoute(
    app,
    {
      method: 'GET',
      url: '/openapi.json',
      operationId: 'openapi',
      summary: 'This OpenAPI 3.1 document',
      tags: ['operations'],
      access: 'public',
      responses: { 200: { description: 'The document', schema: z.record(z.string(), z.unknown()) } },
    },
    async () => {
      // Built on first request, when every route is registered.
      cached ??= buildOpenApi(app.apiRoutes, { version: opts.version });
      return cached;
    },
  );
}
