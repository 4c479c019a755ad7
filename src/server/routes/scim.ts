// /api/v1/scim: managing the SCIM endpoints identity providers feed the directory through (admin).
//   GET    /scim/endpoints                        the endpoints, with counts
//   POST   /scim/endpoints {name, …settings}      → 201 {name, path, token}; the token is shown this once
//   GET    /scim/endpoints/:name                  one endpoint
//   PATCH  /scim/endpoints/:name {…settings}      change settings
//   DELETE /scim/endpoints/:name                  delete it and its tokens (its accounts stay)
//   GET    /scim/endpoints/:name/tokens           its tokens (never their text)
//   POST   /scim/endpoints/:name/tokens {name?}   → 201 {name, path, token, id}: another token
//   DELETE /scim/endpoints/:name/tokens/:id       revoke: it stops working at once
import { coded } from '../../messages/index.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ACCOUNT_FIELD_NAMES, DEFAULT_FIELDS, ORGANIZATION_MODES, type ScimEndpoint, type ScimEndpoints, type ScimSettingsInput } from '../../connectors/scim/index.js';
import { effectiveFields } from '../../connectors/scim/settings.js';
import { audit } from '../audit.js';
import { ProblemError, problem } from '../problem.js';
import { defineRoute } from '../route.js';

const fieldsShape = Object.fromEntries(ACCOUNT_FIELD_NAMES.map((f) => [f, z.string().optional().describe(`expression over the SCIM user; default ${DEFAULT_FIELDS[f]}`)])) as Record<(typeof ACCOUNT_FIELD_NAMES)[number], z.ZodOptional<z.ZodString>>;
const fieldsInput = z.strictObject(fieldsShape).describe('account fields as expressions of the mapping language over the SCIM user; "" restores the default');
const organizationsInput = z.strictObject({
  mode: z.enum(ORGANIZATION_MODES).optional().describe('department: the department attribute (a path) names the organization; groups: each SCIM group is an organization; fixed: all in the default organization'),
  parentId: z.string().nullable().optional().describe('organizations the endpoint creates go under this one; null = top level'),
  department: z.string().optional().describe('department mode: the expression giving the path (default enterprise.department)'),
  separator: z.string().optional().describe('separates the levels of a path (default /)'),
  nestedGroups: z.boolean().optional().describe('groups mode: a group name with the separator is a path of nested organizations'),
});
const settingsShape = {
  defaultOrganizationId: z.string().optional().describe('users without a department or group go here; default: a top-level organization named after the endpoint'),
  organizations: organizationsInput.optional(),
  fields: fieldsInput.optional(),
  attributes: z.record(z.string(), z.string()).optional().describe('custom account attributes: name → expression over the SCIM user'),
};
const createBody = z.strictObject({ name: z.string().min(1).max(40).describe('lower-case letters, digits and -: part of the endpoint\'s path'), tokenName: z.string().trim().min(1).max(100).optional(), ...settingsShape });
const updateBody = z.strictObject(settingsShape);

