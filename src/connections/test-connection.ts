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
import { Errcode, errcodeInfo } from '../wecom/errors/catalog.js';
import {
  WeComError,
  WeComTransportError,
  describeRoute,
  redact,
  routeKey,
  type Route,
} from '../wecom/errors/wecom-error.js';
import { createWeComClient, type WeComClient, type WeComClientOptions } from '../wecom/client.js';

type CheckName = 'token' | 'root-department' | 'department-ids' | 'member-ids' | 'member-details';
type CheckStatus = 'ok' | 'failed' | 'warning' | 'skipped';

export interface ConnectionCheck {
  name: CheckName;
  status: CheckStatus;
  message: Explanation;
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

const m = (en: string, zh: string): Explanation => ({ en, zh });

interface FailureVerdict {
  message: Explanation;
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
  const clean = (s: string): string => redact(s, secrets);
  if (err instanceof WeComError) {
    const route = err.route ? routeKey(err.route) : undefined;
    const via = err.route ? describeRoute(err.route) : 'directly';
    const viaZh = err.route && err.route.kind === 'proxy' ? `经代理 ${err.route.proxy}` : '直连';
    const base = { errcode: err.errcode, ...(route ? { route } : {}), ...(err.egressIp ? { egressIp: err.egressIp } : {}) };
    switch (err.errcode) {
      case Errcode.InvalidCredential:
        return {
          ...base,
          message: m(
            `Wrong secret: WeCom refused the address-book sync secret for company ${conn.corpId} (errcode 40001). ${err.explanation.en}`,
            `Secret 错误：企业微信拒绝了企业 ${conn.corpId} 的通讯录同步 Secret（错误码 40001）。${err.explanation.zh}`,
          ),
        };
      case Errcode.InvalidCorpid:
        return {
          ...base,
          message: m(
            `Wrong company ID: WeCom does not know corpid ${conn.corpId} (errcode 40013). ${err.explanation.en}`,
            `企业 ID 错误：企业微信不认识 ${conn.corpId}（错误码 40013）。${err.explanation.zh}`,
          ),
        };
      case Errcode.UntrustedIp: {
        const ip = err.egressIp ?? '(not reported)';
        return {
          ...base,
          message: m(
            `Untrusted egress IP ${ip} ${via}: WeCom refuses calls from this IP (errcode 60020). ` +
              `Add ${ip} to the trusted IPs under Management Tools → Address Book Synchronization, or use a proxy whose egress IP is trusted.`,
            `出口 IP ${ip}（${viaZh}）不在企业可信 IP 中，企业微信拒绝调用（错误码 60020）。请在【管理工具】→【通讯录同步】的企业可信 IP 中添加 ${ip}，或改用出口 IP 已受信的代理。`,
          ),
        };
      }
      default:
        return {
          ...base,
          message: m(
            clean(`WeCom answered errcode ${err.errcode} (${errcodeInfo(err.errcode).en}) ${via}: ${err.explanation.en}`),
            clean(`企业微信返回错误码 ${err.errcode}（${errcodeInfo(err.errcode).zh}，${viaZh}）：${err.explanation.zh}`),
          ),
        };
    }
  }
  if (err instanceof WeComTransportError) {
    const route = routeKey(err.route);
    const detail = clean(err.message.replace(/^[^:]+: /, '')).replace(/[.?\s]+$/, '');
    const proxy = err.route.kind === 'proxy' ? err.route.proxy : null;
    if (proxy && detail.startsWith('every route failed'))
      return {
        route,
        message: m(
          `No configured proxy could reach WeCom: ${detail.replace(/^every route failed: /, '')}. Check that the proxies run, their addresses and the proxy username and password.`,
          `所有代理都无法连接企业微信：${detail.replace(/^every route failed: /, '')}。请检查代理是否运行、地址是否正确以及代理用户名和密码。`,
        ),
      };
    switch (err.kind) {
      case 'proxy-auth':
        return {
          route,
          message: m(
            `Proxy ${proxy} refused our credentials: check the proxy username and password (${detail}).`,
            `代理 ${proxy} 拒绝了我们的登录凭据，请检查代理用户名和密码（${detail}）。`,
          ),
        };
      case 'connect':
      case 'connect-timeout': {
        const why = detail.replace(`proxy ${proxy} `, 'it ').replace(/; is the proxy running$/, '');
        return proxy
          ? {
              route,
              message: m(
                `Proxy ${proxy} is down or unreachable: ${why}. Check that it runs and its address is right, or remove it from the list.`,
                `代理 ${proxy} 不可用或无法连接（${why}）。请检查代理是否运行、地址是否正确，或将其从列表中移除。`,
              ),
            }
          : { route, message: m(`WeCom could not be reached directly: ${detail}.`, `无法直连企业微信：${detail}。`) };
      }
      case 'proxy-refused':
        return {
          route,
          message: m(
            `Proxy ${proxy} refused to open a tunnel to WeCom (${detail}). Allow CONNECT to the API host on port 443 in the proxy.`,
            `代理 ${proxy} 拒绝建立到企业微信的隧道（${detail}）。请在代理中允许到 API 主机 443 端口的 CONNECT。`,
          ),
        };
      case 'tls':
        return {
          route,
          message: m(
            `WeCom's TLS certificate could not be verified: ${detail}. If the API base is a simulator or a gateway with its own certificate, configure its CA.`,
            `无法验证企业微信的 TLS 证书：${detail}。如果 API 地址是模拟器或使用自有证书的网关，请配置其 CA 证书。`,
          ),
        };
      case 'proxy-tls':
        return {
          route,
          message: m(
            `The TLS certificate of proxy ${proxy} could not be verified (${detail}). Configure the CA that signs the proxy's certificate (proxy CA), or check that the proxy speaks TLS.`,
            `无法验证代理 ${proxy} 的 TLS 证书（${detail}）。请配置签发该代理证书的 CA（代理 CA 证书），或确认代理支持 TLS。`,
          ),
        };
      default:
        return { route, message: m(`No answer from WeCom: ${detail}.`, `未收到企业微信的应答：${detail}。`) };
    }
  }
  const text = clean(err instanceof Error ? err.message : String(err));
  return { message: m(`Unexpected failure: ${text}`, `意外错误：${text}`) };
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
  const fail = (name: CheckName, status: CheckStatus, err: unknown, prefix?: Explanation): void => {
    const f = explainFailure(err, conn, secrets);
    const message = !prefix
      ? f.message
      : err instanceof WeComError
        ? m(`${prefix.en.replace(/\.$/, '')} (errcode ${err.errcode}).`, `${prefix.zh.replace(/。$/, '')}（错误码 ${err.errcode}）。`)
        : m(`${prefix.en} ${f.message.en}`, `${prefix.zh}${f.message.zh}`);
    push({ name, status, message, ...(f.errcode !== undefined ? { errcode: f.errcode } : {}), ...(f.route ? { route: f.route } : {}), ...(f.egressIp ? { egressIp: f.egressIp } : {}) });
    const r = routeOfError(err);
    if (r && err instanceof WeComError) lastRoute = routeKey(r);
  };
  const skip = (name: CheckName, why: Explanation): void => push({ name, status: 'skipped', message: why });
  const answeredRoute = (): string => {
    const h = client.health().filter((x) => x.lastSuccessAt !== null).sort((a, b) => (b.lastSuccessAt ?? 0) - (a.lastSuccessAt ?? 0))[0];
    return h ? h.key : routeKey(client.preferredRoute());
  };
  const ok = (name: CheckName, message: Explanation, status: CheckStatus = 'ok'): void => {
    lastRoute = answeredRoute();
    push({ name, status, message, route: lastRoute });
  };

