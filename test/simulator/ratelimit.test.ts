import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { manualClock, startTestSim } from './helpers.js';

let running: RunningSimulator | undefined;
afterEach(() => running?.close());

describe('rate limit (per company and API, sliding window)', () => {
  it('admits `count` calls per window, answers 45009 beyond, counts them, and slides', async () => {
    const clock = manualClock();
    const { s, c } = await startTestSim({ rateLimit: { count: 5, windowMs: 500 }, now: clock.now });
    running = s;
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push(await c.getCode('department/simplelist'));
      clock.advance(50); // calls at t = 0, 50, 100, 150, 200
    }
    expect(codes).toEqual([0, 0, 0, 0, 0]);
    expect(await c.getCode('department/simplelist')).toBe(45009); // t = 250
    expect(s.sim.stats().rateLimited).toBe(1);
    // another API of the same company has its own budget
    expect(await c.postCode('user/list_id', {})).toBe(0);
    // a refused call is not admitted: at t = 499 the window still holds 5 admitted calls
    clock.advance(249);
    expect(await c.getCode('department/simplelist')).toBe(45009);
    // at t = 500 the call from t = 0 has left the window: one more is admitted, then refused again
    clock.advance(1);
    expect(await c.getCode('department/simplelist')).toBe(0);
    expect(await c.getCode('department/simplelist')).toBe(45009);
    expect(s.sim.stats().rateLimited).toBe(3);
    expect(s.sim.calls.filter((x) => x.errcode === 45009)).toHaveLength(3);
  });

  it('keeps separate budgets per company, gettoken included', async () => {
    const clock = manualClock();
    const { s } = await startTestSim({
      corps: [{ corpid: 'a', secret: 'sa' }, { corpid: 'b', secret: 'sb' }],
      rateLimit: { count: 2, windowMs: 1000 },
      now: clock.now,
    });
    running = s;
    const tok = (corp: string) => fetch(`${s.url}/cgi-bin/gettoken?corpid=${corp}&corpsecret=s${corp}`).then((r) => r.json() as Promise<{ errcode: number }>);
    expect((await tok('a')).errcode).toBe(0);
    expect((await tok('a')).errcode).toBe(0);
    expect((await tok('a')).errcode).toBe(45009);
    expect((await tok('b')).errcode).toBe(0);
  });
});
