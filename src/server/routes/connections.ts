// /api/v1/connections: the WeCom companies to sync into (what `wecom-sync connection …` does).
//   GET    /connections             list (viewer)
//   POST   /connections             create (admin) → 201, Location, ETag
//   GET    /connections/:name       get by name or id (viewer), ETag = version
//   PATCH  /connections/:name       partial update (admin); null clears optional fields; If-Match: "<version>" optional
//   DELETE /connections/:name       delete with its stored secrets (admin) → 204
//   POST   /connections/:name/test  ask WeCom the questions a first sync depends on (admin) → the test result
// Secrets go in (secret, proxyPassword) and never come out: responses say hasSecret /
// hasProxyPassword only, audit entries list the names of the fields set, never their values.
// Errors: schema problems 400; field problems (ConnectionValidationError) 422 with errors:[{field,message}];
// unknown connection 404; version mismatch (If-Match) 409.
// The demo (src/demo, /api/v1/demo): its connection carries `demo: true` and is removed with the demo,
// not here (409); while it is active, a connection whose scope would take in the sample company
// (the whole directory, or one of its organizations) is refused (409), so sample people never reach a real WeCom.
import { fieldError } from '../../domain/common.js';
import { coded } from '../../messages/index.js';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type Connections, type SecretField, testConnection, type TestConnectionOptions } from '../../connections/index.js';
import type { DemoScopeConflict } from '../../demo/state.js';
import { type Connection, type ConnectionPatch, connectionBudget, corpIdAdvice } from '../../domain/connection.js';
import type { CodedText } from '../../messages/index.js';
import { type AuditValue, type FieldChange, diffFields, fieldChange } from '../../audit/index.js';
import type { Directory } from '../../directory/directory.js';
import { effectiveDefinition } from '../../sync/stages/mapping.js';
import { audit } from '../audit.js';
import { ProblemError, problem } from '../problem.js';
import { defineRoute } from '../route.js';
import { explanation, text } from './schemas.js';

// ------------------------------------------------------------------ schemas

const extattr = z.object({ name: z.string(), type: z.enum(['text', 'web']), expression: z.string().optional() });
const policiesInput = z.strictObject({
  onAccountDeleted: z.enum(['delete', 'disable', 'ignore']).optional(),
  onAccountDisabled: z.enum(['disable', 'delete']).optional(),
  onOrganizationDeleted: z.enum(['delete', 'keep']).optional(),
  safety: z.strictObject({ maxDeletes: z.number().optional(), maxDeletePercent: z.number().optional() }).optional(),
});
const scopeInput = z.strictObject({ organizationRoots: z.array(z.string()).optional() });
const proxiesInput = z
  .union([z.array(z.string()), z.string()])
  .describe('`host:port` (HTTP CONNECT) or `https://host:port` (a proxy reached over TLS) list, or one comma-separated string; [] or "" = direct');
const budgetWindow = z.object({ count: z.number().int(), windowMs: z.number() });
const rateBudgetInput = z
  .union([z.array(budgetWindow), z.string()])
  .describe('advanced: WeCom\'s per-API budget for the company, windows or text such as "200/1s,2000/30s"; null = the documented 10000/60s and 150000/1h');
const rateShareInput = z.number().describe('the share (%, above 0, at most 100) of the budget this connection may use; default 100');
const proxyCaInput = z.string().nullable().describe('CA (PEM) trusted for the certificates of https:// proxies');

