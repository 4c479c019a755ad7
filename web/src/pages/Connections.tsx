// The WeCom connections: one row per company synced into, with links to its settings, mapping,
// plan and runs, and its sync state (the last run, directory changes waiting); and the demo banner (GET /demo): offer a sample directory synced into the
// built-in WeCom simulator, or say that the demo is active and offer to remove it.
import { ExperimentOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Flex, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { type HTMLAttributes, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, api, ok } from '../api';
import type { Connection, DemoStatus, SyncStatus } from '../api/types';
import { DASH } from '../components/format';
import { RemoveDemoButton } from '../components/RemoveDemoButton';
import { SyncStateCell } from '../components/SyncState';
import { errorText } from '../components/formErrors';
import { type Messages, useT } from '../i18n';
import { useApi } from '../hooks/useApi';
import { useIsAdmin } from '../session';

const messages = {
  zh: {
    title: '企业微信连接',
    intro: '每个连接对应一个同步目标企业（企业ID + 通讯录同步Secret）。',
    newConnection: '新建连接',
    refresh: '刷新',
    name: '名称',
    corpId: '企业ID',
    root: '根部门ID',
    defaultDeptShort: '默认部门 {id}',
    proxies: '代理',
    direct: '直连',
    syncState: '同步状态',
    actions: '操作',
    edit: '设置',
    mapping: '字段映射',
    plan: '同步计划',
    runs: '同步记录',
    demo: '演示',
    empty: '还没有连接',
    loadFailed: '无法读取连接列表',
    demoTryTitle: '试用演示',
    demoTryText:
      '一键创建示例：一个包含几百个账号的示例公司目录，以及一个内置的企业微信模拟器，并把目录同步到模拟器中。所有数据只发送到模拟器，不会发送到真实的企业微信。之后可以随时删除演示。',
    demoStart: '试用演示',
    demoStarted: '演示已创建',
    demoActiveTitle: '演示模式：连接“{name}”同步到内置的企业微信模拟器',
    demoActiveText: '示例目录：{orgs} 个组织、{accounts} 个账号。不会向真实的企业微信发送任何数据。',
    demoActiveTextNoCounts: '不会向真实的企业微信发送任何数据。',
    demoNext: '要连接您自己的企业微信：删除演示，然后新建连接。也可以保留演示，新建连接时在“同步范围”中只选择您自己的组织。',
    demoFailed: '操作失败',
  },
  en: {
    title: 'WeCom connections',
    intro: 'Each connection is one WeCom company to sync into (company ID + address book sync secret).',
    newConnection: 'New connection',
    refresh: 'Refresh',
    name: 'Name',
    corpId: 'Company ID',
    root: 'Root department',
    defaultDeptShort: 'default {id}',
    proxies: 'Proxies',
    direct: 'direct',
    syncState: 'Sync status',
    actions: 'Actions',
    edit: 'Settings',
    mapping: 'Mapping',
    plan: 'Plan',
    runs: 'Runs',
    demo: 'Demo',
    empty: 'No connections yet',
    loadFailed: 'Could not read the connections',
    demoTryTitle: 'Try the demo',
    demoTryText:
      'One click sets up a sample company directory of a few hundred accounts and a built-in WeCom simulator, and syncs the directory into it. Everything goes to the simulator: nothing is sent to the real WeCom. You can remove the demo at any time.',
    demoStart: 'Try the demo',
    demoStarted: 'The demo is set up',
    demoActiveTitle: 'Demo mode: connection "{name}" syncs to the built-in simulator',
    demoActiveText: 'Sample directory: {orgs} organizations, {accounts} accounts. Nothing is sent to the real WeCom.',
    demoActiveTextNoCounts: 'Nothing is sent to the real WeCom.',
    demoNext: 'To connect your own WeCom: remove the demo, then create a connection. Or keep the demo and choose only your own organizations under "Scope" in the new connection.',
    demoFailed: 'The operation failed',
  },
} satisfies Messages;

function DemoBanner({ demo, onChanged }: { demo: DemoStatus | null; onChanged: () => void }) {
  const t = useT(messages);
  const isAdmin = useIsAdmin();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);

  if (!demo || demo.state === 'unavailable') return null;

  const start = async () => {
    setBusy(true);
    try {
      const r = await ok(api.POST('/demo'));
      void message.success(t('demoStarted'));
      if (r.run) navigate(`/runs/${encodeURIComponent(r.run)}`);
      else onChanged();
    } catch (e) {
      void message.error(`${t('demoFailed')}: ${errorText(e)}`);
      onChanged();
    } finally {
      setBusy(false);
    }
  };
  if (demo.state === 'available') {
    if (!isAdmin) return null;
    return (
      <div data-testid="demo-banner" data-state="available" style={{ marginBottom: 16 }}>
        <Alert
          type="info"
          showIcon
          icon={<ExperimentOutlined />}
          title={t('demoTryTitle')}
          description={<Typography.Paragraph style={{ marginBottom: 0, maxWidth: 820 }}>{t('demoTryText')}</Typography.Paragraph>}
          action={
            <Button data-testid="demo-start" type="primary" loading={busy} onClick={() => void start()}>
              {t('demoStart')}
            </Button>
          }
        />
      </div>
    );
  }
  const name = demo.connection?.name ?? '';
  const counts =
    demo.organizations !== undefined && demo.accounts !== undefined
      ? t('demoActiveText', { orgs: demo.organizations, accounts: demo.accounts })
      : t('demoActiveTextNoCounts');
  return (
    <div data-testid="demo-banner" data-state="active" style={{ marginBottom: 16 }}>
      <Alert
        type="warning"
        showIcon
        icon={<ExperimentOutlined />}
        title={
          <Space>
            <Tag color="purple">{t('demo')}</Tag>
            {t('demoActiveTitle', { name })}
          </Space>
        }
        description={
          <>
            <div>{counts}</div>
            {isAdmin && <div data-testid="demo-next">{t('demoNext')}</div>}
          </>
        }
        action={isAdmin && <RemoveDemoButton onDone={onChanged} placement="bottomRight" />}
      />
    </div>
  );
}

