// The mapping editor of one connection: how each WeCom field is computed from the directory with
// expressions of the mapping language, with a live preview for a sample account. Every edit
// re-runs POST /connections/:name/mapping/preview (debounced) with the definition as typed, so
// the admin sees each field's value, "absent", or the error with a caret under its position.
// Save = PUT {definition}; "Reset to default" = PUT {definition: null}.
import { ArrowLeftOutlined, MinusCircleOutlined, PlusOutlined, ReloadOutlined, SaveOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Collapse, Empty, Flex, Form, Input, Popconfirm, Row, Select, Space, Spin, Switch, Tag, Typography } from 'antd';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, type FieldError, get, post, put, seg } from '../api';
import { splitFieldErrors } from '../components/ConnTypes';
import { type Messages, useLang, useT } from '../i18n';
import { useIsAdmin } from '../session';

// ------------------------------------------------------------------ the definition (src/mapping/definitions/types.ts)

const DEPARTMENT_FIELDS = ['name', 'name_en', 'order', 'id'] as const;
const MEMBER_FIELDS = [
  'userid', 'name', 'alias', 'mobile', 'email', 'biz_mail', 'telephone', 'position', 'gender', 'enable', 'address', 'external_position', 'to_invite',
] as const;
type DepartmentField = (typeof DEPARTMENT_FIELDS)[number];
type MemberField = (typeof MEMBER_FIELDS)[number];
const REQUIRED = new Set(['departments.name', 'members.userid', 'members.name']);

type ExtAttrDefinition = { name: string; type: 'text'; value: string } | { name: string; type: 'web'; url: string; title: string };

interface MappingDefinition {
  version: 1;
  departments: Partial<Record<DepartmentField, string>>;
  members: Partial<Record<MemberField, string>>;
  affiliation: { mode: 'all-organizations' | 'primary-only'; leaderExpression?: string; directLeader?: 'manager' | 'none' };
  extattrs: ExtAttrDefinition[];
  scope: { organizationRoots?: string[]; organizationFilter?: string; accountFilter?: string; includeDisabledAccounts?: boolean };
  matching: { members: ('userid' | 'mobile' | 'email')[]; departments: 'id' | 'name-path' | 'none' };
}

interface MappingAnswer {
  definition: MappingDefinition;
  isDefault: boolean;
  version: number;
}

type Scalar = string | number | boolean | null;
interface FieldPreview {
  source: string;
  value?: Scalar;
  raw?: Scalar;
  absent?: true;
  error?: { code: string; message: string; position?: { offset: number; line: number; column: number }; pointer?: string };
}
interface PreviewAnswer {
  fields: Record<string, FieldPreview>;
  member: object | null;
  inScope: boolean;
  problems: { field: string; message: string; effect: string; code?: string }[];
  context: object;
}

interface AccountItem {
  id: string;
  username: string;
  displayName: string;
}

/** The form's values: every expression as a string ('' = not mapped), extattrs with all three value fields. */
interface FormValues {
  departments: Record<DepartmentField, string>;
  members: Record<MemberField, string>;
  affiliation: { mode: 'all-organizations' | 'primary-only'; leaderExpression: string; directLeader: 'manager' | 'none' };
  extattrs: { name: string; type: 'text' | 'web'; value: string; url: string; title: string }[];
  scope: { organizationRoots: string[]; organizationFilter: string; accountFilter: string; includeDisabledAccounts: boolean };
  matching: MappingDefinition['matching'];
}

function toForm(d: MappingDefinition): FormValues {
  return {
    departments: Object.fromEntries(DEPARTMENT_FIELDS.map((f) => [f, d.departments?.[f] ?? ''])) as Record<DepartmentField, string>,
    members: Object.fromEntries(MEMBER_FIELDS.map((f) => [f, d.members?.[f] ?? ''])) as Record<MemberField, string>,
    affiliation: {
      mode: d.affiliation?.mode ?? 'all-organizations',
      leaderExpression: d.affiliation?.leaderExpression ?? '',
      directLeader: d.affiliation?.directLeader ?? 'manager',
    },
    extattrs: (d.extattrs ?? []).map((a) =>
      a.type === 'web' ? { name: a.name, type: 'web', value: '', url: a.url, title: a.title } : { name: a.name, type: 'text', value: a.value, url: '', title: '' },
    ),
    scope: {
      organizationRoots: d.scope?.organizationRoots ?? [],
      organizationFilter: d.scope?.organizationFilter ?? '',
      accountFilter: d.scope?.accountFilter ?? '',
      includeDisabledAccounts: d.scope?.includeDisabledAccounts ?? true,
    },
    matching: { members: d.matching?.members ?? ['userid', 'mobile', 'email'], departments: d.matching?.departments ?? 'name-path' },
  };
}

const blank = (s: string | undefined | null): boolean => (s ?? '').trim() === '';

