// "Change my password" (POST /auth/password): the current password, the new one twice. The server
// ends the user's other sessions and keeps this one; a wrong current password counts against the
// sign-in limit (403, then 429).
import { Alert, App, Form, Input, Modal } from 'antd';
import { useState } from 'react';
import { ApiError, api, ok } from '../../api';
import { errorText } from '../../components/formErrors';
import { useT } from '../../i18n';
import { messages } from './messages';

/** The server's minimum (src/auth/passwords.ts); it checks again. */
export const PASSWORD_MIN = 8;

interface Values {
  currentPassword: string;
  newPassword: string;
  confirm: string;
}

export function ChangePasswordModal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const t = useT(messages);
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  const close = () => {
    form.resetFields();
    setFailure(null);
    onClose();
  };
  const submit = async (v: Values) => {
    setBusy(true);
    setFailure(null);
    try {
      await ok(api.POST('/auth/password', { body: { currentPassword: v.currentPassword, newPassword: v.newPassword } }));
      void message.success(t('passwordChanged'));
      close();
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) form.setFields([{ name: 'currentPassword', errors: [t('wrongCurrent')] }]);
      else if (e instanceof ApiError && e.status === 429) setFailure(t('tooMany', { s: String(e.params.seconds ?? 60) }));
      else if (e instanceof ApiError && e.status === 422) form.setFields([{ name: 'newPassword', errors: [t('tooShort', { n: PASSWORD_MIN })] }]);
      else setFailure(`${t('failed')}: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('changePassword')}
      okText={t('save')}
      cancelText={t('cancel')}
      onOk={() => form.submit()}
      onCancel={close}
      confirmLoading={busy}
      okButtonProps={{ ...({ 'data-testid': 'password-submit' } as Record<`data-${string}`, string>) }}
      destroyOnHidden
    >
      {failure && <Alert type="error" showIcon title={failure} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} requiredMark={false}>
        <Form.Item name="currentPassword" label={t('currentPassword')} rules={[{ required: true, message: t('required') }]}>
          <Input.Password data-testid="password-current" autoComplete="current-password" autoFocus />
        </Form.Item>
        <Form.Item
          name="newPassword"
          label={t('newPassword')}
          extra={t('passwordHelp', { n: PASSWORD_MIN })}
          rules={[
            { required: true, message: t('required') },
            { min: PASSWORD_MIN, message: t('tooShort', { n: PASSWORD_MIN }) },
          ]}
        >
          <Input.Password data-testid="password-new" autoComplete="new-password" maxLength={256} />
        </Form.Item>
        <Form.Item
          name="confirm"
          label={t('confirmPassword')}
          dependencies={['newPassword']}
          rules={[
            { required: true, message: t('required') },
            ({ getFieldValue }) => ({
              validator: (_, value) => (!value || value === getFieldValue('newPassword') ? Promise.resolve() : Promise.reject(new Error(t('mismatch')))),
            }),
          ]}
        >
          <Input.Password data-testid="password-confirm" autoComplete="new-password" maxLength={256} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
