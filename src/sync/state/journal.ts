// Group commit for sync bookkeeping. Many operations run at once; each must have its "running"
// mark durable before its WeCom call is sent, and its result durable before its dependents start.
// One transaction per record would cost one fsync each (SQLite, synchronous=FULL) and block the
// event loop (better-sqlite3 is synchronous). The journal gathers the writes queued while the
// previous batch was committing into one transaction: every caller still waits for *its* write
// to be committed, but 32 concurrent operations share one commit.
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

export class Journal {
  private queue: Item[] = [];
  private flushing: Promise<void> | null = null;
  /** Transactions committed (for tests and figures). */
  commits = 0;

  constructor(
    private readonly store: Store,
    private readonly maxBatch = 1000,
  ) {}

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

  private async flush(): Promise<void> {
    // let the writes of operations finishing in the same tick join the batch
    await Promise.resolve();
    for (;;) {
      if (this.queue.length === 0) {
        // checked and cleared in the same synchronous step as write()'s test: no write is stranded
        this.flushing = null;
        return;
      }
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.store.write(async (trx) => {
          for (const item of batch) await item.fn(trx);
        });
        this.commits++;
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
