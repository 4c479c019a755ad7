// /api/v1/organizations, /api/v1/accounts and /api/v1/changes.
//   POST   /organizations                create (201, Location, ETag)
//   GET    /organizations                list: ?parentId=<id>|null&status&externalId&code&q&limit&after
//   GET    /organizations/:id            get (ETag = version)
//   PATCH  /organizations/:id            partial update (If-Match: "<version>" optional)
//   DELETE /organizations/:id            delete a leaf without accounts (204)
//   POST   /organizations/:id/disable    and /enable
//   (the same for /accounts; list filters: status, organizationId, externalId, username, email, mobile, q)
//   GET    /changes?after=<seq>&limit=   the change feed
//   POST   /directory/import, GET /directory/export   bulk files (./directory-io.ts)
// Every write is recorded in the audit log: the object by name and what changed, field by field
// (./directory-audit.ts: personal values masked), and reported to `onWrite` when given (serve: the sync worker's notify()).
import { fieldError } from '../../domain/common.js';
import { coded } from '../../messages/index.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Directory, WriteOptions } from '../../directory/directory.js';
import { GENDERS } from '../../domain/account.js';
import { STATUSES } from '../../domain/common.js';
import { audit } from '../audit.js';
import { directoryAuditDetail } from './directory-audit.js';
import { directoryIoRoutes } from './directory-io.js';
import { ProblemError, problem } from '../problem.js';
import { type Responses, defineRoute } from '../route.js';

const attributeValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const attributes = z.record(z.string(), attributeValue);
const status = z.enum(STATUSES);
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
  gender: z.enum(GENDERS).optional(),
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
  count: z.enum(['true', 'false']).optional().describe('true: also answer `total`, the number of matching accounts over all pages'),
});
const changesQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

/** If-Match: "3" (or W/"3", or 3) -> expectedVersion 3. */
function writeOptions(req: FastifyRequest): WriteOptions {
  const h = req.headers['if-match'];
  if (h === undefined) return {};
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(String(h).trim());
  if (!m) throw new ProblemError(problem(400, coded('error.if-match'), [fieldError('If-Match', 'invalid.not-version')]));
  return { expectedVersion: Number(m[1]) };
}

const etag = (version: number): string => `"${version}"`;

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// ------------------------------------------------------------------ response shapes (documentation)
const organization = z.object({
  id: z.string(),
  externalId: z.string().nullable(),
  name: z.string(),
  parentId: z.string().nullable(),
  order: z.number().int(),
  code: z.string().nullable(),
  status,
  attributes,
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
}).meta({ id: 'Organization' });
const account = z.object({
  id: z.string(),
  externalId: z.string().nullable(),
  username: z.string(),
  displayName: z.string(),
  mobile: z.string().nullable(),
  email: z.string().nullable(),
  telephone: z.string().nullable(),
  title: z.string().nullable(),
  gender: z.enum(GENDERS),
  employeeNumber: z.string().nullable(),
  managerId: z.string().nullable(),
  organizationIds: z.array(z.string()),
  primaryOrganizationId: z.string(),
  status,
  attributes,
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
}).meta({ id: 'Account' });
const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable(), total: z.number().int().optional().describe('with count=true: matches over all pages') });
const change = z.object({
  seq: z.number().int(),
  objectType: z.enum(['organization', 'account']),
  objectId: z.string(),
  operation: z.enum(['create', 'update', 'delete']),
  version: z.number().int(),
  changedFields: z.array(z.string()),
  occurredAt: z.string(),
}).meta({ id: 'Change' });
const idParams = z.strictObject({ id: z.string().min(1).max(64) });

const IF_MATCH = [{ name: 'If-Match', description: 'the ETag of the version you read ("3"); the write fails with 409 if the object changed since' }];
const ETAG = { etag: 'the object version, "<n>"' };
const NOT_FOUND = { 404: { description: 'No such object' } } satisfies Responses;
const WRITE_ERRORS = {
  409: { description: 'Conflicts with another object, or If-Match does not match the current version' },
  422: { description: 'Breaks a directory rule; `errors` names the fields' },
} satisfies Responses;