  try {
    // 1. token
    try {
      await client.ensureToken();
      const route = answeredRoute();
      const failed = client.health().filter((h) => h.consecutiveFailures > 0 && h.key !== route);
      const via = route === 'direct' ? 'directly' : `through proxy ${route}`;
      const viaZh = route === 'direct' ? '直连' : `经代理 ${route}`;
      if (failed.length > 0) {
        const list = failed.map((h) => `${h.key} (${redact(h.lastError ?? 'failed', secrets)})`).join('; ');
        ok(
          'token',
          m(
            `Access token obtained ${via}, but ${failed.length === 1 ? 'proxy' : 'proxies'} ${list} failed and ${failed.length === 1 ? 'was' : 'were'} skipped; fix or remove ${failed.length === 1 ? 'it' : 'them'}.`,
            `已${viaZh}获取 access token，但以下代理失败并被跳过：${list}；请修复或移除。`,
          ),
          'warning',
        );
      } else ok('token', m(`Access token obtained ${via}: company ID and secret are accepted.`, `已${viaZh}获取 access token：企业 ID 与 Secret 有效。`));
    } catch (err) {
      fail('token', 'failed', err);
      const why = m('Not checked: no access token.', '未检查：没有 access token。');
      for (const n of ['root-department', 'department-ids', 'member-ids', 'member-details'] as const) skip(n, why);
      return finish();
    }

    // 2 + 3. root department and department ids (one call)
    const root = conn.rootDepartmentId;
    try {
      const rows = await client.department.simplelist(root);
      const ids = new Set(rows.map((r) => r.id));
      if (!ids.has(root)) {
        push({
          name: 'root-department',
          status: 'failed',
          message: m(
            `Root department ${root} not found in company ${conn.corpId}, or outside the sync secret's scope. Check the root department ID in the WeCom admin console (the company root is 1).`,
            `在企业 ${conn.corpId} 中找不到根部门 ${root}，或它不在通讯录同步的权限范围内。请在企业微信管理后台核对根部门 ID（企业根部门为 1）。`,
          ),
          route: answeredRoute(),
        });
        skip('department-ids', m('Not checked: the root department is missing.', '未检查：根部门不存在。'));
      } else {
        const dd = conn.defaultDepartmentId;
        if (dd !== null && !ids.has(dd))
          push({
            name: 'root-department',
            status: 'failed',
            message: m(
              `Root department ${root} exists, but the default department ${dd} is not in its subtree.`,
              `根部门 ${root} 存在，但默认部门 ${dd} 不在其下。`,
            ),
            route: answeredRoute(),
          });
        else
          ok(
            'root-department',
            m(
              `Root department ${root} exists${dd !== null ? `, and so does the default department ${dd} under it` : ''}.`,
              `根部门 ${root} 存在${dd !== null ? `，其下的默认部门 ${dd} 也存在` : ''}。`,
            ),
          );
        ok('department-ids', m(`Department id list readable: ${rows.length} department(s) in the subtree of ${root}.`, `部门 ID 列表可读：根部门 ${root} 下共 ${rows.length} 个部门。`));
      }
    } catch (err) {
      if (isNotFoundDept(err)) {
        fail(
          'root-department',
          'failed',
          err,
          m(`Root department ${root} not found in company ${conn.corpId}.`, `在企业 ${conn.corpId} 中找不到根部门 ${root}。`),
        );
        skip('department-ids', m('Not checked: the root department is missing.', '未检查：根部门不存在。'));
      } else if (is48009(err)) {
        fail(
          'department-ids',
          'warning',
          err,
          m(
            'WeCom refuses id lists to this IP; sync will rely on its own records (shadow state) and cannot see departments changed by hand.',
            '企业微信拒绝向此 IP 返回 ID 列表；同步将依赖自身记录（影子状态），无法发现手工修改的部门。',
          ),
        );
        // department/get may still be allowed
        try {
          await client.department.get(root);
          ok('root-department', m(`Root department ${root} exists.`, `根部门 ${root} 存在。`));
        } catch (e2) {
          if (isNotFoundDept(e2)) fail('root-department', 'failed', e2, m(`Root department ${root} not found in company ${conn.corpId}.`, `在企业 ${conn.corpId} 中找不到根部门 ${root}。`));
          else if (is48009(e2))
            push({
              name: 'root-department',
              status: 'warning',
              message: m(
                `Root department ${root} could not be verified: WeCom refuses both id lists and details to this IP (errcode 48009). The first sync will tell.`,
                `无法核实根部门 ${root}：企业微信拒绝向此 IP 返回 ID 列表和详情（错误码 48009）。首次同步时会得知结果。`,
              ),
              errcode: Errcode.DetailReadForbidden,
              route: answeredRoute(),
            });
          else fail('root-department', 'failed', e2);
        }
        // keep the order of checks stable: root-department before department-ids
        const i = checks.findIndex((c) => c.name === 'department-ids');
        const j = checks.findIndex((c) => c.name === 'root-department');
        if (i >= 0 && j > i) checks.splice(i, 0, ...checks.splice(j, 1));
      } else {
        fail('root-department', 'failed', err);
        skip('department-ids', m('Not checked: the root department could not be read.', '未检查：无法读取根部门。'));
      }
    }

    // 4. member ids
    let sampleUserid: string | undefined;
    try {
      const page = await client.user.listId({ limit: 1 });
      sampleUserid = page.deptUser[0]?.userid;
      ok(
        'member-ids',
        m(
          `Member id list readable${sampleUserid ? '' : ' (no members yet)'}: sync can find members deleted or moved by hand.`,
          `成员 ID 列表可读${sampleUserid ? '' : '（暂无成员）'}：同步可以发现手工删除或调动的成员。`,
        ),
      );
    } catch (err) {
      if (is48009(err)) {
        fail(
          'member-ids',
          'warning',
          err,
          m(
            'WeCom refuses id lists to this IP; sync will rely on its own records (shadow state) and learns of members deleted by hand only when a write fails.',
            '企业微信拒绝向此 IP 返回 ID 列表；同步将依赖自身记录（影子状态），手工删除的成员只能在写入失败时发现。',
          ),
        );
      } else fail('member-ids', 'failed', err);
    }

    // 5. member details
    try {
      await client.user.get(sampleUserid ?? PROBE_USERID);
      ok(
        'member-details',
        m(
          'Full reads allowed: this egress IP was trusted before 2022-08-15, so member details (mobile, e-mail) can be read back.',
          '可完整读取：该出口 IP 于 2022-08-15 之前已受信，可以读取成员详情（手机、邮箱）。',
        ),
      );
    } catch (err) {
      if (err instanceof WeComError && err.errcode === Errcode.UseridNotFound && !sampleUserid)
        ok(
          'member-details',
          m(
            'Full reads allowed: WeCom answered a detail read (this egress IP was trusted before 2022-08-15).',
            '可完整读取：企业微信响应了详情读取（该出口 IP 于 2022-08-15 之前已受信）。',
          ),
        );
      else if (err instanceof WeComError && is48009(err))
        push({
          name: 'member-details',
          status: 'warning',
          message: m(
            `Member details cannot be read from this IP (errcode 48009). ${errcodeInfo(Errcode.DetailReadForbidden).advice?.en ?? ''}`.trim(),
            `无法从此 IP 读取成员详情（错误码 48009）。${errcodeInfo(Errcode.DetailReadForbidden).advice?.zh ?? ''}`,
          ),
          errcode: err.errcode,
          ...(err.route ? { route: routeKey(err.route) } : {}),
          ...(err.egressIp ? { egressIp: err.egressIp } : {}),
        });
      else fail('member-details', 'failed', err);
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
