// The plan of a connection (GET /connections/:name/plan, the shape of `wecom-sync plan --json`):
// what a sync would change in WeCom, as a diff grouped by operation kind, before applying it
// (POST /connections/:name/runs → the run's page).
import { ApartmentOutlined, HistoryOutlined, PlayCircleOutlined, ReloadOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, App, Badge, Button, Card, Flex, Popconfirm, Result, Skeleton, Space, Statistic, Table, Tag, Typography } from 'antd';
import type { ButtonProps } from 'antd';
import { type HTMLAttributes, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, api, ok, seg } from '../api';
import type { PlanOperation } from '../api/types';
import { DASH, msText, timeOfDay } from '../components/format';
import { ChangesTable, ConnectionCrumbs, KIND_ORDER, KindTag, WarningsAlert, kindColor, useReasonText, useRunLabel, valueText } from '../components/RunParts';
import { useApi } from '../hooks/useApi';
import { type Messages, useFieldText, useT } from '../i18n';
import { useIsAdmin } from '../session';

const messages = {
  zh: {
    title: '同步计划',
    subtitle: '预演：同步会对企业微信做出的改动。这里不会写入任何数据。',
    refresh: '刷新',
    runs: '运行记录',
    apply: '执行同步',
    applyConfirmTitle: '执行这个计划？',
    applyConfirm: '将向企业微信发送 {n} 个操作。',
    applyConfirmHeld: '删除或禁用的数量超过安全阈值：运行会先暂停，等待管理员审批。',
    ok: '执行',
    cancel: '取消',
    total: '操作总数',
    summary: '概览',
    heldTitle: '执行后会等待审批',
    held: '这个计划删除或禁用的对象超过了连接的安全阈值。执行时，运行会在发送任何改动之前暂停（状态“待审批”），需要管理员在运行页面上批准。',
    emptyTitle: '企业微信已与目录保持一致',
    emptySub: '没有需要发送的改动。',
    loadFailed: '无法生成计划',
    noWorkerTitle: '暂时没有可用的同步进程',
    noWorker: '本服务不直接访问企业微信，计划由同步进程（wecom-sync worker）生成，但目前没有同步进程在运行或在 {seconds} 秒内接手。请启动同步进程后点击“刷新”。',
    stillPlanning: '同步进程仍在生成计划（超过 {seconds} 秒）。请稍后点击“刷新”，将直接获取这份计划。',
    target: '对象',
    name: '名称',
    reason: '原因',
    changes: '字段',
    changesN: '{n} 个字段',
    department: '部门',
    member: '成员',
    started: '已开始运行 {id}',
    activeTitle: '这个连接已有一个运行在进行中',
    activeLink: '查看运行记录',
    activeRun: '查看进行中的运行',
    viewerNote: '只有管理员可以执行同步。',
    generated: '计划生成于 {time}',
    ops: '{n} 个操作',
    estimate: '预计耗时',
    estimateAtLeast: '至少 {d}',
    estimateNone: '无需等待',
    estimateLimitedBy: '受企业微信频率限制：{api} 每 {window} {count} 次',
    estimateFits: '所有调用都在企业微信频率限制的第一个窗口内',
  },
  en: {
    title: 'Sync plan',
    subtitle: 'A dry run: what a sync would change in WeCom. Nothing is sent or stored here.',
    refresh: 'Refresh',
    runs: 'Runs',
    apply: 'Apply',
    applyConfirmTitle: 'Apply this plan?',
    applyConfirm: '{n} operations will be sent to WeCom.',
    applyConfirmHeld: 'Deletes or disables exceed the safety threshold: the run will stop and wait for an administrator’s approval first.',
    ok: 'Apply',
    cancel: 'Cancel',
    total: 'Operations',
    summary: 'Summary',
    heldTitle: 'Applying will be held for approval',
    held: 'This plan deletes or disables more objects than the connection’s safety threshold allows. When applied, the run stops before sending anything (status “held”) until an administrator approves it on the run’s page.',
    emptyTitle: 'WeCom is in step with the directory',
    emptySub: 'There is nothing to send.',
    loadFailed: 'The plan could not be made',
    noWorkerTitle: 'No sync worker is available',
    noWorker: 'This service does not call WeCom itself: plans are made by sync workers (wecom-sync worker), and none is running or none took the request within {seconds} s. Start a worker, then press Refresh.',
    stillPlanning: 'A sync worker is still making the plan (it takes longer than {seconds} s). Press Refresh in a moment to get that plan.',
    target: 'Target',
    name: 'Name',
    reason: 'Reason',
    changes: 'Fields',
    changesN: '{n} fields',
    department: 'department',
    member: 'member',
    started: 'Run {id} started',
    activeTitle: 'A run of this connection is already active',
    activeLink: 'See the runs',
    activeRun: 'Open the active run',
    viewerNote: 'Only administrators can apply a plan.',
    generated: 'Plan made at {time}',
    ops: '{n} operations',
    estimate: 'Expected duration',
    estimateAtLeast: 'at least {d}',
    estimateNone: 'no waiting',
    estimateLimitedBy: 'set by WeCom’s rate budget: {api}, {count} calls per {window}',
    estimateFits: 'every call fits in the first window of WeCom’s rate budget',
  },
} satisfies Messages;

