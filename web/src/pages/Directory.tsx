// The directory: the organization tree (GET /organizations, every page) on the left, the accounts
// of the selected organization (GET /accounts?organizationId=…, keyset paging) on the right, and an
// edit drawer for administrators (PATCH /accounts/:id). A saved change reaches WeCom through the
// sync worker.
import { ApartmentOutlined, EditOutlined, ReloadOutlined, SearchOutlined, TeamOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Drawer,
  Empty,
  Flex,
  Form,
  Input,
  Radio,
  Row,
  Select,
  Skeleton,
  Space,
  Statistic,
  Table,
  Tag,
  Tooltip,
  Tree,
  TreeSelect,
  Typography,
} from 'antd';
import type { DataNode } from 'antd/es/tree';
import { type HTMLAttributes, useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, get, patch, seg } from '../api';
import { DirPager, useCursorPages } from '../components/DirPager';
import { type Messages, useT } from '../i18n';
import { useIsAdmin } from '../session';

type Status = 'enabled' | 'disabled';
type Gender = 'unspecified' | 'male' | 'female';

interface Organization {
  id: string;
  externalId: string | null;
  name: string;
  parentId: string | null;
  order: number;
  code: string | null;
  status: Status;
  version: number;
}

interface Account {
  id: string;
  externalId: string | null;
  username: string;
  displayName: string;
  mobile: string | null;
  email: string | null;
  telephone: string | null;
  title: string | null;
  gender: Gender;
  employeeNumber: string | null;
  managerId: string | null;
  organizationIds: string[];
  primaryOrganizationId: string;
  status: Status;
  attributes: Record<string, unknown>;
  version: number;
  createdAt: string;
  updatedAt: string;
}

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const messages = {
  zh: {
    title: '目录',
    subtitle: '身份目录是企业微信通讯录的来源：这里的修改会由同步任务自动发送到企业微信。',
    organizations: '组织',
    orgCount: '组织总数',
    accountCount: '账号数',
    accountsIn: '{name} 的账号',
    allAccounts: '全部账号',
    showAll: '显示全部账号',
    treeEmpty: '目录中还没有组织',
    search: '搜索用户名或姓名',
    statusAll: '全部状态',
    enabled: '启用',
    disabled: '禁用',
    username: '用户名',
    name: '姓名',
    mobile: '手机',
    email: '邮箱',
    status: '状态',
    orgs: '所属组织',
    position: '职务',
    actions: '操作',
    edit: '编辑',
    refresh: '刷新',
    counting: '正在统计…',
    directMembers: '仅包含直接属于该组织的账号',
    primary: '主组织',
    loadFailed: '无法读取目录',
    editTitle: '编辑账号 {username}',
    displayName: '姓名',
    telephone: '座机',
    gender: '性别',
    unspecified: '未指定',
    male: '男',
    female: '女',
    employeeNumber: '工号',
    externalId: '外部 ID',
    organizationIds: '所属组织',
    primaryOrganizationId: '主组织',
    required: '必填',
    save: '保存',
    cancel: '取消',
    saved: '已保存。同步任务会把改动发送到企业微信。',
    noChange: '没有修改',
    conflict: '保存失败：{msg}',
    invalid: '请检查标出的字段',
    syncNote: '保存后，改动会通过同步任务发送到企业微信；在连接的运行记录中可以看到结果。',
    version: '版本 {n}',
    updated: '更新于 {time}',
    noAccounts: '没有账号',
    orgDisabled: '已禁用',
  },
  en: {
    title: 'Directory',
    subtitle: 'The identity directory is what WeCom is kept in step with: changes made here reach WeCom through the sync worker.',
    organizations: 'Organizations',
    orgCount: 'Organizations',
    accountCount: 'Accounts',
    accountsIn: 'Accounts in {name}',
    allAccounts: 'All accounts',
    showAll: 'Show all accounts',
    treeEmpty: 'The directory has no organizations yet',
    search: 'Search username or name',
    statusAll: 'Any status',
    enabled: 'enabled',
    disabled: 'disabled',
    username: 'Username',
    name: 'Name',
    mobile: 'Mobile',
    email: 'Email',
    status: 'Status',
    orgs: 'Organizations',
    position: 'Position',
    actions: 'Actions',
    edit: 'Edit',
    refresh: 'Refresh',
    counting: 'counting…',
    directMembers: 'Direct members of the organization only',
    primary: 'primary',
    loadFailed: 'The directory could not be read',
    editTitle: 'Edit account {username}',
    displayName: 'Name',
    telephone: 'Telephone',
    gender: 'Gender',
    unspecified: 'unspecified',
    male: 'male',
    female: 'female',
    employeeNumber: 'Employee number',
    externalId: 'External ID',
    organizationIds: 'Organizations',
    primaryOrganizationId: 'Primary organization',
    required: 'Required',
    save: 'Save',
    cancel: 'Cancel',
    saved: 'Saved. The sync worker sends the change to WeCom.',
    noChange: 'Nothing changed',
    conflict: 'Not saved: {msg}',
    invalid: 'Check the marked fields',
    syncNote: 'Once saved, the change reaches WeCom through the sync worker; its result shows in the connection’s runs.',
    version: 'version {n}',
    updated: 'updated {time}',
    noAccounts: 'No accounts',
    orgDisabled: 'disabled',
  },
} satisfies Messages;