/** The definition as typed: optional expressions left empty are left out; required ones are sent as typed (the server says what is wrong). */
function fromForm(v: FormValues): MappingDefinition {
  const exprs = <F extends string>(group: string, fields: readonly F[], values: Record<F, string> | undefined): Partial<Record<F, string>> => {
    const out: Partial<Record<F, string>> = {};
    for (const f of fields) {
      const s = values?.[f] ?? '';
      if (!blank(s) || REQUIRED.has(`${group}.${f}`)) out[f] = s;
    }
    return out;
  };
  const scope: MappingDefinition['scope'] = {};
  if (v.scope?.organizationRoots?.length) scope.organizationRoots = v.scope.organizationRoots;
  if (!blank(v.scope?.organizationFilter)) scope.organizationFilter = v.scope.organizationFilter;
  if (!blank(v.scope?.accountFilter)) scope.accountFilter = v.scope.accountFilter;
  scope.includeDisabledAccounts = v.scope?.includeDisabledAccounts ?? true;
  return {
    version: 1,
    departments: exprs('departments', DEPARTMENT_FIELDS, v.departments),
    members: exprs('members', MEMBER_FIELDS, v.members),
    affiliation: {
      mode: v.affiliation?.mode ?? 'all-organizations',
      ...(!blank(v.affiliation?.leaderExpression) ? { leaderExpression: v.affiliation.leaderExpression } : {}),
      directLeader: v.affiliation?.directLeader ?? 'manager',
    },
    extattrs: (v.extattrs ?? []).map((a) =>
      a?.type === 'web' ? { name: a.name ?? '', type: 'web', url: a.url ?? '', title: a.title ?? '' } : { name: a?.name ?? '', type: 'text', value: a?.value ?? '' },
    ),
    scope,
    matching: { members: v.matching?.members ?? [], departments: v.matching?.departments ?? 'name-path' },
  };
}

// ------------------------------------------------------------------ texts

