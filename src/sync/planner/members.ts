// Member phase of the planner: creates, updates (only changed fields), userid changes, disables
// and deletes, with dependencies on the department operations they need and on the operation
// that frees a userid another member is about to take.
import type { DesiredMember, DesiredMemberFields } from '../../domain/desired.js';
import type { MemberLink, MemberShadow } from '../../domain/link.js';
import type { FieldChange, MemberCreateBody, MemberUpdateBody, MemberWritableBody, Operation, ReasonCause } from '../../domain/plan.js';
import { type LinkedMember, type PlanContext, pushTo, warn } from './context.js';
import { cmp, extattrMap, lower, sameExtattr, sameMap, sameNumberSet, sameStringSet } from './util.js';

const TEXT_FIELDS = ['name', 'alias', 'mobile', 'email', 'biz_mail', 'telephone', 'position', 'address', 'external_position'] as const;
const KEEP_IF_UNSET = ['gender', 'avatar_mediaid'] as const;
const NONE: readonly string[] = [];

interface Affiliation {
  department: number[];
  order?: number[];
  leaders: number[];
  main: number;
}

/** One userid taken by an operation (create or rename). */
interface Claim {
  key: string;
  userid: string;
  op: Operation;
  rename: boolean;
  /** For a recreate: the delete that goes with the create. */
  pairedDelete?: Operation;
  valid: boolean;
}

/** Field-by-field difference between desired fields and the shadow; fills body and changes. */
function setField(body: MemberWritableBody, changes: FieldChange[], field: keyof MemberWritableBody, old: unknown, value: unknown): void {
  (body as Record<string, unknown>)[field] = value;
  changes.push({ field, old: old ?? null, new: value });
}

function text(body: MemberWritableBody, changes: FieldChange[], hasShadow: boolean, f: (typeof TEXT_FIELDS)[number], d: string | undefined, s: string | undefined): void {
  if (hasShadow ? (d ?? '') !== (s ?? '') : d !== undefined && d !== '') setField(body, changes, f, s, d ?? '');
}

function diffFields(desired: DesiredMemberFields, shadow: MemberShadow | null, body: MemberWritableBody, changes: FieldChange[]): void {
  const set = (field: keyof MemberWritableBody, old: unknown, value: unknown): void => setField(body, changes, field, old, value);
  // written out field by field: a loop over names makes every access megamorphic (several times slower)
  const h = shadow !== null;
  text(body, changes, h, 'name', desired.name, shadow?.name);
  text(body, changes, h, 'alias', desired.alias, shadow?.alias);
  text(body, changes, h, 'mobile', desired.mobile, shadow?.mobile);
  text(body, changes, h, 'email', desired.email, shadow?.email);
  text(body, changes, h, 'biz_mail', desired.biz_mail, shadow?.biz_mail);
  text(body, changes, h, 'telephone', desired.telephone, shadow?.telephone);
  text(body, changes, h, 'position', desired.position, shadow?.position);
  text(body, changes, h, 'address', desired.address, shadow?.address);
  text(body, changes, h, 'external_position', desired.external_position, shadow?.external_position);
  if (desired.gender !== undefined && shadow?.gender !== desired.gender) set('gender', shadow?.gender, desired.gender);
  if (desired.avatar_mediaid !== undefined && shadow?.avatar_mediaid !== desired.avatar_mediaid) set('avatar_mediaid', shadow?.avatar_mediaid, desired.avatar_mediaid);
  if (shadow?.enable !== desired.enable) set('enable', shadow?.enable, desired.enable);
  const dl = desired.direct_leader ?? NONE;
  const sl = shadow?.direct_leader ?? NONE;
  if ((dl.length > 0 || sl.length > 0) && (!sameStringSet(dl, sl) || !shadow)) set('direct_leader', shadow?.direct_leader, [...dl]);
  if (shadow ? !sameExtattr(desired.extattr, shadow.extattr) : extattrMap(desired.extattr).size > 0) {
    const dm = extattrMap(desired.extattr);
    const sm = extattrMap(shadow?.extattr);
    const attrs = [...(desired.extattr?.attrs ?? [])];
    for (const a of shadow?.extattr?.attrs ?? []) {
      if (!dm.has(a.name) && sm.has(a.name))
        attrs.push(a.type === 0 ? { type: 0, name: a.name, text: { value: '' } } : { type: 1, name: a.name, web: { url: '', title: '' } });
    }
    set('extattr', shadow?.extattr, { attrs });
  }
}

