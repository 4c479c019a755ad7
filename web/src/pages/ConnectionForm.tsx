// One connection: create (/connections/new) or edit (/connections/:name), test it against WeCom,
// delete it. The fields are the seed's "pre-integrated application" fields, in its order; the API
// base and extra CA (for the built-in simulator) sit in a collapsed "Advanced" section.
// Secrets never come back from the API (hasSecret / hasProxyPassword): on edit an empty secret
// field keeps the stored value. PATCH sends only the fields that changed; null clears.
import {
  ArrowLeftOutlined,
  CheckCircleFilled,
  CloseCircleFilled,
  DeleteOutlined,
  ExclamationCircleFilled,
  MinusCircleFilled,
  MinusCircleOutlined,
  PlusOutlined,
  SaveOutlined,
  ThunderboltOutlined,
} from '@ant-design/icons';
import { Alert, App, Button, Card, Checkbox, Collapse, Descriptions, Flex, Form, Input, InputNumber, Popconfirm, Select, Space, Spin, Table, Tag, Typography } from 'antd';
import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { ApiError, del, get, patch, post, seg } from '../api';
import { type CheckStatus, type Connection, type TestResult, splitFieldErrors } from '../components/ConnTypes';
import { type Messages, useExplain, useT } from '../i18n';
import { useIsAdmin } from '../session';