/** The console's group of an operation: department updates that change the parent are shown as moves. */
function groupOf(op: PlanOperation): string {
  if (op.kind === 'department.update' && op.changes.some((c) => c.field === 'parentid')) return 'department.move';
  return op.kind;
}

/** A human name for the target: the directory object's (an organization's path), else the name the changes carry. */
function nameOf(op: PlanOperation): string | null {
  if (op.subject) return op.subject.path ?? op.subject.name;
  const c = op.changes.find((x) => x.field === 'name');
  return c ? (valueText(c.new) ?? valueText(c.old)) : null;
}


/** Why no plan: no worker could make it (serve --no-worker, 503 `no-worker`: in the user's language), or the server's error. */
function PlanError({ error }: { error: Error }) {
  const t = useT(messages);
  const b = (error instanceof ApiError && error.status === 503 ? (error.body ?? {}) : {}) as { type?: string; code?: string; params?: { waitSeconds?: number } };
  if (b.type === 'urn:wecom-sync:problem:no-worker') {
    const text = t(b.code === 'plan.still-planning' ? 'stillPlanning' : 'noWorker', { seconds: b.params?.waitSeconds ?? '' });
    return <Alert data-testid="plan-no-worker" type="warning" showIcon style={{ marginBottom: 16 }} title={t('noWorkerTitle')} description={text} />;
  }
  return <Alert type="error" showIcon style={{ marginBottom: 16 }} title={t('loadFailed')} description={error.message} />;
}

/** A budget window: "1 h", "1 m", "30 s", "500 ms". */
const windowText = (ms: number): string => (ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : ms % 60_000 === 0 ? `${ms / 60_000} m` : msText(ms));

interface Row extends PlanOperation {
  rowKey: string;
}

