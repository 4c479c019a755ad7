// End-to-end fixtures: a real SQLite store in a temp dir, the directory, a connection stored with
// an encrypted secret, the simulator over HTTPS, and the SyncPipeline wired like the CLI wires it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { Connections, SecretBox, type ConnectionInput } from '../../../src/connections/index.js';
import { Directory, type DirectorySnapshot } from '../../../src/directory/directory.js';
import type { Connection } from '../../../src/domain/connection.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../../src/simulator/index.js';
import type { MemberRecord } from '../../../src/simulator/models/members.js';
import { openStore, type Store } from '../../../src/store/store.js';
import { SyncPipeline, runFailures, syncStatus, type FailureView, type SyncStatus } from '../../../src/sync/index.js';
import { loadLinks } from '../../../src/sync/state/links.js';
import { createWeComClient } from '../../../src/wecom/index.js';

export const CORP = { corpid: 'wwe2e', secret: 'e2e-secret-0123456789' };

export interface Env {
  dir: string;
  key: Buffer;
  store: Store;
  directory: Directory;
  connections: Connections;
  sim: RunningSimulator;
  pipeline: SyncPipeline;
  /** `wecom-sync status` of a connection. */
  status(name: string): Promise<SyncStatus>;
  /** The failed operations of a run, explained. */
  failures(runId: string): Promise<FailureView[]>;
  close(): Promise<void>;
}

