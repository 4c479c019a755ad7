// Okta's "SCIM 2.0 Spec Test", run against our endpoint. Okta publishes it as a Runscope test
// (developer.okta.com/standards/SCIM/SCIMFiles/Okta-SCIM-20-SPEC-Test.json, exported 2016-11-07,
// "Basic tests to see if your SCIM server will work with Okta"), with the variables its docs
// define (randomUsername, randomUsernameCaps, InvalidUserEmail, UserIdThatDoesNotExist, …). Its 13
// requests and their assertions are written out below, in order; the runner checks each assertion
// the way Runscope does. Not carried over: the `response_time` assertions (a wall-clock limit of
// 400–600 ms per request, which a unit test on a shared machine must not depend on) and the
// 5-second pauses between steps. As Okta's docs require, the endpoint holds a user and a group
// before the run.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GROUP, type ScimClient, type ScimHarness, USER, scimHarness } from './helpers.js';

type Assertion =
  | { source: 'response_status'; comparison: 'equal_number'; value: number }
  | { source: 'response_json'; comparison: 'not_empty' | 'is_a_number'; property: string }
  | { source: 'response_json'; comparison: 'has_value' | 'equal' | 'equal_number' | 'contains'; property: string; value: string | null };

interface Step {
  note: string;
  method: 'GET' | 'POST';
  url: string;
  body?: string;
  /** Runscope variables set from the answer. */
  variables?: Record<string, string>;
  assertions: Assertion[];
  /** A Runscope script run on the answer. */
  script?: (json: Record<string, unknown>) => void;
}

const status = (value: number): Assertion => ({ source: 'response_status', comparison: 'equal_number', value });
const notEmpty = (property: string): Assertion => ({ source: 'response_json', comparison: 'not_empty', property });
const hasValue = (property: string, value: string | null): Assertion => ({ source: 'response_json', comparison: 'has_value', property, value });
const equal = (property: string, value: string): Assertion => ({ source: 'response_json', comparison: 'equal', property, value });
const isNumber = (property: string): Assertion => ({ source: 'response_json', comparison: 'is_a_number', property });
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const newUser = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{{randomUsername}}","name":{"givenName":"{{randomGivenName}}","familyName":"{{randomFamilyName}}"},"emails":[{"primary":true,"value":"{{randomEmail}}","type":"work"}],"displayName":"{{randomGivenName}} {{randomFamilyName}}","active":true}';

