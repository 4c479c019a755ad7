// Users (admins only): who can sign in, with which role; create, change the role, disable or enable,
// set a new password. Everything goes through /api/v1/users; the server keeps one active admin.
import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Form, Input, Modal, Popconfirm, Select, Space, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { ApiError, api, ok } from '../api';
import type { User } from '../api/types';
import { Time } from '../components/format';
import { errorText } from '../components/formErrors';
import { useApi } from '../hooks/useApi';
import { useT } from '../i18n';
import { useSession } from '../session';
import { PASSWORD_MIN } from './users/ChangePassword';
import { ListPage } from './users/ListPage';
import { messages } from './users/messages';

type Role = User['role'];
type T = ReturnType<typeof useT<typeof messages>>;

/** 24 characters of base64url from the browser's CSPRNG (like the server's generated passwords). */
function randomPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_');
}

/** The server's refusal in the reader's language where it is one we know. */
function refusal(e: unknown, t: T): string {
  if (e instanceof ApiError && e.status === 409 && e.errors.some((f) => f.code === 'invalid.last-admin')) return t('lastAdmin');
  if (e instanceof ApiError && e.status === 409) return t('taken');
  return `${t('failed')}: ${errorText(e)}`;
}

const roleOptions = (t: T) => [
  { value: 'viewer', label: t('role_viewer') },
  { value: 'admin', label: t('role_admin') },
];

/** A password field with a "generate" link that fills in a random one, shown in clear so it can be copied. */
function PasswordField({ testid }: { testid: string }) {
  const t = useT(messages);
  const form = Form.useFormInstance();
  return (
    <Form.Item label={t('password')} required extra={t('tooShort', { n: PASSWORD_MIN })}>
      <Space.Compact style={{ width: '100%' }}>
        <Form.Item name="password" noStyle rules={[{ required: true, message: t('required') }, { min: PASSWORD_MIN, message: t('tooShort', { n: PASSWORD_MIN }) }]}>
          <Input data-testid={testid} autoComplete="new-password" maxLength={256} />
        </Form.Item>
        <Button data-testid={`${testid}-generate`} onClick={() => form.setFieldsValue({ password: randomPassword() })}>
          {t('generate')}
        </Button>
      </Space.Compact>
    </Form.Item>
  );
}

