import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import { Caller, CORP, SECRET, startTestSim } from './helpers.js';

describe('HTTPS', () => {
  it('serves HTTPS with a self-signed certificate the client trusts explicitly', async () => {
    const s = await startSimulator({ corps: [{ corpid: CORP, secret: SECRET }] });
    try {
      expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(s.caPem).toContain('BEGIN CERTIFICATE');
      const trusting = new Agent({ connect: { ca: s.caPem } });
      const c = new Caller(s.url, trusting);
      expect(await c.postCode('department/create', { name: 'Secure', parentid: 1 })).toBe(0);
      // without the CA the TLS handshake fails: verification is never disabled
      const strict = new Caller(s.url, new Agent());
      await expect(strict.token()).rejects.toThrow();
      // the certificate names localhost too
      const byName = new Caller(s.url.replace('127.0.0.1', 'localhost'), trusting);
      expect(await byName.getCode('department/simplelist')).toBe(0);
      await trusting.close();
    } finally {
      await s.close();
    }
  });
});

describe('state file', () => {
  it('saves on close and on POST /_sim/save, and loads on start', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'wecom-sim-')), 'state.json');
    const first = await startTestSim({ stateFile: file });
    expect(await first.c.postCode('department/create', { name: 'Persisted', parentid: 1, id: 42 })).toBe(0);
    expect(await first.c.postCode('user/create', { userid: 'p', name: 'P', department: [42], email: 'p@example.com' })).toBe(0);
    expect((await fetch(`${first.s.url}/_sim/save`, { method: 'POST' })).status).toBe(200);
    expect(JSON.parse(readFileSync(file, 'utf8')).companies[0].members.map((m: { userid: string }) => m.userid)).toEqual(['creator', 'p']);
    expect(await first.c.postCode('user/update', { userid: 'p', position: 'after save' })).toBe(0);
    await first.s.close();
    const second = await startTestSim({ stateFile: file });
    try {
      expect(second.s.sim.company(CORP).departments.record(42)?.name).toBe('Persisted');
      expect((await second.c.get('user/get', { userid: 'P' })).body).toMatchObject({ userid: 'p', position: 'after save', department: [42] });
      expect(await second.c.postCode('user/create', { userid: 'p2', name: 'P', department: [42], email: 'p@example.com' })).toBe(60106);
    } finally {
      await second.s.close();
    }
  });
});

describe('inspection surface', () => {
  it('seeds members with flags, dumps state, lists calls and choices, resets', async () => {
    const { s, c } = await startTestSim();
    try {
      const seed = await fetch(`${s.url}/_sim/corps/${CORP}/members`, {
        method: 'POST',
        body: JSON.stringify({ userid: 'gen1', name: 'G', department: [1], mobile: '13500000000', useridGenerated: true, status: 1 }),
      });
      expect(seed.status).toBe(200);
      expect(await c.postCode('user/update', { userid: 'gen1', new_userid: 'renamed', mobile: '13500000001' })).toBe(0);
      expect((await c.get('user/get', { userid: 'renamed' })).body).toMatchObject({ mobile: '13500000000', status: 1 });
      const bad = await fetch(`${s.url}/_sim/corps/${CORP}/members`, { method: 'POST', body: JSON.stringify({ userid: 'x', name: 'X', department: [9], email: 'x@example.com' }) });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { errcode: number }).errcode).toBe(60123);
      const state = (await (await fetch(`${s.url}/_sim/state`)).json()) as { companies: Array<{ members: unknown[] }> };
      expect(state.companies[0]?.members).toHaveLength(2); // gen1 and the creator
      const calls = (await (await fetch(`${s.url}/_sim/calls`)).json()) as { calls: Array<{ api: string }> };
      expect(calls.calls.map((x) => x.api)).toEqual(['gettoken', 'user/update', 'user/get']);
      const stats = (await (await fetch(`${s.url}/_sim/stats`)).json()) as { gettoken: Record<string, number> };
      expect(stats.gettoken[CORP]).toBe(1);
      const choices = (await (await fetch(`${s.url}/_sim/choices`)).json()) as { choices: Array<{ topic: string }> };
      expect(choices.choices.some((x) => x.topic === 'Sibling department names')).toBe(true);
      expect((await fetch(`${s.url}/_sim/reset`, { method: 'POST' })).status).toBe(200);
      expect(s.sim.company(CORP).members.all().map((m) => m.userid)).toEqual(['creator']);
      expect(s.sim.calls).toHaveLength(0);
    } finally {
      await s.close();
    }
  });
});
