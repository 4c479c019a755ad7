// `wecom-sync worker`: a process that only syncs (PostgreSQL deployments; src/server/worker-service.ts).
// Configuration as for serve (src/server/config.ts): DATABASE_URL and WECOM_SYNC_SECRET_KEY are
// required; PORT/HOST for /metrics and /readyz; WECOM_SYNC_SLOTS, WECOM_SYNC_LEASE_SECONDS,
// WECOM_SYNC_SWEEP_SECONDS. SIGTERM/SIGINT: runs in progress finish, then it exits 0.
// Exit codes: 0 after a clean shutdown, 1 when it cannot start or shutdown timed out, 2 for bad configuration.
import { type Command, Option } from 'commander';
import { ConfigError, resolveServeConfig, type ServeFlags } from '../../server/config.js';
import { type WorkerService, WorkerConfigError, startWorkerService } from '../../server/worker-service.js';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run a sync worker of a PostgreSQL deployment: executes queued runs and keeps connections in step (see docs/deployment.md)')
    .addOption(new Option('--host <address>', 'address of /metrics and /readyz (default: $HOST or 127.0.0.1)'))
    .addOption(new Option('--port <port>', 'TCP port, 0 for any free one (default: $PORT or 8080)'))
    .addOption(new Option('--config <file>', 'JSON config file whose keys are the environment variable names (default: $WECOM_SYNC_CONFIG)'))
    .exitOverride((err) => {
      process.exit(err.exitCode === 0 ? 0 : 2);
    })
    .action(async (flags: ServeFlags) => {
      let config;
      try {
        config = resolveServeConfig(flags);
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`error: ${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw err;
      }
      let service: WorkerService | undefined;
      let stopping = false;
      const shutdown = (svc: WorkerService): void => {
        const timer = setTimeout(() => {
          process.stderr.write(`shutdown did not finish within ${config.shutdownTimeoutMs / 1000} s; exiting (runs left behind are resumed by another worker)\n`);
          process.exit(1);
        }, config.shutdownTimeoutMs);
        timer.unref();
        svc.close().then(
          () => {
            clearTimeout(timer);
            process.exitCode = 0;
          },
          (err: unknown) => {
            process.stderr.write(`error during shutdown: ${(err as Error)?.message ?? String(err)}\n`);
            process.exit(1);
          },
        );
      };
      let firstSignalAt = 0;
      const stop = (signal: NodeJS.Signals): void => {
        if (stopping) {
          if (Date.now() - firstSignalAt < 1000) return;
          process.stderr.write(`${signal} again: exiting without waiting\n`);
          process.exit(1);
        }
        stopping = true;
        firstSignalAt = Date.now();
        process.stderr.write(`${signal}: shutting down (runs in progress finish first)\n`);
        if (service) shutdown(service);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      try {
        service = await startWorkerService(config);
      } catch (err) {
        process.stderr.write(`error: cannot start the worker: ${(err as Error)?.message ?? String(err)}\n`);
        process.exitCode = err instanceof WorkerConfigError ? 2 : 1;
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        return;
      }
      process.stderr.write(`wecom-sync worker ${service.registration.id} ready on ${service.url} (store: ${service.store.description})\n`);
      if (stopping) shutdown(service);
    });
}
