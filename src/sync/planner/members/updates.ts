// Member updates: a linked member WeCom has gets the fields that differ from its shadow, its
// departments when they changed, and new_userid when renamed in place. Setting enable to 0 makes
// it a disable. The reason tells directory changes from drift repaired and missing shadows.
import type { DesiredMember } from '../../../domain/desired.js';
import type { MemberShadow } from '../../../domain/link.js';
import type { FieldChange, MemberUpdateBody, Operation, Reason } from '../../../domain/plan.js';
import { isCreator, noted, warnCreator, type LinkedMember, type PlanContext } from '../context.js';
import { msg } from '../../../messages/index.js';
import { diffAffiliation } from './affiliation.js';
import { diffFields } from './fields.js';
import type { MemberPhase } from './state.js';

const DEPARTMENT_FIELDS = ['department', 'order', 'is_leader_in_dept', 'main_department'];

/** Plans the update (nothing when nothing changed); a rename claims the new userid. */
export function planUpdate(ctx: PlanContext, ms: MemberPhase, m: DesiredMember, state: LinkedMember, rename: boolean): void {
  const { link } = state;
  const body: MemberUpdateBody = { userid: link.userid };
  const changes: FieldChange[] = [];
  if (rename) {
    body.new_userid = m.userid;
    changes.push({ field: 'userid', old: link.userid, new: m.userid });
  }
  diffFields(m.fields, link.shadow, body, changes);
  if (body.enable === 0 && isCreator(ctx, link.userid)) {
    delete body.enable;
    const i = changes.findIndex((c) => c.field === 'enable');
    if (i >= 0) changes.splice(i, 1);
    warnCreator(ctx, m.key, link.userid, msg('instead.disabled-account-disabled'));
  }
  const drifted = diffAffiliation(ctx, ms, m, state, body, changes);
  if (changes.length === 0) return;
  const kind = body.enable === 0 ? 'member.disable' : 'member.update';
  const op: Operation = { id: `${kind}:${m.key}`, kind, key: m.key, target: { userid: link.userid }, body, dependsOn: [], reason: state.rehiredFrom !== undefined ? rehireReason(state.rehiredFrom, link.userid, body, changes) : updateReason(link.shadow, body, rename, drifted, changes) };
  ms.ops.push(op);
  if (rename) {
    ms.freers.set(state.lu, op);
    ms.claims.push({ key: m.key, userid: m.userid, op, rename: true, valid: true });
  }
}

function rehireReason(from: string, userid: string, body: MemberUpdateBody, changes: FieldChange[]): Reason {
  return { cause: 're-hired: linked to the member left by a deleted account', changes, ...noted(body.enable === 1 ? 'note.member.rehired-enabled' : 'note.member.rehired', { userid, from }) };
}

function updateReason(shadow: MemberShadow | null, body: MemberUpdateBody, rename: boolean, drifted: boolean, changes: FieldChange[]): Reason {
  if (!shadow) return { cause: 'no shadow state', changes, ...noted('note.no-shadow') };
  if (body.enable === 0) return { cause: 'disabled in directory', changes };
  if (rename)
    return { cause: 'userid changed in directory', changes, ...noted('note.member.renamed-in-place') };
  if (drifted && changes.every((c) => DEPARTMENT_FIELDS.includes(c.field)))
    return { cause: 'drift: moved in WeCom', changes, ...noted('note.member.dept-restored') };
  if (drifted) return { cause: 'changed in directory', changes, ...noted('note.member.dept-also-restored') };
  return { cause: 'changed in directory', changes };
}
