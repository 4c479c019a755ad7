// Creating, editing and moving an organization (administrators): a dialog with its name, code and
// order (smaller first among siblings), and its parent — a tree picker in which the organization
// itself and everything under it cannot be chosen (the server refuses a cycle too). Saving POSTs a
// new organization, or PATCHes only what changed; the sync worker takes it to WeCom.
import { Alert, App, Form, Input, InputNumber, Modal, TreeSelect } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { ApiError, api, ok } from '../../api';
import { splitFieldErrors } from '../../components/formErrors';
import { useT } from '../../i18n';
import { messages } from './messages';
import { orgForest } from './orgs';
import type { Organization, RequestBody } from '../../api/types';

/** What the dialog does: create (under `parentId`, null = at the top), edit all fields, or move only. */
export type OrgDialogMode = { kind: 'create'; parentId: string | null } | { kind: 'edit'; org: Organization } | { kind: 'move'; org: Organization };

interface Values {
  name: string;
  code: string;
  order: number | null;
  parentId: string;
}

/** The tree picker's value for "at the top level" (no parent). */
const TOP = '';
const FIELDS = new Set(['name', 'code', 'order', 'parentId']);

type ParentOption = { value: string; title: string; disabled?: boolean; children: ParentOption[] };

/** The ids of `id` and everything under it. */
function subtree(orgs: Organization[], id: string): Set<string> {
  const out = new Set([id]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const o of orgs)
      if (o.parentId && out.has(o.parentId) && !out.has(o.id)) {
        out.add(o.id);
        grew = true;
      }
  }
  return out;
}

export function OrgDialog({ mode, orgs, onClose, onSaved }: { mode: OrgDialogMode | null; orgs: Organization[]; onClose: () => void; onSaved: (o: Organization) => void }) {
  const t = useT(messages);
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const org = mode && mode.kind !== 'create' ? mode.org : null;

  const parents = useMemo((): ParentOption[] => {
    const blocked = org ? subtree(orgs, org.id) : new Set<string>();
    const forest = orgForest<ParentOption>(orgs, (o, children) => ({ value: o.id, title: o.name, disabled: blocked.has(o.id), children }));
    return [{ value: TOP, title: t('topLevel'), children: [] }, ...forest];
  }, [orgs, org, t]);

  // The form's values for this opening. They are both the Form's initialValues (a Form mounted
  // after this render, as when the dialog reopens right after closing, starts from them) and set
  // on an already mounted one (reopened before its closing animation ended).
  const initial = useMemo(
    () =>
      !mode
        ? undefined
        : mode.kind === 'create'
          ? { name: '', code: '', order: null, parentId: mode.parentId ?? TOP }
          : { name: mode.org.name, code: mode.org.code ?? '', order: mode.org.order, parentId: mode.org.parentId ?? TOP },
    [mode],
  );
  useEffect(() => {
    if (!initial) return;
    setFormError(null);
    form.resetFields();
    form.setFieldsValue(initial);
  }, [initial, form]);

  const save = async () => {
    if (!mode) return;
    let v: Values;
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    const parentId = v.parentId === TOP ? null : v.parentId;
    setSaving(true);
    setFormError(null);
    try {
      let saved: Organization;
      if (mode.kind === 'create') {
        const body: RequestBody<'/organizations', 'post'> = { name: v.name.trim(), parentId };
        if (v.code.trim()) body.code = v.code.trim();
        if (v.order !== null && v.order !== undefined) body.order = v.order;
        saved = await ok(api.POST('/organizations', { body }));
      } else {
        const o = mode.org;
        const body: RequestBody<'/organizations/{id}', 'patch'> = {};
        if (parentId !== o.parentId) body.parentId = parentId;
        if (mode.kind === 'edit') {
          if (v.name.trim() !== o.name) body.name = v.name.trim();
          const code = v.code.trim() || null;
          if (code !== o.code) body.code = code;
          if (v.order !== null && v.order !== undefined && v.order !== o.order) body.order = v.order;
        }
        if (Object.keys(body).length === 0) {
          message.info(t('noChange'));
          onClose();
          return;
        }
        saved = await ok(api.PATCH('/organizations/{id}', { params: { path: { id: o.id } }, body, headers: { 'If-Match': `"${o.version}"` } }));
      }
      message.success(t(mode.kind === 'create' ? 'orgCreated' : 'saved'));
      onSaved(saved);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && e.errors.some((x) => x.field === 'name')) {
        form.setFields([{ name: 'name', errors: [t('siblingNameTaken')] }]);
      } else if (e instanceof ApiError && e.errors.length > 0) {
        const { fields, rest } = splitFieldErrors(e.errors, (p) => p.length === 1 && FIELDS.has(String(p[0])));
        form.setFields(fields.map((f) => ({ name: f.name as never, errors: f.errors })));
        setFormError(rest.length > 0 ? rest.map((x) => `${x.field}: ${x.message}`).join('; ') : t('invalid'));
      } else if (e instanceof ApiError && e.status === 409) setFormError(t('staleOrg'));
      else setFormError(t('conflict', { msg: (e as Error).message }));
    } finally {
      setSaving(false);
    }
  };

  const title = !mode ? '' : mode.kind === 'create' ? t('newOrgTitle') : mode.kind === 'edit' ? t('editOrgTitle', { name: mode.org.name }) : t('moveOrgTitle', { name: mode.org.name });
  const movingOnly = mode?.kind === 'move';
  return (
    <Modal
      open={mode !== null}
      title={title}
      onCancel={onClose}
      onOk={() => void save()}
      okText={t('save')}
      cancelText={t('cancel')}
      confirmLoading={saving}
      destroyOnHidden
      okButtonProps={{ 'data-testid': 'org-save' } as never}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} />}
      <Form<Values> form={form} initialValues={initial} layout="vertical" requiredMark="optional" onFinish={() => void save()}>
        {!movingOnly && (
          <>
            <Form.Item name="name" label={t('orgName')} rules={[{ required: true, whitespace: true, message: t('required') }, { pattern: /^[^/]*$/, message: t('noSlash') }]}>
              <Input data-testid="org-name" maxLength={64} autoFocus />
            </Form.Item>
            <Form.Item name="code" label={t('orgCode')}>
              <Input data-testid="org-code" maxLength={64} />
            </Form.Item>
            <Form.Item name="order" label={t('orgOrder')} extra={t('orgOrderHelp')}>
              <InputNumber data-testid="org-order" min={0} max={4294967295} precision={0} style={{ width: '100%' }} />
            </Form.Item>
          </>
        )}
        <Form.Item name="parentId" label={t('parent')} extra={movingOnly ? t('moveHelp') : undefined}>
          <TreeSelect<string> data-testid="org-parent" showSearch treeDefaultExpandAll treeNodeFilterProp="title" treeData={parents} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
