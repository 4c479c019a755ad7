import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { Caller, CORP, fromIp, manualClock, startTestSim } from './helpers.js';

let running: RunningSimulator | undefined;
afterEach(() => running?.close());

describe('rate limit (per company and API): a block, not a sliding window', () => {
  it('admits `count` calls per window; the next one blocks the API for the block time, even once the window has room', async () => {
    const clock = manualClock();
    const { s, c } = await startTestSim({ rateLimit: { count: 5, windowMs: 500 }, rateBlockMs: 2000, now: clock.now });
    running = s;
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push(await c.getCode('department/simplelist'));
      clock.advance(50); // calls at t = 0, 50, 100, 150, 200
    }
    expect(codes).toEqual([0, 0, 0, 0, 0]);
    expect(await c.getCode('department/simplelist')).toBe(45009); // t = 250: blocked until 2250
    // another API of the same company has its own budget
    expect(await c.postCode('user/list_id', {})).toBe(0);
    // the window has emptied by t = 1000, but the block lasts: no call of the API is admitted
    clock.advance(750);
    expect(await c.getCode('department/simplelist')).toBe(45009);
    expect(s.sim.blocks().apis).toEqual({ [`${CORP} department/simplelist`]: clock.now() + 1250 });
    clock.advance(1249);
    expect(await c.getCode('department/simplelist')).toBe(45009);
    // calls refused during the block do not extend it
    clock.advance(1);
    expect(await c.getCode('department/simplelist')).toBe(0);
    expect(s.sim.stats().rateLimited).toBe(3);
    expect(s.sim.calls.filter((x) => x.errcode === 45009)).toHaveLength(3);
    const answer = await c.get('department/simplelist');
    expect(answer.body.errcode).toBe(0);
  });

  it('keeps an hour budget beside the minute one; exceeding it blocks the API for the hour window', async () => {
    const clock = manualClock();
    const { s, c } = await startTestSim({
      rateLimit: { count: 3, windowMs: 100 },
      rateLimitHour: { count: 5, windowMs: 1000 },
      rateBlockMs: 100,
      now: clock.now,
    });
    running = s;
    await c.token();
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      codes.push(await c.getCode('department/simplelist'));
      clock.advance(100); // each call in a fresh minute window: only the hour budget can refuse
    }
    expect(codes).toEqual([0, 0, 0, 0, 0, 45009]); // the 6th at t = 500 is blocked until 1500
    const refused = await c.get('department/simplelist');
    expect(refused.body.errmsg).toMatch(/api freq out of limit/);
    clock.advance(899); // t = 1499: the hour window has room again (the 1st call left at 1000), the block lasts
    expect(await c.getCode('department/simplelist')).toBe(45009);
    clock.advance(1);
    expect(await c.getCode('department/simplelist')).toBe(0);
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

  it('repeated wrong-secret gettoken calls from one IP block gettoken from that IP, not from others', async () => {
    const clock = manualClock();
    const { s } = await startTestSim({ wrongSecretLimit: { count: 3, windowMs: 10_000 }, now: clock.now });
    running = s;
    const from2 = new Caller(s.url, fromIp('127.0.0.2'), CORP, 'wrong');
    for (let i = 0; i < 3; i++) {
      const a = await from2.raw('GET', `/cgi-bin/gettoken?corpid=${CORP}&corpsecret=wrong`);
      expect(a.body.errcode).toBe(40001);
    }
    // now even the right secret is refused from that IP
    const right2 = new Caller(s.url, fromIp('127.0.0.2'));
    await expect(right2.token()).rejects.toThrow(/45009/);
    expect(s.sim.blocks().ips).toEqual({ '127.0.0.2': clock.now() + 10_000 });
    // another IP is not affected, nor are the company's other APIs
    const from3 = new Caller(s.url, fromIp('127.0.0.3'));
    expect(await from3.getCode('department/simplelist')).toBe(0);
    clock.advance(10_000);
    right2.forgetToken();
    expect(await right2.getCode('department/simplelist')).toBe(0);
  });
});
