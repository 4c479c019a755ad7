// The live preview beside the editor: the sample account, each field's value ("absent", or its
// error with the caret), the member it makes, what is out of scope and why.
import { Alert, Card, Collapse, Empty, Flex, Space, Spin, Tag, Tooltip, Typography } from 'antd';
import type { FieldError } from '../../api';
import type { FieldPreview, MappingDefinition, MappingPreview } from '../../api/types';
import { useLang, useT } from '../../i18n';
import { AccountPicker } from './AccountPicker';
import { CompileError } from './CompileError';
import { mappingErrorText } from './errors';
import { type Key, messages } from './messages';
import { mono, pre } from './styles';
import { DEPARTMENT_FIELDS, MEMBER_FIELDS } from './types';

function formatValue(v: string | number | boolean | null | undefined): string {
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

const FIELD_ORDER = [...MEMBER_FIELDS.map((f) => `members.${f}`), ...DEPARTMENT_FIELDS.map((f) => `departments.${f}`)];
function orderFields(paths: string[]): string[] {
  const rank = (p: string) => {
    const i = FIELD_ORDER.indexOf(p);
    if (i >= 0) return i;
    if (p.startsWith('extattrs')) return 100;
    if (p.startsWith('scope')) return 200;
    return 300;
  };
  return [...paths].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function PreviewRow({ path, f, label }: { path: string; f: FieldPreview; label: string | null }) {
  const t = useT(messages);
  const { lang } = useLang();
  const state = 'error' in f ? 'error' : 'absent' in f ? 'absent' : 'value';
  return (
    <div data-testid={`preview-${path}`} data-state={state} style={{ padding: '8px 0', borderTop: '1px solid #f0f0f0' }}>
      <Flex justify="space-between" gap={8} wrap>
        <Space size={6}>
          <Typography.Text code style={{ fontSize: 12 }}>
            {path}
          </Typography.Text>
          {label && <Typography.Text type="secondary">{label}</Typography.Text>}
        </Space>
      </Flex>
      <div style={{ marginTop: 2 }}>
        {'error' in f ? (
          <>
            <Space size={4} wrap>
              <Tag color="error">{f.error.code}</Tag>
              <Tooltip title={lang === 'en' ? undefined : f.error.message}>
                <Typography.Text type="danger">{mappingErrorText(lang, { code: f.error.code, text: f.error.message })}</Typography.Text>
              </Tooltip>
            </Space>
            {f.error.pointer && <pre style={{ ...pre, borderColor: '#ffccc7', background: '#fff2f0' }}>{f.error.pointer}</pre>}
          </>
        ) : 'absent' in f ? (
          <Space size={4}>
            <Tag>{t('absent')}</Tag>
            {f.raw !== null && (
              <Typography.Text type="secondary">
                {t('raw')}: <Typography.Text code>{JSON.stringify(f.raw)}</Typography.Text>
              </Typography.Text>
            )}
          </Space>
        ) : (
          <Space size={8} wrap>
            <Typography.Text strong style={{ ...mono, wordBreak: 'break-all' }}>
              {formatValue(f.value)}
            </Typography.Text>
            {JSON.stringify(f.raw) !== JSON.stringify(f.value) && (
              <Typography.Text type="secondary">
                {t('raw')}: <Typography.Text code>{JSON.stringify(f.raw)}</Typography.Text>
              </Typography.Text>
            )}
          </Space>
        )}
      </div>
    </div>
  );
}

/** The label of a previewed field: its name in the form, or the extended attribute's name. */
function useLabelOf(definition: MappingDefinition | null): (path: string) => string | null {
  const t = useT(messages);
  return (path) => {
    const x = /^extattrs\[(\d+)\]/.exec(path);
    if (x) return definition?.extattrs[Number(x[1])]?.name ?? null;
    const m = /^(members|departments)\.(\w+)$/.exec(path);
    if (!m) return null;
    const key = `${m[1] === 'members' ? 'm' : 'd'}-${m[2]}`;
    return key in messages.en ? t(key as Key) : null;
  };
}

export function PreviewPanel({
  definition,
  account,
  onAccount,
  preview,
  errors,
  failure,
  previewing,
}: {
  definition: MappingDefinition | null;
  account: string | null;
  onAccount: (id: string | null) => void;
  preview: MappingPreview | null;
  /** The definition's compile errors (422), or null. */
  errors: FieldError[] | null;
  /** Any other failure of the preview, or null. */
  failure: string | null;
  previewing: boolean;
}) {
  const t = useT(messages);
  const labelOf = useLabelOf(definition);
  return (
    <Card
      data-testid="mapping-preview"
      title={
        <Flex justify="space-between" align="center">
          <span>{t('preview')}</span>
          {previewing && (
            <Typography.Text type="secondary" style={{ fontWeight: 'normal', fontSize: 12 }}>
              <Spin size="small" /> {t('previewing')}
            </Typography.Text>
          )}
        </Flex>
      }
      size="small"
      style={{ position: 'sticky', top: 16 }}
      styles={{ body: { maxHeight: 'calc(100vh - 140px)', overflowY: 'auto' } }}
    >
      <div style={{ marginBottom: 8 }}>
        <Typography.Text type="secondary">{t('account')}</Typography.Text>
        <AccountPicker value={account} onChange={onAccount} />
      </div>
      {failure && <Alert type="error" showIcon title={t('previewFailed')} description={failure} style={{ marginBottom: 8 }} />}
      {errors && (
        <Alert
          data-testid="preview-compile-errors"
          type="error"
          showIcon
          title={t('compileErrors')}
          style={{ marginBottom: 8 }}
          description={
            <Flex vertical gap={6}>
              {errors.map((e, i) => (
                <CompileError key={i} e={e} />
              ))}
            </Flex>
          }
        />
      )}
      {account === null && !failure && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('noAccounts')} />}
      {preview && (
        <div style={{ opacity: errors ? 0.5 : 1 }}>
          <Tag data-testid="preview-in-scope" color={preview.inScope ? 'success' : 'default'} style={{ marginBottom: 4 }}>
            {preview.inScope ? t('inScope') : t('outOfScope')}
          </Tag>
          {orderFields(Object.keys(preview.fields)).map((p) => (
            <PreviewRow key={p} path={p} f={preview.fields[p]!} label={labelOf(p)} />
          ))}
          {preview.problems.length > 0 && (
            <Alert
              data-testid="preview-problems"
              type="warning"
              showIcon
              title={t('problems')}
              style={{ marginTop: 8 }}
              description={
                <ul style={{ margin: 0, paddingLeft: 18 }}>
                  {preview.problems.map((p, i) => (
                    <li key={i}>
                      <Typography.Text code>{p.field}</Typography.Text> {p.message} <Tag>{p.effect}</Tag>
                    </li>
                  ))}
                </ul>
              }
            />
          )}
          <Collapse
            size="small"
            ghost
            style={{ marginTop: 8 }}
            items={[
              { key: 'member', label: t('member'), children: <pre style={pre}>{JSON.stringify(preview.member, null, 2)}</pre> },
              { key: 'context', label: t('context'), children: <pre style={pre}>{JSON.stringify(preview.context, null, 2)}</pre> },
            ]}
          />
        </div>
      )}
    </Card>
  );
}
