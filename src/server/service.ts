// The running service behind `wecom-sync serve`: opens the store (migrating it), checks the secret
// key, creates the first admin, builds the app and listens. `close()` is the graceful shutdown:
// stop accepting connections, let in-flight requests finish (new ones get 503), run the
// registered shutdown steps (first the sync worker: a run in progress finishes or stays resumable;
// then the demo's simulator), then close the store. The sync worker (./sync-engine.ts) runs here
// unless WECOM_SYNC_WORKER=off; directory writes through the REST API wake it at once. The
// first-start demo (src/demo) is resumed before the worker starts.
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { AuditLog } from '../audit/index.js';
import { AuthService } from '../auth/index.js';
import { SecretBox } from '../connections/crypto.js';
import { Connections } from '../connections/service.js';
import { ScimEndpoints } from '../connectors/scim/index.js';
import { Sources } from '../connectors/ldap/index.js';
import { startSourceSchedule } from '../connectors/ldap/schedule.js';
import { Demo } from '../demo/demo.js';
import { PgJobQueue, WorkerRegistration } from '../jobs/index.js';
import { Directory } from '../directory/directory.js';
import { createLogger } from '../observability/logger.js';
import { type Metrics, metrics as processMetrics } from '../observability/metrics.js';
import { type Store, openStore } from '../store/index.js';
import { sqliteFiles, widerThanPrivate } from '../store/files.js';
import { type ReadinessCheck, buildApp } from './app.js';
import type { ServeConfig } from './config.js';
import { demoRoutes } from './routes/demo.js';
import { adminSyncRoutes } from './routes/sync.js';
import { type SyncEngine, type SyncEngineOptions, createSyncEngine } from './sync-engine.js';

export interface Service {
  app: FastifyInstance;
  store: Store;
  auth: AuthService;
  auditLog: AuditLog;
  secretBox: SecretBox;
  logger: Logger;
  /** The hosted sync engine (its `worker` is null when WECOM_SYNC_WORKER=off). */
  sync: SyncEngine;
  /** The first-start demo (src/demo): status, start, remove; its simulator while active. */
  demo: Demo;
  /** http://host:port as bound (the real port when 0 was asked for). */
  url: string;
  /** Adds a step to run on shutdown, after the HTTP server stopped and before the store closes. */
  onShutdown(step: () => Promise<void>): void;
  close(): Promise<void>;
}

interface StartOptions {
  logger?: Logger;
  metrics?: Metrics;
  /** Where the one-time admin password is printed (default process.stderr); never the logger. */
  announce?: (text: string) => void;
  routes?: FastifyPluginAsync[];
  readiness?: ReadinessCheck[];
  /** Sync engine overrides (tests: a faster poll, a client factory). */
  sync?: Pick<SyncEngineOptions, 'pollMs' | 'clientFactory'>;
}

/** The /api/v1 routes serve adds to buildApp's own (also what scripts/gen-api-types.ts documents). */
export const serveRoutes = (sync: SyncEngine, demo: Demo): FastifyPluginAsync[] => [...adminSyncRoutes(sync, { demo }), demoRoutes({ demo })];

function formatUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** New store files are created private (src/store/files.ts); existing ones that others may read are pointed out. */
function warnAboutReadableFiles(logger: Logger, file: string): void {
  for (const f of widerThanPrivate([path.dirname(file), ...sqliteFiles(file)])) {
    const mode = f.mode.toString(8).padStart(4, '0');
    logger.warn(
      { path: f.path, mode },
      `${f.path} may be read by other users (mode ${mode}), yet the store holds password hashes, token digests, the audit log and personal data: ` +
        `restrict it with chmod ${f.directory ? 700 : 600} ${f.path}`,
    );
  }
}

/**
 * At start: connections whose stored secrets the key cannot decrypt — the key file was lost, or
 * WECOM_SYNC_SECRET_KEY changed — are named in the log; until their secrets are entered again every
 * test, plan and run of theirs fails (409 through the API, a banner in the console).
 */
async function reportUnreadableSecrets(connections: Connections, secretBox: SecretBox, logger: Logger): Promise<void> {
  const unreadable = await connections.unreadableSecrets();
  if (unreadable.length === 0) return;
  logger.error(
    { connections: unreadable.map((u) => u.name) },
    `the stored secrets of ${unreadable.map((u) => `connection "${u.name}" (${u.fields.join(', ')})`).join(', ')} cannot be decrypted with the secret key from ${secretBox.describeSource()}: ` +
      'it is not the key they were stored with (lost or changed). Restore the original key, or enter these secrets again (the console names the connections).',
  );
}

/**
 * /readyz: stored secrets the key cannot decrypt leave the service `degraded`, not unready: it
 * still serves, and re-entering the secrets through it is the repair (a 503 would have a load
 * balancer lock the admin out of exactly that). The answer is public, so it gives a count, not names.
 */
function secretsReadiness(connections: Connections): ReadinessCheck {
  return {
    name: 'secrets',
    critical: false,
    check: async () => {
      const n = (await connections.unreadableSecrets()).length;
      if (n > 0)
        throw new Error(`${n} connection${n === 1 ? '' : 's'} store secrets that the secret key cannot decrypt (it was lost or changed): enter them again; the log and the console name them`);
    },
  };
}

/** The PostgreSQL job queue (pg-boss in its own schema: `wecom_sync_jobs`, or `<schema>_jobs` beside a store schema). */
export function startQueue(config: Pick<ServeConfig, 'store'>, logger: Logger): Promise<PgJobQueue> {
  if (config.store.kind !== 'postgres') throw new Error('the job queue needs PostgreSQL');
  return PgJobQueue.start({
    url: config.store.url,
    ...(config.store.schema ? { schema: `${config.store.schema}_jobs` } : {}),
    onError: (err) => logger.warn({ err }, 'job queue error'),
  });
}