/** The create body's member fields: every non-empty desired field. */
function createFields(desired: DesiredMemberFields): MemberWritableBody {
  const body: MemberWritableBody = {};
  for (const f of TEXT_FIELDS) if (desired[f] !== undefined && desired[f] !== '') body[f] = desired[f];
  for (const f of KEEP_IF_UNSET) if (desired[f] !== undefined) (body as Record<string, unknown>)[f] = desired[f];
  body.enable = desired.enable;
  if (desired.direct_leader && desired.direct_leader.length > 0) body.direct_leader = [...desired.direct_leader];
  if (desired.extattr && extattrMap(desired.extattr).size > 0) body.extattr = { attrs: [...desired.extattr.attrs] };
  return body;
}

function sameLeaders(sd: readonly number[], sl: readonly number[] | undefined, dd: readonly number[], dl: readonly number[]): boolean {
  if (sd.length === dd.length) {
    let same = true;
    for (let i = 0; i < sd.length && same; i++) same = sd[i] === dd[i] && (sl?.[i] ?? 0) === (dl[i] ?? 0);
    if (same) return true;
  }
  return sameMap(leaderMap(sd, sl), leaderMap(dd, dl));
}

function leaderMap(department: readonly number[], leaders: readonly number[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  department.forEach((d, i) => {
    if (leaders?.[i] === 1) m.set(String(d), '1');
  });
  return m;
}

function orderMap(department: readonly number[], order: readonly number[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  department.forEach((d, i) => m.set(String(d), String(order?.[i] ?? 0)));
  return m;
}

/**
 * direct_leader must name existing members. When it names a member that this plan creates or
 * renames, a plain update waits for that operation; a create or rename leaves direct_leader to a
 * follow-up update (so two new members may lead each other without a dependency cycle).
 */
function planLeaders(ops: Operation[], claims: Claim[]): Operation[] {
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
        detail: 'direct leaders are set once they exist: some are created or renamed by this plan',
        changes: [change ?? { field: 'direct_leader', old: null, new: leaders }],
      },
    });
  }
  return followUps;
}

