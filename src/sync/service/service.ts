// SyncService: the user-facing sync of one connection, end to end.
//   plan(name)        directory → mapping → matching → planner, nothing stored or sent
//   apply(name)       the same, stored and executed as a full run (held by the safety threshold
//                     when it deletes or disables too much)
//   incremental(name) the change feed since the connection's cursor → a scoped run
//   status(name)      recent runs, links, failures with explanations, cursor lag
// Dependencies are injected (store, directory, connections, WeCom client factory, clock).
import type { Connection } from '../../domain/connection.js';
import type { DesiredState } from '../../domain/desired.js';
import type { DepartmentLink, Links, MemberLink } from '../../domain/link.js';
import type { Plan, PlanWarning } from '../../domain/plan.js';
import type { Directory, DirectorySnapshot } from '../../directory/directory.js';
import { mapDirectory, matchDepartments, matchMembers, type CompiledMapping, type MappingProblem } from '../../mapping/definitions/index.js';
import type { Store } from '../../store/store.js';
import { createWeComClient, type WeComClientOptions } from '../../wecom/index.js';
import { Errcode } from '../../wecom/errors/catalog.js';
import { WeComError } from '../../wecom/errors/wecom-error.js';
import type { ExecutorEvent, SyncClient } from '../executor/executor.js';
import { approveRun, readObserved, retryFailed, runFullSync, type RunReport, type RunnerEvent, type SyncConnection } from '../run.js';
import type { Observed } from '../planner/types.js';
import { getCursor } from '../state/cursors.js';
import { loadLinks, putLinks } from '../state/links.js';
import { activeRuns, isStale, listRuns, loadOperations, RunInProgressError, type Explanation, type RunRecord } from '../state/runs.js';
import { affectedKeys, collectAffected, type AffectedKeys } from '../incremental/affected.js';
import { planScoped, runScopedSync } from '../incremental/run.js';
import { compileConnectionMapping } from './mapping.js';

/** The WeCom client a connection syncs with (the real client, or anything shaped like it). */
export type ServiceClient = SyncClient & { close?: () => Promise<void> };

export interface SyncServiceDeps {
  store: Store;
  directory: Directory;
  connections: { get(nameOrId: string): Promise<Connection>; clientOptions(nameOrId: string): Promise<WeComClientOptions> };
  /** Default: createWeComClient. */
  clientFactory?: (options: WeComClientOptions) => ServiceClient;
  clock?: () => Date;
  /** Operations in flight at once per run (default: the executor's). */
  concurrency?: number;
  leaseMs?: number;
}

export interface PreparedConnection {
  connection: Connection;
  sync: SyncConnection;
  mapping: CompiledMapping;
  client: ServiceClient;
}

export interface Adoption {
  members: Array<{ key: string; userid: string; by: string }>;
  departments: Array<{ key: string; departmentId: number; by: string }>;
  warnings: PlanWarning[];
}

export interface MappedDirectory {
  desired: DesiredState;
  problems: MappingProblem[];
  held: { organizations: string[]; accounts: string[] };
  departmentIds: Array<{ key: string; departmentId: number }>;
  /** The change-feed sequence read before the snapshot: every change up to it is reflected. */
  changeSeq: number;
}

export interface SyncReport extends RunReport {
  connection: { id: string; name: string };
  kind: 'dry-run' | 'full' | 'incremental' | 'approve' | 'retry';
  /** Per-object mapping problems (never dropped silently): objects left out, fields omitted. */
  problems: MappingProblem[];
  /** Existing WeCom objects adopted (linked) instead of created. */
  adopted: Adoption;
  changeSeq?: number;
}

export interface ApplyOptions {
  onEvent?: (e: ExecutorEvent | RunnerEvent) => void;
  /** Called with (done, total) as operations are recorded. */
  onProgress?: (done: number, total: number) => void;
}

export interface FailureView {
  runId: string;
  kind: string;
  key: string;
  target: string;
  errcode: number | null;
  errmsg: string | null;
  explanation: Explanation | null;
  note: string | null;
}

