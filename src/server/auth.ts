// Authentication, authorisation and CSRF for /api/v1 (an onRequest hook in that scope).
//
//   1. Who: `Authorization: Bearer wst_…` (API token) or the `wecom_sync_session` cookie.
//      A bearer header that is not a valid, unrevoked token is a 401 even if a cookie is present.
//   2. May they: the route's access (./route.ts). None → 401, too low a role → 403.
//   3. CSRF: a cookie-authenticated request with an unsafe method (POST, PUT, PATCH, DELETE) must
//      carry an Origin header naming this server (scheme, host and port), or, when the browser
//      sends no Origin, an X-Requested-With header (which a cross-site form cannot set and a
//      cross-site script cannot send without a CORS preflight, which this server never grants).
//      An Origin naming another origin (another scheme, host or port) is refused even with
//      X-Requested-With. Bearer-token requests are not subject to it (browsers never attach them
//      on their own). Login applies the Origin half of the rule.
import { type CodedText, coded } from '../messages/index.js';
import type { FastifyRequest } from 'fastify';
import type { AuthService, Principal } from '../auth/index.js';
import { roleAllows } from '../auth/index.js';
import { SESSION_COOKIE, readCookie } from './cookies.js';
import { ProblemError, problem } from './problem.js';
import { type Access, defaultAccess } from './route.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

const unauthorized = (detail: CodedText) =>
  new ProblemError(problem(401, detail), { 'www-authenticate': 'Bearer realm="wecom-sync", Cookie realm="wecom-sync"' });
const forbidden = (detail: CodedText, type?: string) => new ProblemError(problem(403, detail, [], type));

/** The principal of a request, from its bearer token or session cookie; throws 401 for a bad bearer token. */
export async function resolvePrincipal(auth: AuthService, req: FastifyRequest): Promise<{ principal: Principal | null; via: 'bearer' | 'cookie' | null }> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw unauthorized(coded('error.bearer-header'));
    const p = auth.looksLikeToken(m[1]!) ? await auth.tokenPrincipal(m[1]!) : null;
    if (!p) throw unauthorized(coded('error.token-invalid'));
    return { principal: p, via: 'bearer' };
  }
  const sid = readCookie(req.headers.cookie, SESSION_COOKIE);
  if (sid) {
    const p = await auth.sessionPrincipal(sid);
    if (p) return { principal: p, via: 'cookie' };
  }
  return { principal: null, via: null };
}

/**
 * True when `origin` is the origin the request was sent to: same scheme (`req.protocol`: the
 * socket's, or X-Forwarded-Proto from a trusted proxy), same host and port (`req.host`: Host, or
 * X-Forwarded-Host from a trusted proxy; default ports normalised, e.g. http://h ≡ Host h:80).
 */
function sameOrigin(origin: string, req: FastifyRequest): boolean {
  const host = req.host ?? '';
  if (host === '') return false;
  try {
    const o = new URL(origin);
    const scheme = `${req.protocol}:`;
    if (o.protocol !== scheme) return false;
    return o.host === new URL(`${scheme}//${host}`).host;
  } catch {
    return false;
  }
}

/** Throws 403 when the Origin header names another origin than the one the request was sent to. */
function checkOrigin(req: FastifyRequest, requireProof: boolean): void {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    if (!sameOrigin(origin, req)) throw forbidden(coded('error.cross-site', { origin, server: `${req.protocol}://${req.host ?? ''}` }), 'csrf');
    return;
  }
  if (requireProof && req.headers['x-requested-with'] === undefined)
    throw forbidden(coded('error.csrf'), 'csrf');
}

export function authHook(auth: AuthService) {
  return async (req: FastifyRequest): Promise<void> => {
    const access: Access = req.routeOptions.config?.access ?? defaultAccess(req.method);
    const unsafe = !SAFE.has(req.method);
    if (access === 'public') {
      // No credentials needed, but an unsafe public call (sign-in) must not come from another site.
      if (unsafe) checkOrigin(req, false);
      return;
    }
    const { principal, via } = await resolvePrincipal(auth, req);
    if (!principal) throw unauthorized(coded('error.sign-in'));
    req.principal = principal;
    if (via === 'cookie' && unsafe) checkOrigin(req, true);
    if (access === 'authenticated') return;
    if (!roleAllows(principal.role, access)) throw forbidden(coded('error.role', { needed: access, user: principal.username, role: principal.role }));
  };
}
