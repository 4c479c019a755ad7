// Pieces the plan, runs and run pages share: status and kind tags, operation kinds, the field
// diff ("field | old → new"), the warnings alert, the connection breadcrumb. Times and durations:
// ./format; the API shapes: ../api/types.
import { CheckCircleOutlined, ClockCircleOutlined, CloseCircleOutlined, ExclamationCircleOutlined, MinusCircleOutlined, PauseCircleOutlined, SyncOutlined } from '@ant-design/icons';
import { Alert, Breadcrumb, Table, Tag, Tooltip, Typography } from 'antd';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { seg } from '../api';
import type { FieldChange, OpStatus, RunStatus, Warning } from '../api/types';
import { type Messages, useFieldText, useLang, useServerText, useT } from '../i18n';

// ------------------------------------------------------------------ labels

// Run statuses, operation statuses and kinds, run kinds: looked up by code (useRunLabel).

const messages = {
  zh: {
    queued: '排队中',
    planned: '已计划',
    running: '运行中',
    held: '待审批',
    succeeded: '成功',
    failed: '失败',
    partial: '部分失败',
    allFailed: '全部失败',
    cancelled: '已取消',
    pending: '等待中',
    skipped: '已跳过',
    'department.create': '新建部门',
    'department.update': '更新部门',
    'department.move': '移动部门',
    'department.delete': '删除部门',
    'member.create': '新建成员',
    'member.update': '更新成员',
    'member.disable': '禁用成员',
    'member.delete': '删除成员',
    'one.department.create': '新建部门',
    'one.department.update': '更新部门',
    'one.department.move': '移动部门',
    'one.department.delete': '删除部门',
    'one.member.create': '新建成员',
    'one.member.update': '更新成员',
    'one.member.disable': '禁用成员',
    'one.member.delete': '删除成员',
    full: '全量',
    incremental: '增量',
    field: '字段',
    old: '原值',
    new: '新值',
    noChanges: '没有字段变化',
    empty: '空',
  },
  en: {
    queued: 'queued',
    planned: 'planned',
    running: 'running',
    held: 'held',
    succeeded: 'succeeded',
    failed: 'failed',
    partial: 'partial',
    allFailed: 'all failed',
    cancelled: 'cancelled',
    pending: 'pending',
    skipped: 'skipped',
    'department.create': 'Create departments',
    'department.update': 'Update departments',
    'department.move': 'Move departments',
    'department.delete': 'Delete departments',
    'member.create': 'Create members',
    'member.update': 'Update members',
    'member.disable': 'Disable members',
    'member.delete': 'Delete members',
    'one.department.create': 'Create department',
    'one.department.update': 'Update department',
    'one.department.move': 'Move department',
    'one.department.delete': 'Delete department',
    'one.member.create': 'Create member',
    'one.member.update': 'Update member',
    'one.member.disable': 'Disable member',
    'one.member.delete': 'Delete member',
    full: 'full',
    incremental: 'incremental',
    field: 'Field',
    old: 'Old',
    new: 'New',
    noChanges: 'No field changes',
    empty: 'empty',
  },
} satisfies Messages;

type Key = keyof (typeof messages)['en'];
const known = (k: string): k is Key => k in messages.en;

/** The label of a run or operation status, an operation kind, a run kind. */
export function useRunLabel(): (code: string) => string {
  const t = useT(messages);
  return (code) => (known(code) ? t(code) : code);
}

const RUN_COLORS: Record<RunStatus, string> = {
  queued: 'default',
  planned: 'default',
  running: 'processing',
  held: 'warning',
  succeeded: 'success',
  failed: 'error',
  partial: 'orange',
  cancelled: 'default',
};
const RUN_ICONS: Record<RunStatus, ReactNode> = {
  queued: <ClockCircleOutlined />,
  planned: <ClockCircleOutlined />,
  running: <SyncOutlined spin />,
  held: <PauseCircleOutlined />,
  succeeded: <CheckCircleOutlined />,
  failed: <CloseCircleOutlined />,
  partial: <ExclamationCircleOutlined />,
  cancelled: <MinusCircleOutlined />,
};

/**
 * A run's outcome. With its summary, a finished run none of whose operations succeeded says "all
 * failed" (its status is 'partial': the objects failed one by one, the run itself went through).
 */
export function RunStatusTag({ status, summary }: { status: RunStatus; summary?: { succeeded: number; failed: number } | null }) {
  const label = useRunLabel();
  const allFailed = status === 'partial' && summary != null && summary.succeeded === 0 && summary.failed > 0;
  return (
    <Tag color={allFailed ? 'error' : (RUN_COLORS[status] ?? 'default')} icon={allFailed ? RUN_ICONS.failed : RUN_ICONS[status]} data-outcome={allFailed ? 'all-failed' : status}>
      {label(allFailed ? 'allFailed' : status)}
    </Tag>
  );
}

const OP_COLORS: Record<OpStatus, string> = { pending: 'default', running: 'processing', succeeded: 'success', failed: 'error', skipped: 'gold' };
const OP_ICONS: Record<OpStatus, ReactNode> = {
  pending: <ClockCircleOutlined />,
  running: <SyncOutlined spin />,
  succeeded: <CheckCircleOutlined />,
  failed: <CloseCircleOutlined />,
  skipped: <MinusCircleOutlined />,
};

export function OpStatusTag({ status }: { status: OpStatus }) {
  const label = useRunLabel();
  return (
    <Tag color={OP_COLORS[status] ?? 'default'} icon={OP_ICONS[status]}>
      {label(status)}
    </Tag>
  );
}

/** Operation kinds in the order the planner runs them (src/domain/plan.ts), with the console's "move" group. */
export const KIND_ORDER = ['department.create', 'department.update', 'department.move', 'department.delete', 'member.create', 'member.update', 'member.disable', 'member.delete'];

