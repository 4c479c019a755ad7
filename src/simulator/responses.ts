// The thin HTTP layer for /cgi-bin: parses WeCom's request shape, applies the cross-cutting
// rules in WeCom's order (trusted IP, token, rate limit, faults, method, read ban), calls the
// model and writes WeCom's envelope. No business rule lives here.
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Errcode } from '../wecom/errors/catalog.js';
import type { BatchJobType } from '../wecom/types.js';
import { errmsgFor, headerSafe, SimError } from './errors.js';
import type { Company } from './models/company.js';
import { MediaStore } from './models/media.js';
import { normaliseIp, type Simulator } from './simulator.js';
import type { Refusal } from './ratelimit.js';

type Query = Record<string, string | undefined>;

interface Ctx {
  company: Company;
  query: Query;
  body: unknown;
  req: FastifyRequest;
}

interface ApiDef {
  method: 'GET' | 'POST';
  /** detail reads are refused (48009) to newly trusted IPs; id lists only with refuseIdLists */
  read?: 'detail' | 'idlist';
  /** the handler reads the request body itself (multipart) */
  raw?: boolean;
  handle(ctx: Ctx): Record<string, unknown> | Promise<Record<string, unknown>>;
}

/** A query parameter as the model expects it: integers as numbers, anything else as given. */
const intParam = (v: string | undefined): unknown => (v !== undefined && /^-?\d{1,15}$/.test(v) ? Number(v) : v);

function flag(v: string | undefined, name: string): boolean {
  if (v === undefined || v === '0') return false;
  if (v === '1') return true;
  throw new SimError(Errcode.InvalidParameter, `${name} must be 0 or 1`);
}

const batch = (type: BatchJobType): ApiDef => ({
  method: 'POST',
  handle: ({ company, body }) => ({ errmsg: 'ok', jobid: company.jobs.submit(type, body) }),
});

const APIS: Record<string, ApiDef> = {
  'department/create': {
    method: 'POST',
    handle: ({ company, body }) => ({ errmsg: 'created', id: company.departments.create(body) }),
  },
  'department/update': {
    method: 'POST',
    handle: ({ company, body }) => {
      company.departments.update(body);
      return { errmsg: 'updated' };
    },
  },
  'department/delete': {
    method: 'GET',
    handle: ({ company, query }) => {
      company.departments.delete(intParam(query.id));
      return { errmsg: 'deleted' };
    },
  },
  'department/list': {
    method: 'GET',
    read: 'detail',
    handle: ({ company, query }) => ({ errmsg: 'ok', department: company.departments.list(query.id === undefined ? undefined : intParam(query.id)) }),
  },
  'department/simplelist': {
    method: 'GET',
    read: 'idlist',
    handle: ({ company, query }) => ({
      errmsg: 'ok',
      department_id: company.departments.simplelist(query.id === undefined ? undefined : intParam(query.id)),
    }),
  },
  'department/get': {
    method: 'GET',
    read: 'detail',
    handle: ({ company, query }) => ({ errmsg: 'ok', department: company.departments.get(intParam(query.id)) }),
  },
  'user/create': {
    method: 'POST',
    handle: ({ company, body }) => {
      company.members.create(body);
      return { errmsg: 'created' };
    },
  },
  'user/update': {
    method: 'POST',
    handle: ({ company, body }) => {
      company.members.update(body);
      return { errmsg: 'updated' };
    },
  },
  'user/delete': {
    method: 'GET',
    handle: ({ company, query }) => {
      company.members.delete(query.userid);
      return { errmsg: 'deleted' };
    },
  },
  'user/batchdelete': {
    method: 'POST',
    handle: ({ company, body }) => {
      company.members.batchDelete(body);
      return { errmsg: 'deleted' };
    },
  },
  'user/get': {
    method: 'GET',
    read: 'detail',
    handle: ({ company, query }) => ({ errmsg: 'ok', ...company.members.get(query.userid) }),
  },
  'user/simplelist': {
    method: 'GET',
    read: 'detail',
    handle: ({ company, query }) => ({
      errmsg: 'ok',
      userlist: company.members.simplelist(intParam(query.department_id), flag(query.fetch_child, 'fetch_child')),
    }),
  },
  'user/list': {
    method: 'GET',
    read: 'detail',
    handle: ({ company, query }) => ({
      errmsg: 'ok',
      userlist: company.members.list(intParam(query.department_id), flag(query.fetch_child, 'fetch_child')),
    }),
  },
  'user/list_id': {
    method: 'POST',
    read: 'idlist',
    handle: ({ company, body }) => ({ errmsg: 'ok', ...company.members.listId(body ?? {}) }),
  },
  'user/getuserid': {
    method: 'POST',
    handle: ({ company, body }) => ({ errmsg: 'ok', userid: company.members.getUseridByMobile(body) }),
  },
  'user/get_userid_by_email': {
    method: 'POST',
    handle: ({ company, body }) => ({ errmsg: 'ok', userid: company.members.getUseridByEmail(body) }),
  },
  'media/upload': {
    method: 'POST',
    raw: true,
    handle: async ({ company, query, req }) => {
      if (!req.isMultipart()) throw new SimError(Errcode.InvalidParameter, 'media/upload needs multipart/form-data with a part named "media"');
      let part;
      try {
        part = await req.file({ limits: { fileSize: MediaStore.maxBytes, files: 1, fields: 0 } });
      } catch (e) {
        throw new SimError(Errcode.InvalidParameter, `multipart body: ${(e as Error).message}`);
      }
      if (!part || part.fieldname !== 'media') throw new SimError(Errcode.InvalidParameter, 'the file must be sent in a part named "media"');
      let data: Buffer;
      let truncated = false;
      try {
        data = await part.toBuffer();
      } catch {
        data = Buffer.alloc(0);
        truncated = true;
      }
      const rec = company.media.upload(query.type, part.filename ?? '', data, truncated);
      return { errmsg: 'ok', type: rec.type, media_id: rec.media_id, created_at: String(Math.floor(rec.createdAt / 1000)) };
    },
  },
  'batch/syncuser': batch('sync_user'),
  'batch/replaceuser': batch('replace_user'),
  'batch/replaceparty': batch('replace_party'),
  'batch/getresult': {
    method: 'GET',
    handle: ({ company, query }) => ({ errmsg: 'ok', ...company.jobs.getresult(query.jobid) }),
  },
};

