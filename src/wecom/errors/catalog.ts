// The one catalogue of WeCom errcodes. The client maps every answer through it (class decides
// retry behaviour, texts explain the problem to the admin); the simulator takes its errmsg texts
// from it. Chinese meanings are WeCom's own (global errcode page); English meanings and advice are ours.

/** What a caller should do with an errcode. */
export type ErrorClass =
  /** transient: retry with back-off (system busy, rate limit, concurrency, import system failure) */
  | 'retryable'
  /** the access token is invalid or expired: drop it, fetch a new one, retry once */
  | 'token'
  /** setup or permission problem (secret, corpid, trusted IP, API rights): fix configuration, do not retry */
  | 'config'
  /** the request's data is wrong or conflicts with WeCom's state: show the admin, do not retry */
  | 'data';

interface ErrcodeEntry {
  code: number;
  /** WeCom's official Chinese meaning */
  zh: string;
  /** English meaning (short; also used as the simulator's errmsg text) */
  en: string;
  class: ErrorClass;
  /** What the admin should do, in English and Chinese (optional: the meaning suffices for many data errors) */
  advice?: { en: string; zh: string };
}

const e = (
  code: number,
  cls: ErrorClass,
  zh: string,
  en: string,
  advice?: { en: string; zh: string },
): ErrcodeEntry => ({ code, class: cls, zh, en, advice });