const KIND_COLORS: Record<string, string> = {
  'department.create': 'green',
  'department.update': 'blue',
  'department.move': 'geekblue',
  'department.delete': 'red',
  'member.create': 'green',
  'member.update': 'blue',
  'member.disable': 'orange',
  'member.delete': 'red',
};

export const kindColor = (kind: string): string => KIND_COLORS[kind] ?? 'default';

/** A run's kind (full / incremental) as a coloured tag. */
export function RunKindTag({ kind }: { kind: string }) {
  const label = useRunLabel();
  return <Tag color={kind === 'full' ? 'purple' : 'cyan'}>{label(kind)}</Tag>;
}

/** The operation kind as a coloured tag, labelled (the raw kind, e.g. member.update, in its tooltip); `one`: of one operation. */
export function KindTag({ kind, one }: { kind: string; one?: boolean }) {
  const label = useRunLabel();
  return (
    <Tooltip title={kind}>
      <Tag color={kindColor(kind)} variant="outlined" data-kind={kind}>
        {label(one && known(`one.${kind}`) ? `one.${kind}` : kind)}
      </Tag>
    </Tooltip>
  );
}

/** "cause (note)" in the user's language; the server's English when the codes are unknown here. */
export function useReasonText(): (op: { cause: string; note?: { code: string; params?: Record<string, unknown> } | null; reason: string }) => string {
  const say = useServerText();
  const { lang } = useLang();
  return (op) => {
    const cause = say({ code: `cause.${op.cause}` }, '');
    if (!cause) return op.reason;
    // a note this console does not know: the server's words; no note (a run stored before notes
    // existed): the cause in the user's language with the server's English detail
    const note = op.note ? say(op.note, '') : op.reason.startsWith(`${op.cause} (`) ? op.reason.slice(op.cause.length + 2, -1) : '';
    if (op.note && !note) return op.reason;
    if (!note) return cause;
    return lang === 'zh' ? `${cause}（${note}）` : `${cause} (${note})`;
  };
}

// ------------------------------------------------------------------ values and times

/** A field value as text: strings as they are, everything else as JSON; null/undefined → null. */
export function valueText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function Value({ field, v, tone }: { field: string; v: unknown; tone: 'old' | 'new' }) {
  const t = useT(messages);
  const text = useFieldText().value(field, v) ?? valueText(v);
  if (text === null)
    return (
      <Typography.Text type="secondary" italic>
        ∅ {t('empty')}
      </Typography.Text>
    );
  const style = tone === 'old' ? { color: '#cf1322', background: '#fff1f0', textDecoration: 'line-through' } : { color: '#389e0d', background: '#f6ffed' };
  return (
    <Typography.Text code style={{ ...style, wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
      {text}
    </Typography.Text>
  );
}

/** "field | old (red, struck) → new (green)", fields and coded values (gender, enable) as a person reads them. */
export function ChangesTable({ changes }: { changes: FieldChange[] }) {
  const t = useT(messages);
  const { field } = useFieldText();
  if (changes.length === 0) return <Typography.Text type="secondary">{t('noChanges')}</Typography.Text>;
  return (
    <Table<FieldChange>
      size="small"
      pagination={false}
      rowKey={(c, i) => `${c.field}:${i}`}
      dataSource={changes}
      style={{ maxWidth: 960 }}
      columns={[
        {
          title: t('field'),
          dataIndex: 'field',
          width: 200,
          render: (f: string) => (
            <Tooltip title={f}>
              <Typography.Text strong>{field(f)}</Typography.Text>
            </Tooltip>
          ),
        },
        { title: t('old'), key: 'old', render: (_, c) => <Value field={c.field} v={c.old} tone="old" /> },
        { title: '', key: 'arrow', width: 32, align: 'center', render: () => <Typography.Text type="secondary">→</Typography.Text> },
        { title: t('new'), key: 'new', render: (_, c) => <Value field={c.field} v={c.new} tone="new" /> },
      ]}
    />
  );
}

// ------------------------------------------------------------------ page parts

const pageMessages = {
  zh: { connections: '企业微信连接', warnings: '警告（{n}）' },
  en: { connections: 'WeCom connections', warnings: 'Warnings ({n})' },
} satisfies Messages;

/** The warnings of a plan or a run, one a line, in the user's language (the code in a tooltip). */
export function WarningsAlert({ warnings, maxHeight }: { warnings: Warning[]; maxHeight: number }) {
  const t = useT(pageMessages);
  const say = useServerText();
  return (
    <Alert
      type="warning"
      showIcon
      title={t('warnings', { n: warnings.length })}
      description={
        <ul style={{ margin: 0, paddingInlineStart: 18, maxHeight, overflow: 'auto' }}>
          {warnings.map((w, i) => (
            <li key={i} data-testid="plan-warning" data-code={w.code}>
              <Tooltip title={w.code}>
                <span>{say(w.note, w.message)}</span>
              </Tooltip>
            </li>
          ))}
        </ul>
      }
    />
  );
}

/** "WeCom connections / <connection> / …trail": the breadcrumb of the pages under a connection. */
export function ConnectionCrumbs({ name, trail }: { name: string | null | undefined; trail: ReactNode[] }) {
  const t = useT(pageMessages);
  return (
    <Breadcrumb
      style={{ margin: '4px 0 12px' }}
      items={[
        { title: <Link to="/connections">{t('connections')}</Link> },
        ...(name !== null && name !== undefined ? [{ title: <Link to={`/connections/${seg(name)}`}>{name}</Link> }] : []),
        ...trail.map((title) => ({ title })),
      ]}
    />
  );
}
