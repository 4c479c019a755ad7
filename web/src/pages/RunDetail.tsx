// One run (GET /runs/:id): status and progress (polled every second until finished), its error
// explained in the reader's language, and the result of every operation, with approve (a held
// run) and retry (the failed operations of a finished run).
import { CheckOutlined, HistoryOutlined, RedoOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Descriptions, Flex, Input, Progress, Segmented, Skeleton, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { type HTMLAttributes, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, api, ok, seg } from '../api';
import type { OpStatus, RunDetail, RunOperation as Operation } from '../api/types';
import { Time, durationText } from '../components/format';
import { ChangesTable, ConnectionCrumbs, KindTag, OpStatusTag, RunKindTag, RunStatusTag, WarningsAlert, useReasonText } from '../components/RunParts';
import { useApi } from '../hooks/useApi';
import { type Messages, useExplain, useServerText, useT } from '../i18n';
import { messageOfEnglish } from '../../../src/messages/index';
import { useIsAdmin } from '../session';

type Filter = 'all' | 'failed' | 'succeeded' | 'other';

const messages = {
  zh: {
    runs: '运行记录',
    run: '运行',
    refresh: '刷新',
    kind: '类型',
    connection: '连接',
    created: '创建时间',
    started: '开始时间',
    finished: '结束时间',
    duration: '耗时',
    summary: '结果',
    progress: '进度',
    progressText: '{done} / {total} 个操作已处理',
    polling: '运行中，每秒刷新',
    errorTitle: '运行出错',
    errcode: '错误码',
    heldTitle: '这个运行等待审批',
    heldText: '计划删除或禁用的对象超过了连接的安全阈值，所以还没有向企业微信发送任何改动。请检查下面的操作；批准后运行会立即执行。',
    heldViewer: '需要管理员批准。',
    approve: '批准并执行',
    approved: '已批准，运行开始执行',
    retry: '重试失败的操作',
    retryStarted: '正在重新发送失败的操作',
    retryHint: '重新发送失败的操作（以及因它们而跳过的操作）',
    operations: '操作',
    all: '全部',
    failed: '失败',
    succeeded: '成功',
    other: '其它',
    search: '搜索对象，例如 member zhangsan',
    seq: '#',
    target: '对象',
    departmentId: '部门 {id}',
    status: '状态',
    result: '错误与说明',
    attempts: '次数',
    reason: '原因',
    errmsg: '企业微信返回',
    note: '备注',
    errorClass: '错误类别',
    changes: '字段变化',
    notFound: '找不到这个运行',
    loadFailed: '无法读取运行',
    noOps: '没有操作',
  },
  en: {
    runs: 'Runs',
    run: 'Run',
    refresh: 'Refresh',
    kind: 'Kind',
    connection: 'Connection',
    created: 'Created',
    started: 'Started',
    finished: 'Finished',
    duration: 'Duration',
    summary: 'Result',
    progress: 'Progress',
    progressText: '{done} of {total} operations done',
    polling: 'Running: refreshing every second',
    errorTitle: 'The run failed',
    errcode: 'errcode',
    heldTitle: 'This run is held for approval',
    heldText: 'It deletes or disables more objects than the connection’s safety threshold allows, so nothing has been sent to WeCom yet. Review the operations below; once approved the run executes at once.',
    heldViewer: 'An administrator has to approve it.',
    approve: 'Approve and run',
    approved: 'Approved: the run is executing',
    retry: 'Retry failed',
    retryStarted: 'Sending the failed operations again',
    retryHint: 'Send the failed operations (and those skipped because of them) again',
    operations: 'Operations',
    all: 'All',
    failed: 'Failed',
    succeeded: 'Succeeded',
    other: 'Other',
    search: 'Search targets, e.g. member zhangsan',
    seq: '#',
    target: 'Target',
    departmentId: 'department {id}',
    status: 'Status',
    result: 'Error and explanation',
    attempts: 'Attempts',
    reason: 'Reason',
    errmsg: 'WeCom answered',
    note: 'Note',
    errorClass: 'Error class',
    changes: 'Field changes',
    notFound: 'No such run',
    loadFailed: 'The run could not be read',
    noOps: 'No operations',
  },
} satisfies Messages;

const DONE: OpStatus[] = ['succeeded', 'failed', 'skipped'];

/** done / total: from the operations when there are any (live while running), else from the summary. */
function progressOf(run: RunDetail): { done: number; total: number; succeeded: number; failed: number } {
  const ops = run.operations;
  if (ops.length > 0) {
    const count = (s: OpStatus) => ops.filter((o) => o.status === s).length;
    return { done: ops.filter((o) => DONE.includes(o.status)).length, total: ops.length, succeeded: count('succeeded'), failed: count('failed') };
  }
  const s = run.summary;
  if (!s) return { done: 0, total: 0, succeeded: 0, failed: 0 };
  return { done: s.succeeded + s.failed + s.skipped, total: s.total, succeeded: s.succeeded, failed: s.failed };
}

/** A result stored as English (a note, a skip's reason) in the user's language when the catalogue knows it. */
function useResultText(): (text: string | null) => string {
  const say = useServerText();
  return (text) => (text ? say(messageOfEnglish(text), text) : '');
}

/** Who an operation is for: the directory object's name (an organization's path), and WeCom's id beside it. */
function OpTarget({ op }: { op: Operation }) {
  const t = useT(messages);
  const m = /^(member|department) (.*)$/.exec(op.target);
  const id = m ? (m[1] === 'department' ? t('departmentId', { id: m[2]! }) : m[2]!) : op.target;
  const name = op.subject ? (op.subject.path ?? op.subject.name) : null;
  return (
    <Space orientation="vertical" size={0} data-testid="run-op-target">
      {name && <Typography.Text strong>{name}</Typography.Text>}
      <Typography.Text type={name ? 'secondary' : undefined} strong={!name} code={m?.[1] === 'member'}>
        {id}
      </Typography.Text>
    </Space>
  );
}

function OperationDetail({ op }: { op: Operation }) {
  const t = useT(messages);
  const explain = useExplain();
  const reasonText = useReasonText();
  const result = useResultText();
  return (
    <Space orientation="vertical" size={8} style={{ width: '100%' }}>
      {(op.errcode !== null || op.errmsg || op.note) && (
        <Descriptions
          size="small"
          column={1}
          bordered
          style={{ maxWidth: 960 }}
          items={[
            ...(op.explanation ? [{ key: 'x', label: t('result'), children: explain(op.explanation) }] : []),
            ...(op.errcode !== null || op.errmsg ? [{ key: 'e', label: t('errmsg'), children: `${op.errcode ?? ''} ${op.errcode === null ? result(op.errmsg) : (op.errmsg ?? '')}`.trim() }] : []),
            ...(op.errorClass ? [{ key: 'c', label: t('errorClass'), children: <Typography.Text code>{op.errorClass}</Typography.Text> }] : []),
            ...(op.note ? [{ key: 'n', label: t('note'), children: result(op.note) }] : []),
            { key: 'r', label: t('reason'), children: reasonText({ ...op, note: op.reasonNote }) },
          ]}
        />
      )}
      <Typography.Text strong>{t('changes')}</Typography.Text>
      <ChangesTable changes={op.changes} />
    </Space>
  );
}

export function RunDetailPage() {
  const t = useT(messages);
  const explain = useExplain();
  const say = useServerText();
  const reasonText = useReasonText();
  const result = useResultText();
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const isAdmin = useIsAdmin();
  const { message } = App.useApp();
  const [acting, setActing] = useState<'approve' | 'retry' | null>(null);
  const [filter, setFilter] = useState<Filter>('all');
  const [search, setSearch] = useState('');

  // polled every second until the run is finished
  const read = useApi((signal) => ok(api.GET('/runs/{id}', { params: { path: { id } }, signal })), [id], { poll: { intervalMs: 1000, done: (r) => r.finished } });
  const { data: run, error, refetch, setData: setRun } = read;

  const act = async (action: 'approve' | 'retry') => {
    setActing(action);
    try {
      const init = { params: { path: { id } } };
      const res = await ok(action === 'approve' ? api.POST('/runs/{id}/approve', init) : api.POST('/runs/{id}/retry', init));
      message.success(action === 'approve' ? t('approved') : t('retryStarted'));
      // the run executes now (202 comes once execution has begun): show it as running until the next read
      setRun((r) => (r && r.id === res.run ? { ...r, status: res.status, finished: false } : r));
      // approve and retry execute the same run again (its id comes back): read it and poll
      if (res.run !== id) navigate(`/runs/${seg(res.run)}`);
      refetch();
    } catch (e) {
      message.error((e as Error).message);
      refetch();
    } finally {
      setActing(null);
    }
  };

  const ops = useMemo(() => run?.operations ?? [], [run]);
  const counts = useMemo(() => {
    const c = { all: ops.length, failed: 0, succeeded: 0, other: 0 };
    for (const o of ops) {
      if (o.status === 'failed') c.failed++;
      else if (o.status === 'succeeded') c.succeeded++;
      else c.other++;
    }
    return c;
  }, [ops]);
  const shown = useMemo(() => {
    const q = search.trim().toLowerCase();
    return ops.filter((o) => {
      if (filter === 'failed' && o.status !== 'failed') return false;
      if (filter === 'succeeded' && o.status !== 'succeeded') return false;
      if (filter === 'other' && (o.status === 'failed' || o.status === 'succeeded')) return false;
      return !q || o.target.toLowerCase().includes(q) || o.key.toLowerCase().includes(q);
    });
  }, [ops, filter, search]);

  const connName = run?.connection?.name;
  const crumbs = <ConnectionCrumbs name={connName} trail={connName ? [<Link to={`/connections/${seg(connName)}/runs`}>{t('runs')}</Link>, id] : [id]} />;

  if (!run) {
    return (
      <div>
        {crumbs}
        {error ? (
          <Alert type="error" showIcon title={error instanceof ApiError && error.status === 404 ? t('notFound') : t('loadFailed')} description={error.message} />
        ) : (
          <Skeleton active paragraph={{ rows: 8 }} />
        )}
      </div>
    );
  }

  const p = progressOf(run);
  const percent = p.total > 0 ? Math.floor((p.done / p.total) * 100) : run.finished ? 100 : 0;
  // green for what succeeded, red for the rest once something failed
  const progressStatus = !run.finished ? 'active' : run.status === 'succeeded' ? 'success' : 'normal';
  const canRetry = isAdmin && run.finished && counts.failed > 0 && (run.status === 'partial' || run.status === 'failed');

  return (
    <div data-testid="run-detail">
      {crumbs}
      <Flex justify="space-between" align="center" wrap gap={12} style={{ marginBottom: 16 }}>
        <Space align="center" wrap>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('run')} <Typography.Text code style={{ fontSize: 18 }}>{run.id}</Typography.Text>
          </Typography.Title>
          <span data-testid="run-status" data-status={run.status} data-finished={String(run.finished)}>
            <RunStatusTag status={run.status} summary={run.summary} />
          </span>
          {!run.finished && <Typography.Text type="secondary">{t('polling')}</Typography.Text>}
        </Space>
        <Space wrap>
          {connName && (
            <Link to={`/connections/${seg(connName)}/runs`}>
              <Button icon={<HistoryOutlined />}>{t('runs')}</Button>
            </Link>
          )}
          <Button icon={<ReloadOutlined />} onClick={refetch}>
            {t('refresh')}
          </Button>
          {isAdmin && run.status === 'held' && (
            <Button type="primary" icon={<CheckOutlined />} data-testid="run-approve" loading={acting === 'approve'} onClick={() => void act('approve')}>
              {t('approve')}
            </Button>
          )}
          {canRetry && (
            <Tooltip title={t('retryHint')}>
              <Button type="primary" icon={<RedoOutlined />} data-testid="run-retry" loading={acting === 'retry'} onClick={() => void act('retry')}>
                {t('retry')} ({counts.failed})
              </Button>
            </Tooltip>
          )}
        </Space>
      </Flex>

      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        {error && <Alert type="error" showIcon closable title={t('loadFailed')} description={error.message} />}
        {run.status === 'held' && (
          <Alert type="warning" showIcon title={t('heldTitle')} description={isAdmin ? t('heldText') : `${t('heldText')} ${t('heldViewer')}`} />
        )}
        {run.error && (
          <Alert
            type="error"
            showIcon
            title={
              <span>
                {t('errorTitle')}
                {run.error.errcode !== undefined && (
                  <Tag color="error" style={{ marginInlineStart: 8 }}>
                    {t('errcode')} {run.error.errcode}
                  </Tag>
                )}
              </span>
            }
            description={
              <Space orientation="vertical" size={2}>
                {run.error.explanation && <span>{explain(run.error.explanation)}</span>}
                <Typography.Text type={run.error.explanation ? 'secondary' : undefined}>{run.error.message}</Typography.Text>
              </Space>
            }
          />
        )}
        {run.warnings.length > 0 && <WarningsAlert warnings={run.warnings} maxHeight={200} />}

        <Card size="small">
          <Flex gap={24} wrap align="center">
            <div style={{ flex: '1 1 360px', minWidth: 260 }}>
              <Typography.Text type="secondary">{t('progress')}</Typography.Text>
              <Progress
                percent={percent}
                status={progressStatus}
                strokeColor={p.failed > 0 ? '#ff4d4f' : undefined}
                success={{ percent: p.total > 0 ? Math.floor((p.succeeded / p.total) * 100) : 0 }}
                data-testid="run-progress"
              />
              <Typography.Text type="secondary">{t('progressText', { done: p.done, total: p.total })}</Typography.Text>
            </div>
            <Descriptions
              size="small"
              column={{ xs: 1, sm: 2, xxl: 3 }}
              style={{ flex: '2 1 520px' }}
              items={[
                { key: 'kind', label: t('kind'), children: <RunKindTag kind={run.kind} /> },
                { key: 'conn', label: t('connection'), children: connName ? <Link to={`/connections/${seg(connName)}/runs`}>{connName}</Link> : '—' },
                { key: 'dur', label: t('duration'), children: durationText(run.startedAt ?? run.createdAt, run.finishedAt) },
                { key: 'created', label: t('created'), children: <Time at={run.createdAt} /> },
                { key: 'started', label: t('started'), children: <Time at={run.startedAt} /> },
                { key: 'finished', label: t('finished'), children: <Time at={run.finishedAt} /> },
                ...(run.summary?.message ? [{ key: 'summary', label: t('summary'), span: 'filled' as const, children: say(run.summary.note, run.summary.message) }] : []),
              ]}
            />
          </Flex>
        </Card>

        <Card
          size="small"
          title={t('operations')}
          extra={
            <Space wrap>
              <Segmented<Filter>
                value={filter}
                onChange={setFilter}
                data-testid="run-filter"
                options={[
                  { value: 'all', label: `${t('all')} ${counts.all}` },
                  { value: 'failed', label: `${t('failed')} ${counts.failed}` },
                  { value: 'succeeded', label: `${t('succeeded')} ${counts.succeeded}` },
                  ...(counts.other > 0 ? [{ value: 'other' as const, label: `${t('other')} ${counts.other}` }] : []),
                ]}
              />
              <Input.Search allowClear placeholder={t('search')} aria-label={t('search')} style={{ width: 260 }} value={search} onChange={(e) => setSearch(e.target.value)} data-testid="run-search" />
            </Space>
          }
          styles={{ body: { padding: 0 } }}
        >
          <Table<Operation>
            size="small"
            rowKey="opId"
            dataSource={shown}
            locale={{ emptyText: t('noOps') }}
            pagination={{ defaultPageSize: 50, hideOnSinglePage: true, showSizeChanger: true, pageSizeOptions: [50, 100, 500] }}
            onRow={(o) => ({ 'data-testid': 'run-op', 'data-status': o.status, 'data-target': o.target }) as HTMLAttributes<HTMLElement>}
            expandable={{ expandedRowRender: (o) => <OperationDetail op={o} /> }}
            columns={[
              { title: t('seq'), dataIndex: 'seq', width: 60 },
              { title: t('target'), dataIndex: 'target', width: 240, render: (_, o) => <OpTarget op={o} /> },
              { title: t('kind'), dataIndex: 'kind', width: 150, render: (_, o) => <KindTag kind={o.kind === 'department.update' && o.changes.some((c) => c.field === 'parentid') ? 'department.move' : o.kind} one /> },
              { title: t('status'), dataIndex: 'status', width: 120, render: (s: OpStatus) => <OpStatusTag status={s} /> },
              {
                title: t('result'),
                key: 'result',
                render: (_, o) =>
                  o.errcode !== null || o.errmsg || o.note ? (
                    <Space orientation="vertical" size={0}>
                      <span>
                        {o.errcode !== null && <Tag color={o.status === 'failed' ? 'error' : 'default'}>{o.errcode}</Tag>}
                        {explain(o.explanation) || (o.errcode === null ? result(o.errmsg) : o.errmsg)}
                      </span>
                      {o.note && <Typography.Text type="secondary">{result(o.note)}</Typography.Text>}
                    </Space>
                  ) : (
                    <Typography.Text type="secondary">{reasonText({ ...o, note: o.reasonNote })}</Typography.Text>
                  ),
              },
              { title: t('attempts'), dataIndex: 'attempts', width: 90, align: 'right' },
            ]}
          />
        </Card>
      </Space>
    </div>
  );
}
