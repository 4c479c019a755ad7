// /api/v1/connections/:name/mapping: the connection's mapping definition (the console's mapping editor).
//   GET  /connections/:name/mapping           the stored definition, or the default one (viewer)
//   PUT  /connections/:name/mapping           replace it; {definition: null} resets to the default (admin)
//   POST /connections/:name/mapping/preview   one account's member under a draft or the stored definition (viewer)
// The definition is stored on the connection (Connection.mapping; null = the default), so saving
// bumps the connection's version: the SyncService recompiles its mapping per connection version,
// and the next plan, run or incremental sync uses the new definition.
// Errors: a definition that does not compile → 422 with errors:[{field: 'members.mobile', message}]
// (expression errors carry the position and the pointer in the message); unknown connection or
// account 404; a stale If-Match 409.
import { fieldError } from '../../domain/common.js';
import { coded } from '../../messages/index.js';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Connections } from '../../connections/index.js';
import type { Directory } from '../../directory/directory.js';
import type { Account } from '../../domain/account.js';
import type { Connection } from '../../domain/connection.js';
import {
  type CompiledMapping,
  type DefinitionError,
  type MappingDefinition,
  compileMapping,
  defaultMappingDefinition,
  previewAccount,
} from '../../mapping/definitions/index.js';
import { MappingConfigError, effectiveDefinition } from '../../sync/stages/mapping.js';
import { audit, writesNothing } from '../audit.js';
import { ProblemError, problem } from '../problem.js';
import { defineRoute } from '../route.js';
import { type DemoGuard, demoScopeProblem, nameParams } from './connections.js';
import { wecomMemberFields } from './schemas.js';

// ------------------------------------------------------------------ schemas

const expression = z.string().describe('an expression of the mapping language');
const mappingDefinitionSchema = z
  .object({
    version: z.literal(1),
    departments: z.object({ name: expression, name_en: expression.optional(), order: expression.optional(), id: expression.optional() }),
    members: z.object({
      userid: expression,
      name: expression,
      alias: expression.optional(),
      mobile: expression.optional(),
      email: expression.optional(),
      biz_mail: expression.optional(),
      telephone: expression.optional(),
      position: expression.optional(),
      gender: expression.optional(),
      enable: expression.optional(),
      address: expression.optional(),
      external_position: expression.optional(),
      to_invite: expression.optional(),
    }),
    affiliation: z.object({ mode: z.enum(['all-organizations', 'primary-only']), leaderExpression: expression.optional(), directLeader: z.enum(['manager', 'none']).optional() }),
    extattrs: z.array(
      z.union([
        z.object({ name: z.string(), type: z.literal('text'), value: expression }),
        z.object({ name: z.string(), type: z.literal('web'), url: expression, title: expression }),
      ]),
    ),
    scope: z.object({
      organizationRoots: z.array(z.string()).optional(),
      organizationFilter: expression.optional(),
      accountFilter: expression.optional(),
      includeDisabledAccounts: z.boolean().optional(),
    }),
    matching: z.object({ members: z.array(z.enum(['userid', 'mobile', 'email'])), departments: z.enum(['id', 'name-path', 'none']) }),
  })
  .meta({ id: 'MappingDefinition', description: 'A mapping definition (src/mapping/definitions/README.md)' });

/** Input definitions are checked by compileMapping (422 with the exact field paths), not by the schema. */
const definitionInput = z.record(z.string(), z.unknown()).describe('a mapping definition (see the response schema); checked on save: 422 names each faulty field');

const mappingView = z.object({
  definition: mappingDefinitionSchema,
  isDefault: z.boolean().describe('true when the connection has no definition of its own (the default is shown)'),
  version: z.number().int().describe("the connection's version (ETag); saving the mapping bumps it"),
}).meta({ id: 'Mapping' });

const putBody = z.strictObject({ definition: definitionInput.nullable().describe('null = back to the default definition') });
const previewBody = z.strictObject({
  definition: definitionInput.nullable().optional().describe('an unsaved draft; absent = the stored definition, null = the default one'),
  account: z.string().min(1).max(200).describe('account id or username'),
});

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const position = z.object({ offset: z.number(), line: z.number(), column: z.number() });
const fieldPreview = z
  .union([
    z.object({ source: z.string(), value: scalar, raw: scalar }),
    z.object({ source: z.string(), absent: z.literal(true), raw: scalar }).describe('the expression gave nothing: the field is left empty'),
    z.object({ source: z.string(), error: z.object({ code: z.string(), message: z.string(), position: position.optional(), pointer: z.string().optional() }) }),
  ])
  .meta({ id: 'FieldPreview' });
