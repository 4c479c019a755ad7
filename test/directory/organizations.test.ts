// Organizations: tree rules, versions and the change feed, on both backends.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Directory } from '../../src/directory/directory.js';
import { ConflictError, NotFoundError, ValidationError } from '../../src/directory/errors.js';
import { BACKENDS, type TestStore } from '../store/backends.js';

describe.each(BACKENDS)('organizations on $name', (backend) => {
  let t: TestStore;
  let d: Directory;
  beforeEach(async () => {
    t = await backend.open();
    d = new Directory(t.store);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('creates, reads, updates and deletes, bumping the version and recording each change', async () => {
    const root = await d.createOrganization({ name: '总公司', code: 'HQ', externalId: 'hr-1', attributes: { region: 'cn' } });
    expect(root).toMatchObject({ name: '总公司', parentId: null, order: 0, status: 'enabled', version: 1, code: 'HQ', externalId: 'hr-1' });
    expect(root.id).toMatch(/^org_/);
    const sales = await d.createOrganization({ name: '销售部', parentId: root.id, order: 3 });
    expect(await d.getOrganization(sales.id)).toEqual(sales);

    const renamed = await d.updateOrganization(sales.id, { name: '销售中心', order: 5 });
    expect(renamed.version).toBe(2);
    const disabled = await d.setOrganizationStatus(sales.id, 'disabled');
    expect(disabled).toMatchObject({ status: 'disabled', version: 3 });
    await d.deleteOrganization(sales.id);
    expect(await d.getOrganization(sales.id)).toBeUndefined();

    const feed = await d.changesSince(0);
    expect(feed.map((c) => [c.seq, c.objectId, c.operation, c.version])).toEqual([
      [1, root.id, 'create', 1],
      [2, sales.id, 'create', 1],
      [3, sales.id, 'update', 2],
      [4, sales.id, 'update', 3],
      [5, sales.id, 'delete', 4],
    ]);
    expect(feed[2]!.changedFields.sort()).toEqual(['name', 'order']);
    expect(feed[3]!.changedFields).toEqual(['status']);
    expect(feed[0]!.changedFields).toEqual(expect.arrayContaining(['name', 'code', 'externalId', 'attributes']));
  });

  it('records nothing for an update that changes nothing', async () => {
    const o = await d.createOrganization({ name: 'A', order: 1 });
    const same = await d.updateOrganization(o.id, { name: 'A', order: 1 });
    expect(same.version).toBe(1);
    expect(await d.latestSequence()).toBe(1);
  });

  it('rejects an unknown parent, naming it', async () => {
    const err = await d.createOrganization({ name: 'X', parentId: 'org_missing' }).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toContain('org_missing');
    expect(err.errors).toEqual([{ field: 'parentId', message: expect.stringContaining('org_missing'), code: 'invalid.organization-missing-plain', params: { id: 'org_missing' } }]);
    expect(await d.latestSequence()).toBe(0);
  });

  it('rejects cycles, naming both organizations', async () => {
    const a = await d.createOrganization({ name: 'A' });
    const b = await d.createOrganization({ name: 'B', parentId: a.id });
    const c = await d.createOrganization({ name: 'C', parentId: b.id });
    const err = await d.updateOrganization(a.id, { parentId: c.id }).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toContain(`"A" (${a.id})`);
    expect(err.message).toContain(`"C" (${c.id})`);
    expect(err.message).toContain('cycle');
    await expect(d.updateOrganization(a.id, { parentId: a.id })).rejects.toThrow(/own parent/);
    // Still the same tree, nothing recorded.
    expect((await d.getOrganization(a.id))!.parentId).toBeNull();
    expect(await d.latestSequence()).toBe(3);
  });

  it('rejects duplicate sibling names on create, rename and move, naming the existing one', async () => {
    const root = await d.createOrganization({ name: 'Root' });
    const x = await d.createOrganization({ name: 'Sales', parentId: root.id });
    const y = await d.createOrganization({ name: 'Dev', parentId: root.id });
    const other = await d.createOrganization({ name: 'Other' });
    const z = await d.createOrganization({ name: 'Sales', parentId: other.id }); // same name, other parent: fine

    const dup = await d.createOrganization({ name: 'Sales', parentId: root.id }).catch((e) => e);
    expect(dup).toBeInstanceOf(ConflictError);
    expect(dup.message).toContain(x.id);
    await expect(d.updateOrganization(y.id, { name: 'Sales' })).rejects.toThrow(ConflictError);
    await expect(d.updateOrganization(z.id, { parentId: root.id })).rejects.toThrow(ConflictError);
    await expect(d.createOrganization({ name: 'Root' })).rejects.toThrow(/top level/);
    // Names are compared exactly: a different case is another name.
    await expect(d.createOrganization({ name: 'sales', parentId: root.id })).resolves.toBeDefined();
  });

  it('keeps external ids unique', async () => {
    const a = await d.createOrganization({ name: 'A', externalId: 'e1' });
    const err = await d.createOrganization({ name: 'B', externalId: 'e1' }).catch((e) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toContain(a.id);
  });

  it('validates fields with field-level errors', async () => {
    const err = await d.createOrganization({ name: 'a/b', order: -1, status: 'gone' as never }).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.errors.map((e: { field: string }) => e.field).sort()).toEqual(['name', 'order', 'status']);
    await expect(d.createOrganization({ name: '   ' })).rejects.toThrow(ValidationError);
    await expect(d.createOrganization({ name: 'x'.repeat(65) })).rejects.toThrow(ValidationError);
  });

  it('refuses to delete an organization that has children or accounts', async () => {
    const root = await d.createOrganization({ name: 'R' });
    const child = await d.createOrganization({ name: 'C', parentId: root.id });
    await expect(d.deleteOrganization(root.id)).rejects.toThrow(/child organizations.*"C"/);
    await d.createAccount({ username: 'u1', displayName: 'U', organizationIds: [child.id] });
    await expect(d.deleteOrganization(child.id)).rejects.toThrow(/accounts.*"u1"/);
    await expect(d.deleteOrganization('org_nope')).rejects.toThrow(NotFoundError);
  });

  it('honours expected versions (optimistic concurrency)', async () => {
    const o = await d.createOrganization({ name: 'A' });
    await d.updateOrganization(o.id, { order: 2 }, { expectedVersion: 1 });
    await expect(d.updateOrganization(o.id, { order: 3 }, { expectedVersion: 1 })).rejects.toThrow(/version 2, not 1/);
  });

  it('lists with filters and keyset pages', async () => {
    const root = await d.createOrganization({ name: 'Root' });
    for (let i = 0; i < 25; i++) await d.createOrganization({ name: `Team ${i}`, parentId: root.id, status: i % 5 === 0 ? 'disabled' : 'enabled', code: `T${i}` });
    const all: string[] = [];
    let after: string | undefined;
    do {
      const page = await d.listOrganizations({ parentId: root.id, limit: 10, ...(after ? { after } : {}) });
      all.push(...page.items.map((o) => o.name));
      after = page.nextCursor ?? undefined;
    } while (after);
    expect(all).toHaveLength(25);
    expect(new Set(all).size).toBe(25);
    expect((await d.listOrganizations({ parentId: null })).items.map((o) => o.name)).toEqual(['Root']);
    expect((await d.listOrganizations({ status: 'disabled' })).items).toHaveLength(5);
    expect((await d.listOrganizations({ q: 'TEAM 1' })).items.map((o) => o.name).sort()).toEqual(['Team 1', 'Team 10', 'Team 11', 'Team 12', 'Team 13', 'Team 14', 'Team 15', 'Team 16', 'Team 17', 'Team 18', 'Team 19']);
    expect((await d.listOrganizations({ q: '%' })).items).toHaveLength(0);
    expect((await d.listOrganizations({ code: 'T7' })).items.map((o) => o.name)).toEqual(['Team 7']);
  });

  it('reads the whole tree parents first', async () => {
    const a = await d.createOrganization({ name: 'A' });
    const b = await d.createOrganization({ name: 'B', parentId: a.id });
    const c = await d.createOrganization({ name: 'C' });
    await d.updateOrganization(a.id, { parentId: c.id }); // now C > A > B, A created before C
    const tree = await d.getTree();
    const pos = new Map(tree.map((o, i) => [o.id, i]));
    expect(pos.get(c.id)! < pos.get(a.id)!).toBe(true);
    expect(pos.get(a.id)! < pos.get(b.id)!).toBe(true);
  });

  it('reads the organizations around some: them and their ancestors, the children of those, and the top level', async () => {
    const root = await d.createOrganization({ name: 'Root' });
    const other = await d.createOrganization({ name: 'Other' });
    const a = await d.createOrganization({ name: 'A', parentId: root.id });
    const b = await d.createOrganization({ name: 'B', parentId: root.id });
    const a1 = await d.createOrganization({ name: 'A1', parentId: a.id });
    const a2 = await d.createOrganization({ name: 'A2', parentId: a.id });
    await d.createOrganization({ name: 'A1x', parentId: a1.id }); // a child of the one asked for
    await d.createOrganization({ name: 'A1xy', parentId: (await d.listOrganizations({ q: 'A1x' })).items[0]!.id }); // deeper: not needed
    await d.createOrganization({ name: 'B1', parentId: b.id }); // a sibling's child: not needed
    await d.createOrganization({ name: 'O1', parentId: other.id });
    const around = await d.organizationsAround([a1.id, a1.id]);
    expect(around.map((o) => o.name).sort()).toEqual(['A', 'A1', 'A1x', 'A2', 'B', 'Other', 'Root']);
    // parents first, as getTree
    const pos = new Map(around.map((o, i) => [o.id, i]));
    expect(pos.get(root.id)! < pos.get(a.id)! && pos.get(a.id)! < pos.get(a2.id)!).toBe(true);
    expect((await d.organizationsAround([])).map((o) => o.name).sort()).toEqual(['Other', 'Root']);
    expect((await d.organizationsAround(['org_missing'])).map((o) => o.name).sort()).toEqual(['Other', 'Root']);
  });

  it('deletes accounts and organizations in one batch, leaf-first, or refuses when something would be left inside', async () => {
    const keep = await d.createOrganization({ name: 'Keep' });
    const top = await d.createOrganization({ name: 'Top' });
    const mid = await d.createOrganization({ name: 'Mid', parentId: top.id });
    const leaf = await d.createOrganization({ name: 'Leaf', parentId: mid.id });
    const boss = await d.createAccount({ username: 'boss', displayName: 'Boss', organizationIds: [top.id] });
    const dev = await d.createAccount({ username: 'dev', displayName: 'Dev', organizationIds: [leaf.id, mid.id], managerId: boss.id });
    const outsider = await d.createAccount({ username: 'outsider', displayName: 'Outsider', organizationIds: [keep.id], managerId: boss.id });
    const stray = await d.createAccount({ username: 'stray', displayName: 'Stray', organizationIds: [keep.id, leaf.id] });
    const batch = { accounts: [boss.id, dev.id, 'acc_gone'], organizations: [top.id, leaf.id, mid.id] };

    expect(await d.deleteBlockers(batch)).toEqual([`account "stray" (${stray.id}) in "Leaf" (${leaf.id})`]);
    const before = await d.latestSequence();
    await expect(d.deleteBatch(batch)).rejects.toThrow(ConflictError);
    expect(await d.latestSequence()).toBe(before);
    expect(await d.getAccount(boss.id)).toBeDefined();

    await d.updateAccount(stray.id, { organizationIds: [keep.id] });
    const seq = await d.latestSequence();
    const r = await d.deleteBatch(batch);
    expect(r).toEqual({ changes: 6, deleted: { accounts: 2, organizations: 3 } });
    const feed = await d.changesSince(seq);
    expect(feed.map((c) => `${c.operation} ${c.objectId}`)).toEqual([
      `update ${outsider.id}`,
      ...[boss.id, dev.id].sort().map((id) => `delete ${id}`),
      `delete ${leaf.id}`,
      `delete ${mid.id}`,
      `delete ${top.id}`,
    ]);
    expect(feed[0]!.changedFields).toEqual(['managerId']);
    expect((await d.requireAccount(outsider.id)).managerId).toBeNull();
    expect((await d.getTree()).map((o) => o.name)).toEqual(['Keep']);
    expect((await d.allAccounts()).map((a) => a.username).sort()).toEqual(['outsider', 'stray']);
    // deleting what is already gone is a no-op batch
    expect(await d.deleteBatch(batch)).toEqual({ changes: 0, deleted: { accounts: 0, organizations: 0 } });
  });
});
