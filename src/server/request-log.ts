// What the log says about requests. A request line names the route pattern and the URL with its
// query values replaced (`/api/v1/accounts?email=[redacted]`): filters carry personal data
// (e-mail addresses, mobiles, names) that a log must not collect. And forwarded headers arriving
// from a peer that is not a trusted proxy are pointed out once: behind an unconfigured reverse
// proxy every user shares the proxy's address, so the per-IP sign-in limit locks them all out together.
import type { FastifyRequest } from 'fastify';

const REDACTED = '[redacted]';

/** The URL with every query value replaced by [redacted]; keys (and the path) stay. */
function redactQuery(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0 ? pair : `${pair.slice(0, eq)}=${REDACTED}`;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

/** The pino serializer of `req` in request log lines. */
export function serializeRequest(req: FastifyRequest): Record<string, unknown> {
  return {
    method: req.method,
    route: req.routeOptions?.url ?? null,
    url: redactQuery(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/**
 * An onRequest hook that logs once (per app) when a request carries X-Forwarded-For (or, with no
 * trusted proxy configured, Forwarded) that the service ignores because its peer is not trusted.
 * Fastify took the client address from the header exactly when `req.ip` differs from the peer's.
 */
export function untrustedForwardingHint(trustConfigured: boolean): (req: FastifyRequest) => Promise<void> {
  let told = false;
  return async (req) => {
    if (told) return;
    const h = req.headers;
    if (h['x-forwarded-for'] === undefined && (trustConfigured || h.forwarded === undefined)) return;
    const peer = req.socket.remoteAddress;
    if (peer === undefined || req.ip !== peer) return;
    told = true;
    req.log.warn(
      { peer },
      `requests from ${peer} carry forwarded headers (X-Forwarded-For or Forwarded), which are ignored because ${peer} is not a trusted proxy: ` +
        `every client behind it counts as ${peer} for the sign-in limit (50 failures per IP lock all of them out for 15 minutes) and in the audit log. ` +
        `If a reverse proxy forwards to this service, set WECOM_SYNC_TRUST_PROXY=${peer} (its address, or a CIDR) and let it send X-Forwarded-For and X-Forwarded-Proto. ` +
        '(Said once.)',
    );
  };
}
