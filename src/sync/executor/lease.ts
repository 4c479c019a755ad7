// The executor's hold on its run's lease, and the rule that no WeCom call is sent without it.
//
// Another process may take a run over once its lease (lease_expires_at) has passed. The lease is
// renewed every third of its length; a renewal that lands is a confirmation that the run is still
// ours, counting from the moment it was sent. So the executor keeps a local deadline: the last
// confirmed renewal's start + leaseMs − margin. Calls may start only while that deadline is ahead.
// When a renewal fails (store error), or the deadline passes without a confirmed renewal (the
// event loop stalled, the store is slow), calls stop at once — the current signal is aborted, so
// calls waiting in the client's rate limiter are withdrawn too — and a renewal is sent: if it
// confirms, calls go on under a fresh signal; if it matches no row, another process holds the run
// and the lease is lost for good. A lease whose expiry passes while renewals fail is lost as well.
//
// A stalled event loop runs other callbacks (answers, limiter timers) before any timer of ours, so
// the signal handed to the client reads the deadline itself whenever its `aborted` is read: a call
// granted its permit right after a stall sees the expiry before it is sent.

export type LeaseState =
  | { kind: 'held' }
  | { kind: 'unconfirmed'; reason: string }
  | { kind: 'lost'; reason: 'taken' | 'expired'; detail: string };

interface LeaseGuardOptions {
  leaseMs: number;
  /** Extends the lease: true = the run is still ours, false = another owner holds it. Throws when the store fails. */
  renew: () => Promise<boolean>;
  /** A monotonic clock in ms (stalls must show); default performance.now. */
  now?: () => number;
}

const ABORTED = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;

export class LeaseGuard {
  private readonly leaseMs: number;
  private readonly margin: number;
  private readonly now: () => number;
  private state: LeaseState = { kind: 'unconfirmed', reason: 'not confirmed yet' };
  /** last confirmed renewal's start + leaseMs: after it another process may take the run over */
  private expiry = -Infinity;
  private controller = new AbortController();
  private current: AbortSignal;
  private renewing: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners: Array<(state: LeaseState) => void> = [];
  private nextChange: { promise: Promise<void>; resolve: () => void } | undefined;
  private stopped = false;

  constructor(private readonly opts: LeaseGuardOptions) {
    this.leaseMs = opts.leaseMs;
    this.margin = opts.leaseMs / 4;
    this.now = opts.now ?? (() => performance.now());
    this.current = this.deadlineSignal(this.controller);
  }

  /**
   * The first renewal: whether the run is ours (a store error is thrown). Renewals then go on by
   * themselves until stop().
   */
  async start(): Promise<boolean> {
    const sent = this.now();
    if (!(await this.opts.renew())) {
      this.lose('taken', 'another process holds the lease');
      return false;
    }
    this.expiry = sent + this.leaseMs;
    this.state = { kind: 'held' };
    this.schedule();
    return true;
  }

  /** The signal to give every WeCom call: aborted once calls must stop (see the top of this file). */
  get signal(): AbortSignal {
    return this.current;
  }

  get status(): LeaseState {
    return this.state;
  }

  /** Whether a call may start now (synchronous: reads the deadline). */
  mayStart(): boolean {
    this.checkDeadline();
    return this.state.kind === 'held';
  }

  /** Resolves once calls may start (true) or the lease is lost (false). */
  async ready(): Promise<boolean> {
    while (!this.mayStart()) {
      if (this.state.kind === 'lost') return false;
      await this.changed();
    }
    return true;
  }

  /** Resolves at the next change of state (one promise shared by all who wait). */
  changed(): Promise<void> {
    if (!this.nextChange) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.nextChange = { promise, resolve };
    }
    return this.nextChange.promise;
  }

  /** Calls `listener` at every change of state after start(). */
  watch(listener: (state: LeaseState) => void): void {
    this.listeners.push(listener);
  }

  /** Sends a renewal now, unless one is on its way (the guard's timer does this every third of the lease). */
  renewNow(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = null;
      this.schedule();
    });
    return this.renewing;
  }

  /**
   * No more renewals; a renewal still on its way changes nothing when it is answered (the run may be
   * finished by then, and a renewal of a finished run matches no row: that is not a lost lease).
   * Resolves once that renewal has been answered.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.renewing?.catch(() => {});
  }

  private checkDeadline(): void {
    if (this.state.kind === 'held' && this.now() >= this.expiry - this.margin) this.pause('the lease deadline passed without a confirmed renewal');
  }

  private async renewOnce(): Promise<void> {
    const sent = this.now();
    let ours: boolean;
    try {
      ours = await this.opts.renew();
    } catch (e) {
      if (this.stopped) return;
      const detail = `renewing the lease failed: ${e instanceof Error ? e.message : String(e)}`;
      if (this.now() >= this.expiry) this.lose('expired', detail);
      else this.pause(detail);
      return;
    }
    if (this.stopped) return;
    if (!ours) return this.lose('taken', 'another process holds the lease');
    this.expiry = Math.max(this.expiry, sent + this.leaseMs);
    if (this.now() < this.expiry - this.margin) this.hold();
    else this.pause('the lease renewal took too long to confirm');
  }

  /** Next renewal: a third of the lease after a confirmation, sooner while unconfirmed. */
  private schedule(): void {
    if (this.stopped || this.state.kind === 'lost') return;
    clearTimeout(this.timer);
    const ms = this.state.kind === 'held' ? this.leaseMs / 3 : Math.min(this.leaseMs / 10, 1000);
    this.timer = setTimeout(() => {
      this.checkDeadline();
      void this.renewNow();
    }, ms);
  }

  private hold(): void {
    if (this.state.kind !== 'unconfirmed') return;
    // the paused signal stays aborted: calls from now on get a fresh one
    this.controller = new AbortController();
    this.current = this.deadlineSignal(this.controller);
    this.set({ kind: 'held' });
  }

  private pause(reason: string): void {
    if (this.state.kind === 'lost') return;
    this.controller.abort(new Error(reason));
    if (this.state.kind === 'held') this.set({ kind: 'unconfirmed', reason });
    if (!this.stopped) void this.renewNow();
  }

  private lose(reason: 'taken' | 'expired', detail: string): void {
    if (this.state.kind === 'lost') return;
    this.controller.abort(new Error(detail));
    clearTimeout(this.timer);
    this.set({ kind: 'lost', reason, detail });
  }

  private set(state: LeaseState): void {
    this.state = state;
    for (const l of this.listeners) l(state);
    const change = this.nextChange;
    this.nextChange = undefined;
    change?.resolve();
  }

  /** A signal whose `aborted` also reads the deadline (see the top of this file). */
  private deadlineSignal(controller: AbortController): AbortSignal {
    const signal = controller.signal;
    Object.defineProperty(signal, 'aborted', {
      get: () => {
        this.checkDeadline();
        return ABORTED.call(signal) as boolean;
      },
    });
    return signal;
  }
}
