// The orphans of a connection (GET /connections/:name/orphans): WeCom members and departments no
// account or organization owns — left by a deleted account or organization, out of the mapping's
// scope, made by hand in WeCom, or another connection's — with who, since when and why, what is
// known of them (the values last written, or only the ids: 48009), and the admin's decision.
// Admins act on each (POST …/orphans/:type/:id/link|adopt|delete|ignore, DELETE …/decision):
// link to an existing account or organization, adopt into the directory, delete in WeCom (asked
// to confirm: the next full run plans it under the deletion policy and the safety threshold), or
// ignore.
import { ApartmentOutlined, ReloadOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, App, Button, type ButtonProps, Empty, Flex, Form, Input, Modal, Segmented, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { type HTMLAttributes, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, ok, seg } from '../api';
import type { Connection, OrphanDepartment, OrphanMember, Orphans } from '../api/types';
import { Time } from '../components/format';
import { ConnectionCrumbs } from '../components/RunParts';
import { useApi } from '../hooks/useApi';
import { type Messages, useExplain, useT } from '../i18n';
import { useIsAdmin } from '../session';

const messages = {
  zh: {
    title: '孤立对象',
    intro: '企业微信中没有任何账号或组织对应的成员和部门：可关联到已有账号或组织、收编进目录、在企业微信中删除，或忽略。',
    members: '成员',
    departments: '部门',
    refresh: '刷新',
    runs: '运行记录',
    object: '对象',
    why: '原因',
    since: '起始时间',
    known: '已知信息',
    decision: '决定',
    actions: '操作',
    'why.account deleted': '账号已删除',
    'why.organization deleted': '组织已删除',
    'why.out of scope': '超出同步范围',
    'why.not linked': '未关联（手工创建）',
    'why.other connection': '由连接 {name} 管理',
    'known.shadow': '上次写入的值',
    'known.ids': '仅 ID',
    knownIdsHelp: '企业微信的 ID 列表只给出 ID 和所属部门；新加入的可信 IP 无法读取详情（48009）。',
    'decision.ignore': '已忽略',
    'decision.delete': '待删除',
    'decision.disabled': '已按请求禁用',
    decisionBy: '{by} 于 {at}',
    none: '—',
    disabled: '已禁用',
    account: '账号 {id}',
    organization: '组织 {id}',
    parent: '上级部门：{id}',
    inDepartments: '部门：{ids}',
    scanAt: '上次读取企业微信列表：{at}',
    noScan: '尚未读取企业微信列表',
    refused: '被拒绝（48009）',
    link: '关联',
    adopt: '收编',
    delete: '删除',
    ignore: '忽略',
    unignore: '取消忽略',
    withdraw: '撤销删除',
    linkTitle: '关联 {what}',
    linkMemberHint: '成员成为所选账号的关联，下一次同步会把目录中的值写入该成员。',
    linkDepartmentHint: '部门成为所选组织的关联，下一次同步会把目录中的值写入该部门。',
    accountLabel: '账号',
    organizationLabel: '组织',
    searchAccount: '按用户名或姓名搜索',
    adoptTitle: '收编 {what}',
    adoptMemberHint: '在目录中创建一个账号并关联此成员。只知道 ID 时，请填写姓名。',
    adoptDepartmentHint: '在目录中创建一个组织并关联此部门。只知道 ID 时，请填写名称。',
    username: '用户名',
    displayName: '姓名',
    name: '名称',
    parentOrg: '上级组织',
    topLevel: '（顶级）',
    required: '必填',
    confirm: '确定',
    cancel: '取消',
    deleteTitle: '在企业微信中删除 {what}？',
    'effect.member.delete': '下一次完整同步将在企业微信中删除此成员（删除策略：删除）。',
    'effect.member.disable': '按照本连接的删除策略（禁用），下一次完整同步将禁用此成员，而不是删除。',
    'effect.member.refused': '本连接的删除策略为“忽略”：不会删除或禁用成员。',
    'effect.department.delete': '下一次完整同步将在企业微信中删除此部门（仅当其中没有成员和子部门时）。',
    'effect.department.refused': '本连接的组织删除策略为“保留”：不会删除部门。',
    deleteThreshold: '删除会出现在同步计划中并附上原因；超过安全阈值时运行会暂停等待批准。',
    deleteOk: '删除请求已记录：下一次完整同步执行（{effect}）',
    linked: '已关联到 {id}',
    adopted: '已创建 {id} 并关联',
    ignored: '已忽略',
    cleared: '已清除决定',
    emptyMembers: '没有孤立成员',
    emptyDepartments: '没有孤立部门',
    loadFailed: '无法读取孤立对象',
  },
  en: {
    title: 'Orphans',
    intro: 'Members and departments in WeCom that no account or organization owns: link them to an existing account or organization, adopt them into the directory, delete them in WeCom, or ignore them.',
    members: 'Members',
    departments: 'Departments',
    refresh: 'Refresh',
    runs: 'Runs',
    object: 'Object',
    why: 'Why',
    since: 'Since',
    known: 'Known',
    decision: 'Decision',
    actions: 'Actions',
    'why.account deleted': 'Account deleted',
    'why.organization deleted': 'Organization deleted',
    'why.out of scope': 'Out of scope',
    'why.not linked': 'Not linked (made by hand)',
    'why.other connection': 'Managed by connection {name}',
    'known.shadow': 'Values last written',
    'known.ids': 'Ids only',
    knownIdsHelp: "WeCom's id lists give ids and departments only; details are refused to a newly trusted IP (48009).",
    'decision.ignore': 'Ignored',
    'decision.delete': 'To delete',
    'decision.disabled': 'Disabled on request',
    decisionBy: 'by {by} at {at}',
    none: '—',
    disabled: 'disabled',
    account: 'account {id}',
    organization: 'organization {id}',
    parent: 'parent: {id}',
    inDepartments: 'departments: {ids}',
    scanAt: "WeCom's lists last read: {at}",
    noScan: "WeCom's lists not read yet",
    refused: 'refused (48009)',
    link: 'Link',
    adopt: 'Adopt',
    delete: 'Delete',
    ignore: 'Ignore',
    unignore: 'Un-ignore',
    withdraw: 'Withdraw delete',
    linkTitle: 'Link {what}',
    linkMemberHint: "The member becomes the chosen account's link; the next run writes the directory's values to it.",
    linkDepartmentHint: "The department becomes the chosen organization's link; the next run writes the directory's values to it.",
    accountLabel: 'Account',
    organizationLabel: 'Organization',
    searchAccount: 'Search by username or name',
    adoptTitle: 'Adopt {what}',
    adoptMemberHint: 'Creates an account in the directory and links this member to it. When only the id is known, give the name.',
    adoptDepartmentHint: 'Creates an organization in the directory and links this department to it. When only the id is known, give the name.',
    username: 'Username',
    displayName: 'Display name',
    name: 'Name',
    parentOrg: 'Parent organization',
    topLevel: '(top level)',
    required: 'Required',
    confirm: 'OK',
    cancel: 'Cancel',
    deleteTitle: 'Delete {what} in WeCom?',
    'effect.member.delete': 'The next full run deletes this member in WeCom (policy: delete).',
    'effect.member.disable': "Under this connection's deletion policy (disable), the next full run disables this member instead of deleting it.",
    'effect.member.refused': "This connection's deletion policy is \"ignore\": members are never deleted or disabled.",
    'effect.department.delete': 'The next full run deletes this department in WeCom (only once no member or sub-department is left in it).',
    'effect.department.refused': "This connection's organization policy is \"keep\": departments are never deleted.",
    deleteThreshold: 'The delete appears in the sync plan with its reason; above the safety threshold the run waits for approval.',
    deleteOk: 'Delete requested: the next full run carries it out ({effect})',
    linked: 'Linked to {id}',
    adopted: 'Created {id} and linked it',
    ignored: 'Ignored',
    cleared: 'Decision cleared',
    emptyMembers: 'No orphan members',
    emptyDepartments: 'No orphan departments',
    loadFailed: 'The orphans could not be read',
  },
} satisfies Messages;

type Kind = 'member' | 'department';
type Row = ({ kind: 'member' } & OrphanMember) | ({ kind: 'department' } & OrphanDepartment);
type Tr = ReturnType<typeof useT<typeof messages>>;

const idOf = (r: Row): string => (r.kind === 'member' ? r.userid : String(r.departmentId));
const labelOf = (r: Row): string => (r.kind === 'member' ? (r.name ? `${r.name} (${r.userid})` : r.userid) : r.name ? `${r.name} (${r.departmentId})` : `#${r.departmentId}`);
const linkedTo = (r: Row): string | null => (r.kind === 'member' ? r.account : r.organization);

function WhyTag({ row, t }: { row: Row; t: Tr }) {
  const color = row.why === 'not linked' ? 'orange' : row.why === 'other connection' ? 'default' : row.why === 'out of scope' ? 'gold' : 'red';
  return (
    <Tag color={color} data-testid="orphan-why">
      {t(`why.${row.why}`, { name: row.otherConnection ?? '' })}
    </Tag>
  );
}

function ObjectCell({ row, t }: { row: Row; t: Tr }) {
  const holder = linkedTo(row);
  return (
    <Space orientation="vertical" size={0}>
      <Space size={6}>
        {row.kind === 'member' ? <UserOutlined /> : <ApartmentOutlined />}
        <Typography.Text strong>{row.name ?? idOf(row)}</Typography.Text>
        {row.kind === 'member' && row.enabled === false && <Tag>{t('disabled')}</Tag>}
      </Space>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        <Typography.Text code style={{ fontSize: 12 }}>
          {idOf(row)}
        </Typography.Text>
        {row.kind === 'member' && row.departments.length > 0 && ` · ${t('inDepartments', { ids: row.departments.join(', ') })}`}
        {row.kind === 'department' && row.parentId !== null && ` · ${t('parent', { id: row.parentId })}`}
        {holder && ` · ${t(row.kind === 'member' ? 'account' : 'organization', { id: holder })}`}
      </Typography.Text>
    </Space>
  );
}

/** Link to an existing account (a member) or organization (a department). */
function LinkDialog({ name, row, onClose, onDone }: { name: string; row: Row; onClose: () => void; onDone: (msg: string) => void }) {
  const t = useT(messages);
  const { message } = App.useApp();
  const [to, setTo] = useState<string | null>(null);
  const [q, setQ] = useState('');
  const [busy, setBusy] = useState(false);
  const options = useApi(
    async (signal) => {
      if (row.kind === 'member') {
        const page = await ok(api.GET('/accounts', { params: { query: { limit: 50, ...(q ? { q } : {}) } }, signal }));
        return page.items.map((a) => ({ value: a.id, label: `${a.displayName} (${a.username})` }));
      }
      const page = await ok(api.GET('/organizations', { params: { query: { limit: 200, ...(q ? { q } : {}) } }, signal }));
      return page.items.map((o) => ({ value: o.id, label: o.name }));
    },
    [row.kind, q],
  );
  const submit = async () => {
    if (!to) return;
    setBusy(true);
    try {
      const r = await ok(api.POST('/connections/{name}/orphans/{type}/{id}/link', { params: { path: { name, type: row.kind, id: idOf(row) } }, body: { to } }));
      onDone(t('linked', { id: r.linkedTo }));
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={t('linkTitle', { what: labelOf(row) })} okText={t('confirm')} cancelText={t('cancel')} onOk={() => void submit()} onCancel={onClose} okButtonProps={{ disabled: !to, loading: busy, 'data-testid': 'orphan-link-ok' } as ButtonProps}>
      <Typography.Paragraph type="secondary">{t(row.kind === 'member' ? 'linkMemberHint' : 'linkDepartmentHint')}</Typography.Paragraph>
      <Form layout="vertical">
        <Form.Item label={t(row.kind === 'member' ? 'accountLabel' : 'organizationLabel')} required>
          <Select
            showSearch={{ filterOption: false, onSearch: setQ }}
            placeholder={t('searchAccount')}
            value={to}
            onChange={setTo}
            loading={options.loading}
            options={options.data ?? []}
            data-testid="orphan-link-target"
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Adopt into the directory: an account (a member) or organization (a department) made from what is known. */
function AdoptDialog({ name, row, onClose, onDone }: { name: string; row: Row; onClose: () => void; onDone: (msg: string) => void }) {
  const t = useT(messages);
  const { message } = App.useApp();
  const [form] = Form.useForm<{ username?: string; displayName?: string; organization?: string; name?: string; parent?: string }>();
  const [busy, setBusy] = useState(false);
  const orgs = useApi(async (signal) => (await ok(api.GET('/organizations', { params: { query: { limit: 1000 } }, signal }))).items.map((o) => ({ value: o.id, label: o.name })), []);
  const submit = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      const body =
        row.kind === 'member'
          ? { ...(v.username ? { username: v.username } : {}), ...(v.displayName ? { displayName: v.displayName } : {}), ...(v.organization ? { organization: v.organization } : {}) }
          : { ...(v.name ? { name: v.name } : {}), ...(v.parent ? { parent: v.parent } : {}) };
      const r = await ok(api.POST('/connections/{name}/orphans/{type}/{id}/adopt', { params: { path: { name, type: row.kind, id: idOf(row) } }, body }));
      onDone(t('adopted', { id: r.created.id }));
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={t('adoptTitle', { what: labelOf(row) })} okText={t('confirm')} cancelText={t('cancel')} onOk={() => void submit()} onCancel={onClose} okButtonProps={{ loading: busy, 'data-testid': 'orphan-adopt-ok' } as ButtonProps}>
      <Typography.Paragraph type="secondary">{t(row.kind === 'member' ? 'adoptMemberHint' : 'adoptDepartmentHint')}</Typography.Paragraph>
      <Form form={form} layout="vertical" initialValues={row.kind === 'member' ? { username: row.userid, displayName: row.name ?? undefined } : { name: row.name ?? undefined }}>
        {row.kind === 'member' ? (
          <>
            <Form.Item name="displayName" label={t('displayName')} rules={[{ required: true, message: t('required') }]}>
              <Input data-testid="orphan-adopt-name" />
            </Form.Item>
            <Form.Item name="username" label={t('username')}>
              <Input />
            </Form.Item>
            <Form.Item name="organization" label={t('organizationLabel')}>
              <Select allowClear showSearch={{ optionFilterProp: 'label' }} options={orgs.data ?? []} loading={orgs.loading} data-testid="orphan-adopt-org" />
            </Form.Item>
          </>
        ) : (
          <>
            <Form.Item name="name" label={t('name')} rules={[{ required: true, message: t('required') }]}>
              <Input data-testid="orphan-adopt-name" />
            </Form.Item>
            <Form.Item name="parent" label={t('parentOrg')}>
              <Select allowClear placeholder={t('topLevel')} showSearch={{ optionFilterProp: 'label' }} options={orgs.data ?? []} loading={orgs.loading} />
            </Form.Item>
          </>
        )}
      </Form>
    </Modal>
  );
}

function effectKey(row: Row, conn: Connection | null): 'effect.member.delete' | 'effect.member.disable' | 'effect.member.refused' | 'effect.department.delete' | 'effect.department.refused' {
  if (row.kind === 'department') return conn?.policies.onOrganizationDeleted === 'keep' ? 'effect.department.refused' : 'effect.department.delete';
  const p = conn?.policies.onAccountDeleted;
  return p === 'ignore' ? 'effect.member.refused' : p === 'disable' ? 'effect.member.disable' : 'effect.member.delete';
}

export function OrphansPage() {
  const t = useT(messages);
  const explain = useExplain();
  const { name = '' } = useParams();
  const isAdmin = useIsAdmin();
  const { message, modal } = App.useApp();
  const [kind, setKind] = useState<Kind>('member');
  const [dialog, setDialog] = useState<{ action: 'link' | 'adopt'; row: Row } | null>(null);
  const page = useApi(
    async (signal) => {
      const path = { name };
      const [orphans, conn] = await Promise.all([ok(api.GET('/connections/{name}/orphans', { params: { path }, signal })), ok(api.GET('/connections/{name}', { params: { path }, signal }))]);
      return { orphans, conn };
    },
    [name],
    { keepData: true },
  );
  const orphans: Orphans | null = page.data?.orphans ?? null;
  const conn = page.data?.conn ?? null;
  const rows: Row[] | null = orphans
    ? kind === 'member'
      ? orphans.members.map((m) => ({ kind: 'member' as const, ...m }))
      : orphans.departments.map((d) => ({ kind: 'department' as const, ...d }))
    : null;

  const done = (msg: string) => {
    setDialog(null);
    message.success(msg);
    page.refetch();
  };
  const act = async (fn: () => Promise<string>) => {
    try {
      done(await fn());
    } catch (e) {
      message.error((e as Error).message);
      page.refetch();
    }
  };
  const path = (row: Row) => ({ params: { path: { name, type: row.kind, id: idOf(row) } } });
  const ignore = (row: Row) => act(async () => (await ok(api.POST('/connections/{name}/orphans/{type}/{id}/ignore', path(row))), t('ignored')));
  const clear = (row: Row) => act(async () => (await ok(api.DELETE('/connections/{name}/orphans/{type}/{id}/decision', path(row))), t('cleared')));
  const confirmDelete = (row: Row) => {
    const effect = effectKey(row, conn);
    void modal.confirm({
      title: t('deleteTitle', { what: labelOf(row) }),
      content: (
        <Space orientation="vertical" data-testid="orphan-delete-confirm">
          <span>{t(effect)}</span>
          <Typography.Text type="secondary">{t('deleteThreshold')}</Typography.Text>
        </Space>
      ),
      okText: t('delete'),
      okButtonProps: { danger: true, 'data-testid': 'orphan-delete-ok' } as ButtonProps,
      cancelText: t('cancel'),
      onOk: () => act(async () => t('deleteOk', { effect: (await ok(api.POST('/connections/{name}/orphans/{type}/{id}/delete', path(row)))).effect })),
    });
  };

  const scan = orphans?.scan;
  return (
    <div data-testid="orphans">
      <ConnectionCrumbs name={name} trail={[t('title')]} />
      <Flex justify="space-between" align="center" wrap gap={12} style={{ marginBottom: 12 }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('title')} · {name}
        </Typography.Title>
        <Space wrap>
          <Button icon={<ReloadOutlined />} onClick={page.refetch} loading={page.loading}>
            {t('refresh')}
          </Button>
          <Link to={`/connections/${seg(name)}/runs`}>
            <Button>{t('runs')}</Button>
          </Link>
        </Space>
      </Flex>
      <Typography.Paragraph type="secondary">{t('intro')}</Typography.Paragraph>
      {page.error && <Alert type="error" showIcon style={{ marginBottom: 16 }} title={t('loadFailed')} description={page.error.message} />}
      {orphans?.note && <Alert type="info" showIcon style={{ marginBottom: 12 }} title={explain(orphans.note)} data-testid="orphans-note" />}
      <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 12 }}>
        <Segmented<Kind>
          value={kind}
          onChange={setKind}
          data-testid="orphans-kind"
          options={[
            { value: 'member', label: `${t('members')}${orphans ? ` (${orphans.members.length})` : ''}` },
            { value: 'department', label: `${t('departments')}${orphans ? ` (${orphans.departments.length})` : ''}` },
          ]}
        />
        <Typography.Text type="secondary">
          {scan ? (
            <>
              {t('scanAt', { at: '' })}
              <Time at={scan.at} />
              {(scan.members === 'refused' || scan.departments === 'refused') && <Tag color="warning" style={{ marginLeft: 8 }}>{t('refused')}</Tag>}
            </>
          ) : (
            t('noScan')
          )}
        </Typography.Text>
      </Flex>
      <Table<Row>
        size="middle"
        rowKey={(r) => `${r.kind}:${idOf(r)}`}
        loading={rows === null && !page.error}
        dataSource={rows ?? []}
        pagination={{ defaultPageSize: 50, hideOnSinglePage: true }}
        scroll={{ x: 1080 }}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(kind === 'member' ? 'emptyMembers' : 'emptyDepartments')} /> }}
        onRow={(r) => ({ 'data-testid': 'orphan-row', 'data-id': idOf(r), 'data-why': r.why, 'data-decision': r.decision?.action ?? '' }) as HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('object'), key: 'object', width: 200, render: (_, r) => <ObjectCell row={r} t={t} /> },
          { title: t('why'), key: 'why', width: 185, render: (_, r) => <WhyTag row={r} t={t} /> },
          { title: t('since'), key: 'since', width: 150, render: (_, r) => <Time at={r.since} /> },
          {
            title: t('known'),
            key: 'known',
            width: 110,
            render: (_, r) =>
              r.known === 'ids' ? (
                <Tooltip title={t('knownIdsHelp')}>
                  <Tag color="warning">{t('known.ids')}</Tag>
                </Tooltip>
              ) : (
                <Tag>{t('known.shadow')}</Tag>
              ),
          },
          {
            title: t('decision'),
            key: 'decision',
            width: 130,
            render: (_, r) =>
              r.decision ? (
                <Tooltip title={t('decisionBy', { by: r.decision.by, at: new Date(r.decision.at).toLocaleString() })}>
                  <Tag color={r.decision.action === 'delete' ? 'error' : 'default'} data-testid="orphan-decision">
                    {r.decision.done?.kind === 'member.disable' ? t('decision.disabled') : t(`decision.${r.decision.action}`)}
                  </Tag>
                </Tooltip>
              ) : (
                <Typography.Text type="secondary">{t('none')}</Typography.Text>
              ),
          },
          ...(isAdmin
            ? [
                {
                  title: t('actions'),
                  key: 'actions',
                  render: (_: unknown, r: Row) => {
                    if (r.why === 'other connection') return <Typography.Text type="secondary">{t('none')}</Typography.Text>;
                    if (r.decision?.action === 'ignore')
                      return (
                        <Button size="small" onClick={() => void clear(r)} data-testid="orphan-unignore">
                          {t('unignore')}
                        </Button>
                      );
                    const removable = linkedTo(r) === null && !effectKey(r, conn).endsWith('refused');
                    return (
                      <Space size={4} wrap>
                        <Button size="small" onClick={() => setDialog({ action: 'link', row: r })} data-testid="orphan-link">
                          {t('link')}
                        </Button>
                        <Button size="small" onClick={() => setDialog({ action: 'adopt', row: r })} data-testid="orphan-adopt">
                          {t('adopt')}
                        </Button>
                        {r.decision?.action === 'delete' ? (
                          <Button size="small" onClick={() => void clear(r)} data-testid="orphan-withdraw">
                            {t('withdraw')}
                          </Button>
                        ) : (
                          removable && (
                            <Button size="small" danger onClick={() => confirmDelete(r)} data-testid="orphan-delete">
                              {t('delete')}
                            </Button>
                          )
                        )}
                        <Button size="small" type="text" onClick={() => void ignore(r)} data-testid="orphan-ignore">
                          {t('ignore')}
                        </Button>
                      </Space>
                    );
                  },
                },
              ]
            : []),
        ]}
      />
      {dialog?.action === 'link' && <LinkDialog name={name} row={dialog.row} onClose={() => setDialog(null)} onDone={done} />}
      {dialog?.action === 'adopt' && <AdoptDialog name={name} row={dialog.row} onClose={() => setDialog(null)} onDone={done} />}
    </div>
  );
}
