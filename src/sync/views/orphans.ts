// Orphans: WeCom members and departments this connection wrote that no account or organization
// owns any more — left by a deleted account (policies "disable", "ignore") or a deleted
// organization (policy "keep"). From the store alone (links, their shadows: the values last
// written), so it answers also where WeCom refuses its lists and details (48009). Members made by
// hand in WeCom, which the store never saw, need WeCom's lists and are not listed here.
import type { DepartmentShadow, MemberShadow } from '../../domain/link.js';
import type { Directory } from '../../directory/directory.js';
import type { Store } from '../../store/store.js';

export interface OrphanMember {
  userid: string;
  /** the name last written to WeCom, when known */
  name: string | null;
  /** false when the member was last written disabled */
  enabled: boolean;
  /** the deleted account whose link still holds the member */
  account: string;
  /** when the link was last written (for a disabled member: when it was disabled) */
  since: string;
  why: 'account deleted';
}

export interface OrphanDepartment {
  departmentId: number;
  name: string | null;
  organization: string;
  since: string;
  why: 'organization deleted';
}

/** The connection's orphans, in userid / department id order. */
export async function orphansOf(deps: { store: Store; directory: Directory }, connectionId: string): Promise<{ members: OrphanMember[]; departments: OrphanDepartment[] }> {
  const db = deps.store.db;
  const [members, departments] = await Promise.all([
    db.selectFrom('member_links').select(['account_id', 'userid', 'shadow', 'updated_at']).where('connection_id', '=', connectionId).where('state', '=', 'active').execute(),
    db.selectFrom('department_links').select(['org_id', 'department_id', 'shadow', 'updated_at']).where('connection_id', '=', connectionId).where('state', '=', 'active').execute(),
  ]);
  const gone = await deps.directory.deletedOf({ departments: departments.map((d) => d.org_id), members: members.map((m) => m.account_id) });
  const goneAccounts = new Set(gone.members);
  const goneOrgs = new Set(gone.departments);
  return {
    members: members
      .filter((m) => goneAccounts.has(m.account_id))
      .map((m): OrphanMember => {
        const s = m.shadow === null ? null : (JSON.parse(m.shadow) as MemberShadow);
        return { userid: m.userid, name: s?.name ?? null, enabled: s?.enable !== 0, account: m.account_id, since: m.updated_at, why: 'account deleted' };
      })
      .sort((a, b) => (a.userid < b.userid ? -1 : a.userid > b.userid ? 1 : 0)),
    departments: departments
      .filter((d) => goneOrgs.has(d.org_id))
      .map((d): OrphanDepartment => {
        const s = d.shadow === null ? null : (JSON.parse(d.shadow) as DepartmentShadow);
        return { departmentId: Number(d.department_id), name: s?.name ?? null, organization: d.org_id, since: d.updated_at, why: 'organization deleted' };
      })
      .sort((a, b) => a.departmentId - b.departmentId),
  };
}
