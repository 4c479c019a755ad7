// The runs of a connection (GET /connections/:name/runs) under its sync status
// (GET /connections/:name/status: links, the last run, directory changes not synced yet, held runs,
// failures of the last run)
// and the objects that need attention (./runs/AttentionCard: failing or waiting right now, whatever
// run it was). Refreshes every 3 s while a run is not finished.
import { ApartmentOutlined, FileSearchOutlined, ReloadOutlined, SyncOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Empty, Flex, Modal, Row, Space, Statistic, Table, Tag, Tooltip, Typography } from 'antd';
import { type HTMLAttributes, type ReactNode, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, api, ok, seg } from '../api';
import type { Run, RunStatus, SyncFailure, SyncStatus } from '../api/types';
import { DASH, Time, durationText } from '../components/format';
import { ConnectionCrumbs, RunKindTag, RunStatusTag, useRunLabel } from '../components/RunParts';
import { useApi } from '../hooks/useApi';
import { type Messages, useExplain, useServerText, useT } from '../i18n';
import { useIsAdmin } from '../session';
import { ChangesText, pendingChanges } from '../components/SyncState';
import { AttentionCard } from './runs/AttentionCard';

const messages = {
  zh: {
    title: '运行记录',
    status: '同步状态',
    planApply: '预览并执行',
    orphans: '孤立对象',
    syncNow: '立即同步',
    refresh: '刷新',
    autoRefresh: '有运行未结束，每 3 秒自动刷新',
    linkedDepartments: '已关联部门',
    linkedMembers: '已关联成员',
    pendingLinks: '待确认关联',
    lastRun: '上次同步',
    neverRun: '还没有运行',
    changes: '目录变更',
    confirmTitle: '开始一次完整同步？',
    confirmText: '完整同步会比较同步范围内的整个目录与企业微信，并把所有差异写入企业微信。删除或停用超过安全阈值时，运行会暂停等待批准。',
    confirmFirstTitle: '这个连接还没有同步过',
    confirmFirstText: '“立即同步”会不经预览，把同步范围内的整个目录一次写入企业微信。建议先查看同步计划，确认将要创建、修改和删除的内容，再在计划页面执行。',
    confirmStart: '开始同步',
    confirmStartAnyway: '不看计划，直接同步',
    confirmPlan: '先查看同步计划',
    cancel: '取消',
    mappingPending: '映射已修改，尚未全部同步到企业微信',
    mappingPendingNote: '保存的映射需要一次完整同步才能应用到所有成员和部门：服务在保存映射后会立即开始（连接完成首次同步之后）；“预览并执行”可查看它带来的变更（原因为“映射已修改”）。',
    heldRuns: '待审批的运行',
    heldNote: '这些运行删除或禁用的对象超过了安全阈值，需要管理员批准后才会执行。',
    failures: '上次运行的失败（{n}）',
    noFailures: '上次运行没有失败的操作',
    target: '对象',
    errcode: '错误码',
    explanation: '说明',
    run: '运行',
    kind: '类型',
    result: '结果',
    counts: '操作统计与错误',
    created: '创建时间',
    finished: '结束时间',
    duration: '耗时',
    noRuns: '还没有运行。先预览计划，再执行同步。',
    started: '已开始运行 {id}',
    open: '查看',
    active: '这个连接已有一个运行在进行中',
    loadFailed: '无法读取运行记录',
    succeededN: '成功 {n}',
    failedN: '失败 {n}',
    skippedN: '跳过 {n}',
    pendingN: '等待 {n}',
    totalN: '共 {n}',
    root: '根部门 {id}',
  },
  en: {
    title: 'Runs',
    status: 'Sync status',
    planApply: 'Plan & apply',
    orphans: 'Orphans',
    syncNow: 'Sync now',
    refresh: 'Refresh',
    autoRefresh: 'A run is not finished: refreshing every 3 s',
    linkedDepartments: 'Linked departments',
    linkedMembers: 'Linked members',
    pendingLinks: 'Pending links',
    lastRun: 'Last run',
    neverRun: 'No run yet',
    changes: 'Directory changes',
    confirmTitle: 'Start a full sync?',
    confirmText: 'A full sync compares the whole directory within the scope with WeCom and writes every difference to WeCom. A run that would delete or disable more than the safety threshold stops for approval.',
    confirmFirstTitle: 'This connection has never synced',
    confirmFirstText: '"Sync now" writes the whole directory within the scope to WeCom at once, without a preview. Look at the plan first to see what would be created, changed and deleted, and apply it from there.',
    confirmStart: 'Start the sync',
    confirmStartAnyway: 'Sync without looking at the plan',
    confirmPlan: 'Look at the plan first',
    cancel: 'Cancel',
    mappingPending: 'The mapping was changed and is not all in WeCom yet',
    mappingPendingNote: 'A saved mapping reaches every member and department with a full sync run: the service starts one as soon as the mapping is saved (once the connection has had its first run); "Plan & apply" shows what it changes (reason "mapping changed").',
    heldRuns: 'Runs held for approval',
    heldNote: 'These runs delete or disable more objects than the safety threshold allows; they run once an administrator approves them.',
    failures: 'Failures of the last run ({n})',
    noFailures: 'The last run had no failed operations',
    target: 'Target',
    errcode: 'Errcode',
    explanation: 'Explanation',
    run: 'Run',
    kind: 'Kind',
    result: 'Result',
    counts: 'Operations and error',
    created: 'Created',
    finished: 'Finished',
    duration: 'Duration',
    noRuns: 'No runs yet. Look at the plan first, then apply it.',
    started: 'Run {id} started',
    open: 'Open',
    active: 'A run of this connection is already active',
    loadFailed: 'The runs could not be read',
    succeededN: '{n} succeeded',
    failedN: '{n} failed',
    skippedN: '{n} skipped',
    pendingN: '{n} pending',
    totalN: '{n} total',
    root: 'root department {id}',
  },
} satisfies Messages;

