// Configuration of `wecom-sync serve`, resolved from (highest first) command-line flags,
// environment variables, a JSON config file (--config FILE or WECOM_SYNC_CONFIG; its keys are the
// environment variable names, e.g. {"PORT": 8080, "DATABASE_URL": "postgres://…"}), then defaults.
// The reference lives in docs/service.md; keep the two in step.
import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { type LogLevel, parseLogLevel } from '../observability/logger.js';
import { DEFAULT_CONSOLE_DIR } from './console.js';
import { type StoreConfig, StoreConfigError, resolveDataDir, resolveStoreConfig } from '../store/config.js';

export class ConfigError extends Error {}

/** Every setting, by its environment variable name. */
const SETTINGS = {
  HOST: 'address to listen on (default 127.0.0.1)',
  PORT: 'TCP port (default 8080; 0 picks a free one)',
  WECOM_SYNC_DATA_DIR: 'directory of the embedded store and the secret key file (default ./data)',
  DATABASE_URL: 'postgres://… selects PostgreSQL instead of the embedded store',
  WECOM_SYNC_ADMIN_PASSWORD: 'password of the `admin` user created on first start (else a random one is printed once)',
  WECOM_SYNC_SECRET_KEY: 'base64 of 32 bytes encrypting connection secrets (else <data dir>/secret.key)',
  LOG_LEVEL: 'fatal, error, warn, info (default), debug, trace or silent',
  WECOM_SYNC_TRUST_PROXY: 'false (default), true, or a comma list of proxy addresses/CIDRs whose X-Forwarded-* headers are trusted',
  WECOM_SYNC_METRICS_AUTH: 'auto (default: public on loopback binds, token elsewhere), public, or token',
  WECOM_SYNC_SESSION_HOURS: 'console session lifetime in hours (default 12)',
  WECOM_SYNC_BODY_LIMIT: 'largest accepted request body in bytes (default 1048576)',
  WECOM_SYNC_SHUTDOWN_TIMEOUT: 'seconds to let in-flight requests finish on SIGTERM before exiting anyway (default 30)',
  WECOM_SYNC_WORKER: 'on (default) or off: run the sync worker (incremental syncs of every connection from the change feed) inside serve',
  WECOM_SYNC_SLOTS: 'PostgreSQL deployments: sync runs a worker process executes at once (default 4)',
  WECOM_SYNC_LEASE_SECONDS: 'PostgreSQL deployments: run lease; a run whose worker died on another machine is taken over after it (default 20; same machine: at once)',
  WECOM_SYNC_SWEEP_SECONDS: 'PostgreSQL deployments: how often workers look for runs left by a dead worker and connections behind the change feed (default 5)',
  WECOM_SYNC_PLAN_WAIT_SECONDS: 'serve --no-worker: how long a plan request waits for a worker to make the plan before answering 503 (default 25)',
  WECOM_SYNC_FULL_INTERVAL: 'seconds between full reconciles of every connection by the worker (default 3600; 0 = never)',
  WECOM_SYNC_DEMO: 'on (default): offer the first-start demo (sample company + built-in simulator) while no connection exists; off: never offer it',
  WECOM_SYNC_CONSOLE: 'on (default: the web console built in web/dist), off (API only), or the directory of another console build',
  WECOM_SYNC_CONFIG: 'path of a JSON config file with any of these keys',
} as const;

export interface ServeFlags {
  host?: string;
  port?: string;
  dataDir?: string;
  config?: string;
  /** commander's --no-worker: false */
  worker?: boolean;
}

