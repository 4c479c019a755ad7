// The directory as an import file: one JSON document with both kinds (docs/templates/directory.json),
// which `wecom-sync import` and POST /api/v1/directory/import read back unchanged. Organizations by
// path (parents first), accounts with their organizations' paths (the primary one first). Empty
// values are written as null, so importing the file into another directory clears them there too.
import type { DirectorySnapshot } from '../../directory/directory.js';
import { PATH_SEPARATOR, type Organization } from '../../domain/organization.js';

type Attrs = Record<string, string | number | boolean | null>;

export interface ExportedOrganization {
  path: string;
  order: number;
  code: string | null;
  external_id: string | null;
  status: string;
  attributes?: Attrs;
}

export interface ExportedAccount {
  username: string;
  name: string;
  mobile: string | null;
  email: string | null;
  organizations: string[];
  status: string;
  title: string | null;
  gender: string;
  telephone: string | null;
  employee_number: string | null;
  external_id: string | null;
  attributes?: Attrs;
}

export interface ExportDocument {
  organizations: ExportedOrganization[];
  accounts: ExportedAccount[];
}

const withAttributes = (a: Attrs): { attributes?: Attrs } => (Object.keys(a).length > 0 ? { attributes: a } : {});

/** Each organization's path ("总部/研发中心"), by id; a parent not in `orgs` starts the path at the child. */
export function organizationPaths(orgs: ReadonlyArray<Pick<Organization, 'id' | 'parentId' | 'name'>>): Map<string, string> {
  const byId = new Map(orgs.map((o) => [o.id, o]));
  const paths = new Map<string, string>();
  const pathOf = (id: string): string => {
    const known = paths.get(id);
    if (known !== undefined) return known;
    const o = byId.get(id);
    if (!o) return id;
    const p = o.parentId && byId.has(o.parentId) ? `${pathOf(o.parentId)}${PATH_SEPARATOR}${o.name}` : o.name;
    paths.set(id, p);
    return p;
  };
  for (const o of orgs) pathOf(o.id);
  return paths;
}

/** `snap` as an import document; snapshot organizations come parents first (Directory.snapshot). */
export function exportDirectory(snap: DirectorySnapshot): ExportDocument {
  const paths = organizationPaths(snap.organizations);
  const pathOf = (id: string): string => paths.get(id) ?? id;
  return {
    organizations: snap.organizations.map((o) => ({
      path: pathOf(o.id),
      order: o.order,
      code: o.code,
      external_id: o.externalId,
      status: o.status,
      ...withAttributes(o.attributes),
    })),
    accounts: snap.accounts.map((a) => ({
      username: a.username,
      name: a.displayName,
      mobile: a.mobile,
      email: a.email,
      organizations: [a.primaryOrganizationId, ...a.organizationIds.filter((id) => id !== a.primaryOrganizationId)].map(pathOf),
      status: a.status,
      title: a.title,
      gender: a.gender,
      telephone: a.telephone,
      employee_number: a.employeeNumber,
      external_id: a.externalId,
      ...withAttributes(a.attributes),
    })),
  };
}
