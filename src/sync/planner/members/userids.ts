// A changed userid of a linked member: renamed in place with new_userid, or deleted and created
// again (only when the deletion policy allows deletes), per options.useridChange.
import type { DesiredMember } from '../../../domain/desired.js';
import { isCreator, type LinkedMember, type PlanContext, warn, warnCreator } from '../context.js';
import { msg } from '../../../messages/index.js';
import { createOp } from './creates.js';
import { deleteOp } from './removals.js';
import type { MemberPhase } from './state.js';

/**
 * 'keep': same userid, or the change is not allowed (warning); 'rename': the update carries
 * new_userid; 'recreated': a delete and a create were planned, and no update follows.
 */
export function planUseridChange(ctx: PlanContext, ms: MemberPhase, m: DesiredMember, state: LinkedMember): 'keep' | 'rename' | 'recreated' {
  const { link } = state;
  const { settings } = ctx;
  if (m.userid === link.userid) return 'keep';
  const choice = ctx.input.options?.useridChange ?? 'auto';
  const mode = choice === 'auto' ? (link.origin === 'created' ? 'recreate' : 'new_userid') : choice;
  if (mode !== 'recreate') return 'rename';
  if (isCreator(ctx, link.userid)) {
    warnCreator(ctx, m.key, link.userid, msg('instead.recreated', { new: m.userid, old: link.userid }));
    return 'keep';
  }
  if (settings.onAccountDeleted !== 'delete') {
    warn(ctx, 'userid-change-blocked', msg('warning.userid-change-blocked', { key: m.key, old: link.userid, new: m.userid, policy: settings.onAccountDeleted }), m.key);
    return 'keep';
  }
  const del = deleteOp(link, 'userid changed in directory', msg('note.member.delete-for-userid', { old: link.userid, new: m.userid }));
  const create = createOp(ctx, ms, m, 'userid changed in directory', msg('note.member.recreated-new-userid', { old: link.userid }), [{ field: 'userid', old: link.userid, new: m.userid }]);
  create.dependsOn.push(del.id);
  ms.ops.push(del, create);
  ms.freers.set(state.lu, del);
  ms.claims.push({ key: m.key, userid: m.userid, op: create, rename: false, pairedDelete: del, valid: true });
  return 'recreated';
}
