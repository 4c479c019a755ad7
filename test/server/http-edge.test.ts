// What reaches the service before any route: malformed URLs answer problem+json, request log
// lines carry the route and no query values, and forwarded headers from a peer that is not a
// trusted proxy are pointed out once.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { type Harness, PROBLEM, bearer, harness } from './harness.js';

function captured(): { lines: () => Array<Record<string, unknown>>; text: () => string; logger: ReturnType<typeof createLogger> } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    logger: createLogger({ destination: sink, level: 'info' }),
    text: () => chunks.join(''),
    lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

describe('malformed URLs', () => {
  it('answer 400 problem+json, before authentication', async () => {
    h = await harness();
    for (const url of ['/api/v1/accounts/%', '/api/v1/accounts/%FF', '/api/v1/organizations/%E4%B8']) {
      const r = await h.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(400);
      expect(r.headers['content-type']).toContain(PROBLEM);
      expect(r.json()).toMatchObject({ type: 'urn:wecom-sync:problem:bad-request', status: 400, detail: expect.stringContaining('percent-encoding') });
      expect(r.body).not.toContain('FST_');
    }
  });
});

describe('request logs', () => {
  it('name the route and keep the query keys but not their values', async () => {
    const log = captured();
    h = await harness({ logger: log.logger });
    const r = await h.inject({ method: 'GET', url: '/api/v1/accounts?email=alice%40example.com&q=%E5%BC%A0%E4%B8%89&limit=5', headers: bearer(h.adminToken) });
    expect(r.statusCode).toBe(200);
    expect(log.text()).not.toContain('alice');
    expect(log.text()).not.toContain('%E5%BC%A0');
    const incoming = log.lines().find((l) => l.msg === 'incoming request') as { req: { url: string; route: string } };
    expect(incoming.req).toMatchObject({ method: 'GET', route: '/api/v1/accounts', url: '/api/v1/accounts?email=[redacted]&q=[redacted]&limit=[redacted]' });
  });
});

describe('forwarded headers from a peer that is not a trusted proxy', () => {
  const warnings = (log: ReturnType<typeof captured>) => log.lines().filter((l) => String(l.msg).includes('WECOM_SYNC_TRUST_PROXY'));

  it('are pointed out once, with how to trust the proxy', async () => {
    const log = captured();
    h = await harness({ logger: log.logger });
    for (const headers of [{ 'x-forwarded-for': '203.0.113.7' }, { forwarded: 'for=203.0.113.8;proto=https' }, { 'x-forwarded-for': '203.0.113.9' }])
      await h.inject({ method: 'GET', url: '/healthz', headers, remoteAddress: '10.0.0.5' });
    const w = warnings(log);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ level: 'warn', peer: '10.0.0.5' });
    expect(String(w[0]!.msg)).toContain('WECOM_SYNC_TRUST_PROXY=10.0.0.5');
  });

  it('are not mentioned when they come from a trusted proxy, or when there are none', async () => {
    const log = captured();
    h = await harness({ logger: log.logger, trustProxy: '10.0.0.5' });
    await h.inject({ method: 'GET', url: '/healthz', headers: { 'x-forwarded-for': '203.0.113.7' }, remoteAddress: '10.0.0.5' });
    await h.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.0.0.6' });
    expect(warnings(log)).toEqual([]);
  });
});
