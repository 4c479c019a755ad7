// Directory sources (LDAP / Active Directory): each source with its server, what it imported and
// its last pull; Test, Pull now (and a full pull), Approve a held pull; the recent pulls with the
// entries they skipped. Everything goes through /api/v1/sources.
import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Flex, List, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { type HTMLAttributes, useState } from 'react';
import { ApiError, api, ok } from '../api';
import type { Source, SourcePull, SourcePullResult } from '../api/types';
import { errorText } from '../components/formErrors';
import { useApi } from '../hooks/useApi';
import { useLang, useServerText, useT } from '../i18n';
import { Time } from '../components/format';
import { useIsAdmin } from '../session';
import { SourceForm } from './sources/SourceForm';
import { messages } from './sources/messages';

const STATUS_COLORS = { ok: 'green', errors: 'orange', held: 'gold', failed: 'red' } as const;

function PullsPanel({ name }: { name: string }) {
  const t = useT(messages);
  const serverText = useServerText();
  const read = useApi((signal) => ok(api.GET('/sources/{name}', { params: { path: { name } }, signal })), [name]);
  if (read.error) return <Alert type="error" showIcon title={errorText(read.error)} />;
  const pulls = read.data?.pulls ?? [];
  return (
    <List<SourcePull>
      data-testid={`pulls-${name}`}
      header={<Typography.Text strong>{t('pulls')}</Typography.Text>}
      size="small"
      loading={read.data === null}
      dataSource={pulls}
      renderItem={(p) => {
        const r = p.result as Partial<SourcePullResult> & { message?: string; code?: string; params?: Record<string, unknown> };
        return (
          <List.Item>
            <Space direction="vertical" size={2} style={{ width: '100%' }}>
              <Space wrap>
                <Tag color={STATUS_COLORS[p.status]}>{t(`status_${p.status}`)}</Tag>
                <Typography.Text type="secondary">
                  <Time at={p.startedAt} />
                </Typography.Text>
                <Typography.Text type="secondary">{t(p.mode === 'full' ? 'mode_full' : 'mode_delta')}</Typography.Text>
                {r.accounts && r.organizations && (
                  <Typography.Text>
                    {t('pulled', { oc: r.organizations.created, ou: r.organizations.updated, od: r.organizations.deleted, ac: r.accounts.created, au: r.accounts.updated, ad: r.accounts.disabled, ax: r.accounts.deleted })}
                  </Typography.Text>
                )}
                {r.message && <Typography.Text type="danger">{serverText(r.code ? { code: r.code, params: r.params ?? {} } : null, r.message)}</Typography.Text>}
              </Space>
              {r.errors && r.errors.length > 0 && (
                <ul style={{ margin: 0 }} data-testid={`skipped-${name}`}>
                  {r.errors.map((e) => (
                    <li key={e.dn}>
                      <Typography.Text code>{e.dn}</Typography.Text> {serverText(e.code ? { code: e.code, params: e.params ?? {} } : null, e.message)}
                    </li>
                  ))}
                </ul>
              )}
            </Space>
          </List.Item>
        );
      }}
    />
  );
}