export interface SyncStatus {
  connection: { id: string; name: string; rootDepartmentId: number; defaultDepartmentId: number | null };
  runs: Array<Pick<RunRecord, 'id' | 'kind' | 'status' | 'createdAt' | 'finishedAt'> & { summary: string | null; error: string | null }>;
  links: { departments: number; members: number; pending: number };
  /** Failed operations of the most recent finished run. */
  failures: FailureView[];
  /** Runs waiting for approval (safety threshold). */
  held: string[];
  cursor: { lastChangeSeq: number | null; latestSequence: number; lag: number; departmentIdFloor: number };
}

export function targetText(t: { departmentId?: number; userid?: string }): string {
  return t.userid !== undefined ? `member ${t.userid}` : `department ${t.departmentId}`;
}

function toSyncConnection(c: Connection): SyncConnection {
  return {
    id: c.id,
    rootDepartmentId: c.rootDepartmentId,
    ...(c.defaultDepartmentId !== null ? { defaultDepartmentId: c.defaultDepartmentId } : {}),
    policies: { onAccountDeleted: c.policies.onAccountDeleted, onAccountDisabled: c.policies.onAccountDisabled, onOrganizationDeleted: c.policies.onOrganizationDeleted },
    safety: { ...c.policies.safety },
  };
}

const refused = (e: unknown): boolean => e instanceof WeComError && e.errcode === Errcode.DetailReadForbidden;

export class SyncService {
  private readonly clients = new Map<string, { version: number; client: ServiceClient }>();
  private readonly mappings = new Map<string, { version: number; mapping: CompiledMapping }>();
  readonly store: Store;
  readonly directory: Directory;
  readonly clock: () => Date;

  constructor(private readonly deps: SyncServiceDeps) {
    this.store = deps.store;
    this.directory = deps.directory;
    this.clock = deps.clock ?? (() => new Date());
  }

  /** The connection, its planner settings, its compiled mapping and a (cached) WeCom client. */
  async prepare(nameOrId: string): Promise<PreparedConnection> {
    const connection = await this.deps.connections.get(nameOrId);
    const mapping = this.compiledMapping(connection);
    let c = this.clients.get(connection.id);
    if (!c || c.version !== connection.version) {
      await c?.client.close?.().catch(() => {});
      const options = await this.deps.connections.clientOptions(connection.id);
      c = { version: connection.version, client: (this.deps.clientFactory ?? createWeComClient)(options) };
      this.clients.set(connection.id, c);
    }
    return { connection, sync: toSyncConnection(connection), mapping, client: c.client };
  }

  /** The connection's compiled mapping (cached per connection version); MappingConfigError when it does not compile. */
  compiledMapping(connection: Connection): CompiledMapping {
    let m = this.mappings.get(connection.id);
    if (!m || m.version !== connection.version) this.mappings.set(connection.id, (m = { version: connection.version, mapping: compileConnectionMapping(connection) }));
    return m.mapping;
  }

  /** Maps the whole directory for a connection; the sequence is read before the snapshot. */
  async mapped(p: PreparedConnection): Promise<MappedDirectory> {
    const changeSeq = await this.directory.latestSequence();
    const snapshot = await this.directory.snapshot();
    const r = mapDirectory(snapshot, p.mapping, { defaultDepartmentId: p.connection.defaultDepartmentId });
    return { desired: r.desired, problems: r.problems, held: r.held, departmentIds: r.departmentIds, changeSeq };
  }

  /** Dry run: what apply would do now. Nothing is stored or sent. */
  async plan(nameOrId: string): Promise<SyncReport & { plan: Plan }> {
    const p = await this.prepare(nameOrId);
    const m = await this.mapped(p);
    const { observed, warnings } = await readObserved(p.client, p.sync.rootDepartmentId);
    const adopted = await this.findAdoptions(p, m, observed);
    alignUserids(m.desired, [...(await loadLinks(this.store.db, p.connection.id)).members, ...adoptedLinks(adopted).members]);
    const plan = await planScoped(this.store, p.sync, m.desired, observed, await this.fullScope(p, m), undefined, [...warnings, ...adopted.warnings], adoptedLinks(adopted));
    const n = plan.operations.length;
    return {
      connection: { id: p.connection.id, name: p.connection.name },
      kind: 'dry-run',
      runId: null,
      status: 'dry-run',
      summary: {
        total: n, succeeded: 0, failed: 0, skipped: 0, pending: n, retryable: 0, gone: 0, byKind: { ...plan.summary.byKind },
        message: n === 0 ? 'nothing to do: WeCom already matches the directory' : `${n} operations planned`,
      },
      warnings: plan.warnings,
      error: null,
      plan,
      problems: m.problems,
      adopted,
      changeSeq: m.changeSeq,
    };
  }