const createBody = z.strictObject({
  name: z.string(),
  corpId: z.string().describe('the company ID (corpid)'),
  secret: z.string().describe('the address-book sync secret; stored encrypted, never returned'),
  rootDepartmentId: z.number(),
  defaultDepartmentId: z.number().nullable().optional(),
  extattrs: z.array(extattr).optional(),
  proxies: proxiesInput.optional(),
  proxyUsername: z.string().nullable().optional(),
  proxyPassword: z.string().nullable().optional().describe('stored encrypted, never returned'),
  proxyCaPem: proxyCaInput.optional(),
  apiBase: z.string().optional().describe('default https://qyapi.weixin.qq.com'),
  caPem: z.string().nullable().optional().describe('extra CA (PEM) trusted for the API base'),
  rateBudget: rateBudgetInput.nullable().optional(),
  rateSharePercent: rateShareInput.optional(),
  scope: scopeInput.optional(),
  policies: policiesInput.optional(),
});
const patchBody = z.strictObject({
  name: z.string().optional(),
  corpId: z.string().optional(),
  secret: z.string().optional(),
  rootDepartmentId: z.number().optional(),
  defaultDepartmentId: z.number().nullable().optional(),
  extattrs: z.array(extattr).optional(),
  proxies: proxiesInput.nullable().optional().describe('null or [] = direct'),
  proxyUsername: z.string().nullable().optional(),
  proxyPassword: z.string().nullable().optional(),
  proxyCaPem: proxyCaInput.optional(),
  apiBase: z.string().nullable().optional().describe('null = the default'),
  caPem: z.string().nullable().optional(),
  rateBudget: rateBudgetInput.nullable().optional(),
  rateSharePercent: rateShareInput.optional(),
  scope: scopeInput.nullable().optional().describe('null = the whole directory'),
  policies: policiesInput.optional(),
});

const connectionSchema = z.object({
  id: z.string(),
  name: z.string(),
  corpId: z.string(),
  rootDepartmentId: z.number().int(),
  defaultDepartmentId: z.number().int().nullable(),
  extattrs: z.array(extattr),
  proxies: z.array(z.string()),
  proxyUsername: z.string().nullable(),
  proxyCaPem: z.string().nullable(),
  apiBase: z.string(),
  caPem: z.string().nullable(),
  rateBudget: z.array(budgetWindow).nullable().describe("the budget override; null = WeCom's documented 10000/60s and 150000/1h"),
  rateSharePercent: z.number(),
  effectiveRateBudget: z.array(budgetWindow).describe('the per-API budget the connection keeps: the override or the documented windows, times the share'),
  scope: z.object({ organizationRoots: z.array(z.string()) }),
  policies: z.object({
    onAccountDeleted: z.string(),
    onAccountDisabled: z.string(),
    onOrganizationDeleted: z.string(),
    safety: z.object({ maxDeletes: z.number(), maxDeletePercent: z.number() }),
  }),
  hasSecret: z.boolean(),
  hasProxyPassword: z.boolean(),
  unreadableSecrets: z
    .array(z.enum(['secret', 'proxyPassword']))
    .describe("stored secrets this service's secret key cannot decrypt (the key was lost or changed): the connection fails until they are entered again"),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  demo: z.boolean().describe('the connection of the first-start demo (sample company, built-in simulator): remove it with DELETE /api/v1/demo'),
  warnings: z.array(z.string()).optional().describe('advice that did not block saving (create/update), in English'),
  warningTexts: z.array(text).optional().describe('the same advice, each as a code with parameters (in `warnings`\' order), for a client to word in its language'),
}).meta({ id: 'Connection' });
const testResultSchema = z.object({
  ok: z.boolean().describe('false when any check failed'),
  checks: z.array(
    z.object({
      name: z.enum(['token', 'root-department', 'department-ids', 'member-ids', 'member-details']),
      status: z.enum(['ok', 'failed', 'warning', 'skipped']),
      message: explanation.describe("the verdict in English and Chinese: the note's text, then the errcode's explanation"),
      note: text.describe('the verdict as a code (`test.*`) with params; `detail` and `failed` are the network\'s own words (data, not translated)'),
      explanation: explanation.optional().describe("what WeCom's errcode means, said after the note"),
      errcode: z.number().optional(),
      route: z.string().optional(),
      egressIp: z.string().optional(),
    }),
  ),
  route: z.string().nullable(),
  egressIp: z.string().nullable(),
  routes: z.array(z.object({ route: z.string(), healthy: z.boolean(), lastError: z.string().nullable(), egressIp: z.string().nullable() })),
}).meta({ id: 'ConnectionTestResult' });
export const nameParams = z.strictObject({ name: z.string().min(1).max(100).describe('connection name (case-insensitive) or id') });

