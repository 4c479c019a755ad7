// Identity providers (SCIM): the endpoints Entra ID, Okta and others push users and groups
// through — each with its URL, how its users become organizations, counts, and its tokens
// (issue, shown once; revoke). Everything goes through /api/v1/scim.
import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Flex, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { type HTMLAttributes, useState } from 'react';
import { api, ok } from '../api';
import type { ScimEndpointSummary } from '../api/types';
import { errorText } from '../components/formErrors';
import { useApi } from '../hooks/useApi';
import { useT } from '../i18n';
import { useIsAdmin } from '../session';
import { useOrganizations } from './directory/useDirectory';
import { EndpointForm } from './scim/EndpointForm';
import { type IssuedToken, IssuedModal, scimUrl } from './scim/Issued';
import { TokensPanel } from './scim/Tokens';
import { messages } from './scim/messages';

const MODE_COLORS = { department: 'blue', groups: 'purple', fixed: 'default' } as const;

export function ScimPage() {
  const t = useT(messages);
  const isAdmin = useIsAdmin();
  const { message } = App.useApp();
  const read = useApi((signal) => ok(api.GET('/scim/endpoints', { signal })), []);
  const { orgs, reload: reloadOrgs } = useOrganizations();
  const [form, setForm] = useState<{ editing: ScimEndpointSummary | null } | null>(null);
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const [expanded, setExpanded] = useState<string[]>([]);

  const remove = async (e: ScimEndpointSummary) => {
    try {
      await ok(api.DELETE('/scim/endpoints/{name}', { params: { path: { name: e.name } } }));
      void message.success(t('deleted', { name: e.name }));
    } catch (err) {
      void message.error(`${t('failed')}: ${errorText(err)}`);
    }
    read.refetch();
  };

  const columns: ColumnsType<ScimEndpointSummary> = [
    { title: t('name'), dataIndex: 'name', render: (v: string) => <Typography.Text strong>{v}</Typography.Text> },
    {
      title: t('url'),
      dataIndex: 'path',
      render: (p: string, e) => (
        <Typography.Text data-testid={`url-${e.name}`} code copyable={{ text: scimUrl(p), tooltips: [t('copy'), '✓'] }} style={{ whiteSpace: 'nowrap' }}>
          {scimUrl(p)}
        </Typography.Text>
      ),
    },
    { title: t('mode'), key: 'mode', render: (_: unknown, e) => <Tag color={MODE_COLORS[e.settings.organizations.mode]}>{t(`mode_${e.settings.organizations.mode}`)}</Tag> },
    { title: t('users'), dataIndex: 'users', align: 'right' },
    { title: t('groups'), dataIndex: 'groups', align: 'right' },
    { title: t('tokens'), dataIndex: 'activeTokens', align: 'right' },
    {
      title: t('actions'),
      key: 'actions',
      width: 150,
      render: (_: unknown, e) =>
        isAdmin && (
          <Space separator={<Typography.Text type="secondary">|</Typography.Text>} wrap={false} style={{ whiteSpace: 'nowrap' }}>
            <Typography.Link data-testid={`settings-${e.name}`} onClick={() => setForm({ editing: e })}>
              {t('settings')}
            </Typography.Link>
            <Popconfirm placement="topRight" title={t('deleteConfirm', { name: e.name })} okText={t('yes')} cancelText={t('no')} okButtonProps={{ danger: true }} onConfirm={() => remove(e)}>
              <Typography.Link data-testid={`delete-${e.name}`} type="danger">
                {t('delete')}
              </Typography.Link>
            </Popconfirm>
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
            <Button data-testid="new-endpoint" type="primary" icon={<PlusOutlined />} onClick={() => setForm({ editing: null })}>
              {t('newEndpoint')}
            </Button>
          )}
        </Space>
      </Flex>
      {read.error && <Alert type="error" showIcon title={t('loadFailed')} description={errorText(read.error)} style={{ marginBottom: 16 }} />}
      <Card styles={{ body: { padding: 0 } }}>
        <Table<ScimEndpointSummary>
          rowKey="name"
          columns={columns}
          dataSource={read.data?.items ?? []}
          loading={read.data === null && !read.error}
          pagination={false}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText: t('empty') }}
          expandable={{
            expandedRowKeys: expanded,
            onExpandedRowsChange: (keys) => setExpanded(keys as string[]),
            expandedRowRender: (e) => <TokensPanel name={e.name} onIssued={setIssued} onChanged={read.refetch} />,
          }}
          onRow={(e) => ({ 'data-testid': `endpoint-row-${e.name}` }) as HTMLAttributes<HTMLElement>}
        />
      </Card>
      <EndpointForm
        open={form !== null}
        editing={form?.editing ?? null}
        orgs={orgs ?? []}
        onClose={() => setForm(null)}
        onCreated={(tok) => {
          setForm(null);
          setIssued(tok);
          setExpanded((k) => [...k, tok.name]);
          read.refetch();
          reloadOrgs();
        }}
        onSaved={() => {
          setForm(null);
          void message.success(t('saved'));
          read.refetch();
        }}
      />
      <IssuedModal issued={issued} onClose={() => setIssued(null)} />
    </>
  );
}
