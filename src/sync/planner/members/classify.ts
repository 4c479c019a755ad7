// Member phase 1, classify: WeCom's member list by lower-cased userid, the member links (whether
// WeCom still has each member, and its departments now), and the desired members to plan.
import { type PlanContext, warn } from '../context.js';
import { msg } from '../../../messages/index.js';
import { cmp, lower } from '../util.js';
import type { MemberPhase } from './state.js';

export function classifyMembers(ctx: PlanContext): MemberPhase {
  const { settings, input } = ctx;
  indexObserved(ctx);
  indexLinks(ctx);
  const ms: MemberPhase = {
    override: settings.defaultDepartmentId !== undefined,
    fallback: settings.defaultDepartmentId ?? settings.rootDepartmentId,
    desired: [], ops: [], claims: [], freers: new Map(), dropped: new Set(), holders: new Map(),
  };
  if (input.scope) ms.inScope = new Set(input.scope.members);
  collectDesired(ctx, ms);
  return ms;
}

function indexObserved(ctx: PlanContext): void {
  const observed = ctx.input.observed?.members;
  if (observed) {
    ctx.observedMembers = new Map();
    for (const m of observed) ctx.observedMembers.set(lower(m.userid), m);
  } else if (!ctx.input.scope) {
    // a scoped (incremental) plan reads no list by design: nothing to warn about
    warn(ctx, 'no-member-list', msg('warning.no-member-list'));
  }
}

/** ctx.memberLinks: the first link per key; its departments from the member list, else from the shadow. */
function indexLinks(ctx: PlanContext): void {
  let previous: string | undefined;
  for (const link of [...ctx.input.links.members].sort((a, b) => cmp(a.key, b.key))) {
    if (link.key === previous) {
      warn(ctx, 'duplicate-link', msg('warning.duplicate-member-link', { key: link.key }), link.key);
      continue;
    }
    previous = link.key;
    const lu = lower(link.userid);
    const obs = ctx.observedMembers?.get(lu);
    ctx.memberLinks.set(link.key, { link, lu, exists: ctx.observedMembers ? obs !== undefined : true, current: obs?.department ?? link.shadow?.department ?? [], desired: false });
  }
}

/** The first desired member per key, marking its link as desired; an incremental run plans only those it names. */
function collectDesired(ctx: PlanContext, ms: MemberPhase): void {
  let previous: string | undefined;
  for (const m of [...ctx.input.desired.members].sort((a, b) => cmp(a.key, b.key))) {
    if (m.key === previous) {
      warn(ctx, 'duplicate-key', msg('warning.duplicate-account-key', { key: m.key }), m.key);
      continue;
    }
    previous = m.key;
    const st = ctx.memberLinks.get(m.key);
    if (st) st.desired = true;
    if (ms.inScope && !ms.inScope.has(m.key)) continue; // incremental run: not named, left as it is
    ms.desired.push({ m, state: st });
  }
}