const DEFAULT_API_BASE = 'https://qyapi.weixin.qq.com';
const mono = { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' };

const messages = {
  zh: {
    back: '企业微信连接',
    newTitle: '新建连接',
    editTitle: '连接：{name}',
    mapping: '字段映射',
    plan: '同步计划',
    runs: '同步记录',
    name: '连接名称',
    nameHelp: '本系统内部使用的名称，在控制台、命令行和 API 中引用；1–64 个字符，不可重复。',
    corpId: '企业ID',
    corpIdHelp: '企业微信管理后台 → 我的企业 → 企业信息 → 企业ID',
    secret: '通讯录同步Secret',
    secretHelp: '企业微信管理后台 → 管理工具 → 通讯录同步 → Secret。加密保存，保存后不再显示。',
    secretKeepHelp: '留空则保留已保存的 Secret；填写则替换。',
    secretStored: '已保存',
    secretMissing: '未设置',
    secretPlaceholderKeep: '（已保存，留空保留）',
    rootDepartmentId: '企业微信根部门ID',
    rootHelp: '目录同步到企业微信的哪个部门之下；企业根部门为 1。',
    defaultDepartmentId: '账号默认部门',
    defaultHelp: '可选。设置后将覆盖部门映射规则：新成员创建在该部门中，之后不会被移动。',
    extattrs: '扩展属性配置',
    extattrsHelp: '在企业微信后台（通讯录 → 字段管理）配置的扩展属性。类型为文本或网页；表达式使用映射语言计算取值，例如 employee_number。',
    extattrName: '属性名称',
    extattrExpression: '表达式（可选），如 attrs.cost_center',
    extattrAdd: '添加扩展属性',
    text: '文本',
    web: '网页',
    proxies: 'HTTPS代理地址',
    proxiesHelp: '每行一个 host:port，按顺序尝试；留空则直连。企业微信只接受来自可信IP的通讯录接口调用，且一个IP只能服务一个企业。',
    proxyUsername: '代理用户名',
    proxyUsernameHelp: '代理需要认证（Basic）时填写。',
    proxyPassword: '代理密码',
    proxyPasswordHelp: '加密保存，保存后不再显示。',
    proxyPasswordKeepHelp: '留空则保留已保存的密码；填写则替换。',
    clearProxyPassword: '清除已保存的代理密码',
    advanced: '高级设置',
    advancedHelp: '连接内置的企业微信模拟器或测试环境时才需要修改。',
    apiBase: 'API 地址',
    apiBaseHelp: '默认 https://qyapi.weixin.qq.com。http:// 仅允许本机地址。',
    caPem: '额外信任的CA证书（PEM）',
    caPemHelp: '例如模拟器的自签名证书（以 -----BEGIN CERTIFICATE----- 开头）。',
    required: '必填',
    save: '保存',
    create: '创建',
    saved: '已保存',
    created: '连接已创建',
    createdHint: '连接已创建。点击“测试连接”检查企业微信是否接受这些设置。',
    nothingChanged: '没有修改',
    saveFailed: '保存失败',
    fixFields: '请修正标出的字段',
    warnings: '提示',
    test: '测试连接',
    testing: '正在测试…',
    testDirty: '测试使用已保存的设置，请先保存修改。',
    testFailed: '测试无法执行',
    testOk: '全部检查通过',
    testOkWarnings: '检查通过，但有提示',
    testNotOk: '有检查未通过',
    route: '线路',
    egressIp: '出口IP',
    egressIpHelp: '企业微信看到的请求来源IP，需要加入企业可信IP',
    egressIpUnknown: '企业微信未告知',
    routes: '线路状态',
    healthy: '正常',
    unhealthy: '异常',
    lastError: '最近错误',
    direct: '直连',
    errcode: '错误码',
    'check-token': '获取 access_token',
    'check-root-department': '根部门',
    'check-department-ids': '部门ID列表',
    'check-member-ids': '成员ID列表',
    'check-member-details': '成员详情',
    'status-ok': '通过',
    'status-failed': '失败',
    'status-warning': '提示',
    'status-skipped': '跳过',
    delete: '删除连接',
    deleteConfirm: '删除连接“{name}”及其保存的 Secret？企业微信中的数据不受影响。',
    deleteOk: '删除',
    cancel: '取消',
    deleted: '连接已删除',
    loadFailed: '无法读取连接',
    notFound: '没有这个连接',
  },
  en: {
    back: 'WeCom connections',
    newTitle: 'New connection',
    editTitle: 'Connection: {name}',
    mapping: 'Mapping',
    plan: 'Plan',
    runs: 'Runs',
    name: 'Connection name',
    nameHelp: 'Our name for this connection, used in the console, the CLI and the API; 1–64 characters, unique.',
    corpId: 'Company ID',
    corpIdHelp: 'My Company → Company Info → Company ID in the WeCom admin console',
    secret: 'Address Book Sync Secret',
    secretHelp: 'Management Tools → Address Book Synchronization → Secret in the WeCom admin console. Stored encrypted and never shown again.',
    secretKeepHelp: 'Leave empty to keep the stored secret; type one to replace it.',
    secretStored: 'stored',
    secretMissing: 'not set',
    secretPlaceholderKeep: '(stored — leave empty to keep)',
    rootDepartmentId: 'WeCom root department ID',
    rootHelp: 'The WeCom department the directory is synced under; the company root is 1.',
    defaultDepartmentId: 'Default department for accounts',
    defaultHelp: 'Optional. When set, overrides the department-mapping rules: new members are created in this department and never moved.',
    extattrs: 'Extended attributes',
    extattrsHelp: 'Extended attributes configured in WeCom (Contacts → Manage fields). Type text or web; the expression (mapping language) computes the value, e.g. employee_number.',
    extattrName: 'Attribute name',
    extattrExpression: 'Expression (optional), e.g. attrs.cost_center',
    extattrAdd: 'Add an attribute',
    text: 'Text',
    web: 'Web',
    proxies: 'HTTPS proxy addresses',
    proxiesHelp: 'One host:port per line, tried in order; empty = direct. WeCom accepts contact-API calls only from trusted IPs, and one IP can serve only one company.',
    proxyUsername: 'Proxy username',
    proxyUsernameHelp: 'For proxies that require authentication (Basic).',
    proxyPassword: 'Proxy password',
    proxyPasswordHelp: 'Stored encrypted and never shown again.',
    proxyPasswordKeepHelp: 'Leave empty to keep the stored password; type one to replace it.',
    clearProxyPassword: 'Remove the stored proxy password',
    advanced: 'Advanced',
    advancedHelp: 'Change these only to reach the built-in WeCom simulator or a test endpoint.',
    apiBase: 'API base URL',
    apiBaseHelp: 'Default https://qyapi.weixin.qq.com. http:// only for localhost.',
    caPem: 'Extra CA certificate (PEM)',
    caPemHelp: "Trusted for the API base, e.g. the simulator's self-signed certificate (starts with -----BEGIN CERTIFICATE-----).",
    required: 'Required',
    save: 'Save',
    create: 'Create',
    saved: 'Saved',
    created: 'Connection created',
    createdHint: 'The connection was created. Use "Test connection" to check that WeCom accepts these settings.',
    nothingChanged: 'Nothing changed',
    saveFailed: 'Could not save',
    fixFields: 'Please correct the marked fields',
    warnings: 'Advice',
    test: 'Test connection',
    testing: 'Testing…',
    testDirty: 'The test uses the saved settings: save your changes first.',
    testFailed: 'The test could not run',
    testOk: 'All checks passed',
    testOkWarnings: 'Checks passed, with advice',
    testNotOk: 'A check failed',
    route: 'Route',
    egressIp: 'Egress IP',
    egressIpHelp: 'the address WeCom saw our calls come from; it must be a trusted IP of the company',
    egressIpUnknown: 'not reported by WeCom',
    routes: 'Routes',
    healthy: 'healthy',
    unhealthy: 'unhealthy',
    lastError: 'Last error',
    direct: 'direct',
    errcode: 'errcode',
    'check-token': 'Access token',
    'check-root-department': 'Root department',
    'check-department-ids': 'Department IDs',
    'check-member-ids': 'Member IDs',
    'check-member-details': 'Member details',
    'status-ok': 'ok',
    'status-failed': 'failed',
    'status-warning': 'warning',
    'status-skipped': 'skipped',
    delete: 'Delete connection',
    deleteConfirm: 'Delete connection "{name}" and its stored secrets? Nothing in WeCom is changed.',
    deleteOk: 'Delete',
    cancel: 'Cancel',
    deleted: 'Connection deleted',
    loadFailed: 'Could not read the connection',
    notFound: 'No such connection',
  },
} satisfies Messages;

type T = ReturnType<typeof useT<typeof messages>>;

interface FormValues {
  name: string;
  corpId: string;
  secret?: string;
  rootDepartmentId: number | null;
  defaultDepartmentId?: number | null;
  extattrs: { name: string; type: 'text' | 'web'; expression?: string }[];
  /** One host:port per line (commas and spaces also separate). */
  proxies: string;
  proxyUsername?: string;
  proxyPassword?: string;
  clearProxyPassword?: boolean;
  apiBase?: string;
  caPem?: string;
}

const FORM_FIELDS = new Set(['name', 'corpId', 'secret', 'rootDepartmentId', 'defaultDepartmentId', 'extattrs', 'proxies', 'proxyUsername', 'proxyPassword', 'apiBase', 'caPem']);
const ADVANCED_FIELDS = new Set(['apiBase', 'caPem']);

const emptyValues = (): FormValues => ({
  name: '',
  corpId: '',
  secret: '',
  rootDepartmentId: 1,
  defaultDepartmentId: null,
  extattrs: [],
  proxies: '',
  proxyUsername: '',
  proxyPassword: '',
  apiBase: DEFAULT_API_BASE,
  caPem: '',
});

const fromConnection = (c: Connection): FormValues => ({
  name: c.name,
  corpId: c.corpId,
  secret: '',
  rootDepartmentId: c.rootDepartmentId,
  defaultDepartmentId: c.defaultDepartmentId,
  extattrs: c.extattrs.map((a) => ({ name: a.name, type: a.type, expression: a.expression ?? '' })),
  proxies: c.proxies.join('\n'),
  proxyUsername: c.proxyUsername ?? '',
  proxyPassword: '',
  clearProxyPassword: false,
  apiBase: c.apiBase,
  caPem: c.caPem ?? '',
});

const parseProxies = (s: string | undefined): string[] =>
  (s ?? '')
    .split(/[\s,;]+/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
const text = (s: string | null | undefined): string | null => {
  const v = (s ?? '').trim();
  return v === '' ? null : v;
};
/** The PEM as typed, without surrounding blank space; null when empty. */
const pem = (s: string | null | undefined): string | null => (s && s.trim() !== '' ? s.trim() + '\n' : null);
const normExtattrs = (list: FormValues['extattrs'] | undefined) =>
  (list ?? []).map((a) => {
    const expression = text(a.expression);
    return { name: (a.name ?? '').trim(), type: a.type ?? 'text', ...(expression !== null ? { expression } : {}) };
  });
const num = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function createBody(v: FormValues): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: v.name.trim(),
    corpId: v.corpId.trim(),
    secret: (v.secret ?? '').trim(),
    rootDepartmentId: num(v.rootDepartmentId),
  };
  if (num(v.defaultDepartmentId) !== null) body.defaultDepartmentId = num(v.defaultDepartmentId);
  const extattrs = normExtattrs(v.extattrs);
  if (extattrs.length) body.extattrs = extattrs;
  const proxies = parseProxies(v.proxies);
  if (proxies.length) body.proxies = proxies;
  if (text(v.proxyUsername) !== null) body.proxyUsername = text(v.proxyUsername);
  if (v.proxyPassword) body.proxyPassword = v.proxyPassword;
  const apiBase = text(v.apiBase);
  if (apiBase !== null && apiBase !== DEFAULT_API_BASE) body.apiBase = apiBase;
  if (pem(v.caPem) !== null) body.caPem = pem(v.caPem);
  return body;
}

