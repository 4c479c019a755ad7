// The process behind `wecom-sync worker`: a job worker of a PostgreSQL deployment (src/jobs) and
// nothing else — no REST API, no console; /healthz, /readyz and /metrics on PORT/HOST like serve.
//
//   start: refuse without DATABASE_URL (the embedded store is synced by `serve`) and without
//   WECOM_SYNC_SECRET_KEY (every process must decrypt the secrets the others stored: a key file
//   made up on this machine would not be the deployment's) → open the store (migrating it), the
//   queue, register in `sync_workers`, start taking jobs, listen.
//   close() (SIGTERM): state `draining`; no new job; runs in progress start no more calls and,
//   once the calls in flight are answered and recorded, are handed back to the other workers (their
//   lease expires at once); the queue, the registration and the store close.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { AuthService } from '../auth/index.js';
import { SecretBox, SecretKeyError } from '../connections/crypto.js';
import { Directory } from '../directory/directory.js';
import { WorkerRegistration } from '../jobs/registry.js';
import { createLogger } from '../observability/logger.js';
import { type Metrics, metrics as processMetrics } from '../observability/metrics.js';
import { type Store, openStore } from '../store/index.js';
import type { ServeConfig } from './config.js';
import { startQueue } from './service.js';
import { type SyncEngine, type SyncEngineOptions, createSyncEngine } from './sync-engine.js';
import { systemRoutes } from './routes/system.js';

export interface WorkerService {
  app: FastifyInstance;
  store: Store;
  sync: SyncEngine;
  registration: WorkerRegistration;
  url: string;
  close(): Promise<void>;
}

/** Refusals before anything is opened (exit code 2). */
export class WorkerConfigError extends Error {}

export async function startWorkerService(
  config: ServeConfig,
  opts: { logger?: Logger; metrics?: Metrics; sync?: Pick<SyncEngineOptions, 'clientFactory'> } = {},
): Promise<WorkerService> {
  if (config.store.kind !== 'postgres')
    throw new WorkerConfigError('wecom-sync worker needs PostgreSQL (DATABASE_URL=postgres://…): with the embedded store, `wecom-sync serve` runs the sync itself');
  if (!config.env.WECOM_SYNC_SECRET_KEY?.trim())
    throw new WorkerConfigError(
      'wecom-sync worker needs WECOM_SYNC_SECRET_KEY: every process of a deployment must use the same key, the one that encrypted the connection secrets stored in PostgreSQL ' +
        '(a key file made on this machine would not decrypt them). Set it to the value the serve processes use (see docs/deployment.md).',
    );
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  const metrics = opts.metrics ?? processMetrics;
  const secretBox = SecretBox.fromEnvironment({ env: config.env, dataDir: config.dataDir });
  try {
    secretBox.ensureKey();
  } catch (err) {
    if (err instanceof SecretKeyError) throw new WorkerConfigError(err.message);
    throw err;
  }

  const store = await openStore(config.store);
  const steps: Array<() => Promise<void>> = [];
  try {
    const queue = await startQueue(config, logger);
    steps.unshift(() => queue.stop());
    const sync = createSyncEngine({
      store,
      directory: new Directory(store),
      secretBox,
      metrics,
      logger: logger.child({ component: 'sync' }),
      queue,
      worker: true,
      slots: config.jobs.slots,
      sweepMs: config.jobs.sweepMs,
      leaseMs: config.jobs.leaseMs,
      fullIntervalMs: config.fullIntervalMs,
      ...opts.sync,
    });
    steps.unshift(() => sync.stop());
    const registration = await WorkerRegistration.register(store, { slots: config.jobs.slots });
    steps.push(() => registration.stop());

    const app = Fastify({ logger: false }) as unknown as FastifyInstance;
    // what the route helpers expect of an app (./app.ts decorates the same)
    app.decorate('apiRoutes', []);
    app.decorate('auditLog', null);
    app.decorateRequest('principal', null);
    app.decorateRequest('audited', false);
    const auth = new AuthService(store, { sessionTtlMs: config.sessionTtlMs });
    await app.register(systemRoutes, {
      metrics,
      metricsAccess: config.metricsAccess,
      auth,
      readiness: [
        { name: 'store', check: async () => void (await sql`select 1`.execute(store.db)) },
        { name: 'queue', check: async () => void (await queue.depth()) },
      ],
    });
    sync.start();
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address() as AddressInfo;
    const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    await registration.set({ url });
    logger.info({ worker: registration.id, slots: config.jobs.slots, leaseSeconds: config.jobs.leaseMs / 1000, url }, 'sync worker started');

    let closing: Promise<void> | undefined;
    return {
      app,
      store,
      sync,
      registration,
      url,
      close() {
        closing ??= (async () => {
          logger.info('shutting down: no new job; runs in progress finish');
          await registration.set({ state: 'draining' }).catch(() => {});
          for (const step of steps) await step();
          await app.close();
          await store.close();
          logger.info('stopped');
        })();
        return closing;
      },
    };
  } catch (err) {
    for (const step of steps) await step().catch(() => {});
    await store.close().catch(() => {});
    throw err;
  }
}
