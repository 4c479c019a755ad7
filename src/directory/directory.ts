// The directory: the source of truth that WeCom is kept in step with. Every write validates the
// tree and account rules inside a serialised write transaction (Store.write), bumps the object's
// version and appends to the change feed in that same transaction.
import { sql } from 'kysely';
import {
  type Account, type AccountCreate, type AccountFields, type AccountPatch,
  ACCOUNT_FIELDS, ACCOUNT_FIELD_SPECS, GENDERS, checkAccountFields, diffAccount, normalizeMobile, orderOrganizations, usernameKey,
} from '../domain/account.js';
import type { Change, ChangeOperation, ObjectType } from '../domain/change.js';
import { type FieldError, type Status, CONTROL_CHARS, STATUSES, charLength, checkAttributes, fieldError } from '../domain/common.js';
import { coded } from '../messages/index.js';
import { pickFields } from '../domain/fields.js';
import {
  type Organization, type OrganizationCreate, type OrganizationFields, type OrganizationPatch,
  ORGANIZATION_FIELDS, ORGANIZATION_FIELD_SPECS, PATH_SEPARATOR, checkOrganizationFields, diffOrganization,
} from '../domain/organization.js';
import { type ChangeInput, appendChanges, latestSequence, readChanges } from '../store/changes.js';
import { newId } from '../store/ids.js';
import type { AccountsTable, OrganizationsTable } from '../store/schema.js';
import { bulkInsert } from '../store/bulk.js';
import { type DB, type Store, type Tx, chunk } from '../store/store.js';
import { isUniqueViolation } from '../store/errors.js';
import { ConflictError, NotFoundError, ValidationError, validationFrom } from './errors.js';
import { findManagerCycle, managerCycleError } from './managers.js';
import { ACCOUNT_BULK, ORGANIZATION_BULK, accountFromRow, accountToRow, organizationFromRow, organizationToRow } from './rows.js';

interface Page<T> {
  items: T[];
  /** Pass as `after` to get the next page; null on the last page. */
  nextCursor: string | null;
  /** How many objects match the filters over all pages (when asked for). */
  total?: number;
}

interface OrganizationFilter {
  /** An id, or null for root organizations. */
  parentId?: string | null;
  status?: Status;
  externalId?: string;
  code?: string;
  /** Case-insensitive substring of the name. */
  q?: string;
  limit?: number;
  after?: string;
}

interface AccountFilter {
  status?: Status;
  /** Direct members of this organization. */
  organizationId?: string;
  externalId?: string;
  username?: string;
  email?: string;
  mobile?: string;
  /** Case-insensitive substring of username or display name. */
  q?: string;
  limit?: number;
  after?: string;
  /** Also return `total`: how many accounts match the filters, over all pages. */
  count?: boolean;
}

export interface WriteOptions {
  /** Optimistic concurrency: fail with ConflictError unless the object is at this version. */
  expectedVersion?: number;
}

export interface AccountWriteOptions extends WriteOptions {
  /**
   * Keep a mobile, e-mail or telephone that fails its format as given (trimmed) instead of
   * refusing the write: a source such as a SCIM endpoint stores what its identity provider sent
   * (`555-0100`, `bob@localhost`), and what WeCom cannot take is reported by the sync per object.
   */
  contactsAsGiven?: boolean;
}

/**
 * Several directory writes in one transaction and one change-feed batch (Directory.transaction).
 * `trx` lets a source (src/connectors) write its own rows — links from its keys to directory ids —
 * in the same transaction, so the two never disagree.
 */
export interface DirectoryWriter {
  readonly trx: Tx;
  createOrganization(input: OrganizationCreate): Promise<Organization>;
  updateOrganization(id: string, patch: OrganizationPatch, opts?: WriteOptions): Promise<Organization>;
  deleteOrganization(id: string, opts?: WriteOptions): Promise<void>;
  createAccount(input: AccountCreate, opts?: AccountWriteOptions): Promise<Account>;
  updateAccount(id: string, patch: AccountPatch, opts?: AccountWriteOptions): Promise<Account>;
  deleteAccount(id: string, opts?: WriteOptions): Promise<void>;
}

/** Everything the directory holds, as one consistent read (for import planning and full syncs). */
export interface DirectorySnapshot {
  organizations: Organization[];
  accounts: Account[];
}

/** A bulk write computed from a snapshot (by the importer). Objects carry their final state. */
export interface BatchPlan {
  organizations: { create: Organization[]; update: Array<{ after: Organization; changedFields: string[] }> };
  accounts: { create: Account[]; update: Array<{ after: Account; changedFields: string[] }> };
}

interface BatchResult {
  /** Number of change-feed entries appended. */
  changes: number;
}

const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 100;

const now = (): string => new Date().toISOString();

function describeOrg(o: { id: string; name: string }): string {
  return `"${o.name}" (${o.id})`;
}

function checkStatus(errors: FieldError[], status: unknown): void {
  if (status !== undefined && !STATUSES.includes(status as Status)) errors.push(fieldError('status', 'invalid.status'));
}

export class Directory {
  constructor(readonly store: Store) {}

  private get db(): DB {
    return this.store.db;
  }

  // ------------------------------------------------------------------ organizations: reads

  async getOrganization(id: string, db: DB | Tx = this.db): Promise<Organization | undefined> {
    const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? organizationFromRow(row) : undefined;
  }

  async requireOrganization(id: string, db: DB | Tx = this.db): Promise<Organization> {
    const o = await this.getOrganization(id, db);
    if (!o) throw new NotFoundError(coded('error.organization-not-found', { id }));
    return o;
  }

