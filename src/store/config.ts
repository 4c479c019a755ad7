// Where the directory lives, resolved the same way by the CLI and the server:
//   DATABASE_URL=postgres://… (or postgresql://…)  -> PostgreSQL
//   otherwise an embedded SQLite file in the data directory:
//   --data-dir DIR, else WECOM_SYNC_DATA_DIR, else ./data
import path from 'node:path';

const DEFAULT_DATA_DIR = './data';
const SQLITE_FILE_NAME = 'wecom-sync.sqlite';

export type StoreConfig =
  | { kind: 'sqlite'; /** absolute path of the database file, or ':memory:' */ file: string }
  | { kind: 'postgres'; url: string; /** optional schema to use (created if missing); tests use one per file */ schema?: string };

interface ResolveOptions {
  dataDir?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export class StoreConfigError extends Error {}

export function resolveDataDir(opts: ResolveOptions = {}): string {
  const env = opts.env ?? process.env;
  const dir = opts.dataDir ?? (env.WECOM_SYNC_DATA_DIR || undefined) ?? DEFAULT_DATA_DIR;
  return path.resolve(opts.cwd ?? process.cwd(), dir);
}

export function resolveStoreConfig(opts: ResolveOptions = {}): StoreConfig {
  const env = opts.env ?? process.env;
  const url = env.DATABASE_URL?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url))
      throw new StoreConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL (unset it to use the embedded store)');
    return { kind: 'postgres', url };
  }
  return { kind: 'sqlite', file: path.join(resolveDataDir(opts), SQLITE_FILE_NAME) };
}

/** A description safe to print: no password. */
export function describeStoreConfig(config: StoreConfig): string {
  if (config.kind === 'sqlite') return `embedded SQLite at ${config.file}`;
  try {
    const u = new URL(config.url);
    if (u.password) u.password = '***';
    return `PostgreSQL at ${u.toString()}${config.schema ? ` (schema ${config.schema})` : ''}`;
  } catch {
    return 'PostgreSQL';
  }
}
