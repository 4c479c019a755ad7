// Inputs of the planner (pure): desired state, links with shadows, observed id lists, policies.
import type { DesiredState } from '../../domain/desired.js';
import type { Links } from '../../domain/link.js';

/** A row of department/simplelist (may cover the whole company; only the root subtree is acted on). */
export interface ObservedDepartment {
  id: number;
  parentid: number;
  order: number;
}

/** A member as user/list_id shows it, aggregated per userid. */
export interface ObservedMember {
  userid: string;
  department: number[];
}

/**
 * What WeCom's id lists say exists. A list is undefined when WeCom refused it (48009) or it was
 * not read (incremental run): the planner then trusts the shadow state and warns.
 */
export interface Observed {
  departments?: ObservedDepartment[];
  members?: ObservedMember[];
}

export interface PlannerSettings {
  rootDepartmentId: number;
  /** The default-department override: created members go here; affiliation is never updated. */
  defaultDepartmentId?: number;
  onAccountDeleted: 'delete' | 'disable' | 'ignore';
  onAccountDisabled: 'disable' | 'delete';
  onOrganizationDeleted: 'delete' | 'keep';
  safety: { maxDeletes: number; maxDeletePercent: number };
  /**
   * Userids WeCom never deletes or disables: the company's creator, known from an earlier 301005
   * answer to our delete (WeCom's API does not say who the creator is otherwise). No delete,
   * disable or re-create is planned for them, whatever the policy or a matching rule adopted; a
   * warning explains it instead. Compared case-insensitively.
   */
  protectedUserids?: readonly string[];
}

export interface PlannerOptions {
  /**
   * How a changed userid is carried out. 'new_userid' renames in place (WeCom allows it once, and
   * only for userids WeCom generated: 301036 otherwise); 'recreate' deletes the old member and
   * creates the new one (counted as a delete; only when onAccountDeleted is 'delete').
   * 'auto' (default): recreate members we created, rename members we matched (adopted members
   * are often WeCom-generated, and deleting a pre-existing person is never implied).
   */
  useridChange?: 'auto' | 'new_userid' | 'recreate';
  /**
   * New department ids are chosen above this too: the highest department id the connection has
   * ever seen in WeCom (kept by the store). It protects runs where the department list was refused,
   * where an id made by hand could otherwise be chosen (and 60008 mistaken for "already created").
   */
  departmentIdFloor?: number;
}

export interface PlannerInput {
  desired: DesiredState;
  links: Links;
  observed?: Observed;
  settings: PlannerSettings;
  options?: PlannerOptions;
  /**
   * An incremental run: only these organization and account keys (those the change feed names)
   * are planned. Other links are left as they are — never deleted — but their ids, names and
   * members still count. Desired ancestors not yet in WeCom are added to the scope (they must be
   * created first). Absent = a full reconcile.
   */
  scope?: { departments: string[]; members: string[] };
  /**
   * Links whose directory object is known to be deleted, though this (incremental) run does not
   * name them: a new object mapping to their WeCom member or department takes it over (re-hire).
   * A full run needs none: every link missing from the desired state is released. Links of
   * objects a scoped run names and that are not desired are released too.
   */
  released?: { departments?: string[]; members?: string[] };
  /**
   * Besides the userid, the rules that pair a new account with the member a deleted account left
   * (the mapping's member matching rules), compared with the link's shadow: 'mobile', 'email'.
   * Default: userid only.
   */
  rehireBy?: ReadonlyArray<'userid' | 'mobile' | 'email'>;
  /**
   * Orphans (WeCom objects no link owns) whose removal an admin requested (./orphans.ts): planned
   * by full runs under the deletion policies, counted by the safety threshold. Ignored by scoped runs.
   */
  orphanRemovals?: {
    members?: ReadonlyArray<{ userid: string; by: string; at: string }>;
    departments?: ReadonlyArray<{ departmentId: number; by: string; at: string }>;
  };
}