  /** A full run: everything the directory says, reconciled against WeCom's lists. */
  async apply(nameOrId: string, opts: ApplyOptions = {}): Promise<SyncReport> {
    const p = await this.prepare(nameOrId);
    await this.refuseIfActive(p.connection.id);
    const m = await this.mapped(p);
    const { observed } = await readObserved(p.client, p.sync.rootDepartmentId);
    const adopted = await this.findAdoptions(p, m, observed);
    const links = adoptedLinks(adopted);
    if (links.departments.length + links.members.length > 0) await this.store.write((trx) => putLinks(trx, p.connection.id, links, this.clock().toISOString()));
    alignUserids(m.desired, (await loadLinks(this.store.db, p.connection.id)).members);
    const onEvent = this.eventHandler(opts);
    const common = { store: this.store, client: p.client, connection: p.sync, desired: m.desired, changeSeq: m.changeSeq, ...this.runnerOptions(), ...(onEvent ? { onEvent } : {}) };
    const scope = await this.fullScope(p, m);
    const report = scope
      ? await runScopedSync({ ...common, kind: 'full', observe: true, scope })
      : await runFullSync(common);
    report.warnings = [...adopted.warnings, ...report.warnings];
    return { ...report, connection: { id: p.connection.id, name: p.connection.name }, kind: 'full', problems: m.problems, adopted, changeSeq: m.changeSeq };
  }

  /** Executes a run held by the safety threshold. */
  /** Executes a run held by the safety threshold. */
  async approve(nameOrId: string, runId: string, opts: ApplyOptions = {}): Promise<SyncReport> {
    return this.reexecute('approve', nameOrId, runId, opts);
  }

  /** Sends a partial or failed run's failed operations again (and those skipped because of them). */
  async retry(nameOrId: string, runId: string, opts: ApplyOptions = {}): Promise<SyncReport> {
    return this.reexecute('retry', nameOrId, runId, opts);
  }

  private async reexecute(kind: 'approve' | 'retry', nameOrId: string, runId: string, opts: ApplyOptions): Promise<SyncReport> {
    const p = await this.prepare(nameOrId);
    const runs = await this.store.db.selectFrom('runs').select(['id', 'connection_id']).where('id', '=', runId).executeTakeFirst();
    if (!runs || runs.connection_id !== p.connection.id) throw new Error(`run ${runId} is not a run of connection "${p.connection.name}"`);
    const onEvent = this.eventHandler(opts);
    const run = kind === 'approve' ? approveRun : retryFailed;
    const report = await run({ store: this.store, client: p.client, runId, ...this.runnerOptions(), ...(onEvent ? { onEvent } : {}) });
    return { ...report, connection: { id: p.connection.id, name: p.connection.name }, kind, problems: [], adopted: { members: [], departments: [], warnings: [] } };
  }

