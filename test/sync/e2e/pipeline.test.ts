// The one pipeline: what a run reads of WeCom and in which order its stages hold the run slot.
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { runPipeline, type PipelineEvent } from '../../../src/sync/pipeline.js';
import { mapFull } from '../../../src/sync/stages/map.js';
import { getCursor } from '../../../src/sync/state/cursors.js';
import { claimRun, getRun } from '../../../src/sync/state/runs.js';
import { connectionInput, setup, type Env } from './helpers.js';

let env: Env;
afterEach(async () => env?.close());

const idLists = (e: Env): string[] => e.sim.sim.calls.filter((c) => c.api === 'department/simplelist' || c.api === 'user/list_id').map((c) => c.api);

async function company(e: Env): Promise<void> {
  await e.connections.create(connectionInput(e, { mapping: null }));
  const org = await e.directory.createOrganization({ name: 'Engineering' });
  for (let i = 0; i < 3; i++) await e.directory.createAccount({ username: `dev${i}`, displayName: `Dev ${i}`, organizationIds: [org.id], mobile: `+86 1380000000${i}` });
}

describe('the sync pipeline', () => {
  it('a full apply and a plan read each of WeCom’s id lists exactly once: adoption and planning see one snapshot', async () => {
    env = await setup();
    await company(env);
    env.sim.sim.calls.length = 0;
    expect((await env.pipeline.apply('acme')).status).toBe('succeeded');
    expect(idLists(env).sort()).toEqual(['department/simplelist', 'user/list_id']);
    env.sim.sim.calls.length = 0;
    expect((await env.pipeline.plan('acme')).plan.operations).toEqual([]);
    expect(idLists(env).sort()).toEqual(['department/simplelist', 'user/list_id']);
  });

  it('claims the run slot before reading WeCom, so a second start is refused before either reads anything', async () => {
    env = await setup();
    await company(env);
    env.sim.sim.calls.length = 0;
    const events: Array<PipelineEvent['type'] | string> = [];
    let second: Promise<unknown> | undefined;
    const first = env.pipeline.apply('acme', {
      onEvent: (e) => {
        if (e.type === 'run-claimed') {
          events.push(`claimed with ${idLists(env).length} id-list reads`);
          second = env.pipeline.apply('acme').then(
            () => 'ran',
            (err: Error) => err.name,
          );
        }
      },
    });
    expect((await first).status).toBe('succeeded');
    expect(events).toEqual(['claimed with 0 id-list reads']);
    expect(await second).toBe('RunInProgressError');
    expect(idLists(env)).toHaveLength(2); // the refused start read nothing
  });

  it('a claim taken over while it was being planned stores nothing, sends nothing, and leaves the run to its new owner', async () => {
    env = await setup();
    await company(env);
    const p = await env.pipeline.prepare('acme');
    let runId = '';
    const report = await runPipeline(
      { store: env.store, onEvent: (e) => void (e.type === 'run-claimed' && (runId = e.runId)) },
      p.target,
      {
        kind: 'full',
        map: async () => {
          // another process judged the claim stale and took it over (as resumeStale does)
          await env.store.db.updateTable('runs').set({ lease_owner: 'other-host:1:thief' }).where('id', '=', runId).execute();
          return mapFull(env.directory, { mapping: p.mapping, defaultDepartmentId: null });
        },
      },
    );
    expect(report.status).toBe('failed');
    expect(report.error?.message).toMatch(/taken over while it was being planned/);
    const run = await getRun(env.store.db, runId);
    expect(run).toMatchObject({ status: 'planned', leaseOwner: 'other-host:1:thief', plan: null });
    expect(env.sim.sim.calls.filter((c) => c.api.endsWith('/create'))).toEqual([]);
  });

  describe('a run a killed process left while it read WeCom or planned (claimed, no plan stored)', () => {
    // same host, no such pid: stale at once
    const dead = `${hostname()}:2147483646:dead`;
    const members = (e: Env): string[] => e.sim.sim.company('wwe2e').members.all().map((m) => m.userid).filter((u) => u.startsWith('dev')).sort();

    it('full: planned again under its id and executed; nothing was sent before, so nothing is sent twice', async () => {
      env = await setup();
      await company(env);
      const { id } = await env.connections.get('acme');
      const crashed = await claimRun(env.store, id, 'full', dead, 60_000);
      const [report, ...more] = await env.pipeline.resume('acme');
      expect(more).toEqual([]);
      expect(report).toMatchObject({ runId: crashed, kind: 'resume', status: 'succeeded' });
      expect(await getRun(env.store.db, crashed)).toMatchObject({ status: 'succeeded', leaseOwner: null, summary: expect.objectContaining({ succeeded: 4, failed: 0 }) });
      expect(members(env)).toEqual(['dev0', 'dev1', 'dev2']);
      expect(env.sim.sim.calls.filter((c) => c.api === 'user/create')).toHaveLength(3);
    });

    it('incremental: the changes after the cursor, under its id; with none left, it is dropped (no run left behind)', async () => {
      env = await setup();
      await company(env);
      expect((await env.pipeline.apply('acme')).status).toBe('succeeded');
      const org = (await env.directory.getTree())[0]!;
      await env.directory.createAccount({ username: 'dev3', displayName: 'Dev 3', organizationIds: [org.id], mobile: '+86 13800000003' });
      const { id } = await env.connections.get('acme');
      const crashed = await claimRun(env.store, id, 'incremental', dead, 60_000);
      const [report] = await env.pipeline.resume('acme');
      expect(report).toMatchObject({ runId: crashed, status: 'succeeded' });
      expect(await getRun(env.store.db, crashed)).toMatchObject({ kind: 'incremental', status: 'succeeded', summary: expect.objectContaining({ succeeded: 1 }) });
      expect(members(env)).toEqual(['dev0', 'dev1', 'dev2', 'dev3']);
      expect((await getCursor(env.store.db, id)).lastChangeSeq).toBe(await env.directory.latestSequence());

      const idle = await claimRun(env.store, id, 'incremental', dead, 60_000);
      const [nothing] = await env.pipeline.resume('acme');
      expect(nothing).toMatchObject({ runId: null, status: 'succeeded' });
      expect(await getRun(env.store.db, idle)).toBeUndefined();
      expect(await env.pipeline.isRunning(id)).toBe(false);
    });
  });

  it('an incremental run from a newly trusted IP reads nothing of WeCom, so it has nothing to warn about (no 48009 warning after every run)', async () => {
    env = await setup({ sim: { trustedIps: ['127.0.0.1'] } }); // detail reads answer 48009 to this IP
    await company(env);
    expect((await env.pipeline.apply('acme')).status).toBe('succeeded');
    const org = (await env.directory.listOrganizations()).items[0]!;
    await env.directory.createAccount({ username: 'newhire', displayName: 'New Hire', organizationIds: [org.id], mobile: '+86 13800000009' });
    env.sim.sim.calls.length = 0;
    const report = await env.pipeline.incremental('acme');
    expect(report?.status).toBe('succeeded');
    expect(report?.warnings).toEqual([]);
    expect(env.sim.sim.calls.map((c) => c.api).filter((a) => a !== 'gettoken')).toEqual(['user/create']);
  });
});