function CreateUserModal({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (u: User) => void }) {
  const t = useT(messages);
  const [form] = Form.useForm<{ username: string; password: string; role: Role }>();
  const [busy, setBusy] = useState(false);
  const submit = async (v: { username: string; password: string; role: Role }) => {
    setBusy(true);
    try {
      onCreated(await ok(api.POST('/users', { body: { username: v.username.trim(), password: v.password, role: v.role } })));
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) form.setFields([{ name: 'username', errors: [t('taken')] }]);
      else if (e instanceof ApiError && e.errors.some((f) => f.field === 'username')) form.setFields([{ name: 'username', errors: [t('badUsername')] }]);
      else form.setFields([{ name: 'username', errors: [errorText(e)] }]);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={open}
      title={t('createTitle')}
      okText={t('create')}
      cancelText={t('cancel')}
      okButtonProps={{ loading: busy, ...({ 'data-testid': 'user-submit' } as Record<`data-${string}`, string>) }}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" initialValues={{ role: 'viewer' }} onFinish={(v) => void submit(v)} requiredMark={false} preserve={false}>
        <Form.Item name="username" label={t('username')} extra={t('usernameHelp')} rules={[{ required: true, message: t('required') }, { pattern: /^[A-Za-z0-9._@-]{1,64}$/, message: t('badUsername') }]}>
          <Input data-testid="user-username" autoComplete="off" maxLength={64} autoFocus />
        </Form.Item>
        <PasswordField testid="user-password" />
        <Form.Item name="role" label={t('role')}>
          <Select data-testid="user-role" options={roleOptions(t)} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function ResetPasswordModal({ user, onClose }: { user: User | null; onClose: () => void }) {
  const t = useT(messages);
  const { message } = App.useApp();
  const [form] = Form.useForm<{ password: string }>();
  const [busy, setBusy] = useState(false);
  const submit = async (v: { password: string }) => {
    if (!user) return;
    setBusy(true);
    try {
      await ok(api.PATCH('/users/{id}', { params: { path: { id: user.id } }, body: { password: v.password } }));
      void message.success(t('passwordSet', { name: user.username }));
      onClose();
    } catch (e) {
      form.setFields([{ name: 'password', errors: [errorText(e)] }]);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={user !== null}
      title={user ? t('resetTitle', { name: user.username }) : ''}
      okText={t('save')}
      cancelText={t('cancel')}
      okButtonProps={{ loading: busy, ...({ 'data-testid': 'reset-submit' } as Record<`data-${string}`, string>) }}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{t('resetHelp')}</Typography.Paragraph>
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} requiredMark={false} preserve={false}>
        <PasswordField testid="reset-password" />
      </Form>
    </Modal>
  );
}

export function UsersPage() {
  const t = useT(messages);
  const { me } = useSession();
  const { message } = App.useApp();
  const read = useApi((signal) => ok(api.GET('/users', { signal })), []);
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<User | null>(null);

  const update = async (u: User, body: { role?: Role; disabled?: boolean }) => {
    try {
      await ok(api.PATCH('/users/{id}', { params: { path: { id: u.id } }, body }));
      void message.success(t('saved'));
    } catch (e) {
      void message.error(refusal(e, t));
    }
    read.refetch();
  };

  const columns: ColumnsType<User> = [
    {
      title: t('username'),
      dataIndex: 'username',
      render: (v: string, u) => (
        <Typography.Text strong style={{ whiteSpace: 'nowrap' }}>
          {v}
          {u.id === me?.userId && <Typography.Text type="secondary">{t('you')}</Typography.Text>}
        </Typography.Text>
      ),
    },
    {
      title: t('role'),
      dataIndex: 'role',
      width: 160,
      render: (r: Role, u) => <Select<Role> data-testid={`role-${u.username}`} aria-label={`${t('role')}: ${u.username}`} size="small" value={r} style={{ width: 120 }} options={roleOptions(t)} onChange={(role) => void update(u, { role })} />,
    },
    { title: t('status'), dataIndex: 'disabled', width: 120, render: (d: boolean) => (d ? <Tag>{t('disabled')}</Tag> : <Tag color="green">{t('active')}</Tag>) },
    { title: t('created'), dataIndex: 'createdAt', width: 200, render: (v: string) => <Time at={v} /> },
    {
      title: t('actions'),
      key: 'actions',
      width: 220,
      render: (_: unknown, u) => (
        <Space separator={<Typography.Text type="secondary">|</Typography.Text>} wrap={false} style={{ whiteSpace: 'nowrap' }}>
          <Typography.Link data-testid={`reset-${u.username}`} onClick={() => setResetting(u)}>
            {t('resetPassword')}
          </Typography.Link>
          {u.disabled ? (
            <Typography.Link data-testid={`enable-${u.username}`} onClick={() => void update(u, { disabled: false })}>
              {t('enable')}
            </Typography.Link>
          ) : (
            <Popconfirm placement="topRight" title={t('disableConfirm', { name: u.username })} okText={t('disable')} cancelText={t('cancel')} okButtonProps={{ danger: true }} onConfirm={() => update(u, { disabled: true })}>
              <Typography.Link data-testid={`disable-${u.username}`} type="danger">
                {t('disable')}
              </Typography.Link>
            </Popconfirm>
          )}
        </Space>
      ),
    },
  ];

  return (
    <>
      <ListPage<User>
        title={t('usersTitle')}
        intro={
          <>
            {t('usersIntro').split('{cmd}')[0]}
            <Typography.Text code style={{ whiteSpace: 'nowrap' }}>
              npx wecom-sync users reset-password
            </Typography.Text>
            {t('usersIntro').split('{cmd}')[1]}
          </>
        }
        actions={
          <Button data-testid="new-user" type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {t('newUser')}
          </Button>
        }
        read={read}
        columns={columns}
        emptyText={t('noUsers')}
        rowTestId={(u) => `user-row-${u.username}`}
      />
      <CreateUserModal
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(u) => {
          setCreating(false);
          void message.success(t('created_ok', { name: u.username }));
          read.refetch();
        }}
      />
      <ResetPasswordModal user={resetting} onClose={() => setResetting(null)} />
    </>
  );
}
