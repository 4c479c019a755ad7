// API tokens (admins only): for scripts calling the REST API. Create (the token is shown once),
// list with the user each acts for and when it was last used, revoke. Through /api/v1/tokens.
import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Checkbox, Form, Input, Modal, Popconfirm, Select, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { api, ok } from '../api';
import type { ApiToken, TokenCreated } from '../api/types';
import { Time } from '../components/format';
import { errorText } from '../components/formErrors';
import { useApi } from '../hooks/useApi';
import { useT } from '../i18n';
import { ListPage } from './users/ListPage';
import { messages } from './users/messages';

type Role = ApiToken['role'];

function CreateTokenModal({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (t: TokenCreated) => void }) {
  const t = useT(messages);
  const [form] = Form.useForm<{ name: string; role: Role }>();
  const [busy, setBusy] = useState(false);
  const submit = async (v: { name: string; role: Role }) => {
    setBusy(true);
    try {
      onCreated(await ok(api.POST('/tokens', { body: { name: v.name.trim(), role: v.role } })));
    } catch (e) {
      form.setFields([{ name: 'name', errors: [errorText(e)] }]);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={open}
      title={t('newToken')}
      okText={t('create')}
      cancelText={t('cancel')}
      okButtonProps={{ loading: busy, ...({ 'data-testid': 'token-submit' } as Record<`data-${string}`, string>) }}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" initialValues={{ role: 'viewer' }} onFinish={(v) => void submit(v)} requiredMark={false} preserve={false}>
        <Form.Item name="name" label={t('tokenName')} extra={t('tokenNameHelp')} rules={[{ required: true, whitespace: true, message: t('required') }]}>
          <Input data-testid="token-name" maxLength={100} autoFocus />
        </Form.Item>
        <Form.Item name="role" label={t('tokenRole')} extra={t('tokenRoleHelp')}>
          <Select
            data-testid="token-role"
            options={[
              { value: 'viewer', label: t('role_viewer') },
              { value: 'admin', label: t('role_admin') },
            ]}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** The one moment a token is shown. */
function IssuedTokenModal({ issued, onClose }: { issued: TokenCreated | null; onClose: () => void }) {
  const t = useT(messages);
  const example = `curl -H "Authorization: Bearer ${issued?.token ?? ''}" ${window.location.origin}/api/v1/auth/me`;
  return (
    <Modal
      open={issued !== null}
      title={t('issuedTitle')}
      width={760}
      closable={false}
      maskClosable={false}
      destroyOnHidden // the token leaves the page with the dialog
      footer={
        <Button data-testid="token-issued-done" type="primary" onClick={onClose}>
          {t('done')}
        </Button>
      }
    >
      {issued && (
        <>
          <Typography.Paragraph>
            <Typography.Text data-testid="token-issued" code copyable style={{ wordBreak: 'break-all', fontSize: 15 }}>
              {issued.token}
            </Typography.Text>
          </Typography.Paragraph>
          <Typography.Paragraph type="secondary">{t('issuedText')}</Typography.Paragraph>
          <Typography.Paragraph>
            <Typography.Text code style={{ wordBreak: 'break-all' }}>
              {example}
            </Typography.Text>
          </Typography.Paragraph>
        </>
      )}
    </Modal>
  );
}

export function TokensPage() {
  const t = useT(messages);
  const { message } = App.useApp();
  const [showRevoked, setShowRevoked] = useState(false);
  const read = useApi((signal) => ok(api.GET('/tokens', { params: { query: { includeRevoked: showRevoked ? 'true' : 'false' } }, signal })), [showRevoked], { keepData: true });
  const users = useApi((signal) => ok(api.GET('/users', { signal })), []);
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<TokenCreated | null>(null);
  const owner = (id: string): string => users.data?.items.find((u) => u.id === id)?.username ?? id;

  const revoke = async (tok: ApiToken) => {
    try {
      await ok(api.DELETE('/tokens/{id}', { params: { path: { id: tok.id } } }));
      void message.success(t('revokedDone'));
    } catch (e) {
      void message.error(`${t('failed')}: ${errorText(e)}`);
    }
    read.refetch();
  };

  const columns: ColumnsType<ApiToken> = [
    { title: t('tokenName'), dataIndex: 'name', render: (v: string) => <Typography.Text strong>{v}</Typography.Text> },
    { title: t('tokenRole'), dataIndex: 'role', width: 120, render: (r: Role) => <Tag color={r === 'admin' ? 'orange' : 'blue'}>{t(`role_${r}`)}</Tag> },
    { title: t('owner'), dataIndex: 'userId', render: (id: string) => owner(id) },
    { title: t('created'), dataIndex: 'createdAt', width: 200, render: (v: string) => <Time at={v} /> },
    { title: t('lastUsed'), dataIndex: 'lastUsedAt', width: 200, render: (v: string | null) => (v ? <Time at={v} /> : <Typography.Text type="secondary">{t('never')}</Typography.Text>) },
    {
      title: t('actions'),
      key: 'actions',
      width: 120,
      render: (_: unknown, tok) =>
        tok.revokedAt !== null ? (
          <Tag>{t('revoked')}</Tag>
        ) : (
          <Popconfirm placement="topRight" title={t('revokeConfirm', { name: tok.name })} okText={t('revoke')} cancelText={t('cancel')} okButtonProps={{ danger: true }} onConfirm={() => revoke(tok)}>
            <Typography.Link data-testid={`revoke-${tok.name}`} type="danger">
              {t('revoke')}
            </Typography.Link>
          </Popconfirm>
        ),
    },
  ];

  return (
    <>
      <ListPage<ApiToken>
        title={t('tokensTitle')}
        intro={t('tokensIntro')}
        before={
          <Checkbox data-testid="show-revoked" checked={showRevoked} onChange={(e) => setShowRevoked(e.target.checked)}>
            {t('showRevoked')}
          </Checkbox>
        }
        actions={
          <Button data-testid="new-token" type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {t('newToken')}
          </Button>
        }
        read={read}
        columns={columns}
        emptyText={t('noTokens')}
        rowTestId={(tok) => `token-row-${tok.name}`}
      />
      <CreateTokenModal
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(tok) => {
          setCreating(false);
          setIssued(tok);
          read.refetch();
        }}
      />
      <IssuedTokenModal issued={issued} onClose={() => setIssued(null)} />
    </>
  );
}
