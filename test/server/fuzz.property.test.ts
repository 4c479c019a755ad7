// A property-based fuzz of the write routes over real HTTP, as an outside probe sends them: valid
// bodies with fields replaced, dropped or added, arbitrary JSON, broken JSON, bytes that are not
// UTF-8, odd content types, odd path parameters (existing ids, junk, malformed percent-encoding),
// as a bearer token, a session or nobody. Whatever comes in, the answer is never a 5xx, every error
// is problem+json, and no body shows internals: stack traces, file paths, SQL.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/server/cookies.js';
import { ADMIN_PASSWORD } from './harness.js';
import { type SyncEnv, connectionBody, syncEnv } from './sync-fixtures.js';

const RUNS = 2000;

/** What must never reach a client: stack frames, source paths, database errors. */
const INTERNALS: RegExp[] = [
  /\bat [\w$.<>]+ \(/, // a stack frame
  /:\d+:\d+\)/,
  /node_modules|file:\/\/|\.ts:\d+/,
  new RegExp(process.cwd().replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')),
  /SQLITE_|constraint failed|violates|duplicate key value|syntax error at|no such (table|column)|relation "|kysely/i,
];

/** encodeURIComponent, which throws on a lone surrogate: that one is sent as the UTF-8 bytes of U+D800 (not UTF-8). */
function encodePathSegment(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
}

interface Target {
  method: 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** `:param` is filled in. */
  url: string;
  seed: Record<string, unknown> | null;
}

describe('REST fuzz of the write routes', () => {
  let env: SyncEnv;
  let session = '';
  const ids: { kept: string[]; spare: string[] } = { kept: [], spare: [] };

  // The harness's own session, from an address of its own: the fuzz's failed sign-ins from
  // 127.0.0.1 soon hit the sign-in limit there.
  const login = async (): Promise<string> => {
    const r = await env.h.auth.login('admin', ADMIN_PASSWORD, 'fuzz-harness');
    if (!r.ok) throw new Error(`the harness cannot sign in: ${r.reason}`);
    return `${SESSION_COOKIE}=${r.sessionSecret}`;
  };

  beforeAll(async () => {
    env = await syncEnv();
    session = await login();
    const post = async (url: string, body: unknown) =>
      (await (await fetch(`${env.url}${url}`, { method: 'POST', headers: { ...env.admin, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as { id: string };
    const org = await post('/api/v1/organizations', { name: '研发部' });
    const boss = await post('/api/v1/accounts', { username: 'boss', displayName: '老板', organizationIds: [org.id] });
    const dev = await post('/api/v1/accounts', { username: 'dev', displayName: 'Dev', organizationIds: [org.id], managerId: boss.id });
    await post('/api/v1/connections', connectionBody(env));
    const viewer = (await env.h.auth.findUser('viewer'))!;
    // what the seeds refer to, and what the deletes may remove
    ids.kept = [org.id, boss.id, dev.id, viewer.id, 'run_00000000000000000000000000', 'acme', 'ACME'];
    const spareOrg = await post('/api/v1/organizations', { name: 'spare' });
    const spareAccount = await post('/api/v1/accounts', { username: 'spare', displayName: 'Spare', organizationIds: [org.id] });
    const spareToken = await post('/api/v1/tokens', { name: 'spare', role: 'viewer' });
    await post('/api/v1/connections', { ...connectionBody(env), name: 'spare' });
    ids.spare = [spareOrg.id, spareAccount.id, spareToken.id, 'spare'];
  });
  afterAll(async () => {
    await env.close();
  });

  it(`answers ${RUNS} generated requests without a 5xx or an internal detail`, async () => {
    const [org, boss] = ids.kept as [string, string];
    const targets: Target[] = [
      { method: 'POST', url: '/api/v1/auth/login', seed: { username: 'admin', password: 'wrong-password' } },
      { method: 'POST', url: '/api/v1/auth/password', seed: { currentPassword: 'wrong-password', newPassword: 'new-password-1' } },
      { method: 'POST', url: '/api/v1/tokens', seed: { name: 'bot', role: 'viewer' } },
      { method: 'DELETE', url: '/api/v1/tokens/:id', seed: null },
      { method: 'POST', url: '/api/v1/users', seed: { username: 'ops', password: 'ops-password-1', role: 'viewer' } },
      { method: 'PATCH', url: '/api/v1/users/:id', seed: { role: 'viewer', disabled: false } },
      { method: 'POST', url: '/api/v1/organizations', seed: { name: '市场部', parentId: org, externalId: 'e1', order: 1, code: 'M', status: 'enabled', attributes: { cost: 'CC1' } } },
      { method: 'PATCH', url: '/api/v1/organizations/:id', seed: { name: '市场部', parentId: org, order: 2 } },
      { method: 'DELETE', url: '/api/v1/organizations/:id', seed: null },
      { method: 'POST', url: '/api/v1/organizations/:id/disable', seed: null },
      { method: 'POST', url: '/api/v1/organizations/:id/enable', seed: null },
      {
        method: 'POST',
        url: '/api/v1/accounts',
        seed: { username: 'zs', displayName: '张三', organizationIds: [org], mobile: '13800000000', email: 'zs@example.com', managerId: boss, gender: 'male', attributes: { level: 3 } },
      },
      { method: 'PATCH', url: '/api/v1/accounts/:id', seed: { displayName: '李四', managerId: boss, title: 'Lead' } },
      { method: 'DELETE', url: '/api/v1/accounts/:id', seed: null },
      { method: 'POST', url: '/api/v1/accounts/:id/disable', seed: null },
      { method: 'POST', url: '/api/v1/accounts/:id/enable', seed: null },
      { method: 'POST', url: '/api/v1/connections', seed: { ...connectionBody(env), name: 'other' } },
      { method: 'PATCH', url: '/api/v1/connections/:name', seed: { rootDepartmentId: 2, proxies: '10.0.0.1:3128', proxyUsername: 'u', proxyPassword: 'p', secret: 's3cret' } },
      { method: 'DELETE', url: '/api/v1/connections/:name', seed: null },
      { method: 'PUT', url: '/api/v1/connections/:name/mapping', seed: { definition: { members: { position: 'upper(title)' } } } },
      { method: 'POST', url: '/api/v1/connections/:name/mapping/preview', seed: { account: boss, definition: { members: { mobile: 'phone(mobile)' } } } },
      { method: 'POST', url: '/api/v1/runs/:id/approve', seed: null },
      { method: 'POST', url: '/api/v1/runs/:id/retry', seed: null },
    ];

    const text = fc.oneof(
      fc.string({ maxLength: 24 }),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom('', ' ', '研发部', 'a'.repeat(300), '\u0000', 'x\ud800y', '\udfff', 'null', '__proto__', '../../etc/passwd', '%', "'; drop table accounts; --", '13800000000', 'a@b.co', org, boss),
    );
    const value: fc.Arbitrary<unknown> = fc.oneof(
      text,
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(text, { maxLength: 3 }),
      fc.jsonValue({ maxDepth: 2 }),
      fc.dictionary(text, text, { maxKeys: 3 }),
    );
    const withFields = (seed: Record<string, unknown>, drop: string[], set: Array<[string, unknown]>): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      // defineProperty: a generated `__proto__` key becomes an own property, as in JSON
      const put = (k: string, v: unknown) => Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      for (const [k, v] of Object.entries(seed)) if (!drop.includes(k)) put(k, v);
      for (const [k, v] of set) put(k, v);
      return out;
    };
    const keys = (seed: Record<string, unknown>) => fc.constantFrom(...Object.keys(seed));
    // mostly near-valid bodies (one field changed, or a valid one with a fresh name), so requests get past validation too
    const mutated = (seed: Record<string, unknown>) =>
      fc.oneof(
        { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 8 }).map((x) => withFields(seed, [], 'name' in seed ? [['name', `n${x}`]] : 'username' in seed ? [['username', `u${x.replace(/\W/g, '')}`]] : [])) },
        { weight: 4, arbitrary: fc.tuple(keys(seed), value).map(([k, v]) => withFields(seed, [], [[k, v]])) },
        {
          weight: 2,
          arbitrary: fc
            .record({ drop: fc.subarray(Object.keys(seed)), set: fc.array(fc.tuple(fc.oneof(keys(seed), fc.constantFrom('extra', '__proto__', 'constructor')), value), { maxLength: 3 }) })
            .map(({ drop, set }) => withFields(seed, drop, set)),
        },
      );
    const payload = (seed: Record<string, unknown> | null): fc.Arbitrary<Buffer | null> => {
      const json = fc.oneof({ weight: 6, arbitrary: seed ? mutated(seed) : fc.constant({}) }, { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) });
      return fc.oneof(
        { weight: 8, arbitrary: json.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
        { weight: 1, arbitrary: json.chain((v) => fc.nat().map((n) => Buffer.from((JSON.stringify(v) ?? '').slice(0, n % 40)))) },
        {
          weight: 1,
          arbitrary: fc.tuple(json, fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.nat()).map(([v, bytes, at]) => {
            const j = Buffer.from(JSON.stringify(v) ?? 'null');
            const k = at % (j.length + 1);
            return Buffer.concat([j.subarray(0, k), bytes, j.subarray(k)]);
          }),
        },
        { weight: 1, arbitrary: fc.constantFrom(null, Buffer.from(''), Buffer.from('['.repeat(20000) + ']'.repeat(20000)), Buffer.from('{"a":'.repeat(3000))) },
      );
    };
    const param = (deletes: boolean) => fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...(deletes ? ids.spare : [...ids.kept, ...ids.spare])) },
      { weight: 2, arbitrary: text.map((s) => encodePathSegment(s) || 'x') },
      { weight: 1, arbitrary: fc.constantFrom('%', '%FF', '%E4%B8', '..%2F..', 'a%00b', 'x'.repeat(200)) },
    );
    const request = fc.constantFrom(...targets).chain((t) =>
      fc.record({
        target: fc.constant(t),
        param: param(t.method === 'DELETE'),
        body: payload(t.seed),
        contentType: fc.oneof(
          { weight: 12, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
          { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', null) },
        ),
        auth: fc.oneof({ weight: 6, arbitrary: fc.constant('bearer') }, { weight: 2, arbitrary: fc.constant('session') }, { weight: 1, arbitrary: fc.constantFrom('viewer', 'none') }),
        ifMatch: fc.option(fc.constantFrom('"1"', 'W/"2"', 'nope', '"99999999999999999999"'), { freq: 4 }),
      }),
    );

    let sent = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        if (r.contentType && r.body !== null) headers['content-type'] = r.contentType;
        if (r.auth === 'bearer') Object.assign(headers, env.admin);
        if (r.auth === 'viewer') Object.assign(headers, env.viewer);
        if (r.auth === 'session') Object.assign(headers, { cookie: session, 'x-requested-with': 'fuzz' });
        if (r.ifMatch) headers['if-match'] = r.ifMatch;
        const url = r.target.url.replace(/:(id|name)\b/, r.param);
        const res = await fetch(`${env.url}${url}`, { method: r.target.method, headers, ...(r.body !== null ? { body: r.body } : {}) });
        const text = await res.text();
        sent++;
        const where = `${r.target.method} ${url} (${r.auth}, ${r.contentType}) → ${res.status} ${text.slice(0, 400)}`;
        expect(res.status, where).toBeLessThan(500);
        for (const re of INTERNALS) expect(text, `${where}\nshows ${re}`).not.toMatch(re);
        if (res.status >= 400) {
          expect(res.headers.get('content-type'), where).toContain('application/problem+json');
          expect(() => JSON.parse(text), where).not.toThrow();
        }
        // a session the fuzz signed out or whose password it changed: sign in again
        if (r.auth === 'session' && res.status === 401) session = await login();
      }),
      { numRuns: RUNS },
    );
    expect(sent).toBeGreaterThanOrEqual(RUNS);
  }, 60_000);
});