export async function directoryRoutes(app: FastifyInstance, opts: { directory: Directory; onWrite?: () => void }): Promise<void> {
  // A successful write: tell the listener (the sync worker looks at the change feed at once).
  const onWrite = opts.onWrite;
  if (onWrite)
    app.addHook('onResponse', async (req, reply) => {
      if (req.method !== 'GET' && req.method !== 'HEAD' && reply.statusCode < 400) onWrite();
    });
  const d = opts.directory;

  // ---------------------------------------------------------------- organizations and accounts
  const kinds = [
    {
      type: 'organization' as const,
      plural: 'organizations',
      Name: 'Organization',
      schema: organization,
      createBody: organizationCreate,
      patchBody: organizationPatch,
      listQuery: organizationQuery,
      listDescription: 'Filters: parentId (an id, or `null` for roots), status, externalId, code, q (name contains). Keyset paging with limit and after.',
      create: (b: z.output<typeof organizationCreate>) => d.createOrganization(stripUndefined(b)),
      list: (q: z.output<typeof organizationQuery>) => d.listOrganizations(stripUndefined({ ...q, parentId: q.parentId === 'null' ? null : q.parentId })),
      get: (id: string) => d.requireOrganization(id),
      update: (id: string, b: z.output<typeof organizationPatch>, w: WriteOptions) => d.updateOrganization(id, stripUndefined(b), w),
      remove: (id: string, w: WriteOptions) => d.deleteOrganization(id, w),
      setStatus: (id: string, v: 'enabled' | 'disabled', w: WriteOptions) => d.setOrganizationStatus(id, v, w),
    },
    {
      type: 'account' as const,
      plural: 'accounts',
      Name: 'Account',
      schema: account,
      createBody: accountCreate,
      patchBody: accountPatch,
      listQuery: accountQuery,
      listDescription: 'Filters: status, organizationId, externalId, username, email, mobile, q (name or username contains). Keyset paging with limit and after; count=true adds `total`.',
      create: (b: z.output<typeof accountCreate>) => d.createAccount(stripUndefined(b)),
      list: (q: z.output<typeof accountQuery>) => d.listAccounts(stripUndefined({ ...q, count: q.count === undefined ? undefined : q.count === 'true' })),
      get: (id: string) => d.requireAccount(id),
      update: (id: string, b: z.output<typeof accountPatch>, w: WriteOptions) => d.updateAccount(id, stripUndefined(b), w),
      remove: (id: string, w: WriteOptions) => d.deleteAccount(id, w),
      setStatus: (id: string, v: 'enabled' | 'disabled', w: WriteOptions) => d.setAccountStatus(id, v, w),
    },
  ];

  for (const k of kinds) {
    const tags = ['directory'];
    const fieldsOf = (b: object) => Object.keys(stripUndefined(b)).sort();
    defineRoute(
      app,
      {
        method: 'POST',
        url: `/${k.plural}`,
        operationId: `create${k.Name}`,
        summary: `Create an ${k.type}`,
        tags,
        body: k.createBody as z.ZodType<Record<string, unknown>>,
        responses: { 201: { description: 'Created', schema: k.schema, headers: { location: 'its URL', ...ETAG } }, ...WRITE_ERRORS },
      },
      async ({ body }, req, reply) => {
        // body: validated by this kind's createBody
        const obj = await k.create(body as never);
        await audit(req, `${k.type}.create`, { type: k.type, id: obj.id }, { ...(await directoryAuditDetail(d, null, obj)), fields: fieldsOf(body) });
        return reply.code(201).header('location', `/api/v1/${k.plural}/${obj.id}`).header('etag', etag(obj.version)).send(obj);
      },
    );
    defineRoute(
      app,
      {
        method: 'GET',
        url: `/${k.plural}`,
        operationId: `list${k.Name}s`,
        summary: `List ${k.plural}`,
        description: k.listDescription,
        tags,
        query: k.listQuery as z.ZodType<Record<string, unknown>>,
        responses: { 200: { description: 'A page', schema: page(k.schema) } },
      },
      async ({ query }) => k.list(query as never),
    );
    defineRoute(
      app,
      {
        method: 'GET',
        url: `/${k.plural}/:id`,
        operationId: `get${k.Name}`,
        summary: `Get an ${k.type}`,
        tags,
        params: idParams,
        responses: { 200: { description: `The ${k.type}`, schema: k.schema, headers: ETAG }, ...NOT_FOUND },
      },
      async ({ params }, _req, reply) => {
        const obj = await k.get(params.id);
        return reply.header('etag', etag(obj.version)).send(obj);
      },
    );
    defineRoute(
      app,
      {
        method: 'PATCH',
        url: `/${k.plural}/:id`,
        operationId: `update${k.Name}`,
        summary: `Change some fields of an ${k.type}`,
        tags,
        params: idParams,
        body: k.patchBody as z.ZodType<Record<string, unknown>>,
        headers: IF_MATCH,
        responses: { 200: { description: 'Updated', schema: k.schema, headers: ETAG }, ...NOT_FOUND, ...WRITE_ERRORS },
      },
      async ({ params, body }, req, reply) => {
        const w = writeOptions(req);
        const before = await k.get(params.id);
        const obj = await k.update(params.id, body as never, w);
        await audit(req, `${k.type}.update`, { type: k.type, id: obj.id }, { ...(await directoryAuditDetail(d, before, obj)), fields: fieldsOf(body), version: obj.version });
        return reply.header('etag', etag(obj.version)).send(obj);
      },
    );
    defineRoute(
      app,
      {
        method: 'DELETE',
        url: `/${k.plural}/:id`,
        operationId: `delete${k.Name}`,
        summary: k.type === 'organization' ? 'Delete an organization without children or accounts' : 'Delete an account',
        tags,
        params: idParams,
        headers: IF_MATCH,
        responses: { 204: { description: 'Deleted' }, ...NOT_FOUND, ...WRITE_ERRORS },
      },
      async ({ params }, req, reply) => {
        const w = writeOptions(req);
        const { changes: _, ...named } = await directoryAuditDetail(d, await k.get(params.id), null);
        await k.remove(params.id, w);
        await audit(req, `${k.type}.delete`, { type: k.type, id: params.id }, named);
        return reply.code(204).send();
      },
    );
    for (const [verb, value] of [['disable', 'disabled'], ['enable', 'enabled']] as const) {
      defineRoute(
        app,
        {
          method: 'POST',
          url: `/${k.plural}/:id/${verb}`,
          operationId: `${verb}${k.Name}`,
          summary: `${verb === 'disable' ? 'Disable' : 'Enable'} an ${k.type}`,
          tags,
          params: idParams,
          headers: IF_MATCH,
          responses: { 200: { description: 'The updated object', schema: k.schema, headers: ETAG }, ...NOT_FOUND, ...WRITE_ERRORS },
        },
        async ({ params }, req, reply) => {
          const w = writeOptions(req);
          const before = await k.get(params.id);
          const obj = await k.setStatus(params.id, value, w);
          await audit(req, `${k.type}.${verb}`, { type: k.type, id: obj.id }, { ...(await directoryAuditDetail(d, before, obj)), version: obj.version });
          return reply.header('etag', etag(obj.version)).send(obj);
        },
      );
    }
  }

  await directoryIoRoutes(app, { directory: d });

  // ---------------------------------------------------------------- change feed
  defineRoute(
    app,
    {
      method: 'GET',
      url: '/changes',
      operationId: 'listChanges',
      summary: 'Read the directory change feed',
      description: 'Changes after the sequence number `after` (default 0), oldest first. Pass `nextCursor` as `after` to continue.',
      tags: ['directory'],
      query: changesQuery,
      responses: { 200: { description: 'Changes', schema: z.object({ items: z.array(change), nextCursor: z.number().int() }) } },
    },
    async ({ query }) => {
      const after = query.after ?? 0;
      const items = await d.changesSince(after, query.limit ?? 1000);
      return { items, nextCursor: items.length > 0 ? items[items.length - 1]!.seq : after };
    },
  );
}
