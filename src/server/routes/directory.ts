// /api/v1/organizations, /api/v1/accounts and /api/v1/changes.
//   POST   /organizations                create (201, Location, ETag)
//   GET    /organizations                list: ?parentId=<id>|null&status&externalId&code&q&limit&after
//   GET    /organizations/:id            get (ETag = version)
//   PATCH  /organizations/:id            partial update (If-Match: "<version>" optional)
//   DELETE /organizations/:id            delete a leaf without accounts (204)
//   POST   /organizations/:id/disable    and /enable
//   (the same for /accounts; list filters: status, organizationId, externalId, username, email, mobile, q)
//   GET    /changes?after=<seq>&limit=   the change feed
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Directory, WriteOptions } from '../../directory/directory.js';
import { fromZod, problem, sendProblem } from '../problem.js';

const attributeValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const attributes = z.record(z.string(), attributeValue);
const status = z.enum(['enabled', 'disabled']);
const nullableText = z.string().nullable();

const organizationCreate = z.strictObject({
  name: z.string(),
  parentId: z.string().nullable().optional(),
  externalId: nullableText.optional(),
  order: z.number().int().optional(),
  code: nullableText.optional(),
  status: status.optional(),
  attributes: attributes.optional(),
});
const organizationPatch = organizationCreate.partial();

const accountCreate = z.strictObject({
  username: z.string(),
  displayName: z.string(),
  organizationIds: z.array(z.string()).min(1),
  primaryOrganizationId: z.string().optional(),
  externalId: nullableText.optional(),
  mobile: nullableText.optional(),
  email: nullableText.optional(),
  telephone: nullableText.optional(),
  title: nullableText.optional(),
  gender: z.enum(['unspecified', 'male', 'female']).optional(),
  employeeNumber: nullableText.optional(),
  managerId: nullableText.optional(),
  status: status.optional(),
  attributes: attributes.optional(),
});
const accountPatch = accountCreate.partial();

const limit = z.coerce.number().int().min(1).max(1000).optional();
const organizationQuery = z.strictObject({
  parentId: z.string().optional(),
  status: status.optional(),
  externalId: z.string().optional(),
  code: z.string().optional(),
  q: z.string().optional(),
  limit,
  after: z.string().optional(),
});
const accountQuery = z.strictObject({
  status: status.optional(),
  organizationId: z.string().optional(),
  externalId: z.string().optional(),
  username: z.string().optional(),
  email: z.string().optional(),
  mobile: z.string().optional(),
  q: z.string().optional(),
  limit,
  after: z.string().optional(),
});
const changesQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

class RequestProblem extends Error {
  constructor(readonly reply: (r: FastifyReply) => FastifyReply) {
    super('request problem');
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: 'body' | 'query'): T {
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!r.success) throw new RequestProblem((reply) => sendProblem(reply, fromZod(r.error, where)));
  return r.data;
}

/** If-Match: "3" (or W/"3", or 3) -> expectedVersion 3. */
function writeOptions(req: FastifyRequest): WriteOptions {
  const h = req.headers['if-match'];
  if (h === undefined) return {};
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(String(h).trim());
  if (!m) throw new RequestProblem((reply) => sendProblem(reply, problem(400, 'If-Match must be the version ETag, e.g. "3"', [{ field: 'If-Match', message: 'not a version' }])));
  return { expectedVersion: Number(m[1]) };
}

const etag = (version: number): string => `"${version}"`;

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export async function directoryRoutes(app: FastifyInstance, opts: { directory: Directory }): Promise<void> {
  const d = opts.directory;

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof RequestProblem) return err.reply(reply);
    throw err; // handled by the app-level handler
  });

  // ---------------------------------------------------------------- organizations
  app.post('/organizations', async (req, reply) => {
    const body = parse(organizationCreate, req.body, 'body');
    const org = await d.createOrganization(stripUndefined(body));
    return reply.code(201).header('location', `/api/v1/organizations/${org.id}`).header('etag', etag(org.version)).send(org);
  });
  app.get('/organizations', async (req) => {
    const q = parse(organizationQuery, req.query, 'query');
    return d.listOrganizations(stripUndefined({ ...q, parentId: q.parentId === 'null' ? null : q.parentId }));
  });
  app.get<{ Params: { id: string } }>('/organizations/:id', async (req, reply) => {
    const org = await d.requireOrganization(req.params.id);
    return reply.header('etag', etag(org.version)).send(org);
  });
  app.patch<{ Params: { id: string } }>('/organizations/:id', async (req, reply) => {
    const body = parse(organizationPatch, req.body, 'body');
    const org = await d.updateOrganization(req.params.id, stripUndefined(body), writeOptions(req));
    return reply.header('etag', etag(org.version)).send(org);
  });
  app.delete<{ Params: { id: string } }>('/organizations/:id', async (req, reply) => {
    await d.deleteOrganization(req.params.id, writeOptions(req));
    return reply.code(204).send();
  });
  for (const [verb, value] of [['disable', 'disabled'], ['enable', 'enabled']] as const) {
    app.post<{ Params: { id: string } }>(`/organizations/:id/${verb}`, async (req, reply) => {
      const org = await d.setOrganizationStatus(req.params.id, value, writeOptions(req));
      return reply.header('etag', etag(org.version)).send(org);
    });
  }

  // ---------------------------------------------------------------- accounts
  app.post('/accounts', async (req, reply) => {
    const body = parse(accountCreate, req.body, 'body');
    const acc = await d.createAccount(stripUndefined(body));
    return reply.code(201).header('location', `/api/v1/accounts/${acc.id}`).header('etag', etag(acc.version)).send(acc);
  });
  app.get('/accounts', async (req) => {
    const q = parse(accountQuery, req.query, 'query');
    return d.listAccounts(stripUndefined(q));
  });
  app.get<{ Params: { id: string } }>('/accounts/:id', async (req, reply) => {
    const acc = await d.requireAccount(req.params.id);
    return reply.header('etag', etag(acc.version)).send(acc);
  });
  app.patch<{ Params: { id: string } }>('/accounts/:id', async (req, reply) => {
    const body = parse(accountPatch, req.body, 'body');
    const acc = await d.updateAccount(req.params.id, stripUndefined(body), writeOptions(req));
    return reply.header('etag', etag(acc.version)).send(acc);
  });
  app.delete<{ Params: { id: string } }>('/accounts/:id', async (req, reply) => {
    await d.deleteAccount(req.params.id, writeOptions(req));
    return reply.code(204).send();
  });
  for (const [verb, value] of [['disable', 'disabled'], ['enable', 'enabled']] as const) {
    app.post<{ Params: { id: string } }>(`/accounts/:id/${verb}`, async (req, reply) => {
      const acc = await d.setAccountStatus(req.params.id, value, writeOptions(req));
      return reply.header('etag', etag(acc.version)).send(acc);
    });
  }

  // ---------------------------------------------------------------- change feed
  app.get('/changes', async (req) => {
    const q = parse(changesQuery, req.query, 'query');
    const after = q.after ?? 0;
    const items = await d.changesSince(after, q.limit ?? 1000);
    return { items, nextCursor: items.length > 0 ? items[items.length - 1]!.seq : after };
  });
}