const desiredMember = z
  .object({
    key: z.string().describe('the account id'),
    userid: z.string(),
    fields: wecomMemberFields,
    departmentKeys: z.array(z.string()).nullable().describe('organization ids, the main one first; null when the default department is used'),
    isLeaderIn: z.array(z.string()).optional(),
    order: z.array(z.number()).optional(),
    toInvite: z.boolean().optional(),
  })
  .meta({ id: 'DesiredMember' });
const previewSchema = z.object({
  fields: z.record(z.string(), fieldPreview).describe('definition path (`members.mobile`, `extattrs[0].value`, `scope.accountFilter`) → value or error'),
  member: desiredMember.nullable().describe('the member exactly as a sync would produce it; null when out of scope or held back'),
  inScope: z.boolean(),
  problems: z.array(z.object({ objectType: z.enum(['organization', 'account']), key: z.string(), field: z.string(), message: z.string(), code: z.string().optional(), effect: z.string() })),
  context: z.record(z.string(), z.unknown()).describe('the account as the expressions see it'),
}).meta({ id: 'MappingPreview' });

// ------------------------------------------------------------------ helpers

/**
 * Compiles a definition as the sync would use it for this connection (its extended attributes and
 * scope folded in, see effectiveDefinition); throws the 422 problem when it does not compile.
 */
function compileFor(connection: Connection, definition: unknown): CompiledMapping {
  const own = compileMapping(definition ?? defaultMappingDefinition());
  if ('errors' in own) throw new MappingConfigError(own.errors);
  const effective = compileMapping(effectiveDefinition({ ...connection, mapping: definition }));
  if ('errors' in effective) throw new MappingConfigError(effective.errors);
  return effective;
}

function expectedVersion(req: FastifyRequest): number | undefined {
  const h = req.headers['if-match'];
  if (h === undefined) return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(String(h).trim());
  if (!m) throw new ProblemError(problem(400, coded('error.if-match'), [fieldError('If-Match', 'invalid.not-version')]));
  return Number(m[1]);
}

const view = (c: Connection) => ({
  definition: (c.mapping ?? defaultMappingDefinition()) as MappingDefinition,
  isDefault: c.mapping === null || c.mapping === undefined,
  version: c.version,
});

interface MappingRoutesOptions {
  connections: Connections;
  directory: Directory;
  /** While the demo is active, a definition whose scope would mix the sample company with a real WeCom (or the reverse) is refused (409). */
  demo?: Pick<DemoGuard, 'scopeConflict'>;
  /** A definition was saved (or reset): the service's worker applies it with a full run. */
  onSaved?: (connectionId: string) => void;
}

const problems404 = { 404: { description: 'No such connection' } };
const problems422 = { 422: { description: 'The definition does not compile: `errors` lists each faulty field ({field: "members.mobile", message})' } };

