// What a pull should do, from what the server holds now and what the source owns: pure.
//
// Every pull reads the key set — (key, DN) of every OU and user entry the filters match — so
// deletions are found on every pull, and entries whose DN changed without a change of their own
// (the children of a renamed or moved OU keep their modifyTimestamp) are placed again. Full
// attributes come only for the entries read in full: all of them on a full pass, the changed ones
// (above the high-water mark) on a delta; an account the delta did not read keeps its fields.
//
// Organizations need only the key set: name from the leaf RDN, parent from the DN.
import { type CodedText, coded } from '../../messages/index.js';
import type { Account } from '../../domain/account.js';
import type { Organization } from '../../domain/organization.js';
import { dnKey, isWithin, parentKey } from './dn.js';
import { type AccountValues, type EntryError, type MapResult, organizationName } from './mapper.js';
import type { SafetySettings } from './settings.js';

export interface KeyedDn {
  key: string;
  dn: string;
}

export interface Link {
  objectId: string;
  dn: string;
}

export interface PlanInput {
  baseDn: string;
  parentOrganizationId: string | null;
  orgKeys: readonly KeyedDn[];
  userKeys: readonly KeyedDn[];
  /** The user entries read in full, mapped. */
  read: readonly MapResult[];
  links: { organizations: ReadonlyMap<string, Link>; accounts: ReadonlyMap<string, Link> };
  /** The directory objects the links name (missing ones were deleted by hand: recreated). */
  current: { organizations: ReadonlyMap<string, Organization>; accounts: ReadonlyMap<string, Account> };
  /** Usernames (lower-case) of accounts this source does not own → who owns them, for messages. */
  foreignUsernames: ReadonlyMap<string, string>;
  safety: SafetySettings;
}

/** Where an organization or account goes: another organization of this pull (by key) or a fixed id (null = top level). */
export type Placement = { key: string } | { id: string | null };

export interface OrganizationStep {
  key: string;
  dn: string;
  /** The DN at the last pull (null for a new organization). */
  previousDn: string | null;
  /** The existing organization, or null to create. */
  id: string | null;
  name: string;
  parent: Placement;
}

export interface AccountStep {
  key: string;
  dn: string;
  /** The DN at the last pull (null for a new account). */
  previousDn: string | null;
  id: string | null;
  /** New field values; null = keep the account's (a delta that did not read the entry). */
  fields: AccountValues | null;
  enabled: boolean | null;
  organization: Placement;
  /** The manager by key; null = none; undefined = leave as is. */
  managerKey: string | null | undefined;
  /** Enabled now, disabled by this pull. */
  disabling: boolean;
}

export interface Removal {
  key: string;
  id: string;
  dn: string;
}

export interface PullPlan {
  /** Parents first. */
  organizations: OrganizationStep[];
  accounts: AccountStep[];
  deleteAccounts: Removal[];
  /** Deepest first. */
  deleteOrganizations: Removal[];
  errors: EntryError[];
  /** Why the pull must be held for approval; null = within the safety threshold. */
  held: CodedText | null;
}

const depth = (dn: string): number => dnKey(dn).split(',').length;

/** The nearest organization (by key) above a DN (given as its comparison key) inside the base DN, or null. */
function nearestOrganization(key: string, base: string, orgByDn: ReadonlyMap<string, string>): string | null {
  for (let k = parentKey(key); k !== '' && isWithin(k, base); k = parentKey(k)) {
    const org = orgByDn.get(k);
    if (org !== undefined) return org;
  }
  return null;
}

function threshold(safety: SafetySettings, owned: number): number {
  return Math.max(safety.minimum, Math.floor(safety.maxFraction * owned));
}

