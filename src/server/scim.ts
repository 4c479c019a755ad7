// The SCIM 2.0 mount (RFC 7644): every endpoint under /scim/v2/<name>, outside /api/v1 — an
// identity provider authenticates with a token of that endpoint (not an admin session or API
// token), and every answer, errors included, speaks SCIM (application/scim+json, the Error schema).
//
//   GET  /ServiceProviderConfig, /ResourceTypes[/:id], /Schemas[/:id]     discovery (read-only: 405)
//   GET  /Users?filter&startIndex&count&attributes&excludedAttributes     list (200 ListResponse, also for none)
//   POST /Users  ·  GET, PUT, PATCH, DELETE /Users/:id                     (the same for /Groups)
//
// The operations live in src/connectors/scim; this file turns requests into calls and records
// into answers, and after each write records it in the audit log (the token as the actor) and
// wakes the sync worker.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/index.js';
import { type ScimEndpoint, type ScimEndpoints, ScimError, ScimGroups, ScimUsers, type ScimToken, scimContext } from '../connectors/scim/index.js';
import { MAX_RESULTS, resourceTypes, schemas, serviceProviderConfig } from '../connectors/scim/discovery.js';
import type { ResourceRecord } from '../connectors/scim/context.js';
import { ERROR_SCHEMA, GROUP_SHAPE, LIST_RESPONSE, type ResourceShape, USER_SHAPE } from '../connectors/scim/schemas.js';
import { etagOf, project, render } from '../connectors/scim/resource.js';
import type { Directory } from '../directory/directory.js';
import type { AppError } from '../domain/errors.js';
import type { Store } from '../store/index.js';
import { registerJsonParser } from './json-body.js';
import { toAppError } from './problem.js';

const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';
const DISCOVERY = /^\/(ServiceProviderConfig|ResourceTypes|Schemas)(\/|$)/i;

interface ScimMountOptions {
  endpoints: ScimEndpoints;
  store: Store;
  directory: Directory;
  auditLog: AuditLog | null;
  onWrite?: () => void;
}

declare module 'fastify' {
  interface FastifyRequest {
    scim: { endpoint: ScimEndpoint; token: ScimToken } | null;
  }
}

/** A thrown error in the SCIM Error schema: directory rules as invalidValue, clashes as uniqueness. */
function scimErrorOf(e: AppError): { status: number; scimType?: string; detail: string } {
  if (e instanceof ScimError) return { status: e.status, ...(e.scimType ? { scimType: e.scimType } : {}), detail: e.message };
  if (e.code === 'validation') return { status: 400, scimType: 'invalidValue', detail: e.message };
  if (e.code === 'conflict') return { status: 409, scimType: 'uniqueness', detail: e.message };
  if (e.status === 400) return { status: 400, scimType: 'invalidSyntax', detail: e.message };
  return { status: e.status, detail: e.message };
}

function sendError(reply: FastifyReply, status: number, detail: string, scimType?: string, headers: Record<string, string> = {}): FastifyReply {
  return reply
    .code(status)
    .headers(headers)
    .type(SCIM_CONTENT_TYPE)
    .send({ schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail });
}

function intParam(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new ScimError(400, `${name} must be an integer, not ${JSON.stringify(value)}`, 'invalidValue');
  return n;
}

interface ListParams {
  filter?: string;
  startIndex?: string;
  count?: string;
  attributes?: string;
  excludedAttributes?: string;
}

