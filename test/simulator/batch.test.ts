import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { Caller, CORP, manualClock, startTestSim } from './helpers.js';

let s: RunningSimulator;
let c: Caller;
const clock = manualClock(Date.now());
beforeAll(async () => ({ s, c } = await startTestSim({ now: clock.now })));
afterAll(() => s.close());
beforeEach(() => {
  s.sim.reset();
  c.forgetToken();
  s.sim.seedDepartment(CORP, { name: 'A', id: 2 });
  s.sim.seedMember(CORP, { userid: 'keep', name: 'Keep', department: [2], mobile: '13800000001' });
  s.sim.seedMember(CORP, { userid: 'gone', name: 'Gone', department: [2], mobile: '13800000002' });
});

const HEADER = '姓名,帐号,手机号,邮箱,所在部门,职位,性别,是否部门内领导,排序,别名,地址,座机,禁用,禁用项说明：(0-启用;1-禁用)';

async function upload(csv: string | Buffer): Promise<string> {
  const a = await c.upload(csv);
  expect(a.body).toMatchObject({ errcode: 0, type: 'file' });
  return a.body.media_id as string;
}
async function submit(api: string, csv: string | Buffer): Promise<{ errcode: number; jobid?: string }> {
  return (await c.post(`batch/${api}`, { media_id: await upload(csv) })).body;
}
async function finished(jobid: string) {
  await s.sim.waitForJob(CORP, jobid);
  return (await c.get('batch/getresult', { jobid })).body;
}

describe('media/upload', () => {
  it('stores a file and checks type and size', async () => {
    expect((await c.upload('12345')).body.errcode).toBe(40006); // 5 bytes
    expect((await c.upload('')).body.errcode).toBe(44001);
    expect((await c.upload('123456', { type: 'doc' })).body.errcode).toBe(40005);
    expect((await c.upload('not a png', { type: 'image' })).body.errcode).toBe(40004);
    expect((await c.upload('123456', { field: 'file' })).body.errcode).toBe(40058);
    const ok = await c.upload('123456');
    expect(ok.body).toMatchObject({ errcode: 0, type: 'file' });
    expect(ok.body.created_at).toMatch(/^\d+$/);
  });

  it('expires media after 3 days (40007)', async () => {
    const media_id = await upload(`${HEADER}\nK,keep,13800000001,,2,,,,,,,,0,\n`);
    clock.advance(3 * 24 * 3600 * 1000);
    c.forgetToken(); // the token expired too
    expect(await c.postCode('batch/syncuser', { media_id })).toBe(40007);
    expect(await c.postCode('batch/syncuser', {})).toBe(41006);
  });
});

describe('batch/syncuser', () => {
  it('applies good rows and reports bad rows one by one', async () => {
    const csv = [
      HEADER,
      '王五,wangwu,13900000001,ww@example.com,2;1,工程师,男,1;0,10;20,,,,0,',
      '保持,keep,,,2,经理,,,,,,,0,',
      '坏号,badmobile,abc,,2,,,,,,,,0,',
      '无部门,nodept,13900000003,,99,,,,,,,,0,',
      '禁用,disabled,13900000004,,2,,女,,,,,,1,',
    ].join('\n');
    const { errcode, jobid } = await submit('syncuser', `\uFEFF${csv}`);
    expect(errcode).toBe(0);
    const r = await finished(jobid as string);
    expect(r).toMatchObject({ errcode: 0, status: 3, type: 'sync_user', total: 5, percentage: 100 });
    expect(r.result.map((x: { userid: string; errcode: number }) => [x.userid, x.errcode])).toEqual([
      ['wangwu', 0],
      ['keep', 0],
      ['badmobile', 60103],
      ['nodept', 0],
      ['disabled', 0],
    ]);
    const members = s.sim.company(CORP).members;
    // an unknown department id is created under 其他(待设置部门), as the batch/syncuser doc says
    const depts = s.sim.company(CORP).departments;
    const pending = depts.all().find((d) => d.name === '其他(待设置部门)');
    expect(pending).toMatchObject({ parentid: 1 });
    expect(depts.record(99)).toMatchObject({ parentid: pending?.id });
    expect(members.find('nodept')?.department).toEqual([99]);
    expect(members.find('wangwu')).toMatchObject({ department: [2, 1], is_leader_in_dept: [1, 0], order: [10, 20], gender: '1', position: '工程师' });
    expect(members.find('keep')).toMatchObject({ position: '经理', mobile: '13800000001' });
    expect(members.find('disabled')?.status).toBe(2);
    expect(members.find('gone')).toBeDefined(); // syncuser never deletes
  });

  it('fails a row naming an unknown department (60123) under the strict reading', async () => {
    s.sim.setRules({ reading: 'strict' });
    const { jobid } = await submit('syncuser', `${HEADER}\n无部门,nodept,13900000003,,99,,,,,,,,0,\n`);
    const r = await finished(jobid as string);
    expect(r.result).toMatchObject([{ userid: 'nodept', errcode: 60123 }]);
    expect(s.sim.company(CORP).departments.has(99)).toBe(false);
  });

  it('answers file-level errors from the submitting call', async () => {
    expect((await submit('syncuser', Buffer.from([0x41, 0xff, 0xfe, 0x0a, 0x42, 0x43]))).errcode).toBe(84200);
    expect((await submit('syncuser', '姓名,帐号,手机号\n张,zhang,13900000000\n')).errcode).toBe(40092); // no 所在部门
    expect((await submit('syncuser', '姓名,账号,所在部门\n张,zhang,2\n')).errcode).toBe(40092); // 账号 is not the template's 帐号
    expect((await submit('syncuser', `${HEADER}\n`)).errcode).toBe(40092); // no rows
    expect((await submit('syncuser', '姓名,帐号,所在部门,手机号\nA,dup,2,13900000001\nB,DUP,2,13900000002\n')).errcode).toBe(302003);
    expect((await submit('syncuser', '姓名,帐号,所在部门,手机号\nA,a1,2,13900000001\n')).errcode).toBe(0);
  });
});

