// "Test connection": asks WeCom, through the connection's proxies, the questions a first sync
// depends on, and explains each answer in plain words (English and Chinese):
//   1. token            gettoken (wrong secret 40001, wrong corpid 40013, untrusted egress IP 60020,
//                        proxy down or refusing our credentials, TLS)
//   2. root-department  the root department (and the default department) exist
//   3. department-ids   department/simplelist of the root is readable
//   4. member-ids       user/list_id is readable (48009 → warning: sync relies on its own records)
//   5. member-details   user/get is readable (48009 → warning: normal for an IP trusted after 2022-08-15)
// A check fails only when a sync could not work; warnings are limits the sync works around.
import type { Connection } from '../domain/connection.js';
import type { Explanation } from '../domain/errors.js';
import { type MessageCode, type TextParams, render } from '../messages/index.js';
import { Errcode, errcodeInfo } from '../wecom/errors/catalog.js';
import {
  WeComError,
  WeComTransportError,
  redact,
  routeKey,
  type Route,
} from '../wecom/errors/wecom-error.js';
import { createWeComClient, type WeComClient, type WeComClientOptions } from '../wecom/client.js';

type CheckName = 'token' | 'root-department' | 'department-ids' | 'member-ids' | 'member-details';
type CheckStatus = 'ok' | 'failed' | 'warning' | 'skipped';

/** A verdict as a catalogue code (`test.*`) with its params; `detail` and `failed` params are data (transport errors as the network said them). */
export interface CheckNote {
  code: MessageCode;
  params?: TextParams;
}

export interface ConnectionCheck {
  name: CheckName;
  status: CheckStatus;
  /** The verdict in both languages: the note's text, then WeCom's explanation of the errcode when there is one. */
  message: Explanation;
  note: CheckNote;
  /** What WeCom's errcode means (from the errcode catalogue), said after the note. */
  explanation?: Explanation;
  errcode?: number;
  /** "direct" or the proxy's "host:port" */
  route?: string;
  /** the IP WeCom saw, when it said (60020 and other errmsgs with "from ip") */
  egressIp?: string;
}

export interface ConnectionTestResult {
  /** false when any check failed */
  ok: boolean;
  checks: ConnectionCheck[];
  /** the route the calls went through ("direct" or "host:port"), when one answered */
  route: string | null;
  egressIp: string | null;
  /** per configured route (proxies in order): whether it carried a call, and its last error */
  routes: Array<{ route: string; healthy: boolean; lastError: string | null; egressIp: string | null }>;
}

export interface TestConnectionOptions {
  /** overrides for the client (tests): retries, timeouts */
  client?: Partial<WeComClientOptions>;
}

type ConnLike = Pick<Connection, 'corpId' | 'rootDepartmentId' | 'defaultDepartmentId'>;

/** A userid nobody has; user/get of it tells "detail reads allowed" (60111) from "refused" (48009). */
const PROBE_USERID = 'wecom-sync-connection-test-probe';

const note = (code: MessageCode, params?: TextParams): CheckNote => (params ? { code, params } : { code });
/** A note said in both languages, with the errcode's explanation after it. */
const say = (n: CheckNote, explanation?: Explanation): Explanation => ({
  en: [render(n, 'en'), explanation?.en].filter(Boolean).join(' '),
  zh: [render(n, 'zh'), explanation?.zh].filter(Boolean).join(''),
});
const viaParam = (route: Route | null | undefined): string => (route && route.kind === 'proxy' ? route.proxy : '');

interface FailureVerdict {
  note: CheckNote;
  explanation?: Explanation;
  errcode?: number;
  route?: string;
  egressIp?: string;
}

/**
 * Plain words (en/zh) for any failure of a WeCom call — wrong secret or corpid, untrusted egress IP
 * naming the proxy, proxy down or refusing credentials, TLS — with the route and egress IP; every
 * literal in `secrets` (and access_token / corpsecret query values) is removed from the text.
 */
