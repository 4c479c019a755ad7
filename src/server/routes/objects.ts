// Per-object sync status (viewer):
//   GET /connections/:name/objects/:type/:id   one organization or account (id, or an account's username):
//                                              its link, last operation with WeCom's answer and explanation,
//                                              the last 20 operations, and a plain-language verdict (en/zh)
//   GET /connections/:name/objects?status=failed|pending&type=&limit=&after=
//                                              what is broken (or waiting) right now: objects whose latest
//                                              operation failed or was not sent / waits in a held or running
//                                              run, or whose link is pending; status=conflict: accounts two of which
//                                              claim one WeCom member (re-hire the rules cannot settle); keyset paging by id
//   GET /connections/:name/orphans             WeCom members and departments left by deleted accounts and
//                                              organizations (links still held), from the sync state
// Reads the store only (src/sync/views/object-status.ts, orphans.ts), never WeCom.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Connections } from '../../connections/index.js';
import { type SyncPipeline, objectStatus, objectsWithStatus, orphansOf } from '../../sync/index.js';
import { ProblemError, problem } from '../problem.js';
import { defineRoute } from '../route.js';
import { explanation, operationStatus, wecomMemberFields } from './schemas.js';

const objectType = z.enum(['account', 'organization']);

// The values last written to WeCom (src/domain/link.ts), as WeCom names them.
const departmentShadow = z.object({ name: z.string(), nameEn: z.string().optional(), parentid: z.number(), order: z.number() }).meta({ id: 'DepartmentShadow' });
const memberShadow = wecomMemberFields
  .partial()
  .extend({
    department: z.array(z.number()),
    order: z.array(z.number()).optional(),
    is_leader_in_dept: z.array(z.number()).optional(),
    main_department: z.number().optional(),
  })
  .meta({ id: 'MemberShadow', description: 'a field absent here was never written' });

const operationSchema = z.object({
  runId: z.string(),
  opId: z.string(),
  kind: z.string().describe('member.create, member.update, member.disable, member.delete, department.create, department.update, department.delete'),
  status: operationStatus,
  errcode: z.number().nullable().describe("WeCom's errcode of a failure"),
  errmsg: z.string().nullable(),
  explanation: explanation.nullable().describe('what a failure means and what to do, in English and Chinese'),
  note: z.string().nullable(),
  attempts: z.number(),
  at: z.string().describe('when: finished, else started, else when its run was created'),
}).meta({ id: 'ObjectOperation' });

const itemSchema = z.object({
  type: objectType,
  id: z.string().describe('the directory id'),
  name: z.string().nullable().describe('display name or organization name; null once deleted from the directory'),
  exists: z.boolean().describe('still in the directory'),
  link: z
    .object({
      wecomId: z.string().describe('the WeCom userid, or the department id'),
      origin: z.enum(['created', 'matched']),
      state: z.enum(['active', 'pending']).describe('pending: a create was sent and its answer not recorded'),
      shadow: z.union([departmentShadow, memberShadow]).nullable().describe('the values last written to WeCom'),
      updatedAt: z.string(),
    })
    .meta({ id: 'ObjectLink' })
    .nullable(),
  lastOperation: operationSchema.nullable().describe('the latest operation on the object (operations of cancelled runs are left out)'),
  verdict: z.object({
    status: z.enum(['in-sync', 'pending', 'failed', 'not-synced', 'out-of-scope', 'conflict']).describe('conflict: listed by status=conflict only'),
    message: explanation,
  }),
  claimants: z
    .array(z.object({ id: z.string(), name: z.string().nullable().describe('null once deleted from the directory') }))
    .optional()
    .describe('status=conflict: every account claiming the same WeCom member, this one included'),
}).meta({ id: 'ObjectStatusItem' });
const objectSchema = itemSchema.extend({ history: z.array(operationSchema).describe('the last 20 operations on the object in this connection, newest first') }).meta({ id: 'ObjectStatus' });

const objectParams = z.strictObject({
  name: z.string().min(1).max(100).describe('connection name (case-insensitive) or id'),
  type: objectType,
  id: z.string().min(1).max(200).describe('the directory id; for an account also its username'),
});
const listParams = z.strictObject({ name: z.string().min(1).max(100).describe('connection name (case-insensitive) or id') });
const listQuery = z.strictObject({
  status: z.enum(['failed', 'pending', 'conflict']).optional().describe('failed (default), pending, or conflict'),
  type: objectType.optional(),
  limit: z.coerce.number().int().min(1).max(200).optional().describe('default 50'),
  after: z.string().min(1).max(200).optional().describe('the nextCursor of the previous page'),
});

interface ObjectRoutesOptions {
  sync: SyncPipeline;
  connections: Connections;
}