  /**
   * Syncs the changes after the connection's cursor: the affected keys only, no WeCom reads. A
   * connection that never synced (or more than `maxChanges` behind) gets a full run instead.
   * Up to `targetedReadLimit` changes (default 200) only the tree and the affected accounts are
   * read and mapped; more, the whole directory. Returns null when there is nothing new.
   */
  async incremental(nameOrId: string, opts: ApplyOptions & { maxChanges?: number; targetedReadLimit?: number } = {}): Promise<SyncReport | null> {
    const p = await this.prepare(nameOrId);
    const cursor = await getCursor(this.store.db, p.connection.id);
    if (cursor.lastChangeSeq === null) return this.apply(nameOrId, opts);
    const latest = await this.directory.latestSequence();
    if (latest <= cursor.lastChangeSeq) return null;
    const max = opts.maxChanges ?? 50_000;
    const changes = [];
    for (let after = cursor.lastChangeSeq; after < latest && changes.length <= max; ) {
      const page = await this.directory.changesSince(after, 10_000);
      if (page.length === 0) break;
      for (const c of page) if (c.seq <= latest) changes.push(c);
      after = page[page.length - 1]!.seq;
    }
    if (changes.length > max) return this.apply(nameOrId, opts);
    // a few changes: map the tree and the affected accounts only; a large batch: the whole directory
    let snapshot: DirectorySnapshot;
    let keys: AffectedKeys;
    if (changes.length <= (opts.targetedReadLimit ?? 200)) ({ snapshot, keys } = await collectAffected(this.directory, changes));
    else {
      snapshot = await this.directory.snapshot();
      keys = affectedKeys(changes, snapshot);
    }
    const r = mapDirectory(snapshot, p.mapping, { defaultDepartmentId: p.connection.defaultDepartmentId });
    alignUserids(r.desired, (await loadLinks(this.store.db, p.connection.id)).members);
    const heldOrgs = new Set(r.held.organizations);
    const heldAccounts = new Set(r.held.accounts);
    const scope = {
      departments: [...keys.organizations].filter((k) => !heldOrgs.has(k)).sort(),
      members: [...keys.accounts].filter((k) => !heldAccounts.has(k)).sort(),
    };
    const affected = new Set([...keys.organizations, ...keys.accounts]);
    const problems = r.problems.filter((x) => affected.has(x.key));
    const onEvent = this.eventHandler(opts);
    const report = await runScopedSync({
      store: this.store,
      client: p.client,
      connection: p.sync,
      desired: r.desired,
      scope,
      kind: 'incremental',
      observe: false,
      changeSeq: latest,
      advanceOnDataFailures: true,
      dropEmpty: true,
      ...this.runnerOptions(),
      ...(onEvent ? { onEvent } : {}),
    });
    return { ...report, connection: { id: p.connection.id, name: p.connection.name }, kind: 'incremental', problems, adopted: { members: [], departments: [], warnings: [] }, changeSeq: latest };
  }

  async status(nameOrId: string, opts: { runs?: number } = {}): Promise<SyncStatus> {
    const connection = await this.deps.connections.get(nameOrId);
    const [runs, links, cursor, latest] = await Promise.all([
      listRuns(this.store.db, connection.id, opts.runs ?? 10),
      loadLinks(this.store.db, connection.id),
      getCursor(this.store.db, connection.id),
      this.directory.latestSequence(),
    ]);
    const lastFinished = runs.find((r) => r.finishedAt !== null && r.status !== 'cancelled');
    const failures = lastFinished ? await this.failures(lastFinished.id) : [];
    const held = (await this.store.db.selectFrom('runs').select('id').where('connection_id', '=', connection.id).where('status', '=', 'held').execute()).map((r) => r.id);
    return {
      connection: { id: connection.id, name: connection.name, rootDepartmentId: connection.rootDepartmentId, defaultDepartmentId: connection.defaultDepartmentId },
      runs: runs.map((r) => ({ id: r.id, kind: r.kind, status: r.status, createdAt: r.createdAt, finishedAt: r.finishedAt, summary: r.summary?.message ?? null, error: r.error?.message ?? null })),
      links: {
        departments: links.departments.length,
        members: links.members.length,
        pending: links.departments.filter((l) => l.state === 'pending').length + links.members.filter((l) => l.state === 'pending').length,
      },
      failures,
      held,
      cursor: { lastChangeSeq: cursor.lastChangeSeq, latestSequence: latest, lag: latest - (cursor.lastChangeSeq ?? 0), departmentIdFloor: cursor.departmentIdFloor },
    };
  }

  /** The failed operations of a run, with WeCom's answer and the plain-language explanation. */
  async failures(runId: string): Promise<FailureView[]> {
    const out: FailureView[] = [];
    for (const op of await loadOperations(this.store.db, runId)) {
      if (op.status !== 'failed') continue;
      out.push({ runId, kind: op.kind, key: op.key, target: targetText(op.target as { departmentId?: number; userid?: string }), errcode: op.errcode, errmsg: op.errmsg, explanation: op.explanation, note: op.note });
    }
    return out;
  }

  /** True once any run (full, incremental, held or failed) was started for the connection. */
  async hasRun(nameOrId: string): Promise<boolean> {
    const connection = await this.deps.connections.get(nameOrId);
    const row = await this.store.db.selectFrom('runs').select('id').where('connection_id', '=', connection.id).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /** Ids of the connection's runs waiting for approval. */
  async heldRuns(nameOrId: string): Promise<string[]> {
    const connection = await this.deps.connections.get(nameOrId);
    const rows = await this.store.db.selectFrom('runs').select('id').where('connection_id', '=', connection.id).where('status', '=', 'held').orderBy('created_at').execute();
    return rows.map((r) => r.id);
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((c) => c.client.close?.().catch(() => {})));
  }

