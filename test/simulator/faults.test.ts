import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { startTestSim } from './helpers.js';

let running: RunningSimulator | undefined;
afterEach(() => running?.close());

/** a random source that replays the given values */
const replay = (values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length] as number;
};

describe('fault injection (only on /cgi-bin)', () => {
  it('errcode faults answer -1 system busy and do not apply the call', async () => {
    const { s, c } = await startTestSim({ random: replay([0.99]) });
    running = s;
    await c.token();
    s.sim.setFaults({ faultRate: 0.5, faultKind: 'errcode' });
    expect(await c.postCode('department/create', { name: 'A', parentid: 1 })).toBe(0); // draw 0.99 ≥ 0.5: no fault
    s.sim.setFaults({ faultRate: 1 });
    const a = await c.post('department/create', { name: 'B', parentid: 1 });
    expect(a.status).toBe(200);
    expect(a.body.errcode).toBe(-1);
    expect(a.body.errmsg).toMatch(/^system busy/);
    expect(s.sim.company('ww-test').departments.size).toBe(2);
    expect(s.sim.calls.at(-1)).toMatchObject({ api: 'department/create', errcode: -1, fault: 'errcode' });
  });

  it('http502 answers HTTP 502; reset drops the connection; the inspection surface is never faulted', async () => {
    const { s, c } = await startTestSim();
    running = s;
    await c.token();
    const f = await fetch(`${s.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ faultRate: 1, faultKind: 'http502' }) });
    expect(f.status).toBe(200);
    expect((await c.get('department/simplelist')).status).toBe(502);
    s.sim.setFaults({ faultKind: 'reset' });
    await expect(c.get('department/simplelist')).rejects.toThrow();
    expect((await fetch(`${s.url}/_sim/stats`)).status).toBe(200);
    expect(s.sim.calls.at(-1)).toMatchObject({ errcode: null, fault: 'reset' });
    s.sim.setFaults({ faultRate: 0 });
    expect(await c.getCode('department/simplelist')).toBe(0);
  });

  it('applies about half of the calls whose answer is lost (502/reset), so clients must write idempotently', async () => {
    // draws: fault? (0 < 1 yes), applied? (0.7 ≥ 0.5 yes) | fault? (0 yes), applied? (0.2 < 0.5 no)
    const { s, c } = await startTestSim({ random: replay([0, 0.7, 0, 0.2]) });
    running = s;
    await c.token();
    s.sim.setFaults({ faultRate: 1, faultKind: 'http502' });
    expect((await c.post('department/create', { name: 'Applied', parentid: 1, id: 5 })).status).toBe(502);
    expect((await c.post('department/create', { name: 'Lost', parentid: 1, id: 6 })).status).toBe(502);
    const depts = s.sim.company('ww-test').departments;
    expect(depts.has(5)).toBe(true);
    expect(depts.has(6)).toBe(false);
  });

  it('mixed faults draw among errcode, http502 and reset', () => {
    return startTestSim({ faultRate: 1, faultKind: 'mixed', random: replay([0, 0.1, 0, 0.5, 0, 0.9]) }).then(({ s }) => {
      running = s;
      expect([s.sim.drawFault(), s.sim.drawFault(), s.sim.drawFault()]).toEqual(['errcode', 'http502', 'reset']);
      s.sim.setFaults({ faultRate: 0 });
      expect(s.sim.drawFault()).toBeNull();
    });
  });

  it('holds /cgi-bin answers for the configured latency, and not the inspection surface', async () => {
    const latencyMs = 1_000;
    const { s, c } = await startTestSim({ latencyMs });
    running = s;
    await c.token();
    let answeredAt: number | undefined;
    const held = c.getCode('department/simplelist').then((code) => {
      answeredAt = s.sim.now();
      return code;
    });
    // the inspection surface answers while the call is still held
    expect((await fetch(`${s.url}/_sim/stats`)).status).toBe(200);
    expect(answeredAt).toBeUndefined();
    expect(await held).toBe(0);
    // from the call's arrival to its answer on the simulator's own clock (timers have 1 ms resolution)
    const arrived = s.sim.calls.find((x) => x.api === 'department/simplelist')!.at;
    expect(answeredAt! - arrived).toBeGreaterThanOrEqual(latencyMs - 1);
  });

  it('refuses invalid fault settings', async () => {
    const { s } = await startTestSim();
    running = s;
    expect(() => s.sim.setFaults({ faultRate: 2 })).toThrow();
    const r = await fetch(`${s.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ faultKind: 'boom' }) });
    expect(r.status).toBe(400);
  });
});
