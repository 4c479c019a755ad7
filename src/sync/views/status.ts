// What `wecom-sync status` and GET /connections/:name/status show of a connection's sync: recent
// runs, links, the change-feed lag, held runs, and the failures of the last finished run with
// WeCom's answer explained. Reads only the store (src/sync/state) and the feed's latest sequence.
import type { Connection } from '../../domain/connection.js';
import type { Directory } from '../../directory/directory.js';
import type { Store } from '../../store/store.js';
import { mappingFingerprint } from '../stages/mapping.js';
import { getCursor } from '../state/cursors.js';
import { countLinks } from '../state/links.js';
import { heldRunIds, listRuns, loadOperations, type Explanation, type RunRecord } from '../state/runs.js';

export interface FailureView {
  runId: string;
  kind: string;
  key: string;
  target: string;
  errcode: number | null;
  errmsg: string | null;
  explanation: Explanation | null;
  note: string | null;
}

export interface SyncStatus {
  connection: { id: string; name: string; rootDepartmentId: number; defaultDepartmentId: number | null };
  runs: Array<Pick<RunRecord, 'id' | 'kind' | 'status' | 'createdAt' | 'finishedAt'> & { summary: string | null; error: string | null }>;
  links: { departments: number; members: number; pending: number };
  /** Failed operations of the most recent finished run. */
  failures: FailureView[];
  /** Runs waiting for approval (safety threshold). */
  held: string[];
  cursor: { lastChangeSeq: number | null; latestSequence: number; lag: number; departmentIdFloor: number };
  /** pending: the mapping (or scope, default department) was changed and saved after the last full run; the next full run applies it. */
  mapping: { pending: boolean };
}

/** "member <userid>" or "department <id>". */
export function targetText(t: { departmentId?: number; userid?: string }): string {
  return t.userid !== undefined ? `member ${t.userid}` : `department ${t.departmentId}`;
}

export async function syncStatus(store: Store, directory: Directory, connection: Connection, opts: { runs?: number } = {}): Promise<SyncStatus> {
  const [runs, links, cursor, latest, held] = await Promise.all([
    listRuns(store.db, connection.id, opts.runs ?? 10),
    countLinks(store.db, connection.id),
    getCursor(store.db, connection.id),
    directory.latestSequence(),
    heldRunIds(store.db, connection.id),
  ]);
  const lastFinished = runs.find((r) => r.finishedAt !== null && r.status !== 'cancelled');
  return {
    connection: { id: connection.id, name: connection.name, rootDepartmentId: connection.rootDepartmentId, defaultDepartmentId: connection.defaultDepartmentId },
    runs: runs.map((r) => ({ id: r.id, kind: r.kind, status: r.status, createdAt: r.createdAt, finishedAt: r.finishedAt, summary: r.summary?.message ?? null, error: r.error?.message ?? null })),
    links,
    failures: lastFinished ? await runFailures(store, lastFinished.id) : [],
    held,
    cursor: { lastChangeSeq: cursor.lastChangeSeq, latestSequence: latest, lag: latest - (cursor.lastChangeSeq ?? 0), departmentIdFloor: cursor.departmentIdFloor },
    mapping: { pending: cursor.mappingHash !== null && cursor.mappingHash !== mappingFingerprint(connection) },
  };
}

/** The failed operations of a run, with WeCom's answer and the plain-language explanation. */
export async function runFailures(store: Store, runId: string): Promise<FailureView[]> {
  const failed = await loadOperations(store.db, runId, { status: 'failed' });
  return failed.map((op) => ({
    runId,
    kind: op.kind,
    key: op.key,
    target: targetText(op.target as { departmentId?: number; userid?: string }),
    errcode: op.errcode,
    errmsg: op.errmsg,
    explanation: op.explanation,
    note: op.note,
  }));
}
