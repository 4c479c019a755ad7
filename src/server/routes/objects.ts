// Per-object sync status (viewer):
//   GET /connections/:name/objects/:type/:id   one organization or account (id, or an account's username):
//                                              its link, last operation with WeCom's answer and explanation,
//                                              the last 20 operations, and a plain-language verdict (en/zh)
//   GET /connections/:name/objects?status=failed|pending&type=&limit=&after=
//                                              what is broken (or waiting) right now: objects whose latest
//                                              operation failed or was not sent / waits in a held or running
//                                              run, or whose link is pending; status=conflict: accounts two of which
//                                              claim one WeCom member (re-hire the rules cannot settle); keyset paging by id
//   GET /connections/:name/orphans             WeCom members and departments no account or organization owns
//                                              (deleted, out of scope, unlinked), from the sync state
//   POST /connections/:name/orphans/:type/:id/link|adopt|delete|ignore, DELETE …/decision (admin)
//                                              what an admin does with one (src/sync/actions/orphans.ts), audited
// Reads the store only (src/sync/views/object-status.ts, orphans.ts), never WeCom.
import { coded } from '../../messages/index.js';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Connections } from '../../connections/index.js';
import { type SyncPipeline, objectStatus, objectsWithStatus, orphansOf } from '../../sync/index.js';
import { adoptOrphan, clearOrphanDecision, ignoreOrphan, linkOrphan, requestRemoval } from '../../sync/actions/orphans.js';
import { audit } from '../audit.js';
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

const orphanType = z.enum(['member', 'department']);
const orphanParams = z.strictObject({
  name: z.string().min(1).max(100).describe('connection name (case-insensitive) or id'),
  type: orphanType,
  id: z.string().min(1).max(64).describe('the userid (case-insensitive) or the department id'),
});
const decisionSchema = z.object({
  action: z.enum(['ignore', 'delete']),
  by: z.string(),
  at: z.string(),
  done: z.object({ kind: z.string(), at: z.string() }).nullable().describe('a delete carried out: member.delete, department.delete, or member.disable (policy disable), and when'),
}).nullable().describe("the admin's decision: ignore, or delete with the next full run");
const knownSchema = z.enum(['shadow', 'ids']).describe('shadow: the values this connection last wrote; ids: only what WeCom\'s id lists say');
const orphansSchema = z.object({
  scan: z
    .object({ runId: z.string(), at: z.string(), members: z.enum(['listed', 'refused']), departments: z.enum(['listed', 'refused']) })
    .nullable()
    .describe('the last full run that read WeCom\'s id lists (refused: 48009); null before any'),
  note: explanation.nullable().describe('what the list cannot show (ids only, refused lists), in English and Chinese'),
  members: z.array(
    z.object({
      userid: z.string(),
      name: z.string().nullable().describe('the name last written to WeCom; null when only the id is known'),
      enabled: z.boolean().nullable().describe('false: last written disabled; null: unknown'),
      account: z.string().nullable().describe('the account whose link still holds it (deleted or out of scope)'),
      departments: z.array(z.number()),
      since: z.string().describe('when the link was last written; unlinked: when a full run first saw it'),
      why: z.enum(['account deleted', 'out of scope', 'not linked', 'other connection']),
      otherConnection: z.string().optional(),
      known: knownSchema,
      decision: decisionSchema,
    }).meta({ id: 'OrphanMember' }),
  ),
  departments: z.array(
    z.object({
      departmentId: z.number(),
      name: z.string().nullable().describe('the name last written to WeCom; null when only the id is known'),
      parentId: z.number().nullable(),
      organization: z.string().nullable().describe('the organization whose link still holds it (deleted or out of scope)'),
      since: z.string(),
      why: z.enum(['organization deleted', 'out of scope', 'not linked', 'other connection']),
      otherConnection: z.string().optional(),
      known: knownSchema,
      decision: decisionSchema,
    }).meta({ id: 'OrphanDepartment' }),
  ),
}).meta({ id: 'Orphans' });

function stripUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

