// A gate every WeCom call passes after its rate-limiter permit, just before it is sent: the place
// where a budget shared with other processes is spent (src/jobs/budget.ts keeps it in PostgreSQL).
// The client knows nothing of how the gate decides; without one, calls go straight on.

export interface CallGate {
  /**
   * Resolves when a call of `api` may be sent; the ticket's done() must be called once the call
   * has finished (answered or failed). An abort of `signal` while waiting rejects with its reason.
   */
  take(api: string, signal?: AbortSignal): Promise<GateTicket>;
}

export interface GateTicket {
  done(): void;
}
