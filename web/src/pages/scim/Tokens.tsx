// One endpoint's tokens: when each was made and last used, revoke, and issue another (shown once).
import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Input, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { api, ok } from '../../api';
import type { ScimToken } from '../../api/types';
import { Time } from '../../components/format';
import { errorText } from '../../components/formErrors';
import { useApi } from '../../hooks/useApi';
import { useT } from '../../i18n';
import { useIsAdmin } from '../../session';
import type { IssuedToken } from './Issued';
import { messages } from './messages';

export function TokensPanel({ name, onIssued, onChanged }: { name: string; onIssued: (t: IssuedToken) => void; onChanged: () => void }) {
  const t = useT(messages);
  const isAdmin = useIsAdmin();
  const { message } = App.useApp();
  const [tokenName, setTokenName] = useState('');
  const [busy, setBusy] = useState(false);
  const read = useApi((signal) => ok(api.GET('/scim/endpoints/{name}/tokens', { params: { path: { name }, query: { includeRevoked: 'true' } }, signal })), [name]);

  const issue = async () => {
    setBusy(true);
    try {
      const r = await ok(api.POST('/scim/endpoints/{name}/tokens', { params: { path: { name } }, body: tokenName.trim() ? { name: tokenName.trim() } : {} }));
      setTokenName('');
      onIssued(r);
      read.refetch();
      onChanged();
    } catch (e) {
      void message.error(`${t('failed')}: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (tok: ScimToken) => {
    try {
      await ok(api.DELETE('/scim/endpoints/{name}/tokens/{id}', { params: { path: { name, id: tok.id } } }));
      void message.success(t('revokedDone'));
      read.refetch();
      onChanged();
    } catch (e) {
      void message.error(`${t('failed')}: ${errorText(e)}`);
    }
  };

  return (
    <div data-testid={`tokens-${name}`} style={{ padding: '4px 0' }}>
      <Space style={{ marginBottom: 8 }} wrap>
        <Typography.Text strong>{t('tokensOf', { name })}</Typography.Text>
        {isAdmin && (
          <Space.Compact>
            <Input data-testid={`token-name-${name}`} value={tokenName} onChange={(e) => setTokenName(e.target.value)} placeholder={t('issueNamePlaceholder')} style={{ width: 220 }} maxLength={100} />
            <Button data-testid={`issue-${name}`} icon={<PlusOutlined />} loading={busy} onClick={() => void issue()}>
              {t('issue')}
            </Button>
          </Space.Compact>
        )}
      </Space>
      <Table<ScimToken>
        size="small"
        rowKey="id"
        pagination={false}
        loading={read.loading && read.data === null}
        dataSource={read.data?.items ?? []}
        columns={[
          { title: t('tokenName'), dataIndex: 'name' },
          { title: t('created'), dataIndex: 'createdAt', render: (v: string) => <Time at={v} /> },
          { title: t('lastUsed'), dataIndex: 'lastUsedAt', render: (v: string | null) => (v ? <Time at={v} /> : <Typography.Text type="secondary">{t('never')}</Typography.Text>) },
          { title: t('status'), dataIndex: 'revokedAt', render: (v: string | null) => (v ? <Tag>{t('revoked')}</Tag> : <Tag color="green">{t('active')}</Tag>) },
          {
            title: t('actions'),
            key: 'actions',
            render: (_: unknown, tok) =>
              isAdmin && tok.revokedAt === null ? (
                <Popconfirm placement="topRight" title={t('revokeConfirm', { name: tok.name })} okText={t('revoke')} cancelText={t('no')} okButtonProps={{ danger: true }} onConfirm={() => revoke(tok)}>
                  <Button data-testid={`revoke-${tok.name}`} size="small" danger type="link">
                    {t('revoke')}
                  </Button>
                </Popconfirm>
              ) : null,
          },
        ]}
      />
    </div>
  );
}
