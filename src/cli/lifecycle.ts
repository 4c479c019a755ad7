// A long-running process (serve, worker) from start to a graceful stop: signal handlers go in
// before anything is announced, so a SIGTERM sent the moment the process says it is ready is
// already a graceful shutdown (one arriving during start-up waits for start-up to finish).
//
// Under `npm start`, one Ctrl-C (or a SIGTERM to the process group) arrives twice: from the
// terminal or sender, and again forwarded by npm. A repeat within a second is that echo, not an
// operator insisting; only a later one exits without waiting. A shutdown that does not finish
// within `shutdownTimeoutMs` exits 1.

interface Closable {
  close(): Promise<void>;
}

export interface Lifecycle<S extends Closable> {
  /** What a signal says is being waited for, e.g. "in-flight requests finish first". */
  draining: string;
  /** Added to the timeout's message, e.g. "runs left behind are resumed by another worker". */
  timeoutNote?: string;
  shutdownTimeoutMs: number;
  start: () => Promise<S>;
  /** The exit code of a start-up failure (2: configuration, 1: anything else) and its message. */
  startFailed: (err: unknown) => { exitCode: number; message: string };
  /** Said once started (not when a signal came during start-up). */
  started: (service: S) => void | Promise<void>;
}

export async function runUntilSignalled<S extends Closable>(l: Lifecycle<S>): Promise<void> {
  let service: S | undefined;
  let stopping = false;
  const shutdown = (svc: S): void => {
    const timer = setTimeout(() => {
      process.stderr.write(`shutdown did not finish within ${l.shutdownTimeoutMs / 1000} s; exiting${l.timeoutNote ? ` (${l.timeoutNote})` : ''}\n`);
      process.exit(1);
    }, l.shutdownTimeoutMs);
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
    process.stderr.write(`${signal}: shutting down (${l.draining})\n`);
    if (service) shutdown(service);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    service = await l.start();
  } catch (err) {
    const { exitCode, message } = l.startFailed(err);
    process.stderr.write(`error: ${message}: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = exitCode;
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    return;
  }
  if (stopping) shutdown(service);
  else await l.started(service);
}
