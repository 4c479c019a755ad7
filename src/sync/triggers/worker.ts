// The change-feed trigger: SyncWorker watches the directory's change feed and keeps every
// connection in step through the pipeline (SyncPipeline.incremental, and apply for the periodic
// full reconcile).
//
//   poll latestSequence() every `pollMs` (or at once on notify(), which in-process writers may call)
//     → a new sequence starts or extends a burst
//   burst quiet for `debounceMs`, or `maxBatchDelayMs` after its first change → flush:
//     for each connection: SyncPipeline.incremental (changes after its cursor → one scoped run)
//   a run that failed (or was refused: another run active) is retried with exponential back-off;
//   its cursor did not move, so the retry covers the same changes plus any newer ones
//   a connection with a run held by the safety threshold is skipped until the run is approved
//   every `fullIntervalMs` (optional): a full reconcile of every connection.
//
// One flush at a time in this process; runs of one connection never overlap here, and the store's
// one-active-run rule covers other processes. Timers and clock are injectable (tests).
import { EventEmitter } from 'node:events';
import type { SyncPipeline, SyncReport } from '../pipeline.js';
import { getCursor } from '../state/cursors.js';
import { hasAnyRun, heldRunIds, RunInProgressError } from '../state/runs.js';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => Date.now(),
};

interface SyncWorkerOptions {
  pipeline: SyncPipeline;
  /** The ids of the connections to keep in step, read at every flush. */
  connections: () => Promise<string[]>;
  /** Feed poll interval (default 25 ms). */
  pollMs?: number;
  /** A burst is flushed after this long without a new change (default 20 ms). */
  debounceMs?: number;
  /** …or this long after its first change, whichever comes first (default 200 ms). */
  maxBatchDelayMs?: number;
  /** Full reconcile interval; undefined/0 = never. */
  fullIntervalMs?: number;
  /**
   * true: a connection that never ran is left alone until a person starts its first run (after
   * reviewing its plan); the service's worker works this way. false (default): the worker's first
   * pass is that connection's first full run (`wecom-sync sync --watch`, an explicit command).
   */
  awaitFirstRun?: boolean;
  /** Back-off after a failed run: base, doubled per consecutive failure, capped (default 1 s … 60 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  timers?: Timers;
}

export type WorkerEvent =
  | { type: 'run'; connection: string; report: SyncReport }
  | { type: 'error'; connection: string | null; error: Error }
  | { type: 'blocked'; connection: string; reason: string }
  | { type: 'idle' };

export class SyncWorker {
  private readonly emitter = new EventEmitter();
  private readonly timers: Timers;
  private readonly pollMs: number;
  private readonly debounceMs: number;
  private readonly maxDelayMs: number;
  private running = false;
  private lastSeen = -1;
  private burstStart: number | null = null;
  private pollTimer: unknown = null;
  private flushTimer: unknown = null;
  private fullTimer: unknown = null;
  private busy: Promise<void> | null = null;
  private again = false;
  private fullDue = false;
  /** Connections whose next pass is a full run (a saved mapping change: requestFull). */
  private readonly fullRequested = new Set<string>();
  private readonly backoff = new Map<string, { failures: number; until: number; timer: unknown }>();
  private polling: Promise<void> | null = null;

  constructor(private readonly opts: SyncWorkerOptions) {
    this.timers = opts.timers ?? realTimers;
    this.pollMs = opts.pollMs ?? 25;
    this.debounceMs = opts.debounceMs ?? 20;
    this.maxDelayMs = opts.maxBatchDelayMs ?? 200;
  }

  /** Starts watching; catches up at once with whatever the cursors have not seen. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.scheduleFull();
    this.flushSoon(0);
    void this.poll();
  }

  /** Stops the timers and waits for a run in progress to finish. */
  async stop(): Promise<void> {
    this.running = false;
    for (const h of [this.pollTimer, this.flushTimer, this.fullTimer]) if (h !== null) this.timers.clearTimeout(h);
    for (const b of this.backoff.values()) if (b.timer !== null) this.timers.clearTimeout(b.timer);
    this.pollTimer = this.flushTimer = this.fullTimer = null;
    await this.polling;
    await this.busy;
  }

  /** Something was written to the directory: look at the feed now instead of at the next poll. */
  notify(): Promise<void> {
    return this.running ? this.poll() : Promise.resolve();
  }

  /**
   * The connection's next pass is a full run, soon: its mapping was changed and saved, and only a
   * full run applies a mapping to every object. (A connection awaiting its first run still waits.)
   */
  requestFull(connectionId: string): void {
    if (!this.running) return;
    this.fullRequested.add(connectionId);
    this.flushSoon(0);
  }

  /** Resolves when no flush is in progress (at once when idle). */
  async whenIdle(): Promise<void> {
    while (this.busy) await this.busy;
  }

