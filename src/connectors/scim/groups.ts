// The /Groups operations of one endpoint. Groups are the endpoint's own (scim_groups, members in
// scim_group_members); with organizations from groups each group is also an organization and its
// members' organizations follow its membership. Members name users of this endpoint; ids it does
// not know are ignored (a user deleted meanwhile), never an error that would stall the provider.
import type { DirectoryWriter } from '../../directory/directory.js';
import { ConflictError } from '../../directory/errors.js';
import { newId } from '../../store/index.js';
import type { ScimGroupsTable } from '../../store/tables/scim.js';
import { type ListQuery, type ResourceRecord, type ScimContext, type WriteRecord, checkIfMatch } from './context.js';
import { invalidValue, notFound } from './errors.js';
import { indexedLookup, matchResource, parseFilter } from './filter.js';
import { countGroups, existingUsers, groupRow, groupRows, groupsOfOrganization, memberIdsOf, membersOf, setMembers } from './links.js';
import { applyPatch, readPatchBody } from './patch.js';
import { type Json, memberIds, membersOf as membersIn, normalizeResource, render } from './resource.js';
import { GROUP_SHAPE } from './schemas.js';

interface GroupRecord extends ResourceRecord {
  /** null when members were not asked for. */
  members: Array<{ value: string; display: string }> | null;
}

function groupRecord(r: ScimGroupsTable, members: GroupRecord['members']): GroupRecord {
  return { id: r.id, resource: JSON.parse(r.resource) as Json, created: r.created_at, lastModified: r.updated_at, version: Number(r.version), members };
}

export class ScimGroups {
  constructor(private readonly ctx: ScimContext) {}

  private get endpointId(): string {
    return this.ctx.endpoint.id;
  }

  private get maxParameters(): number {
    return this.ctx.store.maxParameters;
  }

  async get(id: string, withMembers = true): Promise<GroupRecord> {
    const r = await groupRow(this.ctx.store.db, this.endpointId, id);
    if (!r) throw notFound(`group ${id} not found`);
    return groupRecord(r, withMembers ? ((await membersOf(this.ctx.store.db, [id], this.maxParameters)).get(id) ?? []) : null);
  }

  async list(q: ListQuery, withMembers: boolean): Promise<{ total: number; records: GroupRecord[] }> {
    const db = this.ctx.store.db;
    let total: number;
    let rows: ScimGroupsTable[];
    if (!q.filter) {
      total = await countGroups(db, this.endpointId);
      rows = q.count === 0 ? [] : await groupRows(db, this.endpointId, null, { offset: q.startIndex - 1, limit: q.count });
    } else {
      const f = parseFilter(q.filter);
      const candidates = await groupRows(db, this.endpointId, indexedLookup(GROUP_SHAPE, f));
      // members are needed for the test only when the filter names them
      const needMembers = /members/i.test(q.filter);
      const members = needMembers ? await membersOf(db, candidates.map((r) => r.id), this.maxParameters) : null;
      const matching = candidates.filter((r) => {
        const rec = groupRecord(r, members?.get(r.id) ?? []);
        return matchResource(GROUP_SHAPE, render(GROUP_SHAPE, rec.id, rec.resource, { ...rec, location: '' }, { members: rec.members }), f);
      });
      total = matching.length;
      rows = matching.slice(q.startIndex - 1, q.startIndex - 1 + q.count);
    }
    const members = withMembers ? await membersOf(db, rows.map((r) => r.id), this.maxParameters) : null;
    return { total, records: rows.map((r) => groupRecord(r, members ? (members.get(r.id) ?? []) : null)) };
  }

  async create(body: unknown): Promise<GroupRecord> {
    const stored = normalizeResource(GROUP_SHAPE, body);
    const ids = memberIds(membersIn(body as Json));
    const rec = await this.save(null, stored, ids, () => ({ action: 'scim.group.create', detail: { displayName: stored.displayName, members: ids.length } }));
    return this.get(rec.id);
  }

  /** PUT: the group becomes what was sent, members included (none when it lists none). */
  async replace(id: string, body: unknown, ifMatch?: string): Promise<GroupRecord> {
    const row = await this.owned(id, ifMatch);
    await this.save(row, normalizeResource(GROUP_SHAPE, body), memberIds(membersIn(body as Json)), (rec) => ({ action: 'scim.group.replace', detail: { version: rec.version } }));
    return this.get(id);
  }

  async patch(id: string, body: unknown, ifMatch?: string): Promise<GroupRecord> {
    const ops = readPatchBody(body);
    const row = await this.owned(id, ifMatch);
    const current = await memberIdsOf(this.ctx.store.db, id);
    const patched = applyPatch(GROUP_SHAPE, { ...(JSON.parse(row.resource) as Json), members: current.map((value) => ({ value })) }, ops);
    return this.save(row, normalizeResource(GROUP_SHAPE, patched), memberIds(membersIn(patched)), (rec) => ({
      action: 'scim.group.update',
      detail: { operations: ops.map((o) => o.op), paths: ops.map((o) => o.path ?? null), version: rec.version },
    }));
  }

