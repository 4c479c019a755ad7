// /api/v1/sources: directory sources the service pulls from (LDAP / Active Directory).
//   GET  /sources                      the sources, with what each owns and its last pull
//   POST /sources {name, kind, …}      → 201: stores it (bind password encrypted) after testing the bind; does not pull
//   GET  /sources/:name                one source and its recent pulls
//   PATCH /sources/:name {…}           change settings and/or the password (the bind tested again)
//   DELETE /sources/:name              delete it (what it imported stays in the directory)
//   POST /sources/:name/test           bind and count what the filters match
//   POST /sources/:name/pull {full?, approve?}  pull now → the partition and the skipped entries;
//                                       409 source-pull-held (nothing applied) over the safety threshold
// The bind password is write-only: no answer contains it.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FLAVORS, type SourceView, type Sources } from '../../connectors/ldap/index.js';
import { audit } from '../audit.js';
import { defineRoute } from '../route.js';

const tags = ['sources'];
const nameParams = z.strictObject({ name: z.string().min(1).max(40) });

const safetySchema = z.object({
  maxFraction: z.number().min(0).max(1).describe('a pull may delete or disable this fraction of the accounts the source owns …'),
  minimum: z.number().int().min(0).describe('… or this many, whichever is more; beyond that it is held for approval'),
});

const createBody = z.strictObject({
  name: z.string().min(1).max(40).describe('lower-case letters, digits and -'),
  kind: z.literal('ldap'),
  url: z.string().describe('ldap://host[:port] or ldaps://host[:port]'),
  startTls: z.boolean().optional().describe('upgrade ldap:// with StartTLS before binding'),
  ca: z.string().optional().describe('PEM of the CA of the server certificate (ldaps:// or StartTLS)'),
  bindDn: z.string().optional().describe('default: anonymous'),
  bindPassword: z.string().optional().describe('stored encrypted; never returned'),
  baseDn: z.string().min(1),
  userFilter: z.string().optional(),
  orgFilter: z.string().optional(),
  flavor: z.enum(FLAVORS).optional().describe('default: detected from the root DSE'),
  parentOrganizationId: z.string().optional().describe('the top organizational units (and entries outside every OU) go under this organization'),
  fields: z.record(z.string(), z.string()).optional().describe('account fields as expressions over the entry (username, displayName, mobile, email, telephone, title, employeeNumber)'),
  intervalMinutes: z.number().int().min(1).max(10_080).optional().describe('pull every this many minutes while the service runs'),
  safety: safetySchema.optional(),
});

const updateBody = createBody
  .omit({ name: true, kind: true })
  .partial()
  .extend({
    bindPassword: z.string().nullable().optional().describe('a new password (stored encrypted); null = bind anonymously; absent = keep'),
    userFilter: z.string().nullable().optional().describe('null: the flavour\'s default'),
    orgFilter: z.string().nullable().optional(),
    ca: z.string().nullable().optional(),
    parentOrganizationId: z.string().nullable().optional(),
    intervalMinutes: z.number().int().min(1).max(10_080).nullable().optional().describe('null: only on demand'),
  })
  .strict();

const counters = z.object({
  organizations: z.object({ created: z.number().int(), updated: z.number().int(), deleted: z.number().int(), unchanged: z.number().int() }),
  accounts: z.object({ created: z.number().int(), updated: z.number().int(), disabled: z.number().int(), deleted: z.number().int(), unchanged: z.number().int() }),
});
const entryError = z
  .object({
    dn: z.string(),
    message: z.string().describe('in English'),
    code: z.string().optional().describe('the message as a catalogue code (`row.ldap-*`, `invalid.*`, `error.*`), for saying it in another language'),
    params: z.record(z.string(), z.unknown()).optional().describe("the code's parameters: values, or clauses (a code with params)"),
  })
  .meta({ id: 'SourceEntryError' });
