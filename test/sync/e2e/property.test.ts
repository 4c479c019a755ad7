// Property: for random directory trees and random sequences of directory changes, after every
// `apply` (or incremental run from the change feed) the simulator holds exactly what the default mapping makes of the directory (see expectMirrors), and planning again gives nothing.
// Runs against the simulator over HTTPS and a real SQLite store; also with a strict caller (a
// newly trusted IP: WeCom refuses detail reads with 48009), where the sync works from shadows.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryError } from '../../../src/directory/errors.js';
import { connectionInput, expectMirrors, setup, type Env } from './helpers.js';

type Cmd =
  | { t: 'org'; name: number; parent: number | null }
  | { t: 'rename'; org: number; name: number }
  | { t: 'move'; org: number; parent: number | null }
  | { t: 'delorg'; org: number }
  | { t: 'acc'; user: number; orgs: number[] }
  | { t: 'accmove'; acc: number; orgs: number[] }
  | { t: 'disable'; acc: number }
  | { t: 'delacc'; acc: number }
  | { t: 'swap'; org: number }
  | { t: 'username'; acc: number; user: number }
  | { t: 'manager'; acc: number; manager: number | null };

const NAMES = ['Alpha', 'Beta', 'Gamma', 'Delta', 'Eps', 'Zeta'];
const USERS = ['ann', 'bo', 'cy', 'di', 'ed', 'fay', 'gus', 'hal', 'ivy', 'jo'];

const idx = fc.nat({ max: 50 });
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ t: fc.constant('org' as const), name: fc.nat({ max: NAMES.length - 1 }), parent: fc.option(idx, { nil: null }) }),
  fc.record({ t: fc.constant('rename' as const), org: idx, name: fc.nat({ max: NAMES.length - 1 }) }),
  fc.record({ t: fc.constant('move' as const), org: idx, parent: fc.option(idx, { nil: null }) }),
  fc.record({ t: fc.constant('delorg' as const), org: idx }),
  fc.record({ t: fc.constant('acc' as const), user: fc.nat({ max: USERS.length - 1 }), orgs: fc.array(idx, { minLength: 1, maxLength: 2 }) }),
  fc.record({ t: fc.constant('accmove' as const), acc: idx, orgs: fc.array(idx, { minLength: 1, maxLength: 2 }) }),
  fc.record({ t: fc.constant('disable' as const), acc: idx }),
  fc.record({ t: fc.constant('delacc' as const), acc: idx }),
  fc.record({ t: fc.constant('swap' as const), org: idx }),
  fc.record({ t: fc.constant('username' as const), acc: idx, user: fc.nat({ max: USERS.length - 1 }) }),
  fc.record({ t: fc.constant('manager' as const), acc: idx, manager: fc.option(idx, { nil: null }) }),
);
const initial: fc.Arbitrary<Cmd[]> = fc.array(
  fc.oneof(
    fc.record({ t: fc.constant('org' as const), name: fc.nat({ max: NAMES.length - 1 }), parent: fc.option(idx, { nil: null }) }),
    fc.record({ t: fc.constant('acc' as const), user: fc.nat({ max: USERS.length - 1 }), orgs: fc.array(idx, { minLength: 1, maxLength: 2 }) }),
  ),
  { minLength: 2, maxLength: 10 },
);
/** Each step: some directory changes, then a full apply or an incremental run from the change feed. */
const scenario = fc.tuple(initial, fc.array(fc.record({ cmds: fc.array(cmd, { minLength: 1, maxLength: 4 }), incremental: fc.boolean(), targeted: fc.boolean() }), { minLength: 1, maxLength: 6 }));

let mobileCounter = 0;