  /** Worker events: a run finished ('run'), an error, a connection blocked by a held run, idle after a flush. */
  on(event: 'event', listener: (e: WorkerEvent) => void): this {
    this.emitter.on(event, listener);
    return this;
  }

  off(event: 'event', listener: (e: WorkerEvent) => void): this {
    this.emitter.off(event, listener);
    return this;
  }

  private emitEvent(e: WorkerEvent): void {
    this.emitter.emit('event', e);
  }

  private async poll(): Promise<void> {
    if (this.polling) return this.polling;
    if (this.pollTimer !== null) {
      this.timers.clearTimeout(this.pollTimer);
      this.pollTimer = null;
    }
    this.polling = (async () => {
      try {
        const latest = await this.opts.pipeline.directory.latestSequence();
        if (latest > this.lastSeen) {
          const first = this.lastSeen >= 0;
          this.lastSeen = latest;
          if (first) this.burst();
        }
      } catch (e) {
        this.emitEvent({ type: 'error', connection: null, error: e as Error });
      } finally {
        this.polling = null;
        if (this.running) this.pollTimer = this.timers.setTimeout(() => void this.poll(), this.pollMs);
      }
    })();
    return this.polling;
  }

  /** A new change: (re)start the debounce, bounded by the burst's maximum delay. */
  private burst(): void {
    const now = this.timers.now();
    this.burstStart ??= now;
    const left = this.maxDelayMs - (now - this.burstStart);
    this.flushSoon(Math.max(0, Math.min(this.debounceMs, left)));
  }

  private flushSoon(ms: number): void {
    if (!this.running) return;
    if (this.flushTimer !== null) this.timers.clearTimeout(this.flushTimer);
    this.flushTimer = this.timers.setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, ms);
  }

  private scheduleFull(): void {
    const every = this.opts.fullIntervalMs;
    if (!every || !this.running) return;
    this.fullTimer = this.timers.setTimeout(() => {
      this.fullDue = true;
      void this.flush();
      this.scheduleFull();
    }, every);
  }

  private flush(): Promise<void> {
    if (this.busy) {
      this.again = true;
      return this.busy;
    }
    this.burstStart = null;
    this.busy = (async () => {
      try {
        do {
          this.again = false;
          const full = this.fullDue;
          this.fullDue = false;
          let names: string[] = [];
          try {
            names = await this.opts.connections();
          } catch (e) {
            this.emitEvent({ type: 'error', connection: null, error: e as Error });
          }
          for (const name of names) await this.syncOne(name, full);
        } while (this.again && this.running);
      } finally {
        this.busy = null;
        this.emitEvent({ type: 'idle' });
      }
    })();
    return this.busy;
  }

  private async syncOne(id: string, fullDue: boolean): Promise<void> {
    const full = this.fullRequested.delete(id) || fullDue;
    const b = this.backoff.get(id);
    if (b && b.until > this.timers.now() && !full) return;
    const { pipeline } = this.opts;
    try {
      if (this.opts.awaitFirstRun && !(await hasAnyRun(pipeline.store.db, id))) return;
      const held = await heldRunIds(pipeline.store.db, id);
      if (held.length > 0) {
        this.emitEvent({ type: 'blocked', connection: id, reason: `run ${held[0]} is held for approval (safety threshold): approve it with wecom-sync apply --connection ${id} --approve ${held[0]}` });
        return;
      }
      const report = full ? await pipeline.apply(id) : await pipeline.incremental(id);
      if (!report) {
        this.clearBackoff(id);
        return;
      }
      this.emitEvent({ type: 'run', connection: id, report });
      const cursor = await getCursor(pipeline.store.db, report.connection.id);
      const behind = report.status === 'failed' || report.status === 'taken-over' || (cursor.lastChangeSeq ?? -1) < (report.changeSeq ?? 0);
      if (behind) this.failed(id);
      else this.clearBackoff(id);
    } catch (e) {
      if (!(e instanceof RunInProgressError)) this.emitEvent({ type: 'error', connection: id, error: e as Error });
      this.failed(id);
    }
  }

  private clearBackoff(name: string): void {
    const b = this.backoff.get(name);
    if (b?.timer != null) this.timers.clearTimeout(b.timer);
    this.backoff.delete(name);
  }

  private failed(name: string): void {
    const prev = this.backoff.get(name);
    if (prev?.timer != null) this.timers.clearTimeout(prev.timer);
    const failures = (prev?.failures ?? 0) + 1;
    const delay = Math.min(this.opts.retryMaxMs ?? 60_000, (this.opts.retryBaseMs ?? 1000) * 2 ** (failures - 1));
    const entry = { failures, until: this.timers.now() + delay, timer: null as unknown };
    if (this.running)
      entry.timer = this.timers.setTimeout(() => {
        entry.timer = null;
        entry.until = 0;
        void this.flush();
      }, delay);
    this.backoff.set(name, entry);
  }
}
