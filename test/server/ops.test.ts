// Health, readiness, metrics, body limits, structured-log redaction and the OpenAPI document.
import { Writable } from 'node:stream';
import type { RouteOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Directory } from '../../src/directory/directory.js';
import { createLogger } from '../../src/observability/logger.js';
import { METRIC_NAMES } from '../../src/observability/metrics.js';
import { buildApp } from '../../src/server/app.js';
import { type Harness, PROBLEM, bearer, harness } from './harness.js';

describe('health and readiness', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.dispose();
  });

  it('/healthz answers without credentials', async () => {
    const r = await h.inject({ method: 'GET', url: '/healthz' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 while the store answers and 503 once it is closed', async () => {
    const ok = await h.inject({ method: 'GET', url: '/readyz' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: 'ready', checks: [{ name: 'store', ok: true }] });
    await h.t.store.close();
    const down = await h.inject({ method: 'GET', url: '/readyz' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ status: 'not-ready', checks: [{ name: 'store', ok: false, error: expect.any(String) }] });
    expect((await h.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('metrics', () => {
  it('exposes default and named metrics, publicly on a loopback bind', async () => {
    const h = await harness();
    try {
      h.metrics.runsTotal.inc({ status: 'succeeded' });
      h.metrics.operationsTotal.inc({ kind: 'member.create', result: 'failed', errcode: '60104' });
      h.metrics.wecomCallDuration.observe({ api: 'user/create', route: 'direct' }, 0.12);
      h.metrics.queueDepth.set(3);
      h.metrics.changeFeedLag.set({ connection: 'con_1' }, 42);
      await h.inject({ method: 'GET', url: '/api/v1/organizations', headers: bearer(h.viewerToken) });
      const r = await h.inject({ method: 'GET', url: '/metrics' });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toContain('text/plain');
      for (const name of Object.values(METRIC_NAMES)) expect(r.body).toContain(`# TYPE ${name} `);
      expect(r.body).toContain('wecom_sync_runs_total{status="succeeded"} 1');
      expect(r.body).toContain('wecom_sync_operations_total{kind="member.create",result="failed",errcode="60104"} 1');
      expect(r.body).toContain('wecom_api_call_duration_seconds_count{api="user/create",route="direct"} 1');
      expect(r.body).toContain('wecom_sync_queue_depth 3');
      expect(r.body).toContain('wecom_sync_change_feed_lag{connection="con_1"} 42');
      expect(r.body).toContain('wecom_sync_http_requests_total{method="GET",route="/api/v1/organizations",status="200"} 1');
      expect(r.body).toContain('process_cpu_user_seconds_total');
    } finally {
      await h.dispose();
    }
  });

  it('needs a token or session when bound elsewhere', async () => {
    const h = await harness({ metricsAccess: 'authenticated' });
    try {
      const none = await h.inject({ method: 'GET', url: '/metrics' });
      expect(none.statusCode).toBe(401);
      expect(none.headers['content-type']).toContain(PROBLEM);
      expect((await h.inject({ method: 'GET', url: '/metrics', headers: bearer('wst_forged') })).statusCode).toBe(401);
      expect((await h.inject({ method: 'GET', url: '/metrics', headers: bearer(h.viewerToken) })).statusCode).toBe(200);
    } finally {
      await h.dispose();
    }
  });
});

describe('input limits', () => {
  it('refuses a body over the limit with 413 problem+json', async () => {
    const h = await harness({ bodyLimit: 4096 });
    try {
      const big = { name: 'x'.repeat(5000) };
      const r = await h.inject({ method: 'POST', url: '/api/v1/organizations', payload: big, headers: bearer(h.adminToken) });
      expect(r.statusCode).toBe(413);
      expect(r.headers['content-type']).toContain(PROBLEM);
      expect(r.json()).toMatchObject({ status: 413, type: 'urn:wecom-sync:problem:payload-too-large' });
      // Also before authentication is known to be fine: the login body is limited too.
      const login = await h.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: 'p'.repeat(5000) } });
      expect(login.statusCode).toBe(413);
    } finally {
      await h.dispose();
    }
  });

  it('defaults to 1 MiB', async () => {
    const h = await harness();
    try {
      const r = await h.inject({ method: 'POST', url: '/api/v1/organizations', payload: { name: 'x'.repeat(1024 * 1024) }, headers: bearer(h.adminToken) });
      expect(r.statusCode).toBe(413);
    } finally {
      await h.dispose();
    }
  });
});

describe('structured logs', () => {
  it('redacts secrets by path', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ destination: sink, level: 'info' });
    log.info({ req: { headers: { authorization: 'Bearer wst_TOPSECRET1', cookie: 'wecom_sync_session=TOPSECRET2' } } }, 'request');
    log.info({ connection: { name: 'acme', secret: 'TOPSECRET3', proxyPassword: 'TOPSECRET4' }, response: { access_token: 'TOPSECRET5' } }, 'connection');
    log.info({ password: 'TOPSECRET6' }, 'flat');
    const text = lines.join('');
    expect(text).not.toMatch(/TOPSECRET/);
    expect(text).toContain('acme');
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 'info', msg: 'connection', connection: { secret: '[redacted]', proxyPassword: '[redacted]' } });
  });
});