function send(reply: FastifyReply, ip: string, body: Record<string, unknown>, errcode: number, err?: SimError): void {
  const errmsg = err ? errmsgFor(errcode, ip, err.detail) : String(body.errmsg ?? 'ok');
  const payload = err ? { errcode, errmsg, ...(err.extra ?? {}) } : { errcode: 0, ...body, errmsg };
  void reply
    .code(200)
    .header('Error-Code', String(errcode))
    .header('Error-Msg', headerSafe(errmsg))
    .header('Content-Type', 'application/json; charset=UTF-8')
    .send(JSON.stringify(payload));
}

function parseJson(raw: unknown): unknown {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new SimError(Errcode.InvalidParameter, 'the body is not valid JSON');
  }
}

export function registerCgi(app: FastifyInstance, sim: Simulator): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const ip = normaliseIp(req.socket.remoteAddress);
    const api = (req.url.split('?')[0] ?? '').replace(/^\/cgi-bin\//, '').replace(/\/+$/, '');
    const query = req.query as Query;
    const at = sim.now();
    let corpid: string | null = null;
    let errcode = 0;
    let admitted = false;
    let fault: 'errcode' | 'http502' | 'reset' | null = null;
    let unknownPath = false;
    try {
      const def = api === 'gettoken' ? undefined : APIS[api];
      if (api !== 'gettoken' && !def) {
        // as a wrong cgi-bin path is answered: HTTP 404 without a WeCom envelope (not 48002 "no permission", see STRICT_CHOICES)
        unknownPath = true;
        await reply.code(404).header('Content-Type', 'text/plain; charset=UTF-8').send(`404 Not Found: /cgi-bin/${api} is not an API the simulator knows\n`);
        return;
      }
      // 1. trusted IP (every API, gettoken included: see STRICT_CHOICES)
      const policy = sim.ipPolicy(ip);
      if (policy === 'untrusted') throw new SimError(Errcode.UntrustedIp);
      // 2. who is calling
      let company: Company | undefined;
      if (api === 'gettoken') {
        if (!query.corpid) throw new SimError(Errcode.MissingCorpid, 'corpid is required');
        corpid = query.corpid;
        if (!query.corpsecret) throw new SimError(Errcode.MissingSecret, 'corpsecret is required');
        if (!sim.hasCompany(corpid)) throw new SimError(Errcode.InvalidCorpid, `corpid ${corpid} is not known`);
        const ipBlock = sim.wrongSecrets.blocked(ip, at);
        if (ipBlock !== null) throw new SimError(Errcode.RateLimited, `too many wrong-secret gettoken calls from ${ip}: blocked until ${new Date(ipBlock).toISOString()}`);
      } else {
        company = sim.authenticate(query.access_token);
        corpid = company.corpid;
      }
      // 3. rate limit at arrival, per (corp, API)
      const refused = sim.admit(corpid, api);
      if (refused) throw new SimError(Errcode.RateLimited, refusalText(sim, api, refused));
      admitted = true;
      // 4. faults and latency apply to admitted calls only
      fault = sim.drawFault();
      if (sim.faults.latencyMs > 0) await delay(sim.faults.latencyMs);
      if (fault === 'errcode') throw new SimError(Errcode.SystemBusy, 'injected fault');
      // 5. method and read ban
      const method = api === 'gettoken' ? 'GET' : (def as ApiDef).method;
      if (req.method !== method) throw new SimError(Errcode.InvalidParameter, `/cgi-bin/${api} must be called with ${method}`);
      if (def?.read && policy === 'strict' && (def.read === 'detail' || sim.refuseIdLists))
        throw new SimError(Errcode.DetailReadForbidden, `${api} may not be called from an IP trusted after 2022-08-15`);
      // 6. a lost answer may or may not have been applied: half the transport faults happen before the model runs
      if ((fault === 'http502' || fault === 'reset') && sim.random() < 0.5) return transportFault(reply, fault);
      // 7. the model
      let body: Record<string, unknown>;
      if (api === 'gettoken') body = { errmsg: 'ok', ...sim.issueToken(corpid, query.corpsecret as string) };
      else {
        const d = def as ApiDef;
        body = await d.handle({ company: company as Company, query, body: d.raw ? undefined : parseJson(req.body), req });
      }
      if (fault === 'http502' || fault === 'reset') return transportFault(reply, fault);
      send(reply, ip, body, 0);
    } catch (e) {
      if (!(e instanceof SimError)) throw e;
      errcode = e.errcode;
      if (api === 'gettoken' && errcode === Errcode.InvalidCredential) sim.wrongSecrets.noteFailure(ip, at);
      if (!admitted && sim.faults.latencyMs > 0) await delay(sim.faults.latencyMs);
      if (fault === 'http502' || fault === 'reset') return transportFault(reply, fault);
      send(reply, ip, {}, errcode, e);
    } finally {
      sim.record({
        at,
        api,
        corpid,
        ip,
        errcode: fault === 'http502' || fault === 'reset' || unknownPath ? null : errcode,
        ...(fault ? { fault } : {}),
      });
    }
  };
  app.all('/cgi-bin/*', handler);
}

function refusalText(sim: Simulator, api: string, r: Refusal): string {
  const { minute, hour } = sim.limiter.config;
  const until = `blocked until ${new Date(r.until).toISOString()}`;
  if (r.window === 'minute') return `more than ${minute.count} calls of ${api} in ${minute.windowMs} ms: ${until}`;
  if (r.window === 'hour' && hour) return `more than ${hour.count} calls of ${api} in ${hour.windowMs} ms: ${until}`;
  return `${api} is ${until}`;
}

/** A lost answer (HTTP 502 or a reset connection): the client cannot tell whether the call was applied. */
function transportFault(reply: FastifyReply, kind: 'http502' | 'reset'): void {
  if (kind === 'reset') {
    reply.hijack();
    reply.raw.socket?.destroy();
    return;
  }
  void reply.code(502).header('Content-Type', 'text/html').send('<html><body><h1>502 Bad Gateway</h1></body></html>');
}
