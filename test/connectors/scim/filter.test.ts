// SCIM filters as identity providers send them, evaluated with SCIM's rules.
import { describe, expect, it } from 'vitest';
import { indexedLookup, matchResource, parseFilter } from '../../../src/connectors/scim/filter.js';
import { ScimError } from '../../../src/connectors/scim/errors.js';
import { ENTERPRISE_SCHEMA, GROUP_SHAPE, USER_SHAPE } from '../../../src/connectors/scim/schemas.js';

const bjensen = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: 'acc_1',
  externalId: 'Ext-1',
  userName: 'BJensen@example.com',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  title: 'Tour Guide',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  [ENTERPRISE_SCHEMA]: { employeeNumber: '701984', department: '研发中心/平台部' },
  meta: { resourceType: 'User', created: '2024-01-01T00:00:00.000Z', lastModified: '2024-03-01T00:00:00.000Z' },
};

const matches = (f: string): boolean => matchResource(USER_SHAPE, bjensen, parseFilter(f));

describe('SCIM filters', () => {
  it.each([
    ['userName eq "bjensen@example.com"', true], // userName is case-insensitive
    ['USERNAME Eq "BJENSEN@EXAMPLE.COM"', true], // attribute names and operators too
    ['externalId eq "ext-1"', false], // externalId is caseExact
    ['externalId eq "Ext-1"', true],
    ['userName ne "someone"', true],
    ['title co "guide"', true],
    ['userName sw "bjen"', true],
    ['userName ew "@example.com"', true],
    ['title pr', true],
    ['nickName pr', false],
    ['meta.lastModified gt "2024-02-01T00:00:00Z"', true],
    ['meta.lastModified lt "2024-02-01T00:00:00Z"', false],
    ['meta.created ge "2024-01-01T00:00:00.000Z" and meta.created le "2024-01-01T00:00:00.000Z"', true],
    ['title eq "x" or name.givenName eq "barbara"', true],
    ['not (title eq "Tour Guide")', false],
    ['emails[type eq "work" and value co "@example.com"]', true],
    ['emails[type eq "home" and value co "@example.com"]', false], // one element must satisfy the whole value filter
    ['emails[type eq "work"].value eq "bjensen@example.com"', true],
    ['emails[type eq "work"].value eq "babs@jensen.org"', false], // the work e-mail must be the one with that value
    ['emails[type eq "home"].value co "jensen" and title pr', true],
    ['emails.value eq "babs@jensen.org"', true],
    [`${ENTERPRISE_SCHEMA}:employeeNumber eq "701984"`, true],
    ['active eq true', true],
    ['active eq false', false],
  ])('%s → %s', (f, expected) => {
    expect(matches(f)).toBe(expected);
  });

  it('refuses a malformed filter with 400 invalidFilter (Okta\'s spec test sends a bare user name)', () => {
    for (const bad of ['RUNSCOPE300@EXAMPLE.COM', 'userName eq', 'userName xx "a"', '(userName eq "a"']) {
      const err = (() => {
        try {
          parseFilter(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(err, bad).toBeInstanceOf(ScimError);
      expect(err).toMatchObject({ status: 400, scimType: 'invalidFilter' });
    }
  });

  it('finds the equality the store can answer by index, alone or in a top-level and', () => {
    expect(indexedLookup(USER_SHAPE, parseFilter('userName eq "A@b.c"'))).toEqual({ attribute: 'userName', value: 'A@b.c' });
    expect(indexedLookup(USER_SHAPE, parseFilter('active eq true and externalId eq "x"'))).toEqual({ attribute: 'externalId', value: 'x' });
    expect(indexedLookup(GROUP_SHAPE, parseFilter('displayName eq "Sales"'))).toEqual({ attribute: 'displayName', value: 'Sales' });
    expect(indexedLookup(USER_SHAPE, parseFilter('userName eq "a" or userName eq "b"'))).toBeNull();
    expect(indexedLookup(USER_SHAPE, parseFilter('userName co "a"'))).toBeNull();
  });
});