describe('OpenAPI document', () => {
  let h: Harness;
  const registered: Array<{ method: string; url: string }> = [];
  beforeEach(async () => {
    // Collect the routes Fastify really registers, independently of the documentation registry.
    registered.length = 0;
    h = await harness();
  });
  afterEach(async () => {
    await h.dispose();
  });

  it('describes every /api/v1 route and nothing that does not exist', async () => {
    const app = buildApp({ directory: new Directory(h.t.store), store: h.t.store, auth: h.auth, auditLog: h.auditLog, metrics: h.metrics });
    app.addHook('onRoute', (r: RouteOptions) => {
      for (const m of ([] as string[]).concat(r.method)) if (m !== 'HEAD') registered.push({ method: m, url: r.url });
    });
    await app.ready();
    try {
      const r = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
      expect(r.statusCode).toBe(200);
      const doc = r.json();
      expect(doc.openapi).toBe('3.1.0');
      const described = new Set<string>();
      for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>))
        for (const method of Object.keys(ops)) described.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);

      const api = registered.filter((x) => x.url.startsWith('/api/v1'));
      expect(api.length).toBeGreaterThan(20);
      for (const x of api) expect(described, `${x.method} ${x.url} is not in the OpenAPI document`).toContain(`${x.method} ${x.url}`);
      for (const d of described) {
        const [method, url] = d.split(' ') as [string, string];
        expect(app.hasRoute({ method: method as 'GET', url }), `${d} is documented but not registered`).toBe(true);
      }
      for (const op of ['/healthz', '/readyz', '/metrics']) expect(doc.paths[op]?.get).toBeDefined();
    } finally {
      await app.close();
    }
  });

  it('carries the zod schemas of the routes: bodies, parameters, responses, access and problems', async () => {
    const doc = (await h.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const create = doc.paths['/api/v1/organizations'].post;
    expect(create.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name: { type: 'string' }, order: { type: 'integer' } },
    });
    expect(create.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Organization' });
    expect(doc.components.schemas.Organization.properties.version).toEqual(expect.objectContaining({ type: 'integer' }));
    expect(create.responses['400'].content[PROBLEM].schema).toEqual({ $ref: '#/components/schemas/Problem' });
    expect(create.responses['403']).toBeDefined();
    expect(create['x-access']).toBe('admin');
    const list = doc.paths['/api/v1/accounts'].get;
    expect(list.parameters).toContainEqual(expect.objectContaining({ name: 'limit', in: 'query', required: false, schema: expect.objectContaining({ type: 'integer', minimum: 1, maximum: 1000 }) }));
    expect(list['x-access']).toBe('viewer');
    expect(doc.paths['/api/v1/accounts/{id}'].patch.parameters).toContainEqual(expect.objectContaining({ name: 'id', in: 'path', required: true }));
    const login = doc.paths['/api/v1/auth/login'].post;
    expect(login.security).toEqual([]);
    expect(login.responses['429']).toBeDefined();
    expect(doc.components.schemas.Problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'errors']));
  });
});

describe('every documented route', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.dispose();
  });

  interface Op {
    method: string;
    url: string;
    access: string;
    hasBody: boolean;
  }
  const operations = async (): Promise<Op[]> => {
    const doc = (await h.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const ops: Op[] = [];
    for (const [path, byMethod] of Object.entries(doc.paths as Record<string, Record<string, { 'x-access': string; requestBody?: unknown }>>))
      for (const [method, op] of Object.entries(byMethod))
        ops.push({ method: method.toUpperCase(), url: path.replace(/\{\w+\}/g, 'x_1'), access: op['x-access'], hasBody: op.requestBody !== undefined });
    return ops;
  };

  it('refuses callers without credentials (401) and, for admin routes, viewers (403)', async () => {
    const ops = await operations();
    expect(ops.filter((o) => o.access === 'admin').length).toBeGreaterThan(15);
    for (const o of ops) {
      if (o.access === 'public') continue;
      const payload = o.hasBody ? {} : undefined;
      const none = await h.inject({ method: o.method as 'GET', url: o.url, ...(payload ? { payload } : {}) });
      expect(none.statusCode, `${o.method} ${o.url} without credentials`).toBe(401);
      expect(none.headers['content-type']).toContain(PROBLEM);
      if (o.access === 'admin') {
        const viewer = await h.inject({ method: o.method as 'GET', url: o.url, headers: bearer(h.viewerToken), ...(payload ? { payload } : {}) });
        expect(viewer.statusCode, `${o.method} ${o.url} as viewer`).toBe(403);
      }
    }
  });

  it('answers an unknown body field with 400 problem+json naming it', async () => {
    const ops = (await operations()).filter((o) => o.hasBody);
    expect(ops.length).toBeGreaterThan(8);
    for (const o of ops) {
      const r = await h.inject({ method: o.method as 'POST', url: o.url, payload: { notAField: 1 }, headers: bearer(h.adminToken) });
      expect(r.statusCode, `${o.method} ${o.url}`).toBe(400);
      expect(r.headers['content-type']).toContain(PROBLEM);
      expect(r.json().errors.map((e: { field: string }) => e.field), `${o.method} ${o.url}`).toContain('notAField');
    }
  });
});
