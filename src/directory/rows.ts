// Mapping between store rows and domain objects.
import type { Account, Gender } from '../domain/account.js';
import type { Attributes, Status } from '../domain/common.js';
import type { Organization } from '../domain/organization.js';
import type { AccountsTable, OrganizationsTable } from '../store/schema.js';

export function organizationFromRow(r: OrganizationsTable): Organization {
  return {
    id: r.id,
    externalId: r.external_id,
    name: r.name,
    parentId: r.parent_id,
    order: Number(r.sort_order),
    code: r.code,
    status: r.status as Status,
    attributes: JSON.parse(r.attributes) as Attributes,
    version: Number(r.version),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function organizationToRow(o: Organization): OrganizationsTable {
  return {
    id: o.id,
    external_id: o.externalId,
    name: o.name,
    parent_id: o.parentId,
    sort_order: o.order,
    code: o.code,
    status: o.status,
    attributes: JSON.stringify(o.attributes),
    version: o.version,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
  };
}

export type AccountRow = Omit<AccountsTable, never>;

/** organizationIds: primary first. */
export function accountFromRow(r: AccountsTable, organizationIds: string[]): Account {
  return {
    id: r.id,
    externalId: r.external_id,
    username: r.username,
    displayName: r.display_name,
    mobile: r.mobile,
    email: r.email,
    telephone: r.telephone,
    title: r.title,
    gender: r.gender as Gender,
    employeeNumber: r.employee_number,
    managerId: r.manager_id,
    organizationIds,
    primaryOrganizationId: r.primary_organization_id,
    status: r.status as Status,
    attributes: JSON.parse(r.attributes) as Attributes,
    version: Number(r.version),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function accountToRow(a: Account): AccountsTable {
  return {
    id: a.id,
    external_id: a.externalId,
    username: a.username,
    username_key: a.username.toLowerCase(),
    display_name: a.displayName,
    mobile: a.mobile,
    email: a.email,
    telephone: a.telephone,
    title: a.title,
    gender: a.gender,
    employee_number: a.employeeNumber,
    manager_id: a.managerId,
    primary_organization_id: a.primaryOrganizationId,
    status: a.status,
    attributes: JSON.stringify(a.attributes),
    version: a.version,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  };
}