export function explainFailure(err: unknown, conn: Pick<Connection, 'corpId'>, secrets: Array<string | undefined>): FailureVerdict {
  const clean = (t: string): string => redact(t, secrets);
  if (err instanceof WeComError) {
    const route = err.route ? routeKey(err.route) : undefined;
    const proxy = viaParam(err.route);
    const base = { errcode: err.errcode, ...(route ? { route } : {}), ...(err.egressIp ? { egressIp: err.egressIp } : {}) };
    switch (err.errcode) {
      case Errcode.InvalidCredential:
        return { ...base, note: note('test.wrong-secret', { corpId: conn.corpId }), explanation: err.explanation };
      case Errcode.InvalidCorpid:
        return { ...base, note: note('test.wrong-corpid', { corpId: conn.corpId }), explanation: err.explanation };
      case Errcode.UntrustedIp: {
        const ip = err.egressIp ?? '?';
        return { ...base, note: note(proxy ? 'test.untrusted-ip.proxy' : 'test.untrusted-ip.direct', { ip, proxy }) };
      }
      default: {
        const info = errcodeInfo(err.errcode);
        // the meaning and its explanation come from the errcode catalogue, in both languages
        return {
          ...base,
          note: note(proxy ? 'test.errcode.proxy' : 'test.errcode.direct', { errcode: err.errcode, proxy }),
          explanation: { en: clean(`${info.en}: ${err.explanation.en}`), zh: clean(`${info.zh}：${err.explanation.zh}`) },
        };
      }
    }
  }
  if (err instanceof WeComTransportError) {
    const route = routeKey(err.route);
    const detail = clean(err.message.replace(/^[^:]+: /, '')).replace(/[.?\s]+$/, '');
    const proxy = err.route.kind === 'proxy' ? err.route.proxy : null;
    if (proxy && detail.startsWith('every route failed')) return { route, note: note('test.all-proxies-failed', { detail: detail.replace(/^every route failed: /, '') }) };
    switch (err.kind) {
      case 'proxy-auth':
        return { route, note: note('test.proxy-auth', { proxy: proxy ?? '', detail }) };
      case 'connect':
      case 'connect-timeout':
        return proxy
          ? { route, note: note('test.proxy-down', { proxy, detail: detail.replace(`proxy ${proxy} `, 'it ').replace(/; is the proxy running$/, '') }) }
          : { route, note: note('test.direct-unreachable', { detail }) };
      case 'proxy-refused':
        return { route, note: note('test.proxy-refused', { proxy: proxy ?? '', detail }) };
      case 'tls':
        return { route, note: note('test.tls', { detail }) };
      case 'proxy-tls':
        return { route, note: note('test.proxy-tls', { proxy: proxy ?? '', detail }) };
      default:
        return { route, note: note('test.no-answer', { detail }) };
    }
  }
  return { note: note('test.unexpected', { detail: clean(err instanceof Error ? err.message : String(err)) }) };
}

const is48009 = (err: unknown): boolean => err instanceof WeComError && err.errcode === Errcode.DetailReadForbidden;
const isNotFoundDept = (err: unknown): boolean =>
  err instanceof WeComError && (err.errcode === Errcode.DepartmentNotFound || err.errcode === Errcode.InvalidDepartmentId);

function routeOfError(err: unknown): Route | null {
  if (err instanceof WeComError) return err.route;
  if (err instanceof WeComTransportError) return err.route;
  return null;
}

/**
 * Runs the checks with a fresh client built from `options` (decrypted secret included: use
 * Connections.clientOptions). Never throws for WeCom or network failures: they become checks.
 */