interface ObjectRoutesOptions {
  sync: SyncPipeline;
  connections: Connections;
  /** An orphan was linked to an existing account or organization: a full run writes the directory's values to it soon (the worker's requestFull). */
  onLinked?: (connectionId: string) => void;
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
        if (!view) throw new ProblemError(problem(404, coded(params.type === 'account' ? 'error.object-not-found.account' : 'error.object-not-found.organization', { id: params.id, connection: c.name })));
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
        summary: 'WeCom members and departments no account or organization owns',
        description:
          'Members and departments in WeCom that no account or organization of the connection owns, with who (userid or department id, the name last written ' +
          'when known), since when and why: `account deleted` / `organization deleted` (a deleted object\'s link, kept by policies disable, ignore or keep), ' +
          '`out of scope` (the mapping no longer selects the linked object: the scope shrank), `not linked` (made by hand in WeCom, or left when a link was dropped) ' +
          'and `other connection` (another connection of the company links it). Unlinked ones come from the id lists the last full run read (`scan`); only ids and ' +
          'departments are known of them (`known: ids`; details are refused to a newly trusted IP, 48009), and `note` says what the list cannot show. ' +
          'Each has the admin\'s `decision` (ignore, delete) or null. Reads the store only, never WeCom.',
        tags: ['sync'],
        access: 'viewer',
        params: listParams,
        responses: {
          200: { description: 'The orphans', schema: orphansSchema },
          404: { description: 'No such connection' },
        },
      },
      async ({ params }) => {
        const c = await connections.get(params.name);
        return orphansOf({ store: sync.store, directory: sync.directory }, c.id);
      },
    );

    const actionDeps = async (name: string) => {
      const c = await connections.get(name);
      return { store: sync.store, directory: sync.directory, connection: c, isRunning: () => sync.isRunning(c.id) };
    };
    const by = (req: FastifyRequest): string => req.principal?.username ?? 'anonymous';
    const target = (type: string, id: string) => ({ type: `orphan.${type}`, id });
    const orphanErrors = {
      404: { description: 'No such connection, or no such orphan (`orphan-not-found`)' },
      409: { description: '`orphan-ignored` (clear the decision first), `orphan-linked-elsewhere`, `orphan-target-linked`, `orphan-run-active`, `orphan-policy`, `orphan-creator`' },
      422: { description: '`orphan-target-not-found`, `orphan-details-unknown` (only the id is known: give the name), `orphan-organization-unknown`, `orphan-parent-unknown`' },
    };

    defineRoute(
      app,
      {
        method: 'POST',
        url: '/connections/:name/orphans/:type/:id/link',
        operationId: 'linkOrphan',
        summary: 'Link an orphan to an existing account or organization',
        description:
          'The member (or department) becomes the link of the account (or organization) `to` (id, or an account\'s username), which must not be linked yet. ' +
          'A link the orphan had (a deleted account\'s) moves with the values last written; an unlinked one is linked without them, so the next run writes every mapped field ' +
          '(the service starts a full run of the connection at once, as after a saved mapping). ' +
          'Refused while a run of the connection is active.',
        tags: ['sync'],
        params: orphanParams,
        body: z.strictObject({ to: z.string().min(1).max(200).describe('account id or username; organization id') }),
        responses: { 200: { description: 'Linked', schema: z.object({ type: orphanType, wecomId: z.string(), linkedTo: z.string() }) }, ...orphanErrors },
      },
      async ({ params, body }, req) => {
        const deps = await actionDeps(params.name);
        const r = await linkOrphan(deps, params.type, params.id, body.to);
        await audit(req, 'orphan.link', target(params.type, r.wecomId), { connection: deps.connection.name, connectionId: deps.connection.id, to: r.linkedTo });
        opts.onLinked?.(deps.connection.id);
        return r;
      },
    );

    defineRoute(
      app,
      {
        method: 'POST',
        url: '/connections/:name/orphans/:type/:id/adopt',
        operationId: 'adoptOrphan',
        summary: 'Adopt an orphan into the directory',
        description:
          'Creates an account (member) or organization (department) from what is known — the values last written (shadow) — and links the orphan to it, in one transaction. ' +
          'A member: `username` (default the userid), `displayName` (required when only the id is known), `organization` (default the organization linked to one of its departments). ' +
          'A department: `name` (required when only the id is known), `parent` (default the organization linked to its parent department; null: top level).',
        tags: ['sync'],
        params: orphanParams,
        body: z.strictObject({
          username: z.string().min(1).max(64).optional(),
          displayName: z.string().min(1).max(64).optional(),
          organization: z.string().min(1).max(200).optional(),
          name: z.string().min(1).max(64).optional(),
          parent: z.string().min(1).max(200).nullable().optional(),
        }),
        responses: {
          201: { description: 'Adopted', schema: z.object({ type: orphanType, wecomId: z.string(), created: z.object({ type: z.enum(['account', 'organization']), id: z.string() }) }) },
          ...orphanErrors,
        },
      },
      async ({ params, body }, req, reply) => {
        const deps = await actionDeps(params.name);
        const r = await adoptOrphan(deps, params.type, params.id, stripUndefined(body));
        await audit(req, 'orphan.adopt', target(params.type, r.wecomId), { connection: deps.connection.name, connectionId: deps.connection.id, created: r.created });
        return reply.code(201).send(r);
      },
    );

    defineRoute(
      app,
      {
        method: 'POST',
        url: '/connections/:name/orphans/:type/:id/delete',
        operationId: 'deleteOrphan',
        summary: 'Remove an orphan from WeCom with the next full run',
        description:
          'Stores the request (decision `delete`); the next full run plans the removal with the reason `orphan: removal requested`, under the deletion policy ' +
          '(onAccountDeleted delete → member.delete, disable → member.disable; onOrganizationDeleted delete → department.delete) and counted by the safety threshold ' +
          '(above it the run is held for approval). `effect` says which. Refused where the policy never removes (ignore, keep), for the company\'s creator, and for ' +
          'orphans still linked to a deleted or out-of-scope object (their policy decides).',
        tags: ['sync'],
        params: orphanParams,
        responses: { 202: { description: 'Requested: planned by the next full run', schema: z.object({ type: orphanType, wecomId: z.string(), effect: z.enum(['member.delete', 'member.disable', 'department.delete']) }) }, ...orphanErrors },
      },
      async ({ params }, req, reply) => {
        const deps = await actionDeps(params.name);
        const r = await requestRemoval(deps, params.type, params.id, by(req));
        await audit(req, 'orphan.delete', target(params.type, r.wecomId), { connection: deps.connection.name, connectionId: deps.connection.id, effect: r.effect });
        return reply.code(202).send(r);
      },
    );

    defineRoute(
      app,
      {
        method: 'POST',
        url: '/connections/:name/orphans/:type/:id/ignore',
        operationId: 'ignoreOrphan',
        summary: 'Ignore an orphan',
        description: 'Stores the decision `ignore` (replacing a pending delete): the orphan is listed as ignored and never acted on, until the decision is cleared.',
        tags: ['sync'],
        params: orphanParams,
        responses: { 200: { description: 'Ignored', schema: z.object({ type: orphanType, wecomId: z.string() }) }, 404: orphanErrors[404] },
      },
      async ({ params }, req) => {
        const deps = await actionDeps(params.name);
        const r = await ignoreOrphan(deps, params.type, params.id, by(req));
        await audit(req, 'orphan.ignore', target(params.type, r.wecomId), { connection: deps.connection.name, connectionId: deps.connection.id });
        return r;
      },
    );

    defineRoute(
      app,
      {
        method: 'DELETE',
        url: '/connections/:name/orphans/:type/:id/decision',
        operationId: 'clearOrphanDecision',
        summary: 'Clear the decision on an orphan',
        description: 'Un-ignores it, or withdraws a delete request the next full run has not planned yet.',
        tags: ['sync'],
        params: orphanParams,
        responses: { 200: { description: 'Cleared', schema: z.object({ type: orphanType, wecomId: z.string(), cleared: z.enum(['ignore', 'delete']) }) }, 404: orphanErrors[404], 409: { description: '`orphan-no-decision`' } },
      },
      async ({ params }, req) => {
        const deps = await actionDeps(params.name);
        const r = await clearOrphanDecision(deps, params.type, params.id);
        await audit(req, 'orphan.clear-decision', target(params.type, r.wecomId), { connection: deps.connection.name, connectionId: deps.connection.id, cleared: r.cleared });
        return r;
      },
    );
  };
}
