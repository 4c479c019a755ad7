// The inspection surface under /_sim/: for tests, demos and operators, never for the product.
// Not subject to trusted IPs, tokens, rate limits or faults.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errcodeInfo } from '../wecom/errors/catalog.js';
import { SimError } from './errors.js';
import type { Simulator } from './simulator.js';
import { ADMIN_EDIT_APIS, type AdminEditApi } from './models/company.js';

function jsonBody(raw: unknown): Record<string, unknown> {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return {};
  const parsed: unknown = JSON.parse(raw.toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function fail(reply: FastifyReply, e: unknown): FastifyReply {
  if (e instanceof SimError)
    return reply.code(400).send({ errcode: e.errcode, errmsg: `${errcodeInfo(e.errcode).en}${e.detail ? `: ${e.detail}` : ''}` });
  return reply.code(400).send({ error: (e as Error).message });
}

export function registerInspection(app: FastifyInstance, sim: Simulator, opts: { stateFile?: string }): void {
  app.get('/_sim/state', async () => ({
    companies: sim.allCompanies().map((c) => {
      const s = c.snapshot();
      return { ...s, media: (s.media ?? []).map((m) => ({ media_id: m.media_id, type: m.type, filename: m.filename, createdAt: m.createdAt })) };
    }),
  }));
  app.post('/_sim/reset', async () => {
    sim.reset();
    return { ok: true };
  });
  app.post('/_sim/faults', async (req, reply) => {
    try {
      sim.setFaults(jsonBody(req.body));
      return { ok: true, faults: sim.faults };
    } catch (e) {
      return fail(reply, e);
    }
  });
  app.get('/_sim/calls', async (req) => {
    const since = Number((req.query as { since?: string }).since ?? 0);
    return { calls: since ? sim.calls.filter((c) => c.at >= since) : sim.calls };
  });
  app.get('/_sim/stats', async () => sim.stats());
  app.get('/_sim/blocks', async () => sim.blocks());
  app.post('/_sim/tokens/expire', async (req) => ({ ok: true, expired: sim.expireTokens(jsonBody(req.body).corpid as string | undefined) }));
  app.post('/_sim/tokens/revoke', async (req) => ({ ok: true, revoked: sim.revokeTokens(jsonBody(req.body).corpid as string | undefined) }));
  app.post('/_sim/save', async (_req, reply) => {
    if (!opts.stateFile) return reply.code(400).send({ error: 'the simulator was started without a state file' });
    sim.save(opts.stateFile);
    return { ok: true, file: opts.stateFile };
  });
  app.post('/_sim/corps/:corpid/members', async (req, reply) => {
    const { corpid } = req.params as { corpid: string };
    if (!sim.hasCompany(corpid)) return reply.code(404).send({ error: `no simulated company ${corpid}` });
    try {
      const { useridGenerated, status, ...member } = jsonBody(req.body);
      if (useridGenerated !== undefined && typeof useridGenerated !== 'boolean') throw new Error('useridGenerated must be a boolean');
      if (status !== undefined && ![1, 2, 4, 5].includes(status as number)) throw new Error('status must be 1, 2, 4 or 5');
      sim.seedMember(corpid, member, {
        ...(useridGenerated !== undefined ? { useridGenerated } : {}),
        ...(status !== undefined ? { status: status as 1 | 2 | 4 | 5 } : {}),
      });
      return { ok: true };
    } catch (e) {
      return fail(reply, e);
    }
  });
  app.post('/_sim/corps/:corpid/departments', async (req, reply) => {
    const { corpid } = req.params as { corpid: string };
    if (!sim.hasCompany(corpid)) return reply.code(404).send({ error: `no simulated company ${corpid}` });
    try {
      return { ok: true, id: sim.seedDepartment(corpid, jsonBody(req.body) as { name: string }) };
    } catch (e) {
      return fail(reply, e);
    }
  });
  app.post('/_sim/corps/:corpid/members/:userid/status', async (req, reply) => {
    const { corpid, userid } = req.params as { corpid: string; userid: string };
    if (!sim.hasCompany(corpid)) return reply.code(404).send({ error: `no simulated company ${corpid}` });
    try {
      sim.company(corpid).setMemberStatus(userid, jsonBody(req.body).status as 1 | 2 | 4 | 5);
      return { ok: true };
    } catch (e) {
      return fail(reply, e);
    }
  });
  // an edit made by hand in the admin console: same rules as the API, plus a change_contact callback
  app.post('/_sim/corps/:corpid/admin/*', async (req, reply) => {
    const { corpid } = req.params as { corpid: string };
    const api = (req.params as Record<string, string>)['*'] as AdminEditApi;
    if (!sim.hasCompany(corpid)) return reply.code(404).send({ error: `no simulated company ${corpid}` });
    if (!ADMIN_EDIT_APIS.includes(api)) return reply.code(404).send({ error: `admin edits: ${ADMIN_EDIT_APIS.join(', ')}` });
    try {
      return { ok: true, ...sim.adminEdit(corpid, api, jsonBody(req.body)) };
    } catch (e) {
      return fail(reply, e);
    }
  });
  app.get('/_sim/callbacks', async () => ({ callbacks: sim.callbacks }));
  app.post('/_sim/jobs/pause', async () => {
    sim.pauseJobs();
    return { ok: true };
  });
  app.post('/_sim/jobs/resume', async () => {
    sim.resumeJobs();
    return { ok: true };
  });
  app.get('/_sim/choices', async () => ({ choices: sim.choices() }));
  app.get('/_sim/rules', async () => sim.rules);
  app.post('/_sim/rules', async (req, reply) => {
    try {
      sim.setRules(jsonBody(req.body));
      return { ok: true, ...sim.rules };
    } catch (e) {
      return fail(reply, e);
    }
  });
}