export async function testConnection(options: WeComClientOptions, conn: ConnLike, opts: TestConnectionOptions = {}): Promise<ConnectionTestResult> {
  const secrets = [options.secret, options.proxyPassword];
  const client: WeComClient = createWeComClient({
    // One quick retry for transient answers; configuration errors are never retried.
    retry: { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 1000 },
    timeoutMs: 15_000,
    connectTimeoutMs: 5_000,
    tokenErrorCooldownMs: 0,
    ...options,
    ...opts.client,
  });
  const checks: ConnectionCheck[] = [];
  let lastRoute: string | null = null;
  let egressIp: string | null = null;
  const push = (c: ConnectionCheck): void => {
    checks.push(c);
    if (c.egressIp) egressIp = c.egressIp;
  };
  const fail = (name: CheckName, status: CheckStatus, err: unknown, prefix?: CheckNote): void => {
    const f = explainFailure(err, conn, secrets);
    // with a prefix: a WeCom answer is said as the prefix and its errcode; a transport failure as the prefix, then why
    const n = !prefix ? f.note : err instanceof WeComError ? note('test.with-errcode', { text: prefix, errcode: err.errcode }) : note('test.then', { text: prefix, why: f.note });
    const explanation = !prefix || !(err instanceof WeComError) ? f.explanation : undefined;
    push({
      name, status, note: n, message: say(n, explanation), ...(explanation ? { explanation } : {}),
      ...(f.errcode !== undefined ? { errcode: f.errcode } : {}), ...(f.route ? { route: f.route } : {}), ...(f.egressIp ? { egressIp: f.egressIp } : {}),
    });
    const r = routeOfError(err);
    if (r && err instanceof WeComError) lastRoute = routeKey(r);
  };
  const skip = (name: CheckName, why: CheckNote): void => push({ name, status: 'skipped', note: why, message: say(why) });
  const answeredRoute = (): string => {
    const h = client.health().filter((x) => x.lastSuccessAt !== null).sort((a, b) => (b.lastSuccessAt ?? 0) - (a.lastSuccessAt ?? 0))[0];
    return h ? h.key : routeKey(client.preferredRoute());
  };
  const ok = (name: CheckName, n: CheckNote, status: CheckStatus = 'ok', explanation?: Explanation): void => {
    lastRoute = answeredRoute();
    push({ name, status, note: n, message: say(n, explanation), ...(explanation ? { explanation } : {}), route: lastRoute });
  };
  const rootMissing = (): CheckNote => note('test.root-missing', { root: conn.rootDepartmentId, corpId: conn.corpId });

  try {
    // 1. token
    try {
      await client.ensureToken();
      const route = answeredRoute();
      const failed = client.health().filter((h) => h.consecutiveFailures > 0 && h.key !== route);
      const proxy = route === 'direct' ? '' : route;
      if (failed.length > 0) {
        const list = failed.map((h) => `${h.key} (${redact(h.lastError ?? 'failed', secrets)})`).join('; ');
        const code = failed.length === 1 ? (proxy ? 'test.token-one-proxy-failed.proxy' : 'test.token-one-proxy-failed.direct') : proxy ? 'test.token-some-proxies-failed.proxy' : 'test.token-some-proxies-failed.direct';
        ok('token', note(code, { proxy, failed: list }), 'warning');
      } else ok('token', note(proxy ? 'test.token-ok.proxy' : 'test.token-ok.direct', { proxy }));
    } catch (err) {
      fail('token', 'failed', err);
      for (const n of ['root-department', 'department-ids', 'member-ids', 'member-details'] as const) skip(n, note('test.skipped-no-token'));
      return finish();
    }

    // 2 + 3. root department and department ids (one call)
    const root = conn.rootDepartmentId;
    try {
      const rows = await client.department.simplelist(root);
      const ids = new Set(rows.map((r) => r.id));
      if (!ids.has(root)) {
        const n = note('test.root-not-found', { root, corpId: conn.corpId });
        push({ name: 'root-department', status: 'failed', note: n, message: say(n), route: answeredRoute() });
        skip('department-ids', note('test.skipped-no-root'));
      } else {
        const dd = conn.defaultDepartmentId;
        if (dd !== null && !ids.has(dd)) {
          const n = note('test.default-outside', { root, default: dd });
          push({ name: 'root-department', status: 'failed', note: n, message: say(n), route: answeredRoute() });
        } else ok('root-department', dd !== null ? note('test.root-and-default-exist', { root, default: dd }) : note('test.root-exists', { root }));
        ok('department-ids', note('test.department-ids', { n: rows.length, root }));
      }
    } catch (err) {
      if (isNotFoundDept(err)) {
        fail('root-department', 'failed', err, rootMissing());
        skip('department-ids', note('test.skipped-no-root'));
      } else if (is48009(err)) {
        fail('department-ids', 'warning', err, note('test.department-ids-refused'));
        // department/get may still be allowed
        try {
          await client.department.get(root);
          ok('root-department', note('test.root-exists', { root }));
        } catch (e2) {
          if (isNotFoundDept(e2)) fail('root-department', 'failed', e2, rootMissing());
          else if (is48009(e2)) {
            const n = note('test.root-unverified', { root });
            push({ name: 'root-department', status: 'warning', note: n, message: say(n), errcode: Errcode.DetailReadForbidden, route: answeredRoute() });
          } else fail('root-department', 'failed', e2);
        }
        // keep the order of checks stable: root-department before department-ids
        const i = checks.findIndex((c) => c.name === 'department-ids');
        const j = checks.findIndex((c) => c.name === 'root-department');
        if (i >= 0 && j > i) checks.splice(i, 0, ...checks.splice(j, 1));
      } else {
        fail('root-department', 'failed', err);
        skip('department-ids', note('test.skipped-root-unreadable'));
      }
    }

    // 4. member ids
    let sampleUserid: string | undefined;
    try {
      const page = await client.user.listId({ limit: 1 });
      sampleUserid = page.deptUser[0]?.userid;
      ok('member-ids', note(sampleUserid ? 'test.member-ids' : 'test.member-ids-empty'));
    } catch (err) {
      if (is48009(err)) fail('member-ids', 'warning', err, note('test.member-ids-refused'));
      else fail('member-ids', 'failed', err);
    }

    // 5. member details
    try {
      await client.user.get(sampleUserid ?? PROBE_USERID);
      ok('member-details', note('test.details-readable'));
    } catch (err) {
      if (err instanceof WeComError && err.errcode === Errcode.UseridNotFound && !sampleUserid) ok('member-details', note('test.details-answered'));
      else if (err instanceof WeComError && is48009(err)) {
        const n = note('test.details-refused');
        const advice = errcodeInfo(Errcode.DetailReadForbidden).advice;
        push({
          name: 'member-details',
          status: 'warning',
          note: n,
          message: say(n, advice),
          ...(advice ? { explanation: advice } : {}),
          errcode: err.errcode,
          ...(err.route ? { route: routeKey(err.route) } : {}),
          ...(err.egressIp ? { egressIp: err.egressIp } : {}),
        });
      } else fail('member-details', 'failed', err);
    }
    return finish();
  } finally {
    await client.close();
  }

  function finish(): ConnectionTestResult {
    const routes = client.health().map((h) => ({
      route: h.key,
      healthy: h.healthy,
      lastError: h.lastError === null ? null : redact(h.lastError, secrets),
      egressIp: h.lastEgressIp,
    }));
    if (!egressIp) egressIp = routes.find((r) => r.route === lastRoute)?.egressIp ?? null;
    return { ok: !checks.some((c) => c.status === 'failed'), checks, route: lastRoute, egressIp, routes };
  }
}
