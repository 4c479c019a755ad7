// Accounts: uniqueness, formats, memberships, manager, subtree reads, on both backends.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Account, normalizeMobile } from '../../src/domain/account.js';
import { type BatchPlan, Directory } from '../../src/directory/directory.js';
import { ConflictError, ValidationError } from '../../src/directory/errors.js';
import type { Organization } from '../../src/domain/organization.js';
import { BACKENDS, type TestStore } from '../store/backends.js';

describe('mobile normalisation', () => {
  it.each([
    ['13800000000', '+86 13800000000'],
    ['+86 13800000000', '+86 13800000000'],
    ['+86-138-0000-0000', '+86 13800000000'],
    ['+8613800000000', '+86 13800000000'],
    ['008613800000000', '+86 13800000000'],
    ['(+86) 138 0000 0000', '+86 13800000000'],
    ['+852 91234567', '+852 91234567'],
    ['+85291234567', '+852 91234567'],
    ['+1-415-555-0100', '+1 4155550100'],
    ['+44 7700 900123', '+44 7700900123'],
  ])('%s -> %s', (input, out) => {
    expect(normalizeMobile(input)).toEqual({ ok: true, value: out });
  });

  it.each(['12345', '1380000000a', '+86 12345678901', 'abc', '+', '+0 123456', '23800000000'])('rejects %s', (input) => {
    expect(normalizeMobile(input).ok).toBe(false);
  });
});