/** Every organization, page by page. */
async function loadAllOrganizations(signal: AbortSignal): Promise<Organization[]> {
  const out: Organization[] = [];
  let after: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const qs = new URLSearchParams({ limit: '1000' });
    if (after) qs.set('after', after);
    const page: Page<Organization> = await get<Page<Organization>>(`/organizations?${qs}`, { signal });
    out.push(...page.items);
    if (!page.nextCursor) break;
    after = page.nextCursor;
  }
  return out;
}

const COUNT_PAGE = 1000;
const COUNT_MAX_PAGES = 20;

/** How many accounts match a filter (the API has no count: pages of 1000 are walked, up to 20). */
async function countAccounts(filter: URLSearchParams, signal: AbortSignal): Promise<{ n: number; more: boolean }> {
  let n = 0;
  let after: string | null = null;
  for (let i = 0; i < COUNT_MAX_PAGES; i++) {
    const qs = new URLSearchParams(filter);
    qs.set('limit', String(COUNT_PAGE));
    if (after) qs.set('after', after);
    const page: Page<Account> = await get<Page<Account>>(`/accounts?${qs}`, { signal });
    n += page.items.length;
    if (!page.nextCursor) return { n, more: false };
    after = page.nextCursor;
  }
  return { n, more: true };
}

function buildTree(orgs: Organization[], disabledLabel: string): DataNode[] {
  const children = new Map<string | null, Organization[]>();
  const ids = new Set(orgs.map((o) => o.id));
  for (const o of orgs) {
    const parent = o.parentId && ids.has(o.parentId) ? o.parentId : null;
    const list = children.get(parent) ?? [];
    list.push(o);
    children.set(parent, list);
  }
  const node = (o: Organization): DataNode => ({
    key: o.id,
    title: (
      <span style={o.status === 'disabled' ? { color: '#999' } : undefined} data-org={o.id}>
        <span>{o.name}</span>
        {o.code && (
          <Typography.Text type="secondary" style={{ fontSize: 12, marginInlineStart: 6 }}>
            {o.code}
          </Typography.Text>
        )}
        {o.status === 'disabled' && (
          <Tag style={{ marginInlineStart: 6 }} variant="filled">
            {disabledLabel}
          </Tag>
        )}
      </span>
    ),
    children: (children.get(o.id) ?? []).sort(byOrder).map(node),
  });
  return (children.get(null) ?? []).sort(byOrder).map(node);
}
const byOrder = (a: Organization, b: Organization) => a.order - b.order || a.name.localeCompare(b.name);

interface EditValues {
  displayName: string;
  mobile: string;
  email: string;
  telephone: string;
  title: string;
  gender: Gender;
  employeeNumber: string;
  externalId: string;
  status: Status;
  organizationIds: string[];
  primaryOrganizationId: string;
}

const TEXT_FIELDS = ['mobile', 'email', 'telephone', 'title', 'employeeNumber', 'externalId'] as const;