export function planPull(input: PlanInput): PullPlan {
  const base = dnKey(input.baseDn);
  const errors: EntryError[] = [];
  const fixed: Placement = { id: input.parentOrganizationId };

  // ---------------------------------------------------------------- organizations
  const orgByDn = new Map<string, string>();
  const seenOrg = new Set<string>();
  const orgKeys = input.orgKeys.filter((o) => {
    if (seenOrg.has(o.key)) return false;
    seenOrg.add(o.key);
    return true;
  });
  const orgDnKey = new Map<string, string>(orgKeys.map((o) => [o.key, dnKey(o.dn)]));
  for (const o of orgKeys) orgByDn.set(orgDnKey.get(o.key)!, o.key);
  const organizations: OrganizationStep[] = [];
  for (const o of [...orgKeys].sort((a, b) => depth(a.dn) - depth(b.dn) || (a.dn < b.dn ? -1 : 1))) {
    const name = organizationName(o.dn);
    if (name === '') {
      errors.push({ dn: o.dn, ...coded('row.ldap-ou-no-name') });
      continue;
    }
    const parent = nearestOrganization(orgDnKey.get(o.key)!, base, orgByDn);
    const link = input.links.organizations.get(o.key);
    const id = link && input.current.organizations.has(link.objectId) ? link.objectId : null;
    organizations.push({ key: o.key, dn: o.dn, previousDn: id !== null ? link!.dn : null, id, name, parent: parent !== null ? { key: parent } : fixed });
  }

  // ---------------------------------------------------------------- accounts
  const userDn = new Map<string, string>(); // dnKey → account key, for managers
  const userKeys = new Map<string, KeyedDn>();
  const userDnKey = new Map<string, string>();
  for (const u of input.userKeys) {
    const k = dnKey(u.dn);
    userKeys.set(u.key, u);
    userDnKey.set(u.key, k);
    userDn.set(k, u.key);
  }
  const readByKey = new Map<string, MapResult & { ok: true }>();
  for (const r of input.read) {
    if (!r.ok) errors.push(r.error);
    else if (userKeys.has(r.account.key)) readByKey.set(r.account.key, r);
  }
  const failed = new Set(input.read.filter((r) => !r.ok).map((r) => r.error.dn));
  const accountIdToKey = new Map<string, string>();
  for (const [key, l] of input.links.accounts) accountIdToKey.set(l.objectId, key);

  const candidates: AccountStep[] = [];
  for (const u of userKeys.values()) {
    if (failed.has(u.dn)) continue;
    const link = input.links.accounts.get(u.key);
    const current = link ? input.current.accounts.get(link.objectId) : undefined;
    const r = readByKey.get(u.key);
    if (!r && !current) continue; // not read and not known: the caller reads such entries in full
    const orgKey = nearestOrganization(userDnKey.get(u.key)!, base, orgByDn);
    if (orgKey === null && input.parentOrganizationId === null) {
      errors.push({ dn: u.dn, ...coded('row.ldap-no-ou') });
      continue;
    }
    const organization: Placement = orgKey !== null ? { key: orgKey } : fixed;
    if (r) {
      const a = r.account;
      const managerKey = a.managerDn === null ? null : (userDn.get(dnKey(a.managerDn)) ?? null);
      candidates.push({
        key: u.key,
        dn: u.dn,
        previousDn: current ? link!.dn : null,
        id: current?.id ?? null,
        fields: a.fields,
        enabled: a.enabled,
        organization,
        managerKey: managerKey === u.key ? null : managerKey,
        disabling: current !== undefined && current.status === 'enabled' && !a.enabled,
      });
    } else {
      candidates.push({ key: u.key, dn: u.dn, previousDn: link!.dn, id: current!.id, fields: null, enabled: null, organization, managerKey: undefined, disabling: false });
    }
  }

  // usernames: unique among this pull's accounts and not taken by an account another source (or a person) owns
  const byName = new Map<string, AccountStep[]>();
  for (const c of candidates) {
    const name = (c.fields?.username ?? input.current.accounts.get(c.id!)!.username).toLowerCase();
    byName.set(name, [...(byName.get(name) ?? []), c]);
  }
  const rejected = new Set<AccountStep>();
  for (const [name, list] of byName) {
    const owner = input.foreignUsernames.get(name);
    if (owner !== undefined) {
      for (const c of list) {
        rejected.add(c);
        errors.push({ dn: c.dn, ...coded('row.ldap-username-taken', { username: name, owner }) });
      }
      continue;
    }
    if (list.length < 2) continue;
    // the account that already has the name keeps it; while none does, the name is ambiguous and every entry is reported
    const keeper = list.find((c) => c.id !== null && input.current.accounts.get(c.id)?.username.toLowerCase() === name);
    const others = list.filter((c) => c !== keeper);
    for (const c of others) {
      rejected.add(c);
      const rest = list.filter((x) => x !== c).map((x) => x.dn);
      errors.push({ dn: c.dn, ...coded(rest.length > 1 ? 'row.ldap-username-duplicate-many' : 'row.ldap-username-duplicate', { username: name, others: rest.join(', ') }) });
    }
  }
  const accounts = candidates.filter((c) => !rejected.has(c));

  // ---------------------------------------------------------------- deletions: owned keys no longer in the key set
  const deleteAccounts: Removal[] = [];
  for (const [key, l] of input.links.accounts) if (!userKeys.has(key) && input.current.accounts.has(l.objectId)) deleteAccounts.push({ key, id: l.objectId, dn: l.dn });
  const deleteOrganizations: Removal[] = [];
  for (const [key, l] of input.links.organizations)
    if (!seenOrg.has(key) && input.current.organizations.has(l.objectId)) deleteOrganizations.push({ key, id: l.objectId, dn: l.dn });
  deleteOrganizations.sort((a, b) => depth(b.dn) - depth(a.dn) || (a.dn < b.dn ? -1 : 1));

  // ---------------------------------------------------------------- safety
  const ownedAccounts = [...input.links.accounts.values()].filter((l) => input.current.accounts.has(l.objectId)).length;
  const ownedOrgs = [...input.links.organizations.values()].filter((l) => input.current.organizations.has(l.objectId)).length;
  const removing = deleteAccounts.length + accounts.filter((a) => a.disabling).length;
  let held: CodedText | null = null;
  if (input.userKeys.length === 0 && ownedAccounts > 0) held = coded('held.no-users', { owned: ownedAccounts });
  else if (removing > threshold(input.safety, ownedAccounts))
    held = coded('held.accounts', { n: removing, owned: ownedAccounts, allowed: threshold(input.safety, ownedAccounts) });
  else if (deleteOrganizations.length > threshold(input.safety, ownedOrgs))
    held = coded('held.organizations', { n: deleteOrganizations.length, owned: ownedOrgs, allowed: threshold(input.safety, ownedOrgs) });

  return { organizations, accounts, deleteAccounts, deleteOrganizations, errors, held };
}
