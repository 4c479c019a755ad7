// Stage "plan": desired state + links (with the adopted ones) + observed id lists + policies →
// the ordered plan (src/sync/planner, pure). This stage only decides what the planner is given:
// which userids WeCom keeps, which keys are planned, the id floor (the connection's and its company's).
import type { DesiredState } from '../../domain/desired.js';
import type { Links, MemberLink } from '../../domain/link.js';
import type { Plan } from '../../domain/plan.js';
import { mobileKey, type MatchingRules } from '../../mapping/definitions/index.js';
import { planSync } from '../planner/index.js';
import { noted } from '../planner/context.js';
import type { PlannerInput, PlannerOptions } from '../planner/types.js';
import { linksForPlanning, type StoredLinks } from '../state/links.js';
import type { SyncCursor } from '../state/cursors.js';
import { adoptedLinks, type Adoption } from './adopt.js';
import type { MappedDirectory } from './map.js';
import type { ObservedRead } from './observe.js';
import { plannerSettings, type SyncConnection } from './prepare.js';

interface PlanInput {
  connection: SyncConnection;
  mapped: MappedDirectory;
  observed: ObservedRead;
  links: StoredLinks;
  cursor: SyncCursor;
  /** the company's department id mark (state/department-ids.ts): new ids are chosen above it too */
  corpMark?: number;
  /** the company creator's userids as WeCom revealed them (301005): never deleted or disabled */
  creators?: readonly string[];
  adoption: Adoption;
  options?: Omit<PlannerOptions, 'departmentIdFloor'>;
  /** The mapping's matching rules: the member rules also pair a re-hired account with the member a deleted one left. */
  matching?: MatchingRules;
  /** Incremental runs: linked keys not named by the run whose directory object is deleted (see releaseCandidates). */
  released?: { departments: string[]; members: string[] };
  /** Full runs: the orphans whose removal an admin requested (state/orphans.ts decisions). */
  orphanRemovals?: PlannerInput['orphanRemovals'];
}

export function planRun(input: PlanInput): Plan {
  const links = withAdopted(linksForPlanning(input.links), adoptedLinks(input.adoption));
  const { desired } = input.mapped;
  alignUserids(desired, links.members);
  const scope = planScope(input.mapped, links);
  const plan = planSync({
    desired,
    links,
    observed: input.observed.observed,
    settings: { ...plannerSettings(input.connection), ...(input.creators?.length ? { protectedUserids: input.creators } : {}) },
    options: { ...input.options, departmentIdFloor: Math.max(input.cursor.departmentIdFloor, input.corpMark ?? 0) },
    ...(scope ? { scope } : {}),
    ...(input.released ? { released: input.released } : {}),
    ...(input.matching?.members.length ? { rehireBy: input.matching.members } : {}),
    ...(input.orphanRemovals ? { orphanRemovals: input.orphanRemovals } : {}),
  });
  plan.warnings = [...input.adoption.warnings, ...input.observed.warnings, ...plan.warnings];
  return plan;
}

/**
 * An incremental run plans only the keys its changes name, so a link left by an account deleted
 * in an earlier run is not known to be free. These are the linked keys worth asking the directory
 * about: not named by the run, and holding the userid (or, per the matching rules, the mobile or
 * e-mail last written) of a new account the run plans. Departments: links not named by the run
 * whose last-written name is the name of a new organization the run plans.
 */
export function releaseCandidates(mapped: MappedDirectory, stored: StoredLinks, matching: MatchingRules | undefined): { departments: string[]; members: string[] } {
  const out = { departments: [] as string[], members: [] as string[] };
  const affected = mapped.affected;
  if (!affected) return out;
  const linkedAccounts = new Set(stored.members.map((l) => l.key));
  const rules = new Set(matching?.members ?? []);
  const wanted = new Set<string>();
  for (const m of mapped.desired.members) {
    if (!affected.accounts.has(m.key) || linkedAccounts.has(m.key)) continue;
    wanted.add(`u:${m.userid.toLowerCase()}`);
    const mk = rules.has('mobile') ? mobileKey(m.fields.mobile) : undefined;
    if (mk) wanted.add(`m:${mk}`);
    if (rules.has('email') && m.fields.email?.includes('@')) wanted.add(`e:${m.fields.email.trim().toLowerCase()}`);
  }
  if (wanted.size > 0)
    for (const l of stored.members) {
      if (affected.accounts.has(l.key)) continue;
      const mk = mobileKey(l.shadow?.mobile);
      const email = l.shadow?.email?.trim().toLowerCase();
      if (wanted.has(`u:${l.userid.toLowerCase()}`) || (mk && wanted.has(`m:${mk}`)) || (email && wanted.has(`e:${email}`))) out.members.push(l.key);
    }
  const linkedOrgs = new Set(stored.departments.map((l) => l.key));
  const names = new Set(mapped.desired.departments.filter((d) => affected.organizations.has(d.key) && !linkedOrgs.has(d.key)).map((d) => d.name));
  if (names.size > 0) for (const l of stored.departments) if (!affected.organizations.has(l.key) && l.shadow && names.has(l.shadow.name)) out.departments.push(l.key);
  return out;
}

