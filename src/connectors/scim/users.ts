// The /Users operations of one endpoint. Every write is one directory transaction: the account
// (validated, in the change feed) and the endpoint's link row with the user as sent. An endpoint
// sees and changes only the accounts it owns (scim_users), so two identity providers feeding one
// directory never touch each other's users.
import type { Account } from '../../domain/account.js';
import type { AttributeValue, Attributes } from '../../domain/common.js';
import type { DirectoryWriter } from '../../directory/directory.js';
import { ValidationError } from '../../directory/errors.js';
import type { ScimUsersTable } from '../../store/tables/scim.js';
import { type ListQuery, type ResourceRecord, type ScimContext, type WriteRecord, checkIfMatch } from './context.js';
import { ScimError, invalidValue, notFound } from './errors.js';
import { indexedLookup, matchResource, parseFilter } from './filter.js';
import { countUsers, resolveUserRef, userByName, userNameKey, userRow, userRows, waitingFor } from './links.js';
import type { MappedUser } from './mapping.js';
import { readPatchBody, applyPatch } from './patch.js';
import { type Json, normalizeResource, render } from './resource.js';
import { USER_SHAPE } from './schemas.js';

function userRecord(r: ScimUsersTable): ResourceRecord {
  const resource = JSON.parse(r.resource) as Json;
  // `active` is part of every answer (a user that never said is active)
  if (resource.active === undefined) resource.active = true;
  return { id: r.account_id, resource, created: r.created_at, lastModified: r.updated_at, version: Number(r.version) };
}

const forFilter = (rec: ResourceRecord): Json => render(USER_SHAPE, rec.id, rec.resource, { ...rec, location: '' });

