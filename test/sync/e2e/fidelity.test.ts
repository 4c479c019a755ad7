// Issue 11, "done when": data that WeCom's current documentation accepts but older limits refused —
// 40-character department names, e-mail-like userids, a member in 25 departments, +86 mobiles
// without a space — syncs end to end (directory → pipeline → simulator) under the simulator's
// default reading, and under `--reading strict` fails per object, explained, while the rest of the
// run succeeds. The mapping passes the values through unchanged (the default mapping would cut
// names to 32 characters and replace @), as an admin may configure it.
import { afterEach, describe, expect, it } from 'vitest';
import type { Reading } from '../../../src/wecom/rules/fields.js';
import { defaultMappingDefinition } from '../../../src/mapping/definitions/index.js';
import { objectStatus } from '../../../src/sync/index.js';
import { compileConnectionMapping } from '../../../src/sync/stages/mapping.js';
import { connectionInput, CORP, ourMembers, setup, type Env } from './helpers.js';

let env: Env;
afterEach(async () => env?.close());

/** 40 characters, unique per i. */
const longName = (i: number): string => `区域${String(i).padStart(2, '0')}${'销售与客户成功中心'.repeat(4)}`;

async function scenario(reading: Reading): Promise<{ orgs: Array<{ id: string; name: string }>; ops: { id: string } }> {
  env = await setup({ sim: { reading } });
  const mapping = defaultMappingDefinition();
  mapping.departments.name = 'name';
  mapping.members.userid = 'username';
  mapping.members.mobile = 'regex_replace(mobile, " ", "")'; // "+86 138…" in the directory → "+86138…"
  await env.connections.create(connectionInput(env, { mapping }));
  const group = await env.directory.createOrganization({ name: '集团' });
  const orgs: Array<{ id: string; name: string }> = [];
  for (let i = 0; i < 25; i++) orgs.push(await env.directory.createOrganization({ name: longName(i), parentId: group.id }));
  const ops = await env.directory.createOrganization({ name: 'Ops', parentId: group.id });
  await env.directory.createAccount({ username: 'li.si@corp', displayName: '李四', organizationIds: orgs.map((o) => o.id), mobile: '+86 13800000002' });
  await env.directory.createAccount({ username: 'sun@corp', displayName: '孙', organizationIds: [ops.id], email: 'sun@example.com' });
  await env.directory.createAccount({ username: 'zhou', displayName: '周', organizationIds: [ops.id], mobile: '+86 13800000005' });
  await env.directory.createAccount({ username: 'qian', displayName: '钱', organizationIds: [ops.id], email: 'qian@example.com' });
  return { orgs, ops };
}

describe('WeCom fidelity end to end', () => {
  it('syncs long names, @ userids, 25 departments and +86 mobiles under the default reading, and converges', async () => {
    const { orgs } = await scenario('current');
    const r = await env.pipeline.apply('acme');
    expect(r.status, JSON.stringify(await env.failures(r.runId!))).toBe('succeeded');
    const company = env.sim.sim.company(CORP.corpid);
    const names = company.departments.all().map((d) => d.name);
    for (const o of orgs) expect(names).toContain(o.name);
    const li = company.members.find('li.si@corp');
    expect(li).toMatchObject({ userid: 'li.si@corp', mobile: '+8613800000002' });
    expect(li?.department).toHaveLength(25);
    expect(ourMembers(env).map((m) => m.userid).sort()).toEqual(['li.si@corp', 'qian', 'sun@corp', 'zhou']);
    expect(company.members.find('zhou')?.mobile).toBe('+8613800000005');
    // the mapping warned that older limits were 32 characters, and sent them anyway
    expect(r.problems?.filter((p) => p.field === 'name' && p.effect === 'info')).toHaveLength(25);
    expect((await env.pipeline.plan('acme')).plan.operations).toEqual([]);
  });

  it('under the strict reading each refused object fails with its errcode explained; the rest of the run succeeds', async () => {
    const { orgs, ops } = await scenario('strict');
    const r = await env.pipeline.apply('acme');
    expect(r.status).toBe('partial');
    const failures = await env.failures(r.runId!);
    const byCode = (code: number) => failures.filter((f) => f.errcode === code);
    expect(byCode(60001)).toHaveLength(25);
    expect(byCode(40003).map((f) => f.target)).toEqual(['member sun@corp']);
    expect(byCode(60103).map((f) => f.target)).toEqual(['member zhou']);
    // each says what to change
    expect(byCode(60001)[0]?.explanation?.en).toMatch(/32/);
    expect(byCode(40003)[0]?.explanation?.en).toMatch(/@/);
    expect(byCode(60103)[0]?.explanation?.en).toMatch(/\+86 13800000000/);
    // li.si@corp was not sent: its departments failed
    const li = failures.find((f) => f.target === 'member li.si@corp');
    expect(li?.errcode ?? null).toBeNull();
    // the rest went through
    const company = env.sim.sim.company(CORP.corpid);
    expect(company.departments.all().map((d) => d.name)).toEqual(expect.arrayContaining(['集团', 'Ops']));
    expect(ourMembers(env).map((m) => m.userid)).toEqual(['qian']);
    // the object's status tells the admin what to change
    const conn = await env.connections.get('acme');
    const deps = { store: env.store, directory: env.directory, mapping: compileConnectionMapping };
    const dept = await objectStatus(deps, conn, 'organization', orgs[0]!.id);
    expect(dept?.verdict).toMatchObject({ status: 'failed' });
    expect(dept?.verdict.message.en).toMatch(/errcode 60001: .*32/);
    const zhou = await objectStatus(deps, conn, 'account', 'zhou');
    expect(zhou?.verdict.message.en).toMatch(/errcode 60103/);
    expect((await objectStatus(deps, conn, 'organization', ops.id))?.verdict.status).toBe('in-sync');
  });

  it("never deletes or disables the company's creator again once WeCom answered 301005, also when a matching rule adopted it", async () => {
    env = await setup();
    await env.connections.create(connectionInput(env)); // default matching: userid, mobile, e-mail
    const org = await env.directory.createOrganization({ name: 'Board' });
    const boss = await env.directory.createAccount({ username: 'creator', displayName: 'The Founder', organizationIds: [org.id], email: 'creator@example.com' });
    const first = await env.pipeline.apply('acme');
    expect(first.status, JSON.stringify(await env.failures(first.runId!))).toBe('succeeded');
    expect(first.adopted?.members.map((m) => m.userid)).toEqual(['creator']);
    await env.directory.deleteAccount(boss.id);
    const second = await env.pipeline.apply('acme');
    expect(second.status).toBe('partial');
    const [failure] = await env.failures(second.runId!);
    expect(failure).toMatchObject({ kind: 'member.delete', errcode: 301005 });
    expect(failure?.explanation?.en).toMatch(/will not try again/);
    expect(env.sim.sim.company(CORP.corpid).members.find('creator')).toBeDefined();
    // from now on: no delete (nor disable) planned, a warning says why
    const third = await env.pipeline.plan('acme');
    expect(third.plan.operations.filter((o) => o.key === boss.id)).toEqual([]);
    expect(third.plan.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'creator-protected', key: boss.id })]));
    await env.connections.update('acme', { policies: { onAccountDeleted: 'disable' } });
    const fourth = await env.pipeline.plan('acme');
    expect(fourth.plan.operations.filter((o) => o.key === boss.id)).toEqual([]);
  });
});
