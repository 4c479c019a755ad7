// A connection's sync state in words an admin reads (from GET /connections/:name/status): whether
// it has synced at all, the last run's outcome and time, and how many directory changes have not
// reached WeCom yet. A connection that never ran says so — not "667 changes not synced", which are
// all the directory's changes ever made and mean nothing before the first run.
import { Space, Tag, Typography } from 'antd';
import type { SyncStatus } from '../api/types';
import { type Messages, useT } from '../i18n';
import { shortDateTime } from './format';
import { RunStatusTag } from './RunParts';

const messages = {
  zh: {
    never: '尚未同步',
    neverHelp: '先查看同步计划并执行第一次同步；之后目录中的变更会自动同步到企业微信。',
    upToDate: '目录变更已全部同步',
    waiting: '{n} 项目录变更待同步',
    held: '有运行待批准',
    lastRun: '上次同步 {time}',
  },
  en: {
    never: 'Not synced yet',
    neverHelp: 'Look at the plan and apply the first sync; from then on directory changes reach WeCom by themselves.',
    upToDate: 'All directory changes synced',
    waiting: '{n} directory changes waiting',
    held: 'A run awaits approval',
    lastRun: 'last run {time}',
  },
} satisfies Messages;

/** Whether the connection has synced, and the directory changes not synced since (null before the first sync). */
export function pendingChanges(status: Pick<SyncStatus, 'cursor'>): number | null {
  return status.cursor.lastChangeSeq === null ? null : status.cursor.lag;
}

/** "Not synced yet", "All directory changes synced" or "N directory changes waiting". */
export function ChangesText({ status, help = false }: { status: Pick<SyncStatus, 'cursor'>; help?: boolean }) {
  const t = useT(messages);
  const n = pendingChanges(status);
  if (n === null)
    return (
      <Space orientation="vertical" size={0} data-testid="changes" data-state="never">
        <Typography.Text strong>{t('never')}</Typography.Text>
        {help && <Typography.Text type="secondary">{t('neverHelp')}</Typography.Text>}
      </Space>
    );
  return n === 0 ? (
    <Typography.Text type="success" data-testid="changes" data-state="synced">
      {t('upToDate')}
    </Typography.Text>
  ) : (
    <Typography.Text style={{ color: '#d48806' }} data-testid="changes" data-state="waiting" data-count={n}>
      {t('waiting', { n })}
    </Typography.Text>
  );
}

/** The connections list's cell: the last run's outcome and time, and the changes waiting. */
export function SyncStateCell({ status }: { status: SyncStatus }) {
  const t = useT(messages);
  const last = status.runs[0];
  return (
    <Space orientation="vertical" size={2} style={{ whiteSpace: 'nowrap' }}>
      {last && (
        <>
          <RunStatusTag status={last.status} />
          <Typography.Text type="secondary" style={{ whiteSpace: 'nowrap' }}>
            {t('lastRun', { time: shortDateTime(last.finishedAt ?? last.createdAt) })}
          </Typography.Text>
        </>
      )}
      <ChangesText status={status} />
      {status.held.length > 0 && <Tag color="warning">{t('held')}</Tag>}
    </Space>
  );
}
