// The audit log (GET /audit, admin only): newest first, keyset paging with `before`, exact
// filters on action, actor, target type and target id. Each write shows what changed as a readable
// diff (./audit/ChangeDiff.tsx): field labels in the user's language, before → after, names not ids.
import { FilterOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, AutoComplete, Button, Card, Flex, Input, Result, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { type HTMLAttributes, useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api, ok, seg } from '../api';
import type { AuditEntry, Query } from '../api/types';
import { DirPager, useCursorPages } from '../components/DirPager';
import { DASH, Time } from '../components/format';
import { useApi } from '../hooks/useApi';
import { type Messages, useT } from '../i18n';
import { ChangesLine, ChangesTable, DetailLine, changesOf, useAuditText } from './audit/ChangeDiff';

interface Filters {
  action: string;
  actor: string;
  targetType: string;
  targetId: string;
}

const EMPTY: Filters = { action: '', actor: '', targetType: '', targetId: '' };

/** Actions the service records (src/server/routes/*); the filter takes any other text too. */
const KNOWN_ACTIONS = [
  'auth.login',
  'auth.login.failure',
  'auth.login.rate-limited',
  'auth.logout',
  'user.create',
  'user.update',
  'user.password.change',
  'token.create',
  'token.revoke',
  'connection.create',
  'connection.update',
  'connection.delete',
  'connection.test',
  'connection.mapping.update',
  'connection.mapping.reset',
  'run.start',
  'run.approve',
  'run.retry',
  'organization.create',
  'organization.update',
  'organization.delete',
  'organization.enable',
  'organization.disable',
  'account.create',
  'account.update',
  'account.delete',
  'account.enable',
  'account.disable',
];
const TARGET_TYPES = ['account', 'organization', 'connection', 'run', 'user', 'token'];

const messages = {
  zh: {
    title: '审计日志',
    subtitle: '谁在什么时候做了什么。最新的在前面；不会记录密钥等机密。',
    time: '时间',
    actor: '操作者',
    action: '操作',
    target: '对象',
    details: '详情',
    ip: 'IP',
    filterAction: '操作，例如 account.update',
    filterActor: '操作者（完整名称）',
    filterTargetType: '对象类型',
    filterTargetId: '对象 ID',
    apply: '筛选',
    clear: '清除',
    refresh: '刷新',
    forbidden: '只有管理员可以查看审计日志',
    loadFailed: '无法读取审计日志',
    empty: '没有记录',
    user: '用户',
    token: '令牌',
    system: '系统',
    anonymous: '匿名',
    clickToFilter: '点击按此筛选',
    exact: '筛选条件需要完全匹配',
    raw: '原始记录',
  },
  en: {
    title: 'Audit log',
    subtitle: 'Who did what, and when. Newest first; secrets are never recorded.',
    time: 'Time',
    actor: 'Actor',
    action: 'Action',
    target: 'Target',
    details: 'Details',
    ip: 'IP',
    filterAction: 'Action, e.g. account.update',
    filterActor: 'Actor (full name)',
    filterTargetType: 'Target type',
    filterTargetId: 'Target id',
    apply: 'Filter',
    clear: 'Clear',
    refresh: 'Refresh',
    forbidden: 'Only administrators can read the audit log',
    loadFailed: 'The audit log could not be read',
    empty: 'No entries',
    user: 'user',
    token: 'token',
    system: 'system',
    anonymous: 'anonymous',
    clickToFilter: 'Click to filter by this',
    exact: 'Filters match exactly',
    raw: 'Raw entry',
  },
} satisfies Messages;

function actionColor(action: string): string {
  if (action.endsWith('.failure') || action.endsWith('.rate-limited')) return 'error';
  if (action.endsWith('.delete') || action.endsWith('.revoke') || action.endsWith('.disable')) return 'volcano';
  if (action.endsWith('.create')) return 'green';
  if (action.startsWith('run.')) return 'purple';
  if (action.startsWith('auth.')) return 'default';
  return 'blue';
}

function TargetCell({ e }: { e: AuditEntry }) {
  const a = useAuditText();
  if (!e.targetType && !e.targetId) return DASH;
  const id = e.targetId ?? '';
  let link: string | null = null;
  if (e.targetType === 'run' && id) link = `/runs/${seg(id)}`;
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  // the human name the detail carries: an organization's path, an account's name and username, a
  // connection's or token's name, a user's username, a run's connection
  const username = str(e.detail.username);
  const name = str(e.detail.path) ?? (str(e.detail.name) && username ? `${str(e.detail.name)} (${username})` : null) ?? str(e.detail.name) ?? username ?? str(e.detail.connection);
  // a link while the object may still be there (not to a connection or account this entry removed)
  if (e.targetType === 'connection' && str(e.detail.name) && e.action !== 'connection.delete' && e.action !== 'demo.remove') link = `/connections/${seg(str(e.detail.name)!)}`;
  if (e.targetType === 'account' && id && e.action !== 'account.delete') link = `/directory?account=${seg(id)}`;
  const text = name ? (
    <Tooltip title={id}>
      <span data-data data-testid="audit-target-name">
        {name}
      </span>
    </Tooltip>
  ) : (
    <Typography.Text code style={{ wordBreak: 'break-all' }}>
      {id}
    </Typography.Text>
  );
  return (
    <Space size={4} wrap>
      {e.targetType && <Tag>{a.type(e.targetType)}</Tag>}
      {link ? <Link to={link}>{text}</Link> : text}
    </Space>
  );
}

export function AuditPage() {
  const t = useT(messages);
  const at = useAuditText();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [pageSize, setPageSize] = useState(50);
  const pages = useCursorPages();

  const { reset } = pages;
  useEffect(() => reset(), [filters, reset]);

  const read = useApi(
    (signal) => {
      const query: Query<'/audit'> = { limit: pageSize };
      for (const [k, v] of Object.entries(filters) as [keyof Filters, string][]) if (v.trim()) query[k] = v.trim();
      if (pages.cursor) query.before = pages.cursor;
      return ok(api.GET('/audit', { params: { query }, signal }));
    },
    [filters, pageSize, pages.cursor],
    { keepData: true },
  );
  const { error, loading } = read;
  const items = read.data?.items ?? null;
  const nextCursor = read.data?.nextCursor ?? null;

  const filterBy = (f: Partial<Filters>) => {
    const next = { ...filters, ...f };
    setDraft(next);
    setFilters(next);
  };

  const actionOptions = useMemo(
    () =>
      KNOWN_ACTIONS.filter((a) => !draft.action || a.includes(draft.action.toLowerCase()) || at.action(a).toLowerCase().includes(draft.action.toLowerCase())).map((a) => ({
        value: a,
        label: `${at.action(a)} · ${a}`,
      })),
    [draft.action, at],
  );
  const active = Object.values(filters).some((v) => v.trim());

  if (error instanceof ApiError && error.status === 403) return <Result status="403" title={t('forbidden')} />;

  return (
    <div data-testid="audit">
      <Flex justify="space-between" align="flex-start" wrap gap={12} style={{ margin: '4px 0 16px' }}>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('title')}
          </Typography.Title>
          <Typography.Text type="secondary">{t('subtitle')}</Typography.Text>
        </div>
        <Button icon={<ReloadOutlined />} onClick={read.refetch} loading={loading}>
          {t('refresh')}
        </Button>
      </Flex>

      <Card size="small" style={{ marginBottom: 16 }}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setFilters(draft);
          }}
        >
          <Flex wrap gap={8} align="center">
            <AutoComplete
              value={draft.action}
              options={actionOptions}
              onChange={(v: string) => setDraft((d) => ({ ...d, action: v }))}
              onSelect={(v: string) => filterBy({ action: v })}
              style={{ width: 240 }}
              allowClear
              placeholder={t('filterAction')}
              aria-label={t('filterAction')}
              data-testid="audit-filter-action"
            />
            <Input
              value={draft.actor}
              onChange={(e) => setDraft((d) => ({ ...d, actor: e.target.value }))}
              style={{ width: 200 }}
              allowClear
              placeholder={t('filterActor')}
              aria-label={t('filterActor')}
              data-testid="audit-filter-actor"
            />
            <Select<string>
              value={draft.targetType || undefined}
              onChange={(v) => filterBy({ targetType: v ?? '' })}
              style={{ width: 160 }}
              allowClear
              placeholder={t('filterTargetType')}
              aria-label={t('filterTargetType')}
              options={TARGET_TYPES.map((v) => ({ value: v, label: at.type(v) }))}
            />
            <Input
              value={draft.targetId}
              onChange={(e) => setDraft((d) => ({ ...d, targetId: e.target.value }))}
              style={{ width: 240 }}
              allowClear
              placeholder={t('filterTargetId')}
              aria-label={t('filterTargetId')}
            />
            <Button type="primary" htmlType="submit" icon={<FilterOutlined />}>
              {t('apply')}
            </Button>
            {active && (
              <Button
                onClick={() => {
                  setDraft(EMPTY);
                  setFilters(EMPTY);
                }}
              >
                {t('clear')}
              </Button>
            )}
            <Typography.Text type="secondary">{t('exact')}</Typography.Text>
          </Flex>
        </form>
      </Card>

      {error && <Alert type="error" showIcon style={{ marginBottom: 16 }} title={t('loadFailed')} description={error.message} />}

      <Card size="small" styles={{ body: { padding: 0 } }}>
        <Table<AuditEntry>
          size="small"
          rowKey="id"
          loading={loading}
          scroll={{ x: 1100 }}
          dataSource={items ?? []}
          pagination={false}
          locale={{ emptyText: t('empty') }}
          onRow={() => ({ 'data-testid': 'audit-row' }) as HTMLAttributes<HTMLElement>}
          expandable={{
            expandedRowRender: (e) => (
              <Flex vertical gap={8}>
                {changesOf(e).length > 0 && <ChangesTable entry={e} />}
                <details>
                  <summary style={{ cursor: 'pointer', color: 'rgba(0,0,0,0.45)' }}>{t('raw')}</summary>
                  <pre style={{ margin: '8px 0 0', padding: 12, background: '#fafafa', borderRadius: 6, maxHeight: 400, overflow: 'auto', fontSize: 12 }}>
                    {JSON.stringify({ id: e.id, at: e.at, actor: e.actor, actorKind: e.actorKind, action: e.action, target: { type: e.targetType, id: e.targetId }, ip: e.ip, detail: e.detail }, null, 2)}
                  </pre>
                </details>
              </Flex>
            ),
          }}
          columns={[
            { title: t('time'), dataIndex: 'at', width: 160, render: (v: string) => <Time at={v} /> },
            {
              title: t('actor'),
              key: 'actor',
              width: 120,
              render: (_, e) => (
                <Tooltip title={t('clickToFilter')}>
                  <Space size={4} style={{ cursor: 'pointer' }} onClick={() => filterBy({ actor: e.actor })}>
                    <span>{e.actor}</span>
                    {e.actorKind !== 'user' && <Tag>{t(e.actorKind)}</Tag>}
                  </Space>
                </Tooltip>
              ),
            },
            {
              title: t('action'),
              dataIndex: 'action',
              width: 150,
              render: (a: string) => (
                <Tooltip title={t('clickToFilter')}>
                  <Tag color={actionColor(a)} style={{ cursor: 'pointer' }} onClick={() => filterBy({ action: a })} data-action={a}>
                    {at.action(a)}
                  </Tag>
                </Tooltip>
              ),
            },
            { title: t('target'), key: 'target', width: 220, render: (_, e) => <TargetCell e={e} /> },
            {
              title: t('details'),
              key: 'detail',
              // at most three lines; the expanded row shows everything
              render: (_, e) => (
                <div style={{ display: '-webkit-box', WebkitLineClamp: 3, WebkitBoxOrient: 'vertical', overflow: 'hidden' }}>
                  {changesOf(e).length > 0 ? <ChangesLine entry={e} /> : <DetailLine entry={e} />}
                </div>
              ),
            },
            { title: t('ip'), dataIndex: 'ip', width: 100, render: (v: string | null) => v ?? '—' },
          ]}
        />
      </Card>
      <Flex justify="flex-end" style={{ marginTop: 12 }}>
        <DirPager pages={pages} nextCursor={nextCursor} shown={items?.length ?? 0} pageSize={pageSize} onPageSize={setPageSize} sizes={[20, 50, 100, 200]} loading={loading} />
      </Flex>
    </div>
  );
}
