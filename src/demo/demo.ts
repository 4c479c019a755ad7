// The first-start demo: on a service with no connection, one call creates a sample company in the
// directory (./sample-company.ts: 星河科技有限公司, 33 organizations, ~300 people) and a WeCom
// simulator inside the process (src/simulator, HTTPS with its own certificate, loopback only),
// connects the two with a connection named `demo`, and starts a full sync — a real sync a newcomer
// can watch within a minute, with nothing leaving the machine.
//
//   status()  'available' (no connection yet), 'active' (with its connection and counts), or
//             'unavailable' (a real connection exists, or WECOM_SYNC_DEMO=off) with the reason
//   start()   refused (DemoConflictError → 409) unless available; returns the run it started
//   remove()  the connection with its runs, links and cursor; exactly the directory objects the
//             demo created (refused, nothing removed, when objects added since sit inside the sample
//             company: they are listed); the simulator; the demo's row
//   resume()  at service start, an active demo gets a new simulator (a new port and secret; its state
//             is in memory, so WeCom starts empty): the connection is pointed at it, its links and
//             cursor are forgotten and unfinished runs cancelled, so the worker's first cycle syncs
//             it like a new connection (a full run) and re-creates every department and member
//   stop()    at shutdown, after the sync worker stopped: closes the simulator
//
// Safety: the demo connection's scope is the sample company's top organization, so a real
// directory's objects are never sent to the simulator; while the demo is active the connection
// routes refuse a real connection whose scope would include the sample company (scopeConflict), so
// sample people never reach a real WeCom.
//
// State: one row in the `demo` table (migration 0005): the connection id, the simulated corpid and
// the ids of every organization and account created. The simulator's secret is not stored; a new
// one is made whenever the simulator starts, and the connection's encrypted secret follows it.
import { type CodedText, type FlatParams, coded } from '../messages/index.js';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { type Connections, ConnectionNotFoundError } from '../connections/index.js';
import type { Directory } from '../directory/directory.js';
import { ConflictError } from '../directory/errors.js';
import type { Account } from '../domain/account.js';
import { AppError } from '../domain/errors.js';
import type { Organization } from '../domain/organization.js';
import { type RunningSimulator, type SimulatorOptions, startSimulator } from '../simulator/index.js';
import { newId } from '../store/ids.js';
import type { Store, Tx } from '../store/store.js';
import { isUniqueViolation } from '../store/errors.js';
import { RunInProgressError, type SyncPipeline, type SyncWorker } from '../sync/index.js';
import { DEFAULT_SEED, SAMPLE_COMPANY_NAME, type SampleCompany, sampleCompany } from './sample-company.js';
import { DEMO_ROW_ID as ROW_ID, type DemoRecord, type DemoScopeConflict, demoScopeConflict, readDemo as readRecord } from './state.js';

export { demoScopeConflict } from './state.js';

const DEMO_CONNECTION_NAME = 'demo';

type DemoState = 'available' | 'active' | 'unavailable';

interface DemoStatus {
  state: DemoState;
  /** Why the demo cannot start ('unavailable'), or what is wrong with an active one. */
  reason?: string;
  /** The sample company's name. */
  company: string;
  /** The demo's connection ('active'; null when it was deleted by other means). */
  connection?: { id: string; name: string } | null;
  /** Sample organizations and accounts: in the directory ('active'), or to be created ('available'). */
  organizations?: number;
  accounts?: number;
  /** The built-in simulator ('active'): where it listens, or null when it is not running in this process. */
  simulator?: { url: string; corpId: string } | null;
  createdAt?: string;
}

interface DemoStarted {
  state: 'active';
  connection: { id: string; name: string };
  /** The full run started (or already started by the sync worker); null without a sync host. */
  run: string | null;
  organizations: number;
  accounts: number;
}

/** The demo cannot be started or removed in the current state (→ 409). */
export class DemoConflictError extends AppError {
  override readonly name = 'DemoConflictError';
  constructor(message: CodedText) {
    super('demo-conflict', 409, message);
  }
}

/** No demo is active (→ 404). */
export class DemoNotFoundError extends AppError {
  override readonly name = 'DemoNotFoundError';
  constructor() {
    super('not-found', 404, coded('error.demo-not-active'));
  }
}

/** The hosted sync the demo starts runs on and waits for (src/server/sync-engine.ts). */
interface DemoSyncHost {
  pipeline: SyncPipeline;
  worker: SyncWorker | null;
  /** Something was written to the directory. */
  notify(): void;
}