// ------------------------------------------------------------------ helpers

/** The public view: exactly the documented fields (the mapping definition and anything secret stay out). */
function publicConnection(c: Connection, warnings?: CodedText[], demo = false, unreadableSecrets: SecretField[] = []): z.output<typeof connectionSchema> {
  return {
    id: c.id,
    name: c.name,
    corpId: c.corpId,
    rootDepartmentId: c.rootDepartmentId,
    defaultDepartmentId: c.defaultDepartmentId,
    extattrs: c.extattrs,
    proxies: c.proxies,
    proxyUsername: c.proxyUsername,
    proxyCaPem: c.proxyCaPem,
    apiBase: c.apiBase,
    caPem: c.caPem,
    rateBudget: c.rateBudget,
    rateSharePercent: c.rateSharePercent,
    effectiveRateBudget: connectionBudget(c),
    scope: c.scope,
    policies: c.policies,
    hasSecret: c.hasSecret,
    hasProxyPassword: c.hasProxyPassword,
    unreadableSecrets,
    version: c.version,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    demo,
    ...(warnings ? { warnings: warnings.map((w) => w.message), warningTexts: warnings.map(({ code, params }) => (params ? { code, params } : { code })) } : {}),
  };
}

function expectedVersion(req: FastifyRequest): number | undefined {
  const h = req.headers['if-match'];
  if (h === undefined) return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(String(h).trim());
  if (!m) throw new ProblemError(problem(400, coded('error.if-match'), [fieldError('If-Match', 'invalid.not-version')]));
  return Number(m[1]);
}

const etag = (v: number): string => `"${v}"`;
const target = (c: Pick<Connection, 'id'>) => ({ type: 'connection', id: c.id });

/** What the connection routes need to know about the first-start demo (src/demo). */
export interface DemoGuard {
  /** The demo's connection id, or null when no demo is active. */
  connectionId(): Promise<string | null>;
  /**
   * Why a connection (null: a new one) that syncs these scope roots ([] = the whole directory) may
   * not be saved while the demo is active, or null: a real connection would sync the sample company
   * into a real WeCom; the demo's would send real objects to its simulator.
   */
  scopeConflict(organizationRoots: readonly string[], connectionId: string | null): Promise<DemoScopeConflict | null>;
}

/** The 409 of a scope the active demo forbids: type `demo-active`, the conflict's code and params for the console to word. */
export function demoScopeProblem(c: DemoScopeConflict): ProblemError {
  return new ProblemError({ ...problem(409, c.message, [{ field: 'scope.organizationRoots', message: c.message }], 'demo-active'), code: c.code, params: c.params });
}

interface ConnectionRoutesOptions {
  connections: Connections;
  /** Client overrides for the connection test (tests: fewer retries). */
  testOptions?: TestConnectionOptions;
  /** The demo: its connection is flagged `demo`, cannot be deleted here, and real connections may not include its sample company. */
  demo?: DemoGuard;
  /** Names the scope's organizations (by path) in the audit log; without it they are recorded by id. */
  directory?: Directory;
}

/** Not compared in the audit log: bookkeeping, and the mapping (its own routes audit it). */
const NOT_AUDITED = ['id', 'version', 'createdAt', 'updatedAt', 'hasSecret', 'hasProxyPassword', 'mapping'];

/**
 * What a create or an update changed, for the audit log: field by field, the scope's organizations
 * by path; a new secret or proxy password is recorded as changed, never its value.
 */
