// mapDirectory(): directory objects -> the desired WeCom departments and members of one
// connection. Pure and deterministic: objects are processed in id order, whatever the input order.
import type { Account } from '../../domain/account.js';
import type { DesiredDepartment, DesiredMember, DesiredState } from '../../domain/desired.js';
import type { Organization } from '../../domain/organization.js';
import type { Context } from '../expression/index.js';
import type { CompiledMapping } from './compile.js';
import { type OrgNode, accountBaseContext, accountContext, accountOrganizationIds, canonical, indexOrganizations, withOrganization } from './context.js';
import { type FieldFailure, memberFields, runField } from './member-fields.js';
import type { MappingProblem } from './types.js';
import { ABSENT, WECOM, asCondition, asDepartmentName, asInteger } from './values.js';

export interface MappingSettings {
  /** The connection's default department (seed: "Default Organization for Accounts"). When set, departmentKeys is null. */
  defaultDepartmentId?: number | null;
}

interface MappingResult {
  desired: DesiredState;
  problems: MappingProblem[];
  /**
   * Objects that are in scope but were left out of `desired` because of a problem (a required
   * field failed, a duplicate userid or sibling name, a failing filter, a held parent). The sync
   * must treat them as "unknown this run" — never as deleted.
   */
  held: { organizations: string[]; accounts: string[] };
  /** WeCom department ids given by `departments.id`, for matching by id. */
  departmentIds: Array<{ key: string; departmentId: number }>;
}

interface Entry {
  account: Account;
  /** The account as `manager` shows it (built when first needed). */
  base: Context | undefined;
  /** Set once mapped; cleared if it loses its userid to a duplicate. */
  member: DesiredMember | undefined;
}

