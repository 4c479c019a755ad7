// Test helpers: a simulator on a random port and a tiny WeCom caller over real HTTP(S).
import { Agent, FormData, request, type Dispatcher } from 'undici';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';

export const CORP = 'ww-test';
export const SECRET = 'test-secret';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export class Caller {
  private cachedToken: string | undefined;

  constructor(
    readonly url: string,
    readonly dispatcher?: Dispatcher,
    readonly corpid = CORP,
    readonly secret = SECRET,
  ) {}

  async raw(method: 'GET' | 'POST', path: string, opts: { body?: string | Buffer; headers?: Record<string, string>; form?: FormData } = {}): Promise<Answer> {
    const res = await request(`${this.url}${path}`, {
      method,
      ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      ...(opts.form ? { body: opts.form } : opts.body !== undefined ? { body: opts.body } : {}),
      ...(opts.headers ? { headers: opts.headers } : {}),
    });
    const text = await res.body.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.statusCode, headers: res.headers, body };
  }

  async token(): Promise<string> {
    if (!this.cachedToken) {
      const a = await this.raw('GET', `/cgi-bin/gettoken?corpid=${encodeURIComponent(this.corpid)}&corpsecret=${encodeURIComponent(this.secret)}`);
      if (a.body.errcode !== 0) throw new Error(`gettoken failed: ${JSON.stringify(a.body)}`);
      this.cachedToken = a.body.access_token as string;
    }
    return this.cachedToken;
  }

  forgetToken(): void {
    this.cachedToken = undefined;
  }

  async get(api: string, query: Record<string, string | number> = {}): Promise<Answer> {
    const q = new URLSearchParams({ access_token: await this.token(), ...Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])) });
    return this.raw('GET', `/cgi-bin/${api}?${q}`);
  }

  async post(api: string, body: unknown, query: Record<string, string> = {}): Promise<Answer> {
    const q = new URLSearchParams({ access_token: await this.token(), ...query });
    return this.raw('POST', `/cgi-bin/${api}?${q}`, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  }

  /** errcode of a GET call */
  async getCode(api: string, query: Record<string, string | number> = {}): Promise<number> {
    return (await this.get(api, query)).body.errcode as number;
  }

  /** errcode of a POST call */
  async postCode(api: string, body: unknown): Promise<number> {
    return (await this.post(api, body)).body.errcode as number;
  }

  async upload(data: Buffer | string, opts: { type?: string; field?: string; filename?: string } = {}): Promise<Answer> {
    const form = new FormData();
    form.append(opts.field ?? 'media', new Blob([data]), opts.filename ?? 'import.csv');
    const q = new URLSearchParams({ access_token: await this.token(), type: opts.type ?? 'file' });
    return this.raw('POST', `/cgi-bin/media/upload?${q}`, { form });
  }
}

/**
 * A plain-HTTP simulator with one company (default reading; unknown request fields refused, as in all
 * of wecom-sync's own tests, so a misspelt field is caught); closed by the returned function.
 */
export async function startTestSim(opts: Partial<SimulatorOptions> = {}): Promise<{ s: RunningSimulator; c: Caller }> {
  const s = await startSimulator({ https: false, refuseUnknownFields: true, corps: [{ corpid: CORP, secret: SECRET }], ...opts });
  return { s, c: new Caller(s.url) };
}

/** A dispatcher whose connections leave from another loopback address (the simulator sees that peer IP). */
export const fromIp = (ip: string): Agent => new Agent({ localAddress: ip });

/** A controllable clock. */
export function manualClock(start = Date.UTC(2026, 0, 1)): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}