/** Applies one command to the directory; a command the directory refuses (a rule) is skipped. */
async function run(env: Env, c: Cmd): Promise<void> {
  const d = env.directory;
  const orgs = await d.getTree();
  const accounts = await d.allAccounts();
  const org = (i: number) => orgs[i % Math.max(orgs.length, 1)];
  const acc = (i: number) => accounts[i % Math.max(accounts.length, 1)];
  const orgIds = (list: number[]): string[] => [...new Set(list.map((i) => org(i)?.id).filter((x): x is string => x !== undefined))];
  try {
    switch (c.t) {
      case 'org':
        await d.createOrganization({ name: NAMES[c.name]!, parentId: c.parent === null ? null : (org(c.parent)?.id ?? null) });
        break;
      case 'rename':
        if (org(c.org)) await d.updateOrganization(org(c.org)!.id, { name: NAMES[c.name]! });
        break;
      case 'move':
        if (org(c.org)) await d.updateOrganization(org(c.org)!.id, { parentId: c.parent === null ? null : (org(c.parent)?.id ?? null) });
        break;
      case 'delorg':
        if (org(c.org)) await d.deleteOrganization(org(c.org)!.id);
        break;
      case 'acc': {
        const ids = orgIds(c.orgs);
        if (ids.length === 0) break;
        mobileCounter += 1;
        await d.createAccount({ username: USERS[c.user]!, displayName: `${USERS[c.user]} person`, organizationIds: ids, mobile: `+86 138${String(10_000_000 + mobileCounter).slice(-8)}` });
        break;
      }
      case 'accmove': {
        const ids = orgIds(c.orgs);
        if (acc(c.acc) && ids.length > 0) await d.updateAccount(acc(c.acc)!.id, { organizationIds: ids, primaryOrganizationId: ids[0]! });
        break;
      }
      case 'disable':
        if (acc(c.acc)) await d.updateAccount(acc(c.acc)!.id, { status: acc(c.acc)!.status === 'enabled' ? 'disabled' : 'enabled' });
        break;
      case 'delacc':
        if (acc(c.acc)) await d.deleteAccount(acc(c.acc)!.id);
        break;
      case 'swap': {
        const a = org(c.org);
        const b = a && orgs.find((o) => o.parentId === a.parentId && o.id !== a.id);
        if (!a || !b) break;
        await d.updateOrganization(a.id, { name: 'swap-tmp' });
        await d.updateOrganization(b.id, { name: a.name });
        await d.updateOrganization(a.id, { name: b.name });
        break;
      }
      case 'manager': {
        const a = acc(c.acc);
        const m = c.manager === null ? null : acc(c.manager);
        if (a && m !== undefined && m?.id !== a.id) await d.updateAccount(a.id, { managerId: m === null ? null : m.id });
        break;
      }
      case 'username':
        if (acc(c.acc)) await d.updateAccount(acc(c.acc)!.id, { username: USERS[c.user]! });
        break;
    }
  } catch (e) {
    if (!(e instanceof DirectoryError)) throw e;
  }
}

let operationsApplied = 0;

async function applyAndCheck(env: Env, incremental = false, targeted = true): Promise<void> {
  // an incremental run reads either the affected accounts only (targeted) or the whole directory
  const r = incremental ? await env.pipeline.incremental('acme', { targetedReadLimit: targeted ? 200 : 0 }) : await env.pipeline.apply('acme');
  if (r === null) {
    // nothing new in the feed: WeCom must already match
    expect((await env.pipeline.plan('acme')).plan.operations).toEqual([]);
    return;
  }
  if (incremental) expect(r.kind).toBe('incremental');
  operationsApplied += r.summary.succeeded;
  expect(r.error, JSON.stringify(r.error)).toBeNull();
  expect(r.summary.failed, JSON.stringify(await env.failures(r.runId!))).toBe(0);
  expect(r.status).toBe('succeeded');
  if (incremental) expect((await env.status('acme')).cursor.lag).toBe(0);
  await expectMirrors(env);
  // a full plan (all keys, WeCom's lists read) finds nothing left: an incremental run missed nothing
  const again = await env.pipeline.plan('acme');
  expect(again.plan.operations.map((o) => `${o.id}: ${o.reason.cause} ${JSON.stringify(o.reason.changes)}`)).toEqual([]);
}

for (const mode of [
  { name: 'full-access caller', sim: {}, runs: 25 },
  { name: 'strict caller (48009 on detail reads)', sim: { trustedIps: ['127.0.0.1'] }, runs: 15 },
]) {
  describe(`property: directory changes → apply → WeCom mirrors the mapping (${mode.name})`, () => {
    let env: Env;
    beforeAll(async () => {
      env = await setup({ sim: mode.sim });
    });
    afterAll(async () => env?.close());

    it('converges after every apply, and a second plan is empty', async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(scenario, async ([init, steps]) => {
          // a fresh directory and connection per run; WeCom emptied
          n += 1;
          env.sim.sim.reset();
          await env.store.write(async (trx) => {
            for (const t of ['run_operations', 'runs', 'department_links', 'member_links', 'sync_cursors', 'connections', 'account_organizations', 'accounts', 'organizations'] as const)
              await trx.deleteFrom(t).execute();
          });
          await env.pipeline.close();
          await env.connections.create(connectionInput(env, { name: 'acme' }));
          for (const c of init) await run(env, c);
          await applyAndCheck(env);
          for (const step of steps) {
            for (const c of step.cmds) await run(env, c);
            await applyAndCheck(env, step.incremental, step.targeted);
          }
        }),
        { numRuns: mode.runs, endOnFailure: true },
      );
      expect(n).toBe(mode.runs);
      // the scenarios do real work (not a vacuous pass on empty directories)
      expect(operationsApplied).toBeGreaterThan(mode.runs * 3);
      console.log(`${mode.name}: ${n} runs, ${operationsApplied} operations applied`);
      operationsApplied = 0;
    }, 120_000);
  });
}
