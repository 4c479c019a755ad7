// The web console (web/, built by Vite into web/dist) served at / by the same app as the API.
// Hashed assets (/assets/*) are cached for a year; index.html is never cached, so a new build
// shows at the next page load. Paths that are not files (/connections/demo/runs …) get index.html:
// the console's router draws them. /api, /healthz, /readyz and /metrics never fall back.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** web/dist of this checkout. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** The console's page headers: it loads only its own scripts and is never framed. */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

const NOT_CONSOLE = /^\/(api|healthz|readyz|metrics)(\/|$|\?)/;

function consoleBuilt(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'index.html'));
}

/** Registers the console's files; returns the fallback for unknown paths (null when `dir` holds no build). */
export function registerConsole(app: FastifyInstance, dir: string): ((req: FastifyRequest, reply: FastifyReply) => boolean) | null {
  if (!consoleBuilt(dir)) {
    app.log.warn({ dir }, 'the web console is not built (npm run build:console); serving the API only');
    return null;
  }
  app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: true,
    index: ['index.html'],
    cacheControl: false,
    setHeaders(res, file) {
      if (file.includes(`${path.sep}assets${path.sep}`)) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
      else res.setHeader('cache-control', 'no-cache');
      if (file.endsWith('.html')) for (const [k, v] of Object.entries(PAGE_HEADERS)) res.setHeader(k, v);
      else res.setHeader('x-content-type-options', 'nosniff');
    },
  });
  return (req, reply) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (NOT_CONSOLE.test(req.url)) return false;
    if (!/text\/html|\*\/\*/.test(req.headers.accept ?? '*/*')) return false;
    void reply.code(200).headers({ ...PAGE_HEADERS, 'cache-control': 'no-cache' }).sendFile('index.html');
    return true;
  };
}
