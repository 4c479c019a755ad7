// What an execution reports: the run's summary and final status, and the errors that stop a run
// (in plain words, English and Chinese, for the console).
import { type Message, msg, render } from '../../messages/index.js';
import type { LeaseState } from './lease.js';
import type { Outcome } from './perform.js';
import type { OperationRecord, RunError, RunStatus, RunSummary } from '../state/runs.js';

export function configError(o: Outcome): RunError {
  return { message: o.errmsg ?? 'configuration error', ...(o.explanation ? { explanation: o.explanation } : {}), ...(o.errcode != null ? { errcode: o.errcode } : {}) };
}

export function unreachable(streak: number, o: Outcome): RunError {
  return {
    message: `${streak} operations in a row failed with transient errors after retries; stopping (last: ${o.errmsg ?? ''})`,
    explanation: { en: 'WeCom could not be reached reliably; the run stopped and failed operations will be retried by the next run.', zh: '无法稳定访问企业微信，本次同步已停止；失败的操作将在下次同步时重试。' },
  };
}

export function leaseLostError(runId: string, lease: Extract<LeaseState, { kind: 'lost' }>, holder: string | null): RunError {
  const who = holder ? `it is now held by ${holder}` : 'another process may hold it now';
  const why = lease.reason === 'taken' ? who : `it could not be renewed before it expired (${lease.detail}); ${who}`;
  return {
    message: `Lost the lease on run ${runId}: ${why}. This execution stopped sending to WeCom (answers to calls already sent were recorded) and left the run unfinished to whoever holds it.`,
    explanation: {
      en: 'Another process took this sync run over (or could have: the lease could not be renewed in time). This one stopped sending, so no operation is sent twice; the run continues there.',
      zh: '另一个进程已接管本次同步（或租约未能及时续期而可能被接管）。本进程已停止发送，不会重复执行任何操作；同步由接管方继续。',
    },
  };
}

export function summarize(ops: ReadonlyArray<Pick<OperationRecord, 'status' | 'kind' | 'errorClass'>>, aborted: string | null): RunSummary {
  const s: RunSummary = { total: ops.length, succeeded: 0, failed: 0, skipped: 0, pending: 0, retryable: 0, gone: 0, byKind: {}, message: '' };
  for (const o of ops) {
    s.byKind[o.kind] = (s.byKind[o.kind] ?? 0) + 1;
    if (o.status === 'succeeded') s.succeeded++;
    else if (o.status === 'failed') {
      s.failed++;
      if (o.errorClass === 'retryable') s.retryable++;
      if (o.errorClass === 'gone') s.gone++;
    } else if (o.status === 'skipped') s.skipped++;
    else s.pending++;
  }
  const counts = { ok: s.succeeded, total: s.total, failed: s.failed, skipped: s.skipped };
  const note: Message =
    s.total === 0
      ? msg('summary.nothing')
      : aborted
        ? msg('summary.aborted', { why: aborted, ...counts })
        : s.failed + s.skipped === 0
          ? msg('summary.all-succeeded', { n: s.succeeded })
          : msg('summary.partial', counts);
  return withNote(s, note);
}

/** The summary's one-line account: English in `message`, the code and parameters in `note`. */
export function withNote(s: RunSummary, note: Message): RunSummary {
  return { ...s, message: render(note), note };
}

export function finalStatus(summary: RunSummary, aborted: boolean): RunStatus {
  if (aborted) return 'failed';
  if (summary.failed + summary.skipped + summary.pending > 0) return 'partial';
  return 'succeeded';
}

