// SCIM through `serve` with its sync worker, into the simulator over HTTPS (WeCom's budget of
// 10,000 calls per minute per API, latency 0):
//   1. creates: SCIM POST /Users per second over HTTP (8 requests in flight, as a provisioning
//      service sends them), the worker syncing meanwhile;
//   2. latency: one POST /Users → the member exists in WeCom (the client saw user/create answer 0),
//      p50/p99 over 200 users sent one after another; goal p99 < 1 s;
//   3. a provisioning burst as Entra ID's first cycle sends it — per user a query by userName then
//      a create, per group a query by displayName, a create without members, then member adds in
//      PATCHes of 20 — 5,000 users in 50 departments and 200 groups, then 500 PATCHes (title
//      changes, 100 deactivations); then: nothing lost (every SCIM user is an account and a WeCom
//      member with the values last sent), WeCom matches the directory.
// Run: npm run bench -- scim   (or: node --import tsx bench/scim.bench.ts)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { ScimEndpoints } from '../src/connectors/scim/index.js';
import { Directory } from '../src/directory/directory.js';
import { createLogger } from '../src/observability/logger.js';
import { createMetrics } from '../src/observability/metrics.js';
import { resolveServeConfig } from '../src/server/config.js';
import { startService } from '../src/server/service.js';
import { startSimulator } from '../src/simulator/index.js';
import { getCursor } from '../src/sync/state/cursors.js';
import { createWeComClient } from '../src/wecom/index.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const CREATES = 1000;
const LATENCY_SAMPLES = 200;
const BURST_USERS = 5000;
const BURST_GROUPS = 200;
const BURST_PATCHES = 500;
const IN_FLIGHT = 8;

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const round = (n: number): number => Math.round(n * 10) / 10;

/** Runs `task(i)` for i < n with `width` in flight. */
async function pool(n: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await task(next++);
  }));
}

const scimUser = (userName: string, i: number, department: string) => ({
  schemas: [USER, ENTERPRISE],
  externalId: `ext-${userName}`,
  userName,
  active: true,
  name: { formatted: `用户 ${userName}`, givenName: 'G', familyName: 'F' },
  emails: [{ primary: true, type: 'work', value: userName }],
  phoneNumbers: [{ type: 'mobile', value: `+86 139${String(10_000_000 + i).slice(-8)}` }],
  title: 'Engineer',
  [ENTERPRISE]: { employeeNumber: String(i), department },
});

