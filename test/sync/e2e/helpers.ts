// End-to-end fixtures: a real SQLite store in a temp dir, the directory, a connection stored with
// an encrypted secret, the simulator over HTTPS, and the SyncPipeline wired like the CLI wires it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { Connections, SecretBox, type ConnectionInput } from '../../../src/connections/index.js';
import { Directory } from '../../../src/directory/directory.js';
import { mapDirectory } from '../../../src/mapping/definitions/index.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../../src/simulator/index.js';
import { openStore, type Store } from '../../../src/store/store.js';
import { SyncPipeline, compileConnectionMapping, runFailures, syncStatus, type FailureView, type SyncStatus } from '../../../src/sync/index.js';
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
  const sim = await startSimulator({ port: 0, corps: [{ ...CORP, ...(opts.extattrs ? { extattrs: opts.extattrs } : {}) }], ...opts.sim });
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

/**
 * The simulator holds exactly what mapDirectory says, under the connection's root: departments by
 * linked id / name / parent, members by userid / name / departments / enable / mobile / email.
 * Objects outside the root are not compared (other tests check they are untouched), nor the
 * default department and the unmanaged objects listed in `opts`.
 */
export async function expectMirrors(env: Env, opts: { connection?: string; unmanagedDepartments?: number[]; unmanagedMembers?: string[] } = {}): Promise<void> {
  const connectionName = opts.connection ?? 'acme';
  const conn = await env.connections.get(connectionName);
  const mapped = mapDirectory(await env.directory.snapshot(), compileConnectionMapping(conn), { defaultDepartmentId: conn.defaultDepartmentId });
  const company = env.sim.sim.company(CORP.corpid);
  const links = await loadLinks(env.store.db, conn.id);
  const deptOf = new Map(links.departments.map((l) => [l.key, l.departmentId]));
  const root = conn.rootDepartmentId;
  const underRoot = new Set(company.departments.subtree(root).map((d) => d.id));
  underRoot.delete(root);
  const unmanaged = new Set(opts.unmanagedDepartments ?? []);
  if (conn.defaultDepartmentId !== null) unmanaged.add(conn.defaultDepartmentId);
  // departments
  const expectedDepts = mapped.desired.departments.map((d) => ({
    id: deptOf.get(d.key),
    name: d.name,
    parentid: d.parentKey === null ? root : deptOf.get(d.parentKey),
  }));
  const actualDepts = company.departments.all().filter((d) => underRoot.has(d.id) && !unmanaged.has(d.id)).map((d) => ({ id: d.id, name: d.name, parentid: d.parentid }));
  const byId = (a: { id?: number }, b: { id?: number }): number => (a.id ?? 0) - (b.id ?? 0);
  expect(actualDepts.sort(byId)).toEqual(expectedDepts.sort(byId));
  // members (those in the root's subtree, plus desired ones wherever they are)
  const inRoot = (depts: number[]): boolean => depts.some((d) => underRoot.has(d) || d === root);
  // a disabled account is never created in WeCom (nothing to disable): expected only once linked
  const linkedMembers = new Set(links.members.map((l) => l.key));
  const present = mapped.desired.members.filter((m) => m.fields.enable === 1 || linkedMembers.has(m.key));
  const expectedMembers = present.map((m) => ({
    userid: m.userid.toLowerCase(),
    name: m.fields.name,
    department: (m.departmentKeys === null ? (company.members.find(m.userid)?.department ?? ['?']) : m.departmentKeys.map((k) => deptOf.get(k))).slice().sort(),
    enable: m.fields.enable,
    mobile: m.fields.mobile ?? '',
    email: m.fields.email ?? '',
  }));
  const actualMembers = company.members
    .all()
    .filter((m) => !(opts.unmanagedMembers ?? []).includes(m.userid))
    .filter((m) => inRoot(m.department) || present.some((d) => d.userid.toLowerCase() === m.userid.toLowerCase()))
    .map((m) => ({
      userid: m.userid.toLowerCase(),
      name: m.name,
      department: [...m.department].sort(),
      enable: m.status === 2 ? 0 : 1,
      mobile: m.mobile.replace(/^\+86 ?/, ''),
      email: m.email,
    }));
  const byUser = (a: { userid: string }, b: { userid: string }): number => (a.userid < b.userid ? -1 : a.userid > b.userid ? 1 : 0);
  expect(actualMembers.sort(byUser)).toEqual(expectedMembers.map((m) => ({ ...m, mobile: m.mobile.replace(/^\+86 ?/, '') })).sort(byUser));
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
