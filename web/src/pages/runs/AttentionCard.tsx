// "Needs attention" on the runs page: the connection's objects that are broken right now
// (GET /connections/:name/objects?status=failed — their latest operation failed or was not sent),
// or, toggled, those waiting (status=pending: a held or running run, an unconfirmed create), or the
// conflicts the rules cannot settle (status=conflict: two accounts claim one member; the verdict names both). Each
// row: the object with a link to it in the directory, the verdict in the reader's language,
// WeCom's errcode and explanation, and the run. Read again whenever the page refreshes (`refresh`).
import { ApartmentOutlined, CheckCircleOutlined, UserOutlined, WarningOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Empty, Flex, Segmented, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { type HTMLAttributes, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { api, ok, seg } from '../../api';
import type { ObjectStatusItem, Query } from '../../api/types';
import { Time } from '../../components/format';
import { OperationAnswer } from '../../components/ObjectStatus';
import { KindTag } from '../../components/RunParts';
import { useApi } from '../../hooks/useApi';
import { type Messages, useExplain, useT } from '../../i18n';

type Wanted = NonNullable<Query<'/connections/{name}/objects'>['status']>;

const PAGE = 50;

const messages = {
  zh: {
    title: '需要处理',
    failed: '失败',
    pending: '等待中',
    conflict: '冲突',
    object: '对象',
    account: '账号',
    organization: '组织',
    verdict: '状态说明',
    answer: '企业微信的应答',
    lastOperation: '最近操作',
    run: '运行',
    openRun: '查看运行',
    inDirectory: '在目录中查看',
    deleted: '已在目录中删除',
    orphan: '孤立对象（企业微信中无人拥有）',
    noneFailed: '没有失败的对象',
    noneFailedHint: '所有对象最近一次操作都已成功或正在进行。',
    nonePending: '没有等待同步的对象',
    noneConflict: '没有需要人工决定的冲突',
    more: '加载更多',
    loadFailed: '无法读取需要处理的对象',
  },
  en: {
    title: 'Needs attention',
    failed: 'Failed',
    pending: 'Pending',
    conflict: 'Conflicts',
    object: 'Object',
    account: 'account',
    organization: 'organization',
    verdict: 'Status',
    answer: "WeCom's answer",
    lastOperation: 'Last operation',
    run: 'Run',
    openRun: 'Open the run',
    inDirectory: 'Show in the directory',
    deleted: 'deleted in the directory',
    orphan: 'orphan (owned by nobody in the directory)',
    noneFailed: 'Nothing is failing',
    noneFailedHint: 'The latest operation on every object succeeded or is under way.',
    nonePending: 'Nothing is waiting',
    noneConflict: 'No conflict needs a decision',
    more: 'Load more',
    loadFailed: 'The objects needing attention could not be read',
  },
} satisfies Messages;

const directoryLink = (o: ObjectStatusItem): string => `/directory?${new URLSearchParams({ [o.type]: o.id })}`;

export function AttentionCard({ name, refresh }: { name: string; refresh: number }) {
  const t = useT(messages);
  const explain = useExplain();
  const [wanted, setWanted] = useState<Wanted>('failed');
  const page = (after: string | undefined, signal?: AbortSignal) =>
    ok(api.GET('/connections/{name}/objects', { params: { path: { name }, query: { status: wanted, limit: PAGE, ...(after ? { after } : {}) } }, signal }));
  // the first page, again on every refresh of the runs page
  const first = useApi((signal) => page(undefined, signal), [name, wanted], { refresh });
  // the pages "Load more" added to it (dropped when the first page is read again)
  const [more, setMore] = useState<{ items: ObjectStatusItem[]; nextCursor: string | null } | null>(null);
  const [moreError, setMoreError] = useState<Error | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const current = useRef(first.data);
  current.current = first.data;
  useEffect(() => {
    setMore(null);
    setMoreError(null);
  }, [first.data]);

  const items = first.data ? [...first.data.items, ...(more?.items ?? [])] : null;
  const nextCursor = more ? more.nextCursor : (first.data?.nextCursor ?? null);
  const error = first.error ?? moreError;

  const loadMore = async () => {
    if (!nextCursor) return;
    const base = first.data;
    setLoadingMore(true);
    try {
      const p = await page(nextCursor);
      // the first page was read again meanwhile: this page no longer follows it
      if (current.current === base) setMore((m) => ({ items: [...(m?.items ?? []), ...p.items], nextCursor: p.nextCursor }));
    } catch (e) {
      if (current.current === base) setMoreError(e as Error);
    } finally {
      setLoadingMore(false);
    }
  };

  const count = items ? `${items.length}${nextCursor ? '+' : ''}` : null;
  const empty =
    wanted === 'failed' ? (
      <Flex vertical align="center" gap={4} style={{ padding: '16px 0' }} data-testid="attention-empty">
        <Typography.Text type="success">
          <CheckCircleOutlined /> {t('noneFailed')}
        </Typography.Text>
        <Typography.Text type="secondary">{t('noneFailedHint')}</Typography.Text>
      </Flex>
    ) : (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(wanted === 'conflict' ? 'noneConflict' : 'nonePending')} data-testid="attention-empty" />
    );

  return (
    <Card
      size="small"
      data-testid="attention"
      data-status={wanted}
      title={
        <Space>
          <WarningOutlined style={{ color: wanted === 'failed' && items && items.length > 0 ? '#cf1322' : undefined }} />
          {t('title')}
          {count !== null && <Tag color={wanted === 'failed' && items && items.length > 0 ? 'error' : undefined}>{count}</Tag>}
        </Space>
      }
      extra={
        <Segmented<Wanted>
          size="small"
          value={wanted}
          onChange={setWanted}
          data-testid="attention-toggle"
          options={[
            { value: 'failed', label: t('failed') },
            { value: 'pending', label: t('pending') },
            { value: 'conflict', label: t('conflict') },
          ]}
        />
      }
      styles={{ body: { padding: items && items.length > 0 ? 0 : undefined } }}
    >
      {error && <Alert type="error" showIcon style={{ margin: 12 }} title={t('loadFailed')} description={error.message} />}
      <Table<ObjectStatusItem>
        size="small"
        rowKey={(o) => `${o.type}:${o.id}`}
        loading={items === null && !error}
        dataSource={items ?? []}
        pagination={false}
        scroll={{ x: 960 }}
        locale={{ emptyText: empty }}
        onRow={(o) =>
          ({
            'data-testid': 'attention-row',
            'data-id': o.id,
            'data-type': o.type,
            'data-verdict': o.verdict.status,
            'data-errcode': o.lastOperation?.errcode ?? undefined,
          }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          {
            title: t('object'),
            key: 'object',
            width: 200,
            render: (_, o) => (
              <Space orientation="vertical" size={0}>
                <Space size={6}>
                  {o.type === 'account' ? <UserOutlined /> : <ApartmentOutlined />}
                  {o.exists ? (
                    <Tooltip title={t('inDirectory')}>
                      <Link to={directoryLink(o)}>{o.name ?? o.id}</Link>
                    </Tooltip>
                  ) : o.id.startsWith('orphan:') ? (
                    // an orphan's removal (the Orphans page): named by its WeCom id, not by the operation key
                    <Link to={`/connections/${seg(name)}/orphans`}>{o.link?.wecomId ?? o.id.replace(/^orphan:(member|department):/, '')}</Link>
                  ) : (
                    <Typography.Text>{o.name ?? o.id}</Typography.Text>
                  )}
                </Space>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {o.id.startsWith('orphan:') ? t('orphan') : t(o.type)}
                  {o.link && (
                    <>
                      {' · '}
                      <Typography.Text code style={{ fontSize: 12 }}>
                        {o.link.wecomId}
                      </Typography.Text>
                    </>
                  )}
                  {!o.exists && !o.id.startsWith('orphan:') && ` · ${t('deleted')}`}
                </Typography.Text>
              </Space>
            ),
          },
          {
            title: t('verdict'),
            key: 'verdict',
            render: (_, o) => (
              <Typography.Paragraph style={{ margin: 0 }} ellipsis={{ rows: 2, tooltip: explain(o.verdict.message) }}>
                {explain(o.verdict.message)}
              </Typography.Paragraph>
            ),
          },
          {
            title: t('answer'),
            key: 'answer',
            width: 260,
            render: (_, o) => (o.lastOperation ? <OperationAnswer op={o.lastOperation} /> : <Typography.Text type="secondary">—</Typography.Text>),
          },
          {
            title: t('lastOperation'),
            key: 'last',
            width: 210,
            render: (_, o) =>
              o.lastOperation ? (
                <Space orientation="vertical" size={2}>
                  <KindTag kind={o.lastOperation.kind} one />
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    <Time at={o.lastOperation.at} />
                  </Typography.Text>
                </Space>
              ) : (
                <Typography.Text type="secondary">—</Typography.Text>
              ),
          },
          {
            title: t('run'),
            key: 'run',
            width: 110,
            render: (_, o) =>
              o.lastOperation ? (
                <Tooltip title={o.lastOperation.runId}>
                  <Link to={`/runs/${seg(o.lastOperation.runId)}`} data-testid="attention-run">
                    {t('openRun')}
                  </Link>
                </Tooltip>
              ) : (
                <Typography.Text type="secondary">—</Typography.Text>
              ),
          },
        ]}
      />
      {nextCursor && (
        <Flex justify="center" style={{ padding: 8 }}>
          <Button size="small" loading={loadingMore} onClick={() => void loadMore()}>
            {t('more')}
          </Button>
        </Flex>
      )}
    </Card>
  );
}