function SummaryCell({ run }: { run: Run }) {
  const t = useT(messages);
  const label = useRunLabel();
  const say = useServerText();
  const s = run.summary;
  if (!s) return DASH;
  const message = say(s.note, s.message);
  const kinds = Object.entries(s.byKind ?? {}).filter(([, n]) => n > 0);
  return (
    <Tooltip
      title={
        kinds.length > 0 ? (
          <div>
            {message && <div style={{ marginBottom: 4 }}>{message}</div>}
            {kinds.map(([k, n]) => (
              <div key={k}>
                {label(k)}: {n}
              </div>
            ))}
          </div>
        ) : (
          message || undefined
        )
      }
    >
      <Space size={[4, 4]} wrap>
        <Tag>{t('totalN', { n: s.total })}</Tag>
        {s.succeeded > 0 && <Tag color="success">{t('succeededN', { n: s.succeeded })}</Tag>}
        {s.failed > 0 && <Tag color="error">{t('failedN', { n: s.failed })}</Tag>}
        {s.skipped > 0 && <Tag color="gold">{t('skippedN', { n: s.skipped })}</Tag>}
        {s.pending > 0 && <Tag color="processing">{t('pendingN', { n: s.pending })}</Tag>}
      </Space>
    </Tooltip>
  );
}

/** A title in the look of a Statistic's, over a value that is not a number. */
const StatTitle = ({ children }: { children: ReactNode }) => (
  <div style={{ marginBottom: 4 }}>
    <Typography.Text type="secondary">{children}</Typography.Text>
  </div>
);

/**
 * "Sync now" asks first: a full run writes every difference. Before the connection's first sync it
 * says so and offers the plan (the reviewed way) first.
 */
function SyncNowConfirm({ open, first, onStart, onPlan, onCancel }: { open: boolean; first: boolean; onStart: () => void; onPlan: () => void; onCancel: () => void }) {
  const t = useT(messages);
  return (
    <Modal
      open={open}
      title={first ? t('confirmFirstTitle') : t('confirmTitle')}
      onCancel={onCancel}
      footer={
        <Space wrap>
          <Button onClick={onCancel}>{t('cancel')}</Button>
          {first && (
            <Button type="primary" data-testid="sync-now-plan" onClick={onPlan}>
              {t('confirmPlan')}
            </Button>
          )}
          <Button type={first ? 'default' : 'primary'} danger={first} data-testid="sync-now-start" onClick={onStart}>
            {first ? t('confirmStartAnyway') : t('confirmStart')}
          </Button>
        </Space>
      }
    >
      <div data-testid="sync-now-confirm" data-first={first}>
        {first ? t('confirmFirstText') : t('confirmText')}
      </div>
    </Modal>
  );
}

