// Where an account or an organization stands in WeCom, one collapsible block per connection
// (GET /connections, then GET /connections/:name/objects/:type/:id for each): the verdict and its
// message, the WeCom userid or department id, the last operation with WeCom's answer, the values
// last written and the history. An account's status opens in a drawer (?account=<id> in the
// URL); a selected organization's shows in a small card under the tree. Reloaded every 3 s while
// something is pending.
import { ApiOutlined, ReloadOutlined, SyncOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Collapse, Descriptions, Drawer, Empty, Skeleton, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { HTMLAttributes } from 'react';
import { Link } from 'react-router';
import { api, ok, seg } from '../../api';
import type { ObjectOperation, ObjectStatus, ObjectType } from '../../api/types';
import { errorText } from '../../components/formErrors';
import { DASH, Time } from '../../components/format';
import { OperationAnswer, VerdictTag, verdictAlertType } from '../../components/ObjectStatus';
import { useApi } from '../../hooks/useApi';
import { KindTag, OpStatusTag, valueText } from '../../components/RunParts';
import { mono } from '../../components/styles';
import { useExplain, useT } from '../../i18n';
import { messages } from './messages';

interface StatusTarget {
  type: ObjectType;
  /** The directory id (for an account also its username). */
  id: string;
}

interface ConnectionStatus {
  name: string;
  status: ObjectStatus | null;
  /** Why the status could not be read (e.g. 404: the object is unknown to the connection). */
  error: string | null;
}

const isPending = (s: ObjectStatus | null): boolean =>
  s !== null && (s.verdict.status === 'pending' || s.lastOperation?.status === 'pending' || s.lastOperation?.status === 'running');

/** The object's status in every connection; null while the first answer is awaited. Read again every 3 s while something is pending. */
function useObjectStatus(target: StatusTarget | null) {
  const type = target?.type;
  const id = target?.id;
  const read = useApi(
    async (signal): Promise<ConnectionStatus[] | null> => {
      if (!type || !id) return null;
      const { items: conns } = await ok(api.GET('/connections', { signal }));
      return Promise.all(
        conns.map(async (c): Promise<ConnectionStatus> => {
          try {
            return { name: c.name, status: await ok(api.GET('/connections/{name}/objects/{type}/{id}', { params: { path: { name: c.name, type, id } }, signal })), error: null };
          } catch (e) {
            if (signal.aborted) throw e;
            return { name: c.name, status: null, error: errorText(e) };
          }
        }),
      );
    },
    [type, id],
    { poll: { intervalMs: 3000, done: (list) => !(list ?? []).some((c) => isPending(c.status)) } },
  );
  const items = read.data;
  const pending = (items ?? []).some((c) => isPending(c.status));
  const name = items?.find((c) => c.status?.name)?.status?.name ?? null;
  return { items, error: read.error, loading: read.loading, pending, reload: read.refetch, name };
}

function HistoryTable({ history }: { history: ObjectOperation[] }) {
  const t = useT(messages);
  return (
    <Table<ObjectOperation>
      size="small"
      rowKey={(o) => `${o.runId}:${o.opId}`}
      dataSource={history}
      pagination={false}
      scroll={{ x: 560 }}
      onRow={(o) => ({ 'data-testid': 'sync-status-history-row', 'data-status': o.status }) as HTMLAttributes<HTMLElement>}
      columns={[
        { title: t('time'), dataIndex: 'at', width: 150, render: (v: string) => <Time at={v} /> },
        { title: t('operation'), dataIndex: 'kind', width: 110, render: (k: string) => <KindTag kind={k} one /> },
        { title: t('result'), dataIndex: 'status', width: 100, render: (s: ObjectOperation['status']) => <OpStatusTag status={s} /> },
        { title: t('wecomAnswer'), key: 'answer', render: (_, o) => <OperationAnswer op={o} /> },
        {
          title: t('run'),
          dataIndex: 'runId',
          width: 70,
          render: (r: string) => (
            <Tooltip title={r}>
              <Link to={`/runs/${seg(r)}`}>{t('run')}</Link>
            </Tooltip>
          ),
        },
      ]}
    />
  );
}

/** One connection's block: the verdict and the WeCom id in the header, the details inside. */
function ConnectionBlock({ item, type, compact }: { item: ConnectionStatus; type: ObjectType; compact: boolean }) {
  const t = useT(messages);
  const explain = useExplain();
  const s = item.status;
  const link = s?.link ?? null;
  const last = s?.lastOperation ?? null;

  const header = (
    <Space size={8} wrap>
      <ApiOutlined />
      <Typography.Text strong>{item.name}</Typography.Text>
      {s && <VerdictTag status={s.verdict.status} />}
    </Space>
  );
  const wecomId = link ? (
    <Space size={4} wrap>
      {!compact && <Typography.Text type="secondary">{type === 'account' ? t('userid') : t('departmentId')}</Typography.Text>}
      <Tooltip title={compact ? (type === 'account' ? t('userid') : t('departmentId')) : undefined}>
        <Typography.Text code data-testid="sync-status-wecom-id">
          {link.wecomId}
        </Typography.Text>
      </Tooltip>
    </Space>
  ) : (
    s && <Typography.Text type="secondary">{t('notLinked')}</Typography.Text>
  );

  let body;
  if (!s) body = <Alert type="warning" showIcon title={t('statusLoadFailed')} description={item.error} />;
  else {
    const shadow = link?.shadow ? Object.entries(link.shadow) : null;
    body = (
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        <Alert type={verdictAlertType(s.verdict.status)} showIcon title={explain(s.verdict.message)} data-testid="sync-status-message" />
        {!s.exists && <Tag color="default">{t('deletedObject')}</Tag>}
        <Descriptions
          size="small"
          column={1}
          bordered={!compact}
          layout={compact ? 'vertical' : 'horizontal'}
          styles={{ label: compact ? undefined : { width: 140, whiteSpace: 'nowrap' } }}
          items={[
            ...(link
              ? [
                  {
                    key: 'link',
                    label: type === 'account' ? t('userid') : t('departmentId'),
                    children: (
                      <Space size={[4, 4]} wrap>
                        <Typography.Text code>{link.wecomId}</Typography.Text>
                        <Tag>{link.origin === 'created' ? t('originCreated') : t('originMatched')}</Tag>
                        {link.state === 'pending' && <Tag color="warning">{t('linkPending')}</Tag>}
                      </Space>
                    ),
                  },
                  { key: 'written', label: t('lastWritten'), children: <Time at={link.updatedAt} /> },
                ]
              : []),
            {
              key: 'last',
              label: t('lastOperation'),
              children: last ? (
                <Space orientation="vertical" size={4} data-testid="sync-status-last-op" data-status={last.status}>
                  <Space size={[4, 4]} wrap>
                    <KindTag kind={last.kind} one />
                    <OpStatusTag status={last.status} />
                    <Time at={last.at} />
                    {last.attempts > 1 && <Typography.Text type="secondary">{t('attempts', { n: last.attempts })}</Typography.Text>}
                  </Space>
                  {(last.errcode !== null || last.errmsg || last.note) && <OperationAnswer op={last} full />}
                  <Link to={`/runs/${seg(last.runId)}`}>
                    {compact ? (
                      <Tooltip title={last.runId}>{t('openRun')}</Tooltip>
                    ) : (
                      <Typography.Text code style={{ cursor: 'pointer', fontSize: 12 }}>
                        {last.runId}
                      </Typography.Text>
                    )}
                  </Link>
                </Space>
              ) : (
                <Typography.Text type="secondary">{t('noOperation')}</Typography.Text>
              ),
            },
          ]}
        />
        <Collapse
          size="small"
          ghost
          defaultActiveKey={compact ? [] : ['shadow']}
          items={[
            {
              key: 'shadow',
              label: t('shadow'),
              children: shadow ? (
                <Descriptions
                  size="small"
                  column={1}
                  bordered
                  data-testid="sync-status-shadow"
                  items={shadow.map(([k, v]) => ({
                    key: k,
                    label: <span style={mono}>{k}</span>,
                    children: valueText(v) === null ? DASH : <span style={{ ...mono, wordBreak: 'break-all' }}>{valueText(v)}</span>,
                  }))}
                />
              ) : (
                <Typography.Text type="secondary">{t('noShadow')}</Typography.Text>
              ),
            },
            {
              key: 'history',
              label: t('history', { n: s.history.length }),
              children: s.history.length > 0 ? <HistoryTable history={s.history} /> : <Typography.Text type="secondary">{t('noOperation')}</Typography.Text>,
            },
          ]}
        />
      </Space>
    );
  }

  return (
    <div data-testid={`sync-status-${item.name}`} data-verdict={s?.verdict.status ?? 'unknown'}>
      <Collapse size="small" defaultActiveKey={['c']} items={[{ key: 'c', label: header, extra: wecomId, children: body }]} />
    </div>
  );
}

function StatusBlocks({ state, type, compact }: { state: ReturnType<typeof useObjectStatus>; type: ObjectType; compact: boolean }) {
  const t = useT(messages);
  const { items, error } = state;
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }}>
      {error && <Alert type="error" showIcon title={t('statusLoadFailed')} description={error.message} />}
      {items === null && !error && <Skeleton active />}
      {items?.length === 0 && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('noConnections')} />}
      {items?.map((c) => <ConnectionBlock key={c.name} item={c} type={type} compact={compact} />)}
    </Space>
  );
}

