// The mapping editor of one connection: how each WeCom field is computed from the directory with
// expressions of the mapping language, with a live preview for a sample account. Every edit
// re-runs POST /connections/:name/mapping/preview (debounced) with the definition as typed, so
// the admin sees each field's value, "absent", or the error with a caret under its position.
// Save = PUT {definition}; "Reset to default" = PUT {definition: null}.
// The parts live in ./mapping: the form's cards, the preview panel, the definition ⇄ form values.
import { Alert, App, Col, Form, Row, Spin } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useParams } from 'react-router';
import { ApiError, api, ok } from '../api';
import type { Mapping, MappingDefinition } from '../api/types';
import { errorText } from '../components/formErrors';
import { UnsavedPrompt } from '../components/UnsavedPrompt';
import { demoConflictOf, useDemoConflictText } from './connection/DemoNotice';
import { useApi } from '../hooks/useApi';
import { useUnsavedGuard } from '../hooks/useUnsavedGuard';
import { useLang, useT } from '../i18n';
import { useIsAdmin } from '../session';
import { Cheatsheet } from './mapping/Cheatsheet';
import { type SaveError, SaveErrorAlert } from './mapping/CompileError';
import { fromForm, toForm } from './mapping/definition';
import { useErrorMarks } from './mapping/errors';
import { ExtattrsEditor } from './mapping/ExtattrsEditor';
import { MappingHeader } from './mapping/MappingHeader';
import { AffiliationFields, ExpressionFields, MatchingFields, ScopeFields } from './mapping/MappingFields';
import { messages } from './mapping/messages';
import { PreviewPanel } from './mapping/PreviewPanel';
import type { FormValues } from './mapping/types';
import { usePreview } from './mapping/usePreview';

export function MappingPage() {
  const { name = '' } = useParams();
  return <MappingEditor key={name} name={name} />;
}

function MappingEditor({ name }: { name: string }) {
  const t = useT(messages);
  const { lang } = useLang();
  const isAdmin = useIsAdmin();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();

  const [saved, setSaved] = useState<Mapping | null>(null);
  const [definition, setDefinition] = useState<MappingDefinition | null>(null);
  const [account, setAccount] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<SaveError | null>(null);
  const { markErrors, forgetMarks } = useErrorMarks(form);

  const apply = useCallback(
    (a: Mapping) => {
      setSaved(a);
      form.resetFields();
      form.setFieldsValue(toForm(a.definition));
      setDefinition(fromForm(form.getFieldsValue(true) as FormValues));
      forgetMarks();
    },
    [form, forgetMarks],
  );

  const loaded = useApi((signal) => ok(api.GET('/connections/{name}/mapping', { params: { path: { name } }, signal })), [name]);
  useEffect(() => {
    if (loaded.data) apply(loaded.data);
  }, [loaded.data, apply]);
  const loadError = loaded.error ? errorText(loaded.error) : null;

  const defJson = useMemo(() => (definition ? JSON.stringify(definition) : null), [definition]);
  const { preview, previewErrors, previewFailure, previewing } = usePreview(name, defJson, account, markErrors);

  const onValuesChange = () => setDefinition(fromForm(form.getFieldsValue(true) as FormValues));

  const dirty = saved !== null && defJson !== null && defJson !== JSON.stringify(fromForm(toForm(saved.definition)));
  const blocker = useUnsavedGuard(dirty && !saving);

  const demoConflictText = useDemoConflictText(null);
  const save = async (body: { definition: MappingDefinition | null }, done: string) => {
    setSaving(true);
    setSaveError(null);
    try {
      const a = await ok(api.PUT('/connections/{name}/mapping', { params: { path: { name } }, body }));
      apply(a);
      void message.success(done);
    } catch (e) {
      if (e instanceof ApiError && e.errors.length && (e.status === 422 || e.status === 400)) {
        const rest = markErrors(e.errors);
        setSaveError({ title: t('fixFields'), rest });
      } else {
        // the demo's scope rule, in the user's language
        const conflict = demoConflictOf(e);
        setSaveError({ title: conflict ? demoConflictText(conflict) : errorText(e), rest: [] });
      }
    } finally {
      setSaving(false);
    }
  };

  const header = (
    <>
      <UnsavedPrompt blocker={blocker} />
      <MappingHeader
        name={name}
        saved={saved}
        dirty={dirty}
        isAdmin={isAdmin}
        saving={saving}
        onReset={() => save({ definition: null }, t('resetDone'))}
        onSave={() => definition && void save({ definition }, t('saved'))}
      />
    </>
  );

  if (loadError)
    return (
      <>
        {header}
        <Alert type="error" showIcon title={t('loadFailed')} description={loadError} />
      </>
    );
  if (!saved)
    return (
      <>
        {header}
        <Spin style={{ display: 'block', marginTop: 80 }} />
      </>
    );

  return (
    <>
      {header}
      {saveError && <SaveErrorAlert error={saveError} onClose={() => setSaveError(null)} />}
      <Row gutter={16} align="top">
        <Col xs={24} lg={14}>
          <Form<FormValues>
            form={form}
            layout="horizontal"
            labelCol={{ flex: lang === 'zh' ? '170px' : '190px' }}
            labelAlign="left"
            labelWrap
            wrapperCol={{ flex: '1 1 0', style: { minWidth: 0 } }}
            colon={false}
            disabled={!isAdmin}
            onValuesChange={onValuesChange}
          >
            <ExpressionFields group="members" />
            <ExpressionFields group="departments" />
            <AffiliationFields />
            <ExtattrsEditor isAdmin={isAdmin} onChange={onValuesChange} />
            <ScopeFields />
            <MatchingFields />
            <Cheatsheet />
          </Form>
        </Col>
        <Col xs={24} lg={10}>
          <PreviewPanel
            definition={definition}
            account={account}
            onAccount={setAccount}
            preview={preview}
            errors={previewErrors}
            failure={previewFailure}
            previewing={previewing}
          />
        </Col>
      </Row>
    </>
  );
}