  // ------------------------------------------------------------------ internals

  private runnerOptions(): { concurrency?: number; leaseMs?: number } {
    return { ...(this.deps.concurrency !== undefined ? { concurrency: this.deps.concurrency } : {}), ...(this.deps.leaseMs !== undefined ? { leaseMs: this.deps.leaseMs } : {}) };
  }

  private eventHandler(opts: ApplyOptions): ((e: ExecutorEvent | RunnerEvent) => void) | undefined {
    if (!opts.onEvent && !opts.onProgress) return undefined;
    let total = 0;
    let done = 0;
    return (e) => {
      opts.onEvent?.(e);
      if (!opts.onProgress) return;
      if (e.type === 'plan-stored') {
        total = e.operations;
        opts.onProgress(done, total);
      } else if (e.type === 'op-recorded') opts.onProgress(++done, total);
    };
  }

  /** A live run of another executor: refuse before touching links (a stale one is resumed by the run). */
  private async refuseIfActive(connectionId: string): Promise<void> {
    for (const r of await activeRuns(this.store.db, connectionId)) if (!isStale(r)) throw new RunInProgressError(connectionId, r.id, r.leaseOwner);
  }

  /**
   * A full run plans every key, except objects the mapping held back (a failed required field, a
   * collision): those are left as they are, never treated as deleted. undefined = no held object,
   * plan everything (a plain full reconcile).
   */
  private async fullScope(p: PreparedConnection, m: MappedDirectory): Promise<{ departments: string[]; members: string[] } | undefined> {
    if (m.held.organizations.length === 0 && m.held.accounts.length === 0) return undefined;
    const links = await loadLinks(this.store.db, p.connection.id);
    const ho = new Set(m.held.organizations);
    const ha = new Set(m.held.accounts);
    const departments = new Set([...m.desired.departments.map((d) => d.key), ...links.departments.map((l) => l.key)]);
    const members = new Set([...m.desired.members.map((d) => d.key), ...links.members.map((l) => l.key)]);
    return { departments: [...departments].filter((k) => !ho.has(k)).sort(), members: [...members].filter((k) => !ha.has(k)).sort() };
  }

  /**
   * Existing WeCom objects to adopt instead of creating duplicates (matching rules of the mapping):
   * members not linked yet, matched by userid (from user/list_id) and, when WeCom lets details be
   * read, by mobile or e-mail; departments by name path or id, only while the connection has no
   * department link yet. Only objects inside the connection's root subtree are adopted.
   */
  async findAdoptions(p: PreparedConnection, m: MappedDirectory, observed: Observed): Promise<Adoption> {
    const out: Adoption = { members: [], departments: [], warnings: [] };
    const rules = p.mapping.definition.matching;
    const links = await loadLinks(this.store.db, p.connection.id);
    const root = p.sync.rootDepartmentId;
    const subtree = observed.departments ? subtreeOf(root, observed.departments) : undefined;
    const inside = (depts: number[]): boolean => (subtree ? depts.every((d) => subtree.has(d)) : false);

    // members
    const linkedKeys = new Set(links.members.map((l) => l.key));
    const linkedUserids = new Set(links.members.map((l) => l.userid.toLowerCase()));
    const candidates = m.desired.members.filter((d) => !linkedKeys.has(d.key));
    if (candidates.length > 0 && rules.members.length > 0 && observed.members) {
      const free = observed.members.filter((x) => !linkedUserids.has(x.userid.toLowerCase()) && inside(x.department));
      if (free.length > 0) {
        const existing = new Map(free.map((x) => [x.userid.toLowerCase(), { userid: x.userid } as { userid: string; mobile?: string; email?: string }]));
        if (rules.members.some((r) => r !== 'userid')) {
          try {
            for (const d of await p.client.user.list(root, { fetchChild: true })) {
              const e = existing.get(d.userid.toLowerCase());
              if (!e) continue;
              if (d.mobile) e.mobile = d.mobile;
              if (d.email) e.email = d.email;
            }
          } catch (e) {
            if (!refused(e)) throw e;
            out.warnings.push({ code: 'match-details-refused', message: 'WeCom refused member details (48009): existing members were matched by userid only, not by mobile or e-mail' });
          }
        }
        const r = matchMembers(candidates, [...existing.values()], rules.members);
        out.members = r.matched;
        for (const a of r.ambiguous)
          out.warnings.push({ code: 'match-ambiguous', key: a.key, message: `account ${a.key}: several WeCom members fit by ${a.by} (${a.candidates.join(', ')}); none adopted, decide by hand` });
      }
    }

    // departments: only for a connection without department links (the first run)
    if (links.departments.length === 0 && rules.departments !== 'none' && m.desired.departments.length > 0 && observed.departments && observed.departments.length > 0) {
      let existing: Array<{ id: number; parentid: number; name?: string }> = observed.departments;
      if (rules.departments === 'name-path') {
        try {
          existing = await p.client.department.list(root);
        } catch (e) {
          if (!refused(e)) throw e;
          out.warnings.push({ code: 'match-details-refused', message: 'WeCom refused department details (48009): existing departments could not be matched by name' });
          existing = [];
        }
      }
      if (existing.length > 0) {
        const r = matchDepartments(m.desired.departments, existing, root, rules.departments, m.departmentIds);
        out.departments = r.matched;
        for (const a of r.ambiguous)
          out.warnings.push({ code: 'match-ambiguous', key: a.key, message: `organization ${a.key}: several WeCom departments fit (${a.candidates.join(', ')}); none adopted` });
      }
    }
    return out;
  }
}

