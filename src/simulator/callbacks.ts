// Callback delivery: WeCom's encrypted event pushes (change_contact for edits made by hand in the
// admin console, batch_job_result when an import job ends). Encryption per the reference §7.3:
// AES-256-CBC, key = base64(EncodingAESKey + "="), IV = key[0..16], PKCS#7 padding to 32 bytes,
// plaintext = random(16) ‖ len(4, big-endian) ‖ msg ‖ receiveid; signature = sha1(sort(token, timestamp, nonce, encrypt)).
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { request } from 'undici';

export interface CallbackTarget {
  url: string;
  token: string;
  encodingAesKey: string;
}

export interface CallbackDelivery {
  at: number;
  corpid: string;
  url: string;
  event: 'change_contact' | 'batch_job_result';
  changeType?: string;
  /** the plaintext XML that was encrypted */
  xml: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError?: string;
}

function encryptMessage(msg: string, receiveId: string, encodingAesKey: string, random: Buffer = randomBytes(16)): string {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new Error('EncodingAESKey must be 43 characters of Base64');
  const body = Buffer.from(msg, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const plain = Buffer.concat([random, len, body, Buffer.from(receiveId, 'utf8')]);
  const pad = 32 - (plain.length % 32);
  const padded = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
}

const signature = (token: string, timestamp: string, nonce: string, encrypt: string): string =>
  createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex');

const cdata = (v: string | number): string => (typeof v === 'number' ? String(v) : `<![CDATA[${v.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`);

/** `<xml>` with the common event header and the given fields (strings as CDATA, numbers bare; nested objects as elements). */
export function eventXml(corpid: string, createTime: number, event: string, fields: Array<[string, string | number | Array<[string, string | number]>]>): string {
  const inner = fields
    .map(([k, v]) => (Array.isArray(v) ? `<${k}>${v.map(([kk, vv]) => `<${kk}>${cdata(vv)}</${kk}>`).join('')}</${k}>` : `<${k}>${cdata(v)}</${k}>`))
    .join('');
  return `<xml><ToUserName>${cdata(corpid)}</ToUserName><FromUserName>${cdata('sys')}</FromUserName><CreateTime>${createTime}</CreateTime><MsgType>${cdata('event')}</MsgType><Event>${cdata(event)}</Event>${inner}</xml>`;
}

/** Sends events one at a time per simulator, 3 attempts each (HTTP 200 within 5 s counts as delivered). */
export class CallbackSender {
  readonly deliveries: CallbackDelivery[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly now: () => number) {}

  send(target: CallbackTarget, corpid: string, d: Omit<CallbackDelivery, 'status' | 'attempts' | 'url' | 'corpid' | 'at'>): void {
    const delivery: CallbackDelivery = { ...d, at: this.now(), corpid, url: target.url, status: 'pending', attempts: 0 };
    this.deliveries.push(delivery);
    if (this.deliveries.length > 10_000) this.deliveries.shift();
    this.queue = this.queue.then(() => this.deliver(target, corpid, delivery));
  }

  /** Resolves when every queued event has been delivered or has failed. */
  idle(): Promise<void> {
    return this.queue;
  }

  private async deliver(target: CallbackTarget, corpid: string, d: CallbackDelivery): Promise<void> {
    while (d.attempts < 3) {
      d.attempts++;
      try {
        const encrypt = encryptMessage(d.xml, corpid, target.encodingAesKey);
        const timestamp = String(Math.floor(this.now() / 1000));
        const nonce = randomBytes(8).toString('hex');
        const url = new URL(target.url);
        url.searchParams.set('msg_signature', signature(target.token, timestamp, nonce, encrypt));
        url.searchParams.set('timestamp', timestamp);
        url.searchParams.set('nonce', nonce);
        const res = await request(url, {
          method: 'POST',
          body: `<xml><ToUserName>${cdata(corpid)}</ToUserName><AgentID>${cdata('')}</AgentID><Encrypt>${cdata(encrypt)}</Encrypt></xml>`,
          headers: { 'content-type': 'text/xml; charset=utf-8' },
          headersTimeout: 5000,
          bodyTimeout: 5000,
        });
        await res.body.text();
        if (res.statusCode === 200) {
          d.status = 'delivered';
          return;
        }
        d.lastError = `HTTP ${res.statusCode}`;
      } catch (e) {
        d.lastError = (e as Error).message;
      }
    }
    d.status = 'failed';
  }
}
