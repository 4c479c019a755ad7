// What the member phases share while one plan is computed (the cross-phase state — department
// ids, links, observed members — is in the PlanContext).
import type { DesiredMember } from '../../../domain/desired.js';
import type { Operation } from '../../../domain/plan.js';
import type { LinkedMember } from '../context.js';

/** One userid taken by an operation (create or rename). */
export interface Claim {
  key: string;
  userid: string;
  op: Operation;
  rename: boolean;
  /** For a recreate: the delete that goes with the create. */
  pairedDelete?: Operation;
  /** False once the claim failed (its operation dropped or its rename undone). */
  valid: boolean;
}

export interface MemberPhase {
  /** The default-department override is set: members are created there and their affiliation is never updated. */
  override: boolean;
  /** Where a member with no synced department goes: the default department, else the root. */
  fallback: number;
  /** Desired members to plan (first of each key, named by the run), with their link. */
  desired: Array<{ m: DesiredMember; state: LinkedMember | undefined }>;
  /** Incremental run: the account keys it names; undefined for a full reconcile. */
  inScope?: Set<string>;
  /** Member operations as planned, before failed userid claims drop some. */
  ops: Operation[];
  claims: Claim[];
  /** lower(userid) -> the operation that frees it (delete or rename). */
  freers: Map<string, Operation>;
  /** Operations dropped because their claim failed. */
  dropped: Set<Operation>;
  /**
   * lower(userid) -> key of the link holding it in WeCom, or '' for a member this connection does
   * not manage. Only for the userids asked about: those claimed, and members of departments to delete.
   */
  holders: Map<string, string>;
}
