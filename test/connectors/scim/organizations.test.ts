// From SCIM to organizations, per endpoint: the department attribute as a path, groups as
// organizations (flat or nested), or a fixed organization; attribute mapping with expressions.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../../server/harness.js';
import { ENTERPRISE, GROUP, type ScimHarness, USER, patchOp, scimHarness } from './helpers.js';

const user = (userName: string, extra: Record<string, unknown> = {}) => ({ schemas: [USER], userName, displayName: userName, ...extra });

describe('organizations from SCIM', () => {
  let h: ScimHarness;
  beforeEach(async () => {
    h = await scimHarness();
  });
  afterEach(async () => {
    await h.dispose();
  });
  const path = async (orgId: string): Promise<string> => {
    const tree = await h.directory.getTree();
    const byId = new Map(tree.map((o) => [o.id, o]));
    const names: string[] = [];
    for (let o = byId.get(orgId); o; o = o.parentId ? byId.get(o.parentId) : undefined) names.unshift(o.name);
    return names.join('/');
  };
  const orgsOf = async (id: string): Promise<string[]> => Promise.all((await h.directory.requireAccount(id)).organizationIds.map(path));

  it('department mode (Entra\'s department attribute): a path creates each level once, under the endpoint\'s parent', async () => {
    const parent = await h.directory.createOrganization({ name: '星河科技' });
    const entra = await h.endpoint('entra', { organizations: { parentId: parent.id } });
    const a = (await entra.call('POST', '/Users', user('a', { [ENTERPRISE]: { department: '总部/研发中心/平台部' } }))).json().id;
    const b = (await entra.call('POST', '/Users', user('b', { [ENTERPRISE]: { department: '总部 / 研发中心 / 平台部' } }))).json().id;
    const c = (await entra.call('POST', '/Users', user('c'))).json().id;
    expect(await orgsOf(a)).toEqual(['星河科技/总部/研发中心/平台部']);
    expect(await orgsOf(b)).toEqual(['星河科技/总部/研发中心/平台部']);
    expect(await orgsOf(c)).toEqual(['entra']);
    expect((await h.directory.getTree()).filter((o) => o.name === '平台部')).toHaveLength(1);
    // a department change moves the account
    await entra.call('PATCH', `/Users/${a}`, patchOp({ op: 'Replace', path: `${ENTERPRISE}:department`, value: '总部/市场部' }));
    expect(await orgsOf(a)).toEqual(['星河科技/总部/市场部']);
  });

  it('department mode with another expression and separator (Okta sends a flat "Sales > EMEA" in a custom attribute)', async () => {
    const okta = await h.endpoint('okta', { organizations: { department: 'coalesce(enterprise.division, title)', separator: '>' } });
    const a = (await okta.call('POST', '/Users', user('a', { [ENTERPRISE]: { division: 'Sales > EMEA' } }))).json().id;
    expect(await orgsOf(a)).toEqual(['Sales/EMEA']);
  });

  it('groups mode: each group is an organization; members follow their groups; a rename keeps the organization (and its WeCom department)', async () => {
    const okta = await h.endpoint('okta', { organizations: { mode: 'groups' } });
    const a = (await okta.call('POST', '/Users', user('a'))).json().id;
    const b = (await okta.call('POST', '/Users', user('b'))).json().id;
    expect(await orgsOf(a)).toEqual(['okta']);
    const g1 = (await okta.call('POST', '/Groups', { schemas: [GROUP], displayName: 'Engineering', members: [{ value: a }, { value: b }] })).json().id;
    const g2 = (await okta.call('POST', '/Groups', { schemas: [GROUP], displayName: 'Berlin/Office', members: [{ value: a }] })).json().id;
    expect(await orgsOf(a)).toEqual(['Engineering', 'Berlin／Office']);
    expect(await orgsOf(b)).toEqual(['Engineering']);
    const engOrg = (await h.directory.getTree()).find((o) => o.name === 'Engineering')!;
    await okta.call('PATCH', `/Groups/${g1}`, patchOp({ op: 'replace', value: { id: g1, displayName: 'R&D' } }));
    const renamed = await h.directory.requireOrganization(engOrg.id);
    expect(renamed.name).toBe('R&D');
    expect(await orgsOf(b)).toEqual(['R&D']);
    await okta.call('PATCH', `/Groups/${g1}`, patchOp({ op: 'remove', path: `members[value eq "${b}"]` }));
    expect(await orgsOf(b)).toEqual(['okta']);
    // deleting a group deletes the organization it created, once empty
    await okta.call('DELETE', `/Groups/${g2}`);
    expect(await orgsOf(a)).toEqual(['R&D']);
    expect((await h.directory.getTree()).some((o) => o.name === 'Berlin／Office')).toBe(false);
  });

  it('groups mode, nested by a naming rule: "研发中心/平台部" is a path', async () => {
    const entra = await h.endpoint('entra', { organizations: { mode: 'groups', nestedGroups: true } });
    const a = (await entra.call('POST', '/Users', user('a'))).json().id;
    await entra.call('POST', '/Groups', { schemas: [GROUP], displayName: '研发中心/平台部', members: [{ value: a }] });
    expect(await orgsOf(a)).toEqual(['研发中心/平台部']);
  });

  it('fixed mode: everyone in the default organization, whatever department or group they have', async () => {
    const home = await h.directory.createOrganization({ name: 'IdP users' });
    const idp = await h.endpoint('idaas', { defaultOrganizationId: home.id, organizations: { mode: 'fixed' } });
    const a = (await idp.call('POST', '/Users', user('a', { [ENTERPRISE]: { department: 'Sales' } }))).json().id;
    await idp.call('POST', '/Groups', { schemas: [GROUP], displayName: 'G', members: [{ value: a }] });
    expect(await orgsOf(a)).toEqual(['IdP users']);
  });

  it('maps account fields and custom attributes with the mapping language; defaults otherwise', async () => {
    const entra = await h.endpoint('entra', {
      fields: { username: 'lower(regex_replace(userName, "@.*$", ""))', mobile: 'coalesce(phoneNumbers.mobile, phoneNumbers.work)' },
      attributes: { cost_center: 'enterprise.costCenter', office: 'addresses.work.locality' },
    });
    const id = (await entra.call('POST', '/Users', {
      schemas: [USER, ENTERPRISE],
      userName: 'Zhang.San@corp.example',
      name: { givenName: '三', familyName: '张', formatted: '张三' },
      title: '经理',
      phoneNumbers: [{ value: '13800000000', type: 'work' }],
      emails: [{ value: 'other@corp.example', type: 'home' }, { value: 'zs@corp.example', type: 'work', primary: true }],
      addresses: [{ type: 'work', locality: '上海' }],
      [ENTERPRISE]: { employeeNumber: 'E1', costCenter: 'CC9' },
    })).json().id;
    expect(await h.directory.requireAccount(id)).toMatchObject({
      username: 'zhang.san', displayName: '张三', mobile: '+86 13800000000', email: 'zs@corp.example', title: '经理', employeeNumber: 'E1',
      attributes: { cost_center: 'CC9', office: '上海' },
    });
    const settings = (await h.inject({ method: 'GET', url: '/api/v1/scim/endpoints/entra', headers: bearer(h.adminToken) })).json();
    expect(settings.effectiveFields).toMatchObject({ username: 'lower(regex_replace(userName, "@.*$", ""))', email: 'emails.primary', title: 'title' });
  });
});