function patchBody(v: FormValues, c: Connection): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const name = v.name.trim();
  if (name !== c.name) body.name = name;
  const corpId = v.corpId.trim();
  if (corpId !== c.corpId) body.corpId = corpId;
  if (v.secret && v.secret.trim() !== '') body.secret = v.secret.trim();
  if (num(v.rootDepartmentId) !== c.rootDepartmentId) body.rootDepartmentId = num(v.rootDepartmentId);
  if (num(v.defaultDepartmentId) !== c.defaultDepartmentId) body.defaultDepartmentId = num(v.defaultDepartmentId);
  const extattrs = normExtattrs(v.extattrs);
  if (JSON.stringify(extattrs) !== JSON.stringify(normExtattrs(c.extattrs))) body.extattrs = extattrs;
  const proxies = parseProxies(v.proxies);
  if (JSON.stringify(proxies) !== JSON.stringify(c.proxies)) body.proxies = proxies;
  if (text(v.proxyUsername) !== c.proxyUsername) body.proxyUsername = text(v.proxyUsername);
  if (v.proxyPassword) body.proxyPassword = v.proxyPassword;
  else if (v.clearProxyPassword && c.hasProxyPassword) body.proxyPassword = null;
  const apiBase = text(v.apiBase);
  if ((apiBase ?? DEFAULT_API_BASE) !== c.apiBase) body.apiBase = apiBase;
  if (pem(v.caPem) !== (c.caPem ? pem(c.caPem) : null)) body.caPem = pem(v.caPem);
  return body;
}