  async remove(id: string, ifMatch?: string): Promise<void> {
    const row = await this.owned(id, ifMatch);
    await this.ctx.directory.transaction(async (w) => {
      const members = await memberIdsOf(w.trx, id);
      await w.trx.deleteFrom('scim_groups').where('id', '=', id).execute();
      if (this.ctx.placement.mode === 'groups') {
        await this.placeMembers(w, members);
        await this.dropOrganization(w, row);
      }
      await this.ctx.audit(w.trx, { action: 'scim.group.delete', target: { type: 'scim-group', id }, detail: { endpoint: this.ctx.endpoint.name } });
    });
    this.ctx.changed();
  }

  private async owned(id: string, ifMatch: string | undefined): Promise<ScimGroupsTable> {
    const row = await groupRow(this.ctx.store.db, this.endpointId, id);
    if (!row) throw notFound(`group ${id} not found`);
    checkIfMatch(ifMatch, Number(row.version), `group ${id}`);
    return row;
  }

  private async save(existing: ScimGroupsTable | null, stored: Json, wanted: string[], entry: (rec: GroupRecord) => Pick<WriteRecord, 'action' | 'detail'>): Promise<GroupRecord> {
    const displayName = typeof stored.displayName === 'string' ? stored.displayName.trim() : '';
    if (displayName === '') throw invalidValue('displayName is required');
    const t = new Date().toISOString();
    const rec = await this.ctx.directory.transaction(async (w) => {
      const members = await existingUsers(w.trx, this.endpointId, wanted, this.maxParameters);
      const id = existing?.id ?? newId('grp');
      const groups = this.ctx.placement.mode === 'groups';
      const org = groups ? await this.organizationFor(w, existing, displayName) : { id: null, created: false };
      const row: ScimGroupsTable = {
        id,
        endpoint_id: this.endpointId,
        display_name_key: displayName.toLowerCase(),
        external_id: typeof stored.externalId === 'string' ? stored.externalId : null,
        organization_id: org.id,
        organization_created: org.created ? 1 : 0,
        resource: JSON.stringify(stored),
        version: existing ? Number(existing.version) + 1 : 1,
        created_at: existing?.created_at ?? t,
        updated_at: t,
      };
      if (existing) await w.trx.updateTable('scim_groups').set(row).where('id', '=', id).execute();
      else await w.trx.insertInto('scim_groups').values(row).execute();
      const { added, removed } = await setMembers(w.trx, id, members, this.maxParameters);
      if (groups) {
        const moved = existing && existing.organization_id !== org.id;
        await this.placeMembers(w, moved ? members.concat(removed) : added.concat(removed));
        if (moved && existing) await this.dropOrganization(w, existing);
      }
      const saved = groupRecord(row, null);
      const { action, detail } = entry(saved);
      await this.ctx.audit(w.trx, { action, target: { type: 'scim-group', id }, detail: { endpoint: this.ctx.endpoint.name, ...detail } });
      return saved;
    });
    this.ctx.changed();
    return rec;
  }

  /**
   * The organization a group is (groups mode). A renamed group renames its organization in place
   * when the endpoint created it for this group alone — the WeCom department keeps its id — and
   * otherwise moves to the organization of its new name.
   */
  private async organizationFor(w: DirectoryWriter, existing: ScimGroupsTable | null, displayName: string): Promise<{ id: string; created: boolean }> {
    const path = this.ctx.placement.groupPath(displayName);
    const found = await this.ctx.placement.findPath(w.trx, path);
    const old = existing?.organization_id ?? null;
    if (found !== null) return { id: found, created: found === old && existing?.organization_created === 1 };
    if (old !== null && existing?.organization_created === 1 && (await groupsOfOrganization(w.trx, old)) === 1) {
      const parentId = path.length > 1 ? await this.ctx.placement.ensurePath(w, path.slice(0, -1)) : this.ctx.endpoint.settings.organizations.parentId;
      await w.updateOrganization(old, { name: path[path.length - 1]!, parentId });
      return { id: old, created: true };
    }
    return { id: await this.ctx.placement.ensurePath(w, path), created: true };
  }

  /** Members' organizations follow their groups (groups mode). */
  private async placeMembers(w: DirectoryWriter, accountIds: readonly string[]): Promise<void> {
    for (const id of new Set(accountIds)) {
      const organizationIds = await this.ctx.placement.organizationsFor(w, id, null);
      await w.updateAccount(id, { organizationIds }, { contactsAsGiven: true });
    }
  }

  /** Deletes the organization a group no longer uses, when the endpoint created it and nothing else is in it. */
  private async dropOrganization(w: DirectoryWriter, row: ScimGroupsTable): Promise<void> {
    if (row.organization_id === null || row.organization_created !== 1) return;
    if ((await groupsOfOrganization(w.trx, row.organization_id)) > 0) return;
    try {
      await w.deleteOrganization(row.organization_id);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err; // still holds accounts or organizations of others: kept
    }
  }
}
