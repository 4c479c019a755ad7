// Text must be valid Unicode: a JSON body with a lone surrogate (`"\ud800"`) or bytes that are not
// UTF-8 is refused with 400 naming the field, for every route, before it can be stored altered.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, PROBLEM, bearer, harness } from './harness.js';

describe('invalid Unicode in JSON bodies', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.dispose();
  });
  const send = (url: string, payload: string | Buffer, headers: Record<string, string> = bearer(h.adminToken)) =>
    h.inject({ method: 'POST', url, payload, headers: { ...headers, 'content-type': 'application/json' } });
  const fields = (body: string): string[] => (JSON.parse(body) as { errors: Array<{ field: string }> }).errors.map((e) => e.field);

  it('refuses a lone surrogate with 400 naming the field, and stores nothing', async () => {
    const r = await send('/api/v1/organizations', '{"name":"Surr\\ud800Y"}');
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toContain(PROBLEM);
    expect(r.json()).toMatchObject({ type: 'urn:wecom-sync:problem:invalid-request', errors: [{ field: 'name', message: expect.stringMatching(/not valid Unicode/) }] });
    expect(r.body).not.toMatch(/\\ud800/i);
    const list = await h.inject({ method: 'GET', url: '/api/v1/organizations', headers: bearer(h.adminToken) });
    expect(list.json().items).toEqual([]);
  });

  it('refuses bytes that are not UTF-8 with 400 naming the field, instead of storing replacement characters', async () => {
    const org = (await h.inject({ method: 'POST', url: '/api/v1/organizations', payload: { name: 'A' }, headers: bearer(h.adminToken) })).json();
    const payload = Buffer.concat([Buffer.from(`{"username":"zs","organizationIds":["${org.id}"],"displayName":"Z`), Buffer.from([0xff, 0xc3]), Buffer.from('s"}')]);
    const r = await send('/api/v1/accounts', payload);
    expect(r.statusCode).toBe(400);
    expect(fields(r.body)).toEqual(['displayName']);
    expect((await h.inject({ method: 'GET', url: '/api/v1/accounts', headers: bearer(h.adminToken) })).json().items).toEqual([]);
    // an overlong encoding and an encoded surrogate are not UTF-8 either
    for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]]) {
      const p = Buffer.concat([Buffer.from('{"name":"'), Buffer.from(bad), Buffer.from('"}')]);
      expect(fields((await send('/api/v1/organizations', p)).body)).toEqual(['name']);
    }
  });

  it('checks every text: nested values, attribute names, any route, sign-in included', async () => {
    const r = await send('/api/v1/organizations', '{"name":"ok","attributes":{"k\\udc00":"v","cost":"\\ud83d"}}');
    expect(r.statusCode).toBe(400);
    expect(fields(r.body).sort()).toEqual(['attributes.cost', 'attributes.k\ufffd']);
    const token = await send('/api/v1/tokens', '{"name":"bot\\ud800","role":"viewer"}');
    expect(fields(token.body)).toEqual(['name']);
    const login = await send('/api/v1/auth/login', '{"username":"admin\\udfff","password":"x"}', {});
    expect(login.statusCode).toBe(400);
    expect(fields(login.body)).toEqual(['username']);
  });

  it('accepts valid text: pairs of surrogates, U+FFFD itself, Chinese', async () => {
    const r = await send('/api/v1/organizations', '{"name":"\\ud83d\\ude00 \ufffd 研发部 😀"}');
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().name).toBe('😀 \ufffd 研发部 😀');
    const bytes = await send('/api/v1/organizations', Buffer.from('{"name":"市场部 \u{1F600}"}', 'utf8'));
    expect(bytes.json().name).toBe('市场部 😀');
  });

  it('checks a body nested as deep as the body limit allows without exhausting the stack (or the time)', async () => {
    const depth = 450_000;
    const r = await send('/api/v1/organizations', `${'['.repeat(depth)}"\\ud800"${']'.repeat(depth)}`);
    expect(r.statusCode).toBe(400);
    expect(fields(r.body)).toEqual([Array(depth).fill('0').join('.')]);
  });

  it('keeps the JSON parser’s other refusals: malformed JSON, __proto__', async () => {
    expect((await send('/api/v1/organizations', '{"name":')).statusCode).toBe(400);
    const proto = await send('/api/v1/organizations', '{"name":"x","__proto__":{"admin":true}}');
    expect(proto.statusCode).toBe(400);
    expect(proto.headers['content-type']).toContain(PROBLEM);
  });
});