function OperationsCard({ group, rows }: { group: string; rows: Row[] }) {
  const t = useT(messages);
  const label = useRunLabel();
  const reasonText = useReasonText();
  const { field } = useFieldText();
  return (
    <Card
      size="small"
      title={
        <Space>
          <Badge color={kindColor(group)} />
          <span>{label(group)}</span>
          <Tag>{rows.length}</Tag>
        </Space>
      }
      styles={{ body: { padding: 0 } }}
    >
      <Table<Row>
        size="small"
        rowKey="rowKey"
        dataSource={rows}
        pagination={{ defaultPageSize: 50, hideOnSinglePage: true, showSizeChanger: true, pageSizeOptions: [50, 100, 500] }}
        onRow={(op) => ({ 'data-testid': 'plan-op', 'data-kind': op.kind }) as HTMLAttributes<HTMLElement>}
        expandable={{ expandedRowRender: (op) => <ChangesTable changes={op.changes} />, rowExpandable: () => true }}
        columns={[
          {
            title: t('target'),
            key: 'target',
            width: 200,
            render: (_, op) =>
              'userid' in op.target ? (
                <Space size={6}>
                  <UserOutlined />
                  <Typography.Text code>{op.target.userid}</Typography.Text>
                </Space>
              ) : (
                <Space size={6}>
                  <ApartmentOutlined />
                  <span>
                    {t('department')} <Typography.Text code>{op.target.departmentId}</Typography.Text>
                  </span>
                </Space>
              ),
          },
          { title: t('name'), key: 'name', width: 200, render: (_, op) => <span data-testid="plan-op-name">{nameOf(op) ?? DASH}</span> },
          { title: t('reason'), key: 'reason', render: (_, op) => <Typography.Text data-testid="plan-op-reason">{reasonText(op)}</Typography.Text> },
          {
            title: t('changes'),
            key: 'changes',
            width: 300,
            render: (_, op) => (
              <Space size={[4, 4]} wrap>
                {op.changes.slice(0, 4).map((c, i) => (
                  <Tag key={`${c.field}:${i}`} style={{ marginInlineEnd: 0 }}>
                    {field(c.field)}
                  </Tag>
                ))}
                {op.changes.length > 4 && <Typography.Text type="secondary">+{op.changes.length - 4}</Typography.Text>}
              </Space>
            ),
          },
        ]}
      />
    </Card>
  );
}

