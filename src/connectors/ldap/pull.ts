// One pull of an LDAP source: read the server (key set every time; full attributes for everything
// on a full pass, above the high-water mark on a delta), plan (./plan.ts, pure), and apply the plan
// through the Directory in ONE transaction together with the source's links, its new high-water
// mark and the pull record — so a pull killed half-way leaves nothing half-done, and the next
// pull starts from the mark of the last one that committed.
//
// OpenLDAP: the mark is the largest modifyTimestamp read; a delta asks for modifyTimestamp >= mark
// (equal stamps are read again and change nothing). AD: the mark is the highestCommittedUSN read
// from the root DSE before the search, with the DC's dnsHostName and invocationID; a delta asks for
// uSNChanged > mark, and another DC or invocationID (a restore) forces a full pass. Deletions come
// from the key set on every pull (AD tombstones need no Show Deleted control that way).
import { type CodedText, type TextParams, clause, clauseOf, coded } from '../../messages/index.js';
import type { Account } from '../../domain/account.js';
import type { Organization } from '../../domain/organization.js';
import type { Directory, DirectoryWriter } from '../../directory/directory.js';
import { newId } from '../../store/index.js';
import { PullHeldError } from './errors.js';
import { readLinks, saveLink, updateLinkDn } from './links.js';
import { type EntryError, LdapMapping, laterStamp } from './mapper.js';
import { type KeyedDn, type Placement, type PullPlan, planPull } from './plan.js';
import type { LdapReader } from './reader.js';
import { type LdapSettings, orgFilterOf, userFilterOf } from './settings.js';
import { type RawEntry, first } from './values.js';

export interface Cursor {
  flavor: 'openldap' | 'ad';
  /** OpenLDAP: the largest modifyTimestamp read. */
  modifyTimestamp?: string;
  /** AD: highestCommittedUSN before the last search, of this DC and invocation. */
  usn?: string;
  dc?: string;
  invocationId?: string;
}

export interface PullCounters {
  organizations: { created: number; updated: number; deleted: number; unchanged: number };
  accounts: { created: number; updated: number; disabled: number; deleted: number; unchanged: number };
}

export interface PullResult extends PullCounters {
  mode: 'full' | 'delta';
  errors: EntryError[];
}

export interface PullOptions {
  full?: boolean;
  /** Apply even over the safety threshold. */
  approve?: boolean;
}

interface SourceRef {
  id: string;
  name: string;
  settings: LdapSettings;
  cursor: Cursor | null;
}

/**
 * An invalid mobile is a bad entry (refused by the mapper); an e-mail or telephone the directory
 * cannot normalise is kept as the server has it, and what WeCom cannot take is reported by the sync
 * for that account (src/connectors/README.md).
 */
const AS_GIVEN = { contactsAsGiven: true } as const;

const emptyCounters = (): PullCounters => ({
  organizations: { created: 0, updated: 0, deleted: 0, unchanged: 0 },
  accounts: { created: 0, updated: 0, disabled: 0, deleted: 0, unchanged: 0 },
});

/** A directory write's refusal as an entry error's text: its English, with its code when it has one. */
function textOf(err: unknown): { message: string; code?: string; params?: TextParams } {
  const c = clauseOf(err);
  return typeof c === 'object' ? { message: (err as Error).message, code: c.code, ...(c.params ? { params: c.params } : {}) } : { message: String(c) };
}