const messages = {
  zh: {
    back: '连接：{name}',
    title: '字段映射：{name}',
    intro: '每个企业微信字段由一个表达式从目录数据计算得出。修改后右侧的预览会立即用示例账号重新计算。',
    isDefault: '默认映射',
    customized: '已自定义',
    version: '版本 {v}',
    unsaved: '未保存的修改',
    save: '保存',
    reset: '恢复默认',
    resetConfirm: '放弃自定义映射，恢复为默认映射？',
    resetOk: '恢复',
    cancel: '取消',
    saved: '映射已保存',
    resetDone: '已恢复为默认映射',
    saveFailed: '保存失败',
    fixFields: '请修正标出的字段',
    loadFailed: '无法读取映射',
    members: '成员字段',
    membersHelp: '表达式读取账号：username、display_name、mobile、email、title、employee_number、attrs.*、primary_organization.*、manager.* 等。留空表示不映射该字段。',
    departments: '部门字段',
    departmentsHelp: '表达式读取组织：name、code、order、path、depth、attrs.*、parent.* 等。',
    'm-userid': '账号',
    'm-name': '姓名',
    'm-alias': '别名',
    'm-mobile': '手机',
    'm-email': '邮箱',
    'm-biz_mail': '企业邮箱',
    'm-telephone': '座机',
    'm-position': '职务',
    'm-gender': '性别',
    'm-enable': '启用',
    'm-address': '地址',
    'm-external_position': '对外职务',
    'm-to_invite': '发送邀请',
    'd-name': '部门名称',
    'd-name_en': '英文名称',
    'd-order': '排序',
    'd-id': '部门ID（按ID匹配）',
    affiliation: '所属部门',
    mode: '部门归属',
    'mode-all-organizations': '所有所属组织（主组织在前）',
    'mode-primary-only': '仅主组织',
    directLeader: '直属上级',
    'leader-manager': '来自账号的上级（manager）',
    'leader-none': '不设置',
    leaderExpression: '部门负责人规则',
    leaderExpressionHelp: '对账号的每个所属组织计算，得到布尔值；可使用 organization.*，例如 organization.attrs.leader == username。留空表示不设置负责人。',
    extattrs: '扩展属性',
    extattrsHelp: '名称须与企业微信后台配置的扩展属性一致。文本类型填写取值表达式；网页类型填写网址和标题表达式。',
    extattrName: '属性名称',
    extattrValue: '取值表达式',
    extattrUrl: '网址表达式',
    extattrTitle: '标题表达式',
    text: '文本',
    web: '网页',
    addExtattr: '添加扩展属性',
    scope: '同步范围',
    organizationRoots: '范围根组织（ID）',
    organizationRootsHelp: '只同步这些组织的子树；留空表示整个目录。',
    organizationFilter: '组织筛选',
    organizationFilterHelp: '对组织计算的布尔表达式；为假时该组织及其子树不同步，例如 status == "enabled"。',
    accountFilter: '账号筛选',
    accountFilterHelp: '对账号计算的布尔表达式；为假时该账号不同步。',
    includeDisabled: '包含已禁用账号（在企业微信中禁用）',
    matching: '匹配已有数据',
    matchingHelp: '首次同步到已有数据的企业时，如何认领企业微信中已存在的成员和部门。',
    matchMembers: '成员匹配顺序',
    matchDepartments: '部门匹配',
    'match-id': '按部门ID（departments.id）',
    'match-name-path': '按名称路径',
    'match-none': '不匹配',
    matchNone: '从不认领',
    preview: '预览',
    account: '示例账号',
    accountPlaceholder: '搜索用户名或姓名',
    noAccounts: '目录中还没有账号',
    inScope: '在同步范围内',
    outOfScope: '不在同步范围内',
    absent: '空（不设置）',
    raw: '原始值',
    problems: '问题',
    member: '生成的成员',
    context: '表达式可用的数据',
    compileErrors: '映射无法编译',
    previewFailed: '预览失败',
    previewing: '计算中…',
    notMapped: '未映射',
    cheatsheet: '表达式速查',
  },
  en: {
    back: 'Connection: {name}',
    title: 'Mapping: {name}',
    intro: 'Each WeCom field is computed from the directory by an expression. The preview on the right recomputes for a sample account as you type.',
    isDefault: 'Default mapping',
    customized: 'Customized',
    version: 'version {v}',
    unsaved: 'Unsaved changes',
    save: 'Save',
    reset: 'Reset to default',
    resetConfirm: 'Drop the customized mapping and go back to the default?',
    resetOk: 'Reset',
    cancel: 'Cancel',
    saved: 'Mapping saved',
    resetDone: 'Back to the default mapping',
    saveFailed: 'Could not save',
    fixFields: 'Please correct the marked fields',
    loadFailed: 'Could not read the mapping',
    members: 'Member fields',
    membersHelp: 'Expressions read the account: username, display_name, mobile, email, title, employee_number, attrs.*, primary_organization.*, manager.* … Leave a field empty not to map it.',
    departments: 'Department fields',
    departmentsHelp: 'Expressions read the organization: name, code, order, path, depth, attrs.*, parent.* …',
    'm-userid': 'User ID',
    'm-name': 'Name',
    'm-alias': 'Alias',
    'm-mobile': 'Mobile',
    'm-email': 'Email',
    'm-biz_mail': 'Business email',
    'm-telephone': 'Telephone',
    'm-position': 'Position',
    'm-gender': 'Gender',
    'm-enable': 'Enabled',
    'm-address': 'Address',
    'm-external_position': 'External position',
    'm-to_invite': 'Send invitation',
    'd-name': 'Name',
    'd-name_en': 'English name',
    'd-order': 'Order',
    'd-id': 'Department ID (match by id)',
    affiliation: 'Departments of a member',
    mode: 'Member of',
    'mode-all-organizations': 'every organization (primary first)',
    'mode-primary-only': 'the primary organization only',
    directLeader: 'Direct leader',
    'leader-manager': "the account's manager",
    'leader-none': 'not set',
    leaderExpression: 'Department leader rule',
    leaderExpressionHelp: 'Evaluated for each organization of the account, gives a boolean; can read organization.*, e.g. organization.attrs.leader == username. Empty = no leaders.',
    extattrs: 'Extended attributes',
    extattrsHelp: 'Names must match the extended attributes configured in WeCom. Text: a value expression; web: URL and title expressions.',
    extattrName: 'Attribute name',
    extattrValue: 'Value expression',
    extattrUrl: 'URL expression',
    extattrTitle: 'Title expression',
    text: 'Text',
    web: 'Web',
    addExtattr: 'Add an attribute',
    scope: 'Scope',
    organizationRoots: 'Scope roots (organization ids)',
    organizationRootsHelp: 'Only these subtrees are synced; empty = the whole directory.',
    organizationFilter: 'Organization filter',
    organizationFilterHelp: 'Boolean expression over an organization; false leaves it and its subtree out, e.g. status == "enabled".',
    accountFilter: 'Account filter',
    accountFilterHelp: 'Boolean expression over an account; false leaves it out.',
    includeDisabled: 'Include disabled accounts (disabled in WeCom)',
    matching: 'Matching existing data',
    matchingHelp: 'How members and departments already in WeCom are adopted on the first sync into a company that has data.',
    matchMembers: 'Match members by, in order',
    matchDepartments: 'Match departments',
    'match-id': 'by department id (departments.id)',
    'match-name-path': 'by name path',
    'match-none': 'never',
    matchNone: 'never adopt',
    preview: 'Preview',
    account: 'Sample account',
    accountPlaceholder: 'search a username or name',
    noAccounts: 'No accounts in the directory yet',
    inScope: 'in scope',
    outOfScope: 'out of scope',
    absent: 'absent (not set)',
    raw: 'raw',
    problems: 'Problems',
    member: 'The resulting member',
    context: 'Data the expressions can read',
    compileErrors: 'The mapping does not compile',
    previewFailed: 'The preview failed',
    previewing: 'computing…',
    notMapped: 'not mapped',
    cheatsheet: 'Expression cheat sheet',
  },
} satisfies Messages;
type Key = keyof typeof messages.en;

