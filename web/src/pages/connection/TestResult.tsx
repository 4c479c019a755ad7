// The result of testing a connection against WeCom, as a card under the form.
import { CheckCircleFilled, CloseCircleFilled, ExclamationCircleFilled, MinusCircleFilled } from '@ant-design/icons';
import { Alert, Card, Descriptions, Flex, Space, Spin, Table, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import type { CheckStatus, TestResult } from '../../api/types';
import { isMessageCode } from '../../../../src/messages/index';
import { ServerText, useExplain, useT } from '../../i18n';
import { type Key, messages } from './messages';
import type { ConnectionTest } from './useConnectionTest';

const STATUS_ICON: Record<CheckStatus, ReactNode> = {
  ok: <CheckCircleFilled style={{ color: '#52c41a', fontSize: 18 }} />,
  failed: <CloseCircleFilled style={{ color: '#ff4d4f', fontSize: 18 }} />,
  warning: <ExclamationCircleFilled style={{ color: '#faad14', fontSize: 18 }} />,
  skipped: <MinusCircleFilled style={{ color: '#bfbfbf', fontSize: 18 }} />,
};
/** The parameters of a verdict that are the network's own words (src/messages/connection-test.ts): shown as data. */
const DATA_PARAMS = ['detail', 'failed'] as const;

const STATUS_COLOR: Record<CheckStatus, string> = { ok: 'success', failed: 'error', warning: 'warning', skipped: 'default' };

/** The verdict of POST /connections/:name/test: every check, the route and egress IP, the routes' health. */
function TestResultView({ result }: { result: TestResult }) {
  const t = useT(messages);
  const explain = useExplain();
  const warned = result.checks.some((c) => c.status === 'warning');
  const label = (k: string): string => t(k as Key);
  const routeText = (r: string | null | undefined) => (r === 'direct' ? t('direct') : (r ?? '—'));
  return (
    <div data-testid="test-result" data-ok={String(result.ok)}>
      <Alert
        type={result.ok ? (warned ? 'warning' : 'success') : 'error'}
        showIcon
        title={result.ok ? (warned ? t('testOkWarnings') : t('testOk')) : t('testNotOk')}
        style={{ marginBottom: 12 }}
      />
      <Flex vertical gap={0} style={{ border: '1px solid #f0f0f0', borderRadius: 8 }}>
        {result.checks.map((c, i) => (
          <Flex
            key={c.name}
            data-testid={`check-${c.name}`}
            data-status={c.status}
            gap={12}
            align="flex-start"
            style={{ padding: '12px 16px', borderTop: i ? '1px solid #f0f0f0' : undefined }}
          >
            <div style={{ paddingTop: 2 }}>{STATUS_ICON[c.status]}</div>
            <div style={{ flex: 1, minWidth: 0 }}>
              <Space wrap size={8}>
                <Typography.Text strong>{label(`check-${c.name}`)}</Typography.Text>
                <Tag color={STATUS_COLOR[c.status]}>{label(`status-${c.status}`)}</Tag>
              </Space>
              <Typography.Paragraph data-testid={`check-${c.name}-text`} style={{ margin: '4px 0 0' }}>
                {/* the verdict in the user's language; the network's own words (a proxy's or TLS error) as data */}
                <ServerText note={c.note} data={DATA_PARAMS} fallback={explain(c.message)} />
                {c.explanation && isMessageCode(c.note.code) && <> {explain(c.explanation)}</>}
              </Typography.Paragraph>
              {(c.errcode !== undefined || c.route || c.egressIp) && (
                <Space wrap size={16} style={{ marginTop: 4 }}>
                  {c.errcode !== undefined && (
                    <Typography.Text type="secondary">
                      {t('errcode')} <Typography.Text code>{c.errcode}</Typography.Text>
                    </Typography.Text>
                  )}
                  {c.route && (
                    <Typography.Text type="secondary">
                      {t('route')} <Typography.Text code>{routeText(c.route)}</Typography.Text>
                    </Typography.Text>
                  )}
                  {c.egressIp && (
                    <Typography.Text type="secondary">
                      {t('egressIp')} <Typography.Text code>{c.egressIp}</Typography.Text>
                    </Typography.Text>
                  )}
                </Space>
              )}
            </div>
          </Flex>
        ))}
      </Flex>
      <Descriptions
        size="small"
        column={1}
        style={{ marginTop: 16 }}
        items={[
          { key: 'route', label: t('route'), children: <span data-testid="test-route">{routeText(result.route)}</span> },
          {
            key: 'egress',
            label: t('egressIp'),
            children: (
              <Space wrap>
                <Typography.Text data-testid="test-egress-ip" code={!!result.egressIp} copyable={!!result.egressIp}>
                  {result.egressIp ?? t('egressIpUnknown')}
                </Typography.Text>
                {result.egressIp && <Typography.Text type="secondary">{t('egressIpHelp')}</Typography.Text>}
              </Space>
            ),
          },
        ]}
      />
      {result.routes.length > 0 && (
        <Table
          size="small"
          style={{ marginTop: 8 }}
          rowKey="route"
          pagination={false}
          title={() => <Typography.Text strong>{t('routes')}</Typography.Text>}
          dataSource={result.routes}
          columns={[
            { title: t('route'), dataIndex: 'route', render: (r: string) => <Typography.Text code>{routeText(r)}</Typography.Text> },
            { title: '', dataIndex: 'healthy', render: (h: boolean) => <Tag color={h ? 'success' : 'error'}>{h ? t('healthy') : t('unhealthy')}</Tag> },
            { title: t('egressIp'), dataIndex: 'egressIp', render: (v: string | null) => v ?? '—' },
            { title: t('lastError'), dataIndex: 'lastError', render: (v: string | null) => (v ? <Typography.Text code data-data>{v}</Typography.Text> : '—') },
          ]}
        />
      )}
    </div>
  );
}

/** The "Test connection" card under the form: a spinner while testing, then the verdict or why the test could not run. */
export function TestCard({ test }: { test: ConnectionTest }) {
  const t = useT(messages);
  const { testing, result, error, cardRef } = test;
  if (!testing && !result && !error) return null;
  return (
    <Card ref={cardRef} title={t('test')} style={{ maxWidth: 860, marginTop: 16 }}>
      {testing && <Spin />}
      {error && <Alert data-testid="test-error" type="error" showIcon title={t('testFailed')} description={error} />}
      {result && <TestResultView result={result} />}
    </Card>
  );
}