const STEPS: Step[] = [
  {
    note: 'Optional Test: Test ServiceProviderConfig endpoint',
    method: 'GET',
    url: '/ServiceProviderConfig',
    assertions: [
      status(200), notEmpty('schemas'), hasValue('schemas', 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'),
      notEmpty('patch'), notEmpty('bulk'), notEmpty('filter'), notEmpty('changePassword'), notEmpty('sort'), notEmpty('etag'), notEmpty('authenticationSchemes'),
      notEmpty('authenticationSchemes[0].type'), notEmpty('authenticationSchemes[0].description'), notEmpty('etag.supported'), notEmpty('sort.supported'),
      notEmpty('changePassword.supported'), notEmpty('filter.maxResults'), notEmpty('filter.supported'), notEmpty('bulk.supported'), notEmpty('bulk.maxOperations'),
      notEmpty('bulk.maxPayloadSize'), notEmpty('patch.supported'),
    ],
  },
  { note: 'Optional Test: Check if ServiceProviderConfig is read-only', method: 'POST', url: '/ServiceProviderConfig', body: 'test\r\n\r\n', assertions: [status(405)] },
  {
    note: 'Optional Test: Check ResourceTypes endpoint',
    method: 'GET',
    url: '/ResourceTypes',
    assertions: [status(200), notEmpty('Resources'), hasValue('schemas', LIST), notEmpty('Resources[0].name'), notEmpty('Resources[0].endpoint'), notEmpty('Resources[0].schema')],
  },
  { note: 'Optional Test: Check if ResourceTypes is read-only', method: 'POST', url: '/ResourceTypes', body: 'test', assertions: [status(405)] },
  { note: 'Optional Test: Check Schemas endpoint', method: 'GET', url: '/Schemas', assertions: [status(200), notEmpty('Resources'), hasValue('schemas', LIST), notEmpty('Resources[0].id'), notEmpty('Resources[0].attributes')] },
  { note: 'Optional Test: Check if Schemas is read-only', method: 'POST', url: '/Schemas', body: 'test', assertions: [status(405)] },
  {
    note: 'Required Test: Test Users endpoint',
    method: 'GET',
    url: '/Users?count=1&startIndex=1',
    variables: { ISVUserid: 'Resources[0].id' },
    assertions: [
      status(200), notEmpty('Resources'), hasValue('schemas', LIST), isNumber('itemsPerPage'), isNumber('startIndex'), isNumber('totalResults'),
      notEmpty('Resources[0].id'), notEmpty('Resources[0].name.familyName'), notEmpty('Resources[0].name.givenName'), notEmpty('Resources[0].userName'),
      notEmpty('Resources[0].active'), hasValue('Resources[0].emails.value', null),
    ],
  },
  {
    note: 'Required Test: Get Users/{{id}} ',
    method: 'GET',
    url: '/Users/{{ISVUserid}}',
    assertions: [status(200), notEmpty('id'), notEmpty('name.familyName'), notEmpty('name.givenName'), notEmpty('userName'), notEmpty('active'), notEmpty('emails[0].value'), equal('id', '{{ISVUserid}}')],
  },
  { note: 'Required Test: Test invalid User by username', method: 'GET', url: '/Users?filter=userName eq "{{InvalidUserEmail}}"', assertions: [status(200), hasValue('schemas', LIST), equal('totalResults', '0')] },
  { note: 'Required Test: Test invalid User by ID', method: 'GET', url: '/Users/{{UserIdThatDoesNotExist}}', assertions: [status(404), notEmpty('detail'), hasValue('schemas', 'urn:ietf:params:scim:api:messages:2.0:Error')] },
  {
    note: "Required Test: Make sure random user doesn't exist",
    method: 'GET',
    url: '/Users?filter=userName eq "{{randomEmail}}"',
    assertions: [status(200), { source: 'response_json', comparison: 'equal_number', property: 'totalResults', value: '0' }, hasValue('schemas', LIST)],
  },
  {
    note: 'Required Test: Create Okta user with realisitic values',
    method: 'POST',
    url: '/Users',
    body: newUser,
    variables: { idUserOne: 'id' },
    assertions: [
      status(201), equal('active', 'true'), notEmpty('id'), equal('name.familyName', '{{randomFamilyName}}'), equal('name.givenName', '{{randomGivenName}}'),
      { source: 'response_json', comparison: 'contains', property: 'schemas', value: 'urn:ietf:params:scim:schemas:core:2.0:User' }, equal('userName', '{{randomUsername}}'),
    ],
  },
  {
    note: 'Required Test: Verify that user was created',
    method: 'GET',
    url: '/Users/{{idUserOne}}',
    assertions: [status(200), equal('userName', '{{randomUsername}}'), equal('name.familyName', '{{randomFamilyName}}'), equal('name.givenName', '{{randomGivenName}}')],
  },
  { note: 'Required Test: Expect failure when recreating user with same values', method: 'POST', url: '/Users', body: newUser, assertions: [status(409)] },
  { note: 'Required Test: Username Case Sensitivity Check', method: 'GET', url: '/Users?filter={{randomUsernameCaps}}', assertions: [status(400)] },
  {
    note: 'Optional Test: Verify Groups endpoint',
    method: 'GET',
    url: '/Groups',
    assertions: [status(200)],
    script: (data) => {
      const exists = (data.totalResults as number) >= 1 && Array.isArray(data.Resources);
      expect(exists, 'Resources is of type Array').toBe(true);
    },
  },
];

/** A Runscope property path (`Resources[0].emails.value`): names and indexes, names mapped over lists. */
function property(json: unknown, path: string): unknown {
  let current: unknown = json;
  for (const part of path.split('.')) {
    const m = /^([^[]+)((?:\[\d+\])*)$/.exec(part)!;
    const step = (v: unknown): unknown => (Array.isArray(v) ? v.map(step) : v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[m[1]!] : undefined);
    current = step(current);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) current = Array.isArray(current) ? current[Number(idx[1])] : undefined;
  }
  return current;
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function check(a: Assertion, statusCode: number, json: unknown): void {
  if (a.source === 'response_status') return void expect(statusCode, 'response_status').toBe(a.value);
  const v = property(json, a.property);
  const what = `${a.comparison} ${a.property}`;
  switch (a.comparison) {
    case 'not_empty':
      expect(v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0), what).toBe(false);
      return;
    case 'is_a_number':
      expect(typeof v, what).toBe('number');
      return;
    case 'has_value': // a list holding the value; with no value, a property that has one
      if (a.value === null) expect([v].flat().some((x) => x !== undefined && x !== null && x !== ''), what).toBe(true);
      else expect([v].flat(), what).toContain(a.value);
      return;
    case 'contains':
      expect(asText(v), what).toContain(a.value!);
      return;
    case 'equal_number':
      expect(Number(v), what).toBe(Number(a.value));
      return;
    case 'equal':
      expect(asText(v), what).toBe(a.value);
  }
}

describe("Okta's SCIM 2.0 Spec Test", () => {
  let h: ScimHarness;
  let okta: ScimClient;
  beforeEach(async () => {
    h = await scimHarness();
    okta = await h.endpoint('okta');
    // "You must create at least one user in your SCIM server before running the Okta SCIM API test suite"
    await okta.call('POST', '/Users', { schemas: [USER], userName: 'existing@example.com', name: { givenName: 'Existing', familyName: 'User' }, emails: [{ value: 'existing@example.com', type: 'work', primary: true }], active: true });
    await okta.call('POST', '/Groups', { schemas: [GROUP], displayName: 'Existing group' });
  });
  afterEach(async () => {
    await h.dispose();
  });

  it('passes every step', async () => {
    const suffix = 'Hfluaklab151';
    const vars: Record<string, string> = {
      randomGivenName: 'Runscope300',
      randomFamilyName: suffix,
      randomEmail: `Runscope300${suffix}@example.com`,
      randomUsername: `Runscope300${suffix}@example.com`,
      randomUsernameCaps: `RUNSCOPE300${suffix.toUpperCase()}@EXAMPLE.COM`,
      InvalidUserEmail: 'abcdefgh@example.com',
      UserIdThatDoesNotExist: '010101001010101011001010101011',
    };
    const fill = (s: string): string => s.replace(/\{\{(\w+)\}\}/g, (_, k: string) => vars[k] ?? `{{${k}}}`);
    for (const step of STEPS) {
      const url = fill(step.url).replace(/ /g, '%20').replace(/"/g, '%22');
      const r = await okta.call(step.method, url, step.body === undefined ? undefined : fill(step.body), { 'accept-charset': 'utf-8', 'user-agent': 'OKTA SCIM Integration' });
      const json = r.body === '' ? null : (JSON.parse(r.body) as Record<string, unknown>);
      try {
        for (const a of step.assertions) check(a.source === 'response_json' && 'value' in a && typeof a.value === 'string' ? { ...a, value: fill(a.value) } : a, r.statusCode, json);
        step.script?.(json!);
      } catch (err) {
        throw new Error(`${step.note}: ${(err as Error).message}\n${r.statusCode} ${r.body}`);
      }
      for (const [name, path] of Object.entries(step.variables ?? {})) vars[name] = asText(property(json, path));
    }
  });
});