export function ConnectionsPage() {
  const t = useT(messages);
  const isAdmin = useIsAdmin();
  const navigate = useNavigate();
  const read = useApi(async (signal) => {
    const [list, d] = await Promise.allSettled([ok(api.GET('/connections', { signal })), ok(api.GET('/demo', { signal }))]);
    // No demo endpoint (404) or any other failure: no banner.
    if (d.status === 'rejected' && !(d.reason instanceof ApiError)) console.warn('GET /demo', d.reason);
    const demo: DemoStatus | null = d.status === 'fulfilled' ? d.value : null;
    if (list.status === 'rejected') throw list.reason;
    // each connection's sync state (its last run, changes waiting); one that cannot be read shows none
    const states = await Promise.all(
      list.value.items.map((c) => ok(api.GET('/connections/{name}/status', { params: { path: { name: c.name } }, signal })).catch(() => null)),
    );
    const status = new Map(list.value.items.map((c, i) => [c.id, states[i] ?? null]));
    return { items: list.value.items, demo, status };
  }, []);
  const { loading, refetch: load } = read;
  const items = read.data?.items ?? null;
  const demo = read.data?.demo ?? null;
  const syncState = read.data?.status ?? new Map<string, SyncStatus | null>();
  const error = read.error ? errorText(read.error) : null;

  const isDemo = (c: Connection) =>
    c.demo === true || (demo?.state === 'active' && (demo.connection?.id === c.id || demo.connection?.name === c.name));

  const columns: ColumnsType<Connection> = [
    {
      title: t('name'),
      dataIndex: 'name',
      render: (name: string, c) => (
        <Space size={6} wrap>
          <Link to={`/connections/${encodeURIComponent(name)}`}>
            <Typography.Text strong style={{ whiteSpace: 'nowrap' }}>
              {name}
            </Typography.Text>
          </Link>
          {isDemo(c) && <Tag color="purple">{t('demo')}</Tag>}
        </Space>
      ),
    },
    { title: t('corpId'), dataIndex: 'corpId', render: (v: string) => <Typography.Text code style={{ whiteSpace: 'nowrap' }}>{v}</Typography.Text> },
    {
      // the root department, and the default department for accounts when one is set
      title: <span style={{ whiteSpace: 'nowrap' }}>{t('root')}</span>,
      dataIndex: 'rootDepartmentId',
      align: 'right',
      render: (v: number, c) => (
        <Space orientation="vertical" size={0} align="end">
          <span>{v}</span>
          {c.defaultDepartmentId !== null && (
            <Typography.Text type="secondary" style={{ whiteSpace: 'nowrap' }}>
              {t('defaultDeptShort', { id: c.defaultDepartmentId })}
            </Typography.Text>
          )}
        </Space>
      ),
    },
    {
      title: <span style={{ whiteSpace: 'nowrap' }}>{t('proxies')}</span>,
      dataIndex: 'proxies',
      align: 'right',
      render: (v: string[]) => (v.length ? <span title={v.join('\n')}>{v.length}</span> : <Typography.Text type="secondary">{t('direct')}</Typography.Text>),
    },
    {
      title: t('syncState'),
      key: 'syncState',
      render: (_: unknown, c) => {
        const st = syncState.get(c.id);
        return st ? (
          <Link to={`/connections/${encodeURIComponent(c.name)}/runs`} data-testid={`sync-state-${c.name}`} style={{ color: 'inherit' }}>
            <SyncStateCell status={st} />
          </Link>
        ) : (
          DASH
        );
      },
    },
    {
      title: t('actions'),
      key: 'actions',
      render: (_: unknown, c) => {
        const base = `/connections/${encodeURIComponent(c.name)}`;
        return (
          <Space separator={<Typography.Text type="secondary">|</Typography.Text>} wrap>
            <Link data-testid={`link-edit-${c.name}`} to={base}>
              {t('edit')}
            </Link>
            <Link data-testid={`link-mapping-${c.name}`} to={`${base}/mapping`}>
              {t('mapping')}
            </Link>
            <Link data-testid={`link-plan-${c.name}`} to={`${base}/plan`}>
              {t('plan')}
            </Link>
            <Link data-testid={`link-runs-${c.name}`} to={`${base}/runs`}>
              {t('runs')}
            </Link>
          </Space>
        );
      },
    },
  ];

  return (
    <>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ margin: '8px 0 16px' }}>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('title')}
          </Typography.Title>
          <Typography.Text type="secondary">{t('intro')}</Typography.Text>
        </div>
        <Space>
          <Button icon={<ReloadOutlined />} onClick={load} loading={loading}>
            {t('refresh')}
          </Button>
          {isAdmin && (
            <Button data-testid="new-connection" type="primary" icon={<PlusOutlined />} onClick={() => navigate('/connections/new')}>
              {t('newConnection')}
            </Button>
          )}
        </Space>
      </Flex>
      <DemoBanner demo={demo} onChanged={load} />
      {error && <Alert type="error" showIcon title={t('loadFailed')} description={error} style={{ marginBottom: 16 }} />}
      <Card styles={{ body: { padding: 0 } }}>
        <Table<Connection>
          rowKey="id"
          columns={columns}
          dataSource={items ?? []}
          loading={items === null && !error}
          pagination={false}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText: t('empty') }}
          onRow={(c) => ({ 'data-testid': `connection-row-${c.name}` }) as HTMLAttributes<HTMLElement>}
        />
      </Card>
    </>
  );
}
