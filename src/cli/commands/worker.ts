// `wecom-sync worker`: a process that only syncs (PostgreSQL deployments; src/server/worker-service.ts).
// Configuration as for serve (src/server/config.ts): DATABASE_URL and WECOM_SYNC_SECRET_KEY are
// required; PORT/HOST for /metrics and /readyz; WECOM_SYNC_SLOTS, WECOM_SYNC_LEASE_SECONDS,
// WECOM_SYNC_SWEEP_SECONDS. SIGTERM/SIGINT: runs in progress finish, then it exits 0.
// Exit codes: 0 after a clean shutdown, 1 when it cannot start or shutdown timed out, 2 for bad configuration.
import { type Command, Option } from 'commander';
import { ConfigError, resolveServeConfig, type ServeFlags } from '../../server/config.js';
import { WorkerConfigError, startWorkerService } from '../../server/worker-service.js';
import { runUntilSignalled } from '../lifecycle.js';

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
      await runUntilSignalled({
        draining: 'runs in progress finish first',
        timeoutNote: 'runs left behind are resumed by another worker',
        shutdownTimeoutMs: config.shutdownTimeoutMs,
        start: () => startWorkerService(config),
        startFailed: (err) => ({ exitCode: err instanceof WorkerConfigError ? 2 : 1, message: 'cannot start the worker' }),
        started: (service) => void process.stderr.write(`wecom-sync worker ${service.registration.id} ready on ${service.url} (store: ${service.store.description})\n`),
      });
    });
}
