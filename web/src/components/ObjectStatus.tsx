// Per-object sync status (src/server/routes/objects.ts): where one organization or account stands
// in WeCom for a connection: the verdict tag and WeCom's answer to an operation (errcode and
// explanation), shared by the directory's status views and the runs page's "Needs attention" card.
import { CheckCircleOutlined, CloseCircleOutlined, ExclamationCircleOutlined, MinusCircleOutlined, SyncOutlined } from '@ant-design/icons';
import { Space, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import type { ObjectOperation, VerdictStatus } from '../api/types';
import { type Messages, useExplain, useT } from '../i18n';

const messages = {
  zh: {
    'in-sync': '已同步',
    pending: '等待同步',
    failed: '失败',
    'not-synced': '未同步',
    'out-of-scope': '不在同步范围',
    conflict: '冲突',
  },
  en: {
    'in-sync': 'in sync',
    pending: 'pending',
    failed: 'failed',
    'not-synced': 'not synced',
    'out-of-scope': 'out of scope',
    conflict: 'conflict',
  },
} satisfies Messages;

const VERDICT_COLORS: Record<VerdictStatus, string> = {
  'in-sync': 'success',
  pending: 'processing',
  failed: 'error',
  'not-synced': 'warning',
  'out-of-scope': 'default',
  conflict: 'warning',
};
const VERDICT_ICONS: Record<VerdictStatus, ReactNode> = {
  'in-sync': <CheckCircleOutlined />,
  pending: <SyncOutlined />,
  failed: <CloseCircleOutlined />,
  'not-synced': <ExclamationCircleOutlined />,
  'out-of-scope': <MinusCircleOutlined />,
  conflict: <ExclamationCircleOutlined />,
};

/** The alert type that goes with a verdict. */
export const verdictAlertType = (s: VerdictStatus): 'success' | 'info' | 'error' | 'warning' =>
  s === 'in-sync' ? 'success' : s === 'failed' ? 'error' : s === 'not-synced' || s === 'conflict' ? 'warning' : 'info';

/** The verdict as a coloured tag ("in sync", "failed", …). */
export function VerdictTag({ status }: { status: VerdictStatus }) {
  const t = useT(messages);
  return (
    <Tag color={VERDICT_COLORS[status] ?? 'default'} icon={VERDICT_ICONS[status]} data-testid="verdict-tag" style={{ marginInlineEnd: 0 }}>
      {status in messages.en ? t(status) : status}
    </Tag>
  );
}

/**
 * WeCom's answer to an operation: the errcode tag and the explanation in the reader's language,
 * WeCom's errmsg below — cut to two lines (the whole in a tooltip) unless `full`.
 */
export function OperationAnswer({ op, full }: { op: Pick<ObjectOperation, 'status' | 'errcode' | 'errmsg' | 'explanation' | 'note'>; full?: boolean }) {
  const explain = useExplain();
  if (op.errcode === null && !op.errmsg && !op.note) return <Typography.Text type="secondary">—</Typography.Text>;
  return (
    <Space orientation="vertical" size={0}>
      {(op.errcode !== null || op.errmsg) && (
        <span>
          {op.errcode !== null && (
            <Tag color={op.status === 'failed' ? 'error' : 'default'} data-testid="errcode">
              {op.errcode}
            </Tag>
          )}
          {explain(op.explanation) || op.errmsg}
        </span>
      )}
      {op.explanation && op.errmsg && (
        <Typography.Paragraph type="secondary" style={{ margin: 0, fontSize: 12, wordBreak: 'break-word' }} ellipsis={full ? false : { rows: 2, tooltip: op.errmsg }}>
          {op.errmsg}
        </Typography.Paragraph>
      )}
      {op.note && <Typography.Text type="secondary">{op.note}</Typography.Text>}
    </Space>
  );
}