  async listOrganizations(filter: OrganizationFilter = {}): Promise<Page<Organization>> {
    const limit = Math.min(Math.max(filter.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    let q = this.db.selectFrom('organizations').selectAll();
    if (filter.parentId === null) q = q.where('parent_id', 'is', null);
    else if (filter.parentId !== undefined) q = q.where('parent_id', '=', filter.parentId);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.externalId !== undefined) q = q.where('external_id', '=', filter.externalId);
    if (filter.code !== undefined) q = q.where('code', '=', filter.code);
    if (filter.q) q = q.where(sql<boolean>`lower(name) like ${likePattern(filter.q)} escape '\\'`);
    if (filter.after) q = q.where('id', '>', filter.after);
    const rows = await q.orderBy('id').limit(limit + 1).execute();
    const items = rows.slice(0, limit).map(organizationFromRow);
    return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
  }

  /** The whole tree in one query, parents before children. */
  async getTree(db: DB | Tx = this.db): Promise<Organization[]> {
    const rows = await db.selectFrom('organizations').selectAll().execute();
    return sortParentsFirst(rows.map(organizationFromRow));
  }

  /**
   * The part of the tree a mapping needs to place these organizations exactly as over the whole
   * tree: the organizations, their ancestors, every child of those (sibling names collide), and the
   * top-level organizations — one recursive query, however large the directory (the mapping
   * preview of one account).
   */
  async organizationsAround(ids: readonly string[], db: DB | Tx = this.db): Promise<Organization[]> {
    if (ids.length === 0) return sortParentsFirst((await db.selectFrom('organizations').selectAll().where('parent_id', 'is', null).execute()).map(organizationFromRow));
    const start = sql.join([...new Set(ids)].map((id) => sql`${id}`));
    const rows = await sql<OrganizationsTable>`
      with recursive up(id, parent_id) as (
        select id, parent_id from organizations where id in (${start})
        union
        select o.id, o.parent_id from organizations o join up on o.id = up.parent_id
      )
      select * from organizations
      where id in (select id from up) or parent_id in (select id from up) or parent_id is null`.execute(db);
    return sortParentsFirst(rows.rows.map(organizationFromRow));
  }

  // ------------------------------------------------------------------ organizations: writes

  createOrganization(input: OrganizationCreate): Promise<Organization> {
    return this.write((trx, changes) => this.insertOrganization(trx, changes, input));
  }

  private async insertOrganization(trx: Tx, changes: ChangeInput[], input: OrganizationCreate): Promise<Organization> {
    const fields: OrganizationFields = {
      externalId: input.externalId ?? null,
      name: input.name,
      parentId: input.parentId ?? null,
      order: input.order ?? 0,
      code: input.code ?? null,
      status: input.status ?? 'enabled',
      attributes: input.attributes ?? {},
    };
    this.checkOrganization(fields);
    const id = newId('org');
    await this.checkOrganizationPlacement(trx, id, fields, null);
    const t = now();
    const org: Organization = { id, ...fields, version: 1, createdAt: t, updatedAt: t };
    await trx.insertInto('organizations').values(organizationToRow(org)).execute();
    changes.push(change('organization', id, 'create', 1, presentFields(fields, ORGANIZATION_FIELDS)));
    return org;
  }

  updateOrganization(id: string, patch: OrganizationPatch, opts: WriteOptions = {}): Promise<Organization> {
    return this.write((trx, changes) => this.changeOrganization(trx, changes, id, patch, opts));
  }

  private async changeOrganization(trx: Tx, changes: ChangeInput[], id: string, patch: OrganizationPatch, opts: WriteOptions): Promise<Organization> {
    const before = await this.requireOrganization(id, trx);
    checkVersion(before, opts, { organization: describeOrg(before) });
    const fields: OrganizationFields = { ...pickFields(ORGANIZATION_FIELD_SPECS, before), ...definedOnly(patch) };
    this.checkOrganization(fields);
    const changed = diffOrganization(before, fields);
    if (changed.length === 0) return before;
    await this.checkOrganizationPlacement(trx, id, fields, before);
    const after: Organization = { ...before, ...fields, version: before.version + 1, updatedAt: now() };
    await trx.updateTable('organizations').set(organizationToRow(after)).where('id', '=', id).execute();
    changes.push(change('organization', id, 'update', after.version, changed));
    return after;
  }

  setOrganizationStatus(id: string, status: Status, opts: WriteOptions = {}): Promise<Organization> {
    return this.updateOrganization(id, { status }, opts);
  }

  /** Deletes a leaf organization without accounts. */
  async deleteOrganization(id: string, opts: WriteOptions = {}): Promise<void> {
    await this.write((trx, changes) => this.removeOrganization(trx, changes, id, opts));
  }

  private async removeOrganization(trx: Tx, changes: ChangeInput[], id: string, opts: WriteOptions): Promise<void> {
    const before = await this.requireOrganization(id, trx);
    checkVersion(before, opts, { organization: describeOrg(before) });
    const children = await trx.selectFrom('organizations').select(['id', 'name']).where('parent_id', '=', id).limit(3).execute();
    if (children.length > 0)
      throw new ConflictError(coded('error.organization-has-children', { org: describeOrg(before), children: `${children.map(describeOrg).join(', ')}${children.length === 3 ? ', …' : ''}` }));
    const members = await trx
      .selectFrom('account_organizations as m')
      .innerJoin('accounts as a', 'a.id', 'm.account_id')
      .select(['a.id', 'a.username'])
      .where('m.organization_id', '=', id)
      .limit(3)
      .execute();
    if (members.length > 0)
      throw new ConflictError(
        coded('error.organization-has-accounts', { org: describeOrg(before), accounts: `${members.map((m) => `"${m.username}" (${m.id})`).join(', ')}${members.length === 3 ? ', …' : ''}` }),
      );
    await trx.deleteFrom('organizations').where('id', '=', id).execute();
    changes.push(change('organization', id, 'delete', before.version + 1, []));
  }

  private checkOrganization(fields: OrganizationFields): void {
    const errors = checkOrganizationFields(fields);
    checkStatus(errors, fields.status);
    errors.push(...checkAttributes(fields.attributes));
    if (errors.length > 0) throw validationFrom(errors, 'organization');
  }

  /** Tree rules that need the store: parent exists, no cycle, unique sibling name, unique external id. */
  private async checkOrganizationPlacement(trx: Tx, id: string, f: OrganizationFields, before: Organization | null): Promise<void> {
    const moved = !before || before.parentId !== f.parentId;
    if (f.parentId !== null && moved) {
      if (f.parentId === id) throw new ValidationError(coded('error.organization-own-parent', { org: describeOrg({ id, name: f.name }) }), [fieldError('parentId', 'invalid.own-parent')]);
      const parent = await this.getOrganization(f.parentId, trx);
      if (!parent)
        throw new ValidationError(coded('error.parent-missing', { id: f.parentId }), [fieldError('parentId', 'invalid.organization-missing-plain', { id: f.parentId })]);
      if (before) {
        // Walk up from the new parent; meeting the moved organization means a cycle.
        const chain = await sql<{ id: string; name: string; parent_id: string | null }>`
          with recursive up(id, name, parent_id, depth) as (
            select id, name, parent_id, 0 from organizations where id = ${f.parentId}
            union all
            select o.id, o.name, o.parent_id, up.depth + 1 from organizations o join up on o.id = up.parent_id where up.depth < 10000
          ) select id, name, parent_id from up`.execute(trx);
        if (chain.rows.some((r) => r.id === id)) {
          const path = chain.rows.slice(0, chain.rows.findIndex((r) => r.id === id) + 1).reverse().map((r) => r.name).join(' / ');
          throw new ValidationError(coded('error.organization-cycle', { org: describeOrg(before), parent: describeOrg(parent), path }), [
            fieldError('parentId', 'invalid.descendant', { parent: parent.id, id }),
          ]);
        }
      }
    }
    if (!before || moved || before.name !== f.name) {
      let q = trx.selectFrom('organizations').select(['id', 'name']).where('name', '=', f.name).where('id', '!=', id);
      q = f.parentId === null ? q.where('parent_id', 'is', null) : q.where('parent_id', '=', f.parentId);
      const sibling = await q.executeTakeFirst();
      if (sibling) {
        throw new ConflictError(
          f.parentId === null
            ? coded('error.organization-name-taken-top', { name: f.name, sibling: describeOrg(sibling) })
            : coded('error.organization-name-taken', { name: f.name, parent: f.parentId, sibling: describeOrg(sibling) }),
          [fieldError('name', 'invalid.sibling-name', { id: sibling.id })],
        );
      }
    }
    if (f.externalId !== null && (!before || before.externalId !== f.externalId)) {
      const other = await trx.selectFrom('organizations').select(['id', 'name']).where('external_id', '=', f.externalId).where('id', '!=', id).executeTakeFirst();
      if (other)
        throw new ConflictError(coded('error.organization-external-id-taken', { externalId: f.externalId, org: describeOrg(other) }), [
          fieldError('externalId', 'invalid.used-by', { id: other.id }),
        ]);
    }
  }

  // ------------------------------------------------------------------ accounts: reads

  async getAccount(id: string, db: DB | Tx = this.db): Promise<Account | undefined> {
    const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const [a] = await this.withMemberships(db, [row]);
    return a;
  }

  async requireAccount(id: string, db: DB | Tx = this.db): Promise<Account> {
    const a = await this.getAccount(id, db);
    if (!a) throw new NotFoundError(coded('error.account-not-found', { id }));
    return a;
  }

  /**
   * How people name these objects: an account by its display name (and username), an organization
   * by its path from the top ("总部/研发部"). Ids no longer in the directory are left out.
   */
  async namesOf(ids: { organizations: readonly string[]; accounts: readonly string[] }, db: DB | Tx = this.db): Promise<Map<string, { name: string; path?: string; username?: string }>> {
    const out = new Map<string, { name: string; path?: string; username?: string }>();
    for (let i = 0; i < ids.accounts.length; i += 500) {
      const rows = await db.selectFrom('accounts').select(['id', 'display_name', 'username']).where('id', 'in', ids.accounts.slice(i, i + 500)).execute();
      for (const r of rows) out.set(r.id, { name: r.display_name, username: r.username });
    }
    if (ids.organizations.length > 0) {
      const orgs = await this.organizationsAround(ids.organizations, db);
      const byId = new Map(orgs.map((o) => [o.id, o]));
      const pathOf = (id: string, depth = 0): string => {
        const o = byId.get(id)!;
        return o.parentId && byId.has(o.parentId) && depth < 100 ? `${pathOf(o.parentId, depth + 1)}${PATH_SEPARATOR}${o.name}` : o.name;
      };
      for (const id of ids.organizations) {
        const o = byId.get(id);
        if (o) out.set(id, { name: o.name, path: pathOf(id) });
      }
    }
    return out;
  }

  /** Of these ids, those no account or organization has any more (deleted): which links a re-hire may take over. */
  async deletedOf(ids: { departments: readonly string[]; members: readonly string[] }, db: DB | Tx = this.db): Promise<{ departments: string[]; members: string[] }> {
    const missing = async (table: 'accounts' | 'organizations', keys: readonly string[]): Promise<string[]> => {
      const found = new Set<string>();
      for (let i = 0; i < keys.length; i += 500) {
        const rows = await db.selectFrom(table).select('id').where('id', 'in', keys.slice(i, i + 500)).execute();
        for (const r of rows) found.add(r.id);
      }
      return keys.filter((k) => !found.has(k));
    };
    return { departments: await missing('organizations', ids.departments), members: await missing('accounts', ids.members) };
  }

  async getAccountByUsername(username: string): Promise<Account | undefined> {
    const row = await this.db.selectFrom('accounts').selectAll().where('username_key', '=', usernameKey(username)).executeTakeFirst();
    if (!row) return undefined;
    const [a] = await this.withMemberships(this.db, [row]);
    return a;
  }

  async listAccounts(filter: AccountFilter = {}): Promise<Page<Account>> {
    const limit = Math.min(Math.max(filter.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    let q = this.db.selectFrom('accounts').selectAll('accounts');
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.externalId !== undefined) q = q.where('external_id', '=', filter.externalId);
    if (filter.username !== undefined) q = q.where('username_key', '=', usernameKey(filter.username));
    if (filter.email !== undefined) q = q.where('email', '=', filter.email);
    if (filter.mobile !== undefined) {
      const m = normalizeMobile(filter.mobile);
      q = q.where('mobile', '=', m.ok ? m.value : filter.mobile);
    }
    if (filter.organizationId !== undefined) {
      const orgId = filter.organizationId;
      q = q.where((eb) =>
        eb.exists(eb.selectFrom('account_organizations as m').select('m.account_id').whereRef('m.account_id', '=', 'accounts.id').where('m.organization_id', '=', orgId)),
      );
    }
    if (filter.q) {
      const p = likePattern(filter.q);
      q = q.where(sql<boolean>`(username_key like ${p} escape '\\' or lower(display_name) like ${p} escape '\\')`);
    }
    const total = filter.count ? Number((await q.clearSelect().select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n) : undefined;
    if (filter.after) q = q.where('id', '>', filter.after);
    const rows = await q.orderBy('id').limit(limit + 1).execute();
    const items = await this.withMemberships(this.db, rows.slice(0, limit));
    return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null, ...(total !== undefined ? { total } : {}) };
  }

  /** Every account, with memberships, in two queries. */
  async allAccounts(db?: DB | Tx): Promise<Account[]> {
    if (!db) return this.readConsistent((trx) => this.allAccounts(trx));
    const rows = await db.selectFrom('accounts').selectAll().orderBy('id').execute();
    const members = await db.selectFrom('account_organizations').selectAll().execute();
    return joinMemberships(rows, members);
  }

  /**
   * All accounts that belong (directly) to the organization or any organization below it, in one
   * pass: the subtree is a recursive query, accounts and their memberships two joined reads.
   */
  async accountsInSubtree(organizationId: string, db?: DB | Tx): Promise<Account[]> {
    if (!db) return this.readConsistent((trx) => this.accountsInSubtree(organizationId, trx));
    const subtree = sql<{ id: string }>`
      with recursive sub(id) as (
        select id from organizations where id = ${organizationId}
        union all
        select o.id from organizations o join sub on o.parent_id = sub.id
      ) select id from sub`;
    const inSubtree = sql`select m.account_id from account_organizations m where m.organization_id in (${subtree})`;
    const rows = await db.selectFrom('accounts').selectAll().where(sql<boolean>`id in (${inSubtree})`).orderBy('id').execute();
    const members = await db
      .selectFrom('account_organizations')
      .selectAll()
      .where(sql<boolean>`account_id in (${inSubtree})`)
      .execute();
    return joinMemberships(rows, members);
  }

  async snapshot(db?: DB | Tx): Promise<DirectorySnapshot> {
    if (!db) return this.readConsistent((trx) => this.snapshot(trx));
    const organizations = await this.getTree(db);
    const accounts = await this.allAccounts(db);
    return { organizations, accounts };
  }

  private async withMemberships(db: DB | Tx, rows: AccountsTable[]): Promise<Account[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const members = [];
    for (const part of chunk(ids, 1, this.store.maxParameters))
      members.push(...(await db.selectFrom('account_organizations').selectAll().where('account_id', 'in', part).execute()));
    return joinMemberships(rows, members);
  }

  // ------------------------------------------------------------------ accounts: writes

  createAccount(input: AccountCreate, opts: AccountWriteOptions = {}): Promise<Account> {
    return this.write((trx, changes) => this.insertAccount(trx, changes, input, opts));
  }

  private async insertAccount(trx: Tx, changes: ChangeInput[], input: AccountCreate, opts: AccountWriteOptions): Promise<Account> {
    const fields = this.prepareAccount({
      externalId: input.externalId ?? null,
      username: input.username,
      displayName: input.displayName,
      mobile: input.mobile ?? null,
      email: input.email ?? null,
      telephone: input.telephone ?? null,
      title: input.title ?? null,
      gender: input.gender ?? 'unspecified',
      employeeNumber: input.employeeNumber ?? null,
      managerId: input.managerId ?? null,
      organizationIds: input.organizationIds,
      primaryOrganizationId: input.primaryOrganizationId ?? input.organizationIds?.[0] ?? '',
      status: input.status ?? 'enabled',
      attributes: input.attributes ?? {},
    }, opts);
    const id = newId('acc');
    await this.checkAccountReferences(trx, id, fields, null);
    const t = now();
    const account: Account = { id, ...fields, version: 1, createdAt: t, updatedAt: t };
    await trx.insertInto('accounts').values(accountToRow(account)).execute();
    await insertMemberships(trx, [account]);
    changes.push(change('account', id, 'create', 1, presentFields(fields, ACCOUNT_FIELDS)));
    return account;
  }

  updateAccount(id: string, patch: AccountPatch, opts: AccountWriteOptions = {}): Promise<Account> {
    return this.write((trx, changes) => this.changeAccount(trx, changes, id, patch, opts));
  }

  private async changeAccount(trx: Tx, changes: ChangeInput[], id: string, patch: AccountPatch, opts: AccountWriteOptions): Promise<Account> {
    const before = await this.requireAccount(id, trx);
    checkVersion(before, opts, { account: `"${before.username}" (${id})` });
    const merged: AccountFields = { ...pickFields(ACCOUNT_FIELD_SPECS, before), ...definedOnly(patch) };
    // New organizations without a primary: keep the old primary if still listed, else the first.
    if (patch.organizationIds !== undefined && patch.primaryOrganizationId === undefined)
      merged.primaryOrganizationId = patch.organizationIds.includes(before.primaryOrganizationId) ? before.primaryOrganizationId : (patch.organizationIds[0] ?? '');
    const fields = this.prepareAccount(merged, opts, before);
    const changed = diffAccount(before, fields);
    if (changed.length === 0) return before;
    await this.checkAccountReferences(trx, id, fields, before);
    const after: Account = { ...before, ...fields, version: before.version + 1, updatedAt: now() };
    await trx.updateTable('accounts').set(accountToRow(after)).where('id', '=', id).execute();
    if (changed.includes('organizationIds')) {
      await trx.deleteFrom('account_organizations').where('account_id', '=', id).execute();
      await insertMemberships(trx, [after]);
    }
    changes.push(change('account', id, 'update', after.version, changed));
    return after;
  }

  setAccountStatus(id: string, status: Status, opts: WriteOptions = {}): Promise<Account> {
    return this.updateAccount(id, { status }, opts);
  }

  /** Deletes an account; accounts it managed lose their manager (recorded as updates). */
  async deleteAccount(id: string, opts: WriteOptions = {}): Promise<void> {
    await this.write((trx, changes) => this.removeAccount(trx, changes, id, opts));
  }

  private async removeAccount(trx: Tx, changes: ChangeInput[], id: string, opts: WriteOptions): Promise<void> {
    const before = await this.requireAccount(id, trx);
    checkVersion(before, opts, { account: `"${before.username}" (${id})` });
    const reports = await trx.selectFrom('accounts').select(['id', 'version']).where('manager_id', '=', id).execute();
    const t = now();
    for (const r of reports) {
      await trx.updateTable('accounts').set({ manager_id: null, version: Number(r.version) + 1, updated_at: t }).where('id', '=', r.id).execute();
      changes.push(change('account', r.id, 'update', Number(r.version) + 1, ['managerId']));
    }
    await trx.deleteFrom('account_organizations').where('account_id', '=', id).execute();
    await trx.deleteFrom('accounts').where('id', '=', id).execute();
    changes.push(change('account', id, 'delete', before.version + 1, []));
  }

  /**
   * Runs fn with a writer whose writes share one transaction and one change-feed batch: all of
   * them are committed, or none (when fn throws).
   */
  transaction<T>(fn: (w: DirectoryWriter) => Promise<T>): Promise<T> {
    return this.write((trx, changes) =>
      fn({
        trx,
        createOrganization: (input) => this.insertOrganization(trx, changes, input),
        updateOrganization: (id, patch, opts = {}) => this.changeOrganization(trx, changes, id, patch, opts),
        deleteOrganization: (id, opts = {}) => this.removeOrganization(trx, changes, id, opts),
        createAccount: (input, opts = {}) => this.insertAccount(trx, changes, input, opts),
        updateAccount: (id, patch, opts = {}) => this.changeAccount(trx, changes, id, patch, opts),
        deleteAccount: (id, opts = {}) => this.removeAccount(trx, changes, id, opts),
      }),
    );
  }

  /** Normalises (mobile, primary-first organizations) and runs the stateless checks. */
  /**
   * `before`: the account being updated — contacts it already holds unchanged are not checked
   * again (one a source kept as given must not block an unrelated edit).
   */
  prepareAccount(f: AccountFields, opts: AccountWriteOptions = {}, before?: Account): AccountFields {
    const errors: FieldError[] = [];
    const given = opts.contactsAsGiven === true;
    const asGiven = (field: 'mobile' | 'email' | 'telephone'): boolean => given || (before !== undefined && before[field] !== null && before[field] === f[field]);
    let mobile = f.mobile;
    if (mobile != null) {
      const m = normalizeMobile(mobile);
      if (m.ok) mobile = m.value;
      else if (asGiven('mobile')) mobile = mobile.trim() || null;
      else errors.push({ field: 'mobile', ...m.error });
    }
    const email = f.email == null ? null : f.email.trim() || (given ? null : '');
    const telephone = given && f.telephone != null ? f.telephone.trim() || null : f.telephone;
    const out: AccountFields = { ...f, mobile, email, telephone };
    // As given: only what the store itself needs of them (no control characters, a sane length).
    const checked = { ...out, mobile: null, email: asGiven('email') ? null : out.email, telephone: asGiven('telephone') ? null : out.telephone };
    errors.push(...checkAccountFields(checked));
    for (const field of ['mobile', 'email', 'telephone'] as const) if (asGiven(field)) errors.push(...contactSanity(field, out[field]));
    checkStatus(errors, f.status);
    if (!GENDERS.includes(f.gender)) errors.push(fieldError('gender', 'invalid.gender'));
    errors.push(...checkAttributes(f.attributes));
    if (Array.isArray(f.organizationIds) && f.organizationIds.length > 0) {
      if (!f.organizationIds.includes(f.primaryOrganizationId))
        errors.push(fieldError('primaryOrganizationId', 'invalid.primary-organization'));
      else out.organizationIds = orderOrganizations(f.organizationIds, f.primaryOrganizationId);
    }
    if (errors.length > 0) throw validationFrom(errors, 'account');
    return out;
  }

  private async checkAccountReferences(trx: Tx, id: string, f: AccountFields, before: Account | null): Promise<void> {
    if (!before || before.username.toLowerCase() !== f.username.toLowerCase()) {
      const other = await trx.selectFrom('accounts').select(['id', 'username']).where('username_key', '=', usernameKey(f.username)).where('id', '!=', id).executeTakeFirst();
      if (other)
        throw new ConflictError(coded('error.username-taken', { username: f.username, other: other.username, id: other.id }), [fieldError('username', 'invalid.taken-by', { name: other.username, id: other.id })]);
    }
    if (f.externalId !== null && (!before || before.externalId !== f.externalId)) {
      const other = await trx.selectFrom('accounts').select(['id', 'username']).where('external_id', '=', f.externalId).where('id', '!=', id).executeTakeFirst();
      if (other)
        throw new ConflictError(coded('error.account-external-id-taken', { externalId: f.externalId, other: other.username, id: other.id }), [
          fieldError('externalId', 'invalid.used-by', { id: other.id }),
        ]);
    }
    const orgs = await trx.selectFrom('organizations').select('id').where('id', 'in', f.organizationIds).execute();
    const found = new Set(orgs.map((o) => o.id));
    const missing = f.organizationIds.filter((o) => !found.has(o));
    if (missing.length > 0)
      throw new ValidationError(coded(missing.length > 1 ? 'error.organizations-missing' : 'error.organization-missing', { ids: missing.join(', ') }), [
        fieldError('organizationIds', 'invalid.unknown-organization', { ids: missing.join(', ') }),
      ]);
    if (f.managerId !== null && (!before || before.managerId !== f.managerId)) {
      if (f.managerId === id) throw new ValidationError(coded('error.own-manager'), [fieldError('managerId', 'invalid.own-manager')]);
      const m = await trx.selectFrom('accounts').select('id').where('id', '=', f.managerId).executeTakeFirst();
      if (!m) throw new ValidationError(coded('error.manager-missing', { id: f.managerId }), [fieldError('managerId', 'invalid.account-missing', { id: f.managerId })]);
      if (before) {
        // The chain above the new manager, up to the top or back to this account (UNION: an older cycle above ends the walk).
        const chain = await sql<{ id: string; username: string; manager_id: string | null }>`
          with recursive up(id, username, manager_id) as (
            select id, username, manager_id from accounts where id = ${f.managerId}
            union
            select a.id, a.username, a.manager_id from accounts a join up on a.id = up.manager_id where up.id <> ${id}
          ) select id, username, manager_id from up`.execute(trx);
        const managerOf = new Map(chain.rows.map((r) => [r.id, r.manager_id]));
        managerOf.set(id, f.managerId);
        const cycle = findManagerCycle(managerOf, [id]);
        if (cycle) {
          const names = new Map(chain.rows.map((r) => [r.id, r.username]));
          throw managerCycleError(cycle, (x) => (x === id ? f.username : (names.get(x) ?? x)));
        }
      }
    }
  }

  // ------------------------------------------------------------------ bulk

  /**
   * Reads a consistent snapshot inside a write transaction, lets `build` compute a plan from it,
   * and writes the plan — rows and change-feed entries — in that one transaction. If build throws,
   * nothing is written. Rows and changes go in bulk (src/store/bulk.ts): ~20 statements per 100k rows on PostgreSQL.
   */
  async applyBatch<T>(build: (snapshot: DirectorySnapshot) => { plan: BatchPlan; result: T } | Promise<{ plan: BatchPlan; result: T }>): Promise<T & BatchResult> {
    return this.write(async (trx, changes) => {
      const snap = await this.snapshot(trx);
      const { plan, result } = await build(snap);
      checkBatchManagers(snap, plan);
      await this.writePlan(trx, plan, changes);
      return { ...result, changes: changes.length };
    });
  }

  /**
   * Deletes accounts and organizations in one transaction, one change-feed batch: the accounts
   * first (accounts they managed that stay lose their manager, recorded as updates, as
   * deleteAccount does), then the organizations, deepest first. Ids that no longer exist are
   * skipped. Refused with a ConflictError, nothing deleted, when a deleted organization would leave
   * behind a child organization or an account that is not deleted with it.
   */
  async deleteBatch(ids: { accounts: readonly string[]; organizations: readonly string[] }): Promise<BatchResult & { deleted: { accounts: number; organizations: number } }> {
    const max = this.store.maxParameters;
    return this.write(async (trx, changes) => {
      const found = await this.findForDelete(trx, ids);
      const blockers = await this.deleteBlockersOf(trx, found);
      if (blockers.length > 0)
        throw new ConflictError(coded('error.delete-blocked', { list: `${blockers.slice(0, 10).join(', ')}${blockers.length > 10 ? `, and ${blockers.length - 10} more` : ''}` }));
      const { accounts, orgs } = found;
      const goneAccounts = new Set(accounts.map((a) => a.id));

      const t = now();
      for (const part of chunk([...goneAccounts], 1, max)) {
        const reports = await trx.selectFrom('accounts').select(['id', 'version']).where('manager_id', 'in', part).execute();
        for (const r of reports) {
          if (goneAccounts.has(r.id)) continue;
          await trx.updateTable('accounts').set({ manager_id: null, version: Number(r.version) + 1, updated_at: t }).where('id', '=', r.id).execute();
          changes.push(change('account', r.id, 'update', Number(r.version) + 1, ['managerId']));
        }
      }
      for (const part of chunk([...goneAccounts], 1, max)) {
        await trx.deleteFrom('account_organizations').where('account_id', 'in', part).execute();
        await trx.deleteFrom('accounts').where('id', 'in', part).execute();
      }
      for (const a of accounts) changes.push(change('account', a.id, 'delete', Number(a.version) + 1, []));

      // deepest first (parents are checked at commit, so the statement order is free; the feed reads leaf-first)
      const byId = new Map(orgs.map((o) => [o.id, o]));
      const depth = (o: { parent_id: string | null }): number => {
        let d = 0;
        for (let p = o.parent_id; p !== null && byId.has(p) && d <= byId.size; p = byId.get(p)!.parent_id) d++;
        return d;
      };
      const ordered = orgs.map((o) => ({ o, d: depth(o) })).sort((a, b) => b.d - a.d || (a.o.id < b.o.id ? -1 : 1));
      for (const part of chunk(ordered.map((x) => x.o.id), 1, max)) await trx.deleteFrom('organizations').where('id', 'in', part).execute();
      for (const { o } of ordered) changes.push(change('organization', o.id, 'delete', Number(o.version) + 1, []));
      return { changes: changes.length, deleted: { accounts: accounts.length, organizations: ordered.length } };
    });
  }

  /**
   * What would stop deleteBatch: child organizations and accounts inside the organizations that
   * are not deleted with them, described (`account "bob" (acc_…) in "R&D" (org_…)`); [] = none.
   */
  async deleteBlockers(ids: { accounts: readonly string[]; organizations: readonly string[] }, db: DB | Tx = this.db): Promise<string[]> {
    return this.deleteBlockersOf(db, await this.findForDelete(db, ids));
  }

  private async findForDelete(db: DB | Tx, ids: { accounts: readonly string[]; organizations: readonly string[] }) {
    const max = this.store.maxParameters;
    const accounts: Array<{ id: string; version: number }> = [];
    for (const part of chunk([...new Set(ids.accounts)], 1, max)) accounts.push(...(await db.selectFrom('accounts').select(['id', 'version']).where('id', 'in', part).orderBy('id').execute()));
    const orgs: Array<{ id: string; parent_id: string | null; name: string; version: number }> = [];
    for (const part of chunk([...new Set(ids.organizations)], 1, max))
      orgs.push(...(await db.selectFrom('organizations').select(['id', 'parent_id', 'name', 'version']).where('id', 'in', part).execute()));
    return { accounts, orgs };
  }

  private async deleteBlockersOf(db: DB | Tx, found: { accounts: Array<{ id: string }>; orgs: Array<{ id: string; name: string }> }): Promise<string[]> {
    const goneAccounts = new Set(found.accounts.map((a) => a.id));
    const goneOrgs = new Map(found.orgs.map((o) => [o.id, o]));
    const out: string[] = [];
    for (const part of chunk([...goneOrgs.keys()], 1, this.store.maxParameters)) {
      const children = await db.selectFrom('organizations').select(['id', 'name', 'parent_id']).where('parent_id', 'in', part).orderBy('id').execute();
      for (const c of children) if (!goneOrgs.has(c.id)) out.push(`organization ${describeOrg(c)} under ${describeOrg(goneOrgs.get(c.parent_id!)!)}`);
      const members = await db
        .selectFrom('account_organizations as m')
        .innerJoin('accounts as a', 'a.id', 'm.account_id')
        .select(['a.id', 'a.username', 'm.organization_id'])
        .where('m.organization_id', 'in', part)
        .orderBy('a.id')
        .execute();
      for (const m of members) if (!goneAccounts.has(m.id)) out.push(`account "${m.username}" (${m.id}) in ${describeOrg(goneOrgs.get(m.organization_id)!)}`);
    }
    return out;
  }

  private async writePlan(trx: Tx, plan: BatchPlan, changes: ChangeInput[]): Promise<void> {
    const max = this.store.maxParameters;
    const orgs = [...plan.organizations.create, ...plan.organizations.update.map((u) => u.after)];
    for (const part of chunk(orgs, 1, 5_000))
      await bulkInsert(this.store, trx, 'organizations', part.map(organizationToRow), ORGANIZATION_BULK);
    const accs = [...plan.accounts.create, ...plan.accounts.update.map((u) => u.after)];
    for (const part of chunk(accs, 1, 5_000))
      await bulkInsert(this.store, trx, 'accounts', part.map(accountToRow), ACCOUNT_BULK);
    const moved = plan.accounts.update.filter((u) => u.changedFields.includes('organizationIds')).map((u) => u.after);
    for (const part of chunk(moved.map((a) => a.id), 1, max)) await trx.deleteFrom('account_organizations').where('account_id', 'in', part).execute();
    const memberships = [...plan.accounts.create, ...moved].flatMap((a) => a.organizationIds.map((organization_id, position) => ({ account_id: a.id, organization_id, position })));
    await bulkInsert(this.store, trx, 'account_organizations', memberships, { columns: { account_id: 'text', organization_id: 'text', position: 'integer' } });

    for (const o of plan.organizations.create) changes.push(change('organization', o.id, 'create', o.version, presentFields(o, ORGANIZATION_FIELDS)));
    for (const u of plan.organizations.update) changes.push(change('organization', u.after.id, 'update', u.after.version, u.changedFields));
    for (const a of plan.accounts.create) changes.push(change('account', a.id, 'create', a.version, presentFields(a, ACCOUNT_FIELDS)));
    for (const u of plan.accounts.update) changes.push(change('account', u.after.id, 'update', u.after.version, u.changedFields));
  }

  // ------------------------------------------------------------------ change feed

  changesSince(after: number, limit = 1000): Promise<Change[]> {
    return readChanges(this.db, after, Math.min(Math.max(limit, 1), 10_000));
  }

  latestSequence(): Promise<number> {
    return latestSequence(this.db);
  }

  // ------------------------------------------------------------------ plumbing

  /** Several reads that must see one state: a REPEATABLE READ transaction on PostgreSQL (a read transaction sees one WAL snapshot on SQLite). */
  private readConsistent<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    const tx = this.store.backend === 'postgres' ? this.db.transaction().setIsolationLevel('repeatable read') : this.db.transaction();
    return tx.execute(fn);
  }

  /** A write transaction whose collected changes are appended to the feed before commit. */
  private async write<T>(fn: (trx: Tx, changes: ChangeInput[]) => Promise<T>): Promise<T> {
    try {
      return await this.store.write(async (trx) => {
        const changes: ChangeInput[] = [];
        const result = await fn(trx, changes);
        await appendChanges(this.store, trx, changes, now());
        return result;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(coded('error.write-clash', { detail: (err as Error).message }));
      throw err;
    }
  }
}

/** A batch may not leave a management cycle through an account it creates or whose manager it changes. */
function checkBatchManagers(snap: DirectorySnapshot, plan: BatchPlan): void {
  const written = [...plan.accounts.create, ...plan.accounts.update.filter((u) => u.changedFields.includes('managerId')).map((u) => u.after)];
  if (written.every((a) => a.managerId === null)) return;
  const accounts = new Map(snap.accounts.map((a) => [a.id, a]));
  for (const a of [...plan.accounts.create, ...plan.accounts.update.map((u) => u.after)]) accounts.set(a.id, a);
  const managerOf = new Map([...accounts.values()].map((a) => [a.id, a.managerId]));
  const cycle = findManagerCycle(managerOf, written.filter((a) => a.managerId !== null).map((a) => a.id));
  if (cycle) throw managerCycleError(cycle, (id) => accounts.get(id)?.username ?? id);
}

function change(objectType: ObjectType, objectId: string, operation: ChangeOperation, version: number, changedFields: string[]): ChangeInput {
  return { objectType, objectId, operation, version, changedFields };
}

const internedFields = new Map<string, string[]>();

/** Field names with a value (not null, not an empty attribute map) — the "changed fields" of a create. */
function presentFields(o: object, names: readonly string[]): string[] {
  const rec = o as Record<string, unknown>;
  const list = names.filter((k) => {
    const v = rec[k];
    if (v === null || v === undefined) return false;
    if (k === 'attributes') return Object.keys(v as object).length > 0;
    return true;
  });
  // Bulk creates repeat a handful of shapes: share the arrays.
  const key = list.join(',');
  const shared = internedFields.get(key);
  if (shared) return shared;
  if (internedFields.size < 1000) internedFields.set(key, list);
  return list;
}

/** What a contact kept as given must still satisfy: printable, at most 256 characters. */
function contactSanity(field: string, value: string | null): FieldError[] {
  if (value === null) return [];
  if (CONTROL_CHARS.test(value)) return [{ field, message: 'must not contain control characters' }];
  if (charLength(value) > 256) return [{ field, message: 'must be at most 256 characters' }];
  return [];
}

function definedOnly<T extends object>(patch: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function checkVersion(current: { version: number }, opts: WriteOptions, what: { organization: string } | { account: string }): void {
  if (opts.expectedVersion !== undefined && opts.expectedVersion !== current.version) {
    const versions = { version: current.version, expected: opts.expectedVersion };
    throw new ConflictError(
      'organization' in what ? coded('error.organization-version', { org: what.organization, ...versions }) : coded('error.account-version', { account: what.account, ...versions }),
      [fieldError('version', 'invalid.version', versions)],
    );
  }
}

function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}

async function insertMemberships(trx: Tx, accounts: Account[], maxParameters = 30_000): Promise<void> {
  const rows = accounts.flatMap((a) => a.organizationIds.map((organization_id, position) => ({ account_id: a.id, organization_id, position })));
  for (const part of chunk(rows, 3, maxParameters)) await trx.insertInto('account_organizations').values(part).execute();
}

function joinMemberships(rows: AccountsTable[], members: Array<{ account_id: string; organization_id: string; position: number }>): Account[] {
  const byAccount = new Map<string, Array<{ organization_id: string; position: number }>>();
  for (const m of members) {
    let list = byAccount.get(m.account_id);
    if (!list) byAccount.set(m.account_id, (list = []));
    list.push(m);
  }
  return rows.map((r) => {
    const list = (byAccount.get(r.id) ?? []).sort((a, b) => Number(a.position) - Number(b.position));
    return accountFromRow(r, list.map((m) => m.organization_id));
  });
}

/** Orders organizations so every parent comes before its children (siblings by order, then name). */
function sortParentsFirst(orgs: Organization[]): Organization[] {
  const children = new Map<string | null, Organization[]>();
  for (const o of orgs) {
    const key = o.parentId;
    let list = children.get(key);
    if (!list) children.set(key, (list = []));
    list.push(o);
  }
  for (const list of children.values()) list.sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: Organization[] = [];
  const stack = [...(children.get(null) ?? [])].reverse();
  while (stack.length > 0) {
    const o = stack.pop()!;
    out.push(o);
    const kids = children.get(o.id);
    if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}