describe('batch/replaceuser', () => {
  it('deletes members absent from the file', async () => {
    expect(await c.postCode('user/update', { userid: 'keep', position: 'old title', alias: 'K' })).toBe(0);
    const { jobid } = await submit('replaceuser', '姓名,帐号,手机号,所在部门\nKeep,keep,13800000001,2\nNew,new1,13900000009,1\n');
    const r = await finished(jobid as string);
    expect(r).toMatchObject({ status: 3, type: 'replace_user', total: 2 });
    const members = s.sim.company(CORP).members;
    expect(members.find('gone')).toBeUndefined();
    expect(members.find('keep')).toMatchObject({ position: '', alias: '' }); // columns absent from the file are reset
    expect(members.find('new1')).toBeDefined();
    expect(members.find('creator')).toBeDefined(); // the creator is never deleted
  });

  it('refuses a file that would delete more than 50 members and more than 20% of them → 45026', async () => {
    const company = s.sim.company(CORP);
    for (let i = 0; i < 60; i++) company.seedMember({ userid: `x${i}`, name: 'X', department: [2], email: `x${i}@example.com` });
    expect((await submit('replaceuser', '姓名,帐号,手机号,所在部门\nKeep,keep,13800000001,2\n')).errcode).toBe(45026);
    expect(company.members.size).toBe(63); // 60 + keep + gone + the creator
  });
});

describe('batch/replaceparty', () => {
  it('creates, moves and renames departments; deletes absent ones only if empty', async () => {
    s.sim.seedDepartment(CORP, { name: 'EmptyOld', id: 8 });
    const csv = '部门名称,部门ID,父部门ID,排序\n公司,1,0,1\nA2,2,1,5\nC,5,2,1\n';
    const { errcode, jobid } = await submit('replaceparty', csv);
    expect(errcode).toBe(0);
    const r = await finished(jobid as string);
    expect(r.type).toBe('replace_party');
    expect(r.result).toEqual([
      { action: 2 | 8, partyid: 1, errcode: 0, errmsg: 'ok' }, // renamed 公司, order 0 → 1
      { action: 2 | 8, partyid: 2, errcode: 0, errmsg: 'ok' },
      { action: 1, partyid: 5, errcode: 0, errmsg: 'ok' },
    ]);
    const depts = s.sim.company(CORP).departments;
    expect(depts.has(8)).toBe(false);
    expect(depts.record(5)?.parentid).toBe(2);
  });

  it('checks the department file as a whole', async () => {
    const h = '部门名称,部门ID,父部门ID\n';
    expect((await submit('replaceparty', `${h}A,2,1\nB,2,1\n`)).errcode).toBe(302006);
    expect((await submit('replaceparty', `${h}A,2,1\na,3,1\n`)).errcode).toBe(302007);
    expect((await submit('replaceparty', `${h}A,2,3\nB,3,2\n`)).errcode).toBe(302004);
    expect((await submit('replaceparty', `${h}A,,1\n`)).errcode).toBe(302004);
    expect((await submit('replaceparty', `${h}A,2,1\n`)).errcode).toBe(0);
  });
});

describe('batch job lifecycle', () => {
  it('allows one job at a time (302008) and reports status while running', async () => {
    s.sim.pauseJobs();
    const first = await submit('syncuser', '姓名,帐号,所在部门,手机号\nA,a1,2,13900000001\n');
    expect(first.errcode).toBe(0);
    const running = await c.get('batch/getresult', { jobid: first.jobid as string });
    expect(running.body).toMatchObject({ errcode: 0, status: 1, percentage: 0, result: [] });
    expect((await submit('syncuser', '姓名,帐号,所在部门,手机号\nB,b1,2,13900000002\n')).errcode).toBe(302008);
    s.sim.resumeJobs();
    expect((await finished(first.jobid as string)).status).toBe(3);
    expect((await submit('syncuser', '姓名,帐号,所在部门,手机号\nB,b1,2,13900000002\n')).errcode).toBe(0);
  });

  it('answers 40088 for an unknown jobid and 40089 for a job older than the last five', async () => {
    expect(await c.getCode('batch/getresult', { jobid: 'nope' })).toBe(40088);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { jobid } = await submit('syncuser', `姓名,帐号,所在部门,手机号\nA,a${i},2,1390000000${i}\n`);
      await s.sim.waitForJob(CORP, jobid as string);
      ids.push(jobid as string);
    }
    expect(await c.getCode('batch/getresult', { jobid: ids[0] as string })).toBe(40089);
    expect(await c.getCode('batch/getresult', { jobid: ids[1] as string })).toBe(0);
  });
});
