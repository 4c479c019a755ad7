// One connection: create (/connections/new) or edit (/connections/:name), test it against WeCom,
// delete it. The fields are the seed's "pre-integrated application" fields, in its order; the API
// base and extra CA (for the built-in simulator) sit in a collapsed "Advanced" section.
// Secrets never come back from the API (hasSecret / hasProxyPassword): on edit an empty secret
// field keeps the stored value. PATCH sends only the fields that changed; null clears.
// The parts live in ./connection: the fields, the request bodies (patch.ts), the test result.
import { Alert, App, Card, Form, Spin } from 'antd';
import { useEffect, useState } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router';
import { ApiError, type FieldError, api, ok } from '../api';
import type { Connection, DemoStatus } from '../api/types';
import { useSecretsBannerRefresh } from '../components/SecretsBanner';
import { errorText, splitFieldErrors } from '../components/formErrors';
import { useServerText, useT } from '../i18n';
import { useApi } from '../hooks/useApi';
import { useIsAdmin } from '../session';
import { ConnectionFields } from './connection/ConnectionFields';
import { ConnectionHeader } from './connection/ConnectionHeader';
import { type DemoConflict, DemoNotice, demoConflictOf } from './connection/DemoNotice';
import { FormActions, SaveErrorAlert } from './connection/FormActions';
import { ADVANCED_FIELDS, DEFAULT_API_BASE, type FormValues, emptyValues, formHas, fromConnection } from './connection/form';
import { messages } from './connection/messages';
import { type SubmittedValues, createBody, patchBody } from './connection/patch';
import { SCOPE_FIELD } from './connection/ScopeField';
import { TestCard } from './connection/TestResult';
import { loadAllOrganizations } from './directory/queries';
import { useConnectionTest } from './connection/useConnectionTest';

/** Advice the server gave on saving: its English text, and its code for the console's language. */
interface Advice {
  text: string;
  note?: { code: string; params?: Record<string, unknown> } | undefined;
}
const adviceOf = (c: Connection): Advice[] => (c.warnings ?? []).map((text, i) => ({ text, note: c.warningTexts?.[i] }));

export function ConnectionFormPage() {
  const { name } = useParams();
  return <ConnectionForm key={name ?? '(new)'} name={name ?? null} />;
}