/** Custom attributes: what the endpoint maps replaces those keys; the account's other attributes stay. */
function mergeAttributes(current: Attributes, mapped: Record<string, AttributeValue>): Attributes {
  const out = { ...current };
  for (const [k, v] of Object.entries(mapped)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

export class ScimUsers {
  constructor(private readonly ctx: ScimContext) {}

  private get endpointId(): string {
    return this.ctx.endpoint.id;
  }

  async get(id: string): Promise<ResourceRecord> {
    const r = await userRow(this.ctx.store.db, this.endpointId, id);
    if (!r) throw notFound(`user ${id} not found`);
    return userRecord(r);
  }

  async list(q: ListQuery): Promise<{ total: number; records: ResourceRecord[] }> {
    const db = this.ctx.store.db;
    if (!q.filter) {
      const total = await countUsers(db, this.endpointId);
      const rows = q.count === 0 ? [] : await userRows(db, this.endpointId, null, { offset: q.startIndex - 1, limit: q.count });
      return { total, records: rows.map(userRecord) };
    }
    const f = parseFilter(q.filter);
    const matching = (await userRows(db, this.endpointId, indexedLookup(USER_SHAPE, f))).map(userRecord).filter((rec) => matchResource(USER_SHAPE, forFilter(rec), f));
    return { total: matching.length, records: matching.slice(q.startIndex - 1, q.startIndex - 1 + q.count) };
  }

  async create(body: unknown): Promise<ResourceRecord> {
    return this.save(null, normalizeResource(USER_SHAPE, body), (rec) => ({ action: 'scim.user.create', detail: { userName: rec.resource.userName } }));
  }

  /** PUT: the user becomes what was sent. */
  async replace(id: string, body: unknown, ifMatch?: string): Promise<ResourceRecord> {
    const row = await this.owned(id, ifMatch);
    return this.save(row, normalizeResource(USER_SHAPE, body), (rec) => ({ action: 'scim.user.replace', detail: { version: rec.version } }));
  }

  async patch(id: string, body: unknown, ifMatch?: string): Promise<ResourceRecord> {
    const ops = readPatchBody(body);
    const row = await this.owned(id, ifMatch);
    const next = normalizeResource(USER_SHAPE, applyPatch(USER_SHAPE, JSON.parse(row.resource) as Json, ops));
    const paths = ops.flatMap((o) => (o.path !== undefined ? [o.path] : typeof o.value === 'object' && o.value !== null ? Object.keys(o.value) : []));
    return this.save(row, next, (rec) => ({ action: 'scim.user.update', detail: { operations: ops.map((o) => o.op), paths, version: rec.version } }));
  }

  /** Deletes the account: gone from SCIM at once; what happens in WeCom is the connection's deletion policy. */
  async remove(id: string, ifMatch?: string): Promise<void> {
    await this.owned(id, ifMatch);
    await this.ctx.directory.transaction(async (w) => {
      await w.deleteAccount(id);
      await this.ctx.audit(w.trx, { action: 'scim.user.delete', target: { type: 'account', id }, detail: { endpoint: this.ctx.endpoint.name } });
    });
    this.ctx.changed();
  }

  private async owned(id: string, ifMatch: string | undefined): Promise<ScimUsersTable> {
    const row = await userRow(this.ctx.store.db, this.endpointId, id);
    if (!row) throw notFound(`user ${id} not found`);
    checkIfMatch(ifMatch, Number(row.version), `user ${id}`);
    return row;
  }

  /** Writes the account, the link row for `stored` (a create when `existing` is null) and the audit entry `entry` describes. */
  private async save(existing: ScimUsersTable | null, stored: Json, entry: (rec: ResourceRecord) => Pick<WriteRecord, 'action' | 'detail'>): Promise<ResourceRecord> {
    const userName = typeof stored.userName === 'string' ? stored.userName.trim() : '';
    if (userName === '') throw invalidValue('userName is required');
    const mapped = this.ctx.mapping.mapUser(stored);
    const t = new Date().toISOString();
    const rec = await this.ctx.directory.transaction(async (w) => {
      const clash = await userByName(w.trx, this.endpointId, userName);
      if (clash && clash.account_id !== existing?.account_id) throw new ScimError(409, `userName "${userName}" is already used by user ${clash.account_id} of this endpoint`, 'uniqueness');
      const account = await this.writeAccount(w, existing?.account_id ?? null, mapped);
      const managerWaits = mapped.managerRef !== null && account.managerId === null;
      const row: ScimUsersTable = {
        account_id: account.id,
        endpoint_id: this.endpointId,
        user_name_key: userNameKey(userName),
        external_id: mapped.externalId,
        manager_ref: managerWaits ? mapped.managerRef : null,
        resource: JSON.stringify(stored),
        version: existing ? Number(existing.version) + 1 : 1,
        created_at: existing?.created_at ?? t,
        updated_at: t,
      };
      if (existing) await w.trx.updateTable('scim_users').set(row).where('account_id', '=', account.id).execute();
      else await w.trx.insertInto('scim_users').values(row).execute();
      await this.resolveWaiting(w, { id: account.id, externalId: mapped.externalId, userName });
      const saved = userRecord(row);
      const { action, detail } = entry(saved);
      await this.ctx.audit(w.trx, { action, target: { type: 'account', id: saved.id }, detail: { endpoint: this.ctx.endpoint.name, ...detail } });
      return saved;
    });
    this.ctx.changed();
    return rec;
  }

  private async writeAccount(w: DirectoryWriter, id: string | null, m: MappedUser): Promise<Account> {
    const before = id === null ? null : await this.ctx.directory.requireAccount(id, w.trx);
    const managerId = m.managerRef === null ? null : await resolveUserRef(w.trx, this.endpointId, m.managerRef);
    const fields = {
      ...m.fields,
      username: m.fields.username!,
      displayName: m.fields.displayName!,
      status: m.active ? ('enabled' as const) : ('disabled' as const),
      attributes: mergeAttributes(before?.attributes ?? {}, m.attributes),
      organizationIds: await this.ctx.placement.organizationsFor(w, id, m.department),
      managerId: managerId === id ? null : managerId,
    };
    const write = (f: typeof fields) => (id === null ? w.createAccount(f, { contactsAsGiven: true }) : w.updateAccount(id, f, { contactsAsGiven: true }));
    try {
      return await write(fields);
    } catch (err) {
      // a manager that would close a management cycle is left unset (kept in the resource) rather than refusing the user
      if (err instanceof ValidationError && fields.managerId !== null && err.errors.some((e) => e.field === 'managerId')) return write({ ...fields, managerId: null });
      throw err;
    }
  }

  /** Users whose manager reference names this user now get it as their manager. */
  private async resolveWaiting(w: DirectoryWriter, user: { id: string; externalId: string | null; userName: string }): Promise<void> {
    for (const id of await waitingFor(w.trx, this.endpointId, user)) {
      try {
        await w.updateAccount(id, { managerId: user.id }, { contactsAsGiven: true });
      } catch (err) {
        if (err instanceof ValidationError) continue; // a cycle: stays waiting
        throw err;
      }
      await w.trx.updateTable('scim_users').set({ manager_ref: null }).where('account_id', '=', id).execute();
    }
  }
}
