// Member creates: accounts without a member in WeCom (new, or linked but deleted by hand), and the
// create half of a re-create under a new userid. Disabled accounts are not created.
import type { DesiredMember } from '../../../domain/desired.js';
import type { FieldChange, MemberCreateBody, Operation, ReasonCause } from '../../../domain/plan.js';
import { type LinkedMember, type PlanContext, noted } from '../context.js';
import { type Message, msg } from '../../../messages/index.js';
import { affiliation } from './affiliation.js';
import { createFields } from './fields.js';
import type { MemberPhase } from './state.js';

/** For a desired member that WeCom does not have: a create, which claims its userid. */
export function planCreate(ctx: PlanContext, ms: MemberPhase, m: DesiredMember, state: LinkedMember | undefined): void {
  const link = state?.link;
  if (m.fields.enable === 0) {
    // Nothing to disable: a disabled account is not created in WeCom.
    if (link) ctx.unlinks.push({ type: 'member', key: m.key, reason: 'account disabled and member already deleted in WeCom' });
    return;
  }
  const op = link
    ? createOp(ctx, ms, m, 'drift: deleted in WeCom', msg('note.member.recreated-drift', { userid: link.userid }), [])
    : createOp(ctx, ms, m, 'created in directory', undefined, []);
  ms.ops.push(op);
  ms.claims.push({ key: m.key, userid: m.userid, op, rename: false, valid: true });
}

/** A create with every desired field; `extraChanges` come first in its reason. */
export function createOp(ctx: PlanContext, ms: MemberPhase, m: DesiredMember, cause: ReasonCause, note: Message | undefined, extraChanges: FieldChange[]): Operation {
  const aff = affiliation(ctx, ms, m, true)!;
  const body: MemberCreateBody = { userid: m.userid, name: m.fields.name, department: aff.department, ...createFields(m.fields) };
  body.name = m.fields.name;
  body.department = aff.department;
  if (aff.order) body.order = aff.order;
  if (aff.leaders.includes(1)) body.is_leader_in_dept = aff.leaders;
  body.main_department = aff.main;
  if (m.toInvite !== undefined) body.to_invite = m.toInvite;
  const changes: FieldChange[] = [...extraChanges];
  for (const [f, v] of Object.entries(body)) if (f !== 'userid' && f !== 'to_invite') changes.push({ field: f, old: null, new: v });
  const op: Operation = { id: `member.create:${m.key}`, kind: 'member.create', key: m.key, target: { userid: m.userid }, body, dependsOn: [], reason: { cause, changes } };
  if (note !== undefined) Object.assign(op.reason, noted(note.code, note.params));
  return op;
}