/** Links with the adopted ones replacing any stored link of the same key. */
function withAdopted(links: Links, adopted: Links): Links {
  if (adopted.departments.length + adopted.members.length === 0) return links;
  const dk = new Set(adopted.departments.map((l) => l.key));
  const mk = new Set(adopted.members.map((l) => l.key));
  return {
    departments: [...links.departments.filter((l) => !dk.has(l.key)), ...adopted.departments],
    members: [...links.members.filter((l) => !mk.has(l.key)), ...adopted.members],
  };
}

/**
 * The keys the planner plans. An incremental run: the affected keys. A full run: every key — but
 * objects the mapping held back (a failed required field, a collision) are left as they are, never
 * treated as deleted. undefined = every key (a plain full reconcile).
 */
function planScope(mapped: MappedDirectory, links: Links): { departments: string[]; members: string[] } | undefined {
  const heldOrgs = new Set(mapped.held.organizations);
  const heldAccounts = new Set(mapped.held.accounts);
  if (mapped.affected) {
    return {
      departments: [...mapped.affected.organizations].filter((k) => !heldOrgs.has(k)).sort(),
      members: [...mapped.affected.accounts].filter((k) => !heldAccounts.has(k)).sort(),
    };
  }
  if (heldOrgs.size === 0 && heldAccounts.size === 0) return undefined;
  const departments = new Set([...mapped.desired.departments.map((d) => d.key), ...links.departments.map((l) => l.key)]);
  const members = new Set([...mapped.desired.members.map((d) => d.key), ...links.members.map((l) => l.key)]);
  return { departments: [...departments].filter((k) => !heldOrgs.has(k)).sort(), members: [...members].filter((k) => !heldAccounts.has(k)).sort() };
}

/**
 * Keeps the userid WeCom already has where renaming it would be refused: WeCom renames a userid
 * (`new_userid`) only once, and only one WeCom generated itself (301036 otherwise). So
 *  - a linked member whose desired userid differs from the link only in case (adopted `Alice` for
 *    username `alice`) keeps WeCom's spelling (WeCom compares userids case-insensitively);
 *  - a member adopted by matching (origin 'matched': found by userid, mobile or e-mail) keeps its
 *    WeCom userid whatever the mapping computes.
 * direct_leader values naming such a member are translated to the userid WeCom has, and drop
 * managers that will not exist in WeCom (a disabled account never synced), which WeCom would
 * refuse with 40003.
 */
function alignUserids(desired: DesiredState, links: ReadonlyArray<Pick<MemberLink, 'key' | 'userid' | 'origin'>>): void {
  const byKey = new Map(links.map((l) => [l.key, l]));
  const spelling = new Map<string, string>();
  for (const m of desired.members) {
    const link = byKey.get(m.key);
    if (link !== undefined && link.userid !== m.userid && (link.origin === 'matched' || link.userid.toLowerCase() === m.userid.toLowerCase())) {
      spelling.set(m.userid.toLowerCase(), link.userid);
      m.userid = link.userid;
    }
    spelling.set(m.userid.toLowerCase(), m.userid);
  }
  // a disabled account without a member is never created (nothing to disable): it cannot lead anyone
  const absent = new Set(desired.members.filter((m) => m.fields.enable === 0 && !byKey.has(m.key)).map((m) => m.userid.toLowerCase()));
  for (const m of desired.members) {
    if (!m.fields.direct_leader) continue;
    m.fields.direct_leader = m.fields.direct_leader.map((u) => spelling.get(u.toLowerCase()) ?? u).filter((u) => !absent.has(u.toLowerCase()));
  }
}

/**
 * After a saved mapping change (the fingerprint differs from the one the last full run applied),
 * an update of an object the directory did not change since the cursor is the mapping's doing:
 * its reason says "mapping changed" instead of "changed in directory". `changedInDirectory`: the
 * objects (organization and account ids) in the change feed after the cursor.
 */
export function labelMappingChanges(plan: Plan, changedInDirectory: ReadonlySet<string>): number {
  let n = 0;
  for (const op of plan.operations) {
    if (op.reason.cause !== 'changed in directory' || changedInDirectory.has(op.key)) continue;
    op.reason.cause = 'mapping changed';
    if (op.reason.detail === undefined) Object.assign(op.reason, noted('note.mapping-changed'));
    n++;
  }
  return n;
}
