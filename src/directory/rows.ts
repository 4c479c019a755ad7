// Mapping between store rows and domain objects. The row mapping is written out (an object literal
// per direction: the compiler checks that every column and every field is there, and V8 keeps the
// rows monomorphic on every read); the bulk column lists are derived from the field descriptor
// tables (src/domain/fields.ts).
import { ACCOUNT_FIELD_SPECS, type Account, type Gender, usernameKey } from '../domain/account.js';
import type { Attributes, Status } from '../domain/common.js';
import { type ColumnKind, fieldColumns } from '../domain/fields.js';
import { ORGANIZATION_FIELD_SPECS, type Organization } from '../domain/organization.js';
import type { BulkOptions, PgType } from '../store/bulk.js';
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
    username_key: usernameKey(a.username),
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

// Bulk writes (imports) upsert whole rows by id: every column but id and created_at is overwritten.
const organizationColumns = fieldColumns(ORGANIZATION_FIELD_SPECS);
const accountColumns = fieldColumns(ACCOUNT_FIELD_SPECS);

export const ORGANIZATION_BULK: BulkOptions<OrganizationsTable> = {
  columns: { id: 'text', ...pgTypes(organizationColumns), version: 'integer', created_at: 'text', updated_at: 'text' },
  upsert: { conflict: 'id', update: [...organizationColumns.map((f) => f.column), 'version', 'updated_at'] },
};

export const ACCOUNT_BULK: BulkOptions<AccountsTable> = {
  columns: { id: 'text', ...pgTypes(accountColumns), username_key: 'text', version: 'integer', created_at: 'text', updated_at: 'text' },
  upsert: { conflict: 'id', update: [...accountColumns.map((f) => f.column), 'username_key', 'version', 'updated_at'] },
};

function pgTypes<C extends string>(fields: ReadonlyArray<{ column: C; kind: ColumnKind }>): Record<C, PgType> {
  const type: Record<ColumnKind, PgType> = { text: 'text', number: 'bigint' };
  return Object.fromEntries(fields.map((f) => [f.column, type[f.kind]])) as Record<C, PgType>;
}
