// End to end: an LDAP pull's changes reach WeCom (the simulator over HTTPS) through the normal sync
// pipeline — the first pull, then a modify, a move, an OU rename and a deletion on the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../../src/connections/crypto.js';
import { Sources } from '../../../src/connectors/ldap/index.js';
import { READER_DN, READER_PASSWORD, type RunningSlapd, SUFFIX, startSlapd } from '../../helpers/slapd.js';
import { CORP, type Env, connectionInput, expectMirrors, setup } from '../../sync/e2e/helpers.js';
import { company, ouDn } from './company.js';

let slapd: RunningSlapd;
let env: Env;
beforeAll(async () => {
  slapd = await startSlapd();
  env = await setup();
}, 30_000);
afterAll(async () => {
  await env?.close();
  await slapd?.stop();
});

describe('LDAP → directory → WeCom', () => {
  it('pulled changes reach the simulator through the sync', async () => {
    const base = `o=e2e,${SUFFIX}`;
    const data = company(base, 20);
    await slapd.add(data.entries);
    const sources = new Sources(env.directory, SecretBox.fromKey(env.key));
    await sources.create('corp', { url: slapd.url, baseDn: base, bindDn: READER_DN }, READER_PASSWORD);
    await env.connections.create(connectionInput(env));

    const first = await sources.pull('corp');
    expect(first.errors).toEqual([]);
    expect((await env.pipeline.apply('acme')).status).toBe('succeeded');
    await expectMirrors(env);
    const wecom = env.sim.sim.company(CORP.corpid);
    const [u0, u1, u2] = data.users;
    expect(wecom.members.find(u0!.uid)?.name).toBe(u0!.cn);

    await slapd.modify(u0!.dn, { cn: '张三丰' });
    await slapd.rename(u1!.dn, `uid=${u1!.uid},${ouDn(['总部', '人力资源部'], base)}`);
    await slapd.del(u2!.dn);
    await slapd.rename(ouDn(['总部', '销售部'], base), `ou=市场与销售部,${ouDn(['总部'], base)}`);
    const delta = await sources.pull('corp');
    expect(delta.errors).toEqual([]);
    expect(delta.accounts).toMatchObject({ updated: 2, deleted: 1 });
    expect(delta.organizations).toMatchObject({ updated: 1 });
    const run = await env.pipeline.apply('acme');
    expect(run.status).toBe('succeeded');
    await expectMirrors(env);
    expect(wecom.members.find(u0!.uid)?.name).toBe('张三丰');
    expect(wecom.members.find(u2!.uid)).toBeUndefined();
    expect(wecom.departments.all().some((d) => d.name === '市场与销售部')).toBe(true);
  }, 60_000);
});
