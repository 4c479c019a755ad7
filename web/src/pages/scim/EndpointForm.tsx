// Create a SCIM endpoint, or change its settings: how SCIM becomes organizations, the default
// and parent organizations, and (when editing) the account fields as mapping expressions.
import { Alert, Collapse, Form, Input, Modal, Radio, Switch, TreeSelect, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { ApiError, api, ok } from '../../api';
import type { Organization, ScimEndpointSummary, ScimMode } from '../../api/types';
import { errorText } from '../../components/formErrors';
import { useT } from '../../i18n';
import { orgForest } from '../directory/orgs';
import type { IssuedToken } from './Issued';
import { messages } from './messages';

const MODES: ScimMode[] = ['department', 'groups', 'fixed'];
const FIELDS = ['username', 'displayName', 'mobile', 'email', 'telephone', 'title', 'employeeNumber'] as const;

interface Values {
  name?: string;
  mode: ScimMode;
  defaultOrganizationId?: string;
  parentId?: string;
  department?: string;
  separator?: string;
  nestedGroups?: boolean;
  fields?: Partial<Record<(typeof FIELDS)[number], string>>;
}

type TreeOption = { value: string; title: string; children: TreeOption[] };

export function EndpointForm({
  open,
  editing,
  orgs,
  onClose,
  onCreated,
  onSaved,
}: {
  open: boolean;
  /** null: a new endpoint. */
  editing: ScimEndpointSummary | null;
  orgs: Organization[];
  onClose: () => void;
  onCreated: (t: IssuedToken) => void;
  onSaved: () => void;
}) {
  const t = useT(messages);
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const mode = Form.useWatch('mode', form) ?? 'department';
  const treeData = useMemo(() => orgForest<TreeOption>(orgs, (o, children) => ({ value: o.id, title: o.name, children })), [orgs]);

  useEffect(() => {
    if (!open) return;
    setError(null);
    form.resetFields();
    if (editing) {
      const o = editing.settings.organizations;
      form.setFieldsValue({
        mode: o.mode,
        defaultOrganizationId: editing.settings.defaultOrganizationId,
        ...(o.parentId ? { parentId: o.parentId } : {}),
        department: o.department,
        separator: o.separator,
        nestedGroups: o.nestedGroups,
        fields: editing.settings.fields,
      });
    } else form.setFieldsValue({ mode: 'department', separator: '/', nestedGroups: false });
  }, [open, editing, form]);

  const submit = async (v: Values) => {
    setBusy(true);
    setError(null);
    const organizations = {
      mode: v.mode,
      parentId: v.parentId ?? null,
      ...(v.department?.trim() ? { department: v.department.trim() } : {}),
      ...(v.separator ? { separator: v.separator } : {}),
      nestedGroups: v.nestedGroups ?? false,
    };
    try {
      if (editing) {
        const fields = Object.fromEntries(FIELDS.map((f) => [f, v.fields?.[f]?.trim() ?? '']));
        await ok(api.PATCH('/scim/endpoints/{name}', { params: { path: { name: editing.name } }, body: { organizations, fields, ...(v.defaultOrganizationId ? { defaultOrganizationId: v.defaultOrganizationId } : {}) } }));
        onSaved();
      } else {
        const r = await ok(api.POST('/scim/endpoints', { body: { name: (v.name ?? '').trim(), organizations, ...(v.defaultOrganizationId ? { defaultOrganizationId: v.defaultOrganizationId } : {}) } }));
        onCreated(r);
      }
    } catch (e) {
      setError(e instanceof Error ? e : new Error(errorText(e)));
    } finally {
      setBusy(false);
    }
  };

  const orgPicker = (testid: string) => <TreeSelect<string> data-testid={testid} treeData={treeData} allowClear showSearch treeNodeFilterProp="title" treeDefaultExpandAll style={{ width: '100%' }} />;

  return (
    <Modal
      open={open}
      width={720}
      title={editing ? t('formEditTitle', { name: editing.name }) : t('formCreateTitle')}
      okText={editing ? t('save') : t('create')}
      cancelText={t('cancel')}
      okButtonProps={{ loading: busy, ...({ 'data-testid': 'endpoint-submit' } as Record<`data-${string}`, string>) }}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      {error && (
        <Alert
          style={{ marginBottom: 16 }}
          type="error"
          showIcon
          title={error.message}
          description={error instanceof ApiError && error.errors.length > 0 ? error.errors.map((e) => `${e.field}: ${e.message}`).join('\n') : undefined}
        />
      )}
      <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} requiredMark={false}>
        {!editing && (
          <Form.Item name="name" label={t('name')} extra={t('nameHelp')} rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9-]{0,39}$/, message: t('nameHelp') }]}>
            <Input data-testid="endpoint-name" placeholder="entra" maxLength={40} />
          </Form.Item>
        )}
        <Form.Item name="mode" label={t('mode')} extra={t(`modeHelp_${mode}`)}>
          <Radio.Group data-testid="endpoint-mode" optionType="button" options={MODES.map((m) => ({ value: m, label: t(`mode_${m}`) }))} />
        </Form.Item>
        <Form.Item name="defaultOrganizationId" label={t('defaultOrganization')} extra={t('defaultOrganizationHelp')}>
          {orgPicker('endpoint-default-org')}
        </Form.Item>
        {mode !== 'fixed' && (
          <Form.Item name="parentId" label={t('parentOrganization')} extra={t('parentOrganizationHelp')}>
            {orgPicker('endpoint-parent-org')}
          </Form.Item>
        )}
        {mode === 'department' && (
          <Form.Item name="department" label={t('department')} extra={t('departmentHelp')}>
            <Input placeholder="enterprise.department" style={{ fontFamily: 'monospace' }} />
          </Form.Item>
        )}
        {mode !== 'fixed' && (
          <Form.Item name="separator" label={t('separator')}>
            <Input style={{ width: 120 }} maxLength={8} />
          </Form.Item>
        )}
        {mode === 'groups' && (
          <Form.Item name="nestedGroups" label={t('nestedGroups')} valuePropName="checked">
            <Switch />
          </Form.Item>
        )}
        {editing && (
          <Collapse
            size="small"
            items={[
              {
                key: 'fields',
                label: t('fields'),
                children: (
                  <>
                    <Typography.Paragraph type="secondary">{t('fieldsHelp')}</Typography.Paragraph>
                    {FIELDS.map((f) => (
                      <Form.Item key={f} name={['fields', f]} label={t(`field_${f}`)} style={{ marginBottom: 8 }}>
                        <Input placeholder={editing.effectiveFields[f]} style={{ fontFamily: 'monospace' }} />
                      </Form.Item>
                    ))}
                  </>
                ),
              },
            ]}
          />
        )}
      </Form>
    </Modal>
  );
}