export async function run(): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-bench-scim-'));
  const sim = await startSimulator({ port: 0, corps: [{ corpid: 'wwscim', secret: 'bench-secret' }], latencyMs: 0 });
  let created: ((at: number) => void) | null = null;
  const service = await startService(resolveServeConfig({ port: '0', dataDir: dir }, { WECOM_SYNC_ADMIN_PASSWORD: 'bench-password-1', WECOM_SYNC_DEMO: 'off', WECOM_SYNC_FULL_INTERVAL: '0' }), {
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics({ defaults: false }),
    announce: () => {},
    sync: {
      clientFactory: (o) =>
        createWeComClient({
          ...o,
          onCall: (e) => {
            if (e.api === 'user/create' && e.errcode === 0) created?.(performance.now());
          },
        }),
    },
  });
  try {
    await service.sync.connections.create({ name: 'wecom', corpId: 'wwscim', secret: 'bench-secret', rootDepartmentId: 1, apiBase: sim.url, caPem: sim.caPem ?? null, policies: { onAccountDeleted: 'disable', onAccountDisabled: 'disable', onOrganizationDeleted: 'delete', safety: { maxDeletes: 100_000, maxDeletePercent: 100 } } });
    const first = await service.sync.pipeline.apply('wecom');
    if (first.status !== 'succeeded') throw new Error(`first run: ${first.status}`);
    const directory = new Directory(service.store);
    const { endpoint, token } = await new ScimEndpoints(service.store, directory).create('entra');
    const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
      const r = await fetch(`${service.url}${endpoint.path}${url}`, { method, headers: { authorization: `Bearer ${token}`, accept: 'application/scim+json', ...(body ? { 'content-type': 'application/scim+json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
      const text = await r.text();
      return { status: r.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    };
    const must = (r: { status: number; json: Record<string, unknown> }, status: number, what: string): Record<string, unknown> => {
      if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.json)}`);
      return r.json;
    };
    const connection = (await service.sync.connections.get('wecom')).id;
    const caughtUp = async (): Promise<number> => {
      const t0 = performance.now();
      for (;;) {
        await service.sync.worker!.whenIdle();
        if (((await getCursor(service.store.db, connection)).lastChangeSeq ?? 0) >= (await directory.latestSequence())) return performance.now() - t0;
        void service.sync.worker!.notify();
      }
    };

    // 1. creates per second
    const t0 = performance.now();
    await pool(CREATES, IN_FLIGHT, async (i) => void must(await call('POST', '/Users', scimUser(`create${i}@contoso.com`, i, `总部/部门${i % 20}`)), 201, 'create'));
    const createSeconds = (performance.now() - t0) / 1000;
    const createsPerSecond = Math.round(CREATES / createSeconds);
    const syncTail = await caughtUp();
    console.log(`creates: ${CREATES} SCIM POST /Users in ${createSeconds.toFixed(1)} s = ${createsPerSecond}/s (${IN_FLIGHT} in flight, the worker syncing meanwhile); WeCom caught up ${(syncTail / 1000).toFixed(1)} s after the last`);

    // 2. POST /Users → the member in WeCom
    const samples: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const arrived = new Promise<number>((resolve) => (created = resolve));
      const start = performance.now();
      must(await call('POST', '/Users', scimUser(`latency${i}@contoso.com`, 100_000 + i, `总部/部门${i % 20}`)), 201, 'create');
      samples.push((await arrived) - start);
      await service.sync.worker!.whenIdle();
    }
    created = null;
    samples.sort((a, b) => a - b);
    const latency = { samples: LATENCY_SAMPLES, p50Ms: round(percentile(samples, 50)), p99Ms: round(percentile(samples, 99)), maxMs: round(samples[samples.length - 1]!), goalP99Ms: 1000 };
    console.log(`POST /Users → member in WeCom: p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms (max ${latency.maxMs}); goal p99 < 1 s: ${latency.p99Ms < 1000 ? 'met' : 'NOT met'}`);

    // 3. the burst
    const b0 = performance.now();
    const ids: string[] = new Array(BURST_USERS);
    await pool(BURST_USERS, IN_FLIGHT, async (i) => {
      const userName = `burst${i}@contoso.com`;
      const found = must(await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`), 200, 'query');
      if (found.totalResults !== 0) throw new Error(`${userName} exists`);
      ids[i] = must(await call('POST', '/Users', scimUser(userName, 200_000 + i, `研发中心/部门${i % 50}`)), 201, 'create').id as string;
    });
    await pool(BURST_GROUPS, IN_FLIGHT, async (g) => {
      const displayName = `Group ${g}`;
      must(await call('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`), 200, 'group query');
      const gid = must(await call('POST', '/Groups', { schemas: [GROUP], externalId: `grp-${g}`, displayName }), 201, 'group create').id as string;
      // every user in two groups: 50 members per group, added 20 at a time
      const members = Array.from({ length: BURST_USERS / 100 }, (_, k) => ids[(g * 25 + k) % BURST_USERS]!);
      for (let k = 0; k < members.length; k += 20)
        must(await call('PATCH', `/Groups/${gid}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: members.slice(k, k + 20).map((value) => ({ value })) }] }), 204, 'members');
    });
    const deactivated = new Set<number>();
    await pool(BURST_PATCHES, IN_FLIGHT, async (p) => {
      const i = (p * 7) % BURST_USERS;
      const ops = p % 5 === 0 ? [{ op: 'Replace', path: 'active', value: 'False' }] : [{ op: 'Replace', path: 'title', value: `Lead ${p}` }];
      if (p % 5 === 0) deactivated.add(i);
      must(await call('PATCH', `/Users/${ids[i]}`, { schemas: [PATCH_OP], Operations: ops }), 200, 'patch');
    });
    const sent = (performance.now() - b0) / 1000;
    const tail = await caughtUp();
    const burstSeconds = (performance.now() - b0) / 1000;

    // nothing lost, WeCom matches
    const members = new Map(sim.sim.company('wwscim').members.all().map((m) => [m.userid, m]));
    const accounts = await directory.allAccounts();
    const useridOf = (username: string): string => username.toLowerCase().replace(/[^a-z0-9_.-]/g, '_');
    let missing = 0;
    let mismatched = 0;
    for (let i = 0; i < BURST_USERS; i++) {
      const m = members.get(useridOf(`burst${i}@contoso.com`));
      if (!m) {
        missing++;
        continue;
      }
      const p = [...Array(BURST_PATCHES).keys()].filter((x) => (x * 7) % BURST_USERS === i && x % 5 !== 0).pop();
      const title = p === undefined ? 'Engineer' : `Lead ${p}`;
      if (m.name !== `用户 burst${i}@contoso.com` || (m.position ?? '') !== title || (m.status === 2) !== deactivated.has(i)) mismatched++;
    }
    const scimUsers = Number((await service.store.db.selectFrom('scim_users').select((e) => e.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const extra = [...members.keys()].filter((u) => !accounts.some((a) => useridOf(a.username) === u)).length;
    const burst = {
      users: BURST_USERS, groups: BURST_GROUPS, memberAdds: BURST_GROUPS * (BURST_USERS / 100), patches: BURST_PATCHES,
      requests: BURST_USERS * 2 + BURST_GROUPS * (2 + Math.ceil(BURST_USERS / 100 / 20)) + BURST_PATCHES,
      sentSeconds: round(sent), wecomCaughtUpSeconds: round(tail / 1000), totalSeconds: round(burstSeconds),
      scimUsersStored: scimUsers, accounts: accounts.length, wecomMembers: members.size, missingInWeCom: missing, mismatchedInWeCom: mismatched, wecomMembersNotInDirectory: extra,
    };
    console.log(
      `burst: ${BURST_USERS} users + ${BURST_GROUPS} groups (${burst.memberAdds} member adds) + ${BURST_PATCHES} PATCHes = ${burst.requests} requests sent in ${burst.sentSeconds} s; ` +
        `WeCom caught up ${burst.wecomCaughtUpSeconds} s later (${burst.totalSeconds} s in all); accounts ${accounts.length}, WeCom members ${members.size}, missing ${missing}, mismatched ${mismatched}, extra ${extra}`,
    );
    return { creates: { users: CREATES, inFlight: IN_FLIGHT, seconds: round(createSeconds), perSecond: createsPerSecond, wecomCaughtUpSeconds: round(syncTail / 1000) }, latency, burst, loadAverage: os.loadavg().map(round) };
  } finally {
    await service.close();
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