function RefreshButton({ state }: { state: ReturnType<typeof useObjectStatus> }) {
  const t = useT(messages);
  return (
    <Space size={4}>
      {state.pending && (
        <Tooltip title={t('autoRefresh')}>
          <SyncOutlined spin style={{ color: '#1677ff' }} />
        </Tooltip>
      )}
      <Tooltip title={t('refresh')}>
        <Button size="small" type="text" icon={<ReloadOutlined />} loading={state.loading && !state.pending} onClick={state.reload} data-testid="sync-status-refresh" />
      </Tooltip>
    </Space>
  );
}

/** An account's (or organization's) status in every connection, in a drawer; `target` null = closed. */
export function SyncStatusDrawer({ target, onClose }: { target: StatusTarget | null; onClose: () => void }) {
  const t = useT(messages);
  const state = useObjectStatus(target);
  return (
    <Drawer
      open={target !== null}
      onClose={onClose}
      size={720}
      destroyOnHidden
      title={target ? t('syncStatusOf', { name: state.name ?? target.id }) : ''}
      extra={<RefreshButton state={state} />}
    >
      <div data-testid="sync-status-drawer">
        <Typography.Paragraph type="secondary">{t('syncStatusIntro')}</Typography.Paragraph>
        {target && <StatusBlocks state={state} type={target.type} compact={false} />}
      </div>
    </Drawer>
  );
}

/** The selected organization's status in every connection: a small card under the tree. */
export function OrgSyncStatusCard({ organizationId, name }: { organizationId: string; name: string | undefined }) {
  const t = useT(messages);
  // the hook looks at the type and id only: a new object each render is fine
  const state = useObjectStatus({ type: 'organization', id: organizationId });
  return (
    <Card
      size="small"
      style={{ marginTop: 16 }}
      data-testid="org-sync-status"
      title={
        <Space>
          <ApiOutlined />
          {t('orgSyncStatus')}
        </Space>
      }
      extra={<RefreshButton state={state} />}
    >
      {name && (
        <Typography.Paragraph strong style={{ marginBottom: 8 }}>
          {name}
        </Typography.Paragraph>
      )}
      <StatusBlocks state={state} type="organization" compact />
    </Card>
  );
}
