// The connection's policies (what a deletion or a disabling in the directory does in WeCom) and
// its safety threshold, as `wecom-sync connection create|update` sets them (--on-account-deleted,
// --on-account-disabled, --on-organization-deleted, --max-deletes, --max-delete-percent).
import { Flex, Form, InputNumber, Radio, Typography } from 'antd';
import { useT } from '../../i18n';
import { type Key, messages } from './messages';

const CHOICES = {
  onAccountDeleted: ['disable', 'delete', 'ignore'],
  onAccountDisabled: ['disable', 'delete'],
  onOrganizationDeleted: ['delete', 'keep'],
} as const;

export function PoliciesFields() {
  const t = useT(messages);
  const policy = (name: keyof typeof CHOICES) => (
    <Form.Item key={name} name={['policies', name]} label={t(name)} extra={t(`${name}Help` as Key)} rules={[{ required: true, message: t('required') }]}>
      <Radio.Group
        data-testid={`field-${name}`}
        options={CHOICES[name].map((v) => ({ value: v, label: <span data-testid={`field-${name}-${v}`}>{t(`${name}-${v}` as Key)}</span> }))}
      />
    </Form.Item>
  );
  return (
    <>
      <Typography.Title level={5} style={{ marginTop: 8, marginBottom: 4 }}>
        {t('policiesTitle')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">
        {t('policiesHelp')}
      </Typography.Paragraph>
      {policy('onAccountDeleted')}
      {policy('onAccountDisabled')}
      {policy('onOrganizationDeleted')}
      <Form.Item label={t('safety')} extra={t('safetyHelp')} required>
        <Flex gap={8} align="center" wrap>
          <span>{t('maxDeletes')}</span>
          <Form.Item name={['policies', 'safety', 'maxDeletes']} noStyle rules={[{ required: true, message: t('required') }]}>
            <InputNumber data-testid="field-maxDeletes" aria-label={t('maxDeletes')} min={0} max={1_000_000} precision={0} style={{ width: 120 }} />
          </Form.Item>
          <span>{t('maxDeletesUnit')}</span>
          <span>{t('maxDeletePercent')}</span>
          <Form.Item name={['policies', 'safety', 'maxDeletePercent']} noStyle rules={[{ required: true, message: t('required') }]}>
            <InputNumber data-testid="field-maxDeletePercent" aria-label={t('maxDeletePercent')} min={0} max={100} suffix={t('maxDeletePercentUnit')} style={{ width: 110 }} />
          </Form.Item>
        </Flex>
      </Form.Item>
    </>
  );
}