function StatusCard({ status }: { status: SyncStatus }) {
  const t = useT(messages);
  const explain = useExplain();
  const { links, held, failures } = status;
  const last = status.runs[0];
  return (
    <Card size="small" title={t('status')} extra={<Typography.Text type="secondary">{t('root', { id: status.connection.rootDepartmentId })}</Typography.Text>}>
      <Row gutter={[24, 16]}>
        <Col xs={12} md={6}>
          <Statistic title={t('linkedDepartments')} value={links.departments} prefix={<ApartmentOutlined />} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t('linkedMembers')} value={links.members} prefix={<UserOutlined />} />
          {links.pending > 0 && (
            <Typography.Text type="secondary">
              {t('pendingLinks')}: {links.pending}
            </Typography.Text>
          )}
        </Col>
        <Col xs={12} md={6}>
          <StatTitle>{t('lastRun')}</StatTitle>
          {last ? (
            <Space size={4} wrap>
              <RunStatusTag status={last.status} />
              <Time at={last.finishedAt ?? last.createdAt} />
            </Space>
          ) : (
            <Typography.Text type="secondary">{t('neverRun')}</Typography.Text>
          )}
        </Col>
        <Col xs={12} md={6}>
          <StatTitle>{t('changes')}</StatTitle>
          <ChangesText status={status} help />
        </Col>
      </Row>
      {status.mapping.pending && (
        <Alert type="info" showIcon style={{ marginTop: 16 }} title={t('mappingPending')} description={t('mappingPendingNote')} data-testid="mapping-pending" />
      )}
      {held.length > 0 && (
        <Alert
          type="warning"
          showIcon
          style={{ marginTop: 16 }}
          title={t('heldRuns')}
          description={
            <Space orientation="vertical" size={4}>
              <span>{t('heldNote')}</span>
              <Space wrap>
                {held.map((id) => (
                  <Link key={id} to={`/runs/${seg(id)}`}>
                    <Typography.Text code>{id}</Typography.Text>
                  </Link>
                ))}
              </Space>
            </Space>
          }
        />
      )}
      <div style={{ marginTop: 16 }}>
        {failures.length === 0 ? (
          <Typography.Text type="secondary">{t('noFailures')}</Typography.Text>
        ) : (
          <>
            <Typography.Text strong type="danger">
              {t('failures', { n: failures.length })}
            </Typography.Text>
            <Table<SyncFailure>
              size="small"
              style={{ marginTop: 8 }}
              rowKey={(f) => `${f.runId}:${f.key}:${f.kind}`}
              dataSource={failures}
              pagination={{ defaultPageSize: 10, hideOnSinglePage: true }}
              columns={[
                { title: t('target'), dataIndex: 'target', width: 220, render: (v: string, f) => <Link to={`/runs/${seg(f.runId)}`}>{v}</Link> },
                { title: t('kind'), dataIndex: 'kind', width: 150, render: (k: string) => <Typography.Text code>{k}</Typography.Text> },
                { title: t('errcode'), dataIndex: 'errcode', width: 100, render: (c: number | null) => (c === null ? '—' : <Tag color="error">{c}</Tag>) },
                {
                  title: t('explanation'),
                  key: 'explanation',
                  render: (_, f) => (
                    <Space orientation="vertical" size={0}>
                      <span>{explain(f.explanation) || f.errmsg || '—'}</span>
                      {f.explanation && f.errmsg && (
                        <Typography.Paragraph type="secondary" style={{ margin: 0 }} ellipsis={{ rows: 1, expandable: true }}>
                          {f.errmsg}
                        </Typography.Paragraph>
                      )}
                      {f.note && <Typography.Text type="secondary">{f.note}</Typography.Text>}
                    </Space>
                  ),
                },
              ]}
            />
          </>
        )}
      </div>
    </Card>
  );
}