export interface ServeConfig {
  host: string;
  port: number;
  dataDir: string;
  store: StoreConfig;
  /** The environment the store, the secret key and the admin password were resolved from (file merged under env). */
  env: NodeJS.ProcessEnv;
  adminPassword: string | undefined;
  logLevel: LogLevel;
  trustProxy: boolean | string;
  metricsAccess: 'public' | 'authenticated';
  sessionTtlMs: number;
  bodyLimit: number;
  shutdownTimeoutMs: number;
  /** Run the sync worker inside serve (WECOM_SYNC_WORKER=on|off). */
  worker: boolean;
  /** Full reconcile interval of the worker in ms; 0 = never. */
  fullIntervalMs: number;
  /** PostgreSQL deployments (src/jobs): runs at once per worker process, run lease, sweep interval, how long serve --no-worker waits for a worker's plan. */
  jobs: { slots: number; leaseMs: number; sweepMs: number; planWaitMs: number };
  /** Offer the first-start demo (WECOM_SYNC_DEMO=on|off); an active demo is resumed either way. */
  demo: boolean;
  /** Where the web console's build is served from; null = API only (WECOM_SYNC_CONSOLE=off). */
  consoleDir: string | null;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

function readConfigFile(file: string): Record<string, string> {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read the config file ${file}: ${(err as Error).message}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(`the config file ${file} must hold a JSON object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    if (!(k in SETTINGS) || k === 'WECOM_SYNC_CONFIG') throw new ConfigError(`the config file ${file}: unknown setting "${k}" (known: ${Object.keys(SETTINGS).join(', ')})`);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new ConfigError(`the config file ${file}: "${k}" must be a string, number or boolean`);
    out[k] = String(v);
  }
  return out;
}

function intSetting(name: string, text: string | undefined, dflt: number, min: number, max: number): number {
  if (text === undefined || text.trim() === '') return dflt;
  const t = text.trim();
  if (!/^\d+$/.test(t) || Number(t) < min || Number(t) > max) throw new ConfigError(`${name} "${text}": expected an integer in ${min}..${max}`);
  return Number(t);
}

export function resolveServeConfig(flags: ServeFlags = {}, processEnv: NodeJS.ProcessEnv = process.env): ServeConfig {
  const file = flags.config ?? processEnv.WECOM_SYNC_CONFIG;
  const fromFile = file ? readConfigFile(file) : {};
  // Empty environment variables count as unset.
  const setEnv = Object.fromEntries(Object.entries(processEnv).filter(([, v]) => v !== undefined && v !== ''));
  const env: NodeJS.ProcessEnv = { ...fromFile, ...setEnv };

  const host = (flags.host ?? env.HOST ?? '127.0.0.1').trim();
  if (host === '') throw new ConfigError('HOST must not be empty');
  const port = intSetting(flags.port !== undefined ? '--port' : 'PORT', flags.port ?? env.PORT, 8080, 0, 65535);
  let store: StoreConfig;
  try {
    store = resolveStoreConfig({ dataDir: flags.dataDir, env });
  } catch (err) {
    if (err instanceof StoreConfigError) throw new ConfigError(err.message);
    throw err;
  }
  let logLevel: LogLevel;
  try {
    logLevel = parseLogLevel(env.LOG_LEVEL);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const tp = (env.WECOM_SYNC_TRUST_PROXY ?? 'false').trim();
  const trustProxy = tp === 'true' ? true : tp === 'false' ? false : tp;
  const ma = (env.WECOM_SYNC_METRICS_AUTH ?? 'auto').trim();
  if (!['auto', 'public', 'token'].includes(ma)) throw new ConfigError(`WECOM_SYNC_METRICS_AUTH "${ma}": expected auto, public or token`);
  const wk = (env.WECOM_SYNC_WORKER ?? 'on').trim().toLowerCase();
  if (!['on', 'off'].includes(wk)) throw new ConfigError(`WECOM_SYNC_WORKER "${env.WECOM_SYNC_WORKER}": expected on or off`);
  const dm = (env.WECOM_SYNC_DEMO ?? 'on').trim().toLowerCase();
  if (!['on', 'off'].includes(dm)) throw new ConfigError(`WECOM_SYNC_DEMO "${env.WECOM_SYNC_DEMO}": expected on or off`);
  const cs = (env.WECOM_SYNC_CONSOLE ?? 'on').trim();
  const consoleDir = cs.toLowerCase() === 'off' ? null : cs.toLowerCase() === 'on' ? DEFAULT_CONSOLE_DIR : path.resolve(cs);
  const metricsAccess = ma === 'public' || (ma === 'auto' && isLoopback(host)) ? 'public' : 'authenticated';

  return {
    host,
    port,
    dataDir: resolveDataDir({ dataDir: flags.dataDir, env }),
    store,
    env,
    adminPassword: env.WECOM_SYNC_ADMIN_PASSWORD,
    logLevel,
    trustProxy,
    metricsAccess,
    sessionTtlMs: intSetting('WECOM_SYNC_SESSION_HOURS', env.WECOM_SYNC_SESSION_HOURS, 12, 1, 24 * 30) * 3600_000,
    bodyLimit: intSetting('WECOM_SYNC_BODY_LIMIT', env.WECOM_SYNC_BODY_LIMIT, 1024 * 1024, 1024, 1024 * 1024 * 1024),
    shutdownTimeoutMs: intSetting('WECOM_SYNC_SHUTDOWN_TIMEOUT', env.WECOM_SYNC_SHUTDOWN_TIMEOUT, 30, 0, 3600) * 1000,
    worker: flags.worker === false ? false : wk === 'on',
    jobs: {
      slots: intSetting('WECOM_SYNC_SLOTS', env.WECOM_SYNC_SLOTS, 4, 1, 256),
      leaseMs: intSetting('WECOM_SYNC_LEASE_SECONDS', env.WECOM_SYNC_LEASE_SECONDS, 20, 1, 3600) * 1000,
      sweepMs: intSetting('WECOM_SYNC_SWEEP_SECONDS', env.WECOM_SYNC_SWEEP_SECONDS, 5, 1, 3600) * 1000,
      planWaitMs: intSetting('WECOM_SYNC_PLAN_WAIT_SECONDS', env.WECOM_SYNC_PLAN_WAIT_SECONDS, 25, 1, 300) * 1000,
    },
    fullIntervalMs: intSetting('WECOM_SYNC_FULL_INTERVAL', env.WECOM_SYNC_FULL_INTERVAL, 3600, 0, 30 * 24 * 3600) * 1000,
    demo: dm === 'on',
    consoleDir,
  };
}
