// The edit drawer of an account (administrators): its fields, organizations (a tree picker)
// and the primary one. Saving PATCHes only what changed; the sync worker takes it to WeCom.
// The same form creates an account (`creating`): with its username, POSTed whole.
import { Alert, App, Button, Col, Drawer, Flex, Form, Input, Radio, Row, Select, TreeSelect, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { ApiError, api, ok } from '../../api';
import { splitFieldErrors } from '../../components/formErrors';
import { useT } from '../../i18n';
import { EDIT_FIELDS, type EditValues, accountCreateBody, accountPatchBody, newEditValues, toEditValues } from './accountPatch';
import { messages } from './messages';
import { orgForest } from './orgs';
import { useContactHolder } from './useContactHolder';
import type { Account, Gender, Organization } from '../../api/types';

type OrgOption = { value: string; title: string; children: OrgOption[] };

/** A new account, first placed in `organizationId` (null: none chosen yet). */
export interface NewAccount {
  organizationId: string | null;
}

export function AccountDrawer({
  account,
  creating = null,
  orgs,
  onClose,
  onSaved,
}: {
  /** The account being edited; null = closed (unless creating). */
  account: Account | null;
  /** Set: the drawer creates an account. */
  creating?: NewAccount | null;
  orgs: Organization[];
  onClose: () => void;
  onSaved: (a: Account) => void;
}) {
  const t = useT(messages);
  const { message } = App.useApp();
  const [form] = Form.useForm<EditValues & { username: string }>();
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const orgIds = Form.useWatch('organizationIds', form) ?? [];
  const mobileHolder = useContactHolder('mobile', Form.useWatch('mobile', form), account?.id);
  const emailHolder = useContactHolder('email', Form.useWatch('email', form), account?.id);
  const heldBy = (field: 'mobileHeld' | 'emailHeld', holder: Account | null, testId: string) =>
    holder && (
      <Typography.Text type="warning" data-testid={testId}>
        {t(field, { name: holder.displayName, username: holder.username })}
      </Typography.Text>
    );

  const treeData = useMemo(() => orgForest<OrgOption>(orgs, (o, children) => ({ value: o.id, title: o.name, children })), [orgs]);
  const orgName = useMemo(() => new Map(orgs.map((o) => [o.id, o.name])), [orgs]);

  const open = account !== null || creating !== null;
  useEffect(() => {
    if (!account && !creating) return;
    setFormError(null);
    form.resetFields();
    form.setFieldsValue(account ? toEditValues(account) : { ...newEditValues(creating?.organizationId ?? null), username: '' });
  }, [account, creating, form]);

  const save = async () => {
    if (!open) return;
    let v: EditValues & { username: string };
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    const body = account ? accountPatchBody(v, account) : null;
    if (body && Object.keys(body).length === 0) {
      message.info(t('noChange'));
      onClose();
      return;
    }
    setSaving(true);
    setFormError(null);
    try {
      const saved = account
        ? await ok(api.PATCH('/accounts/{id}', { params: { path: { id: account.id } }, body: body! }))
        : await ok(api.POST('/accounts', { body: accountCreateBody(v.username, v) }));
      message.success(t(account ? 'saved' : 'created'));
      onSaved(saved);
    } catch (e) {
      if (e instanceof ApiError && e.errors.length > 0) {
        const { fields, rest } = splitFieldErrors(e.errors, (p) => p.length === 1 && (EDIT_FIELDS.has(String(p[0])) || (!account && p[0] === 'username')));
        // the server's answer replaces its previous one: a field it no longer names loses its old error
        form.setFields(form.getFieldsError().filter((f) => f.errors.length > 0).map((f) => ({ name: f.name as never, errors: [] })));
        form.setFields(fields.map((f) => ({ name: f.name as never, errors: f.errors })));
        setFormError(rest.length > 0 ? rest.map((x) => `${x.field}: ${x.message}`).join('; ') : t('invalid'));
      } else setFormError(t('conflict', { msg: (e as Error).message }));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Drawer
      open={open}
      onClose={onClose}
      size={520}
      destroyOnHidden
      title={account ? t('editTitle', { username: account.username }) : creating ? t('newAccountTitle') : ''}
      extra={
        account && (
          <Typography.Text type="secondary">
            {t('version', { n: account.version })}
          </Typography.Text>
        )
      }
      footer={
        <Flex justify="flex-end" gap={8}>
          <Button onClick={onClose}>{t('cancel')}</Button>
          <Button type="primary" loading={saving} onClick={() => void save()} data-testid="account-save">
            {t('save')}
          </Button>
        </Flex>
      }
    >
      <Alert type="info" showIcon title={t('syncNote')} style={{ marginBottom: 16 }} />
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} />}
      <Form<EditValues & { username: string }> form={form} layout="vertical" requiredMark="optional" onFinish={() => void save()}>
        {!account && (
          <Form.Item name="username" label={t('username')} extra={t('usernameHelp')} rules={[{ required: true, whitespace: true, message: t('required') }]}>
            <Input data-testid="account-username" maxLength={64} />
          </Form.Item>
        )}
        <Form.Item name="displayName" label={t('displayName')} rules={[{ required: true, whitespace: true, message: t('required') }]}>
          <Input data-testid="account-name" maxLength={64} />
        </Form.Item>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="mobile" label={t('mobile')} extra={heldBy('mobileHeld', mobileHolder, 'account-mobile-held')}>
              <Input data-testid="account-mobile" placeholder="+86 13800000000" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="email" label={t('email')} extra={heldBy('emailHeld', emailHolder, 'account-email-held')}>
              <Input data-testid="account-email" placeholder="name@example.com" />
            </Form.Item>
          </Col>
        </Row>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="title" label={t('position')}>
              <Input data-testid="account-title" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="telephone" label={t('telephone')}>
              <Input data-testid="account-telephone" />
            </Form.Item>
          </Col>
        </Row>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="status" label={t('status')}>
              <Radio.Group
                optionType="button"
                buttonStyle="solid"
                data-testid="account-status"
                options={[
                  { value: 'enabled', label: t('enabled') },
                  { value: 'disabled', label: t('disabled') },
                ]}
              />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="gender" label={t('gender')}>
              <Select<Gender>
                options={[
                  { value: 'unspecified', label: t('unspecified') },
                  { value: 'male', label: t('male') },
                  { value: 'female', label: t('female') },
                ]}
              />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="organizationIds" label={t('organizationIds')} rules={[{ required: true, type: 'array', min: 1, message: t('required') }]}>
          <TreeSelect<string[]>
            multiple
            treeDefaultExpandAll
            showSearch
            treeNodeFilterProp="title"
            treeData={treeData}
            onChange={(ids) => {
              const primary = form.getFieldValue('primaryOrganizationId') as string | undefined;
              if (!primary || !ids.includes(primary)) form.setFieldValue('primaryOrganizationId', ids[0]);
            }}
          />
        </Form.Item>
        <Form.Item name="primaryOrganizationId" label={t('primaryOrganizationId')} rules={[{ required: true, message: t('required') }]}>
          <Select<string> options={orgIds.map((id) => ({ value: id, label: orgName.get(id) ?? id }))} />
        </Form.Item>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="employeeNumber" label={t('employeeNumber')}>
              <Input />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="externalId" label={t('externalId')}>
              <Input />
            </Form.Item>
          </Col>
        </Row>
      </Form>
    </Drawer>
  );
}