const entries: ErrcodeEntry[] = [
  e(-1, 'retryable', '系统繁忙', 'system busy', {
    en: 'WeCom is busy; the call is retried with back-off.',
    zh: '企业微信繁忙，将自动退避重试。',
  }),
  e(6000, 'retryable', '数据版本冲突', 'data version conflict', {
    en: 'Another change to the same object was in progress; the call is retried later.',
    zh: '同一对象正被并发修改，稍后自动重试。',
  }),
  e(40001, 'config', '不合法的secret参数', 'invalid credential', {
    en: 'The Address Book Sync Secret is wrong, was reset, or does not belong to this Company ID. Copy it again from Management Tools → Address Book Synchronization.',
    zh: '通讯录同步 Secret 错误、已重置或与企业 ID 不匹配。请在【管理工具】→【通讯录同步】重新查看并填写。',
  }),
  e(40003, 'data', '无效的UserID', 'invalid userid', {
    en: 'WeCom refused the userid (or it names nobody). Userids are 1–64 bytes of letters, digits, _ - . and, per WeCom\'s current documentation, @; if WeCom refuses an e-mail-like userid, your company applies the older rule without @: change the userid mapping to replace @ (the default mapping does).',
    zh: '企业微信不接受该 UserID（或该成员不存在）。UserID 为 1–64 字节的字母、数字、_ - .，按当前文档还可含 @；若带 @ 的账号被拒，说明企业仍按旧规则，请在映射中替换 @（默认映射会替换）。',
  }),
  e(40004, 'data', '不合法的媒体文件类型', 'invalid media file type'),
  e(40005, 'data', '不合法的type参数', 'invalid media type parameter'),
  e(40006, 'data', '不合法的文件大小', 'invalid file size'),
  e(40007, 'data', '不合法的media_id参数', 'invalid media_id'),
  e(40013, 'config', '不合法的CorpID', 'invalid corpid', {
    en: 'The Company ID is wrong. Copy it from My Company in the WeCom admin console.',
    zh: '企业 ID 错误，请在【我的企业】中查看并填写。',
  }),
  e(40014, 'token', '不合法的access_token', 'invalid access_token'),
  e(40031, 'data', '不合法的UserID列表', 'invalid userid list'),
  e(40032, 'data', '不合法的UserID列表长度', 'invalid userid list size'),
  e(40035, 'data', '不合法的参数', 'invalid parameter'),
  e(40058, 'data', '不合法的参数', 'invalid parameter'),
  e(40063, 'data', '参数为空', 'parameter is empty'),
  e(40066, 'data', '不合法的部门列表', 'invalid department list'),
  e(40088, 'data', 'jobid不存在', 'jobid not found'),
  e(40089, 'data', '批量任务的结果已清理', 'batch job result has been cleaned'),
  e(40091, 'config', 'secret不合法', 'secret of another company', {
    en: 'The secret belongs to a different company than the Company ID.',
    zh: 'Secret 与企业 ID 不属于同一企业。',
  }),
  e(40092, 'data', '导入文件存在不合法的内容', 'invalid content in import file'),
  e(41001, 'data', '缺少access_token参数', 'access_token missing'),
  e(41002, 'data', '缺少corpid参数', 'corpid missing'),
  e(41004, 'data', '缺少secret参数', 'corpsecret missing'),
  e(41006, 'data', '缺少media_id参数', 'media_id missing'),
  e(41009, 'data', '缺少userid参数', 'userid missing'),
  e(41019, 'data', '缺少 department 参数', 'department missing'),
  e(42001, 'token', 'access_token已过期', 'access_token expired'),
  e(44001, 'data', '多媒体文件为空', 'empty media data'),
  e(45001, 'data', '多媒体文件大小超过限制', 'media size out of limit'),
  e(45009, 'retryable', '接口调用超过限制', 'api freq out of limit', {
    en: "WeCom's per-API call budget was exceeded; calls are slowed down and retried.",
    zh: '超过接口调用频率限制，将降速并重试。',
  }),
  e(45024, 'config', '账号数量超过上限', 'account number out of limit', {
    en: "The company has reached WeCom's member limit; verify the company or buy more seats.",
    zh: '企业成员数已达上限，请完成企业验证或扩容。',
  }),
  e(45026, 'data', '触发删除用户数的保护', 'delete protection triggered'),
  e(45029, 'data', '回包大小超过上限', 'response size out of limit'),
  e(45031, 'config', '企业corpsecret不够安全，请重置', 'corpsecret is insecure, reset it', {
    en: 'WeCom considers the secret insecure; reset it in the admin console and update the connection.',
    zh: 'Secret 不够安全，请在管理后台重置并更新连接配置。',
  }),
  e(45033, 'retryable', '接口并发调用超过限制', 'api concurrent out of limit'),
  e(46004, 'data', '指定的用户不存在', 'user not exist'),
  e(48002, 'config', 'API接口无权限调用', 'api forbidden', {
    en: 'This secret may not call this API. Use the Address Book Sync secret with "API editing of the address book" enabled.',
    zh: '该 Secret 无权调用此接口。请使用已开启“API 编辑通讯录”的通讯录同步 Secret。',
  }),
  e(48008, 'config', 'API接口无权限调用，通讯录编辑授权只能调用部分通讯录接口', 'api forbidden for contacts-edit authorisation'),
  e(48009, 'config', 'API接口无权限调用，为保障企业数据安全，不再允许通讯录同步助手从新增IP读取通讯录详情', 'api forbidden: contacts-sync may not read details from a newly trusted IP', {
    en: 'Normal for a trusted IP added after 2022-08-15: WeCom lets it write and list ids but not read member details. wecom-sync plans against the values it last wrote instead.',
    zh: '2022-08-15 之后新增的可信 IP 只能写入和读取 ID 列表，不能读取成员详情，属正常现象；wecom-sync 会以上次写入的值为准进行比对。',
  }),
  e(50002, 'config', '成员不在权限范围', 'user out of permission scope'),
  e(50003, 'config', '应用已禁用', 'application disabled'),
  e(50100, 'data', '分页查询的游标无效', 'invalid cursor'),
  e(60001, 'data', '部门长度不符合限制', 'department name length invalid', {
    en: "WeCom's current documentation allows department names of 1–64 characters, older limits 1–32. If WeCom refused a name of 33–64 characters, shorten it (or cut it in the department-name mapping) to 32.",
    zh: '当前文档允许部门名称 1–64 个字符，旧限制为 1–32 个字符。若 33–64 个字符的名称被拒，请缩短到 32 个字符以内（或在部门名称映射中截断）。',
  }),
  e(60003, 'data', '部门ID不存在', 'department not found'),
  e(60004, 'data', '父部门不存在', 'parent department not found'),
  e(60005, 'data', '部门下存在成员', 'department contains members'),
  e(60006, 'data', '部门下存在子部门', 'department contains sub-departments'),
  e(60007, 'data', '不允许删除根部门', 'root department may not be deleted'),
  e(60008, 'data', '部门已存在', 'department already exists'),
  e(60009, 'data', '部门名称含有非法字符', 'department name contains illegal characters'),
  e(60010, 'data', '部门存在循环关系', 'department cycle'),
  e(60011, 'config', '指定的成员/部门/标签参数无权限', 'no privilege on member/department/tag'),
  e(60020, 'config', '不安全的访问IP', 'not allow to access from your ip', {
    en: "WeCom does not trust the egress IP the call came from. Add that IP under Management Tools → Address Book Synchronization → trusted IPs, or route the connection through a proxy whose IP is trusted.",
    zh: '企业微信不信任本次调用的出口 IP。请在【管理工具】→【通讯录同步】的企业可信 IP 中添加该 IP，或为连接配置出口 IP 已受信的代理。',
  }),
  e(60021, 'config', 'userid不在应用可见范围内', 'userid not in app visible range'),
  e(60102, 'data', 'UserID已存在', 'userid existed'),
  e(60103, 'data', '手机号码不合法', 'mobile invalid', {
    en: 'WeCom refused the mobile number. It takes up to 32 digits, + and -; if a number such as +8613800000000 is refused, write the country code with a space or hyphen after it (+86 13800000000) or drop +86 for mainland numbers.',
    zh: '企业微信不接受该手机号。手机号最多 32 位，可含数字、+ 和 -；若 +8613800000000 这类号码被拒，请在国家码后加空格或连字符（+86 13800000000），或去掉大陆号码的 +86。',
  }),
  e(60104, 'data', '手机号码已存在', 'mobile existed'),
  e(60105, 'data', '邮箱不合法', 'email invalid'),
  e(60106, 'data', '邮箱已存在', 'email existed'),
  e(60107, 'data', '微信号不合法', 'weixin id invalid'),
  e(60110, 'data', '用户所属部门数量超过限制', 'too many departments for the user', {
    en: "WeCom's current documentation allows a member in up to 100 departments, older limits 20. If WeCom refused fewer than 100, your company applies the older limit: use affiliation mode primary-only, or narrow the organizations synced for this account.",
    zh: '当前文档允许成员属于最多 100 个部门，旧限制为 20 个。若未超过 100 个仍被拒，说明企业仍按旧限制：请改用“仅主部门”归属，或减少该账号同步的组织。',
  }),
  e(60111, 'data', 'UserID不存在', 'userid not found'),
  e(60112, 'data', '成员name参数不合法', 'user name invalid'),
  e(60123, 'data', '无效的部门id', 'invalid department id'),
  e(60124, 'data', '无效的父部门id', 'invalid parent department id'),
  e(60125, 'data', '非法部门名字', 'invalid department name'),
  e(60127, 'data', '缺少department参数', 'department missing'),
  e(60129, 'data', '成员手机和邮箱都为空', 'mobile and email are both empty'),
  e(60132, 'data', 'is_leader_in_dept和department的元素个数不一致', 'is_leader_in_dept and department size mismatch'),
  e(60136, 'data', '记录不存在', 'record not found'),
  e(60141, 'data', '个人邮箱非法，且没有手机号', 'invalid personal email and no mobile'),
  e(60143, 'data', '企业邮箱非法', 'invalid biz_mail'),
  e(60145, 'data', '企业邮箱已存在', 'biz_mail existed'),
  e(81001, 'data', '部门下的节点数超过限制（3W）', 'too many nodes under the department'),
  e(81002, 'data', '部门最多15层', 'department depth exceeds 15 levels'),
  e(81013, 'data', 'UserID、部门ID、标签ID全部非法或无权限', 'user & party & tag all invalid'),
  e(84200, 'data', '文件转译解析错误', 'file transcoding error'),
  e(301002, 'config', '无权限操作指定的应用', 'no privilege on the application'),
  e(301005, 'data', '不允许删除创建者', 'the company creator may not be deleted', {
    en: 'This member created the WeCom company; WeCom never deletes (or disables) it. wecom-sync leaves it in WeCom from now on and will not try again. Transfer the creator role in the WeCom admin console if the person really left.',
    zh: '该成员是企业微信的创建者，企业微信不允许删除（或禁用）。wecom-sync 今后会保留该成员、不再尝试。若此人确已离开，请在管理后台转让创建者身份。',
  }),
  e(301012, 'data', '参数 position 不合法', 'position invalid'),
  e(301013, 'data', '参数 telephone 不合法', 'telephone invalid'),
  e(301014, 'data', '参数 english_name 不合法', 'english_name invalid'),
  e(301015, 'data', '参数 mediaid 不合法', 'avatar mediaid invalid'),
  e(301021, 'data', '参数 userid 无效', 'userid invalid in list'),
  e(301036, 'data', '不允许更新该用户的userid', 'userid may not be changed'),
  e(301039, 'data', '请求参数错误，请检查输入参数', 'invalid request parameter'),
  e(302003, 'data', '批量导入任务的文件中userid有重复', 'duplicate userid in import file'),
  e(302004, 'data', '组织架构不合法', 'invalid department structure in import file'),
  e(302005, 'retryable', '批量导入系统失败，请重新尝试导入', 'batch import system failure'),
  e(302006, 'data', '批量导入任务的文件中partyid有重复', 'duplicate partyid in import file'),
  e(302007, 'data', '批量导入任务的文件中，同一个部门下有两个子部门名字一样', 'duplicate sibling department names in import file'),
  e(302008, 'retryable', '已经有一个导入任务在进行中', 'another import job is running'),
];

