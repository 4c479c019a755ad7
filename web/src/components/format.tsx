// Times and empty values as every page shows them: a local timestamp with the ISO time in a
// tooltip, a short local date for lists, run durations, and the grey "—" for nothing.
import { Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';

/**
 * The grey "—" of an empty cell or value. An element, not a component: antd tables take the
 * title of an ellipsis cell from its element's text children.
 */
export const DASH = <Typography.Text type="secondary">—</Typography.Text>;

/** Local time "2025-01-02 15:04:05", with the ISO timestamp in a tooltip. */
export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return DASH;
  const d = dayjs(at);
  if (!d.isValid()) return <>{at}</>;
  return (
    <Tooltip title={at}>
      <span style={{ whiteSpace: 'nowrap' }}>{d.format('YYYY-MM-DD HH:mm:ss')}</span>
    </Tooltip>
  );
}

/** A short local date and time, "2025-11-25 19:44": the one date format of the console, in both languages. */
export const shortDateTime = (at: string | Date): string => dayjs(at).format('YYYY-MM-DD HH:mm');

/** A local time of day, "19:44:05". */
export const timeOfDay = (at: string | Date): string => dayjs(at).format('HH:mm:ss');

/** "1 m 5 s" between two times (or until now). */
export function durationText(from: string | null, to: string | null): string {
  if (!from) return '—';
  return msText(Math.max(0, dayjs(to ?? undefined).diff(dayjs(from))));
}

/** "350 ms", "45 s", "1 m 5 s", "1 h 4 m". */
export function msText(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} m`;
}