function ConnectionForm({ name }: { name: string | null }) {
  const t = useT(messages);
  const isAdmin = useIsAdmin();
  const navigate = useNavigate();
  const location = useLocation();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const isNew = name === null;

  const [conn, setConn] = useState<Connection | null>(null);
  const [saving, setSaving] = useState(false);
  const [dirty, setDirty] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [otherErrors, setOtherErrors] = useState<FieldError[]>([]);
  const navState = (location.state ?? {}) as { created?: boolean; warnings?: Advice[] };
  const [warnings, setWarnings] = useState<Advice[]>(navState.warnings ?? []);
  const serverText = useServerText();
  const [advancedOpen, setAdvancedOpen] = useState(false);
  const test = useConnectionTest();
  const refreshSecretsBanner = useSecretsBannerRefresh();

  const loaded = useApi((signal) => (name === null ? Promise.resolve(null) : ok(api.GET('/connections/{name}', { params: { path: { name } }, signal }))), [name]);
  useEffect(() => {
    const c = loaded.data;
    if (!c) return;
    setConn(c);
    form.setFieldsValue(fromConnection(c));
    if (c.apiBase !== DEFAULT_API_BASE || c.caPem || c.proxyCaPem || c.rateBudget || c.rateSharePercent !== 100) setAdvancedOpen(true);
    setDirty(false);
  }, [loaded.data, form]);
  // the organizations (the scope picker, names in the demo notice) and, for a new connection, whether the demo is active
  const orgs = useApi((signal) => loadAllOrganizations(signal), []);
  const [demoRemoved, setDemoRemoved] = useState(false);
  const demo = useApi(
    (signal): Promise<DemoStatus | null> => (name === null ? ok(api.GET('/demo', { signal })).catch(() => null) : Promise.resolve(null)),
    [name, demoRemoved],
  );
  const [demoConflict, setDemoConflict] = useState<DemoConflict | null>(null);
  const chooseScope = () => form.scrollToField(SCOPE_FIELD, { behavior: 'smooth', block: 'center', focus: true });
  const onDemoRemoved = () => {
    setDemoConflict(null);
    setDemoRemoved(true);
    orgs.refetch();
    void message.success(t('demoRemovedNow'));
  };
  const loadError = loaded.error ? { status: loaded.error instanceof ApiError ? loaded.error.status : 0, message: errorText(loaded.error) } : null;

  /** 422/400 field errors under their fields (opening "Advanced" when one is there), the rest above the buttons. */
  const showErrors = (e: unknown) => {
    const conflict = demoConflictOf(e);
    setDemoConflict(conflict);
    if (conflict) {
      setOtherErrors([]);
      setFormError(null);
      window.scrollTo({ top: 0, behavior: 'smooth' });
    } else if (e instanceof ApiError && e.errors.length > 0 && (e.status === 422 || e.status === 400)) {
      const extattrCount = (form.getFieldValue('extattrs') as unknown[] | undefined)?.length ?? 0;
      const { fields, rest } = splitFieldErrors(e.errors, (p) => formHas(p, extattrCount));
      form.setFields(fields.map((f) => ({ name: f.name as never, errors: f.errors })));
      if (fields.some((f) => ADVANCED_FIELDS.has(String(f.name[0])))) setAdvancedOpen(true);
      setOtherErrors(rest);
      setFormError(t('fixFields'));
      if (fields[0]) form.scrollToField(fields[0].name as never);
    } else {
      setOtherErrors([]);
      setFormError(errorText(e));
    }
  };

  const save = async (v: SubmittedValues) => {
    setFormError(null);
    setOtherErrors([]);
    if (isNew) {
      setSaving(true);
      try {
        const c = await ok(api.POST('/connections', { body: createBody(v) }));
        void message.success(t('created'));
        navigate(`/connections/${encodeURIComponent(c.name)}`, { replace: true, state: { created: true, warnings: adviceOf(c) } });
      } catch (e) {
        showErrors(e);
      } finally {
        setSaving(false);
      }
      return;
    }
    if (!conn) return;
    const body = patchBody(v, conn);
    if (Object.keys(body).length === 0) {
      void message.info(t('nothingChanged'));
      return;
    }
    setSaving(true);
    try {
      const c = await ok(api.PATCH('/connections/{name}', { params: { path: { name: conn.name } }, body }));
      void message.success(t('saved'));
      if (body.secret !== undefined || body.proxyPassword !== undefined) refreshSecretsBanner();
      setWarnings(adviceOf(c));
      if (c.name !== conn.name) {
        navigate(`/connections/${encodeURIComponent(c.name)}`, { replace: true, state: { warnings: adviceOf(c) } });
        return;
      }
      setConn(c);
      form.resetFields();
      form.setFieldsValue(fromConnection(c));
      setDirty(false);
    } catch (e) {
      showErrors(e);
    } finally {
      setSaving(false);
    }
  };

  /** onFinish: the form's rules passed, so the (required) root department is a number. */
  const submit = (v: FormValues) => {
    if (v.rootDepartmentId !== null) void save({ ...v, rootDepartmentId: v.rootDepartmentId });
  };

  const remove = async () => {
    if (!conn) return;
    try {
      await ok(api.DELETE('/connections/{name}', { params: { path: { name: conn.name } } }));
      void message.success(t('deleted'));
      navigate('/connections');
    } catch (e) {
      void message.error(errorText(e));
    }
  };

  const header = <ConnectionHeader name={name} conn={conn} />;

  if (loadError)
    return (
      <>
        {header}
        <Alert type="error" showIcon title={loadError.status === 404 ? t('notFound') : t('loadFailed')} description={loadError.message} />
      </>
    );
  if (!isNew && !conn)
    return (
      <>
        {header}
        <Spin style={{ display: 'block', marginTop: 80 }} />
      </>
    );

  return (
    <>
      {header}
      {(demoConflict || (isNew && !demoRemoved && demo.data?.state === 'active')) && (
        <DemoNotice conflict={demoConflict} company={demo.data?.company ?? ''} orgs={orgs.data} onChooseScope={chooseScope} onRemoved={onDemoRemoved} />
      )}
      {navState.created && <Alert type="success" showIcon title={t('createdHint')} style={{ marginBottom: 16, maxWidth: 860 }} closable />}
      {warnings.length > 0 && (
        <Alert
          data-testid="connection-warnings"
          type="warning"
          showIcon
          title={t('warnings')}
          description={
            <ul style={{ margin: 0, paddingLeft: 20 }}>
              {warnings.map((w) => (
                <li key={w.text}>{serverText(w.note, w.text)}</li>
              ))}
            </ul>
          }
          style={{ marginBottom: 16, maxWidth: 860 }}
          closable={{ onClose: () => setWarnings([]) }}
        />
      )}
      <Card style={{ maxWidth: 860 }}>
        <Form<FormValues>
          form={form}
          layout="vertical"
          initialValues={emptyValues()}
          disabled={!isAdmin}
          onFinish={submit}
          onValuesChange={() => setDirty(true)}
          scrollToFirstError
        >
          <ConnectionFields isNew={isNew} conn={conn} orgs={orgs.data} readOnly={!isAdmin} advancedOpen={advancedOpen} onAdvancedOpen={setAdvancedOpen} />
          {formError && <SaveErrorAlert error={formError} otherErrors={otherErrors} />}
          {isAdmin && (
            <FormActions
              isNew={isNew}
              conn={conn}
              saving={saving}
              testing={test.testing}
              dirty={dirty}
              onTest={() => void (conn && test.run(conn.name))}
              onDelete={remove}
              onDemoRemoved={() => navigate('/connections')}
            />
          )}
        </Form>
      </Card>
      <TestCard test={test} />
    </>
  );
}
