import { createDecipheriv, createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { CORP, SECRET, startTestSim } from './helpers.js';

const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'; // 43 chars
const TOKEN = 'cbToken123';

interface Received {
  xml: string;
  receiveId: string;
  signatureOk: boolean;
}

/** A receiver that checks the signature and decrypts independently of the simulator's code. */
async function receiver(status = 200): Promise<{ url: string; got: Received[]; hits: () => number; close: () => Promise<void> }> {
  const got: Received[] = [];
  let hits = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      hits++;
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      const encrypt = /<Encrypt><!\[CDATA\[(.*?)\]\]><\/Encrypt>/.exec(body)?.[1] ?? '';
      const expected = createHash('sha1')
        .update([TOKEN, q.get('timestamp'), q.get('nonce'), encrypt].sort().join(''))
        .digest('hex');
      const key = Buffer.from(`${AES_KEY}=`, 'base64');
      const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
      d.setAutoPadding(false);
      const plain = Buffer.concat([d.update(Buffer.from(encrypt, 'base64')), d.final()]);
      const pad = plain[plain.length - 1] as number;
      const unpadded = plain.subarray(0, plain.length - pad);
      const len = unpadded.readUInt32BE(16);
      got.push({
        xml: unpadded.subarray(20, 20 + len).toString('utf8'),
        receiveId: unpadded.subarray(20 + len).toString('utf8'),
        signatureOk: q.get('msg_signature') === expected && pad >= 1 && pad <= 32 && plain.length % 32 === 0,
      });
      res.statusCode = status;
      res.end(status === 200 ? 'success' : 'no');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/wecom/callback`, got, hits: () => hits, close: () => new Promise((r) => server.close(() => r())) };
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup) await f();
  cleanup = [];
});

async function simWithCallback(url: string, fullMemberEvents = false): Promise<RunningSimulator & { c: import('./helpers.js').Caller }> {
  const { s, c } = await startTestSim({ corps: [{ corpid: CORP, secret: SECRET, callback: { url, token: TOKEN, encodingAesKey: AES_KEY, fullMemberEvents } }] });
  cleanup.push(() => s.close());
  return Object.assign(s, { c });
}

const admin = (s: RunningSimulator, api: string, body: unknown) =>
  fetch(`${s.url}/_sim/corps/${CORP}/admin/${api}`, { method: 'POST', body: JSON.stringify(body) });

describe('callbacks', () => {
  it('sends encrypted change_contact events for edits made by hand, never for the API caller’s own writes', async () => {
    const r = await receiver();
    cleanup.push(r.close);
    const s = await simWithCallback(r.url);
    expect(await s.c.postCode('department/create', { name: 'ByApi', parentid: 1 })).toBe(0);
    expect(await s.c.postCode('user/create', { userid: 'api1', name: 'A', department: [1], mobile: '13800000000' })).toBe(0);
    expect((await admin(s, 'department/create', { name: 'ByHand', parentid: 1, id: 9 })).status).toBe(200);
    expect((await admin(s, 'user/create', { userid: 'hand1', name: '手工', department: [9], mobile: '13900000000' })).status).toBe(200);
    expect((await admin(s, 'user/create', { userid: 'bad', name: 'X', department: [77], mobile: '13900000001' })).status).toBe(400);
    await s.sim.waitForCallbacks();
    expect(r.got).toHaveLength(2);
    expect(r.got.every((g) => g.signatureOk && g.receiveId === CORP)).toBe(true);
    expect(r.got[0]?.xml).toContain('<ChangeType><![CDATA[create_party]]></ChangeType><Id>9</Id><Name><![CDATA[ByHand]]></Name><ParentId>1</ParentId>');
    const user = r.got[1]?.xml ?? '';
    expect(user).toContain('<Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[create_user]]></ChangeType><UserID><![CDATA[hand1]]></UserID><Department><![CDATA[9]]></Department></xml>');
    expect(user).not.toContain('Mobile'); // callback URLs set after 2022-08-15 get only UserID and Department
    expect(s.sim.callbacks.map((x) => [x.changeType, x.status])).toEqual([
      ['create_party', 'delivered'],
      ['create_user', 'delivered'],
    ]);
  });

  it('includes all member fields for a legacy callback URL', async () => {
    const r = await receiver();
    cleanup.push(r.close);
    const s = await simWithCallback(r.url, true);
    s.sim.seedMember(CORP, { userid: 'wo1', name: 'Gen', department: [1], mobile: '13700000000' }, { useridGenerated: true });
    expect((await admin(s, 'user/update', { userid: 'wo1', new_userid: 'renamed', position: 'dev' })).status).toBe(200);
    await s.sim.waitForCallbacks();
    expect(r.got[0]?.xml).toContain('<UserID><![CDATA[wo1]]></UserID><NewUserID><![CDATA[renamed]]></NewUserID>');
    expect(r.got[0]?.xml).toContain('<Position><![CDATA[dev]]></Position><Mobile><![CDATA[13700000000]]></Mobile>');
  });

  it('sends batch_job_result to the callback of the job request', async () => {
    const r = await receiver();
    cleanup.push(r.close);
    const { s, c } = await startTestSim();
    cleanup.push(() => s.close());
    const up = await c.upload('姓名,帐号,所在部门,手机号\nA,a1,1,13900000001\n');
    const job = await c.post('batch/syncuser', { media_id: up.body.media_id, callback: { url: r.url, token: TOKEN, encodingaeskey: AES_KEY } });
    expect(job.body.errcode).toBe(0);
    await s.sim.waitForJob(CORP, job.body.jobid as string);
    await s.sim.waitForCallbacks();
    expect(r.got).toHaveLength(1);
    expect(r.got[0]?.signatureOk).toBe(true);
    expect(r.got[0]?.xml).toContain(
      `<Event><![CDATA[batch_job_result]]></Event><BatchJob><JobId><![CDATA[${job.body.jobid}]]></JobId><JobType><![CDATA[sync_user]]></JobType><ErrCode>0</ErrCode>`,
    );
  });

  it('tries a failing receiver three times, then marks the event failed', async () => {
    const r = await receiver(500);
    cleanup.push(r.close);
    const s = await simWithCallback(r.url);
    expect((await admin(s, 'department/create', { name: 'X', parentid: 1 })).status).toBe(200);
    await s.sim.waitForCallbacks();
    expect(r.hits()).toBe(3);
    expect(s.sim.callbacks[0]).toMatchObject({ status: 'failed', attempts: 3, lastError: 'HTTP 500' });
  });
});
