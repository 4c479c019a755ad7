// What every `wecom-sync` command shares: exit codes, the two error kinds a command raises, the
// --data-dir option, commander's usage exits, opening the store, and turning failures into a
// sentence on stderr and an exit code (never a stack trace).
import { type Command, Option } from 'commander';
import { AppError } from '../domain/errors.js';
import { StoreConfigError, describeStoreConfig, resolveStoreConfig } from '../store/config.js';
import { type Store, openStore } from '../store/store.js';

/** 0 ok; 1 the operation failed or found problems; 2 bad usage or input; 3 a run held for approval. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
export const EXIT_HELD = 3;

/** Bad options or input: exit 2. */
export class UsageError extends Error {}
/** The operation could not be done (store unusable, a check failed): exit 1. */
export class FailedError extends Error {}

export function dataDirOption(): Option {
  return new Option(
    '--data-dir <dir>',
    'where the embedded store and secret.key live (default: $WECOM_SYNC_DATA_DIR or ./data); DATABASE_URL=postgres://… selects PostgreSQL for the store',
  );
}

/** Usage errors from commander (unknown option, missing argument) exit with 2; help and version with 0. */
export function usageExits(cmd: Command): Command {
  return cmd.exitOverride((err) => {
    process.exit(err.exitCode === 0 ? EXIT_OK : EXIT_USAGE);
  });
}

/** Opens the store of the data directory (or DATABASE_URL), runs fn, closes it. */
export async function withStore<T>(dataDir: string | undefined, fn: (store: Store) => Promise<T>): Promise<T> {
  let config;
  try {
    config = resolveStoreConfig({ dataDir });
  } catch (err) {
    if (err instanceof StoreConfigError) throw new UsageError(err.message);
    throw err;
  }
  let store: Store;
  try {
    store = await openStore(config);
  } catch (err) {
    throw new FailedError(`cannot open the store (${describeStoreConfig(config)}): ${(err as Error).message}`);
  }
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Bad input exits 2: a UsageError, or an AppError about the input (invalid 400/422, conflicting 409); anything else 1. */
function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return EXIT_USAGE;
  if (err instanceof AppError && [400, 409, 422].includes(err.status)) return EXIT_USAGE;
  return EXIT_FAILED;
}

/** A command's own wording of some errors; undefined = the error's message. */
export type ErrorMapper = (err: unknown) => string | undefined;

/**
 * Wraps a command action: its returned number becomes the exit code; a thrown error is printed as
 * `error: …` (messages carry no secrets; `mapError` may word it better) with the exit code of exitCodeOf.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number>, mapError?: ErrorMapper): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let code: number;
    try {
      code = await fn(...args);
    } catch (err) {
      code = exitCodeOf(err);
      process.stderr.write(`error: ${mapError?.(err) ?? (err as Error)?.message ?? String(err)}\n`);
    }
    process.exitCode = code;
  };
}
