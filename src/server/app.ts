// The HTTP application factory. Routes live in ./routes; every error leaves as problem+json.
//
// Authentication hook point: pass `authenticate` (a later issue supplies it). It runs as an
// onRequest hook for everything under /api/v1 and rejects by throwing an error carrying
// `statusCode` 401 or 403 (e.g. `Object.assign(new Error('bad token'), { statusCode: 401 })`).
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Directory } from '../directory/directory.js';
import { DirectoryError } from '../directory/errors.js';
import { fromDirectoryError, problem, sendProblem } from './problem.js';
import { directoryRoutes } from './routes/directory.js';

export interface AppOptions {
  directory: Directory;
  /** A pino logger, or false/undefined for none. */
  logger?: FastifyBaseLogger | boolean;
  authenticate?: (request: FastifyRequest) => Promise<void>;
  /** Maximum JSON body size in bytes (default 1 MiB). */
  bodyLimit?: number;
}

export function buildApp(opts: AppOptions): FastifyInstance {
  const logger = opts.logger;
  const app = Fastify({
    ...(logger && typeof logger === 'object' ? { loggerInstance: logger } : { logger: logger === true }),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
  }) as unknown as FastifyInstance;

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof DirectoryError) return sendProblem(reply, fromDirectoryError(err));
    const e = err as { statusCode?: number; message?: string; code?: string };
    const status = e.statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return sendProblem(reply, problem(500, 'an internal error occurred; see the server log'));
    }
    // Fastify's own 4xx (malformed JSON, wrong content type, body too large) and auth rejections.
    return sendProblem(reply, problem(status, e.message ?? 'request rejected'));
  });
  app.setNotFoundHandler((req, reply) => sendProblem(reply, problem(404, `no route for ${req.method} ${req.url.split('?')[0]}`)));

  app.register(
    async (api) => {
      if (opts.authenticate) {
        const authenticate = opts.authenticate;
        api.addHook('onRequest', async (req) => {
          await authenticate(req);
        });
      }
      await api.register(directoryRoutes, { directory: opts.directory });
    },
    { prefix: '/api/v1' },
  );
  return app;
}
