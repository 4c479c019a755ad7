// PATCH as Entra ID (default and aadOptscim062020), Okta, OneLogin and JumpCloud send it; each
// failure mode seen in other products is a case here.
import { describe, expect, it } from 'vitest';
import { applyPatch, readPatchBody } from '../../../src/connectors/scim/patch.js';
import { memberIds, membersOf, normalizeResource } from '../../../src/connectors/scim/resource.js';
import { ENTERPRISE_SCHEMA, GROUP_SHAPE, USER_SHAPE } from '../../../src/connectors/scim/schemas.js';

const body = (...ops: unknown[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: ops });
const patchUser = (user: Record<string, unknown>, ...ops: unknown[]) => normalizeResource(USER_SHAPE, applyPatch(USER_SHAPE, user, readPatchBody(body(...ops))));
const patchMembers = (members: string[], ...ops: unknown[]) =>
  memberIds(membersOf(applyPatch(GROUP_SHAPE, { displayName: 'G', members: members.map((value) => ({ value })) }, readPatchBody(body(...ops)))));

const user = {
  userName: 'u@example.com',
  active: true,
  name: { givenName: 'Gtfd', familyName: 'Pkqf' },
  emails: [{ value: 'old@example.com', type: 'work', primary: true }],
};

describe('PATCH on users', () => {
  it('reads op in any case and "False"/"True" strings for active (Entra default)', () => {
    expect(patchUser(user, { op: 'Replace', path: 'active', value: 'False' }).active).toBe(false);
    expect(patchUser({ ...user, active: false }, { op: 'replace', path: 'active', value: 'True' }).active).toBe(true);
    expect(patchUser(user, { op: 'replace', path: 'active', value: false }).active).toBe(false);
  });

  it('applies a pathless replace key by key: dotted and URN-prefixed keys (aadOptscim062020), nothing else changes', () => {
    const out = patchUser(user, {
      op: 'replace',
      value: { displayName: 'Bjfe', 'name.givenName': 'Kkom', 'name.familyName': 'Unua', [`${ENTERPRISE_SCHEMA}:employeeNumber`]: 'Aklq' },
    });
    expect(out).toEqual({ ...user, displayName: 'Bjfe', name: { givenName: 'Kkom', familyName: 'Unua' }, [ENTERPRISE_SCHEMA]: { employeeNumber: 'Aklq' } });
  });

  it('deactivates with a pathless replace {active: false} (Okta)', () => {
    expect(patchUser(user, { op: 'replace', value: { active: false } })).toEqual({ ...user, active: false });
  });

  it('replaces emails[type eq "work"].value, and adds the work e-mail when there is none', () => {
    expect(patchUser(user, { op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@example.com' }).emails).toEqual([{ value: 'new@example.com', type: 'work', primary: true }]);
    expect(patchUser({ userName: 'x' }, { op: 'Replace', path: 'emails[type eq "work"].value', value: 'w@example.com' }).emails).toEqual([{ type: 'work', value: 'w@example.com' }]);
  });

  it('sets extension attributes by URN path, and the manager by its value', () => {
    const out = patchUser(user,
      { op: 'Add', path: `${ENTERPRISE_SCHEMA}:department`, value: '研发中心' },
      { op: 'Replace', path: `${ENTERPRISE_SCHEMA}:manager`, value: 'acc_boss' },
      { op: 'add', path: `${ENTERPRISE_SCHEMA}:manager.value`, value: 'acc_boss2' });
    expect(out[ENTERPRISE_SCHEMA]).toEqual({ department: '研发中心', manager: { value: 'acc_boss2' } });
  });

  it('removes an attribute, a sub-attribute, and the elements a filter names', () => {
    const withPhones = { ...user, phoneNumbers: [{ value: '1', type: 'work' }, { value: '2', type: 'mobile' }] };
    expect(patchUser(withPhones, { op: 'Remove', path: 'phoneNumbers[type eq "work"]' }).phoneNumbers).toEqual([{ value: '2', type: 'mobile' }]);
    expect(patchUser(withPhones, { op: 'remove', path: 'name.givenName' }).name).toEqual({ familyName: 'Pkqf' });
    expect(patchUser(withPhones, { op: 'remove', path: 'title' })).toEqual(withPhones);
  });

  it('ignores read-only attributes in a value instead of refusing the request', () => {
    expect(patchUser(user, { op: 'replace', value: { id: 'other', meta: {}, groups: [], title: 'T' } })).toEqual({ ...user, title: 'T' });
  });

  it('refuses what is not a PatchOp', () => {
    expect(() => readPatchBody({})).toThrow(/Operations/);
    expect(() => readPatchBody(body({ op: 'move', path: 'x' }))).toThrow(/add, replace or remove/);
    expect(() => applyPatch(USER_SHAPE, user, readPatchBody(body({ op: 'remove' })))).toThrow(/needs a path/);
    expect(() => applyPatch(USER_SHAPE, user, readPatchBody(body({ op: 'replace', path: 'emails[type eq' })))).toThrow(/not valid|not a SCIM attribute path/);
  });
});

describe('PATCH on group members', () => {
  it('adds members with {"$ref": null, "value"} (Entra) and repeated adds add nothing (JumpCloud)', () => {
    expect(patchMembers(['a'], { op: 'Add', path: 'members', value: [{ $ref: null, value: 'b' }] })).toEqual(['a', 'b']);
    expect(patchMembers(['a', 'b'], { op: 'add', path: 'members', value: [{ value: 'b' }, { value: 'a' }] })).toEqual(['a', 'b']);
  });

  it('Remove on members with a value array removes those members and never all of them (Entra default, OneLogin)', () => {
    expect(patchMembers(['a', 'b', 'c'], { op: 'Remove', path: 'members', value: [{ $ref: null, value: 'b' }] })).toEqual(['a', 'c']);
    expect(patchMembers(['a', 'b', 'c'], { op: 'remove', path: 'members', value: [{ value: 'a' }, { value: 'c' }] })).toEqual(['b']);
    expect(patchMembers(['a', 'b'], { op: 'remove', path: 'members', value: [{ value: 'zzz' }] })).toEqual(['a', 'b']);
  });

  it('a filtered removal removes the member it names (aadOptscim062020, Okta) — not silently ignored', () => {
    expect(patchMembers(['a', 'b'], { op: 'remove', path: 'members[value eq "b"]' })).toEqual(['a']);
  });

  it('replace on members replaces the list with exactly the given members (Okta full push), nothing more', () => {
    expect(patchMembers(['a', 'c', 'd'], { op: 'replace', path: 'members', value: [{ value: 'a' }, { value: 'b' }] })).toEqual(['a', 'b']);
  });

  it("Okta's rename resends {id, displayName}: the members stay", () => {
    const out = applyPatch(GROUP_SHAPE, { displayName: 'Old', members: [{ value: 'a' }] }, readPatchBody(body({ op: 'replace', value: { id: 'grp_1', displayName: 'New' } })));
    expect(out).toEqual({ displayName: 'New', members: [{ value: 'a' }] });
  });

  it('remove members with neither filter nor value empties the group (RFC 7644)', () => {
    expect(patchMembers(['a', 'b'], { op: 'remove', path: 'members' })).toEqual([]);
  });
});

describe('stored resources', () => {
  it('keep what was sent, with canonical names, booleans read, nulls and server-owned attributes dropped', () => {
    const stored = normalizeResource(USER_SHAPE, {
      schemas: [], id: 'x', meta: {}, password: 'p', groups: [],
      USERNAME: 'a', Active: 'False', Name: { GivenName: 'A', formatted: null }, addresses: [{ country: 'ML', type: 'work', primary: 'true' }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { EmployeeNumber: '7' },
      'urn:example:custom:2.0:User': { tag: '1' },
    });
    expect(stored).toEqual({
      userName: 'a', active: false, name: { givenName: 'A' }, addresses: [{ country: 'ML', type: 'work', primary: true }],
      [ENTERPRISE_SCHEMA]: { employeeNumber: '7' }, 'urn:example:custom:2.0:User': { tag: '1' },
    });
  });
});