function adoptedLinks(a: Adoption): Links {
  return {
    departments: a.departments.map((d): DepartmentLink => ({ key: d.key, departmentId: d.departmentId, origin: 'matched', shadow: null })),
    members: a.members.map((x): MemberLink => ({ key: x.key, userid: x.userid, origin: 'matched', shadow: null })),
  };
}

/** The root and its descendants in a department list (the list may cover the whole company). */
function subtreeOf(root: number, departments: ReadonlyArray<{ id: number; parentid: number }>): Set<number> {
  const children = new Map<number, number[]>();
  for (const d of departments) {
    if (d.id === d.parentid) continue;
    const l = children.get(d.parentid);
    if (l) l.push(d.id);
    else children.set(d.parentid, [d.id]);
  }
  const out = new Set<number>([root]);
  const stack = [root];
  while (stack.length > 0) {
    for (const c of children.get(stack.pop()!) ?? []) {
      if (out.has(c)) continue;
      out.add(c);
      stack.push(c);
    }
  }
  return out;
}

/**
 * Keeps the userid WeCom already has where renaming it would be refused: WeCom renames a userid
 * (`new_userid`) only once, and only one WeCom generated itself (301036 otherwise). So
 *  - a linked member whose desired userid differs from the link only in case (adopted `Alice` for
 *    username `alice`) keeps WeCom's spelling (WeCom compares userids case-insensitively);
 *  - a member adopted by matching (origin 'matched': found by userid, mobile or e-mail) keeps its
 *    WeCom userid whatever the mapping computes.
 * direct_leader values naming such a member are translated to the userid WeCom has, and drop
 * managers that will not exist in WeCom (a disabled account never synced), which WeCom would
 * refuse with 40003.
 */
export function alignUserids(desired: DesiredState, links: ReadonlyArray<Pick<MemberLink, 'key' | 'userid' | 'origin'>>): void {
  const byKey = new Map(links.map((l) => [l.key, l]));
  const spelling = new Map<string, string>();
  for (const m of desired.members) {
    const link = byKey.get(m.key);
    if (link !== undefined && link.userid !== m.userid && (link.origin === 'matched' || link.userid.toLowerCase() === m.userid.toLowerCase())) {
      spelling.set(m.userid.toLowerCase(), link.userid);
      m.userid = link.userid;
    }
    spelling.set(m.userid.toLowerCase(), m.userid);
  }
  // a disabled account without a member is never created (nothing to disable): it cannot lead anyone
  const absent = new Set(desired.members.filter((m) => m.fields.enable === 0 && !byKey.has(m.key)).map((m) => m.userid.toLowerCase()));
  for (const m of desired.members) {
    if (!m.fields.direct_leader) continue;
    m.fields.direct_leader = m.fields.direct_leader.map((u) => spelling.get(u.toLowerCase()) ?? u).filter((u) => !absent.has(u.toLowerCase()));
  }
}
