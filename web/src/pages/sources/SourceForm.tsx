// Create an LDAP / AD source: the server, TLS, the bind (the password is sent once and stored
// encrypted), the base DN and filters. Creating tests the bind; the server's answer shows here.
import { Alert, Checkbox, Form, Input, InputNumber, Modal } from 'antd';
import { useEffect, useState } from 'react';
import { ApiError, api, ok } from '../../api';
import { errorText } from '../../components/formErrors';
import { useT } from '../../i18n';
import { messages } from './messages';

interface Values {
  name: string;
  url: string;
  startTls?: boolean;
  ca?: string;
  bindDn?: string;
  bindPassword?: string;
  baseDn: string;
  userFilter?: string;
  orgFilter?: string;
  intervalMinutes?: number | null;
}

export function SourceForm({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (name: string) => void }) {
  const t = useT(messages);
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | Error | null>(null);

  useEffect(() => {
    if (!open) return;
    setError(null);
    form.resetFields();
  }, [open, form]);

  const submit = async (v: Values) => {
    setBusy(true);
    setError(null);
    const opt = (s: string | undefined) => (s?.trim() ? s.trim() : undefined);
    try {
      const r = await ok(
        api.POST('/sources', {
          body: {
            name: v.name.trim(),
            kind: 'ldap',
            url: v.url.trim(),
            baseDn: v.baseDn.trim(),
            ...(v.startTls ? { startTls: true } : {}),
            ...(opt(v.ca) ? { ca: opt(v.ca)! } : {}),
            ...(opt(v.bindDn) ? { bindDn: opt(v.bindDn)! } : {}),
            ...(v.bindPassword ? { bindPassword: v.bindPassword } : {}),
            ...(opt(v.userFilter) ? { userFilter: opt(v.userFilter)! } : {}),
            ...(opt(v.orgFilter) ? { orgFilter: opt(v.orgFilter)! } : {}),
            ...(v.intervalMinutes ? { intervalMinutes: v.intervalMinutes } : {}),
          },
        }),
      );
      onCreated(r.name);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(errorText(e)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      width={720}
      title={t('formTitle')}
      okText={t('create')}
      cancelText={t('cancel')}
      okButtonProps={{ loading: busy, ...({ 'data-testid': 'source-submit' } as Record<`data-${string}`, string>) }}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      {error && (
        <Alert
          data-testid="source-error"
          style={{ marginBottom: 16 }}
          type="error"
          showIcon
          title={error.message}
          description={error instanceof ApiError && error.errors.length > 0 ? error.errors.map((e) => `${e.field}: ${e.message}`).join('\n') : undefined}
        />
      )}
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} requiredMark={false}>
        <Form.Item name="name" label={t('name')} extra={t('nameHelp')} rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9-]{0,39}$/, message: t('nameHelp') }]}>
          <Input data-testid="source-name" placeholder="corp-ad" maxLength={40} />
        </Form.Item>
        <Form.Item name="url" label={t('url')} extra={t('urlHelp')} rules={[{ required: true, pattern: /^ldaps?:\/\//, message: t('urlHelp') }]}>
          <Input data-testid="source-url" placeholder="ldaps://dc1.corp.example:636" />
        </Form.Item>
        <Form.Item name="startTls" valuePropName="checked">
          <Checkbox>{t('startTls')}</Checkbox>
        </Form.Item>
        <Form.Item name="ca" label={t('ca')} extra={t('caHelp')}>
          <Input.TextArea rows={3} placeholder="-----BEGIN CERTIFICATE-----" style={{ fontFamily: 'monospace' }} />
        </Form.Item>
        <Form.Item name="bindDn" label={t('bindDn')}>
          <Input data-testid="source-bind-dn" placeholder="CN=wecom-sync,OU=Service,DC=corp,DC=example" />
        </Form.Item>
        <Form.Item name="bindPassword" label={t('bindPassword')} extra={t('bindPasswordHelp')}>
          <Input.Password data-testid="source-bind-password" autoComplete="new-password" />
        </Form.Item>
        <Form.Item name="baseDn" label={t('baseDn')} rules={[{ required: true }]}>
          <Input data-testid="source-base-dn" placeholder="DC=corp,DC=example" />
        </Form.Item>
        <Form.Item name="userFilter" label={t('userFilter')} extra={t('filterHelp')}>
          <Input style={{ fontFamily: 'monospace' }} />
        </Form.Item>
        <Form.Item name="orgFilter" label={t('orgFilter')}>
          <Input style={{ fontFamily: 'monospace' }} placeholder="(objectClass=organizationalUnit)" />
        </Form.Item>
        <Form.Item name="intervalMinutes" label={t('interval')}>
          <InputNumber min={1} max={10080} style={{ width: 160 }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