export function RunsPage() {
  const t = useT(messages);
  const explain = useExplain();
  const { name = '' } = useParams();
  const navigate = useNavigate();
  const isAdmin = useIsAdmin();
  const { message } = App.useApp();
  const [starting, setStarting] = useState(false);
  // the runs and the status together, every 3 s while a run is not finished
  const page = useApi(
    async (signal) => {
      const path = { name };
      const [r, s] = await Promise.all([
        ok(api.GET('/connections/{name}/runs', { params: { path, query: { limit: 50 } }, signal })),
        ok(api.GET('/connections/{name}/status', { params: { path }, signal })),
      ]);
      return { runs: r.items, status: s };
    },
    [name],
    { keepData: true, poll: { intervalMs: 3000, done: (d) => d.runs.every((r) => r.finished) } },
  );
  const runs = page.data?.runs ?? null;
  const status: SyncStatus | null = page.data?.status ?? null;
  const { error, loading, refetch } = page;
  const busy = (runs ?? []).some((r) => !r.finished);

  const [confirming, setConfirming] = useState(false);
  const syncNow = async () => {
    setConfirming(false);
    setStarting(true);
    try {
      const res = await ok(api.POST('/connections/{name}/runs', { params: { path: { name } } }));
      message.success(
        <span>
          {t('started', { id: res.run })} <Link to={`/runs/${seg(res.run)}`}>{t('open')}</Link>
        </span>,
      );
      refetch();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) message.warning(`${t('active')}: ${e.message}`);
      else message.error((e as Error).message);
      refetch();
    } finally {
      setStarting(false);
    }
  };

  return (
    <div data-testid="runs">
      <ConnectionCrumbs name={name} trail={[t('title')]} />
      <Flex justify="space-between" align="center" wrap gap={12} style={{ marginBottom: 16 }}>
        <Space align="baseline">
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('title')} · {name}
          </Typography.Title>
          {busy && (
            <Typography.Text type="secondary">
              <SyncOutlined spin /> {t('autoRefresh')}
            </Typography.Text>
          )}
        </Space>
        <Space wrap>
          <Button icon={<ReloadOutlined />} onClick={refetch} loading={loading && !busy}>
            {t('refresh')}
          </Button>
          <Button icon={<FileSearchOutlined />} onClick={() => navigate(`/connections/${seg(name)}/plan`)}>
            {t('planApply')}
          </Button>
          <Button onClick={() => navigate(`/connections/${seg(name)}/orphans`)} data-testid="open-orphans">
            {t('orphans')}
          </Button>
          {isAdmin && (
            <Button type="primary" icon={<SyncOutlined />} data-testid="sync-now" loading={starting} onClick={() => setConfirming(true)}>
              {t('syncNow')}
            </Button>
          )}
        </Space>
      </Flex>

      {error && <Alert type="error" showIcon style={{ marginBottom: 16 }} title={t('loadFailed')} description={error.message} />}
      <SyncNowConfirm
        open={confirming}
        first={status !== null && pendingChanges(status) === null}
        onStart={() => void syncNow()}
        onPlan={() => navigate(`/connections/${seg(name)}/plan`)}
        onCancel={() => setConfirming(false)}
      />

      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        {status && <StatusCard status={status} />}
        {page.data && <AttentionCard name={name} refresh={page.reads} />}
        <Card size="small" title={t('title')} styles={{ body: { padding: 0 } }}>
          <Table<Run>
            size="middle"
            rowKey="id"
            scroll={{ x: 1100 }}
            loading={runs === null && !error}
            dataSource={runs ?? []}
            locale={{ emptyText: <Empty description={t('noRuns')} /> }}
            pagination={{ defaultPageSize: 20, hideOnSinglePage: true }}
            onRow={(r) => ({ 'data-testid': 'run-row', 'data-status': r.status, 'data-run': r.id }) as HTMLAttributes<HTMLElement>}
            columns={[
              {
                title: t('run'),
                dataIndex: 'id',
                width: 280,
                render: (id: string) => (
                  <Link to={`/runs/${seg(id)}`}>
                    <Typography.Text code style={{ cursor: 'pointer', whiteSpace: 'nowrap' }}>
                      {id}
                    </Typography.Text>
                  </Link>
                ),
              },
              { title: t('kind'), dataIndex: 'kind', width: 90, render: (k: string) => <RunKindTag kind={k} /> },
              { title: t('result'), dataIndex: 'status', width: 120, render: (s: RunStatus, r) => <RunStatusTag status={s} summary={r.summary} /> },
              {
                title: t('counts'),
                key: 'summary',
                render: (_, r) => (
                  <Space orientation="vertical" size={4}>
                    <SummaryCell run={r} />
                    {r.error && (
                      <Typography.Text type="danger">
                        {r.error.errcode !== undefined && <Tag color="error">{r.error.errcode}</Tag>}
                        {explain(r.error.explanation) || r.error.message}
                        {r.error.explanation && <Typography.Text type="secondary"> {r.error.message}</Typography.Text>}
                      </Typography.Text>
                    )}
                  </Space>
                ),
              },
              { title: t('created'), dataIndex: 'createdAt', width: 170, render: (v: string) => <Time at={v} /> },
              { title: t('finished'), dataIndex: 'finishedAt', width: 170, render: (v: string | null) => <Time at={v} /> },
              { title: t('duration'), key: 'duration', width: 90, render: (_, r) => durationText(r.startedAt ?? r.createdAt, r.finishedAt) },
            ]}
          />
        </Card>
      </Space>
    </div>
  );
}
