// /api/v1/demo: the first-start demo (src/demo) — a sample company and a built-in WeCom simulator.
//   GET    /demo   what the demo is: available, active (its connection, counts, simulator) or unavailable, with why (viewer)
//   POST   /demo   start it (admin) → 201 {state:'active', connection, run}; 409 when a connection exists or it is already active
//   DELETE /demo   remove it: its connection, runs and sample company (admin) → 204; 404 when no demo is active,
//                  409 when objects added since sit inside the sample company (listed in the detail)
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Demo } from '../../demo/demo.js';
import { audit } from '../audit.js';
import { defineRoute } from '../route.js';

const connectionRef = z.object({ id: z.string(), name: z.string() });
const statusSchema = z.object({
  state: z.enum(['available', 'active', 'unavailable']).describe('available: POST /demo starts it; active: running (remove with DELETE /demo); unavailable: see reason'),
  reason: z.string().optional().describe('why the demo cannot start (a connection exists, WECOM_SYNC_DEMO=off), or what is wrong with an active one'),
  company: z.string().describe('the sample company'),
  connection: connectionRef.nullable().optional().describe("the demo's connection (active)"),
  organizations: z.number().int().optional().describe('sample organizations: created (active) or to be created (available)'),
  accounts: z.number().int().optional(),
  simulator: z.object({ url: z.string(), corpId: z.string() }).nullable().optional().describe('the built-in WeCom simulator (active); null when it is not running'),
  createdAt: z.string().optional(),
}).meta({ id: 'DemoStatus' });
const startedSchema = z.object({
  state: z.literal('active'),
  connection: connectionRef,
  run: z.string().nullable().describe('the first full run: poll GET /runs/{id}'),
  organizations: z.number().int(),
  accounts: z.number().int(),
}).meta({ id: 'DemoStarted' });

export function demoRoutes(opts: { demo: Demo }): FastifyPluginAsync {
  const { demo } = opts;
  return async (app: FastifyInstance) => {
    defineRoute(
      app,
      {
        method: 'GET',
        url: '/demo',
        operationId: 'getDemo',
        summary: 'The first-start demo: available, active or unavailable',
        description:
          'Offered while no connection exists: a sample company (星河科技有限公司, ~300 people) in the directory and a built-in WeCom simulator, ' +
          'connected by a connection named `demo`, so a first sync can be watched at once.',
        tags: ['demo'],
        access: 'viewer',
        responses: { 200: { description: 'The demo', schema: statusSchema } },
      },
      async () => demo.status(),
    );

    defineRoute(
      app,
      {
        method: 'POST',
        url: '/demo',
        operationId: 'startDemo',
        summary: 'Start the demo',
        description:
          'Creates the sample company in the directory, starts the simulator, creates the `demo` connection (scope: the sample company only) ' +
          'and starts a full run (poll `GET /runs/{id}`). Refused (409) when any connection exists or the demo is already active.',
        tags: ['demo'],
        access: 'admin',
        responses: {
          201: { description: 'Started', schema: startedSchema, headers: { Location: 'the demo' } },
          409: { description: 'A connection exists, the demo is switched off or already active, or the directory already has a top-level organization named like the sample company' },
        },
      },
      async (_input, req, reply) => {
        const r = await demo.start();
        await audit(req, 'demo.start', { type: 'connection', id: r.connection.id }, { name: r.connection.name, run: r.run, organizations: r.organizations, accounts: r.accounts });
        return reply.code(201).header('location', `${app.prefix}/demo`).send(r);
      },
    );

    defineRoute(
      app,
      {
        method: 'DELETE',
        url: '/demo',
        operationId: 'removeDemo',
        summary: 'Remove the demo',
        description:
          'Deletes the `demo` connection with its runs and links, exactly the organizations and accounts the demo created, and stops the simulator. ' +
          'Objects added since inside the sample company are never deleted: the request is then refused (409, they are listed) and nothing is removed.',
        tags: ['demo'],
        access: 'admin',
        responses: {
          204: { description: 'Removed' },
          404: { description: 'No demo is active' },
          409: { description: 'Objects added since sit inside the sample company (listed in `detail`); nothing was removed' },
        },
      },
      async (_input, req, reply) => {
        const before = await demo.record();
        const connection = (await demo.status()).connection;
        const removed = await demo.remove();
        await audit(req, 'demo.remove', before?.connectionId ? { type: 'connection', id: before.connectionId } : null, {
          ...(connection ? { name: connection.name } : {}),
          organizations: removed.organizations,
          accounts: removed.accounts,
        });
        return reply.code(204).send();
      },
    );
  };
}