// ------------------------------------------------------------------ the test result

const STATUS_ICON: Record<CheckStatus, ReactNode> = {
  ok: <CheckCircleFilled style={{ color: '#52c41a', fontSize: 18 }} />,
  failed: <CloseCircleFilled style={{ color: '#ff4d4f', fontSize: 18 }} />,
  warning: <ExclamationCircleFilled style={{ color: '#faad14', fontSize: 18 }} />,
  skipped: <MinusCircleFilled style={{ color: '#bfbfbf', fontSize: 18 }} />,
};
const STATUS_COLOR: Record<CheckStatus, string> = { ok: 'success', failed: 'error', warning: 'warning', skipped: 'default' };

function TestResultView({ result, t }: { result: TestResult; t: T }) {
  const explain = useExplain();
  const warned = result.checks.some((c) => c.status === 'warning');
  const label = (k: string): string => t(k as keyof typeof messages.en);
  const routeText = (r: string | null | undefined) => (r === 'direct' ? t('direct') : (r ?? '—'));
  return (
    <div data-testid="test-result" data-ok={String(result.ok)}>
      <Alert
        type={result.ok ? (warned ? 'warning' : 'success') : 'error'}
        showIcon
        title={result.ok ? (warned ? t('testOkWarnings') : t('testOk')) : t('testNotOk')}
        style={{ marginBottom: 12 }}
      />
      <Flex vertical gap={0} style={{ border: '1px solid #f0f0f0', borderRadius: 8 }}>
        {result.checks.map((c, i) => (
          <Flex
            key={c.name}
            data-testid={`check-${c.name}`}
            data-status={c.status}
            gap={12}
            align="flex-start"
            style={{ padding: '12px 16px', borderTop: i ? '1px solid #f0f0f0' : undefined }}
          >
            <div style={{ paddingTop: 2 }}>{STATUS_ICON[c.status]}</div>
            <div style={{ flex: 1, minWidth: 0 }}>
              <Space wrap size={8}>
                <Typography.Text strong>{label(`check-${c.name}`)}</Typography.Text>
                <Tag color={STATUS_COLOR[c.status]}>{label(`status-${c.status}`)}</Tag>
              </Space>
              <Typography.Paragraph style={{ margin: '4px 0 0' }}>{explain(c.message)}</Typography.Paragraph>
              {(c.errcode !== undefined || c.route || c.egressIp) && (
                <Space wrap size={16} style={{ marginTop: 4 }}>
                  {c.errcode !== undefined && (
                    <Typography.Text type="secondary">
                      {t('errcode')} <Typography.Text code>{c.errcode}</Typography.Text>
                    </Typography.Text>
                  )}
                  {c.route && (
                    <Typography.Text type="secondary">
                      {t('route')} <Typography.Text code>{routeText(c.route)}</Typography.Text>
                    </Typography.Text>
                  )}
                  {c.egressIp && (
                    <Typography.Text type="secondary">
                      {t('egressIp')} <Typography.Text code>{c.egressIp}</Typography.Text>
                    </Typography.Text>
                  )}
                </Space>
              )}
            </div>
          </Flex>
        ))}
      </Flex>
      <Descriptions
        size="small"
        column={1}
        style={{ marginTop: 16 }}
        items={[
          { key: 'route', label: t('route'), children: <span data-testid="test-route">{routeText(result.route)}</span> },
          {
            key: 'egress',
            label: t('egressIp'),
            children: (
              <Space wrap>
                <Typography.Text data-testid="test-egress-ip" code={!!result.egressIp} copyable={!!result.egressIp}>
                  {result.egressIp ?? t('egressIpUnknown')}
                </Typography.Text>
                {result.egressIp && <Typography.Text type="secondary">{t('egressIpHelp')}</Typography.Text>}
              </Space>
            ),
          },
        ]}
      />
      {result.routes.length > 0 && (
        <Table
          size="small"
          style={{ marginTop: 8 }}
          rowKey="route"
          pagination={false}
          title={() => <Typography.Text strong>{t('routes')}</Typography.Text>}
          dataSource={result.routes}
          columns={[
            { title: t('route'), dataIndex: 'route', render: (r: string) => <Typography.Text code>{routeText(r)}</Typography.Text> },
            { title: '', dataIndex: 'healthy', render: (h: boolean) => <Tag color={h ? 'success' : 'error'}>{h ? t('healthy') : t('unhealthy')}</Tag> },
            { title: t('egressIp'), dataIndex: 'egressIp', render: (v: string | null) => v ?? '—' },
            { title: t('lastError'), dataIndex: 'lastError', render: (v: string | null) => v ?? '—' },
          ]}
        />
      )}
    </div>
  );
}