export function PlanPage() {
  const t = useT(messages);
  const label = useRunLabel();
  const { name = '' } = useParams();
  const navigate = useNavigate();
  const isAdmin = useIsAdmin();
  const { message } = App.useApp();
  const [applying, setApplying] = useState(false);
  const [active, setActive] = useState<string | null>(null);

  const read = useApi((signal) => ok(api.GET('/connections/{name}/plan', { params: { path: { name } }, signal })), [name]);
  const { error, loading, refetch } = read;
  // a stale plan must not be applied by mistake: after a failed read, the error alone is shown
  const plan = error ? null : read.data;
  const madeAt = useMemo(() => (read.data ? new Date() : null), [read.data]);

  const groups = useMemo(() => {
    const by = new Map<string, Row[]>();
    (plan?.operations ?? []).forEach((op, i) => {
      const g = groupOf(op);
      const rows = by.get(g) ?? [];
      rows.push({ ...op, rowKey: `${i}` });
      by.set(g, rows);
    });
    const order = (g: string) => (KIND_ORDER.includes(g) ? KIND_ORDER.indexOf(g) : KIND_ORDER.length);
    return [...by.entries()].sort((a, b) => order(a[0]) - order(b[0]));
  }, [plan]);

  const total = plan?.summary.total ?? plan?.operations.length ?? 0;
  /** The active run named in a 409's message ("… already has an active sync run (run_…, …)"). */
  const activeRun = active ? /\brun_[0-9a-z]+/.exec(active)?.[0] : undefined;

  const apply = async () => {
    setApplying(true);
    setActive(null);
    try {
      const res = await ok(api.POST('/connections/{name}/runs', { params: { path: { name } } }));
      message.success(t('started', { id: res.run }));
      navigate(`/runs/${seg(res.run)}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) setActive(e.message);
      else message.error((e as Error).message);
    } finally {
      setApplying(false);
    }
  };

  const confirmText = (
    <div style={{ maxWidth: 320 }}>
      <div>{t('applyConfirm', { n: total })}</div>
      {plan?.held && <Typography.Text type="warning">{t('applyConfirmHeld')}</Typography.Text>}
    </div>
  );

  return (
    <div data-testid="plan">
      <ConnectionCrumbs name={name} trail={[t('title')]} />
      <Flex justify="space-between" align="flex-start" wrap gap={12} style={{ marginBottom: 16 }}>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('title')} · {name}
          </Typography.Title>
          <Typography.Text type="secondary">
            {t('subtitle')}
            {madeAt && !loading && <> {t('generated', { time: timeOfDay(madeAt) })}</>}
          </Typography.Text>
        </div>
        <Space wrap>
          <Button icon={<HistoryOutlined />} onClick={() => navigate(`/connections/${seg(name)}/runs`)}>
            {t('runs')}
          </Button>
          <Button icon={<ReloadOutlined />} onClick={refetch} loading={loading}>
            {t('refresh')}
          </Button>
          {isAdmin && (
            <Popconfirm
              placement="bottomRight"
              title={t('applyConfirmTitle')}
              description={confirmText}
              okText={t('ok')}
              cancelText={t('cancel')}
              okButtonProps={{ 'data-testid': 'plan-apply-confirm', loading: applying } as ButtonProps}
              onConfirm={() => apply()}
              disabled={!plan || total === 0 || loading}
            >
              <Button type="primary" icon={<PlayCircleOutlined />} data-testid="plan-apply" loading={applying} disabled={!plan || total === 0 || loading}>
                {t('apply')}
                {plan && total > 0 ? ` (${total})` : ''}
              </Button>
            </Popconfirm>
          )}
        </Space>
      </Flex>

      {active && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('activeTitle')}
          description={
            <Space orientation="vertical" size={4}>
              <span>{active}</span>
              <Space>
                {activeRun && <Link to={`/runs/${seg(activeRun)}`}>{t('activeRun')}</Link>}
                <Link to={`/connections/${seg(name)}/runs`}>{t('activeLink')}</Link>
              </Space>
            </Space>
          }
          closable={{ onClose: () => setActive(null) }}
        />
      )}

      {error && !loading && <PlanError error={error} />}

      {loading && !plan && <Skeleton active paragraph={{ rows: 8 }} />}

      {plan && (
        <Space orientation="vertical" size={16} style={{ width: '100%', opacity: loading ? 0.6 : 1 }}>
          {!isAdmin && total > 0 && <Alert type="info" showIcon title={t('viewerNote')} />}
          {plan.held && total > 0 && <Alert type="warning" showIcon title={t('heldTitle')} description={t('held')} data-testid="plan-held" />}
          {plan.warnings.length > 0 && <WarningsAlert warnings={plan.warnings} maxHeight={220} />}

          <Card size="small" data-testid="plan-summary">
            <Flex wrap gap={32} align="center">
              <Statistic title={t('total')} value={total} />
              {total > 0 && (
                <div data-testid="plan-estimate">
                  <Statistic
                    title={t('estimate')}
                    value={plan.estimate.limitedBy ? t('estimateAtLeast', { d: msText(Math.round(plan.estimate.seconds) * 1000) }) : t('estimateNone')}
                    suffix={
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {plan.estimate.limitedBy
                          ? t('estimateLimitedBy', { api: plan.estimate.limitedBy.api, count: plan.estimate.limitedBy.count, window: windowText(plan.estimate.limitedBy.windowMs) })
                          : t('estimateFits')}
                      </Typography.Text>
                    }
                  />
                </div>
              )}
              {KIND_ORDER.filter((k) => (plan.summary[k] ?? 0) > 0).map((k) => (
                <Statistic key={k} title={<KindTag kind={k} />} value={plan.summary[k]} />
              ))}
              {groups.some(([g]) => g === 'department.move') && (
                <Typography.Text type="secondary">
                  {label('department.move')}: {groups.find(([g]) => g === 'department.move')?.[1].length}
                </Typography.Text>
              )}
            </Flex>
          </Card>

          {total === 0 ? (
            <div data-testid="plan-empty">
              <Result status="success" title={t('emptyTitle')} subTitle={t('emptySub')} />
            </div>
          ) : (
            groups.map(([g, rows]) => <OperationsCard key={g} group={g} rows={rows} />)
          )}
        </Space>
      )}
    </div>
  );
}