export const ERRCODES: ReadonlyMap<number, ErrcodeEntry> = new Map(entries.map((x) => [x.code, x]));

/** The catalogue entry for an errcode; unknown codes are data errors (never retried in a loop). */
export function errcodeInfo(code: number): ErrcodeEntry {
  return (
    ERRCODES.get(code) ?? {
      code,
      class: 'data',
      zh: '未知错误码',
      en: `unknown errcode ${code}`,
    }
  );
}

/** Named codes used in code, so that no magic numbers are scattered around. */
export const Errcode = {
  SystemBusy: -1,
  Ok: 0,
  InvalidCredential: 40001,
  InvalidUserid: 40003,
  InvalidMediaType: 40004,
  InvalidUploadType: 40005,
  InvalidFileSize: 40006,
  InvalidMediaId: 40007,
  InvalidCorpid: 40013,
  InvalidAccessToken: 40014,
  InvalidUseridList: 40031,
  UseridListTooLong: 40032,
  InvalidParameter: 40058,
  EmptyParameter: 40063,
  InvalidDepartmentList: 40066,
  JobNotFound: 40088,
  JobResultCleaned: 40089,
  InvalidImportFile: 40092,
  MissingAccessToken: 41001,
  MissingCorpid: 41002,
  MissingSecret: 41004,
  MissingMediaId: 41006,
  MissingUserid: 41009,
  MissingDepartment: 41019,
  AccessTokenExpired: 42001,
  EmptyMedia: 44001,
  MediaTooLarge: 45001,
  RateLimited: 45009,
  DeleteProtection: 45026,
  ApiForbidden: 48002,
  DetailReadForbidden: 48009,
  InvalidCursor: 50100,
  DepartmentNameLength: 60001,
  DepartmentNotFound: 60003,
  ParentDepartmentNotFound: 60004,
  DepartmentHasMembers: 60005,
  DepartmentHasChildren: 60006,
  RootDepartmentDelete: 60007,
  DepartmentExists: 60008,
  DepartmentNameIllegal: 60009,
  DepartmentCycle: 60010,
  UntrustedIp: 60020,
  UseridExists: 60102,
  MobileInvalid: 60103,
  MobileExists: 60104,
  EmailInvalid: 60105,
  EmailExists: 60106,
  TooManyDepartments: 60110,
  UseridNotFound: 60111,
  UserNameInvalid: 60112,
  InvalidDepartmentId: 60123,
  MobileAndEmailEmpty: 60129,
  LeaderSizeMismatch: 60132,
  BizMailInvalid: 60143,
  BizMailExists: 60145,
  TooManyNodes: 81001,
  DepthExceeded: 81002,
  FileTranscoding: 84200,
  PositionInvalid: 301012,
  TelephoneInvalid: 301013,
  AvatarMediaInvalid: 301015,
  CreatorDelete: 301005,
  UseridInListInvalid: 301021,
  UseridChangeForbidden: 301036,
  ImportDuplicateUserid: 302003,
  ImportInvalidStructure: 302004,
  ImportSystemFailure: 302005,
  ImportDuplicatePartyid: 302006,
  ImportDuplicateSiblingName: 302007,
  ImportJobRunning: 302008,
} as const;