const settingsSchema = z.object({
  defaultOrganizationId: z.string(),
  organizations: z.object({ mode: z.enum(ORGANIZATION_MODES), parentId: z.string().nullable(), department: z.string(), separator: z.string(), nestedGroups: z.boolean() }),
  fields: z.record(z.string(), z.string()).describe('the endpoint\'s own expressions (overriding the defaults)'),
  attributes: z.record(z.string(), z.string()),
});
const endpointSchema = z
  .object({
    name: z.string(),
    path: z.string().describe('the SCIM base path on this service: /Users, /Groups, … are directly under it'),
    settings: settingsSchema,
    effectiveFields: z.record(z.string(), z.string()).describe('the expressions in force: defaults with the endpoint\'s overrides'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ScimEndpoint' });
const summarySchema = endpointSchema.extend({ users: z.number().int(), groups: z.number().int(), activeTokens: z.number().int() }).meta({ id: 'ScimEndpointSummary' });
const tokenSchema = z.object({ id: z.string(), name: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable().describe('updated at most once a minute'), revokedAt: z.string().nullable() }).meta({ id: 'ScimToken' });
const issued = z
  .object({ name: z.string().describe('the endpoint'), path: z.string(), token: z.string().describe('`wsc_…`; shown only in this response'), id: z.string().describe('the token\'s id (to revoke it)') })
  .meta({ id: 'ScimTokenIssued' });
const nameParams = z.strictObject({ name: z.string().min(1).max(40) });
const tokenParams = z.strictObject({ name: z.string().min(1).max(40), id: z.string().min(1).max(64) });
const tags = ['scim'];

const show = (e: ScimEndpoint) => ({ name: e.name, path: e.path, settings: e.settings, effectiveFields: effectiveFields(e.settings), createdAt: e.createdAt, updatedAt: e.updatedAt });

function settingsInput(b: z.output<typeof updateBody>): ScimSettingsInput {
  return {
    ...(b.defaultOrganizationId !== undefined ? { defaultOrganizationId: b.defaultOrganizationId } : {}),
    ...(b.organizations !== undefined ? { organizations: b.organizations } : {}),
    ...(b.fields !== undefined ? { fields: b.fields } : {}),
    ...(b.attributes !== undefined ? { attributes: b.attributes } : {}),
  };
}

export function scimAdminRoutes(endpoints: ScimEndpoints) {
  return async (app: FastifyInstance): Promise<void> => {
    defineRoute(
      app,
      { method: 'GET', url: '/scim/endpoints', operationId: 'listScimEndpoints', summary: 'List SCIM endpoints', tags, responses: { 200: { description: 'The endpoints, by name', schema: z.object({ items: z.array(summarySchema) }) } } },
      async () => ({ items: (await endpoints.list()).map((e) => ({ ...show(e), users: e.users, groups: e.groups, activeTokens: e.activeTokens })) }),
    );

    defineRoute(
      app,
      {
        method: 'POST',
        url: '/scim/endpoints',
        operationId: 'createScimEndpoint',
        summary: 'Create a SCIM endpoint and its first token',
        description: 'The identity provider is given the service URL + `path` and the `token` (shown only in this answer; only its SHA-256 is stored).',
        tags,
        body: createBody,
        responses: {
          201: { description: 'Created', schema: z.object({ name: z.string(), path: z.string(), token: z.string() }).meta({ id: 'ScimEndpointCreated' }) },
          409: { description: 'An endpoint with this name exists' },
          422: { description: 'Invalid settings; `errors` names the fields' },
        },
      },
      async ({ body }, req, reply) => {
        const { name, tokenName, ...rest } = body;
        const { endpoint, token, tokenRecord } = await endpoints.create(name, settingsInput(rest), tokenName);
        await audit(req, 'scim.endpoint.create', { type: 'scim-endpoint', id: endpoint.name }, { fields: Object.keys(rest).sort(), tokenId: tokenRecord.id });
        return reply.code(201).header('cache-control', 'no-store').send({ name: endpoint.name, path: endpoint.path, token });
      },
    );

    defineRoute(
      app,
      { method: 'GET', url: '/scim/endpoints/:name', operationId: 'getScimEndpoint', summary: 'Get a SCIM endpoint', tags, params: nameParams, responses: { 200: { description: 'The endpoint', schema: endpointSchema }, 404: { description: 'No such endpoint' } } },
      async ({ params }) => show(await endpoints.require(params.name)),
    );

    defineRoute(
      app,
      {
        method: 'PATCH',
        url: '/scim/endpoints/:name',
        operationId: 'updateScimEndpoint',
        summary: 'Change a SCIM endpoint\'s settings',
        description: 'Only the settings given change. They apply to the next write of each user or group.',
        tags,
        params: nameParams,
        body: updateBody,
        responses: { 200: { description: 'Updated', schema: endpointSchema }, 404: { description: 'No such endpoint' }, 422: { description: 'Invalid settings' } },
      },
      async ({ params, body }, req) => {
        const e = await endpoints.update(params.name, settingsInput(body));
        await audit(req, 'scim.endpoint.update', { type: 'scim-endpoint', id: e.name }, { fields: Object.keys(body).sort() });
        return show(e);
      },
    );

    defineRoute(
      app,
      {
        method: 'DELETE',
        url: '/scim/endpoints/:name',
        operationId: 'deleteScimEndpoint',
        summary: 'Delete a SCIM endpoint and its tokens',
        description: 'Its accounts stay in the directory, owned by no endpoint.',
        tags,
        params: nameParams,
        responses: { 204: { description: 'Deleted' }, 404: { description: 'No such endpoint' } },
      },
      async ({ params }, req, reply) => {
        await endpoints.remove(params.name);
        await audit(req, 'scim.endpoint.delete', { type: 'scim-endpoint', id: params.name });
        return reply.code(204).send();
      },
    );

    defineRoute(
      app,
      {
        method: 'GET',
        url: '/scim/endpoints/:name/tokens',
        operationId: 'listScimTokens',
        summary: 'List a SCIM endpoint\'s tokens (without their text)',
        tags,
        params: nameParams,
        query: z.strictObject({ includeRevoked: z.enum(['true', 'false']).optional() }),
        responses: { 200: { description: 'The tokens, oldest first', schema: z.object({ items: z.array(tokenSchema) }) }, 404: { description: 'No such endpoint' } },
      },
      async ({ params, query }) => ({ items: await endpoints.tokens(params.name, { includeRevoked: query.includeRevoked === 'true' }) }),
    );

    defineRoute(
      app,
      {
        method: 'POST',
        url: '/scim/endpoints/:name/tokens',
        operationId: 'createScimToken',
        summary: 'Issue another token for a SCIM endpoint',
        tags,
        params: nameParams,
        body: z.strictObject({ name: z.string().trim().min(1).max(100).optional().describe('what the token is for (default "default"); the audit log names it') }).optional(),
        responses: { 201: { description: 'Issued; `token` is shown only now', schema: issued }, 404: { description: 'No such endpoint' } },
      },
      async ({ params, body }, req, reply) => {
        const { token, record, endpoint } = await endpoints.issueToken(params.name, body?.name);
        await audit(req, 'scim.token.create', { type: 'scim-token', id: record.id }, { endpoint: endpoint.name, name: record.name });
        return reply.code(201).header('cache-control', 'no-store').send({ name: endpoint.name, path: endpoint.path, token, id: record.id });
      },
    );

    defineRoute(
      app,
      {
        method: 'DELETE',
        url: '/scim/endpoints/:name/tokens/:id',
        operationId: 'revokeScimToken',
        summary: 'Revoke a SCIM token',
        tags,
        params: tokenParams,
        responses: { 204: { description: 'Revoked' }, 404: { description: 'No such endpoint or token' } },
      },
      async ({ params }, req, reply) => {
        const t = await endpoints.revokeToken(params.name, params.id);
        if (!t) throw new ProblemError(problem(404, coded('error.scim-token-not-found', { name: params.name, id: params.id })));
        await audit(req, 'scim.token.revoke', { type: 'scim-token', id: t.id }, { endpoint: params.name, name: t.name });
        return reply.code(204).send();
      },
    );
  };
}