// ------------------------------------------------------------------ the page

export function ConnectionFormPage() {
  const { name } = useParams();
  return <ConnectionForm key={name ?? '(new)'} name={name ?? null} />;
}

function ConnectionForm({ name }: { name: string | null }) {
  const t = useT(messages);
  const isAdmin = useIsAdmin();
  const navigate = useNavigate();
  const location = useLocation();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const isNew = name === null;

  const [conn, setConn] = useState<Connection | null>(null);
  const [loadError, setLoadError] = useState<{ status: number; message: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const [dirty, setDirty] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [otherErrors, setOtherErrors] = useState<{ field: string; message: string }[]>([]);
  const navState = (location.state ?? {}) as { created?: boolean; warnings?: string[] };
  const [warnings, setWarnings] = useState<string[]>(navState.warnings ?? []);
  const [advancedOpen, setAdvancedOpen] = useState(false);
  const [testing, setTesting] = useState(false);
  const [testResult, setTestResult] = useState<TestResult | null>(null);
  const [testError, setTestError] = useState<string | null>(null);
  const testCard = useRef<HTMLDivElement>(null);

  const load = useCallback(async () => {
    if (name === null) return;
    try {
      const c = await get<Connection>(`/connections/${seg(name)}`);
      setConn(c);
      form.setFieldsValue(fromConnection(c));
      if (c.apiBase !== DEFAULT_API_BASE || c.caPem) setAdvancedOpen(true);
      setDirty(false);
    } catch (e) {
      setLoadError({ status: e instanceof ApiError ? e.status : 0, message: e instanceof Error ? e.message : String(e) });
    }
  }, [name, form]);

  useEffect(() => {
    void load();
  }, [load]);

  const showErrors = (e: unknown) => {
    if (e instanceof ApiError && e.errors.length > 0 && (e.status === 422 || e.status === 400)) {
      const extattrCount = (form.getFieldValue('extattrs') as unknown[] | undefined)?.length ?? 0;
      const { fields, rest } = splitFieldErrors(e.errors, (p) => {
        const top = String(p[0]);
        if (!FORM_FIELDS.has(top)) return false;
        if (top === 'extattrs' && p.length > 1) return typeof p[1] === 'number' && p[1] < extattrCount;
        return true;
      });
      form.setFields(fields.map((f) => ({ name: f.name as never, errors: f.errors })));
      if (fields.some((f) => ADVANCED_FIELDS.has(String(f.name[0])))) setAdvancedOpen(true);
      setOtherErrors(rest);
      setFormError(t('fixFields'));
      if (fields[0]) form.scrollToField(fields[0].name as never);
    } else {
      setOtherErrors([]);
      setFormError(e instanceof Error ? e.message : String(e));
    }
  };

  const save = async (v: FormValues) => {
    setFormError(null);
    setOtherErrors([]);
    if (isNew) {
      setSaving(true);
      try {
        const c = await post<Connection>('/connections', createBody(v));
        void message.success(t('created'));
        navigate(`/connections/${encodeURIComponent(c.name)}`, { replace: true, state: { created: true, warnings: c.warnings ?? [] } });
      } catch (e) {
        showErrors(e);
      } finally {
        setSaving(false);
      }
      return;
    }
    if (!conn) return;
    const body = patchBody(v, conn);
    if (Object.keys(body).length === 0) {
      void message.info(t('nothingChanged'));
      return;
    }
    setSaving(true);
    try {
      const c = await patch<Connection>(`/connections/${seg(conn.name)}`, body);
      void message.success(t('saved'));
      setWarnings(c.warnings ?? []);
      if (c.name !== conn.name) {
        navigate(`/connections/${encodeURIComponent(c.name)}`, { replace: true, state: { warnings: c.warnings ?? [] } });
        return;
      }
      setConn(c);
      form.resetFields();
      form.setFieldsValue(fromConnection(c));
      setDirty(false);
    } catch (e) {
      showErrors(e);
    } finally {
      setSaving(false);
    }
  };

  const runTest = async () => {
    if (!conn) return;
    setTesting(true);
    setTestError(null);
    setTestResult(null);
    try {
      setTestResult(await post<TestResult>(`/connections/${seg(conn.name)}/test`));
    } catch (e) {
      setTestError(e instanceof Error ? e.message : String(e));
    } finally {
      setTesting(false);
      setTimeout(() => testCard.current?.scrollIntoView({ behavior: 'smooth', block: 'start' }), 50);
    }
  };

  const remove = async () => {
    if (!conn) return;
    try {
      await del(`/connections/${seg(conn.name)}`);
      void message.success(t('deleted'));
      navigate('/connections');
    } catch (e) {
      void message.error(e instanceof Error ? e.message : String(e));
    }
  };

  const header = (
    <Flex justify="space-between" align="center" wrap gap={8} style={{ margin: '8px 0 16px' }}>
      <div>
        <Link to="/connections">
          <ArrowLeftOutlined /> {t('back')}
        </Link>
        <Typography.Title level={3} style={{ margin: '4px 0 0' }}>
          {isNew ? t('newTitle') : t('editTitle', { name: conn?.name ?? name ?? '' })}
        </Typography.Title>
      </div>
      {conn && (
        <Space wrap>
          <Link to={`/connections/${encodeURIComponent(conn.name)}/mapping`}>
            <Button>{t('mapping')}</Button>
          </Link>
          <Link to={`/connections/${encodeURIComponent(conn.name)}/plan`}>
            <Button>{t('plan')}</Button>
          </Link>
          <Link to={`/connections/${encodeURIComponent(conn.name)}/runs`}>
            <Button>{t('runs')}</Button>
          </Link>
        </Space>
      )}
    </Flex>
  );

  if (loadError)
    return (
      <>
        {header}
        <Alert type="error" showIcon title={loadError.status === 404 ? t('notFound') : t('loadFailed')} description={loadError.message} />
      </>
    );
  if (!isNew && !conn)
    return (
      <>
        {header}
        <Spin style={{ display: 'block', marginTop: 80 }} />
      </>
    );

  const editing = !isNew;
  const readOnly = !isAdmin;

  return (
    <>
      {header}
      {navState.created && <Alert type="success" showIcon title={t('createdHint')} style={{ marginBottom: 16, maxWidth: 860 }} closable />}
      {warnings.length > 0 && (
        <Alert
          data-testid="connection-warnings"
          type="warning"
          showIcon
          title={t('warnings')}
          description={
            <ul style={{ margin: 0, paddingLeft: 20 }}>
              {warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          }
          style={{ marginBottom: 16, maxWidth: 860 }}
          closable={{ onClose: () => setWarnings([]) }}
        />
      )}
      <Card style={{ maxWidth: 860 }}>
        <Form<FormValues>
          form={form}
          layout="vertical"
          initialValues={emptyValues()}
          disabled={readOnly}
          onFinish={(v) => void save(v)}
          onValuesChange={() => setDirty(true)}
          scrollToFirstError
        >
          <Form.Item name="name" label={t('name')} extra={t('nameHelp')} rules={[{ required: true, whitespace: true, message: t('required') }]}>
            <Input data-testid="field-name" maxLength={64} autoComplete="off" />
          </Form.Item>
          <Form.Item name="corpId" label={t('corpId')} extra={t('corpIdHelp')} rules={[{ required: true, whitespace: true, message: t('required') }]}>
            <Input data-testid="field-corpId" style={mono} placeholder="ww0123456789abcdef" autoComplete="off" />
          </Form.Item>
          <Form.Item
            label={
              <Space>
                {t('secret')}
                {editing && <Tag color={conn?.hasSecret ? 'success' : 'default'}>{conn?.hasSecret ? t('secretStored') : t('secretMissing')}</Tag>}
              </Space>
            }
            required={isNew}
            extra={editing && conn?.hasSecret ? `${t('secretKeepHelp')} ${t('secretHelp')}` : t('secretHelp')}
          >
            <Form.Item name="secret" noStyle rules={isNew || !conn?.hasSecret ? [{ required: true, whitespace: true, message: t('required') }] : []}>
              <Input.Password
                data-testid="field-secret"
                autoComplete="new-password"
                placeholder={editing && conn?.hasSecret ? t('secretPlaceholderKeep') : undefined}
              />
            </Form.Item>
          </Form.Item>
          <Flex gap={16} wrap>
            <Form.Item
              name="rootDepartmentId"
              label={t('rootDepartmentId')}
              extra={t('rootHelp')}
              rules={[{ required: true, message: t('required') }]}
              style={{ flex: '1 1 280px' }}
            >
              <InputNumber data-testid="field-rootDepartmentId" min={1} precision={0} style={{ width: '100%' }} />
            </Form.Item>
            <Form.Item name="defaultDepartmentId" label={t('defaultDepartmentId')} extra={t('defaultHelp')} style={{ flex: '1 1 280px' }}>
              <InputNumber data-testid="field-defaultDepartmentId" min={1} precision={0} style={{ width: '100%' }} />
            </Form.Item>
          </Flex>
          <Form.Item label={t('extattrs')} extra={t('extattrsHelp')}>
            <Form.List name="extattrs">
              {(fields, { add, remove }, { errors }) => (
                <Flex vertical gap={8}>
                  {fields.map((f) => (
                    <Flex key={f.key} gap={8} align="flex-start" data-testid={`extattr-${f.name}`}>
                      <Form.Item name={[f.name, 'name']} rules={[{ required: true, whitespace: true, message: t('required') }]} style={{ marginBottom: 0, flex: '0 1 200px' }}>
                        <Input data-testid={`field-extattrs-${f.name}-name`} placeholder={t('extattrName')} />
                      </Form.Item>
                      <Form.Item name={[f.name, 'type']} style={{ marginBottom: 0, width: 100 }}>
                        <Select
                          data-testid={`field-extattrs-${f.name}-type`}
                          options={[
                            { value: 'text', label: t('text') },
                            { value: 'web', label: t('web') },
                          ]}
                        />
                      </Form.Item>
                      <Form.Item name={[f.name, 'expression']} style={{ marginBottom: 0, flex: 1 }}>
                        <Input data-testid={`field-extattrs-${f.name}-expression`} style={mono} placeholder={t('extattrExpression')} />
                      </Form.Item>
                      {!readOnly && <Button type="text" icon={<MinusCircleOutlined />} onClick={() => remove(f.name)} aria-label="remove" />}
                    </Flex>
                  ))}
                  <Form.ErrorList errors={errors} />
                  {!readOnly && (
                    <div>
                      <Button data-testid="extattr-add" type="dashed" icon={<PlusOutlined />} onClick={() => add({ name: '', type: 'text', expression: '' })}>
                        {t('extattrAdd')}
                      </Button>
                    </div>
                  )}
                </Flex>
              )}
            </Form.List>
          </Form.Item>
          <Form.Item name="proxies" label={t('proxies')} extra={t('proxiesHelp')}>
            <Input.TextArea data-testid="field-proxies" autoSize={{ minRows: 2, maxRows: 6 }} style={mono} placeholder={'10.0.0.5:3128\n10.0.0.6:3128'} />
          </Form.Item>
          <Flex gap={16} wrap>
            <Form.Item name="proxyUsername" label={t('proxyUsername')} extra={t('proxyUsernameHelp')} style={{ flex: '1 1 280px' }}>
              <Input data-testid="field-proxyUsername" autoComplete="off" />
            </Form.Item>
            <Form.Item
              label={
                <Space>
                  {t('proxyPassword')}
                  {editing && conn?.hasProxyPassword && <Tag color="success">{t('secretStored')}</Tag>}
                </Space>
              }
              extra={editing && conn?.hasProxyPassword ? t('proxyPasswordKeepHelp') : t('proxyPasswordHelp')}
              style={{ flex: '1 1 280px' }}
            >
              <Form.Item name="proxyPassword" noStyle>
                <Input.Password
                  data-testid="field-proxyPassword"
                  autoComplete="new-password"
                  placeholder={editing && conn?.hasProxyPassword ? t('secretPlaceholderKeep') : undefined}
                />
              </Form.Item>
              {editing && conn?.hasProxyPassword && (
                <Form.Item name="clearProxyPassword" valuePropName="checked" noStyle>
                  <Checkbox data-testid="field-clearProxyPassword" style={{ marginTop: 8 }}>
                    {t('clearProxyPassword')}
                  </Checkbox>
                </Form.Item>
              )}
            </Form.Item>
          </Flex>
          <Collapse
            activeKey={advancedOpen ? ['advanced'] : []}
            onChange={(keys) => setAdvancedOpen((Array.isArray(keys) ? keys : [keys]).includes('advanced'))}
            style={{ marginBottom: 24 }}
            items={[
              {
                key: 'advanced',
                forceRender: true,
                label: (
                  <span data-testid="advanced-toggle">
                    {t('advanced')} <Typography.Text type="secondary">— {t('advancedHelp')}</Typography.Text>
                  </span>
                ),
                children: (
                  <>
                    <Form.Item name="apiBase" label={t('apiBase')} extra={t('apiBaseHelp')}>
                      <Input data-testid="field-apiBase" style={mono} placeholder={DEFAULT_API_BASE} autoComplete="off" />
                    </Form.Item>
                    <Form.Item name="caPem" label={t('caPem')} extra={t('caPemHelp')} style={{ marginBottom: 0 }}>
                      <Input.TextArea data-testid="field-caPem" autoSize={{ minRows: 3, maxRows: 12 }} style={{ ...mono, fontSize: 12 }} placeholder="-----BEGIN CERTIFICATE-----" />
                    </Form.Item>
                  </>
                ),
              },
            ]}
          />
          {formError && (
            <Alert
              data-testid="connection-error"
              type="error"
              showIcon
              title={`${t('saveFailed')}: ${formError}`}
              description={
                otherErrors.length > 0 ? (
                  <ul style={{ margin: 0, paddingLeft: 20 }}>
                    {otherErrors.map((e) => (
                      <li key={e.field + e.message}>
                        <Typography.Text code>{e.field}</Typography.Text> {e.message}
                      </li>
                    ))}
                  </ul>
                ) : undefined
              }
              style={{ marginBottom: 16 }}
            />
          )}
          {isAdmin && (
            <Flex justify="space-between" wrap gap={8}>
              <Space wrap>
                <Button data-testid="connection-save" type="primary" htmlType="submit" icon={<SaveOutlined />} loading={saving}>
                  {isNew ? t('create') : t('save')}
                </Button>
                {editing && (
                  <Button data-testid="connection-test" icon={<ThunderboltOutlined />} loading={testing} onClick={() => void runTest()} disabled={false}>
                    {testing ? t('testing') : t('test')}
                  </Button>
                )}
                {editing && dirty && <Typography.Text type="secondary">{t('testDirty')}</Typography.Text>}
              </Space>
              {editing && conn && (
                <Popconfirm
                  title={t('deleteConfirm', { name: conn.name })}
                  okText={t('deleteOk')}
                  cancelText={t('cancel')}
                  okButtonProps={{ danger: true }}
                  onConfirm={() => remove()}
                >
                  <Button data-testid="connection-delete" danger icon={<DeleteOutlined />} disabled={false}>
                    {t('delete')}
                  </Button>
                </Popconfirm>
              )}
            </Flex>
          )}
        </Form>
      </Card>
      {(testing || testResult || testError) && (
        <Card ref={testCard} title={t('test')} style={{ maxWidth: 860, marginTop: 16 }}>
          {testing && <Spin />}
          {testError && <Alert data-testid="test-error" type="error" showIcon title={t('testFailed')} description={testError} />}
          {testResult && <TestResultView result={testResult} t={t} />}
        </Card>
      )}
    </>
  );
}