const pullResult = counters.extend({ mode: z.enum(['full', 'delta']), errors: z.array(entryError).describe('entries skipped (every other entry was imported)') }).meta({ id: 'SourcePullResult' });
const pullRecord = z
  .object({
    id: z.string(),
    mode: z.string(),
    status: z.enum(['ok', 'errors', 'held', 'failed']),
    startedAt: z.string(),
    finishedAt: z.string(),
    result: z.record(z.string(), z.unknown()).describe('the counters and errors, or the message of a held or failed pull (with its `code` and `params` when it has them)'),
  })
  .meta({ id: 'SourcePull' });
const sourceSchema = z
  .object({
    name: z.string(),
    kind: z.literal('ldap'),
    flavor: z.enum(FLAVORS),
    url: z.string(),
    startTls: z.boolean(),
    hasCa: z.boolean(),
    bindDn: z.string(),
    hasPassword: z.boolean().describe('whether a bind password is stored (it is never shown)'),
    baseDn: z.string(),
    userFilter: z.string().nullable().describe('null: the flavour\'s default'),
    orgFilter: z.string().nullable(),
    parentOrganizationId: z.string().nullable(),
    fields: z.record(z.string(), z.string()),
    intervalMinutes: z.number().int().nullable(),
    safety: safetySchema,
    owned: z.object({ organizations: z.number().int(), accounts: z.number().int() }),
    lastPull: pullRecord.nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Source' });
const testResult = z
  .object({
    ok: z.boolean(),
    flavor: z.enum(FLAVORS).nullable(),
    message: z.string().describe('what the bind and the counts found, or what failed (English)'),
    code: z.string().optional().describe("a failure's message code (src/messages), for a client to word it in its language"),
    params: z.record(z.string(), z.unknown()).optional().describe('its parameters'),
    users: z.number().int().nullable(),
    organizations: z.number().int().nullable(),
  })
  .meta({ id: 'SourceTest' });

const show = (v: SourceView) => ({
  name: v.name,
  kind: v.kind,
  flavor: v.settings.flavor,
  url: v.settings.url,
  startTls: v.settings.startTls,
  hasCa: v.settings.ca !== null,
  bindDn: v.settings.bindDn,
  hasPassword: v.hasPassword,
  baseDn: v.settings.baseDn,
  userFilter: v.settings.userFilter,
  orgFilter: v.settings.orgFilter,
  parentOrganizationId: v.settings.parentOrganizationId,
  fields: Object.fromEntries(Object.entries(v.settings.fields).filter((e): e is [string, string] => typeof e[1] === 'string')),
  intervalMinutes: v.settings.intervalMinutes,
  safety: v.settings.safety,
  owned: v.owned,
  lastPull: v.lastPull as z.output<typeof pullRecord> | null,
  createdAt: v.createdAt,
});

export function sourceRoutes(sources: Sources, opts: { onWrite?: () => void } = {}) {
  return async (app: FastifyInstance): Promise<void> => {
    defineRoute(
      app,
      { method: 'GET', url: '/sources', operationId: 'listSources', summary: 'List directory sources', tags, responses: { 200: { description: 'The sources, by name', schema: z.object({ items: z.array(sourceSchema) }) } } },
      async () => ({ items: (await sources.list()).map(show) }),
    );

    defineRoute(
      app,
      {
        method: 'POST',
        url: '/sources',
        operationId: 'createSource',
        summary: 'Create a directory source',
        description: 'Tests the bind (502 source-unreachable when it fails) and stores the source; does not pull. The bind password is stored encrypted and never returned.',
        tags,
        body: createBody,
        responses: {
          201: { description: 'Created', schema: sourceSchema },
          409: { description: 'A source with this name exists' },
          422: { description: 'Invalid settings; `errors` names the fields' },
          502: { description: 'The server could not be reached, or refused TLS or the bind' },
        },
      },
      async ({ body }, req, reply) => {
        const { name, kind: _kind, bindPassword, ...settings } = body;
        const v = await sources.create(name, { ...settings, fields: settings.fields ?? {} }, bindPassword ?? null);
        await audit(req, 'source.create', { type: 'source', id: v.name }, { url: v.settings.url, baseDn: v.settings.baseDn, bindDn: v.settings.bindDn });
        return reply.code(201).send(show(v));
      },
    );

    defineRoute(
      app,
      {
        method: 'GET',
        url: '/sources/:name',
        operationId: 'getSource',
        summary: 'Get a directory source and its recent pulls',
        tags,
        params: nameParams,
        responses: { 200: { description: 'The source', schema: sourceSchema.extend({ pulls: z.array(pullRecord).describe('the latest 20, newest first') }) }, 404: { description: 'No such source' } },
      },
      async ({ params }) => {
        const v = await sources.show(params.name);
        return { ...show(v), pulls: (await sources.pulls(v.id)) as Array<z.output<typeof pullRecord>> };
      },
    );

    defineRoute(
      app,
      {
        method: 'PATCH',
        url: '/sources/:name',
        operationId: 'updateSource',
        summary: 'Change a directory source',
        description: 'Only what is given changes; the bind is tested with the result before it is stored. A new server, base DN, user filter or flavour makes the next pull a full pass.',
        tags,
        params: nameParams,
        body: updateBody,
        responses: {
          200: { description: 'Updated', schema: sourceSchema },
          404: { description: 'No such source' },
          422: { description: 'Invalid settings' },
          502: { description: 'The server could not be reached, or refused TLS or the bind' },
        },
      },
      async ({ params, body }, req) => {
        const { bindPassword, ...rest } = body;
        const patch = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
        const v = await sources.update(params.name, patch, bindPassword);
        await audit(req, 'source.update', { type: 'source', id: v.name }, { fields: Object.keys(body).sort() });
        return show(v);
      },
    );

    defineRoute(
      app,
      {
        method: 'DELETE',
        url: '/sources/:name',
        operationId: 'deleteSource',
        summary: 'Delete a directory source',
        description: 'Its links and pull records go; the organizations and accounts it imported stay in the directory, owned by no source.',
        tags,
        params: nameParams,
        responses: { 204: { description: 'Deleted' }, 404: { description: 'No such source' } },
      },
      async ({ params }, req, reply) => {
        await sources.remove(params.name);
        await audit(req, 'source.delete', { type: 'source', id: params.name });
        return reply.code(204).send();
      },
    );

    defineRoute(
      app,
      {
        method: 'POST',
        url: '/sources/:name/test',
        operationId: 'testSource',
        summary: 'Bind to the server and count what the filters match',
        tags,
        params: nameParams,
        responses: { 200: { description: 'The outcome (ok false with the reason when the server failed)', schema: testResult }, 404: { description: 'No such source' } },
      },
      async ({ params }) => sources.test(params.name),
    );

    defineRoute(
      app,
      {
        method: 'POST',
        url: '/sources/:name/pull',
        operationId: 'pullSource',
        summary: 'Pull a directory source now',
        description: 'A delta since the last pull (deletions are always found), or a full pass with `full`. Bad entries are skipped and listed; every other entry is imported.',
        tags,
        params: nameParams,
        body: z.strictObject({ full: z.boolean().optional(), approve: z.boolean().optional().describe('apply even over the safety threshold') }).optional(),
        responses: {
          200: { description: 'Pulled', schema: pullResult },
          404: { description: 'No such source' },
          409: { description: 'source-pull-held: over the safety threshold, nothing applied (pull again with approve); or source-pull-busy' },
          502: { description: 'The server could not be reached or searched' },
        },
      },
      async ({ params, body }, req) => {
        const r = await sources.pull(params.name, { full: body?.full === true, approve: body?.approve === true });
        opts.onWrite?.();
        await audit(req, 'source.pull', { type: 'source', id: params.name }, { mode: r.mode, approve: body?.approve === true, accounts: r.accounts, organizations: r.organizations, errors: r.errors.length });
        return r;
      },
    );
  };
}
