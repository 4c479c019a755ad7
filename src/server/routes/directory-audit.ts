// What the audit log records of a directory write: the object by name (an account's display name
// and username, an organization's path) and its changes field by field, with organizations and
// managers by name instead of id and personal values masked (src/audit/changes.ts). Read before and
// after the write by the route, so an entry still reads right once the object is gone.
import { type AuditValue, type FieldChange, diffFields } from '../../audit/index.js';
import type { Directory } from '../../directory/directory.js';
import type { Account } from '../../domain/account.js';
import type { Organization } from '../../domain/organization.js';

type DirectoryObject = Account | Organization;

const IGNORED = ['id', 'version', 'createdAt', 'updatedAt'];
const ORGANIZATION_REFS = new Set(['organizationIds', 'primaryOrganizationId', 'parentId']);
const ACCOUNT_REFS = new Set(['managerId']);

const isAccount = (o: DirectoryObject): o is Account => 'username' in o;

function refsOf(objects: Array<DirectoryObject | null>): { organizations: string[]; accounts: string[] } {
  const organizations = new Set<string>();
  const accounts = new Set<string>();
  for (const o of objects) {
    if (!o) continue;
    if (isAccount(o)) {
      for (const id of o.organizationIds) organizations.add(id);
      organizations.add(o.primaryOrganizationId);
      if (o.managerId) accounts.add(o.managerId);
    } else {
      organizations.add(o.id);
      if (o.parentId) organizations.add(o.parentId);
    }
  }
  return { organizations: [...organizations], accounts: [...accounts] };
}

export interface DirectoryAuditDetail {
  /** An account's display name, an organization's name. */
  name: string;
  username?: string;
  /** An organization's path from the top ("总部/研发部"). */
  path?: string;
  changes: FieldChange[];
}

/**
 * The detail of a write that took the object from `before` to `after` (null: created, or deleted).
 * Call it while both are still in the directory's reach: before a delete, after any other write.
 */
export async function directoryAuditDetail(d: Directory, before: DirectoryObject | null, after: DirectoryObject | null): Promise<DirectoryAuditDetail> {
  const subject = (after ?? before)!;
  const names = await d.namesOf(refsOf([before, after]));
  const nameOf = (id: string): string => {
    const n = names.get(id);
    if (!n) return id;
    return n.path ?? (n.username ? `${n.name} (${n.username})` : n.name);
  };
  const name = (field: string, v: AuditValue): AuditValue => {
    if (!ORGANIZATION_REFS.has(field) && !ACCOUNT_REFS.has(field)) return v;
    return Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? nameOf(x) : x)) : typeof v === 'string' ? nameOf(v) : v;
  };
  const changes = diffFields(before as unknown as Record<string, unknown> | null, after as unknown as Record<string, unknown> | null, { ignore: IGNORED, name });
  if (isAccount(subject)) return { name: subject.displayName, username: subject.username, changes };
  return { name: subject.name, path: names.get(subject.id)?.path ?? subject.name, changes };
}
