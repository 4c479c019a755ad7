// The connection test's verdicts (src/connections/test-connection.ts), in English and Chinese, by
// code (part of the one catalogue, ./catalogue.ts). `{detail}` and `{failed}` are the network's own
// words (an undici or TLS error, redacted): data, which the console shows as such, never translated.
// WeCom's explanation of an errcode (the errcode catalogue, already in both languages) follows the text.
export const TEST_TEXTS = {
  // ------------------------------------------------------------------ WeCom answered with an errcode
  'test.wrong-secret': { en: 'Wrong secret: WeCom refused the address-book sync secret for company {corpId} (errcode 40001).', zh: 'Secret 错误：企业微信拒绝了企业 {corpId} 的通讯录同步 Secret（错误码 40001）。' },
  'test.wrong-corpid': { en: 'Wrong company ID: WeCom does not know corpid {corpId} (errcode 40013).', zh: '企业 ID 错误：企业微信不认识 {corpId}（错误码 40013）。' },
  'test.untrusted-ip.proxy': {
    en: 'Untrusted egress IP {ip} through proxy {proxy}: WeCom refuses calls from this IP (errcode 60020). Add {ip} to the trusted IPs under Management Tools → Address Book Synchronization, or use a proxy whose egress IP is trusted.',
    zh: '出口 IP {ip}（经代理 {proxy}）不在企业可信 IP 中，企业微信拒绝调用（错误码 60020）。请在【管理工具】→【通讯录同步】的企业可信 IP 中添加 {ip}，或改用出口 IP 已受信的代理。',
  },
  'test.untrusted-ip.direct': {
    en: 'Untrusted egress IP {ip} directly: WeCom refuses calls from this IP (errcode 60020). Add {ip} to the trusted IPs under Management Tools → Address Book Synchronization, or use a proxy whose egress IP is trusted.',
    zh: '出口 IP {ip}（直连）不在企业可信 IP 中，企业微信拒绝调用（错误码 60020）。请在【管理工具】→【通讯录同步】的企业可信 IP 中添加 {ip}，或改用出口 IP 已受信的代理。',
  },
  'test.errcode.proxy': { en: 'WeCom answered errcode {errcode} through proxy {proxy}:', zh: '企业微信返回错误码 {errcode}（经代理 {proxy}）：' },
  'test.errcode.direct': { en: 'WeCom answered errcode {errcode} directly:', zh: '企业微信返回错误码 {errcode}（直连）：' },
  // a check's own words (no closing stop) with the errcode, or with why the call failed
  'test.with-errcode': { en: '{text} (errcode {errcode}).', zh: '{text}（错误码 {errcode}）。' },
  'test.then': { en: '{text}. {why}', zh: '{text}。{why}' },

  // ------------------------------------------------------------------ WeCom could not be reached
  'test.all-proxies-failed': { en: 'No configured proxy could reach WeCom: {detail}. Check that the proxies run, their addresses and the proxy username and password.', zh: '所有代理都无法连接企业微信：{detail}。请检查代理是否运行、地址是否正确以及代理用户名和密码。' },
  'test.proxy-auth': { en: 'Proxy {proxy} refused our credentials: check the proxy username and password ({detail}).', zh: '代理 {proxy} 拒绝了我们的登录凭据，请检查代理用户名和密码（{detail}）。' },
  'test.proxy-down': { en: 'Proxy {proxy} is down or unreachable: {detail}. Check that it runs and its address is right, or remove it from the list.', zh: '代理 {proxy} 不可用或无法连接（{detail}）。请检查代理是否运行、地址是否正确，或将其从列表中移除。' },
  'test.direct-unreachable': { en: 'WeCom could not be reached directly: {detail}.', zh: '无法直连企业微信：{detail}。' },
  'test.proxy-refused': { en: 'Proxy {proxy} refused to open a tunnel to WeCom ({detail}). Allow CONNECT to the API host on port 443 in the proxy.', zh: '代理 {proxy} 拒绝建立到企业微信的隧道（{detail}）。请在代理中允许到 API 主机 443 端口的 CONNECT。' },
  'test.tls': { en: "WeCom's TLS certificate could not be verified: {detail}. If the API base is a simulator or a gateway with its own certificate, configure its CA.", zh: '无法验证企业微信的 TLS 证书：{detail}。如果 API 地址是模拟器或使用自有证书的网关，请配置其 CA 证书。' },
  'test.proxy-tls': { en: "The TLS certificate of proxy {proxy} could not be verified ({detail}). Configure the CA that signs the proxy's certificate (proxy CA), or check that the proxy speaks TLS.", zh: '无法验证代理 {proxy} 的 TLS 证书（{detail}）。请配置签发该代理证书的 CA（代理 CA 证书），或确认代理支持 TLS。' },
  'test.no-answer': { en: 'No answer from WeCom: {detail}.', zh: '未收到企业微信的应答：{detail}。' },
  'test.unexpected': { en: 'Unexpected failure: {detail}', zh: '意外错误：{detail}' },

  // ------------------------------------------------------------------ the checks
  'test.token-ok.proxy': { en: 'Access token obtained through proxy {proxy}: company ID and secret are accepted.', zh: '已经代理 {proxy} 获取 access_token：企业 ID 与 Secret 有效。' },
  'test.token-ok.direct': { en: 'Access token obtained directly: company ID and secret are accepted.', zh: '已直连获取 access_token：企业 ID 与 Secret 有效。' },
  'test.token-one-proxy-failed.proxy': { en: 'Access token obtained through proxy {proxy}, but proxy {failed} failed and was skipped; fix or remove it.', zh: '已经代理 {proxy} 获取 access_token，但以下代理失败并被跳过：{failed}；请修复或移除。' },
  'test.token-one-proxy-failed.direct': { en: 'Access token obtained directly, but proxy {failed} failed and was skipped; fix or remove it.', zh: '已直连获取 access_token，但以下代理失败并被跳过：{failed}；请修复或移除。' },
  'test.token-some-proxies-failed.proxy': { en: 'Access token obtained through proxy {proxy}, but proxies {failed} failed and were skipped; fix or remove them.', zh: '已经代理 {proxy} 获取 access_token，但以下代理失败并被跳过：{failed}；请修复或移除。' },
  'test.token-some-proxies-failed.direct': { en: 'Access token obtained directly, but proxies {failed} failed and were skipped; fix or remove them.', zh: '已直连获取 access_token，但以下代理失败并被跳过：{failed}；请修复或移除。' },
  'test.skipped-no-token': { en: 'Not checked: no access token.', zh: '未检查：没有 access_token。' },
  'test.skipped-no-root': { en: 'Not checked: the root department is missing.', zh: '未检查：根部门不存在。' },
  'test.skipped-root-unreadable': { en: 'Not checked: the root department could not be read.', zh: '未检查：无法读取根部门。' },
  'test.root-not-found': {
    en: 'Root department {root} not found in company {corpId}, or outside the sync secret\'s scope. Check the root department ID in the WeCom admin console (the company root is 1).',
    zh: '在企业 {corpId} 中找不到根部门 {root}，或它不在通讯录同步的权限范围内。请在企业微信管理后台核对根部门 ID（企业根部门为 1）。',
  },
  'test.root-missing': { en: 'Root department {root} not found in company {corpId}', zh: '在企业 {corpId} 中找不到根部门 {root}' },
  'test.default-outside': { en: 'Root department {root} exists, but the default department {default} is not in its subtree.', zh: '根部门 {root} 存在，但默认部门 {default} 不在其下。' },
  'test.root-exists': { en: 'Root department {root} exists.', zh: '根部门 {root} 存在。' },
  'test.root-and-default-exist': { en: 'Root department {root} exists, and so does the default department {default} under it.', zh: '根部门 {root} 存在，其下的默认部门 {default} 也存在。' },
  'test.root-unverified': { en: 'Root department {root} could not be verified: WeCom refuses both id lists and details to this IP (errcode 48009). The first sync will tell.', zh: '无法核实根部门 {root}：企业微信拒绝向此 IP 返回 ID 列表和详情（错误码 48009）。首次同步时会得知结果。' },
  'test.department-ids': { en: 'Department id list readable: {n} department(s) in the subtree of {root}.', zh: '部门 ID 列表可读：根部门 {root} 下共 {n} 个部门。' },
  'test.department-ids-refused': { en: 'WeCom refuses id lists to this IP; sync will rely on its own records (shadow state) and cannot see departments changed by hand', zh: '企业微信拒绝向此 IP 返回 ID 列表；同步将依赖自身记录（影子状态），无法发现手工修改的部门' },
  'test.member-ids': { en: 'Member id list readable: sync can find members deleted or moved by hand.', zh: '成员 ID 列表可读：同步可以发现手工删除或调动的成员。' },
  'test.member-ids-empty': { en: 'Member id list readable (no members yet): sync can find members deleted or moved by hand.', zh: '成员 ID 列表可读（暂无成员）：同步可以发现手工删除或调动的成员。' },
  'test.member-ids-refused': { en: 'WeCom refuses id lists to this IP; sync will rely on its own records (shadow state) and learns of members deleted by hand only when a write fails', zh: '企业微信拒绝向此 IP 返回 ID 列表；同步将依赖自身记录（影子状态），手工删除的成员只能在写入失败时发现' },
  'test.details-readable': { en: 'Full reads allowed: this egress IP was trusted before 2022-08-15, so member details (mobile, e-mail) can be read back.', zh: '可完整读取：该出口 IP 于 2022-08-15 之前已受信，可以读取成员详情（手机、邮箱）。' },
  'test.details-answered': { en: 'Full reads allowed: WeCom answered a detail read (this egress IP was trusted before 2022-08-15).', zh: '可完整读取：企业微信响应了详情读取（该出口 IP 于 2022-08-15 之前已受信）。' },
  'test.details-refused': { en: 'Member details cannot be read from this IP (errcode 48009).', zh: '无法从此 IP 读取成员详情（错误码 48009）。' },
} as const satisfies Record<string, { en: string; zh: string }>;