async function connectionChanges(before: Connection | null, after: Connection, secrets: { secret?: unknown; proxyPassword?: unknown }, directory?: Directory): Promise<FieldChange[]> {
  const roots = [...(before?.scope.organizationRoots ?? []), ...after.scope.organizationRoots];
  const names = directory && roots.length > 0 ? await directory.namesOf({ organizations: roots, accounts: [] }) : new Map<string, { name: string; path?: string }>();
  const name = (field: string, v: AuditValue): AuditValue =>
    field === 'scope.organizationRoots' && Array.isArray(v) ? v.map((id) => (typeof id === 'string' ? (names.get(id)?.path ?? id) : id)) : v;
  const changes = diffFields(before as unknown as Record<string, unknown> | null, after as unknown as Record<string, unknown>, { ignore: NOT_AUDITED, whole: ['rateBudget'], name });
  for (const field of ['secret', 'proxyPassword'] as const) if (secrets[field] !== undefined) changes.push(fieldChange(field, null, null));
  return changes;
}

const problems404 = { 404: { description: 'No such connection' } };
const problems422 = { 422: { description: 'A field is invalid: `errors` lists them ({field, message})' } };

export function connectionRoutes(opts: ConnectionRoutesOptions): FastifyPluginAsync {
  const connections = opts.connections;
  const demoId = async (): Promise<string | null> => (opts.demo ? opts.demo.connectionId() : null);
  const unreadableOf = async (c: Connection): Promise<SecretField[]> => (await connections.unreadableSecrets(c.id))[0]?.fields ?? [];
  const refuseDemoScope = async (roots: readonly string[], connectionId: string | null): Promise<void> => {
    const why = opts.demo ? await opts.demo.scopeConflict(roots, connectionId) : null;
    if (why) throw demoScopeProblem(why);
  };
  return async (app: FastifyInstance) => {
    defineRoute(
      app,
      {
        method: 'GET',
        url: '/connections',
        operationId: 'listConnections',
        summary: 'List connections',
        tags: ['connections'],
        access: 'viewer',
        responses: { 200: { description: 'Every connection, by name; secrets never included', schema: z.object({ items: z.array(connectionSchema) }) } },
      },
      async () => {
        const demo = await demoId();
        const unreadable = new Map((await connections.unreadableSecrets()).map((u) => [u.id, u.fields]));
        return { items: (await connections.list()).map((c) => publicConnection(c, undefined, c.id === demo, unreadable.get(c.id))) };
      },
    );

    defineRoute(
      app,
      {
        method: 'POST',
        url: '/connections',
        operationId: 'createConnection',
        summary: 'Create a connection',
        description: 'The secret and proxy password are stored encrypted and never returned (`hasSecret`, `hasProxyPassword`).',
        tags: ['connections'],
        access: 'admin',
        body: createBody,
        responses: {
          201: { description: 'Created', schema: connectionSchema, headers: { Location: 'the new connection', ETag: 'its version' } },
          409: {
            description:
              'The demo is active and this connection would sync its sample company (scope: the whole directory or a sample organization): ' +
              'type `demo-active`, `code` `demo-active.whole-directory` or `demo-active.sample-organization` (params: company, organizationId)',
          },
          ...problems422,
        },
      },
      async ({ body }, req, reply) => {
        await refuseDemoScope(body.scope?.organizationRoots ?? [], null);
        const c = await connections.create(body);
        await audit(req, 'connection.create', target(c), { name: c.name, corpId: c.corpId, fields: Object.keys(body), changes: await connectionChanges(null, c, body, opts.directory) });
        return reply.code(201).header('location', `${app.prefix}/connections/${encodeURIComponent(c.name)}`).header('etag', etag(c.version)).send(publicConnection(c, corpIdAdvice(c.corpId)));
      },
    );

    defineRoute(
      app,
      {
        method: 'GET',
        url: '/connections/:name',
        operationId: 'getConnection',
        summary: 'Get a connection',
        tags: ['connections'],
        access: 'viewer',
        params: nameParams,
        responses: { 200: { description: 'The connection', schema: connectionSchema, headers: { ETag: 'its version' } }, ...problems404 },
      },
      async ({ params }, _req, reply) => {
        const c = await connections.get(params.name);
        return reply.header('etag', etag(c.version)).send(publicConnection(c, undefined, c.id === (await demoId()), await unreadableOf(c)));
      },
    );

    defineRoute(
      app,
      {
        method: 'PATCH',
        url: '/connections/:name',
        operationId: 'updateConnection',
        summary: 'Change a connection',
        description: 'Fields absent keep their value; `null` clears an optional field. A new `secret` replaces the stored one.',
        tags: ['connections'],
        access: 'admin',
        params: nameParams,
        body: patchBody,
        headers: [{ name: 'If-Match', description: 'the version ETag read before (optional); a different stored version answers 409' }],
        responses: {
          200: { description: 'Updated', schema: connectionSchema, headers: { ETag: 'the new version' } },
          ...problems404,
          409: { description: 'Changed meanwhile (If-Match), or the new scope would sync the active demo\'s sample company' },
          ...problems422,
        },
      },
      async ({ params, body }, req, reply) => {
        const version = expectedVersion(req);
        const demo = await demoId();
        if (body.scope !== undefined && demo !== null) {
          // the scope the sync would use: the mapping's own roots win over the connection's (effectiveDefinition)
          const before = await connections.get(params.name);
          const roots = effectiveDefinition({ ...before, scope: { organizationRoots: body.scope?.organizationRoots ?? [] } }).scope.organizationRoots ?? [];
          await refuseDemoScope(roots, before.id);
        }
        const patch: ConnectionPatch = {};
        for (const [k, v] of Object.entries(body)) {
          if (v === undefined) continue;
          // null clears: the service takes null for the nullable fields, these three mean "back to the default"
          if (v === null && k === 'proxies') patch.proxies = [];
          else if (v === null && k === 'apiBase') patch.apiBase = 'https://qyapi.weixin.qq.com';
          else if (v === null && k === 'scope') patch.scope = { organizationRoots: [] };
          else (patch as Record<string, unknown>)[k] = v;
        }
        const previous = await connections.get(params.name);
        const c = await connections.update(params.name, patch, version !== undefined ? { expectedVersion: version } : {});
        await audit(req, 'connection.update', target(c), { name: c.name, fields: Object.keys(patch), version: c.version, changes: await connectionChanges(previous, c, patch, opts.directory) });
        return reply.header('etag', etag(c.version)).send(publicConnection(c, patch.corpId !== undefined ? corpIdAdvice(c.corpId) : undefined, c.id === demo, await unreadableOf(c)));
      },
    );

    defineRoute(
      app,
      {
        method: 'DELETE',
        url: '/connections/:name',
        operationId: 'deleteConnection',
        summary: 'Delete a connection and its stored secrets',
        tags: ['connections'],
        access: 'admin',
        params: nameParams,
        responses: { 204: { description: 'Deleted' }, ...problems404, 409: { description: "The demo's connection: remove the demo instead (DELETE /api/v1/demo)" } },
      },
      async ({ params }, req, reply) => {
        const c = await connections.get(params.name);
        if (c.id === (await demoId()))
          throw new ProblemError(problem(409, coded('error.demo-connection', { name: c.name }), [], 'demo-connection'));
        await connections.delete(c.id);
        await audit(req, 'connection.delete', target(c), { name: c.name });
        return reply.code(204).send();
      },
    );

    defineRoute(
      app,
      {
        method: 'POST',
        url: '/connections/:name/test',
        operationId: 'testConnection',
        summary: 'Test a connection against WeCom',
        description:
          'Gets a token and reads the root department, department ids, member ids and a member detail, explaining each answer in plain words (en/zh). ' +
          '200 whatever WeCom answered: `ok` is false when a check failed.',
        tags: ['connections'],
        access: 'admin',
        params: nameParams,
        responses: {
          200: { description: 'The checks', schema: testResultSchema },
          ...problems404,
          409: { description: 'A stored secret cannot be decrypted with the secret key (it was lost or changed): enter it again' },
        },
      },
      async ({ params }, req) => {
        const c = await connections.get(params.name);
        const options = await connections.clientOptions(c.id);
        const result = await testConnection(options, c, opts.testOptions ?? {});
        await audit(req, 'connection.test', target(c), { name: c.name, ok: result.ok, checks: result.checks.map((x) => `${x.name}:${x.status}`) });
        return result;
      },
    );
  };
}