export async function startService(config: ServeConfig, opts: StartOptions = {}): Promise<Service> {
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  const announce = opts.announce ?? ((t: string) => process.stderr.write(t));

  // Fail before opening anything if the key is unusable (malformed WECOM_SYNC_SECRET_KEY, unsafe key file).
  const secretBox = SecretBox.fromEnvironment({ env: config.env, dataDir: config.dataDir });
  secretBox.ensureKey();

  const store = await openStore(config.store);
  const shutdownSteps: Array<() => Promise<void>> = [];
  try {
    // PostgreSQL: runs go through the job queue shared with `wecom-sync worker` processes (src/jobs)
    const queue = config.store.kind === 'postgres' ? await startQueue(config, logger) : undefined;
    if (queue) shutdownSteps.push(() => queue.stop());
    if (config.store.kind === 'sqlite') warnAboutReadableFiles(logger, config.store.file);
    const auth = new AuthService(store, { sessionTtlMs: config.sessionTtlMs });
    const auditLog = new AuditLog(store);
    const admin = await auth.ensureAdmin(config.adminPassword);
    if (admin.created) {
      await auditLog.record({
        actor: { name: 'system', kind: 'system' },
        action: 'user.create',
        target: { type: 'user', id: admin.username },
        detail: { role: 'admin', initialLogin: admin.generatedPassword ? 'generated and printed once' : 'from the environment' },
      });
      if (admin.generatedPassword)
        announce(
          `\nCreated the first user "${admin.username}" with this password (shown only now; sign in and keep it safe):\n\n    ${admin.generatedPassword}\n\n` +
            'Set WECOM_SYNC_ADMIN_PASSWORD before the first start to choose it instead.\n\n',
        );
      else logger.info({ username: admin.username }, 'created the first admin user from WECOM_SYNC_ADMIN_PASSWORD');
    }

    const directory = new Directory(store);
    const metrics = opts.metrics ?? processMetrics;
    // The demo: an active one gets its simulator back before the worker starts, so the worker's
    // first cycle re-creates the sample company in it (see src/demo/demo.ts).
    // (the demo runs its sync in this process: the embedded mode only)
    const demo = new Demo({ store, directory, connections: new Connections(store, secretBox), enabled: config.demo && !queue, logger: logger.child({ component: 'demo' }) });
    const sync = createSyncEngine({
      store,
      directory,
      secretBox,
      metrics,
      logger: logger.child({ component: 'sync' }),
      worker: config.worker,
      fullIntervalMs: config.fullIntervalMs,
      ...(queue ? { queue, slots: config.jobs.slots, sweepMs: config.jobs.sweepMs, leaseMs: config.jobs.leaseMs, planWaitMs: config.jobs.planWaitMs } : {}),
      ...opts.sync,
    });
    // Shutdown: a run the demo started finishes, then the worker stops (a run in progress finishes
    // or stays resumable), then the demo's simulator closes.
    // (unshift: before the queue stops)
    shutdownSteps.unshift(() => demo.drain(), () => sync.stop(), () => demo.stop());
    demo.attach(sync);
    await demo.resume();
    await reportUnreadableSecrets(sync.connections, secretBox, logger);
    sync.start();
    // LDAP / AD sources with an interval are pulled while the service runs; the pulls' directory writes wake the sync worker
    const sources = new Sources(directory, secretBox);
    const schedule = startSourceSchedule({ sources, logger: logger.child({ component: 'sources' }), onPulled: sync.notify });
    shutdownSteps.unshift(() => schedule.stop());
    // a job worker in serve is a worker of the cluster like the others (status --cluster)
    const registration = sync.jobWorker ? await WorkerRegistration.register(store, { slots: config.jobs.slots }) : null;
    if (registration) shutdownSteps.splice(shutdownSteps.length - 1, 0, () => registration.stop());
    if (sync.worker) logger.info({ fullIntervalSeconds: config.fullIntervalMs / 1000 }, 'sync worker started');
    else if (sync.jobWorker) logger.info({ slots: config.jobs.slots }, 'sync job worker started (PostgreSQL queue)');
    else if (queue) logger.info('no sync worker in this process (--no-worker): runs are queued for `wecom-sync worker` processes, and plans asked of them; nothing is sent to WeCom from here');

    const app = buildApp({
      directory,
      store,
      auth,
      auditLog,
      metrics,
      onDirectoryWrite: sync.notify,
      metricsAccess: config.metricsAccess,
      logger,
      bodyLimit: config.bodyLimit,
      trustProxy: config.trustProxy,
      ...(config.consoleDir ? { consoleDir: config.consoleDir } : {}),
      scim: new ScimEndpoints(store, directory),
      sources,
      routes: [...serveRoutes(sync, demo), ...(opts.routes ?? [])],
      readiness: [secretsReadiness(sync.connections), ...(opts.readiness ?? [])],
    });
    await app.listen({ host: config.host, port: config.port });
    const url = formatUrl(app.server.address() as AddressInfo);
    await registration?.set({ url });

    let closing: Promise<void> | undefined;
    return {
      app,
      store,
      auth,
      auditLog,
      secretBox,
      logger,
      sync,
      demo,
      url,
      onShutdown: (step) => shutdownSteps.push(step),
      close() {
        closing ??= (async () => {
          logger.info('shutting down: no new connections; waiting for in-flight requests');
          await app.close();
          for (const step of shutdownSteps) await step();
          await store.close();
          logger.info('stopped');
        })();
        return closing;
      },
    };
  } catch (err) {
    for (const step of shutdownSteps) await step().catch(() => {});
    await store.close().catch(() => {});
    throw err;
  }
}
