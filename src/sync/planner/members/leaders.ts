// direct_leader fix-ups: a leader must exist when an operation names it.
import type { MemberUpdateBody, Operation } from '../../../domain/plan.js';
import { noted } from '../context.js';
import { lower } from '../util.js';
import type { Claim } from './state.js';

/**
 * direct_leader must name existing members. When it names a member that this plan creates or
 * renames, a plain update waits for that operation; a create or rename leaves direct_leader to a
 * follow-up update (so two new members may lead each other without a dependency cycle).
 */
export function planLeaders(ops: Operation[], claims: Claim[]): Operation[] {
  const madeBy = new Map<string, Operation>();
  for (const c of claims) if (c.valid) madeBy.set(lower(c.userid), c.op);
  if (madeBy.size === 0) return [];
  const followUps: Operation[] = [];
  for (const op of ops) {
    if (op.kind !== 'member.create' && op.kind !== 'member.update' && op.kind !== 'member.disable') continue;
    const leaders = op.body.direct_leader;
    if (!leaders || leaders.length === 0) continue;
    const needs = [...new Set(leaders.map((u) => madeBy.get(lower(u))).filter((x): x is Operation => x !== undefined && x !== op))];
    if (needs.length === 0) continue;
    const claiming = op.kind === 'member.create' || (op.body as MemberUpdateBody).new_userid !== undefined;
    if (!claiming) {
      for (const n of needs) if (!op.dependsOn.includes(n.id)) op.dependsOn.push(n.id);
      continue;
    }
    delete op.body.direct_leader;
    const change = op.reason.changes.find((c) => c.field === 'direct_leader');
    op.reason.changes = op.reason.changes.filter((c) => c !== change);
    const userid = op.kind === 'member.create' ? op.body.userid : ((op.body as MemberUpdateBody).new_userid ?? op.body.userid);
    followUps.push({
      id: `member.update:${op.key}#direct_leader`, kind: 'member.update', key: op.key, target: { userid },
      body: { userid, direct_leader: leaders },
      dependsOn: [op.id, ...needs.map((n) => n.id)],
      reason: {
        cause: op.reason.cause,
        ...noted('note.member.leaders-later'),
        changes: [change ?? { field: 'direct_leader', old: null, new: leaders }],
      },
    });
  }
  return followUps;
}