export async function scimMount(app: FastifyInstance, opts: ScimMountOptions): Promise<void> {
  registerJsonParser(app, 'application/scim+json');
  app.decorateRequest('scim', null);

  app.setErrorHandler((err, req, reply) => {
    const e = toAppError(err);
    if (e.status >= 500) req.log.error({ err }, 'SCIM request failed');
    const s = scimErrorOf(e);
    return sendError(reply, s.status, s.detail, s.scimType, e.headers as Record<string, string>);
  });

  // Who: a live token of the endpoint named in the path. An unknown endpoint answers like a bad token.
  app.addHook('onRequest', async (req, reply) => {
    const name = (req.params as { endpoint?: string }).endpoint ?? '';
    // `Bearer wsc_…`; the bare token too (an identity provider's "HTTP header" field filled without the scheme)
    const m = /^(?:Bearer\s+)?(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const auth = m ? await opts.endpoints.authenticate(name, m[1]!) : null;
    if (!auth) return sendError(reply, 401, 'send a token of this SCIM endpoint: Authorization: Bearer wsc_…', undefined, { 'www-authenticate': 'Bearer realm="wecom-sync SCIM"' });
    req.scim = auth;
    // discovery resources are read-only (before the body is parsed: Okta's check sends one that is not JSON)
    const rest = req.url.slice(auth.endpoint.path.length).split('?')[0]!;
    if (DISCOVERY.test(rest) && req.method !== 'GET' && req.method !== 'HEAD')
      return sendError(reply, 405, `${rest} is read-only`, undefined, { allow: 'GET' });
    return undefined;
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('application/json')) reply.header('content-type', SCIM_CONTENT_TYPE);
    return payload;
  });

  const base = (req: FastifyRequest): string => `${req.protocol}://${req.host}${req.scim!.endpoint.path}`;
  const context = (req: FastifyRequest) => {
    const { endpoint, token } = req.scim!;
    return scimContext(
      {
        store: opts.store,
        directory: opts.directory,
        audit: async (trx, w) => {
          await opts.auditLog?.record({ actor: { name: `scim ${endpoint.name} (token ${token.name})`, kind: 'token' }, action: w.action, target: w.target, detail: w.detail, ip: req.ip }, trx);
        },
        changed: () => opts.onWrite?.(),
      },
      endpoint,
    );
  };
  const ifMatch = (req: FastifyRequest): string | undefined => (typeof req.headers['if-match'] === 'string' ? req.headers['if-match'] : undefined);

  // ------------------------------------------------------------------ discovery
  const list = (items: unknown[]) => ({ schemas: [LIST_RESPONSE], totalResults: items.length, startIndex: 1, itemsPerPage: items.length, Resources: items });
  const byId = (items: Array<Record<string, unknown>>, id: string, what: string) => {
    const found = items.find((x) => String(x.id).toLowerCase() === id.toLowerCase());
    if (!found) throw new ScimError(404, `no ${what} ${id}`);
    return found;
  };
  app.get('/ServiceProviderConfig', async (req) => serviceProviderConfig(base(req)));
  app.get('/ResourceTypes', async (req) => list(resourceTypes(base(req))));
  app.get<{ Params: { id: string } }>('/ResourceTypes/:id', async (req) => byId(resourceTypes(base(req)), req.params.id, 'resource type'));
  app.get('/Schemas', async (req) => list(schemas(base(req))));
  app.get<{ Params: { id: string } }>('/Schemas/:id', async (req) => byId(schemas(base(req)), req.params.id, 'schema'));
  for (const path of ['/ServiceProviderConfig', '/ResourceTypes', '/ResourceTypes/:id', '/Schemas', '/Schemas/:id'])
    app.route({ method: ['POST', 'PUT', 'PATCH', 'DELETE'], url: path, handler: async () => undefined }); // answered 405 by the hook

  // ------------------------------------------------------------------ Users and Groups
  const answer = (req: FastifyRequest, shape: ResourceShape, rec: ResourceRecord, extra: Record<string, unknown> = {}) => {
    const { attributes, excludedAttributes } = req.query as ListParams;
    const location = `${base(req)}/${shape.kind}s/${rec.id}`;
    return project(shape, render(shape, rec.id, rec.resource, { ...rec, location }, extra), attributes, excludedAttributes);
  };
  const pageOf = (req: FastifyRequest) => {
    const q = req.query as ListParams;
    return {
      ...(q.filter !== undefined && q.filter.trim() !== '' ? { filter: q.filter } : {}),
      startIndex: Math.max(1, intParam(q.startIndex, 'startIndex', 1)),
      count: Math.min(MAX_RESULTS, Math.max(0, intParam(q.count, 'count', 100))),
    };
  };
  const listResponse = (startIndex: number, total: number, resources: unknown[]) => ({ schemas: [LIST_RESPONSE], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources });
  const wantsMembers = (req: FastifyRequest): boolean => {
    const { attributes, excludedAttributes } = req.query as ListParams;
    if (attributes) return attributes.split(',').some((a) => /(^|:)members(\.|$)/i.test(a.trim()));
    return !(excludedAttributes ?? '').split(',').some((a) => /(^|:)members$/i.test(a.trim()));
  };
  const membersExtra = (members: Array<{ value: string; display: string }> | null, req: FastifyRequest) =>
    members === null ? {} : { members: members.map((m) => ({ value: m.value, display: m.display, $ref: `${base(req)}/Users/${m.value}` })) };
  type IdReq = FastifyRequest<{ Params: { id: string } }>;

  app.get('/Users', async (req) => {
    const page = pageOf(req);
    const { total, records } = await new ScimUsers(context(req)).list(page);
    return listResponse(page.startIndex, total, records.map((r) => answer(req, USER_SHAPE, r)));
  });
  app.post('/Users', async (req, reply) => {
    const rec = await new ScimUsers(context(req)).create(req.body);
    return reply.code(201).header('location', `${base(req)}/Users/${rec.id}`).header('etag', etagOf(rec.version)).send(answer(req, USER_SHAPE, rec));
  });
  app.get('/Users/:id', async (req: IdReq, reply) => {
    const rec = await new ScimUsers(context(req)).get(req.params.id);
    return reply.header('etag', etagOf(rec.version)).send(answer(req, USER_SHAPE, rec));
  });
  app.put('/Users/:id', async (req: IdReq, reply) => {
    const rec = await new ScimUsers(context(req)).replace(req.params.id, req.body, ifMatch(req));
    return reply.header('etag', etagOf(rec.version)).send(answer(req, USER_SHAPE, rec));
  });
  app.patch('/Users/:id', async (req: IdReq, reply) => {
    const rec = await new ScimUsers(context(req)).patch(req.params.id, req.body, ifMatch(req));
    return reply.header('etag', etagOf(rec.version)).send(answer(req, USER_SHAPE, rec));
  });
  app.delete('/Users/:id', async (req: IdReq, reply) => {
    await new ScimUsers(context(req)).remove(req.params.id, ifMatch(req));
    return reply.code(204).send();
  });

  app.get('/Groups', async (req) => {
    const page = pageOf(req);
    const withMembers = wantsMembers(req);
    const { total, records } = await new ScimGroups(context(req)).list(page, withMembers);
    return listResponse(page.startIndex, total, records.map((r) => answer(req, GROUP_SHAPE, r, membersExtra(r.members, req))));
  });
  app.post('/Groups', async (req, reply) => {
    const rec = await new ScimGroups(context(req)).create(req.body);
    return reply.code(201).header('location', `${base(req)}/Groups/${rec.id}`).header('etag', etagOf(rec.version)).send(answer(req, GROUP_SHAPE, rec, membersExtra(rec.members, req)));
  });
  app.get('/Groups/:id', async (req: IdReq, reply) => {
    const rec = await new ScimGroups(context(req)).get(req.params.id, wantsMembers(req));
    return reply.header('etag', etagOf(rec.version)).send(answer(req, GROUP_SHAPE, rec, membersExtra(rec.members, req)));
  });
  app.put('/Groups/:id', async (req: IdReq, reply) => {
    const rec = await new ScimGroups(context(req)).replace(req.params.id, req.body, ifMatch(req));
    return reply.header('etag', etagOf(rec.version)).send(answer(req, GROUP_SHAPE, rec, membersExtra(rec.members, req)));
  });
  // 204 (Entra: "returning a body with a list of all the members isn't advisable"), unless the
  // client asks for attributes (RFC 7644 §3.5.2: then 200 with them)
  app.patch('/Groups/:id', async (req: IdReq, reply) => {
    const groups = new ScimGroups(context(req));
    const rec = await groups.patch(req.params.id, req.body, ifMatch(req));
    const q = req.query as ListParams;
    if (!q.attributes && !q.excludedAttributes) return reply.code(204).header('etag', etagOf(rec.version)).send();
    const full = await groups.get(rec.id, wantsMembers(req));
    return reply.header('etag', etagOf(full.version)).send(answer(req, GROUP_SHAPE, full, membersExtra(full.members, req)));
  });
  app.delete('/Groups/:id', async (req: IdReq, reply) => {
    await new ScimGroups(context(req)).remove(req.params.id, ifMatch(req));
    return reply.code(204).send();
  });
}