/** Escapes a value for an LDAP filter (RFC 4515). */
function filterValue(v: string): string {
  return v.replace(/[\\*()\u0000]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

interface Read {
  mode: 'full' | 'delta';
  orgKeys: KeyedDn[];
  userKeys: KeyedDn[];
  entries: RawEntry[];
  cursor: Cursor;
  keyErrors: EntryError[];
}

/** Reads what the pull needs from the server. `known(key)`: the source owns an existing object for this user key. */
async function readServer(reader: LdapReader, src: SourceRef, mapping: LdapMapping, full: boolean, known: (key: string) => boolean): Promise<Read> {
  const s = src.settings;
  const userFilter = userFilterOf(s);
  let mode: 'full' | 'delta' = full || src.cursor === null || src.cursor.flavor !== s.flavor ? 'full' : 'delta';
  let cursor: Cursor;
  let deltaFilter: string | null = null;
  if (s.flavor === 'ad') {
    const dse = await reader.rootDse(['highestCommittedUSN', 'dsServiceName', 'dnsHostName']);
    const usn = first(dse, 'highestCommittedUSN') ?? '0';
    const dc = first(dse, 'dnsHostName') ?? '';
    const service = first(dse, 'dsServiceName');
    const ntds = service ? await reader.entry(service, ['invocationId']) : null;
    const invocationId = ntds ? (first(ntds, 'invocationId') ?? '') : '';
    if (mode === 'delta' && (src.cursor!.dc !== dc || src.cursor!.invocationId !== invocationId || !src.cursor!.usn)) mode = 'full';
    if (mode === 'delta') deltaFilter = `(uSNChanged>=${BigInt(src.cursor!.usn!) + 1n})`;
    cursor = { flavor: 'ad', usn, dc, invocationId };
  } else {
    if (mode === 'delta' && !src.cursor!.modifyTimestamp) mode = 'full';
    if (mode === 'delta') deltaFilter = `(modifyTimestamp>=${filterValue(src.cursor!.modifyTimestamp!)})`;
    cursor = { flavor: 'openldap', ...(src.cursor?.modifyTimestamp ? { modifyTimestamp: src.cursor.modifyTimestamp } : {}) };
  }

  const keyErrors: Read['keyErrors'] = [];
  // an entry whose stable key the bind DN cannot read cannot be matched to what the source owns: reported, left out
  const keyed = (list: KeyedDn[]): KeyedDn[] =>
    list.filter((k) => {
      if (k.key === '') keyErrors.push({ dn: k.dn, ...coded('row.ldap-key-missing', { attribute: mapping.keyAttribute }) });
      return k.key !== '';
    });
  const orgKeys = keyed(await reader.keys(s.baseDn, orgFilterOf(s), mapping.keyAttribute));
  const userKeys = keyed(await reader.keys(s.baseDn, userFilter, mapping.keyAttribute));
  const attrs = mapping.attributes;
  let entries = await reader.entries(s.baseDn, deltaFilter ? `(&${userFilter}${deltaFilter})` : userFilter, attrs);
  if (mode === 'delta') {
    // entries the source does not know and the delta did not bring (a filter widened, a link removed by hand, a bad entry fixed without a change): read them too
    const read = new Set(entries.map((e) => first(e, mapping.keyAttribute)?.toLowerCase() ?? ''));
    const missing = userKeys.filter((u) => !read.has(u.key) && !known(u.key));
    if (missing.length > 50) {
      mode = 'full';
      entries = await reader.entries(s.baseDn, userFilter, attrs);
    } else for (const m of missing) {
      const e = await reader.entry(m.dn, attrs);
      if (e) entries.push(e);
    }
  }
  if (s.flavor === 'openldap') {
    let mark = cursor.modifyTimestamp ?? null;
    for (const e of entries) mark = laterStamp(mark, first(e, 'modifyTimestamp'));
    if (mark) cursor.modifyTimestamp = mark;
  }
  return { mode, orgKeys, userKeys, entries, cursor, keyErrors };
}

/**
 * Pulls once. `open` connects to the server (the caller holds the password). Throws PullHeldError
 * (nothing applied) when the plan is over the safety threshold and not approved.
 */
export async function pullSource(directory: Directory, src: SourceRef, open: () => Promise<LdapReader>, opts: PullOptions = {}): Promise<PullResult> {
  const store = directory.store;
  const mapping = new LdapMapping(src.settings);
  const started = new Date().toISOString();
  const before = await readLinks(store.db, src.id);
  const existingAccounts = new Set((await store.db.selectFrom('accounts').select('id').execute()).map((r) => r.id));
  const reader = await open();
  let read: Read;
  try {
    read = await readServer(reader, src, mapping, opts.full === true, (key) => {
      const l = before.accounts.get(key);
      return l !== undefined && existingAccounts.has(l.objectId);
    });
  } finally {
    await reader.close();
  }
  const mapped = read.entries.map((e) => mapping.mapAccount(e));

  return directory.transaction(async (w) => {
    const links = await readLinks(w.trx, src.id);
    const snapshot = await directory.snapshot(w.trx);
    const orgs = new Map(snapshot.organizations.map((o) => [o.id, o]));
    const accounts = new Map(snapshot.accounts.map((a) => [a.id, a]));
    const ownedIds = new Set([...links.accounts.values()].map((l) => l.objectId));
    const foreignUsernames = new Map<string, string>();
    for (const a of snapshot.accounts) if (!ownedIds.has(a.id)) foreignUsernames.set(a.username.toLowerCase(), `account "${a.username}" (${a.id})`);
    const plan = planPull({
      baseDn: src.settings.baseDn,
      parentOrganizationId: src.settings.parentOrganizationId,
      orgKeys: read.orgKeys,
      userKeys: read.userKeys,
      read: mapped,
      links,
      current: { organizations: orgs, accounts },
      foreignUsernames,
      safety: src.settings.safety,
    });
    if (plan.held && !opts.approve) {
      const disabling = plan.accounts.filter((a) => a.disabling).length;
      throw new PullHeldError(coded('error.pull-held', { name: src.name, held: clause(plan.held) }), {
        organizations: { deleted: plan.deleteOrganizations.length },
        accounts: { deleted: plan.deleteAccounts.length, disabled: disabling },
      });
    }
    const result = await applyPlan(w, src.id, plan, orgs, accounts);
    await w.trx.updateTable('sources').set({ cursor: JSON.stringify(read.cursor) }).where('id', '=', src.id).execute();
    const seen = new Set<string>();
    const errors = [...read.keyErrors, ...plan.errors, ...result.errors].filter((e) => {
      const k = `${e.dn}\n${e.message}`;
      return !seen.has(k) && seen.add(k) !== undefined;
    });
    const out: PullResult = { mode: read.mode, ...result, errors };
    await w.trx
      .insertInto('source_pulls')
      .values({ id: newId('pull'), source_id: src.id, mode: read.mode, status: out.errors.length > 0 ? 'errors' : 'ok', started_at: started, finished_at: new Date().toISOString(), result: JSON.stringify(out) })
      .execute();
    return out;
  });
}

async function applyPlan(
  w: DirectoryWriter,
  sourceId: string,
  plan: PullPlan,
  orgs: ReadonlyMap<string, Organization>,
  accounts: ReadonlyMap<string, Account>,
): Promise<PullCounters & { errors: EntryError[] }> {
  const c = emptyCounters();
  const errors: EntryError[] = [];
  const orgId = new Map<string, string>(); // key → organization id, for this pull
  const failedOrgs = new Map<string, string>(); // key → DN
  const place = (p: Placement): string | null | undefined => ('id' in p ? p.id : orgId.get(p.key));
  const placementProblem = (p: Placement): CodedText => ('key' in p && failedOrgs.has(p.key) ? coded('row.ldap-ou-failed', { dn: failedOrgs.get(p.key)! }) : coded('row.ldap-ou-unplaced'));

  for (const o of plan.organizations) {
    const parentId = place(o.parent);
    if (parentId === undefined) {
      errors.push({ dn: o.dn, ...placementProblem(o.parent) });
      failedOrgs.set(o.key, o.dn);
      continue;
    }
    try {
      if (o.id === null) {
        const created = await w.createOrganization({ name: o.name, parentId });
        await saveLink(w.trx, sourceId, 'organization', o.key, created.id, o.dn);
        orgId.set(o.key, created.id);
        c.organizations.created++;
      } else {
        const before = orgs.get(o.id)!;
        orgId.set(o.key, o.id);
        if (o.previousDn !== o.dn) await updateLinkDn(w.trx, sourceId, 'organization', o.key, o.dn);
        if (before.name === o.name && before.parentId === parentId) {
          c.organizations.unchanged++; // nothing to write (most organizations on most pulls)
          continue;
        }
        const after = await w.updateOrganization(o.id, { name: o.name, parentId });
        if (after.version !== before.version) c.organizations.updated++;
        else c.organizations.unchanged++;
      }
    } catch (err) {
      errors.push({ dn: o.dn, ...textOf(err) });
      failedOrgs.set(o.key, o.dn);
      if (o.id !== null) orgId.set(o.key, o.id);
    }
  }

  // accounts, first without managers (a manager may be created later in the same pull)
  const accountId = new Map<string, string>();
  for (const [key, id] of [...plan.accounts].filter((a) => a.id !== null).map((a) => [a.key, a.id!] as const)) accountId.set(key, id);
  const outcome = new Map<string, 'created' | 'updated' | 'disabled' | 'unchanged'>();
  for (const a of plan.accounts) {
    const organizationId = place(a.organization);
    if (organizationId === undefined || organizationId === null) {
      errors.push({ dn: a.dn, ...placementProblem(a.organization) });
      accountId.delete(a.key);
      continue;
    }
    try {
      if (a.id === null) {
        const f = a.fields!;
        const created = await w.createAccount({ ...f, organizationIds: [organizationId], primaryOrganizationId: organizationId, status: a.enabled === false ? 'disabled' : 'enabled' }, AS_GIVEN);
        await saveLink(w.trx, sourceId, 'account', a.key, created.id, a.dn);
        accountId.set(a.key, created.id);
        outcome.set(a.key, 'created');
      } else {
        const before = accounts.get(a.id)!;
        if (a.previousDn !== a.dn) await updateLinkDn(w.trx, sourceId, 'account', a.key, a.dn);
        if (a.fields === null && a.enabled === null && before.primaryOrganizationId === organizationId) {
          outcome.set(a.key, 'unchanged'); // not read again (a delta) and still in its organization: nothing to write
          continue;
        }
        // the primary organization follows the entry; other memberships (given by hand) stay
        const organizationIds = before.primaryOrganizationId === organizationId ? before.organizationIds : [organizationId, ...before.organizationIds.filter((x) => x !== before.primaryOrganizationId && x !== organizationId)];
        const patch = {
          ...(a.fields ?? {}),
          ...(a.enabled !== null ? { status: a.enabled ? ('enabled' as const) : ('disabled' as const) } : {}),
          organizationIds,
          primaryOrganizationId: organizationId,
        };
        const after = await w.updateAccount(a.id, patch, AS_GIVEN);
        outcome.set(a.key, a.disabling ? 'disabled' : after.version !== before.version ? 'updated' : 'unchanged');
      }
    } catch (err) {
      errors.push({ dn: a.dn, ...textOf(err) });
      if (a.id === null) accountId.delete(a.key);
    }
  }
  // managers, once every account of the pull exists
  for (const a of plan.accounts) {
    if (a.managerKey === undefined || !outcome.has(a.key)) continue;
    const id = accountId.get(a.key)!;
    const managerId = a.managerKey === null ? null : (accountId.get(a.managerKey) ?? null);
    try {
      const now = a.id === null ? null : (accounts.get(a.id)?.managerId ?? null);
      if (a.id !== null && now === managerId) continue;
      if (a.id === null && managerId === null) continue;
      await w.updateAccount(id, { managerId });
      if (outcome.get(a.key) === 'unchanged') outcome.set(a.key, 'updated');
    } catch (err) {
      errors.push({ dn: a.dn, ...coded('row.ldap-manager', { detail: clauseOf(err) }) });
    }
  }
  for (const o of outcome.values()) c.accounts[o]++;

  for (const d of plan.deleteAccounts) {
    try {
      await w.deleteAccount(d.id);
      c.accounts.deleted++;
    } catch (err) {
      errors.push({ dn: d.dn, ...coded('row.ldap-delete-account', { detail: clauseOf(err) }) });
    }
  }
  for (const d of plan.deleteOrganizations) {
    try {
      await w.deleteOrganization(d.id);
      c.organizations.deleted++;
    } catch (err) {
      errors.push({ dn: d.dn, ...coded('row.ldap-delete-organization', { detail: clauseOf(err) }) });
    }
  }
  return { ...c, errors };
}
