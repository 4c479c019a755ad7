// Table shapes of sync state: links with shadow state, runs, operations, change-feed cursors (migration 0003). Owned by src/sync.
// Connections are referenced by `connection_id` without a foreign key (the sync state of a deleted
// connection is removed by its owner; no ordering between the two migrations is assumed).

/** Organization ↔ WeCom department. */
export interface DepartmentLinksTable {
  connection_id: string;
  org_id: string;
  department_id: number;
  /** 'created' | 'matched' */
  origin: string;
  /** JSON DepartmentShadow, or null = values unknown. */
  shadow: string | null;
  /**
   * 'active', or 'pending': written before a department/create is sent, so that after a crash the
   * id we chose is known and "already exists" can be recognised as our own create.
   */
  state: string;
  /** The run and operation that last wrote the row (per-object log). */
  run_id: string | null;
  op_id: string | null;
  updated_at: string;
}

/** Account ↔ WeCom member. */
export interface MemberLinksTable {
  connection_id: string;
  account_id: string;
  userid: string;
  /** lower(userid): WeCom compares userids case-insensitively. */
  userid_key: string;
  origin: string;
  /** JSON MemberShadow, or null. */
  shadow: string | null;
  /** 'active' | 'pending' (see DepartmentLinksTable.state). */
  state: string;
  run_id: string | null;
  op_id: string | null;
  updated_at: string;
}

/** One sync run: its plan (without operations, which are rows of run_operations), status and result. */
export interface RunsTable {
  id: string;
  connection_id: string;
  /** 'full' | 'incremental' */
  kind: string;
  /** 'planned' | 'running' | 'held' | 'succeeded' | 'failed' | 'partial' | 'cancelled' */
  status: string;
  /** JSON { unlinks, safety, warnings, summary } of the plan; null while planning. */
  plan: string | null;
  /** JSON RunSummary once finished (or while running, the last counts). */
  summary: string | null;
  /** Why the run failed or was cancelled (JSON { message, explanation? }). */
  error: string | null;
  /** Which process executes the run (`host:pid:instance`) and until when its claim holds. */
  lease_owner: string | null;
  lease_expires_at: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

/** One operation of a run: what was sent, WeCom's answer, why. The per-object log. */
export interface RunOperationsTable {
  run_id: string;
  op_id: string;
  /** Position in the plan (a topological order of depends_on). */
  seq: number;
  kind: string;
  /** Organization or account id. */
  key: string;
  target: string;
  /** The exact WeCom request body (bodies carry no secrets). */
  body: string;
  reason: string;
  depends_on: string;
  /** 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' */
  status: string;
  attempts: number;
  errcode: number | null;
  errmsg: string | null;
  /** 'data' | 'retryable' | 'config' | 'gone' | 'dependency' | 'aborted' | 'internal' */
  error_class: string | null;
  /** JSON { en, zh } */
  explanation: string | null;
  /** A remark on a success (e.g. "already created by an earlier attempt"). */
  note: string | null;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

/** Per connection: how far the change feed was synced, and the highest department id ever seen. */
export interface SyncCursorsTable {
  connection_id: string;
  last_change_seq: number | null;
  department_id_floor: number;
  /** Fingerprint of the mapping the last full run applied (migration 0014); null = none recorded yet. */
  mapping_hash: string | null;
  updated_at: string;
}

/** A conflict the rules cannot settle, per account (migration 0010): replaced by each plan that plans the key. */
export interface SyncConflictsTable {
  connection_id: string;
  object_key: string;
  /** 'account' */
  object_type: string;
  /** the plan warning's code, e.g. 'rehire-ambiguous' */
  code: string;
  /** the contested WeCom userid */
  wecom_id: string;
  /** JSON string[]: every account claiming it, this one included, sorted */
  claimants: string;
  /** the matching rule that fit: userid, mobile, email */
  rule: string;
  /** the plan warning's message (English) */
  message: string;
  detected_at: string;
}

/** When a connection's last full run read WeCom's id lists (migration 0013). */
export interface OrphanScansTable {
  connection_id: string;
  run_id: string;
  scanned_at: string;
  /** 1: WeCom gave its member id list (user/list_id); 0: refused (48009) */
  members_listed: number;
  /** 1: WeCom gave its department list (department/simplelist); 0: refused */
  departments_listed: number;
}

/** An orphan the last full run saw (migration 0013): replaced by each full run that reads the lists. */
export interface OrphanObservationsTable {
  connection_id: string;
  /** 'member' | 'department' */
  object_type: string;
  /** lower(userid), or the department id as text */
  wecom_key: string;
  /** the userid as WeCom spells it, or the department id as text */
  wecom_id: string;
  /** 'not linked' | 'out of scope' */
  why: string;
  /** 'out of scope': the account or organization whose link holds it */
  link_key: string | null;
  /** JSON number[]: a member's departments, a department's [parentid] */
  departments: string;
  first_seen: string;
  last_seen: string;
}

/** An admin's decision on one orphan (migration 0013). */
export interface OrphanDecisionsTable {
  connection_id: string;
  object_type: string;
  wecom_key: string;
  wecom_id: string;
  /** 'ignore' | 'delete' */
  decision: string;
  decided_by: string;
  decided_at: string;
}

/** Per company (corpid): the highest department id a run of this deployment has chosen (migration 0016, state/department-ids.ts). */
export interface DepartmentIdMarksTable {
  corp_id: string;
  high: number;
  updated_at: string;
}

export interface SyncTables {
  department_links: DepartmentLinksTable;
  member_links: MemberLinksTable;
  runs: RunsTable;
  run_operations: RunOperationsTable;
  sync_cursors: SyncCursorsTable;
  sync_conflicts: SyncConflictsTable;
  orphan_scans: OrphanScansTable;
  orphan_observations: OrphanObservationsTable;
  orphan_decisions: OrphanDecisionsTable;
  department_id_marks: DepartmentIdMarksTable;
}