interface DemoOptions {
  store: Store;
  directory: Directory;
  connections: Connections;
  /** false: never offered (WECOM_SYNC_DEMO=off); an active demo is still resumed and removable. Default true. */
  enabled?: boolean;
  logger?: Logger;
  /** The sample company's seed (default: always the same company). */
  seed?: number;
  /** Simulator overrides (tests: token lifetime, rate limit, faults). */
  simulator?: Partial<Omit<SimulatorOptions, 'corps' | 'host' | 'port' | 'https' | 'stateFile'>>;
  /** How long remove() waits for a run of the demo connection to finish (default 60 s). */
  runWaitMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class Demo {
  private readonly store: Store;
  private readonly directory: Directory;
  private readonly connections: Connections;
  private readonly enabled: boolean;
  private readonly logger: Logger | undefined;
  private host: DemoSyncHost | null = null;
  private sim: RunningSimulator | null = null;
  private readonly background = new Set<Promise<unknown>>();
  /** start / remove / resume / stop, one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: DemoOptions) {
    this.store = opts.store;
    this.directory = opts.directory;
    this.connections = opts.connections;
    this.enabled = opts.enabled ?? true;
    this.logger = opts.logger;
  }

  /** Connects the hosted sync (before resume(), and before the worker starts). */
  attach(host: DemoSyncHost): void {
    this.host = host;
  }

  private pipeline(): SyncPipeline {
    if (!this.host) throw new Error('the demo has no sync host attached');
    return this.host.pipeline;
  }

  /** The running simulator (tests inspect its models), or null. */
  get simulator(): RunningSimulator | null {
    return this.sim;
  }

  record(): Promise<DemoRecord | null> {
    return readRecord(this.store.db);
  }

  /** The demo's connection id, or null when no demo is active. */
  async connectionId(): Promise<string | null> {
    return (await this.record())?.connectionId || null;
  }

  /** Why a connection (null: a new one) may not sync these scope roots while the demo is active, or null (see demoScopeConflict). */
  async scopeConflict(organizationRoots: readonly string[], connectionId: string | null = null): Promise<DemoScopeConflict | null> {
    return demoScopeConflict(await this.record(), organizationRoots, connectionId);
  }

  async status(): Promise<DemoStatus> {
    const r = await this.record();
    if (r) {
      const c = r.connectionId ? await this.connections.find(r.connectionId) : null;
      return {
        state: 'active',
        company: SAMPLE_COMPANY_NAME,
        connection: c ? { id: c.id, name: c.name } : null,
        organizations: r.organizationIds.length,
        accounts: r.accountIds.length,
        simulator: this.sim ? { url: this.sim.url, corpId: r.corpId } : null,
        createdAt: r.createdAt,
        ...(c ? {} : { reason: r.connectionId ? 'the demo connection was deleted; remove the demo to clean up its sample company' : 'the demo is being set up' }),
      };
    }
    const sample = this.sample();
    const base = { company: SAMPLE_COMPANY_NAME, organizations: sample.organizations.length, accounts: sample.accounts.length };
    const why = await this.unavailableReason();
    return why ? { state: 'unavailable', reason: why.message, ...base } : { state: 'available', ...base };
  }

  /** Creates the sample company, the simulator and the demo connection, and starts a full run. */
  start(): Promise<DemoStarted> {
    return this.serial(() => this.doStart());
  }

  /** Removes the demo: its connection (with runs, links, cursor), its sample objects, its simulator. */
  remove(): Promise<{ organizations: number; accounts: number }> {
    return this.serial(() => this.doRemove());
  }

  /** At service start (attached, before the sync worker starts): an active demo gets a fresh simulator. true when resumed. */
  resume(): Promise<boolean> {
    return this.serial(() => this.doResume());
  }

  /** Resolves when the runs the demo started have finished (shutdown: before the sync engine stops). */
  async drain(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /** Shutdown, after the sync worker stopped: the simulator closes. */
  stop(): Promise<void> {
    return this.serial(async () => {
      await this.drain();
      await this.closeSimulator();
    });
  }

  // ------------------------------------------------------------------ internals

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  private sample(takenUsernames?: ReadonlySet<string>): SampleCompany {
    return sampleCompany({ seed: this.opts.seed ?? DEFAULT_SEED, ...(takenUsernames ? { takenUsernames } : {}) });
  }

  private async unavailableReason(db: Store['db'] | Tx = this.store.db): Promise<CodedText | null> {
    if (!this.enabled) return coded('error.demo-off');
    const real = await db.selectFrom('connections').select('name').orderBy('name_key').limit(3).execute();
    if (real.length > 0) return coded('error.demo-connection-exists', { names: real.map((c) => `"${c.name}"`).join(', ') });
    return null;
  }

  private async startSimulator(corpId: string): Promise<{ sim: RunningSimulator; secret: string }> {
    const secret = randomBytes(24).toString('base64url');
    const sim = await startSimulator({
      ...this.opts.simulator,
      host: '127.0.0.1',
      port: 0,
      https: true,
      corps: [{ corpid: corpId, secret, name: this.sample().shortName }],
      // Trusted egress IP (loopback, the only address it listens on), as before 2022-08-15: full reads, so
      // the demo's first sync shows no 48009 warnings.
      legacyTrustedIps: ['127.0.0.1', '::1'],
    });
    return { sim, secret };
  }

  private async closeSimulator(): Promise<void> {
    const sim = this.sim;
    this.sim = null;
    await sim?.close();
  }

  private async doStart(): Promise<DemoStarted> {
    const sample = this.sample();
    const corpId = `ww${randomBytes(8).toString('hex')}`;

    // 1. the row first: it claims the demo (one per store, even across processes) and records the
    //    ids of everything about to be created, so a crash half-way leaves nothing remove() cannot find
    const now = new Date().toISOString();
    const orgIds = new Map(sample.organizations.map((o) => [o.key, newId('org')]));
    const accIds = new Map(sample.accounts.map((a) => [a.key, newId('acc')]));
    const rootId = orgIds.get(sample.organizations[0]!.key)!;
    try {
      await this.store.write(async (trx) => {
        if (await readRecord(trx)) throw new DemoConflictError(coded('error.demo-active'));
        const why = await this.unavailableReason(trx);
        if (why) throw new DemoConflictError(coded('error.demo-cannot-start', { why: { code: why.code, ...(why.params ? { params: why.params as FlatParams } : {}) } }));
        await trx
          .insertInto('demo')
          .values({
            id: ROW_ID,
            connection_id: '',
            corp_id: corpId,
            root_organization_id: rootId,
            organization_ids: JSON.stringify([...orgIds.values()]),
            account_ids: JSON.stringify([...accIds.values()]),
            created_at: now,
          })
          .execute();
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new DemoConflictError(coded('error.demo-active'));
      throw err;
    }

    let connectionId: string | null = null;
    try {
      // 2. the simulator (root department named after the company)
      const { sim, secret } = await this.startSimulator(corpId);
      this.sim = sim;

      // 3. the sample company, in one directory batch (one transaction, one change-feed burst)
      const { organizations, accounts } = await this.writeSample(sample, orgIds, accIds, now);

      // 4. the connection, limited to the sample company
      const c = await this.connections.create({
        name: DEMO_CONNECTION_NAME,
        corpId,
        secret,
        rootDepartmentId: 1,
        apiBase: sim.url,
        caPem: sim.caPem ?? null,
        proxies: [],
        scope: { organizationRoots: [rootId] },
      });
      connectionId = c.id;
      await this.store.db.updateTable('demo').set({ connection_id: c.id }).where('id', '=', ROW_ID).execute();
      this.logger?.info({ connection: c.id, organizations, accounts, simulator: sim.url }, 'demo started: sample company and simulator');

      // 5. a full run, as POST /connections/:name/runs starts one
      const run = await this.startRun(c.id);
      return { state: 'active', connection: { id: c.id, name: c.name }, run, organizations, accounts };
    } catch (err) {
      this.logger?.error({ err }, 'demo start failed; undoing it');
      await this.undo(connectionId, [...orgIds.values()], [...accIds.values()]).catch((e: unknown) => this.logger?.error({ err: e }, 'demo: undoing a failed start failed'));
      throw err;
    }
  }

  /** Writes the sample company through the directory's bulk path (validated like any write). */
  private async writeSample(sample: SampleCompany, orgIds: Map<string, string>, accIds: Map<string, string>, at: string): Promise<{ organizations: number; accounts: number }> {
    const r = await this.directory.applyBatch((snapshot) => {
      const rootName = sample.organizations[0]!.name;
      const clash = snapshot.organizations.find((o) => o.parentId === null && o.name === rootName);
      if (clash) throw new DemoConflictError(coded('error.demo-root-taken', { name: rootName, id: clash.id }));
      // the usernames are drawn again, avoiding the directory's
      const taken = new Set(snapshot.accounts.map((a) => a.username.toLowerCase()));
      const people = taken.size > 0 ? this.sample(taken).accounts : sample.accounts;
      const organizations: Organization[] = sample.organizations.map((o) => ({
        id: orgIds.get(o.key)!,
        externalId: null,
        name: o.name,
        parentId: o.parentKey === null ? null : orgIds.get(o.parentKey)!,
        order: o.order,
        code: o.code,
        status: 'enabled',
        attributes: { sample: 'wecom-sync demo' },
        version: 1,
        createdAt: at,
        updatedAt: at,
      }));
      const accounts: Account[] = people.map((a) => {
        const orgId = orgIds.get(a.organizationKey)!;
        const fields = this.directory.prepareAccount({
          externalId: null,
          username: a.username,
          displayName: a.displayName,
          mobile: a.mobile,
          email: a.email,
          telephone: a.telephone,
          title: a.title,
          gender: a.gender,
          employeeNumber: a.employeeNumber,
          managerId: a.managerKey === null ? null : accIds.get(a.managerKey)!,
          organizationIds: [orgId],
          primaryOrganizationId: orgId,
          status: 'enabled',
          attributes: { sample: 'wecom-sync demo' },
        });
        return { id: accIds.get(a.key)!, ...fields, version: 1, createdAt: at, updatedAt: at };
      });
      return { plan: { organizations: { create: organizations, update: [] }, accounts: { create: accounts, update: [] } }, result: { organizations: organizations.length, accounts: accounts.length } };
    });
    return { organizations: r.organizations, accounts: r.accounts };
  }

  /** Starts a full run and answers once it is claimed; it goes on in the background (drain() awaits it). */
  private async startRun(connectionId: string): Promise<string | null> {
    const host = this.host;
    if (!host) return null;
    let claimed!: (id: string) => void;
    const claim = new Promise<string>((resolve) => (claimed = resolve));
    const done = host.pipeline.apply(connectionId, { onEvent: (e) => void (e.type === 'run-claimed' && claimed(e.runId)) });
    const tracked = done.catch((err: unknown) => {
      if (!(err instanceof RunInProgressError)) this.logger?.error({ err }, 'demo: the first sync run failed');
    });
    this.background.add(tracked);
    void tracked.finally(() => this.background.delete(tracked));
    try {
      const first = await Promise.race([claim, done.then((r) => r.runId)]);
      return first;
    } catch (err) {
      // the worker was quicker (it saw the new connection): its run is the demo's first run
      if (err instanceof RunInProgressError) return err.runId;
      throw err;
    }
  }

  private async doRemove(): Promise<{ organizations: number; accounts: number }> {
    const r = await this.record();
    if (!r) throw new DemoNotFoundError();
    const ids = { accounts: r.accountIds, organizations: r.organizationIds };
    const blockers = await this.directory.deleteBlockers(ids);
    if (blockers.length > 0)
      throw new DemoConflictError(coded('error.demo-remove-blocked', { list: `${blockers.slice(0, 10).join(', ')}${blockers.length > 10 ? `, and ${blockers.length - 10} more` : ''}` }));
    await this.drain();
    const removed = await this.undo(r.connectionId || null, r.organizationIds, r.accountIds);
    this.logger?.info(removed, 'demo removed');
    return removed;
  }

  /** Removes the connection (and its sync state), the sample objects, the simulator and the row. */
  private async undo(connectionId: string | null, organizationIds: string[], accountIds: string[]): Promise<{ organizations: number; accounts: number }> {
    if (connectionId) {
      await this.connections.delete(connectionId).catch((err: unknown) => {
        if (!(err instanceof ConnectionNotFoundError)) throw err;
      });
      // the worker no longer lists it; a run already going (the worker's or ours) finishes first
      await this.drain();
      await this.host?.worker?.whenIdle();
      const deadline = Date.now() + (this.opts.runWaitMs ?? 60_000);
      while (Date.now() < deadline && (await this.pipeline().isRunning(connectionId))) await sleep(50);
      await this.pipeline().forget(connectionId, 'the demo was removed', { runs: true });
    }
    let deleted = { organizations: 0, accounts: 0 };
    try {
      deleted = (await this.directory.deleteBatch({ accounts: accountIds, organizations: organizationIds })).deleted;
    } catch (err) {
      if (err instanceof ConflictError) throw new DemoConflictError(coded('error.demo-sample-kept', { detail: err.message }));
      throw err;
    }
    this.host?.notify();
    await this.closeSimulator();
    await this.store.db.deleteFrom('demo').where('id', '=', ROW_ID).execute();
    return deleted;
  }

  private async doResume(): Promise<boolean> {
    const r = await this.record();
    if (!r) return false;
    const c = r.connectionId ? await this.connections.find(r.connectionId) : null;
    if (!c) {
      this.logger?.warn('the demo is active but its connection is gone: remove the demo (DELETE /api/v1/demo) to clean up its sample company');
      return false;
    }
    await this.closeSimulator();
    const { sim, secret } = await this.startSimulator(r.corpId);
    this.sim = sim;
    try {
      // WeCom (the simulator) starts empty: forget what was synced, so the next sync is a first one
      await this.pipeline().forget(c.id, 'the demo simulator restarted with an empty WeCom; the next sync starts over');
      await this.connections.update(c.id, { secret, apiBase: sim.url, caPem: sim.caPem ?? null });
    } catch (err) {
      await this.closeSimulator();
      throw err;
    }
    this.logger?.info({ connection: c.id, simulator: sim.url }, 'demo resumed: a new simulator; the sync worker re-creates the sample company in it');
    return true;
  }
}