export function objectRoutes(opts: ObjectRoutesOptions): FastifyPluginAsync {
  const { sync, connections } = opts;
  const deps = { store: sync.store, directory: sync.directory, mapping: sync.compiledMapping.bind(sync) };
  return async (app: FastifyInstance) => {
    defineRoute(
      app,
      {
        method: 'GET',
        url: '/connections/:name/objects/:type/:id',
        operationId: 'getObjectStatus',
        summary: 'Where one organization or account stands in WeCom',
        description:
          'Its link (userid or department id, the values last written), its last operation with WeCom\'s errcode and the explanation, the last 20 operations ' +
          'across runs, and a plain-language verdict in English and Chinese: in-sync, pending, failed, not-synced or out-of-scope (the connection\'s mapping scope). ' +
          'A deleted object still shows its link and operations. Reads the store only, never WeCom.',
        tags: ['sync'],
        access: 'viewer',
        params: objectParams,
        responses: {
          200: { description: 'The status', schema: objectSchema },
          404: { description: 'No such connection, or the object is neither in the directory nor in any link or operation of the connection' },
        },
      },
      async ({ params }) => {
        const c = await connections.get(params.name);
        const view = await objectStatus(deps, c, params.type, params.id);
        if (!view) throw new ProblemError(problem(404, `no ${params.type} "${params.id}" in the directory or in the sync state of connection "${c.name}"`));
        return view;
      },
    );

    defineRoute(
      app,
      {
        method: 'GET',
        url: '/connections/:name/objects',
        operationId: 'listObjectStatus',
        summary: 'Objects that are broken (or waiting) in WeCom right now',
        description:
          '`status=failed` (default): objects whose latest operation failed or was not sent — an object that failed in one run and succeeded in a later one is not listed. ' +
          '`status=pending`: objects whose latest operation waits in a held or running run, or whose create was sent without a recorded answer. ' +
          '`status=conflict`: accounts the rules cannot settle — two accounts fit the WeCom member a deleted account left (re-hire), so neither takes it over — each with `claimants` (every account involved, with its name); a later plan of those accounts without the conflict removes them. ' +
          'In id order; pass `nextCursor` as `after` for the next page (a page may hold fewer than `limit` items).',
        tags: ['sync'],
        access: 'viewer',
        params: listParams,
        query: listQuery,
        responses: {
          200: { description: 'A page of objects', schema: z.object({ items: z.array(itemSchema), nextCursor: z.string().nullable() }) },
          404: { description: 'No such connection' },
        },
      },
      async ({ params, query }) => {
        const c = await connections.get(params.name);
        return objectsWithStatus(deps, c, {
          status: query.status ?? 'failed',
          limit: query.limit ?? 50,
          ...(query.type ? { type: query.type } : {}),
          ...(query.after !== undefined ? { after: query.after } : {}),
        });
      },
    );

    defineRoute(
      app,
      {
        method: 'GET',
        url: '/connections/:name/orphans',
        operationId: 'listOrphans',
        summary: 'WeCom members and departments no account or organization owns any more',
        description:
          'Members left by a deleted account (policy disable or ignore: the member stays in WeCom, its link stays) and departments left by a deleted ' +
          'organization (policy keep), with who (userid or department id and the name last written), since when (the link was last written) and why. ' +
          'From the sync state only, so it answers also where WeCom refuses its lists and details (48009). A new account or organization that maps to ' +
          'one of them takes it over (re-hire, see the plan\'s relinks). Members and departments made by hand in WeCom are not listed.',
        tags: ['sync'],
        access: 'viewer',
        params: listParams,
        responses: {
          200: {
            description: 'The orphans',
            schema: z.object({
              members: z.array(
                z.object({
                  userid: z.string(),
                  name: z.string().nullable().describe('the name last written to WeCom'),
                  enabled: z.boolean().describe('false: last written disabled'),
                  account: z.string().describe('the deleted account whose link still holds it'),
                  since: z.string().describe('when the link was last written (a disabled member: when it was disabled)'),
                  why: z.enum(['account deleted']),
                }).meta({ id: 'OrphanMember' }),
              ),
              departments: z.array(
                z.object({
                  departmentId: z.number(),
                  name: z.string().nullable().describe('the name last written to WeCom'),
                  organization: z.string().describe('the deleted organization whose link still holds it'),
                  since: z.string(),
                  why: z.enum(['organization deleted']),
                }).meta({ id: 'OrphanDepartment' }),
              ),
            }),
          },
          404: { description: 'No such connection' },
        },
      },
      async ({ params }) => {
        const c = await connections.get(params.name);
        return orphansOf({ store: sync.store, directory: sync.directory }, c.id);
      },
    );
  };
}
