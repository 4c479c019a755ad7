// `wecom-sync serve`: runs the admin HTTP service in the foreground until SIGINT/SIGTERM.
// Configuration: flags, then environment variables, then a JSON config file (src/server/config.ts;
// reference in docs/service.md). Human messages (the URL, the first admin password) go to stderr;
// stdout carries the JSON log lines.
// Exit codes: 0 after a clean shutdown, 1 when the service cannot start or shutdown timed out, 2 for bad configuration.
import { type Command, Option } from 'commander';
import { AuthError } from '../../auth/index.js';
import { SecretKeyError } from '../../connections/crypto.js';
import { ConfigError, resolveServeConfig, type ServeFlags } from '../../server/config.js';
import { startService } from '../../server/service.js';
import { runUntilSignalled } from '../lifecycle.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the admin service: REST API, health and readiness, Prometheus metrics (see docs/service.md)')
    .addOption(new Option('--host <address>', 'address to listen on (default: $HOST or 127.0.0.1)'))
    .addOption(new Option('--port <port>', 'TCP port, 0 for any free one (default: $PORT or 8080)'))
    .addOption(new Option('--data-dir <dir>', 'where the embedded store lives (default: $WECOM_SYNC_DATA_DIR or ./data); DATABASE_URL=postgres://… selects PostgreSQL instead'))
    .addOption(new Option('--config <file>', 'JSON config file whose keys are the environment variable names (default: $WECOM_SYNC_CONFIG)'))
    .addOption(
      new Option('--no-worker', 'serve the console and API only: no sync runs here (with PostgreSQL, runs are queued for `wecom-sync worker` processes and this process sends nothing to WeCom)'),
    )
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
        draining: 'in-flight requests finish first',
        shutdownTimeoutMs: config.shutdownTimeoutMs,
        start: () => startService(config),
        startFailed: (err) => ({ exitCode: err instanceof SecretKeyError || err instanceof AuthError ? 2 : 1, message: 'cannot start the service' }),
        started: async (service) => {
          process.stderr.write(`wecom-sync serving on ${service.url} (store: ${service.store.description})\n`);
          const demo = await service.demo.status().catch(() => null);
          if (demo?.state === 'available')
            process.stderr.write(`No WeCom connection yet: try the demo (a sample company, ${demo.company}, synced into a built-in WeCom simulator) from the console, or POST /api/v1/demo.\n`);
          else if (demo?.state === 'active') process.stderr.write(`The demo is active (connection "demo", simulator ${demo.simulator?.url ?? 'not running'}); remove it from the console or with DELETE /api/v1/demo.\n`);
        },
      });
    });
}
