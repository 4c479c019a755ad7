// The fields of the connection form, in the seed's order: name, company ID, secret, departments,
// scope (which directory organizations are synced), extended attributes, proxies and their
// credentials, deletion policies and the safety threshold, then the collapsed "Advanced" section
// (API base, extra CA). On edit the stored secrets show as "stored" and an empty field keeps them.
import { Checkbox, Collapse, Flex, Form, Input, InputNumber, Space, Tag, Typography } from 'antd';
import type { Connection, Organization } from '../../api/types';
import { mono } from '../../components/styles';
import { useT } from '../../i18n';
import { ExtattrsField } from './ExtattrsField';
import { DEFAULT_API_BASE } from './form';
import { messages } from './messages';
import { PoliciesFields } from './PoliciesFields';
import { ScopeField } from './ScopeField';

export function ConnectionFields({
  isNew,
  conn,
  orgs,
  readOnly,
  advancedOpen,
  onAdvancedOpen,
}: {
  isNew: boolean;
  /** The stored connection on edit; null for a new one. */
  conn: Connection | null;
  /** The directory's organizations (the scope picker); null while they load. */
  orgs: Organization[] | null;
  readOnly: boolean;
  advancedOpen: boolean;
  onAdvancedOpen: (open: boolean) => void;
}) {
  const t = useT(messages);
  const editing = !isNew;
  // A stored secret the service's key cannot decrypt must be entered again: say so, and require it.
  const unreadable = (f: 'secret' | 'proxyPassword'): boolean => editing && (conn?.unreadableSecrets ?? []).includes(f);
  const storedTag = (stored: boolean | undefined, f: 'secret' | 'proxyPassword') =>
    unreadable(f) ? <Tag color="error">{t('secretUnreadable')}</Tag> : stored ? <Tag color="success">{t('secretStored')}</Tag> : null;
  return (
    <>
      <Form.Item name="name" label={t('name')} extra={t('nameHelp')} rules={[{ required: true, whitespace: true, message: t('required') }]}>
        <Input data-testid="field-name" maxLength={64} autoComplete="off" />
      </Form.Item>
      <Form.Item name="corpId" label={t('corpId')} extra={t('corpIdHelp')} rules={[{ required: true, whitespace: true, message: t('required') }]}>
        <Input data-testid="field-corpId" style={mono} placeholder="ww0123456789abcdef" autoComplete="off" />
      </Form.Item>
      <Form.Item
        label={
          <Space>
            {t('secret')}
            {editing && (storedTag(conn?.hasSecret, 'secret') ?? <Tag>{t('secretMissing')}</Tag>)}
          </Space>
        }
        required={isNew || unreadable('secret')}
        extra={unreadable('secret') ? `${t('secretUnreadableHelp')} ${t('secretHelp')}` : editing && conn?.hasSecret ? `${t('secretKeepHelp')} ${t('secretHelp')}` : t('secretHelp')}
      >
        <Form.Item name="secret" noStyle rules={isNew || !conn?.hasSecret || unreadable('secret') ? [{ required: true, whitespace: true, message: t('required') }] : []}>
          <Input.Password
            data-testid="field-secret"
            aria-label={t('secret')}
            autoComplete="new-password"
            placeholder={editing && conn?.hasSecret && !unreadable('secret') ? t('secretPlaceholderKeep') : undefined}
          />
        </Form.Item>
      </Form.Item>
      <Flex gap={16} wrap>
        <Form.Item name="rootDepartmentId" label={t('rootDepartmentId')} extra={t('rootHelp')} rules={[{ required: true, message: t('required') }]} style={{ flex: '1 1 280px' }}>
          <InputNumber data-testid="field-rootDepartmentId" min={1} precision={0} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="defaultDepartmentId" label={t('defaultDepartmentId')} extra={t('defaultHelp')} style={{ flex: '1 1 280px' }}>
          <InputNumber data-testid="field-defaultDepartmentId" min={1} precision={0} style={{ width: '100%' }} />
        </Form.Item>
      </Flex>
      <ScopeField orgs={orgs} isDemo={conn?.demo === true} readOnly={readOnly} />
      <ExtattrsField readOnly={readOnly} />
      <Form.Item name="proxies" label={t('proxies')} extra={t('proxiesHelp')}>
        <Input.TextArea data-testid="field-proxies" autoSize={{ minRows: 2, maxRows: 6 }} style={mono} placeholder={'10.0.0.5:3128\n10.0.0.6:3128'} />
      </Form.Item>
      <Flex gap={16} wrap>
        <Form.Item name="proxyUsername" label={t('proxyUsername')} extra={t('proxyUsernameHelp')} style={{ flex: '1 1 280px' }}>
          <Input data-testid="field-proxyUsername" autoComplete="off" />
        </Form.Item>
        <Form.Item
          label={
            <Space>
              {t('proxyPassword')}
              {editing && storedTag(conn?.hasProxyPassword, 'proxyPassword')}
            </Space>
          }
          required={unreadable('proxyPassword')}
          extra={unreadable('proxyPassword') ? t('proxyPasswordUnreadableHelp') : editing && conn?.hasProxyPassword ? t('proxyPasswordKeepHelp') : t('proxyPasswordHelp')}
          style={{ flex: '1 1 280px' }}
        >
          <Form.Item
            name="proxyPassword"
            noStyle
            dependencies={['clearProxyPassword']}
            rules={
              unreadable('proxyPassword')
                ? [({ getFieldValue }) => ({ required: !getFieldValue('clearProxyPassword'), message: t('required') })]
                : []
            }
          >
            <Input.Password
              data-testid="field-proxyPassword"
              aria-label={t('proxyPassword')}
              autoComplete="new-password"
              placeholder={editing && conn?.hasProxyPassword && !unreadable('proxyPassword') ? t('secretPlaceholderKeep') : undefined}
            />
          </Form.Item>
          {editing && conn?.hasProxyPassword && (
            <Form.Item name="clearProxyPassword" valuePropName="checked" noStyle>
              <Checkbox data-testid="field-clearProxyPassword" style={{ marginTop: 8 }}>
                {t('clearProxyPassword')}
              </Checkbox>
            </Form.Item>
          )}
        </Form.Item>
      </Flex>
      <PoliciesFields />
      <Collapse
        activeKey={advancedOpen ? ['advanced'] : []}
        onChange={(keys) => onAdvancedOpen((Array.isArray(keys) ? keys : [keys]).includes('advanced'))}
        style={{ marginBottom: 24 }}
        items={[
          {
            key: 'advanced',
            forceRender: true,
            label: (
              <span data-testid="advanced-toggle">
                {t('advanced')} <Typography.Text type="secondary">— {t('advancedHelp')}</Typography.Text>
              </span>
            ),
            children: (
              <>
                <Form.Item name="apiBase" label={t('apiBase')} extra={t('apiBaseHelp')}>
                  <Input data-testid="field-apiBase" style={mono} placeholder={DEFAULT_API_BASE} autoComplete="off" />
                </Form.Item>
                <Form.Item name="caPem" label={t('caPem')} extra={t('caPemHelp')}>
                  <Input.TextArea data-testid="field-caPem" autoSize={{ minRows: 3, maxRows: 12 }} style={{ ...mono, fontSize: 12 }} placeholder="-----BEGIN CERTIFICATE-----" />
                </Form.Item>
                <Form.Item name="proxyCaPem" label={t('proxyCaPem')} extra={t('proxyCaPemHelp')}>
                  <Input.TextArea data-testid="field-proxyCaPem" autoSize={{ minRows: 3, maxRows: 12 }} style={{ ...mono, fontSize: 12 }} placeholder="-----BEGIN CERTIFICATE-----" />
                </Form.Item>
                <Flex gap={16} wrap>
                  <Form.Item name="rateSharePercent" label={t('rateSharePercent')} extra={t('rateSharePercentHelp')} style={{ flex: '1 1 280px', marginBottom: 0 }}>
                    <InputNumber data-testid="field-rateSharePercent" min={1} max={100} step={5} suffix="%" style={{ width: 140 }} />
                  </Form.Item>
                  <Form.Item name="rateBudget" label={t('rateBudget')} extra={t('rateBudgetHelp')} style={{ flex: '1 1 280px', marginBottom: 0 }}>
                    <Input data-testid="field-rateBudget" style={mono} placeholder="10000/1m,150000/1h" autoComplete="off" />
                  </Form.Item>
                </Flex>
              </>
            ),
          },
        ]}
      />
    </>
  );
}
