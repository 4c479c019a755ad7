// Group commit for sync bookkeeping. Many operations run at once; each must have its "running"
// mark durable before its WeCom call is sent, and its result durable before its dependents start.
// One transaction per record would cost one fsync each (SQLite, synchronous=FULL) and block the
// event loop (better-sqlite3 is synchronous). The journal gathers writes into one transaction:
// every caller still waits for *its* write to be committed, but many operations share one commit.
//
// Gathering. On PostgreSQL a commit is asynchronous, so writes queued while one commits simply
// share the next. On SQLite a commit blocks the event loop: nothing can be queued while it runs,
// so "the writes queued meanwhile" would be none, and every record would pay its own fsync (which
// also delays the answers of WeCom calls waiting in the event loop). There the journal waits,
// after each commit, for up to `gatherRatio` × that commit's duration (at most `maxGatherMs`)
// before starting the next one; writes arriving meanwhile join it. A write arriving when the last
// commit is long past is committed at once (after the I/O callbacks of the current event-loop
// turn, which join it). So commits block the loop at most about 1 / (1 + gatherRatio) of the time
// and a write waits at most a few milliseconds longer.
//
// A batch that fails (e.g. a constraint violation in one record) is replayed one write per
// transaction, so one bad record cannot lose the others; only the bad one is rejected.
import type { Store, Tx } from '../../store/store.js';

type Write = (trx: Tx) => Promise<void>;

interface Item {
  fn: Write;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface JournalOptions {
  /** Writes per transaction at most; default 1000. */
  maxBatch?: number;
  /** Wait after a commit, in multiples of its duration (SQLite only; see above); default 3, 0 = off. */
  gatherRatio?: number;
  /** Upper bound of that wait; default 10 ms. */
  maxGatherMs?: number;
}

export class Journal {
  private queue: Item[] = [];
  private flushing: Promise<void> | null = null;
  private readonly maxBatch: number;
  private readonly gatherRatio: number;
  private readonly maxGatherMs: number;
  private lastCommitEnd = -Infinity;
  private lastCommitMs = 0;
  /** Transactions committed (for tests and figures). */
  commits = 0;

  constructor(
    private readonly store: Store,
    options: JournalOptions | number = {},
  ) {
    const o = typeof options === 'number' ? { maxBatch: options } : options;
    this.maxBatch = o.maxBatch ?? 1000;
    this.gatherRatio = store.backend === 'sqlite' ? Math.max(0, o.gatherRatio ?? 3) : 0;
    this.maxGatherMs = Math.max(0, o.maxGatherMs ?? 10);
  }

  /** Resolves once fn's writes are committed. */
  write(fn: Write): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ fn, resolve, reject });
      if (!this.flushing) this.flushing = this.flush();
    });
  }

  /** Waits until everything queued so far is committed (or rejected). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Lets more writes join the next batch (see the top of this file). */
  private async gather(): Promise<void> {
    if (this.gatherRatio === 0) {
      // the writes of operations finishing in the same tick join the batch
      await Promise.resolve();
      return;
    }
    const wait = Math.min(this.maxGatherMs, this.lastCommitEnd + this.gatherRatio * this.lastCommitMs - performance.now());
    // setImmediate runs after the I/O callbacks of this event-loop turn: answers that arrived together share a commit
    if (wait < 1) await new Promise<void>((resolve) => setImmediate(resolve));
    else await new Promise<void>((resolve) => setTimeout(resolve, wait));
  }

  private async flush(): Promise<void> {
    for (;;) {
      await this.gather();
      if (this.queue.length === 0) {
        // checked and cleared in the same synchronous step as write()'s test: no write is stranded
        this.flushing = null;
        return;
      }
      const batch = this.queue.splice(0, this.maxBatch);
      const started = performance.now();
      try {
        await this.store.write(async (trx) => {
          for (const item of batch) await item.fn(trx);
        });
        this.commits++;
        this.lastCommitEnd = performance.now();
        this.lastCommitMs = this.lastCommitEnd - started;
        for (const item of batch) item.resolve();
      } catch (batchErr) {
        if (batch.length === 1) {
          batch[0]!.reject(batchErr);
          continue;
        }
        for (const item of batch) {
          try {
            await this.store.write(item.fn);
            this.commits++;
            item.resolve();
          } catch (err) {
            item.reject(err);
          }
        }
      }
    }
  }
}