function AccountDrawer({
  account,
  orgs,
  onClose,
  onSaved,
}: {
  account: Account | null;
  orgs: Organization[];
  onClose: () => void;
  onSaved: (a: Account) => void;
}) {
  const t = useT(messages);
  const { message } = App.useApp();
  const [form] = Form.useForm<EditValues>();
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const orgIds = Form.useWatch('organizationIds', form) ?? [];

  const treeData = useMemo(() => {
    const byParent = new Map<string | null, Organization[]>();
    const ids = new Set(orgs.map((o) => o.id));
    for (const o of orgs) {
      const p = o.parentId && ids.has(o.parentId) ? o.parentId : null;
      byParent.set(p, [...(byParent.get(p) ?? []), o]);
    }
    type N = { value: string; title: string; children: N[] };
    const node = (o: Organization): N => ({ value: o.id, title: o.name, children: (byParent.get(o.id) ?? []).sort(byOrder).map(node) });
    return (byParent.get(null) ?? []).sort(byOrder).map(node);
  }, [orgs]);
  const orgName = useMemo(() => new Map(orgs.map((o) => [o.id, o.name])), [orgs]);

  useEffect(() => {
    if (!account) return;
    setFormError(null);
    form.resetFields();
    form.setFieldsValue({
      displayName: account.displayName,
      mobile: account.mobile ?? '',
      email: account.email ?? '',
      telephone: account.telephone ?? '',
      title: account.title ?? '',
      gender: account.gender,
      employeeNumber: account.employeeNumber ?? '',
      externalId: account.externalId ?? '',
      status: account.status,
      organizationIds: account.organizationIds,
      primaryOrganizationId: account.primaryOrganizationId,
    });
  }, [account, form]);

  const save = async () => {
    if (!account) return;
    let v: EditValues;
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    const body: Record<string, unknown> = {};
    if (v.displayName.trim() !== account.displayName) body.displayName = v.displayName.trim();
    for (const f of TEXT_FIELDS) {
      const nv = (v[f] ?? '').trim() || null;
      if (nv !== account[f]) body[f] = nv;
    }
    if (v.gender !== account.gender) body.gender = v.gender;
    if (v.status !== account.status) body.status = v.status;
    const orgsChanged = v.organizationIds.length !== account.organizationIds.length || v.organizationIds.some((id) => !account.organizationIds.includes(id));
    if (orgsChanged) body.organizationIds = v.organizationIds;
    if (v.primaryOrganizationId !== account.primaryOrganizationId || orgsChanged) body.primaryOrganizationId = v.primaryOrganizationId;
    if (Object.keys(body).length === 0) {
      message.info(t('noChange'));
      onClose();
      return;
    }
    setSaving(true);
    setFormError(null);
    try {
      const saved = await patch<Account>(`/accounts/${seg(account.id)}`, body);
      message.success(t('saved'));
      onSaved(saved);
    } catch (e) {
      if (e instanceof ApiError && e.errors.length > 0) {
        const known = new Set(['displayName', 'organizationIds', 'primaryOrganizationId', 'gender', 'status', ...TEXT_FIELDS]);
        form.setFields(e.errors.filter((x) => known.has(x.field)).map((x) => ({ name: x.field as keyof EditValues, errors: [x.message] })));
        const other = e.errors.filter((x) => !known.has(x.field));
        setFormError(other.length > 0 ? other.map((x) => `${x.field}: ${x.message}`).join('; ') : t('invalid'));
      } else setFormError(t('conflict', { msg: (e as Error).message }));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Drawer
      open={account !== null}
      onClose={onClose}
      size={520}
      destroyOnHidden
      title={account ? t('editTitle', { username: account.username }) : ''}
      extra={
        account && (
          <Typography.Text type="secondary">
            {t('version', { n: account.version })}
          </Typography.Text>
        )
      }
      footer={
        <Flex justify="flex-end" gap={8}>
          <Button onClick={onClose}>{t('cancel')}</Button>
          <Button type="primary" loading={saving} onClick={() => void save()} data-testid="account-save">
            {t('save')}
          </Button>
        </Flex>
      }
    >
      <Alert type="info" showIcon title={t('syncNote')} style={{ marginBottom: 16 }} />
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} />}
      <Form<EditValues> form={form} layout="vertical" requiredMark="optional" onFinish={() => void save()}>
        <Form.Item name="displayName" label={t('displayName')} rules={[{ required: true, whitespace: true, message: t('required') }]}>
          <Input data-testid="account-name" maxLength={64} />
        </Form.Item>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="mobile" label={t('mobile')}>
              <Input data-testid="account-mobile" placeholder="+86 13800000000" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="email" label={t('email')}>
              <Input data-testid="account-email" placeholder="name@example.com" />
            </Form.Item>
          </Col>
        </Row>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="title" label={t('position')}>
              <Input data-testid="account-title" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="telephone" label={t('telephone')}>
              <Input data-testid="account-telephone" />
            </Form.Item>
          </Col>
        </Row>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="status" label={t('status')}>
              <Radio.Group
                optionType="button"
                buttonStyle="solid"
                data-testid="account-status"
                options={[
                  { value: 'enabled', label: t('enabled') },
                  { value: 'disabled', label: t('disabled') },
                ]}
              />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="gender" label={t('gender')}>
              <Select<Gender>
                options={[
                  { value: 'unspecified', label: t('unspecified') },
                  { value: 'male', label: t('male') },
                  { value: 'female', label: t('female') },
                ]}
              />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="organizationIds" label={t('organizationIds')} rules={[{ required: true, type: 'array', min: 1, message: t('required') }]}>
          <TreeSelect<string[]>
            multiple
            treeDefaultExpandAll
            showSearch
            treeNodeFilterProp="title"
            treeData={treeData}
            onChange={(ids) => {
              const primary = form.getFieldValue('primaryOrganizationId') as string | undefined;
              if (!primary || !ids.includes(primary)) form.setFieldValue('primaryOrganizationId', ids[0]);
            }}
          />
        </Form.Item>
        <Form.Item name="primaryOrganizationId" label={t('primaryOrganizationId')} rules={[{ required: true, message: t('required') }]}>
          <Select<string> options={orgIds.map((id) => ({ value: id, label: orgName.get(id) ?? id }))} />
        </Form.Item>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="employeeNumber" label={t('employeeNumber')}>
              <Input />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="externalId" label={t('externalId')}>
              <Input />
            </Form.Item>
          </Col>
        </Row>
      </Form>
    </Drawer>
  );
}