describe.each(BACKENDS)('accounts on $name', (backend) => {
  let t: TestStore;
  let d: Directory;
  let root: Organization;
  let sales: Organization;
  let east: Organization;
  let dev: Organization;
  beforeEach(async () => {
    t = await backend.open();
    d = new Directory(t.store);
    root = await d.createOrganization({ name: '总公司' });
    sales = await d.createOrganization({ name: '销售部', parentId: root.id });
    east = await d.createOrganization({ name: '华东区', parentId: sales.id });
    dev = await d.createOrganization({ name: '研发部', parentId: root.id });
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('creates an account with normalised mobile, primary organization first, and records it', async () => {
    const a = await d.createAccount({
      username: 'Zhang.San', displayName: '张三', mobile: '+86-138-0000-0000', email: 'zs@example.com',
      organizationIds: [dev.id, east.id], primaryOrganizationId: east.id, gender: 'male', title: '经理', attributes: { costCenter: 'CC1', level: 3 },
    });
    expect(a).toMatchObject({ username: 'Zhang.San', mobile: '+86 13800000000', organizationIds: [east.id, dev.id], primaryOrganizationId: east.id, version: 1 });
    expect(await d.getAccount(a.id)).toEqual(a);
    expect(await d.getAccountByUsername('zhang.san')).toEqual(a);
    const [change] = (await d.changesSince(4)) ?? [];
    expect(change).toMatchObject({ objectType: 'account', objectId: a.id, operation: 'create', version: 1 });
    expect(change!.changedFields).toEqual(expect.arrayContaining(['username', 'mobile', 'organizationIds', 'attributes']));
  });

  it('keeps usernames unique regardless of case, naming the holder', async () => {
    const a = await d.createAccount({ username: 'alice', displayName: 'A', organizationIds: [root.id] });
    const err = await d.createAccount({ username: 'ALICE', displayName: 'B', organizationIds: [root.id] }).catch((e) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toContain(a.id);
    const b = await d.createAccount({ username: 'bob', displayName: 'B', organizationIds: [root.id] });
    await expect(d.updateAccount(b.id, { username: 'Alice' })).rejects.toThrow(ConflictError);
    // Changing only the case of one's own username is fine.
    await expect(d.updateAccount(a.id, { username: 'Alice' })).resolves.toMatchObject({ username: 'Alice', version: 2 });
  });

  it('checks formats with field-level errors', async () => {
    const err = await d.createAccount({ username: '-bad name', displayName: '', email: 'nope@', mobile: '12', organizationIds: [root.id] }).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.errors.map((e: { field: string }) => e.field).sort()).toEqual(['displayName', 'email', 'mobile', 'username']);
    await expect(d.createAccount({ username: 'u', displayName: 'U', organizationIds: [] })).rejects.toThrow(/organizationIds/);
    await expect(d.createAccount({ username: 'u', displayName: 'U', organizationIds: [root.id], primaryOrganizationId: dev.id })).rejects.toThrow(/primaryOrganizationId/);
    expect(await d.latestSequence()).toBe(4);
  });

  it('keeps contacts a source sent as given when asked (contactsAsGiven), and still refuses the rest', async () => {
    const opts = { contactsAsGiven: true };
    const a = await d.createAccount({ username: 'us.user', displayName: 'US User', mobile: '(425) 555-0100', email: 'bob@localhost', telephone: '+1 425 555 0100 ext. 5', organizationIds: [dev.id] }, opts);
    expect(a).toMatchObject({ mobile: '(425) 555-0100', email: 'bob@localhost', telephone: '+1 425 555 0100 ext. 5' });
    // normalisable numbers are still normalised
    expect((await d.updateAccount(a.id, { mobile: '+1 425-555-0100' }, opts)).mobile).toBe('+1 4255550100');
    // an unrelated edit without the option keeps what the source sent; a new bad value is refused
    expect(await d.updateAccount(a.id, { title: '工程师' })).toMatchObject({ email: 'bob@localhost', telephone: '+1 425 555 0100 ext. 5', title: '工程师' });
    await expect(d.updateAccount(a.id, { email: 'carol@localhost' })).rejects.toBeInstanceOf(ValidationError);
    await expect(d.createAccount({ username: 'bad name', displayName: 'x', email: 'x\u0001', organizationIds: [dev.id] }, opts)).rejects.toMatchObject({
      errors: expect.arrayContaining([expect.objectContaining({ field: 'username' }), expect.objectContaining({ field: 'email' })]),
    });
  });

  it('writes several objects in one transaction: all of them, or none when the callback throws', async () => {
    const before = await d.latestSequence();
    await expect(
      d.transaction(async (w) => {
        const org = await w.createOrganization({ name: '临时部', parentId: root.id });
        await w.createAccount({ username: 'tx.one', displayName: 'One', organizationIds: [org.id] });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await d.latestSequence()).toBe(before);
    expect(await d.getAccountByUsername('tx.one')).toBeUndefined();

    const made = await d.transaction(async (w) => {
      const org = await w.createOrganization({ name: '新部门', parentId: root.id });
      const acc = await w.createAccount({ username: 'tx.two', displayName: 'Two', organizationIds: [org.id] });
      await w.updateAccount(acc.id, { title: '工程师' });
      return { org, acc };
    });
    expect(await d.getAccount(made.acc.id)).toMatchObject({ title: '工程师', organizationIds: [made.org.id], version: 2 });
    expect((await d.changesSince(before)).map((c) => `${c.objectType}:${c.operation}`)).toEqual(['organization:create', 'account:create', 'account:update']);
  });

  it('requires existing organizations and manager', async () => {
    await expect(d.createAccount({ username: 'u', displayName: 'U', organizationIds: [root.id, 'org_gone'] })).rejects.toThrow(/org_gone/);
    await expect(d.createAccount({ username: 'u', displayName: 'U', organizationIds: [root.id], managerId: 'acc_gone' })).rejects.toThrow(/acc_gone/);
    const boss = await d.createAccount({ username: 'boss', displayName: 'Boss', organizationIds: [root.id] });
    await expect(d.updateAccount(boss.id, { managerId: boss.id })).rejects.toThrow(/own manager/);
  });

  it('refuses manager cycles (a → b → a, and longer ones), naming the accounts', async () => {
    const a = await d.createAccount({ username: 'a', displayName: 'A', organizationIds: [root.id] });
    const b = await d.createAccount({ username: 'b', displayName: 'B', organizationIds: [root.id], managerId: a.id });
    const c = await d.createAccount({ username: 'c', displayName: 'C', organizationIds: [root.id], managerId: b.id });
    const seq = await d.latestSequence();
    const two = await d.updateAccount(a.id, { managerId: b.id }).catch((e: unknown) => e);
    expect(two).toBeInstanceOf(ValidationError);
    expect((two as ValidationError).message).toBe(`account "a" (${a.id}) cannot report to "b" (${b.id}): the managers would form a cycle: a → b → a`);
    expect((two as ValidationError).errors).toEqual([{ field: 'managerId', message: `${b.id} reports (directly or indirectly) to ${a.id}`, code: 'invalid.manager-cycle', params: { manager: b.id, account: a.id } }]);
    await expect(d.updateAccount(a.id, { managerId: c.id })).rejects.toThrow('the managers would form a cycle: a → c → b → a');
    expect(await d.latestSequence()).toBe(seq);
    expect((await d.requireAccount(a.id)).managerId).toBeNull();
    // a chain that ends is fine, and so is moving within it
    expect((await d.updateAccount(c.id, { managerId: a.id })).managerId).toBe(a.id);
  });

  it('refuses manager cycles in batch writes', async () => {
    const a = await d.createAccount({ username: 'a', displayName: 'A', organizationIds: [root.id] });
    const b = await d.createAccount({ username: 'b', displayName: 'B', organizationIds: [root.id], managerId: a.id });
    const x: Account = { ...a, id: 'acc_x', username: 'x', externalId: null, managerId: b.id, version: 1 };
    const seq = await d.latestSequence();
    const batch = (accounts: BatchPlan['accounts']) => d.applyBatch(() => ({ plan: { organizations: { create: [], update: [] }, accounts }, result: {} }));
    // x (new) → b → a, and a now → x
    const err = await batch({ create: [x], update: [{ after: { ...a, managerId: 'acc_x', version: a.version + 1 }, changedFields: ['managerId'] }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/the managers would form a cycle: (x → b → a → x|a → x → b → a)/);
    expect(await d.latestSequence()).toBe(seq);
    expect(await d.getAccount('acc_x')).toBeUndefined();
    // without the cycle the same batch goes through
    await batch({ create: [x], update: [] });
    expect((await d.requireAccount('acc_x')).managerId).toBe(b.id);
  });

  it('updates partially, moving organizations and keeping the primary when still listed', async () => {
    const a = await d.createAccount({ username: 'u', displayName: 'U', organizationIds: [east.id, dev.id] });
    const moved = await d.updateAccount(a.id, { organizationIds: [dev.id, root.id, east.id] });
    expect(moved.primaryOrganizationId).toBe(east.id);
    expect(moved.organizationIds).toEqual([east.id, dev.id, root.id]);
    const again = await d.updateAccount(a.id, { organizationIds: [dev.id] });
    expect(again).toMatchObject({ primaryOrganizationId: dev.id, organizationIds: [dev.id], version: 3 });
    expect((await d.getAccount(a.id))!.organizationIds).toEqual([dev.id]);
    const feed = await d.changesSince(5);
    expect(feed.map((c) => c.changedFields)).toEqual([
      ['organizationIds'],
      ['organizationIds', 'primaryOrganizationId'],
    ]);
    const cleared = await d.updateAccount(a.id, { title: 'T', mobile: '13900000000' });
    const noMobile = await d.updateAccount(a.id, { mobile: null });
    expect(cleared.mobile).toBe('+86 13900000000');
    expect(noMobile).toMatchObject({ mobile: null, title: 'T' });
  });

  it('deleting an account clears it as manager and records those updates', async () => {
    const boss = await d.createAccount({ username: 'boss', displayName: 'Boss', organizationIds: [root.id] });
    const r1 = await d.createAccount({ username: 'r1', displayName: 'R1', organizationIds: [root.id], managerId: boss.id });
    const before = await d.latestSequence();
    await d.deleteAccount(boss.id);
    expect(await d.getAccount(boss.id)).toBeUndefined();
    expect(await d.getAccount(r1.id)).toMatchObject({ managerId: null, version: 2 });
    const feed = await d.changesSince(before);
    expect(feed.map((c) => [c.objectId, c.operation, c.changedFields])).toEqual([
      [r1.id, 'update', ['managerId']],
      [boss.id, 'delete', []],
    ]);
  });

  it('disables and enables', async () => {
    const a = await d.createAccount({ username: 'u', displayName: 'U', organizationIds: [root.id] });
    expect(await d.setAccountStatus(a.id, 'disabled')).toMatchObject({ status: 'disabled', version: 2 });
    expect(await d.setAccountStatus(a.id, 'enabled')).toMatchObject({ status: 'enabled', version: 3 });
  });

  it('reads all accounts of a subtree in one pass, including multi-membership', async () => {
    const inEast = await d.createAccount({ username: 'e1', displayName: 'E', organizationIds: [east.id] });
    const inDev = await d.createAccount({ username: 'd1', displayName: 'D', organizationIds: [dev.id] });
    const both = await d.createAccount({ username: 'b1', displayName: 'B', organizationIds: [dev.id, sales.id] });
    const ids = (list: { id: string }[]) => list.map((a) => a.id).sort();
    expect(ids(await d.accountsInSubtree(sales.id))).toEqual([inEast.id, both.id].sort());
    expect(ids(await d.accountsInSubtree(root.id))).toEqual([inEast.id, inDev.id, both.id].sort());
    expect(ids(await d.accountsInSubtree(east.id))).toEqual([inEast.id]);
    const fromSubtree = (await d.accountsInSubtree(sales.id)).find((a) => a.id === both.id)!;
    expect(fromSubtree.organizationIds).toEqual([dev.id, sales.id]);
    expect(await d.allAccounts()).toHaveLength(3);
  });

  it('lists with filters and pages', async () => {
    for (let i = 0; i < 12; i++)
      await d.createAccount({ username: `user${i}`, displayName: `User ${i}`, organizationIds: [i % 2 ? dev.id : east.id], email: `u${i}@example.com`, mobile: `1380000000${i % 10}`, status: i === 3 ? 'disabled' : 'enabled' });
    const page1 = await d.listAccounts({ limit: 5 });
    const page2 = await d.listAccounts({ limit: 5, after: page1.nextCursor! });
    const page3 = await d.listAccounts({ limit: 5, after: page2.nextCursor! });
    expect([...page1.items, ...page2.items, ...page3.items].map((a) => a.username)).toHaveLength(12);
    expect(page3.nextCursor).toBeNull();
    expect((await d.listAccounts({ organizationId: dev.id })).items).toHaveLength(6);
    expect((await d.listAccounts({ status: 'disabled' })).items.map((a) => a.username)).toEqual(['user3']);
    expect((await d.listAccounts({ username: 'USER7' })).items.map((a) => a.username)).toEqual(['user7']);
    expect((await d.listAccounts({ mobile: '+86-138-0000-0001' })).items.map((a) => a.username).sort()).toEqual(['user1', 'user11']);
    expect((await d.listAccounts({ q: 'user 1' })).items).toHaveLength(3);
  });
});
