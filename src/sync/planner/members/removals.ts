// Member deletes and disables: disabled accounts under policy onAccountDisabled "delete", and
// linked members no longer desired per onAccountDeleted (delete, disable, or leave alone). A
// disabled member still in a department to be deleted is moved out of it.
import type { DesiredMember } from '../../../domain/desired.js';
import type { MemberLink } from '../../../domain/link.js';
import type { FieldChange, MemberUpdateBody, Operation, ReasonCause } from '../../../domain/plan.js';
import { isCreator, noted, warnCreator, type LinkedMember, type PlanContext } from '../context.js';
import { type Message, msg } from '../../../messages/index.js';
import type { MemberPhase } from './state.js';

export function deleteOp(link: MemberLink, cause: ReasonCause, note: Message): Operation {
  return {
    id: `member.delete:${link.key}`, kind: 'member.delete', key: link.key, target: { userid: link.userid }, body: { userid: link.userid },
    dependsOn: [], reason: { cause, ...noted(note.code, note.params), changes: [{ field: 'userid', old: link.userid, new: null }] },
  };
}

/** A disabled account under policy onAccountDisabled "delete": its member is deleted (or its link dropped when already gone). */
export function deleteDisabled(ctx: PlanContext, ms: MemberPhase, m: DesiredMember, state: LinkedMember | undefined): void {
  if (!state) return;
  if (!state.exists) {
    ctx.unlinks.push({ type: 'member', key: m.key, reason: 'account disabled and member already deleted in WeCom' });
    return;
  }
  if (isCreator(ctx, state.link.userid)) return warnCreator(ctx, m.key, state.link.userid, msg('instead.deleted-account-disabled'));
  const op = deleteOp(state.link, 'disabled in directory', msg('note.member.delete-disabled'));
  ms.ops.push(op);
  ms.freers.set(state.lu, op);
}

/** Linked members whose account is gone (or out of scope), per onAccountDeleted. */
export function planRemovedMembers(ctx: PlanContext, ms: MemberPhase): void {
  for (const lm of ctx.memberLinks.values()) {
    const { link } = lm;
    if (lm.desired || (ms.inScope && !ms.inScope.has(link.key))) continue;
    if (!lm.exists) {
      ctx.unlinks.push({ type: 'member', key: link.key, reason: 'member already deleted in WeCom' });
      continue;
    }
    if (ctx.settings.onAccountDeleted !== 'ignore' && isCreator(ctx, link.userid)) {
      warnCreator(ctx, link.key, link.userid, msg(ctx.settings.onAccountDeleted === 'delete' ? 'instead.deleted-gone' : 'instead.disabled-gone'));
      continue;
    }
    if (ctx.settings.onAccountDeleted === 'delete') {
      const op = deleteOp(link, 'deleted in directory', msg('note.member.delete-deleted'));
      ms.ops.push(op);
      ms.freers.set(lm.lu, op);
    } else if (ctx.settings.onAccountDeleted === 'disable') {
      disableRemoved(ctx, ms, lm);
    }
  }
}

/** Disabled (unless it already is), and moved out of departments being deleted. */
function disableRemoved(ctx: PlanContext, ms: MemberPhase, { link, current }: LinkedMember): void {
  const body: MemberUpdateBody = { userid: link.userid };
  const changes: FieldChange[] = [];
  if (link.shadow?.enable !== 0) {
    body.enable = 0;
    changes.push({ field: 'enable', old: link.shadow?.enable ?? null, new: 0 });
  }
  if (!ms.override && current.some((d) => ctx.deleteCandidates.has(d))) {
    const remaining = current.filter((d) => !ctx.deleteCandidates.has(d));
    body.department = remaining.length > 0 ? remaining : [ms.fallback];
    changes.push({ field: 'department', old: current, new: body.department });
  }
  if (changes.length === 0) return;
  const disabling = body.enable === 0;
  const kind = disabling ? 'member.disable' : 'member.update';
  ms.ops.push({
    id: `${kind}:${link.key}`, kind, key: link.key, target: { userid: link.userid }, body, dependsOn: [],
    reason: {
      cause: disabling ? 'deleted in directory' : 'moved out of a department being deleted',
      ...noted(body.department ? 'note.member.disable-deleted-moved' : 'note.member.disable-deleted'),
      changes,
    },
  });
}