export function planMembers(ctx: PlanContext): void {
  const { settings, input } = ctx;
  const root = settings.rootDepartmentId;
  const override = settings.defaultDepartmentId !== undefined;
  const fallback = settings.defaultDepartmentId ?? root;
  const options = input.options ?? {};

  // --- links and observed members
  const observed = input.observed?.members;
  if (observed) {
    ctx.observedMembers = new Map();
    for (const m of observed) ctx.observedMembers.set(lower(m.userid), m);
  } else {
    warn(ctx, 'no-member-list', 'WeCom did not list member ids (48009 or not read): members deleted or moved by hand in WeCom were not checked; planned from shadow state only');
  }
  let previous: string | undefined;
  for (const link of [...input.links.members].sort((a, b) => cmp(a.key, b.key))) {
    if (link.key === previous) {
      warn(ctx, 'duplicate-link', `member link ${link.key} appears twice; the first is used`, link.key);
      continue;
    }
    previous = link.key;
    const lu = lower(link.userid);
    const obs = ctx.observedMembers?.get(lu);
    ctx.memberLinks.set(link.key, { link, lu, exists: ctx.observedMembers ? obs !== undefined : true, current: obs?.department ?? link.shadow?.department ?? [], desired: false });
  }
  // lower(userid) -> link key, or '' for a member this connection does not manage. Only asked
  // about userids that operations take (and members of departments to delete): built for those.
  const wanted = new Set<string>();
  let holderMap: Map<string, string> | undefined;
  const holders = (): Map<string, string> => {
    if (holderMap) return holderMap;
    holderMap = new Map();
    for (const st of ctx.memberLinks.values()) if (st.exists && wanted.has(st.lu)) holderMap.set(st.lu, st.link.key);
    for (const lu of wanted) if (!holderMap.has(lu) && ctx.observedMembers?.has(lu)) holderMap.set(lu, '');
    return holderMap;
  };

  // --- desired members: unique keys
  const inScope = input.scope ? new Set(input.scope.members) : undefined;
  const desired: Array<{ m: DesiredMember; state: LinkedMember | undefined }> = [];
  previous = undefined;
  for (const m of [...input.desired.members].sort((a, b) => cmp(a.key, b.key))) {
    if (m.key === previous) {
      warn(ctx, 'duplicate-key', `account ${m.key} appears twice in the desired state; the first is used`, m.key);
      continue;
    }
    previous = m.key;
    const st = ctx.memberLinks.get(m.key);
    if (st) st.desired = true;
    if (inScope && !inScope.has(m.key)) continue; // incremental run: not named, left as it is
    desired.push({ m, state: st });
  }

  const affiliation = (m: DesiredMember, forCreate: boolean): Affiliation | null => {
    if (override || m.departmentKeys === null) {
      if (!forCreate) return null;
      if (!override) warn(ctx, 'no-default-department', `account ${m.key}: no department keys and no default department; created under the root department ${root}`, m.key);
      return { department: [fallback], leaders: [0], main: fallback };
    }
    const department: number[] = [];
    const order: number[] = [];
    const leaders: number[] = [];
    const missing: string[] = [];
    m.departmentKeys.forEach((k, i) => {
      const id = ctx.departmentIdOf.get(k);
      if (id === undefined) {
        missing.push(k);
        return;
      }
      if (department.includes(id)) return;
      department.push(id);
      order.push(m.order?.[i] ?? 0);
      leaders.push(m.isLeaderIn?.includes(k) ? 1 : 0);
    });
    if (missing.length > 0) warn(ctx, 'department-not-synced', `account ${m.key}: organization(s) ${missing.join(', ')} are not synced; left out of its departments`, m.key);
    if (department.length === 0) {
      warn(ctx, 'no-department', `account ${m.key}: none of its organizations is synced; placed in ${settings.defaultDepartmentId !== undefined ? 'the default' : 'the root'} department ${fallback}`, m.key);
      return { department: [fallback], leaders: [0], main: fallback };
    }
    const a: Affiliation = { department, leaders, main: department[0]! };
    if (m.order !== undefined) a.order = order;
    return a;
  };

  /** Allocation-free check that a member's departments (with order, leader flags, main) are unchanged. */
  const sameAffiliation = (m: DesiredMember, cur: readonly number[], shadow: MemberShadow | null): boolean => {
    const keys = m.departmentKeys;
    if (override) return true;
    if (!keys || !shadow || keys.length === 0 || keys.length !== cur.length || keys.length !== shadow.department.length) return false;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const id = ctx.departmentIdOf.get(k);
      if (id === undefined || id !== shadow.department[i] || id !== cur[i]) return false;
      if ((shadow.is_leader_in_dept?.[i] ?? 0) !== (m.isLeaderIn?.includes(k) ? 1 : 0)) return false;
      if (m.order && (shadow.order?.[i] ?? 0) !== (m.order[i] ?? 0)) return false;
      if (i > 0 && keys.indexOf(k) < i) return false; // duplicates: take the slow path
    }
    return (shadow.main_department ?? shadow.department[0]) === cur[0];
  };

  const claims: Claim[] = [];
  const freers = new Map<string, Operation>(); // lower(userid) -> operation that frees it
  const memberOps: Operation[] = [];

  const createOp = (m: DesiredMember, cause: ReasonCause, detail: string | undefined, extraChanges: FieldChange[]): Operation => {
    const aff = affiliation(m, true)!;
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
    if (detail !== undefined) op.reason.detail = detail;
    return op;
  };

  const deleteOp = (link: MemberLink, cause: ReasonCause, detail: string): Operation => ({
    id: `member.delete:${link.key}`, kind: 'member.delete', key: link.key, target: { userid: link.userid }, body: { userid: link.userid },
    dependsOn: [], reason: { cause, detail, changes: [{ field: 'userid', old: link.userid, new: null }] },
  });

  // --- desired members
  for (const { m, state } of desired) {
    const link = state?.link;
    const disabled = m.fields.enable === 0;
    if (disabled && settings.onAccountDisabled === 'delete') {
      if (link && state.exists) {
        const op = deleteOp(link, 'disabled in directory', 'account disabled; policy onAccountDisabled "delete"');
        memberOps.push(op);
        freers.set(state.lu, op);
      } else if (link) ctx.unlinks.push({ type: 'member', key: m.key, reason: 'account disabled and member already deleted in WeCom' });
      continue;
    }
    if (!link || !state.exists) {
      if (disabled) {
        // Nothing to disable: a disabled account is not created in WeCom.
        if (link) ctx.unlinks.push({ type: 'member', key: m.key, reason: 'account disabled and member already deleted in WeCom' });
        continue;
      }
      const op = link
        ? createOp(m, 'drift: deleted in WeCom', `member "${link.userid}" is linked but no longer in WeCom's member list; re-created`, [])
        : createOp(m, 'created in directory', undefined, []);
      memberOps.push(op);
      claims.push({ key: m.key, userid: m.userid, op, rename: false, valid: true });
      continue;
    }
    // linked and present in WeCom
    let userid = link.userid;
    let rename = false;
    if (m.userid !== link.userid) {
      const choice = options.useridChange ?? 'auto';
      const mode = choice === 'auto' ? (link.origin === 'created' ? 'recreate' : 'new_userid') : choice;
      if (mode === 'recreate' && settings.onAccountDeleted !== 'delete') {
        warn(ctx, 'userid-change-blocked', `account ${m.key}: userid changed from "${link.userid}" to "${m.userid}", which needs the member re-created, but the deletion policy is "${settings.onAccountDeleted}"; kept "${link.userid}"`, m.key);
      } else if (mode === 'recreate') {
        const del = deleteOp(link, 'userid changed in directory', `userid "${link.userid}" becomes "${m.userid}": WeCom renames only WeCom-generated userids (301036 otherwise), so the member is deleted and created again`);
        const detail = `re-created under the new userid (was "${link.userid}")`;
        const create = createOp(m, 'userid changed in directory', detail, [{ field: 'userid', old: link.userid, new: m.userid }]);
        create.dependsOn.push(del.id);
        memberOps.push(del, create);
        freers.set(state.lu, del);
        claims.push({ key: m.key, userid: m.userid, op: create, rename: false, pairedDelete: del, valid: true });
        continue;
      } else {
        userid = m.userid;
        rename = true;
      }
    }
    const shadow = link.shadow;
    const body: MemberUpdateBody = { userid: link.userid };
    const changes: FieldChange[] = [];
    if (rename) {
      body.new_userid = userid;
      changes.push({ field: 'userid', old: link.userid, new: userid });
    }
    diffFields(m.fields, shadow, body, changes);
    const aff = sameAffiliation(m, state.current, shadow) ? null : affiliation(m, false);
    let drifted = false;
    if (aff) {
      const cur = state.current;
      const shadowDepts = shadow?.department ?? cur;
      let changed = !shadow || !sameNumberSet(cur, aff.department);
      if (shadow && !changed) {
        changed =
          (shadow.main_department ?? shadow.department[0]) !== aff.main ||
          !sameLeaders(shadow.department, shadow.is_leader_in_dept, aff.department, aff.leaders) ||
          (aff.order !== undefined && !sameMap(orderMap(shadow.department, shadow.order), orderMap(aff.department, aff.order)));
      }
      if (changed) {
        drifted = !sameNumberSet(cur, shadowDepts) && sameNumberSet(aff.department, shadowDepts);
        body.department = aff.department;
        changes.push({ field: 'department', old: cur, new: aff.department });
        if (aff.order) {
          body.order = aff.order;
          changes.push({ field: 'order', old: shadow?.order ?? null, new: aff.order });
        }
        body.is_leader_in_dept = aff.leaders;
        changes.push({ field: 'is_leader_in_dept', old: shadow?.is_leader_in_dept ?? null, new: aff.leaders });
        body.main_department = aff.main;
        changes.push({ field: 'main_department', old: shadow?.main_department ?? shadow?.department[0] ?? null, new: aff.main });
      }
    }
    if (changes.length === 0) continue;
    const disabling = body.enable === 0;
    let cause: ReasonCause = 'changed in directory';
    let detail: string | undefined;
    if (!shadow) {
      cause = 'no shadow state';
      detail = 'the link has no record of the values last written, so every field is sent';
    } else if (disabling) cause = 'disabled in directory';
    else if (rename) {
      cause = 'userid changed in directory';
      detail = `renamed in place with new_userid (WeCom allows it once, for WeCom-generated userids only; 301036 otherwise)`;
    } else if (drifted && changes.every((c) => ['department', 'order', 'is_leader_in_dept', 'main_department'].includes(c.field))) {
      cause = 'drift: moved in WeCom';
      detail = 'departments were changed by hand in WeCom; restored';
    } else if (drifted) detail = 'departments were also changed by hand in WeCom; restored';
    const kind = disabling ? 'member.disable' : 'member.update';
    const op: Operation = { id: `${kind}:${m.key}`, kind, key: m.key, target: { userid: link.userid }, body, dependsOn: [], reason: { cause, changes } };
    if (detail !== undefined) op.reason.detail = detail;
    memberOps.push(op);
    if (rename) {
      freers.set(state.lu, op);
      claims.push({ key: m.key, userid, op, rename: true, valid: true });
    }
  }

  // --- linked members no longer desired
  for (const { link, lu, exists, current, desired: isDesired } of ctx.memberLinks.values()) {
    if (isDesired || (inScope && !inScope.has(link.key))) continue;
    if (!exists) {
      ctx.unlinks.push({ type: 'member', key: link.key, reason: 'member already deleted in WeCom' });
      continue;
    }
    if (settings.onAccountDeleted === 'delete') {
      const op = deleteOp(link, 'deleted in directory', 'account deleted or out of scope; policy onAccountDeleted "delete"');
      memberOps.push(op);
      freers.set(lu, op);
    } else if (settings.onAccountDeleted === 'disable') {
      const body: MemberUpdateBody = { userid: link.userid };
      const changes: FieldChange[] = [];
      if (link.shadow?.enable !== 0) {
        body.enable = 0;
        changes.push({ field: 'enable', old: link.shadow?.enable ?? null, new: 0 });
      }
      const cur = current;
      if (!override && cur.some((d) => ctx.deleteCandidates.has(d))) {
        const remaining = cur.filter((d) => !ctx.deleteCandidates.has(d));
        body.department = remaining.length > 0 ? remaining : [fallback];
        changes.push({ field: 'department', old: cur, new: body.department });
      }
      if (changes.length === 0) continue;
      const disabling = body.enable === 0;
      const kind = disabling ? 'member.disable' : 'member.update';
      memberOps.push({
        id: `${kind}:${link.key}`, kind, key: link.key, target: { userid: link.userid }, body, dependsOn: [],
        reason: {
          cause: disabling ? 'deleted in directory' : 'moved out of a department being deleted',
          detail: `account deleted or out of scope; policy onAccountDeleted "disable"${body.department ? '; moved out of departments being deleted' : ''}`,
          changes,
        },
      });
    }
  }

  // --- userids: a claimed userid must be free, or freed by an earlier operation
  for (const c of claims) wanted.add(lower(c.userid));
  if (ctx.deleteCandidates.size > 0) for (const m of observed ?? []) if (m.department.some((d) => ctx.deleteCandidates.has(d))) wanted.add(lower(m.userid));
  const dropped = new Set<Operation>();
  const invalidate = (c: Claim, why: string): void => {
    c.valid = false;
    warn(ctx, 'userid-conflict', `account ${c.key}: userid "${c.userid}" ${why}; ${c.rename ? 'kept the old userid' : 'not created'}`, c.key);
    if (c.rename) {
      const body = c.op.body as MemberUpdateBody;
      if (freers.get(lower(body.userid)) === c.op) freers.delete(lower(body.userid));
      delete body.new_userid;
      c.op.reason.changes = c.op.reason.changes.filter((x) => x.field !== 'userid');
      if (c.op.reason.changes.length === 0) dropped.add(c.op);
      else if (c.op.reason.cause === 'userid changed in directory') {
        c.op.reason.cause = 'changed in directory';
        delete c.op.reason.detail;
      }
    } else {
      dropped.add(c.op);
      const st = ctx.memberLinks.get(c.key);
      // a linked member already gone from WeCom that cannot be re-created: its link is stale
      if (st && !st.exists) ctx.unlinks.push({ type: 'member', key: c.key, reason: `member already deleted in WeCom; not re-created because userid "${c.userid}" is taken` });
      if (c.pairedDelete) {
        dropped.add(c.pairedDelete);
        const u = lower((c.pairedDelete.body as { userid: string }).userid);
        if (freers.get(u) === c.pairedDelete) freers.delete(u);
      }
    }
  };
  const claimer = new Map<Operation, Claim>();
  for (const c of claims) claimer.set(c.op, c);
  // two accounts mapped to the same userid: the first (by key) takes it
  const firstClaim = new Map<string, Claim>();
  for (const c of [...claims].sort((x, y) => cmp(x.key, y.key))) {
    const lu = lower(c.userid);
    const first = firstClaim.get(lu);
    if (first === undefined) firstClaim.set(lu, c);
    else if (first.key !== c.key) invalidate(c, `is also mapped for account ${first.key}`);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const c of claims) {
      if (!c.valid) continue;
      const h = holders().get(lower(c.userid));
      if (h === undefined || h === c.key) continue;
      if (h === '') {
        invalidate(c, 'already exists in WeCom and is not linked (match it to adopt it)');
        changed = true;
      } else if (!freers.has(lower(c.userid))) {
        invalidate(c, `is held by the member of account ${h}, which keeps it`);
        changed = true;
      }
    }
    // renames waiting on each other in a ring (a swap) cannot be done with new_userid
    for (const c of claims) {
      if (!c.valid || !c.rename) continue;
      const ring: Claim[] = [];
      let cur: Claim | undefined = c;
      while (cur && cur.valid && cur.rename && !ring.includes(cur)) {
        ring.push(cur);
        const h = holders().get(lower(cur.userid));
        if (h === undefined || h === cur.key) break;
        const f = freers.get(lower(cur.userid));
        cur = f ? claimer.get(f) : undefined;
      }
      if (cur === c && ring.length > 1) {
        for (const r of ring) invalidate(r, 'is part of a userid swap, which new_userid cannot do (use useridChange "recreate")');
        changed = true;
      }
    }
  }
  for (const c of claims) {
    if (!c.valid) continue;
    const h = holders().get(lower(c.userid));
    const f = freers.get(lower(c.userid));
    if (h !== undefined && h !== c.key && f && f !== c.op && !c.op.dependsOn.includes(f.id)) c.op.dependsOn.push(f.id);
  }

  // --- departments: wait for the ones created in this plan; record who leaves which department
  const final = memberOps.filter((op) => !dropped.has(op));
  final.push(...planLeaders(final, claims));
  for (const op of final) {
    const state = ctx.memberLinks.get(op.key);
    if (op.kind === 'member.create') {
      for (const d of op.body.department) {
        const c = ctx.createdBy.get(d);
        if (c && !op.dependsOn.includes(c)) op.dependsOn.push(c);
      }
    } else if (op.kind === 'member.update' || op.kind === 'member.disable') {
      for (const d of op.body.department ?? []) {
        const c = ctx.createdBy.get(d);
        if (c && !op.dependsOn.includes(c)) op.dependsOn.push(c);
      }
    }
    if (!state || !state.exists) continue;
    if (op.kind === 'member.delete') {
      if (op.target.userid === state.link.userid) {
        for (const d of state.current) pushTo(ctx.memberLeftBy, d, op.id);
        state.after = [];
      }
    } else if ((op.kind === 'member.update' || op.kind === 'member.disable') && op.body.department) {
      const next = new Set(op.body.department);
      for (const d of state.current) if (!next.has(d)) pushTo(ctx.memberLeftBy, d, op.id);
      state.after = op.body.department;
    }
  }
  for (const op of final) op.dependsOn.sort(cmp);
  // members left in departments that are to be deleted (only those are ever asked about)
  const doomed = ctx.deleteCandidates;
  const count = (d: number): void => {
    if (doomed.has(d)) ctx.remainingMembers.set(d, (ctx.remainingMembers.get(d) ?? 0) + 1);
  };
  if (doomed.size > 0) {
    for (const { exists, current, after } of ctx.memberLinks.values()) {
      if (!exists) continue;
      for (const d of after ?? current) count(d);
    }
    for (const m of observed ?? []) {
      if (m.department.some((d) => doomed.has(d)) && holders().get(lower(m.userid)) === '') for (const d of m.department) count(d);
    }
  }
  // Deletes first (they free userids), then the rest by key; the final topological sort keeps this.
  const rank = (op: Operation): number =>
    op.kind === 'member.delete' ? 0 : op.kind === 'member.disable' ? 3 : op.id.endsWith('#direct_leader') ? 2 : 1;
  final.sort((a, b) => rank(a) - rank(b) || cmp(a.key, b.key) || cmp(a.id, b.id));
  ctx.memberOps.push(...final);
}
