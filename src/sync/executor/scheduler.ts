// Which operation starts next (pure: no store, no client, no clock).
//
// An operation is ready once every dependency inside the plan has finished (a dependency outside
// the plan counts as satisfied). Ready operations wait in one first-in first-out queue per WeCom
// API; next() takes, among the APIs with a free slot, the operation that became ready first, at
// most `perApi` of one API and `total` in all. An API waiting for its budget in the client's
// limiter therefore never holds the slots another API could use.
//
// An operation whose dependency failed or was skipped is skipped when it would become ready
// (naming that dependency), which in turn skips its dependents. Operations already finished when
// the scheduler is built (a resumed run) settle at once, in plan order, as they were found.

export type SchedulerStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

export interface SchedulerOp {
  id: string;
  /** the WeCom API it calls (its queue) */
  api: string;
  dependsOn: readonly string[];
  /** as stored: pending and running ones are scheduled, the others are finished */
  status: SchedulerStatus;
}

interface SchedulerLimits {
  /** operations in flight at once */
  total: number;
  /** operations of one API in flight at once */
  perApi: number;
}

interface SkippedOp {
  id: string;
  /** the dependency that failed or was skipped */
  dependency: string;
  dependencyStatus: 'failed' | 'skipped';
}

interface Node {
  op: SchedulerOp;
  /** dependencies inside the plan not settled yet */
  waiting: number;
  dependents: Node[];
  /** the first dependency that settled badly */
  blockedBy: Node | undefined;
  state: 'waiting' | 'queued' | 'started' | 'released' | 'settled';
  /** how the node settled, for the dependents it blocks */
  settledAs: 'succeeded' | 'failed' | 'skipped' | undefined;
}

interface ApiQueue {
  items: Array<{ node: Node; seq: number }>;
  head: number;
  inFlight: number;
}

const FINISHED: ReadonlySet<SchedulerStatus> = new Set(['succeeded', 'failed', 'skipped']);

export class Scheduler {
  private readonly nodes = new Map<string, Node>();
  private readonly queues = new Map<string, ApiQueue>();
  private readySeq = 0;
  private started = 0;
  private skipped: SkippedOp[] = [];

  constructor(
    ops: readonly SchedulerOp[],
    private readonly limits: SchedulerLimits,
  ) {
    if (!(limits.total >= 1 && limits.perApi >= 1)) throw new RangeError('scheduler limits must be at least 1');
    for (const op of ops) {
      if (this.nodes.has(op.id)) throw new Error(`operation ${op.id} is listed twice`);
      this.nodes.set(op.id, { op, waiting: 0, dependents: [], blockedBy: undefined, state: 'waiting', settledAs: undefined });
    }
    for (const node of this.nodes.values())
      for (const d of new Set(node.op.dependsOn)) {
        const dep = this.nodes.get(d);
        if (!dep) continue; // outside the plan: already satisfied
        node.waiting++;
        dep.dependents.push(node);
      }
    // in plan order: operations without dependencies left, and finished ones (they settle as found,
    // whatever their dependencies); settling may ready or settle later ones itself
    for (const n of [...this.nodes.values()]) if (n.state === 'waiting' && (n.waiting === 0 || FINISHED.has(n.op.status))) this.becomeReady(n);
  }

  /** Operations started and not finished (or released). */
  get inFlight(): number {
    return this.started;
  }

  /** The next operation to start; it takes a slot until finish() or release(). */
  next(): string | undefined {
    if (this.started >= this.limits.total) return undefined;
    let best: ApiQueue | undefined;
    for (const q of this.queues.values()) {
      if (q.head === q.items.length || q.inFlight >= this.limits.perApi) continue;
      if (!best || q.items[q.head]!.seq < best.items[best.head]!.seq) best = q;
    }
    if (!best) return undefined;
    const { node } = best.items[best.head++]!;
    compact(best);
    best.inFlight++;
    this.started++;
    node.state = 'started';
    return node.op.id;
  }

  /** A started operation finished: its slot is free and its dependents learn whether it succeeded. */
  finish(id: string, ok: boolean): void {
    const node = this.startedNode(id);
    this.free(node);
    this.settle(node, ok ? 'succeeded' : 'failed');
  }

  /** A started operation's outcome is unknown (the execution stops): its slot is free, its dependents stay waiting. */
  release(id: string): void {
    const node = this.startedNode(id);
    this.free(node);
    node.state = 'released';
  }

  /** Operations skipped since the last call, in the order they were skipped. */
  takeSkipped(): SkippedOp[] {
    const out = this.skipped;
    this.skipped = [];
    return out;
  }

  private startedNode(id: string): Node {
    const node = this.nodes.get(id);
    if (node?.state !== 'started') throw new Error(`scheduler: operation ${id} is not in flight`);
    return node;
  }

  private free(node: Node): void {
    this.queues.get(node.op.api)!.inFlight--;
    this.started--;
  }

  private becomeReady(node: Node): void {
    if (node.state !== 'waiting') throw new Error(`scheduler bug: operation ${node.op.id} became ready twice`);
    const s = node.op.status;
    if (FINISHED.has(s)) return this.settle(node, s as 'succeeded' | 'failed' | 'skipped');
    if (node.blockedBy) {
      const dependencyStatus = node.blockedBy.settledAs === 'skipped' ? 'skipped' : 'failed';
      this.skipped.push({ id: node.op.id, dependency: node.blockedBy.op.id, dependencyStatus });
      return this.settle(node, 'skipped');
    }
    node.state = 'queued';
    this.queue(node.op.api).items.push({ node, seq: this.readySeq++ });
  }

  private settle(node: Node, as: 'succeeded' | 'failed' | 'skipped'): void {
    node.state = 'settled';
    node.settledAs = as;
    for (const d of node.dependents) {
      if (d.state !== 'waiting') continue; // a finished operation settled already
      if (as !== 'succeeded' && !d.blockedBy) d.blockedBy = node;
      if (--d.waiting === 0) this.becomeReady(d);
    }
  }

  private queue(api: string): ApiQueue {
    let q = this.queues.get(api);
    if (!q) this.queues.set(api, (q = { items: [], head: 0, inFlight: 0 }));
    return q;
  }
}

/** Drops the consumed head of a long queue now and then (amortised O(1) per item). */
function compact(q: ApiQueue): void {
  if (q.head > 1024 && q.head * 2 > q.items.length) {
    q.items = q.items.slice(q.head);
    q.head = 0;
  }
}