export function mappingRoutes(opts: MappingRoutesOptions): FastifyPluginAsync {
  const { connections, directory } = opts;

  /** The account by id, else by username (case-insensitive); null when neither. */
  async function findAccount(idOrUsername: string): Promise<Account | null> {
    const key = idOrUsername.trim();
    return (await directory.getAccount(key)) ?? (await directory.getAccountByUsername(key)) ?? null;
  }

  return async (app: FastifyInstance) => {
    defineRoute(
      app,
      {
        method: 'GET',
        url: '/connections/:name/mapping',
        operationId: 'getMapping',
        summary: "A connection's mapping definition",
        description: 'The stored definition, or the default one (`isDefault`) when the connection has none.',
        tags: ['mapping'],
        access: 'viewer',
        params: nameParams,
        responses: { 200: { description: 'The definition', schema: mappingView, headers: { ETag: "the connection's version" } }, ...problems404 },
      },
      async ({ params }, _req, reply) => {
        const c = await connections.get(params.name);
        return reply.header('etag', `"${c.version}"`).send(view(c));
      },
    );

    defineRoute(
      app,
      {
        method: 'PUT',
        url: '/connections/:name/mapping',
        operationId: 'putMapping',
        summary: "Replace a connection's mapping definition",
        description:
          'The definition is compiled first (every expression); one that does not compile answers 422 with one error per faulty field. ' +
          '`{"definition": null}` resets to the default. The next plan or run uses the saved definition; in `serve`, the worker starts a full run of the connection at once (once it has had its first run), ' +
          'and until a full run has applied it, `GET …/status` says `mapping.pending` and the plan gives the updates it causes the reason "mapping changed".',
        tags: ['mapping'],
        access: 'admin',
        params: nameParams,
        body: putBody,
        headers: [{ name: 'If-Match', description: 'the version ETag read before (optional); a different stored version answers 409' }],
        responses: {
          200: { description: 'Saved', schema: mappingView, headers: { ETag: "the connection's new version" } },
          ...problems404,
          409: { description: "The connection changed meanwhile (If-Match), or the scope would mix the active demo's sample company with a real connection" },
          ...problems422,
        },
      },
      async ({ params, body }, req, reply) => {
        const version = expectedVersion(req);
        const current = await connections.get(params.name);
        const definition = body.definition;
        if (definition !== null) {
          compileFor(current, definition);
          await checkScopeRoots(directory, definition);
        }
        if (opts.demo) {
          const roots = effectiveDefinition({ ...current, mapping: definition }).scope.organizationRoots ?? [];
          const why = await opts.demo.scopeConflict(roots, current.id);
          if (why) throw demoScopeProblem(why);
        }
        const c = await connections.update(current.id, { mapping: definition }, version !== undefined ? { expectedVersion: version } : {});
        await audit(req, definition === null ? 'connection.mapping.reset' : 'connection.mapping.update', { type: 'connection', id: c.id }, { name: c.name, version: c.version });
        opts.onSaved?.(c.id);
        return reply.header('etag', `"${c.version}"`).send(view(c));
      },
    );

    defineRoute(
      app,
      {
        method: 'POST',
        url: '/connections/:name/mapping/preview',
        operationId: 'previewMapping',
        summary: "Preview one account's member under a mapping definition",
        description:
          'Every mapped field of the account with its value or its error (and where in the expression), the member as a sync would produce it, ' +
          'whether it is in scope, and its mapping problems. `definition` is an unsaved draft (absent: the stored definition). Nothing is stored.',
        tags: ['mapping'],
        access: 'viewer',
        params: nameParams,
        body: previewBody,
        responses: {
          200: { description: 'The preview', schema: previewSchema },
          404: { description: 'No such connection or account' },
          ...problems422,
        },
      },
      async ({ params, body }, req) => {
        writesNothing(req);
        const c = await connections.get(params.name);
        const mapping = compileFor(c, body.definition === undefined ? c.mapping : body.definition);
        const account = await findAccount(body.account);
        if (!account) throw new ProblemError(problem(404, coded('error.no-account', { account: body.account })));
        // Only the account, its manager and the organizations around theirs are read (ancestors for paths and
        // scope, their children for sibling-name collisions): the same result as over the whole directory, in
        // milliseconds on a large one.
        const manager = account.managerId ? await directory.getAccount(account.managerId) : undefined;
        const organizations = await directory.organizationsAround([...account.organizationIds, ...(manager?.organizationIds ?? [])]);
        return previewAccount(mapping, account, { organizations, accounts: manager ? [manager] : [], settings: { defaultDepartmentId: c.defaultDepartmentId } });
      },
    );
  };
}

/** Scope roots named by a definition must exist (the connection's own scope is checked the same way). */
async function checkScopeRoots(directory: Directory, definition: Record<string, unknown>): Promise<void> {
  const scope = definition.scope as { organizationRoots?: unknown } | undefined;
  const roots = Array.isArray(scope?.organizationRoots) ? (scope.organizationRoots as unknown[]) : [];
  const errors: DefinitionError[] = [];
  for (const [i, id] of roots.entries()) {
    if (typeof id === 'string' && !(await directory.getOrganization(id)))
      errors.push({ path: `scope.organizationRoots[${i}]`, code: 'E_DEF_VALUE', message: `organization ${id} does not exist in the directory` });
  }
  if (errors.length > 0) throw new MappingConfigError(errors);
}