const mono = { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' };
const pre = { ...mono, fontSize: 12, margin: '4px 0 0', padding: 8, background: '#fafafa', border: '1px solid #f0f0f0', borderRadius: 6, whiteSpace: 'pre' as const, overflowX: 'auto' as const };

const CHEATSHEET = [
  ['lower(username)', 'zhangsan'],
  ['coalesce(attrs.nickname, display_name)', '…'],
  ['concat(display_name, " (", employee_number, ")")', '张三 (E001)'],
  ['if(status == "disabled", 0, 1)', '1'],
  ['phone(mobile)', '+86 13800000000'],
  ['regex_replace(email, "@old\\\\.com$", "@new.com")', '…'],
  ['substring(name, 0, 32)', '…'],
  ['primary_organization.name', '销售部'],
  ['manager.username', 'lisi'],
];

// ------------------------------------------------------------------ preview

/** A 422 message: its first line (without a repeated `field: ` prefix) and the expression pointer after it. */
function splitMessage(field: string, message: string): { text: string; pointer: string | null } {
  const nl = message.indexOf('\n');
  let text = nl < 0 ? message : message.slice(0, nl);
  if (text.startsWith(`${field}: `)) text = text.slice(field.length + 2);
  return { text, pointer: nl < 0 ? null : message.slice(nl + 1) };
}

function formatValue(v: Scalar | undefined): string {
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

const FIELD_ORDER = [...MEMBER_FIELDS.map((f) => `members.${f}`), ...DEPARTMENT_FIELDS.map((f) => `departments.${f}`)];
function orderFields(paths: string[]): string[] {
  const rank = (p: string) => {
    const i = FIELD_ORDER.indexOf(p);
    if (i >= 0) return i;
    if (p.startsWith('extattrs')) return 100;
    if (p.startsWith('scope')) return 200;
    return 300;
  };
  return [...paths].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function PreviewRow({ path, f, label }: { path: string; f: FieldPreview; label: string | null }) {
  const t = useT(messages);
  const state = f.error ? 'error' : f.absent ? 'absent' : 'value';
  return (
    <div data-testid={`preview-${path}`} data-state={state} style={{ padding: '8px 0', borderTop: '1px solid #f0f0f0' }}>
      <Flex justify="space-between" gap={8} wrap>
        <Space size={6}>
          <Typography.Text code style={{ fontSize: 12 }}>
            {path}
          </Typography.Text>
          {label && <Typography.Text type="secondary">{label}</Typography.Text>}
        </Space>
      </Flex>
      <div style={{ marginTop: 2 }}>
        {f.error ? (
          <>
            <Space size={4} wrap>
              <Tag color="error">{f.error.code}</Tag>
              <Typography.Text type="danger">{f.error.message}</Typography.Text>
            </Space>
            {f.error.pointer && <pre style={{ ...pre, borderColor: '#ffccc7', background: '#fff2f0' }}>{f.error.pointer}</pre>}
          </>
        ) : f.absent ? (
          <Space size={4}>
            <Tag>{t('absent')}</Tag>
            {f.raw !== undefined && f.raw !== null && (
              <Typography.Text type="secondary">
                {t('raw')}: <Typography.Text code>{JSON.stringify(f.raw)}</Typography.Text>
              </Typography.Text>
            )}
          </Space>
        ) : (
          <Space size={8} wrap>
            <Typography.Text strong style={{ ...mono, wordBreak: 'break-all' }}>
              {formatValue(f.value)}
            </Typography.Text>
            {f.raw !== undefined && JSON.stringify(f.raw) !== JSON.stringify(f.value) && (
              <Typography.Text type="secondary">
                {t('raw')}: <Typography.Text code>{JSON.stringify(f.raw)}</Typography.Text>
              </Typography.Text>
            )}
          </Space>
        )}
      </div>
    </div>
  );
}

function CompileError({ e }: { e: FieldError }) {
  const { text, pointer } = splitMessage(e.field, e.message);
  return (
    <div data-testid={`preview-error-${e.field}`}>
      <Typography.Text code>{e.field}</Typography.Text> <Typography.Text>{text}</Typography.Text>
      {pointer && <pre style={{ ...pre, background: '#fff', borderColor: '#ffccc7' }}>{pointer}</pre>}
    </div>
  );
}

function AccountPicker({ value, onChange }: { value: string | null; onChange: (id: string | null) => void }) {
  const t = useT(messages);
  const [options, setOptions] = useState<AccountItem[]>([]);
  const [selected, setSelected] = useState<AccountItem | null>(null);
  const [loading, setLoading] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const seq = useRef(0);

  const search = useCallback(
    async (q: string) => {
      const n = ++seq.current;
      setLoading(true);
      try {
        const qs = new URLSearchParams({ limit: '20' });
        if (q.trim()) qs.set('q', q.trim());
        const r = await get<{ items: AccountItem[] }>(`/accounts?${qs}`);
        if (n !== seq.current) return;
        setOptions(r.items);
        if (value === null && !q && r.items[0]) {
          setSelected(r.items[0]);
          onChange(r.items[0].id);
        }
      } catch {
        if (n === seq.current) setOptions([]);
      } finally {
        if (n === seq.current) setLoading(false);
      }
    },
    [value, onChange],
  );

  useEffect(() => {
    void search('');
    // only once: the first accounts, the first one picked
  }, []);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  const all = selected && !options.some((o) => o.id === selected.id) ? [selected, ...options] : options;
  return (
    <Select
      data-testid="preview-account"
      showSearch={{
        filterOption: false,
        onSearch: (q) => {
          if (timer.current) clearTimeout(timer.current);
          timer.current = setTimeout(() => void search(q), 250);
        },
      }}
      value={value ?? undefined}
      placeholder={t('accountPlaceholder')}
      loading={loading}
      style={{ width: '100%' }}
      notFoundContent={loading ? <Spin size="small" /> : t('noAccounts')}
      onChange={(id: string) => {
        setSelected(all.find((o) => o.id === id) ?? null);
        onChange(id);
      }}
      options={all.map((a) => ({
        value: a.id,
        label: (
          <span>
            <Typography.Text style={mono}>{a.username}</Typography.Text> <Typography.Text type="secondary">{a.displayName}</Typography.Text>
          </span>
        ),
      }))}
    />
  );
}

// ------------------------------------------------------------------ the page

export function MappingPage() {
  const { name = '' } = useParams();
  return <MappingEditor key={name} name={name} />;
}

function MappingEditor({ name }: { name: string }) {
  const t = useT(messages);
  const { lang } = useLang();
  const isAdmin = useIsAdmin();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();

  const [saved, setSaved] = useState<MappingAnswer | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [definition, setDefinition] = useState<MappingDefinition | null>(null);
  const [account, setAccount] = useState<string | null>(null);
  const [preview, setPreview] = useState<PreviewAnswer | null>(null);
  const [previewErrors, setPreviewErrors] = useState<FieldError[] | null>(null);
  const [previewFailure, setPreviewFailure] = useState<string | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<{ title: string; rest: FieldError[] } | null>(null);
  const markedFields = useRef<string[]>([]);
  const previewSeq = useRef(0);

  const apply = useCallback(
    (a: MappingAnswer) => {
      setSaved(a);
      form.resetFields();
      form.setFieldsValue(toForm(a.definition));
      setDefinition(fromForm(form.getFieldsValue(true) as FormValues));
      markedFields.current = [];
    },
    [form],
  );

  useEffect(() => {
    get<MappingAnswer>(`/connections/${seg(name)}/mapping`)
      .then(apply)
      .catch((e: unknown) => setLoadError(e instanceof Error ? e.message : String(e)));
  }, [name, apply]);

  /** Put 422 errors under their fields; the ones without a field go to `rest`. Clears the previous marks. */
  const markErrors = useCallback(
    (errors: FieldError[]): FieldError[] => {
      const extattrs = (form.getFieldValue('extattrs') as unknown[] | undefined)?.length ?? 0;
      // Lists edited by one control (scope roots, member matching) carry their errors on the control.
      const shown = errors.map((e) => {
        const field = e.field.replace(/^(scope\.organizationRoots|matching\.members)(\[\d+\]|\.\d+)$/, '$1');
        return { field, message: splitMessage(e.field, e.message).text };
      });
      const { fields, rest: restShown } = splitFieldErrors(shown, (p) => {
        const [g, f, sub] = p;
        if (g === 'members') return (MEMBER_FIELDS as readonly unknown[]).includes(f);
        if (g === 'departments') return (DEPARTMENT_FIELDS as readonly unknown[]).includes(f);
        if (g === 'extattrs') return typeof f === 'number' && f < extattrs && (sub === undefined || ['name', 'type', 'value', 'url', 'title'].includes(String(sub)));
        if (g === 'affiliation') return ['mode', 'leaderExpression', 'directLeader'].includes(String(f));
        if (g === 'scope') return ['organizationRoots', 'organizationFilter', 'accountFilter', 'includeDisabledAccounts'].includes(String(f));
        if (g === 'matching') return ['members', 'departments'].includes(String(f));
        return false;
      });
      const now = new Set(fields.map((f) => JSON.stringify(f.name)));
      const cleared = markedFields.current.filter((k) => !now.has(k)).map((k) => ({ name: JSON.parse(k) as never, errors: [] as string[] }));
      form.setFields([...cleared, ...fields.map((f) => ({ name: f.name as never, errors: f.errors }))]);
      markedFields.current = [...now];
      const restIndex = new Set(restShown.map((e) => shown.indexOf(e)));
      return errors.filter((_, i) => restIndex.has(i));
    },
    [form],
  );

  // The live preview: debounced, the latest request wins.
  const defJson = useMemo(() => (definition ? JSON.stringify(definition) : null), [definition]);
  useEffect(() => {
    if (defJson === null || account === null) return;
    const n = ++previewSeq.current;
    const timer = setTimeout(() => {
      setPreviewing(true);
      post<PreviewAnswer>(`/connections/${seg(name)}/mapping/preview`, { definition: JSON.parse(defJson) as MappingDefinition, account })
        .then((r) => {
          if (n !== previewSeq.current) return;
          setPreview(r);
          setPreviewErrors(null);
          setPreviewFailure(null);
          markErrors([]);
        })
        .catch((e: unknown) => {
          if (n !== previewSeq.current) return;
          if (e instanceof ApiError && e.status === 422 && e.errors.length) {
            setPreviewErrors(e.errors);
            setPreviewFailure(null);
            markErrors(e.errors);
          } else {
            setPreviewErrors(null);
            setPreviewFailure(e instanceof Error ? e.message : String(e));
          }
        })
        .finally(() => {
          if (n === previewSeq.current) setPreviewing(false);
        });
    }, 300);
    return () => clearTimeout(timer);
  }, [defJson, account, name, markErrors]);

  const onValuesChange = () => setDefinition(fromForm(form.getFieldsValue(true) as FormValues));

  const dirty = saved !== null && defJson !== null && defJson !== JSON.stringify(fromForm(toForm(saved.definition)));

  const save = async (body: { definition: MappingDefinition | null }, done: string) => {
    setSaving(true);
    setSaveError(null);
    try {
      const a = await put<MappingAnswer>(`/connections/${seg(name)}/mapping`, body);
      apply(a);
      void message.success(done);
    } catch (e) {
      if (e instanceof ApiError && e.errors.length && (e.status === 422 || e.status === 400)) {
        const rest = markErrors(e.errors);
        setSaveError({ title: t('fixFields'), rest });
      } else setSaveError({ title: e instanceof Error ? e.message : String(e), rest: [] });
    } finally {
      setSaving(false);
    }
  };

  const header = (
    <Flex justify="space-between" align="center" wrap gap={8} style={{ margin: '8px 0 16px' }}>
      <div>
        <Link to={`/connections/${encodeURIComponent(name)}`}>
          <ArrowLeftOutlined /> {t('back', { name })}
        </Link>
        <Flex align="center" gap={8} wrap>
          <Typography.Title level={3} style={{ margin: '4px 0 0' }}>
            {t('title', { name })}
          </Typography.Title>
          {saved && (
            <Space size={4} style={{ marginTop: 4 }}>
              <Tag data-testid="mapping-is-default" color={saved.isDefault ? 'default' : 'blue'}>
                {saved.isDefault ? t('isDefault') : t('customized')}
              </Tag>
              <Typography.Text type="secondary">{t('version', { v: saved.version })}</Typography.Text>
              {dirty && <Tag color="orange">{t('unsaved')}</Tag>}
            </Space>
          )}
        </Flex>
        <Typography.Text type="secondary">{t('intro')}</Typography.Text>
      </div>
      {isAdmin && saved && (
        <Space>
          <Popconfirm title={t('resetConfirm')} okText={t('resetOk')} cancelText={t('cancel')} onConfirm={() => save({ definition: null }, t('resetDone'))}>
            <Button data-testid="mapping-reset" icon={<ReloadOutlined />} disabled={saving}>
              {t('reset')}
            </Button>
          </Popconfirm>
          <Button data-testid="mapping-save" type="primary" icon={<SaveOutlined />} loading={saving} onClick={() => definition && void save({ definition }, t('saved'))}>
            {t('save')}
          </Button>
        </Space>
      )}
    </Flex>
  );

  if (loadError)
    return (
      <>
        {header}
        <Alert type="error" showIcon title={t('loadFailed')} description={loadError} />
      </>
    );
  if (!saved)
    return (
      <>
        {header}
        <Spin style={{ display: 'block', marginTop: 80 }} />
      </>
    );

  const exprInput = (group: 'members' | 'departments', f: string) => (
    <Input
      data-testid={`mapping-${group}-${f}`}
      style={mono}
      spellCheck={false}
      autoComplete="off"
      placeholder={REQUIRED.has(`${group}.${f}`) ? undefined : t('notMapped')}
    />
  );
  const fieldLabel = (key: Key, code: string): ReactNode => (
    <span>
      {t(key)}{' '}
      <Typography.Text type="secondary" style={{ ...mono, fontSize: 12 }}>
        {code}
      </Typography.Text>
    </span>
  );
  const labelOf = (path: string): string | null => {
    const x = /^extattrs\[(\d+)\]/.exec(path);
    if (x) return definition?.extattrs[Number(x[1])]?.name ?? null;
    const m = /^(members|departments)\.(\w+)$/.exec(path);
    if (!m) return null;
    const key = `${m[1] === 'members' ? 'm' : 'd'}-${m[2]}`;
    return key in messages.en ? t(key as Key) : null;
  };

  const previewPanel = (
    <Card
      data-testid="mapping-preview"
      title={
        <Flex justify="space-between" align="center">
          <span>{t('preview')}</span>
          {previewing && (
            <Typography.Text type="secondary" style={{ fontWeight: 'normal', fontSize: 12 }}>
              <Spin size="small" /> {t('previewing')}
            </Typography.Text>
          )}
        </Flex>
      }
      size="small"
      style={{ position: 'sticky', top: 16 }}
      styles={{ body: { maxHeight: 'calc(100vh - 140px)', overflowY: 'auto' } }}
    >
      <div style={{ marginBottom: 8 }}>
        <Typography.Text type="secondary">{t('account')}</Typography.Text>
        <AccountPicker value={account} onChange={setAccount} />
      </div>
      {previewFailure && <Alert type="error" showIcon title={t('previewFailed')} description={previewFailure} style={{ marginBottom: 8 }} />}
      {previewErrors && (
        <Alert
          data-testid="preview-compile-errors"
          type="error"
          showIcon
          title={t('compileErrors')}
          style={{ marginBottom: 8 }}
          description={
            <Flex vertical gap={6}>
              {previewErrors.map((e, i) => (
                <CompileError key={i} e={e} />
              ))}
            </Flex>
          }
        />
      )}
      {account === null && !previewFailure && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('noAccounts')} />}
      {preview && (
        <div style={{ opacity: previewErrors ? 0.5 : 1 }}>
          <Tag data-testid="preview-in-scope" color={preview.inScope ? 'success' : 'default'} style={{ marginBottom: 4 }}>
            {preview.inScope ? t('inScope') : t('outOfScope')}
          </Tag>
          {orderFields(Object.keys(preview.fields)).map((p) => (
            <PreviewRow key={p} path={p} f={preview.fields[p]!} label={labelOf(p)} />
          ))}
          {preview.problems.length > 0 && (
            <Alert
              data-testid="preview-problems"
              type="warning"
              showIcon
              title={t('problems')}
              style={{ marginTop: 8 }}
              description={
                <ul style={{ margin: 0, paddingLeft: 18 }}>
                  {preview.problems.map((p, i) => (
                    <li key={i}>
                      <Typography.Text code>{p.field}</Typography.Text> {p.message} <Tag>{p.effect}</Tag>
                    </li>
                  ))}
                </ul>
              }
            />
          )}
          <Collapse
            size="small"
            ghost
            style={{ marginTop: 8 }}
            items={[
              { key: 'member', label: t('member'), children: <pre style={pre}>{JSON.stringify(preview.member, null, 2)}</pre> },
              { key: 'context', label: t('context'), children: <pre style={pre}>{JSON.stringify(preview.context, null, 2)}</pre> },
            ]}
          />
        </div>
      )}
    </Card>
  );

  const matchOptions = (['userid', 'mobile', 'email'] as const).map((v) => ({ value: v, label: v }));

  return (
    <>
      {header}
      {saveError && (
        <Alert
          data-testid="mapping-error"
          type="error"
          showIcon
          closable={{ onClose: () => setSaveError(null) }}
          title={`${t('saveFailed')}: ${saveError.title}`}
          description={
            saveError.rest.length ? (
              <ul style={{ margin: 0, paddingLeft: 18 }}>
                {saveError.rest.map((e, i) => (
                  <li key={i}>
                    <CompileError e={e} />
                  </li>
                ))}
              </ul>
            ) : undefined
          }
          style={{ marginBottom: 16 }}
        />
      )}
      <Row gutter={16} align="top">
        <Col xs={24} lg={14}>
          <Form<FormValues>
            form={form}
            layout="horizontal"
            labelCol={{ flex: lang === 'zh' ? '170px' : '190px' }}
            labelAlign="left"
            labelWrap
            wrapperCol={{ flex: '1 1 0', style: { minWidth: 0 } }}
            colon={false}
            disabled={!isAdmin}
            onValuesChange={onValuesChange}
          >
            <Card title={t('members')} size="small" style={{ marginBottom: 16 }}>
              <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
                {t('membersHelp')}
              </Typography.Paragraph>
              {MEMBER_FIELDS.map((f) => (
                <Form.Item key={f} name={['members', f]} label={fieldLabel(`m-${f}` as Key, f)} required={REQUIRED.has(`members.${f}`)} style={{ marginBottom: 10 }}>
                  {exprInput('members', f)}
                </Form.Item>
              ))}
            </Card>
            <Card title={t('departments')} size="small" style={{ marginBottom: 16 }}>
              <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
                {t('departmentsHelp')}
              </Typography.Paragraph>
              {DEPARTMENT_FIELDS.map((f) => (
                <Form.Item
                  key={f}
                  name={['departments', f]}
                  label={fieldLabel(`d-${f}` as Key, f)}
                  required={REQUIRED.has(`departments.${f}`)}
                  style={{ marginBottom: 10 }}
                >
                  {exprInput('departments', f)}
                </Form.Item>
              ))}
            </Card>
            <Card title={t('affiliation')} size="small" style={{ marginBottom: 16 }}>
              <Form.Item name={['affiliation', 'mode']} label={t('mode')} style={{ marginBottom: 10 }}>
                <Select
                  data-testid="mapping-affiliation-mode"
                  options={(['all-organizations', 'primary-only'] as const).map((v) => ({ value: v, label: t(`mode-${v}`) }))}
                />
              </Form.Item>
              <Form.Item name={['affiliation', 'directLeader']} label={t('directLeader')} style={{ marginBottom: 10 }}>
                <Select data-testid="mapping-affiliation-directLeader" options={(['manager', 'none'] as const).map((v) => ({ value: v, label: t(`leader-${v}`) }))} />
              </Form.Item>
              <Form.Item name={['affiliation', 'leaderExpression']} label={t('leaderExpression')} extra={t('leaderExpressionHelp')} style={{ marginBottom: 0 }}>
                <Input data-testid="mapping-affiliation-leaderExpression" style={mono} spellCheck={false} placeholder={t('notMapped')} />
              </Form.Item>
            </Card>
            <Card title={t('extattrs')} size="small" style={{ marginBottom: 16 }}>
              <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
                {t('extattrsHelp')}
              </Typography.Paragraph>
              <Form.List name="extattrs">
                {(fields, { add, remove }) => (
                  <Flex vertical gap={8}>
                    {fields.map((f) => (
                      <Card key={f.key} size="small" data-testid={`mapping-extattr-${f.name}`} styles={{ body: { padding: 10 } }}>
                        <Flex gap={8} align="flex-start">
                          <Form.Item name={[f.name, 'name']} style={{ marginBottom: 0, flex: 1 }}>
                            <Input data-testid={`mapping-extattrs-${f.name}-name`} placeholder={t('extattrName')} />
                          </Form.Item>
                          <Form.Item name={[f.name, 'type']} style={{ marginBottom: 0, width: 100 }}>
                            <Select
                              options={[
                                { value: 'text', label: t('text') },
                                { value: 'web', label: t('web') },
                              ]}
                            />
                          </Form.Item>
                          {isAdmin && (
                            <Button
                              type="text"
                              icon={<MinusCircleOutlined />}
                              aria-label="remove"
                              onClick={() => {
                                remove(f.name);
                                onValuesChange();
                              }}
                            />
                          )}
                        </Flex>
                        <Form.Item noStyle shouldUpdate={(a: FormValues, b: FormValues) => a.extattrs?.[f.name]?.type !== b.extattrs?.[f.name]?.type}>
                          {() =>
                            form.getFieldValue(['extattrs', f.name, 'type']) === 'web' ? (
                              <>
                                <Form.Item name={[f.name, 'url']} style={{ margin: '8px 0 0' }}>
                                  <Input data-testid={`mapping-extattrs-${f.name}-url`} style={mono} spellCheck={false} placeholder={t('extattrUrl')} />
                                </Form.Item>
                                <Form.Item name={[f.name, 'title']} style={{ margin: '8px 0 0' }}>
                                  <Input data-testid={`mapping-extattrs-${f.name}-title`} style={mono} spellCheck={false} placeholder={t('extattrTitle')} />
                                </Form.Item>
                              </>
                            ) : (
                              <Form.Item name={[f.name, 'value']} style={{ margin: '8px 0 0' }}>
                                <Input data-testid={`mapping-extattrs-${f.name}-value`} style={mono} spellCheck={false} placeholder={t('extattrValue')} />
                              </Form.Item>
                            )
                          }
                        </Form.Item>
                      </Card>
                    ))}
                    {isAdmin && (
                      <div>
                        <Button
                          data-testid="mapping-extattr-add"
                          type="dashed"
                          icon={<PlusOutlined />}
                          onClick={() => {
                            add({ name: '', type: 'text', value: '', url: '', title: '' });
                            onValuesChange();
                          }}
                        >
                          {t('addExtattr')}
                        </Button>
                      </div>
                    )}
                  </Flex>
                )}
              </Form.List>
            </Card>
            <Card title={t('scope')} size="small" style={{ marginBottom: 16 }}>
              <Form.Item name={['scope', 'organizationRoots']} label={t('organizationRoots')} extra={t('organizationRootsHelp')} style={{ marginBottom: 10 }}>
                <Select data-testid="mapping-scope-organizationRoots" mode="tags" open={false} suffixIcon={null} tokenSeparators={[',', ' ']} style={mono} />
              </Form.Item>
              <Form.Item name={['scope', 'organizationFilter']} label={t('organizationFilter')} extra={t('organizationFilterHelp')} style={{ marginBottom: 10 }}>
                <Input data-testid="mapping-scope-organizationFilter" style={mono} spellCheck={false} placeholder={t('notMapped')} />
              </Form.Item>
              <Form.Item name={['scope', 'accountFilter']} label={t('accountFilter')} extra={t('accountFilterHelp')} style={{ marginBottom: 10 }}>
                <Input data-testid="mapping-scope-accountFilter" style={mono} spellCheck={false} placeholder={t('notMapped')} />
              </Form.Item>
              <Form.Item name={['scope', 'includeDisabledAccounts']} label={t('includeDisabled')} valuePropName="checked" style={{ marginBottom: 0 }}>
                <Switch data-testid="mapping-scope-includeDisabledAccounts" />
              </Form.Item>
            </Card>
            <Card title={t('matching')} size="small" style={{ marginBottom: 16 }}>
              <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
                {t('matchingHelp')}
              </Typography.Paragraph>
              <Form.Item name={['matching', 'members']} label={t('matchMembers')} style={{ marginBottom: 10 }}>
                <Select data-testid="mapping-matching-members" mode="multiple" options={matchOptions} placeholder={t('matchNone')} />
              </Form.Item>
              <Form.Item name={['matching', 'departments']} label={t('matchDepartments')} style={{ marginBottom: 0 }}>
                <Select data-testid="mapping-matching-departments" options={(['name-path', 'id', 'none'] as const).map((v) => ({ value: v, label: t(`match-${v}`) }))} />
              </Form.Item>
            </Card>
            <Collapse
              size="small"
              style={{ marginBottom: 16 }}
              items={[
                {
                  key: 'cheatsheet',
                  label: t('cheatsheet'),
                  children: (
                    <Flex vertical gap={4}>
                      {CHEATSHEET.map(([expr, result]) => (
                        <div key={expr}>
                          <Typography.Text code style={mono}>
                            {expr}
                          </Typography.Text>{' '}
                          <Typography.Text type="secondary">→ {result}</Typography.Text>
                        </div>
                      ))}
                    </Flex>
                  ),
                },
              ]}
            />
          </Form>
        </Col>
        <Col xs={24} lg={10}>
          {previewPanel}
        </Col>
      </Row>
    </>
  );
}
