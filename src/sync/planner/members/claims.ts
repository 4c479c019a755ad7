// Userid claims: a userid that a create or rename takes must be free, or freed by an earlier
// delete or rename (which the claim then waits for). Of two accounts mapped to the same userid
// the first by key takes it; a userid held by an unmanaged member or by one that keeps it fails
// the claim, and so do renames in a ring (a swap cannot be done with new_userid). A failed create
// is dropped (with its paired delete); a failed rename keeps the old userid.
import type { MemberUpdateBody, Operation } from '../../../domain/plan.js';
import { type PlanContext, warn } from '../context.js';
import { type Message, msg } from '../../../messages/index.js';
import { cmp, lower } from '../util.js';
import type { Claim, MemberPhase } from './state.js';

/**
 * ms.holders for the userids asked about: those claimed, and those of listed members in
 * departments to delete (counted later). Built for those only, as the member list may be large.
 */
export function findHolders(ctx: PlanContext, ms: MemberPhase): void {
  const wanted = new Set<string>();
  for (const c of ms.claims) wanted.add(lower(c.userid));
  if (ctx.deleteCandidates.size > 0)
    for (const m of ctx.input.observed?.members ?? []) if (m.department.some((d) => ctx.deleteCandidates.has(d))) wanted.add(lower(m.userid));
  if (wanted.size === 0) return;
  for (const st of ctx.memberLinks.values()) if (st.exists && wanted.has(st.lu)) ms.holders.set(st.lu, st.link.key);
  for (const lu of wanted) if (!ms.holders.has(lu) && ctx.observedMembers?.has(lu)) ms.holders.set(lu, '');
}

export function resolveClaims(ctx: PlanContext, ms: MemberPhase): void {
  const claimer = new Map<Operation, Claim>();
  for (const c of ms.claims) claimer.set(c.op, c);
  // two accounts mapped to the same userid: the first (by key) takes it
  const firstClaim = new Map<string, Claim>();
  for (const c of [...ms.claims].sort((x, y) => cmp(x.key, y.key))) {
    const lu = lower(c.userid);
    const first = firstClaim.get(lu);
    if (first === undefined) firstClaim.set(lu, c);
    else if (first.key !== c.key) invalidate(ctx, ms, c, msg('why.userid-also-mapped', { other: first.key }));
  }
  // a failed claim can make another fail (its userid is no longer freed): repeat until none does
  for (;;) {
    const held = dropHeldClaims(ctx, ms);
    const swapped = dropSwaps(ctx, ms, claimer);
    if (!held && !swapped) break;
  }
  for (const c of ms.claims) {
    if (!c.valid) continue;
    const h = ms.holders.get(lower(c.userid));
    const f = ms.freers.get(lower(c.userid));
    if (h !== undefined && h !== c.key && f && f !== c.op && !c.op.dependsOn.includes(f.id)) c.op.dependsOn.push(f.id);
  }
}

/** Claims of a userid another member holds and nothing frees; true when any failed. */
function dropHeldClaims(ctx: PlanContext, ms: MemberPhase): boolean {
  let changed = false;
  for (const c of ms.claims) {
    if (!c.valid) continue;
    const h = ms.holders.get(lower(c.userid));
    if (h === undefined || h === c.key) continue;
    if (h === '') {
      invalidate(ctx, ms, c, msg('why.userid-exists-unlinked'));
      changed = true;
    } else if (!ms.freers.has(lower(c.userid))) {
      invalidate(ctx, ms, c, msg('why.userid-held', { holder: h }));
      changed = true;
    }
  }
  return changed;
}

/** Renames waiting on each other in a ring (a swap), which new_userid cannot do; true when any failed. */
function dropSwaps(ctx: PlanContext, ms: MemberPhase, claimer: Map<Operation, Claim>): boolean {
  let changed = false;
  for (const c of ms.claims) {
    if (!c.valid || !c.rename) continue;
    const ring: Claim[] = [];
    let cur: Claim | undefined = c;
    while (cur && cur.valid && cur.rename && !ring.includes(cur)) {
      ring.push(cur);
      const h = ms.holders.get(lower(cur.userid));
      if (h === undefined || h === cur.key) break;
      const f = ms.freers.get(lower(cur.userid));
      cur = f ? claimer.get(f) : undefined;
    }
    if (cur === c && ring.length > 1) {
      for (const r of ring) invalidate(ctx, ms, r, msg('why.userid-swap'));
      changed = true;
    }
  }
  return changed;
}

/** The claim fails: a rename keeps the old userid (dropped when nothing else changes), a create is dropped. */
function invalidate(ctx: PlanContext, ms: MemberPhase, c: Claim, why: Message): void {
  c.valid = false;
  warn(ctx, 'userid-conflict', msg('warning.userid-conflict', { key: c.key, userid: c.userid, why, outcome: msg(c.rename ? 'phrase.kept-old-userid' : 'phrase.not-created') }), c.key);
  if (c.rename) {
    const body = c.op.body as MemberUpdateBody;
    if (ms.freers.get(lower(body.userid)) === c.op) ms.freers.delete(lower(body.userid));
    delete body.new_userid;
    c.op.reason.changes = c.op.reason.changes.filter((x) => x.field !== 'userid');
    if (c.op.reason.changes.length === 0) ms.dropped.add(c.op);
    else if (c.op.reason.cause === 'userid changed in directory') {
      c.op.reason.cause = 'changed in directory';
      delete c.op.reason.detail;
      delete c.op.reason.note;
    }
    return;
  }
  ms.dropped.add(c.op);
  const st = ctx.memberLinks.get(c.key);
  // a linked member already gone from WeCom that cannot be re-created: its link is stale
  if (st && !st.exists) ctx.unlinks.push({ type: 'member', key: c.key, reason: `member already deleted in WeCom; not re-created because userid "${c.userid}" is taken` });
  if (c.pairedDelete) {
    ms.dropped.add(c.pairedDelete);
    const u = lower((c.pairedDelete.body as { userid: string }).userid);
    if (ms.freers.get(u) === c.pairedDelete) ms.freers.delete(u);
  }
}