export async function setup(opts: { sim?: Partial<SimulatorOptions>; extattrs?: Array<{ name: string; type: 'text' | 'web' }>; seed?: (s: RunningSimulator) => void } = {}): Promise<Env> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-e2e-'));
  const store = await openStore({ kind: 'sqlite', file: path.join(dir, 'wecom-sync.sqlite') });
  const key = randomBytes(32);
  fs.writeFileSync(path.join(dir, 'secret.key'), key.toString('base64'), { mode: 0o600 });
  const connections = new Connections(store, SecretBox.fromKey(key));
  // unknown request fields refused (WeCom ignores them): a field the product misspells fails here
  const sim = await startSimulator({ port: 0, refuseUnknownFields: true, corps: [{ ...CORP, ...(opts.extattrs ? { extattrs: opts.extattrs } : {}) }], ...opts.sim });
  opts.seed?.(sim);
  const directory = new Directory(store);
  const pipeline = new SyncPipeline({
    store,
    directory,
    connections,
    clientFactory: (o) => createWeComClient({ ...o, retry: { baseDelayMs: 2, maxDelayMs: 10 } }),
  });
  return {
    dir, key, store, directory, connections, sim, pipeline,
    status: async (name) => syncStatus(store, directory, await connections.get(name)),
    failures: (runId) => runFailures(store, runId),
    async close() {
      await pipeline.close();
      await sim.close();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function connectionInput(env: Env, over: Partial<ConnectionInput> = {}): ConnectionInput {
  return {
    name: 'acme',
    corpId: CORP.corpid,
    secret: CORP.secret,
    rootDepartmentId: 1,
    apiBase: env.sim.url,
    caPem: env.sim.caPem ?? null,
    policies: { onAccountDeleted: 'delete', onAccountDisabled: 'disable', onOrganizationDeleted: 'delete', safety: { maxDeletes: 1000, maxDeletePercent: 100 } },
    ...over,
  };
}

/** The members in the simulated company other than its creator (which every company has). */
export const ourMembers = (env: Env): MemberRecord[] => {
  const members = env.sim.sim.company(CORP.corpid).members;
  return members.all().filter((m) => !members.isCreator(m.userid));
};

/**
 * The simulator holds exactly what the directory says under the connection's root: departments by
 * linked id / name / parent, members by userid / name / departments / enable / mobile / email.
 * Objects outside the root are not compared (other tests check they are untouched), nor the
 * default department, the company's creator and the unmanaged objects listed in `opts`.
 */
export async function expectMirrors(env: Env, opts: { connection?: string; unmanagedDepartments?: number[]; unmanagedMembers?: string[] } = {}): Promise<void> {
  const connectionName = opts.connection ?? 'acme';
  const conn = await env.connections.get(connectionName);
  const company = env.sim.sim.company(CORP.corpid);
  const links = await loadLinks(env.store.db, conn.id);
  const deptOf = new Map(links.departments.map((l) => [l.key, l.departmentId]));
  const root = conn.rootDepartmentId;
  const expected = expectedWeCom(await env.directory.snapshot(), conn, deptOf, new Set(links.members.map((l) => l.key)));
  const underRoot = new Set(company.departments.subtree(root).map((d) => d.id));
  underRoot.delete(root);
  const unmanaged = new Set(opts.unmanagedDepartments ?? []);
  if (conn.defaultDepartmentId !== null) unmanaged.add(conn.defaultDepartmentId);
  // departments
  const actualDepts = company.departments.all().filter((d) => underRoot.has(d.id) && !unmanaged.has(d.id)).map((d) => ({ id: d.id, name: d.name, parentid: d.parentid }));
  const byId = (a: { id?: number }, b: { id?: number }): number => (a.id ?? 0) - (b.id ?? 0);
  expect(actualDepts.sort(byId)).toEqual(expected.departments.sort(byId));
  // members (those in the root's subtree, plus expected ones wherever they are)
  const inRoot = (depts: number[]): boolean => depts.some((d) => underRoot.has(d) || d === root);
  const expectedUserids = new Set(expected.members.map((m) => m.userid));
  const actualMembers = company.members
    .all()
    .filter((m) => !(opts.unmanagedMembers ?? []).includes(m.userid) && !company.members.isCreator(m.userid))
    .filter((m) => inRoot(m.department) || expectedUserids.has(m.userid.toLowerCase()))
    .map((m) => ({
      userid: m.userid.toLowerCase(),
      name: m.name,
      department: [...m.department].sort(),
      enable: m.status === 2 ? 0 : 1,
      mobile: m.mobile.replace(/^\+86 ?/, ''),
      email: m.email,
    }));
  const byUser = (a: { userid: string }, b: { userid: string }): number => (a.userid < b.userid ? -1 : a.userid > b.userid ? 1 : 0);
  expect(actualMembers.sort(byUser)).toEqual(expected.members.sort(byUser));
}

/**
 * What WeCom must hold, written for these tests from the default mapping's documented rules
 * (src/mapping/definitions/README.md) instead of computed by the product's mapDirectory, so that a
 * mapping bug shows. The tests use the default mapping (some change only `matching`, which decides
 * adoption, not the result) on the whole directory, so:
 * - every organization is a department with its own name, under its parent's department, or the
 *   connection's root for a directory root;
 * - every account (each has an organization) is a member: userid = username, its display name,
 *   mobile without +86, e-mail, enable 0 when disabled; in its organizations' departments, or with
 *   a default department in that one alone (created there, never moved); a disabled account is
 *   never created (nothing to disable), so it is expected only once linked.
 * The names and usernames the tests use need none of the default rules' rewriting (checked here).
 */
function expectedWeCom(directory: DirectorySnapshot, conn: Connection, deptOf: Map<string, number>, linkedAccounts: Set<string>) {
  expect(conn.scope.organizationRoots).toEqual([]);
  const departments = directory.organizations.map((o) => {
    expect(o.name, 'a name the default department-name rule keeps as it is').toMatch(/^(?! )[^\\:*?"<>|]{1,32}(?<! )$/);
    return { id: deptOf.get(o.id), name: o.name, parentid: o.parentId === null ? conn.rootDepartmentId : deptOf.get(o.parentId) };
  });
  const members = directory.accounts
    .filter((a) => a.status === 'enabled' || linkedAccounts.has(a.id))
    .map((a) => {
      expect(a.username, 'a username the default userid rule keeps as it is').toMatch(/^[a-z0-9][a-z0-9_.-]{0,63}$/);
      return {
        userid: a.username,
        name: a.displayName,
        department: (conn.defaultDepartmentId !== null ? [conn.defaultDepartmentId] : a.organizationIds.map((id) => deptOf.get(id))).sort(),
        enable: a.status === 'disabled' ? 0 : 1,
        mobile: a.mobile?.replace(/^\+86 /, '') ?? '',
        email: a.email ?? '',
      };
    });
  return { departments, members };
}

/** Timers under the test's control: nothing fires until advance(). */
export class ManualTimers {
  private t = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq;
    this.pending.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown): void => void this.pending.delete(h as number);
  now = (): number => this.t;
  /** Moves the clock forward, firing due timers in time order (each may schedule more). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.pending) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.pending.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

/** The next worker event matching `pred` (a promise, no polling). */
export function nextEvent<E extends { type: string }>(emitter: { on(ev: 'event', l: (e: E) => void): unknown; off(ev: 'event', l: (e: E) => void): unknown }, pred: (e: E) => boolean): Promise<E> {
  return new Promise((resolve) => {
    const l = (e: E): void => {
      if (!pred(e)) return;
      emitter.off('event', l);
      resolve(e);
    };
    emitter.on('event', l);
  });
}