export function SourcesPage() {
  const t = useT(messages);
  const serverText = useServerText();
  const { lang } = useLang();
  const isAdmin = useIsAdmin();
  const { message, modal } = App.useApp();
  const read = useApi((signal) => ok(api.GET('/sources', { signal })), []);
  const [creating, setCreating] = useState(false);
  const [expanded, setExpanded] = useState<string[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [panelKey, setPanelKey] = useState(0);

  const test = async (s: Source) => {
    setBusy(`test-${s.name}`);
    try {
      const r = await ok(api.POST('/sources/{name}/test', { params: { path: { name: s.name } } }));
      // the counts, in the user's language (the server's English sentence says the same, for the CLI)
      if (r.ok) void message.success(lang === 'en' || r.users == null ? t('testOk', { message: r.message }) : t('testOkCounts', { users: r.users, orgs: r.organizations ?? 0 }));
      else void message.error(t('testFailed', { message: serverText(r.code ? { code: r.code, params: r.params ?? {} } : null, r.message) }));
    } catch (err) {
      void message.error(`${t('failed')}: ${errorText(err)}`);
    } finally {
      setBusy(null);
    }
  };

  const pull = async (s: Source, opts: { full?: boolean; approve?: boolean } = {}) => {
    setBusy(`pull-${s.name}`);
    try {
      const r = await ok(api.POST('/sources/{name}/pull', { params: { path: { name: s.name } }, body: opts }));
      const o = r.organizations;
      const a = r.accounts;
      void message.success(t('pulled', { oc: o.created, ou: o.updated, od: o.deleted, ac: a.created, au: a.updated, ad: a.disabled, ax: a.deleted }));
      if (r.errors.length > 0) void message.warning(t('pulledErrors', { n: r.errors.length }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && String((err.body as { type?: string } | null)?.type ?? '').endsWith('source-pull-held'))
        modal.confirm({ title: t('held'), content: err.message, okText: t('approve'), cancelText: t('cancel'), onOk: () => pull(s, { ...opts, approve: true }) });
      else void message.error(`${t('failed')}: ${errorText(err)}`);
    } finally {
      setBusy(null);
      setExpanded((k) => (k.includes(s.name) ? k : [...k, s.name]));
      setPanelKey((k) => k + 1);
      read.refetch();
    }
  };

  const columns: ColumnsType<Source> = [
    { title: t('name'), dataIndex: 'name', render: (v: string) => <Typography.Text strong>{v}</Typography.Text> },
    {
      title: t('server'),
      key: 'server',
      render: (_: unknown, s) => (
        <Space>
          <Typography.Text code style={{ wordBreak: 'break-all' }}>
            {s.url}
          </Typography.Text>
          {s.startTls && <Tag>StartTLS</Tag>}
          <Tag color={s.flavor === 'ad' ? 'blue' : 'purple'}>{s.flavor === 'ad' ? 'AD' : 'OpenLDAP'}</Tag>
        </Space>
      ),
    },
    { title: t('baseDn'), dataIndex: 'baseDn', render: (v: string) => (
        <Typography.Text code style={{ wordBreak: 'break-all' }}>
          {v}
        </Typography.Text>
      ),
    },
    { title: t('owned'), key: 'owned', align: 'right', render: (_: unknown, s) => `${s.owned.organizations} / ${s.owned.accounts}` },
    {
      title: t('lastPull'),
      key: 'lastPull',
      render: (_: unknown, s) =>
        s.lastPull ? (
          <Space>
            <Tag data-testid={`status-${s.name}`} color={STATUS_COLORS[s.lastPull.status]}>
              {t(`status_${s.lastPull.status}`)}
            </Tag>
            <Typography.Text type="secondary">
              <Time at={s.lastPull.startedAt} />
            </Typography.Text>
          </Space>
        ) : (
          <Typography.Text type="secondary">{t('never')}</Typography.Text>
        ),
    },
    {
      title: t('actions'),
      key: 'actions',
      render: (_: unknown, s) =>
        isAdmin && (
          <Space wrap={false}>
            <Button size="small" data-testid={`test-${s.name}`} loading={busy === `test-${s.name}`} onClick={() => void test(s)}>
              {t('test')}
            </Button>
            <Button size="small" type="primary" data-testid={`pull-${s.name}`} loading={busy === `pull-${s.name}`} onClick={() => void pull(s)}>
              {t('pull')}
            </Button>
            <Button size="small" onClick={() => void pull(s, { full: true })} disabled={busy !== null}>
              {t('fullPull')}
            </Button>
          </Space>
        ),
    },
  ];

  return (
    <>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ margin: '8px 0 16px' }}>
        <div style={{ maxWidth: 900 }}>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('title')}
          </Typography.Title>
          <Typography.Text type="secondary">{t('intro')}</Typography.Text>
        </div>
        <Space>
          <Button icon={<ReloadOutlined />} onClick={read.refetch} loading={read.loading}>
            {t('refresh')}
          </Button>
          {isAdmin && (
            <Button data-testid="new-source" type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
              {t('newSource')}
            </Button>
          )}
        </Space>
      </Flex>
      {read.error && <Alert type="error" showIcon title={t('loadFailed')} description={errorText(read.error)} style={{ marginBottom: 16 }} />}
      <Card styles={{ body: { padding: 0 } }}>
        <Table<Source>
          rowKey="name"
          columns={columns}
          dataSource={read.data?.items ?? []}
          loading={read.data === null && !read.error}
          pagination={false}
          locale={{ emptyText: t('empty') }}
          expandable={{
            expandedRowKeys: expanded,
            onExpandedRowsChange: (keys) => setExpanded(keys as string[]),
            expandedRowRender: (s) => <PullsPanel key={`${s.name}-${panelKey}`} name={s.name} />,
          }}
          onRow={(s) => ({ 'data-testid': `source-row-${s.name}` }) as HTMLAttributes<HTMLElement>}
        />
      </Card>
      <SourceForm
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={() => {
          setCreating(false);
          read.refetch();
        }}
      />
    </>
  );
}