export function DirectoryPage() {
  const t = useT(messages);
  const isAdmin = useIsAdmin();
  const [orgs, setOrgs] = useState<Organization[] | null>(null);
  const [orgError, setOrgError] = useState<Error | null>(null);
  const [orgTick, setOrgTick] = useState(0);
  const [selected, setSelected] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<React.Key[] | null>(null);

  const [searchText, setSearchText] = useState('');
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<Status | 'all'>('all');
  const [pageSize, setPageSize] = useState(20);
  const pages = useCursorPages();
  const [page, setPage] = useState<Page<Account> | null>(null);
  const [accError, setAccError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(false);
  const [accTick, setAccTick] = useState(0);
  const [total, setTotal] = useState<{ n: number; more: boolean } | null>(null);
  const [editing, setEditing] = useState<Account | null>(null);

  // the tree
  useEffect(() => {
    const ac = new AbortController();
    loadAllOrganizations(ac.signal)
      .then((o) => {
        setOrgs(o);
        setOrgError(null);
      })
      .catch((e: Error) => {
        if (!ac.signal.aborted) setOrgError(e);
      });
    return () => ac.abort();
  }, [orgTick]);

  const tree = useMemo(() => buildTree(orgs ?? [], t('orgDisabled')), [orgs, t]);
  const orgById = useMemo(() => new Map((orgs ?? []).map((o) => [o.id, o])), [orgs]);
  // expand two levels at first
  const initialExpanded = useMemo(() => {
    const all = orgs ?? [];
    if (all.length <= 60) return all.map((o) => o.id);
    const roots = all.filter((o) => !o.parentId);
    const rootIds = new Set(roots.map((o) => o.id));
    return [...rootIds, ...all.filter((o) => o.parentId && rootIds.has(o.parentId)).map((o) => o.id)];
  }, [orgs]);

  // search: debounced while typing
  useEffect(() => {
    const timer = setTimeout(() => setQ(searchText.trim()), 300);
    return () => clearTimeout(timer);
  }, [searchText]);

  const { reset } = pages;
  useEffect(() => reset(), [selected, q, status, reset]);

  const filter = useMemo(() => {
    const f = new URLSearchParams();
    if (selected) f.set('organizationId', selected);
    if (q) f.set('q', q);
    if (status !== 'all') f.set('status', status);
    return f;
  }, [selected, q, status]);

  // the page of accounts
  useEffect(() => {
    const ac = new AbortController();
    const qs = new URLSearchParams(filter);
    qs.set('limit', String(pageSize));
    if (pages.cursor) qs.set('after', pages.cursor);
    setLoading(true);
    get<Page<Account>>(`/accounts?${qs}`, { signal: ac.signal })
      .then((p) => {
        setPage(p);
        setAccError(null);
        setLoading(false);
      })
      .catch((e: Error) => {
        if (ac.signal.aborted) return;
        setAccError(e);
        setLoading(false);
      });
    return () => ac.abort();
  }, [filter, pageSize, pages.cursor, accTick]);

  // the total for the filter
  useEffect(() => {
    const ac = new AbortController();
    setTotal(null);
    countAccounts(filter, ac.signal)
      .then(setTotal)
      .catch(() => undefined);
    return () => ac.abort();
  }, [filter, accTick]);

  const onSaved = useCallback((a: Account) => {
    setEditing(null);
    setPage((p) => (p ? { ...p, items: p.items.map((x) => (x.id === a.id ? a : x)) } : p));
    setAccTick((n) => n + 1);
  }, []);

  const openEdit = async (a: Account) => {
    // read the current version before editing
    try {
      setEditing(await get<Account>(`/accounts/${seg(a.id)}`));
    } catch {
      setEditing(a);
    }
  };

  const selectedOrg = selected ? orgById.get(selected) : undefined;
  const totalText = total === null ? t('counting') : `${total.n}${total.more ? '+' : ''}`;

  return (
    <div data-testid="directory">
      <Flex justify="space-between" align="flex-start" wrap gap={12} style={{ margin: '4px 0 16px' }}>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('title')}
          </Typography.Title>
          <Typography.Text type="secondary">{t('subtitle')}</Typography.Text>
        </div>
        <Space size={32}>
          <Statistic title={t('orgCount')} value={orgs ? orgs.length : '—'} prefix={<ApartmentOutlined />} data-testid="org-count" />
          <Statistic title={selectedOrg ? t('accountsIn', { name: selectedOrg.name }) : t('accountCount')} value={totalText} prefix={<TeamOutlined />} data-testid="account-count" />
        </Space>
      </Flex>
      <Row gutter={16} wrap>
        <Col xs={24} lg={8} xl={6}>
          <Card
            size="small"
            title={
              <Space>
                <ApartmentOutlined />
                {t('organizations')}
                {orgs && <Tag>{orgs.length}</Tag>}
              </Space>
            }
            extra={
              <Tooltip title={t('refresh')}>
                <Button size="small" type="text" icon={<ReloadOutlined />} onClick={() => setOrgTick((n) => n + 1)} />
              </Tooltip>
            }
            styles={{ body: { maxHeight: 'calc(100vh - 260px)', minHeight: 200, overflow: 'auto' } }}
          >
            <Button type={selected === null ? 'primary' : 'link'} ghost={selected === null} size="small" style={{ marginBottom: 8 }} onClick={() => setSelected(null)}>
              <TeamOutlined /> {t('allAccounts')}
            </Button>
            {orgError && <Alert type="error" showIcon title={t('loadFailed')} description={orgError.message} />}
            {!orgs && !orgError && <Skeleton active />}
            {orgs && orgs.length === 0 && <Empty description={t('treeEmpty')} />}
            <div data-testid="org-tree">
              {orgs && orgs.length > 0 && (
                <Tree
                  blockNode
                  showLine
                  treeData={tree}
                  selectedKeys={selected ? [selected] : []}
                  expandedKeys={expanded ?? initialExpanded}
                  onExpand={(keys) => setExpanded(keys)}
                  onSelect={(keys) => setSelected(keys.length > 0 ? String(keys[0]) : null)}
                />
              )}
            </div>
          </Card>
        </Col>
        <Col xs={24} lg={16} xl={18}>
          <Card
            size="small"
            title={
              <Space>
                <TeamOutlined />
                {selectedOrg ? t('accountsIn', { name: selectedOrg.name }) : t('allAccounts')}
                <Tag>{totalText}</Tag>
                {selectedOrg && (
                  <Typography.Text type="secondary" style={{ fontWeight: 'normal', fontSize: 12 }}>
                    {t('directMembers')}
                  </Typography.Text>
                )}
              </Space>
            }
            extra={
              <Space wrap>
                <Input
                  allowClear
                  prefix={<SearchOutlined />}
                  placeholder={t('search')}
                  value={searchText}
                  onChange={(e) => setSearchText(e.target.value)}
                  onPressEnter={() => setQ(searchText.trim())}
                  style={{ width: 220 }}
                  data-testid="account-search"
                />
                <Select<Status | 'all'>
                  value={status}
                  onChange={setStatus}
                  style={{ width: 120 }}
                  options={[
                    { value: 'all', label: t('statusAll') },
                    { value: 'enabled', label: t('enabled') },
                    { value: 'disabled', label: t('disabled') },
                  ]}
                />
                <Tooltip title={t('refresh')}>
                  <Button icon={<ReloadOutlined />} onClick={() => setAccTick((n) => n + 1)} />
                </Tooltip>
              </Space>
            }
          >
            {accError && <Alert type="error" showIcon title={t('loadFailed')} description={accError.message} style={{ marginBottom: 12 }} />}
            <Table<Account>
              size="small"
              rowKey="id"
              loading={loading}
              dataSource={page?.items ?? []}
              pagination={false}
              scroll={{ x: 860 }}
              locale={{ emptyText: <Empty description={t('noAccounts')} /> }}
              onRow={(a) => ({ 'data-testid': `account-row-${a.username}` }) as HTMLAttributes<HTMLElement>}
              columns={[
                { title: t('username'), dataIndex: 'username', width: 120, render: (u: string) => <Typography.Text code>{u}</Typography.Text> },
                { title: t('name'), dataIndex: 'displayName', width: 100 },
                { title: t('mobile'), dataIndex: 'mobile', width: 150, render: (v: string | null) => v ?? <Typography.Text type="secondary">—</Typography.Text> },
                { title: t('email'), dataIndex: 'email', width: 180, ellipsis: { showTitle: true }, render: (v: string | null) => v ?? <Typography.Text type="secondary">—</Typography.Text> },
                {
                  title: t('status'),
                  dataIndex: 'status',
                  width: 80,
                  render: (s: Status) => <Tag color={s === 'enabled' ? 'success' : 'default'}>{t(s)}</Tag>,
                },
                {
                  title: t('orgs'),
                  key: 'orgs',
                  render: (_, a) => (
                    <Space size={[4, 4]} wrap>
                      {a.organizationIds.map((id) => (
                        <Tooltip key={id} title={id === a.primaryOrganizationId ? t('primary') : undefined}>
                          <Tag
                            color={id === a.primaryOrganizationId ? 'green' : undefined}
                            style={{ cursor: 'pointer', marginInlineEnd: 0 }}
                            onClick={() => setSelected(id)}
                          >
                            {orgById.get(id)?.name ?? id}
                          </Tag>
                        </Tooltip>
                      ))}
                    </Space>
                  ),
                },
                ...(isAdmin
                  ? [
                      {
                        title: t('actions'),
                        key: 'actions',
                        width: 90,
                        fixed: 'right' as const,
                        render: (_: unknown, a: Account) => (
                          <Button size="small" icon={<EditOutlined />} data-testid={`edit-account-${a.username}`} onClick={() => void openEdit(a)}>
                            {t('edit')}
                          </Button>
                        ),
                      },
                    ]
                  : []),
              ]}
            />
            <Flex justify="flex-end" style={{ marginTop: 12 }}>
              <DirPager pages={pages} nextCursor={page?.nextCursor} shown={page?.items.length ?? 0} pageSize={pageSize} onPageSize={setPageSize} loading={loading} />
            </Flex>
          </Card>
        </Col>
      </Row>
      {isAdmin && <AccountDrawer account={editing} orgs={orgs ?? []} onClose={() => setEditing(null)} onSaved={onSaved} />}
    </div>
  );
}
