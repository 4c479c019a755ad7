// Where an endpoint's users go in the organization tree, per its settings (./settings.ts):
// department paths and group names become organizations under the endpoint's parent, created
// level by level when missing (inside the write transaction, so two users naming one new
// department share it). Organizations are matched by name among siblings; the endpoint never
// deletes one that anything else uses.
import type { DirectoryWriter } from '../../directory/directory.js';
import type { Db } from './links.js';
import { groupOrganizationsOf } from './links.js';
import { splitPath } from './mapping.js';
import type { ScimSettings } from './settings.js';

export class Placement {
  constructor(private readonly settings: ScimSettings) {}

  get mode(): ScimSettings['organizations']['mode'] {
    return this.settings.organizations.mode;
  }

  /** The organization path a group name stands for (groups mode). */
  groupPath(displayName: string): string[] {
    const o = this.settings.organizations;
    const segments = o.nestedGroups ? splitPath(displayName, o.separator) : splitPath(displayName, '\u0000');
    return segments.length > 0 ? segments : ['-'];
  }

  /** The organization at `segments` under the endpoint's parent, or null when some level is missing. */
  async findPath(db: Db, segments: readonly string[]): Promise<string | null> {
    let parent = this.settings.organizations.parentId;
    for (const name of segments) {
      const found = await child(db, parent, name);
      if (found === null) return null;
      parent = found;
    }
    return parent;
  }

  /** The organization at `segments` under the endpoint's parent, creating the missing levels. */
  async ensurePath(w: DirectoryWriter, segments: readonly string[]): Promise<string> {
    let parent = this.settings.organizations.parentId;
    for (const name of segments) parent = (await child(w.trx, parent, name)) ?? (await w.createOrganization({ name, parentId: parent })).id;
    return parent!;
  }

  /** The organizations of a user, primary first: its department, its groups', or the default. */
  async organizationsFor(w: DirectoryWriter, accountId: string | null, department: string[] | null): Promise<string[]> {
    const fallback = [this.settings.defaultOrganizationId];
    switch (this.mode) {
      case 'department':
        return department ? [await this.ensurePath(w, department)] : fallback;
      case 'groups': {
        const orgs = accountId === null ? [] : await groupOrganizationsOf(w.trx, accountId);
        return orgs.length > 0 ? orgs : fallback;
      }
      default:
        return fallback;
    }
  }
}

async function child(db: Db, parent: string | null, name: string): Promise<string | null> {
  let q = db.selectFrom('organizations').select('id').where('name', '=', name);
  q = parent === null ? q.where('parent_id', 'is', null) : q.where('parent_id', '=', parent);
  return (await q.executeTakeFirst())?.id ?? null;
}