export function mapDirectory(
  input: { organizations: readonly Organization[]; accounts: readonly Account[] },
  mapping: CompiledMapping,
  settings: MappingSettings = {},
): MappingResult {
  const problems: MappingProblem[] = [];
  const problem = (objectType: MappingProblem['objectType'], key: string, effect: MappingProblem['effect'], f: FieldFailure): void =>
    void problems.push({ objectType, key, field: f.field, message: f.message, effect, ...(f.code ? { code: f.code } : {}) });
  // WeCom's current documentation allows 64 characters, an older one 32: sent either way, with a warning
  const warnIfLong = (key: string, field: 'name' | 'name_en', value: string): void => {
    if ([...value].length > WECOM.departmentNameSafeChars)
      problem('organization', key, 'info', {
        field,
        message: `${field} is longer than ${WECOM.departmentNameSafeChars} characters: WeCom's current documentation allows ${WECOM.departmentNameMaxChars}, an older limit ${WECOM.departmentNameSafeChars}; if WeCom refuses it (60001) only this department fails, and its status says so`,
      });
  };
  const def = mapping.definition;
  const override = settings.defaultDepartmentId !== undefined && settings.defaultDepartmentId !== null;

  // ---------------------------------------------------------------- organizations
  const orgs = canonical(input.organizations);
  for (const id of orgs.duplicates) problem('organization', id, 'info', { field: 'id', message: 'the input lists this organization more than once; one copy is used' });
  const nodes = indexOrganizations(orgs.items);
  const departments: DesiredDepartment[] = [];
  const departmentIds: Array<{ key: string; departmentId: number }> = [];

  // Scope roots: the listed subtrees (outermost only), or every directory root.
  const roots: OrgNode[] = [];
  const listed = def.scope.organizationRoots;
  if (listed !== undefined && listed.length > 0) {
    const wanted = new Set<OrgNode>();
    for (const id of [...new Set(listed)].sort()) {
      const n = nodes.get(id);
      if (!n) problem('organization', id, 'info', { field: 'scope', message: `scope.organizationRoots names ${id}, which is not in the directory` });
      else if (n.onCycle) problem('organization', id, 'info', { field: 'scope', message: 'the organization is in a parent cycle; it is not synced' });
      else wanted.add(n);
    }
    for (const n of wanted) {
      let p = n.parent;
      while (p && !wanted.has(p)) p = p.parent;
      if (!p) roots.push(n);
    }
  } else {
    for (const n of nodes.values()) {
      if (n.org.parentId === null) roots.push(n);
      else if (n.broken && (n.parent === null || n.onCycle))
        problem('organization', n.org.id, 'info', {
          field: 'scope',
          message: n.broken === 'cycle' ? 'the organization is in a parent cycle; it and its subtree are not synced' : `its parent ${n.org.parentId} is not in the directory; it and its subtree are not synced`,
        });
    }
  }
  roots.sort((a, b) => (a.org.id < b.org.id ? -1 : 1));

  const holdSubtree = (n: OrgNode, why: string): void => {
    const stack = [n];
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (c.state !== null) continue;
      c.state = 'held';
      if (c !== n) problem('organization', c.org.id, 'object-skipped', { field: 'parent', message: why });
      for (const ch of c.children) stack.push(ch);
    }
  };

  // Level by level: a sibling group is filtered, mapped and checked for name collisions together.
  let level: Array<{ parentKey: string | null; group: OrgNode[] }> = [{ parentKey: null, group: roots }];
  while (level.length > 0) {
    const next: typeof level = [];
    for (const { parentKey, group } of level) {
      const names = new Map<string, string>();
      for (const n of group) {
        if (n.state !== null) continue; // reached twice (cannot happen in a tree; guards against bad input)
        const key = n.org.id;
        let failed: FieldFailure | undefined;
        const fail = (f: FieldFailure): void => {
          failed ??= f;
        };
        if (mapping.organizationFilter) {
          const keep = runField(mapping.organizationFilter, n.ctx, asCondition, 'scope', fail);
          if (failed) {
            problem('organization', key, 'object-skipped', failed);
            holdSubtree(n, `parent organization ${key} could not be mapped`);
            continue;
          }
          if (keep !== true) continue; // out of scope, and so is its subtree (never visited)
        }
        const name = runField(mapping.departments.name, n.ctx, asDepartmentName, 'name', fail);
        if (name === ABSENT) {
          problem('organization', key, 'object-skipped', failed ?? { field: 'name', message: `${mapping.departments.name.path} gave no value (the department needs a name)` });
          holdSubtree(n, `parent organization ${key} could not be mapped`);
          continue;
        }
        const folded = name.toLowerCase();
        const holder = names.get(folded);
        if (holder !== undefined) {
          const message = `department name "${name}" collides with sibling organization ${holder} (names are compared case-insensitively); ${key} is left out`;
          problem('organization', key, 'object-skipped', { field: 'name', message });
          problem('organization', holder, 'info', { field: 'name', message: `department name "${name}" is also the name of sibling organization ${key}, which is left out` });
          holdSubtree(n, `parent organization ${key} could not be mapped`);
          continue;
        }
        names.set(folded, key);
        warnIfLong(key, 'name', name);
        const optional = (f: FieldFailure): void => problem('organization', key, 'field-omitted', f);
        const dept: DesiredDepartment = { key, name, parentKey };
        if (mapping.departments.name_en) {
          const v = runField(mapping.departments.name_en, n.ctx, asDepartmentName, 'name_en', optional);
          if (v !== ABSENT) {
            dept.nameEn = v;
            warnIfLong(key, 'name_en', v);
          }
        }
        if (mapping.departments.order) {
          const v = runField(mapping.departments.order, n.ctx, (x) => asInteger(x, 0, WECOM.uint32Max), 'order', optional);
          if (v !== ABSENT) dept.order = v;
        }
        if (mapping.departments.id) {
          const v = runField(mapping.departments.id, n.ctx, (x) => asInteger(x, 1, WECOM.int32Max), 'id', optional);
          if (v !== ABSENT) departmentIds.push({ key, departmentId: v });
        }
        n.state = 'in';
        departments.push(dept);
        if (n.children.length > 0) next.push({ parentKey: key, group: n.children });
      }
    }
    level = next;
  }

  // ---------------------------------------------------------------- accounts
  const accounts = canonical(input.accounts);
  for (const id of accounts.duplicates) problem('account', id, 'info', { field: 'id', message: 'the input lists this account more than once; one copy is used' });
  const entries = new Map<string, Entry>();
  for (const a of accounts.items) entries.set(a.id, { account: a, base: undefined, member: undefined });
  const baseOf = (e: Entry): Context => (e.base ??= accountBaseContext(e.account, nodes));
  const includeDisabled = def.scope.includeDisabledAccounts !== false;
  const heldAccounts: string[] = [];
  const drafts: Entry[] = [];

  for (const entry of entries.values()) {
    const a = entry.account;
    const key = a.id;
    if (!includeDisabled && a.status === 'disabled') continue;
    const all: OrgNode[] = [];
    const inScope: OrgNode[] = [];
    for (const id of accountOrganizationIds(a)) {
      const n = nodes.get(id);
      if (!n) continue;
      all.push(n);
      if (n.state !== null) inScope.push(n);
    }
    if (inScope.length === 0) continue;
    const manager = a.managerId ? entries.get(a.managerId) : undefined;
    const ctx = accountContext(a, all, manager ? baseOf(manager) : null);
    const hold = (f: FieldFailure): void => {
      problem('account', key, 'object-skipped', f);
      heldAccounts.push(key);
    };
    if (mapping.accountFilter) {
      let failed: FieldFailure | undefined;
      const keep = runField(mapping.accountFilter, ctx, asCondition, 'scope', (f) => (failed ??= f));
      if (failed) {
        hold(failed);
        continue;
      }
      if (keep !== true) continue;
    }
    const r = memberFields(mapping, ctx, a.status);
    if (r.requiredFailed) {
      for (const f of r.failures) problem('account', key, f.field === 'userid' || f.field === 'name' ? 'object-skipped' : 'field-omitted', f);
      heldAccounts.push(key);
      continue;
    }
    for (const f of r.failures) problem('account', key, 'field-omitted', f);

    const member: DesiredMember = { key, userid: r.userid!, fields: r.fields!, departmentKeys: null };
    if (r.toInvite !== undefined) member.toInvite = r.toInvite;
    if (!override) {
      let chosen = def.affiliation.mode === 'primary-only' ? inScope.slice(0, 1) : inScope;
      const heldOrg = chosen.find((n) => n.state === 'held');
      if (heldOrg) {
        hold({ field: 'department', message: `its organization ${heldOrg.org.id} could not be mapped to a department, so its affiliation is unknown` });
        continue;
      }
      if (chosen.length > WECOM.departmentsPerMember) {
        problem('account', key, 'info', { field: 'department', message: `belongs to ${chosen.length} synced organizations; WeCom allows ${WECOM.departmentsPerMember}, the first ${WECOM.departmentsPerMember} are used` });
        chosen = chosen.slice(0, WECOM.departmentsPerMember);
      }
      member.departmentKeys = chosen.map((n) => n.org.id);
      if (mapping.leader) {
        const leaderIn: string[] = [];
        for (const n of chosen) {
          const v = runField(mapping.leader, withOrganization(ctx, n.ctx), asCondition, 'is_leader_in_dept', (f) =>
            problem('account', key, 'field-omitted', { ...f, message: `${f.message} (for organization ${n.org.id})` }));
          if (v === true) leaderIn.push(n.org.id);
        }
        member.isLeaderIn = leaderIn;
      }
    }
    entry.member = member;
    drafts.push(entry);
  }

  // Duplicate userids (case-insensitive): the first by key keeps it; all are reported.
  const holderOf = new Map<string, Entry>();
  const losers = new Map<Entry, Entry[]>();
  for (const d of drafts) {
    const k = d.member!.userid.toLowerCase();
    const first = holderOf.get(k);
    if (!first) holderOf.set(k, d);
    else {
      const list = losers.get(first);
      if (list) list.push(d);
      else losers.set(first, [d]);
    }
  }
  for (const [first, list] of losers) {
    const userid = first.member!.userid;
    problem('account', first.account.id, 'info', { field: 'userid', message: `userid "${userid}" is also mapped for ${list.map((o) => o.account.id).join(', ')}; this account keeps it, the others are left out` });
    for (const d of list) {
      problem('account', d.account.id, 'object-skipped', { field: 'userid', message: `userid "${d.member!.userid}" is already mapped for ${first.account.id} (userids are compared case-insensitively); this account is left out` });
      heldAccounts.push(d.account.id);
      d.member = undefined;
    }
  }
  const members: DesiredMember[] = [];
  const leaders = (def.affiliation.directLeader ?? 'manager') === 'manager';
  for (const d of drafts) {
    const self = d.member;
    if (!self) continue;
    members.push(self);
    // direct_leader: the manager's mapped userid, when the manager is a desired member.
    const managerId = d.account.managerId;
    if (leaders && managerId && managerId !== d.account.id) {
      const boss = entries.get(managerId)?.member;
      if (boss) self.fields.direct_leader = [boss.userid].slice(0, WECOM.directLeaderMax);
    }
  }

  problems.sort(compareProblems);
  const heldOrganizations: string[] = [];
  for (const n of nodes.values()) if (n.state === 'held') heldOrganizations.push(n.org.id);
  heldOrganizations.sort();
  heldAccounts.sort();
  return { desired: { departments, members }, problems, held: { organizations: heldOrganizations, accounts: heldAccounts }, departmentIds };
}

const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function compareProblems(a: MappingProblem, b: MappingProblem): number {
  return cmpStr(a.objectType, b.objectType) || cmpStr(a.key, b.key) || cmpStr(a.field, b.field) || cmpStr(a.message, b.message);
}

