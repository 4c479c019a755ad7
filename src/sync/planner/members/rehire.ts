// Re-hire: a new account that maps to the member a deleted account's link still holds (the
// deletion policy disabled or kept it) takes the link over — same userid, or the mapping's
// matching rules (mobile, e-mail) against the link's shadow — so the member is updated and
// re-enabled in this plan instead of the create failing on a userid that is "held". The link
// moves without a WeCom call (plan.relinks); the account's update is planned against its shadow.
import type { DesiredMember } from '../../../domain/desired.js';
import type { Relink } from '../../../domain/plan.js';
import { matchMembers, type ExistingMember } from '../../../mapping/definitions/index.js';
import { type LinkedMember, type PlanContext, warn, warning } from '../context.js';
import { msg } from '../../../messages/index.js';
import { cmp } from '../util.js';
import type { MemberPhase } from './state.js';

/**
 * Links whose account is gone: not desired, and planned by this run (a full run plans every key;
 * a scoped run the keys it names) or known deleted (input.released). Only members WeCom still has.
 */
function releasedLinks(ctx: PlanContext, ms: MemberPhase): LinkedMember[] {
  const known = new Set(ctx.input.released?.members ?? []);
  const out: LinkedMember[] = [];
  for (const lm of ctx.memberLinks.values()) {
    if (lm.desired || !lm.exists) continue;
    if (ms.inScope && !ms.inScope.has(lm.link.key) && !known.has(lm.link.key)) continue;
    out.push(lm);
  }
  return out;
}

/** Moves released links to the new accounts that match them; fills ctx.relinks. */
export function planRehires(ctx: PlanContext, ms: MemberPhase): void {
  // new accounts, and accounts whose own member is gone from WeCom (their stale link is replaced)
  const candidates = ms.desired.filter((d) => (d.state === undefined || !d.state.exists) && d.m.fields.enable !== 0);
  if (candidates.length === 0) return;
  const released = releasedLinks(ctx, ms);
  if (released.length === 0) return;
  const byUserid = new Map(released.map((lm) => [lm.link.userid, lm]));
  const existing: ExistingMember[] = released.map((lm) => {
    const e: ExistingMember = { userid: lm.link.userid };
    if (lm.link.shadow?.mobile) e.mobile = lm.link.shadow.mobile;
    if (lm.link.shadow?.email) e.email = lm.link.shadow.email;
    return e;
  });
  const rules = ['userid' as const, ...(ctx.input.rehireBy ?? []).filter((r) => r !== 'userid')];
  const result = matchMembers(
    candidates.map((c) => c.m),
    existing,
    rules,
  );
  const entry = new Map(candidates.map((c) => [c.m.key, c]));
  for (const a of result.ambiguous) {
    const holders = a.candidates.map((u) => byUserid.get(u)!.link.key);
    const rivals = result.ambiguous.filter((x) => x.key !== a.key && x.candidates.some((u) => a.candidates.includes(u))).map((x) => x.key);
    const claimants = [a.key, ...rivals].sort(cmp);
    if (rivals.length === 0 || a.candidates.length !== 1) {
      warn(ctx, 'rehire-ambiguous', msg('warning.rehire-ambiguous-fit', { key: a.key, by: a.by, candidates: a.candidates.join(', ') }), a.key);
      continue;
    }
    // two accounts, one member: the rules cannot settle it (stored for "Needs attention" with every claimant)
    const names = claimants.length === 2 ? msg('phrase.and', { a: claimants[0]!, b: claimants[1]! }) : claimants.join(', ');
    ctx.warnings.push({
      ...warning('rehire-ambiguous', msg('warning.rehire-ambiguous', { claimants: names, by: a.by, member: a.candidates[0]!, holders: holders.join(', ') }), a.key),
      conflict: { wecomId: a.candidates[0]!, claimants, rule: a.by },
    });
  }
  for (const match of result.matched) {
    const c = entry.get(match.key)!;
    const old = byUserid.get(match.userid)!;
    takeOver(ctx, ms, c, old, match.by);
  }
}

function takeOver(ctx: PlanContext, ms: MemberPhase, c: { m: DesiredMember; state: LinkedMember | undefined }, old: LinkedMember, by: string): void {
  const from = old.link.key;
  const to = c.m.key;
  ctx.memberLinks.delete(from);
  const moved: LinkedMember = { ...old, link: { ...old.link, key: to }, desired: true, rehiredFrom: from };
  ctx.memberLinks.set(to, moved);
  c.state = moved;
  // matched by mobile or e-mail: the member keeps the userid WeCom has (as when adopting: WeCom
  // renames only userids it generated). Matched by userid: a change of letter case is planned as
  // for any linked member.
  if (by !== 'userid' && c.m.userid !== old.link.userid) c.m = { ...c.m, userid: old.link.userid };
  const relink: Relink = {
    type: 'member', from, to, by,
    reason: `re-hired: account ${to} takes over member "${old.link.userid}", left by deleted account ${from} (matched by ${by})`,
  };
  ctx.relinks.push(relink);
}
