// Scheduled pulls: while the service runs, every source with an interval is pulled when due (its
// last pull, of any outcome, is older than the interval). One pass at a time; a failed or held
// pull is logged and recorded (source_pulls) and tried again at the next interval.
import type { Logger } from 'pino';
import type { Sources } from './sources.js';

export interface SourceSchedule {
  stop(): Promise<void>;
}

export function startSourceSchedule(opts: { sources: Sources; logger: Logger; onPulled?: () => void; checkEveryMs?: number }): SourceSchedule {
  const every = opts.checkEveryMs ?? 60_000;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const pass = async (): Promise<void> => {
    let due: string[];
    try {
      due = await opts.sources.due();
    } catch (err) {
      opts.logger.warn({ err }, 'cannot read the sources to pull');
      return;
    }
    for (const name of due) {
      if (stopped) return;
      try {
        const r = await opts.sources.pull(name);
        opts.logger.info({ source: name, mode: r.mode, organizations: r.organizations, accounts: r.accounts, errors: r.errors.length }, 'scheduled pull done');
        opts.onPulled?.();
      } catch (err) {
        opts.logger.warn({ source: name, error: (err as Error).message }, 'scheduled pull failed or was held');
      }
    }
  };
  const timer = setInterval(() => {
    running = running.then(pass);
  }, every);
  timer.unref();
  running = running.then(pass);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
