// Every field a caller may set is compared, named in the change feed and stored: through the
// single-row writes and through bulk batches (insert and upsert), on both backends. The value sets
// are typed AccountFields / OrganizationFields, so a new field cannot be left out of this test.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Account, type AccountFields, ACCOUNT_FIELDS, diffAccount } from '../../src/domain/account.js';
import { type Organization, type OrganizationFields, ORGANIZATION_FIELDS, diffOrganization } from '../../src/domain/organization.js';
import { Directory } from '../../src/directory/directory.js';
import { newId } from '../../src/store/ids.js';
import { BACKENDS, type TestStore } from '../store/backends.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';

/** Two value sets that differ in every field; the organizations and manager come from the caller. */
function accountValues(o: { a: string; b: string; root: string; managerA: string; managerB: string }): [AccountFields, AccountFields] {
  return [
    {
      externalId: 'hr-1', username: 'alice', displayName: '爱丽丝', mobile: '+86 13800000001', email: 'alice@example.com',
      telephone: '010-1234', title: '工程师', gender: 'female', employeeNumber: 'E001', managerId: o.managerA,
      organizationIds: [o.a, o.root], primaryOrganizationId: o.a, status: 'disabled', attributes: { level: 3, remote: true, note: null },
    },
    {
      externalId: 'hr-2', username: 'Alice.B', displayName: 'Alice B', mobile: '+852 91234567', email: 'b@example.com',
      telephone: '010-5678', title: 'Lead', gender: 'male', employeeNumber: 'E002', managerId: o.managerB,
      organizationIds: [o.b], primaryOrganizationId: o.b, status: 'enabled', attributes: { level: 4 },
    },
  ];
}

function organizationValues(parentA: string, parentB: string): [OrganizationFields, OrganizationFields] {
  return [
    { externalId: 'ou-1', name: '运营部', parentId: parentA, order: 7, code: 'OPS', status: 'disabled', attributes: { cc: 'C1', floor: 3 } },
    { externalId: 'ou-2', name: 'Operations', parentId: parentB, order: 2 ** 32 - 1, code: 'OPS-2', status: 'enabled', attributes: { cc: 'C2' } },
  ];
}

describe('field diffs', () => {
  it('name each account field, and only it, when it alone changes', () => {
    const [before, after] = accountValues({ a: 'org_a', b: 'org_b', root: 'org_r', managerA: 'acc_m1', managerB: 'acc_m2' });
    const account: Account = { id: 'acc_1', ...before, version: 1, createdAt: T0, updatedAt: T0 };
    expect(Object.keys(after).sort()).toEqual([...ACCOUNT_FIELDS].sort());
    for (const field of ACCOUNT_FIELDS) expect(diffAccount(account, { ...before, [field]: after[field] })).toEqual([field]);
    expect(diffAccount(account, { ...before, attributes: { note: null, remote: true, level: 3 } })).toEqual([]);
  });

  it('name each organization field, and only it, when it alone changes', () => {
    const [before, after] = organizationValues('org_a', 'org_b');
    const org: Organization = { id: 'org_1', ...before, version: 1, createdAt: T0, updatedAt: T0 };
    expect(Object.keys(after).sort()).toEqual([...ORGANIZATION_FIELDS].sort());
    for (const field of ORGANIZATION_FIELDS) expect(diffOrganization(org, { ...before, [field]: after[field] })).toEqual([field]);
  });
});

describe.each(BACKENDS)('every field stored on $name', (backend) => {
  let t: TestStore;
  let d: Directory;
  let accounts: [AccountFields, AccountFields];
  let organizations: [OrganizationFields, OrganizationFields];
  beforeEach(async () => {
    t = await backend.open();
    d = new Directory(t.store);
    const root = await d.createOrganization({ name: '总公司' });
    const a = await d.createOrganization({ name: 'A', parentId: root.id });
    const b = await d.createOrganization({ name: 'B', parentId: root.id });
    const managerA = await d.createAccount({ username: 'm1', displayName: 'M1', organizationIds: [root.id] });
    const managerB = await d.createAccount({ username: 'm2', displayName: 'M2', organizationIds: [root.id] });
    accounts = accountValues({ a: a.id, b: b.id, root: root.id, managerA: managerA.id, managerB: managerB.id });
    organizations = organizationValues(a.id, b.id);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('single-row writes store and read back every field and record each change', async () => {
    const org = await d.createOrganization(organizations[0]);
    expect(await d.getOrganization(org.id)).toEqual({ id: org.id, ...organizations[0], version: 1, createdAt: org.createdAt, updatedAt: org.updatedAt });
    const orgAfter = await d.updateOrganization(org.id, organizations[1]);
    expect(await d.getOrganization(org.id)).toEqual({ ...orgAfter, ...organizations[1] });

    const acc = await d.createAccount(accounts[0]);
    expect(await d.getAccount(acc.id)).toEqual({ id: acc.id, ...accounts[0], version: 1, createdAt: acc.createdAt, updatedAt: acc.updatedAt });
    const accAfter = await d.updateAccount(acc.id, accounts[1]);
    expect(await d.getAccount(acc.id)).toEqual({ ...accAfter, ...accounts[1] });

    const feed = await d.changesSince(5);
    expect(feed.map((c) => [c.objectId, c.operation, c.changedFields])).toEqual([
      [org.id, 'create', ORGANIZATION_FIELDS],
      [org.id, 'update', ORGANIZATION_FIELDS],
      [acc.id, 'create', ACCOUNT_FIELDS],
      [acc.id, 'update', ACCOUNT_FIELDS],
    ]);
  });

  it('bulk batches insert and upsert every field', async () => {
    const org: Organization = { id: newId('org'), ...organizations[0], version: 1, createdAt: T0, updatedAt: T0 };
    const acc: Account = { id: newId('acc'), ...accounts[0], version: 1, createdAt: T0, updatedAt: T0 };
    await d.applyBatch(() => ({ plan: { organizations: { create: [org], update: [] }, accounts: { create: [acc], update: [] } }, result: {} }));
    expect(await d.getOrganization(org.id)).toEqual(org);
    expect(await d.getAccount(acc.id)).toEqual(acc);

    const orgAfter: Organization = { ...org, ...organizations[1], version: 2, updatedAt: T1 };
    const accAfter: Account = { ...acc, ...accounts[1], version: 2, updatedAt: T1 };
    const before = await d.latestSequence();
    await d.applyBatch(() => ({
      plan: {
        organizations: { create: [], update: [{ after: orgAfter, changedFields: diffOrganization(org, orgAfter) }] },
        accounts: { create: [], update: [{ after: accAfter, changedFields: diffAccount(acc, accAfter) }] },
      },
      result: {},
    }));
    expect(await d.getOrganization(org.id)).toEqual(orgAfter);
    expect(await d.getAccount(acc.id)).toEqual(accAfter);
    expect((await d.changesSince(before)).map((c) => c.changedFields)).toEqual([ORGANIZATION_FIELDS, ACCOUNT_FIELDS]);
  });
});
