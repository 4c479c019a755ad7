// Mapping between store rows and domain objects, derived from the field descriptor tables
// (src/domain/fields.ts); only the bookkeeping columns (id, version, timestamps, username_key) are
// written out here.
import { ACCOUNT_FIELD_SPECS, type Account, usernameKey } from '../domain/account.js';
import { type ColumnKind, type FieldSpecs, fieldColumns, integer, rowMapping, text } from '../domain/fields.js';
import { ORGANIZATION_FIELD_SPECS, type Organization } from '../domain/organization.js';
import type { BulkOptions, PgType } from '../store/bulk.js';
import type { AccountsTable, OrganizationsTable } from '../store/schema.js';

// Whole rows: the fields between the bookkeeping columns every directory row has.
const organizationRow = rowMapping({
  id: text('id'), ...ORGANIZATION_FIELD_SPECS, version: integer('version'), createdAt: text('created_at'), updatedAt: text('updated_at'),
} satisfies FieldSpecs<Organization>);
const accountRow = rowMapping({
  id: text('id'), ...ACCOUNT_FIELD_SPECS, version: integer('version'), createdAt: text('created_at'), updatedAt: text('updated_at'),
} satisfies FieldSpecs<Account>);

export const organizationFromRow = (r: OrganizationsTable): Organization => organizationRow.fromRow(r, {});

export const organizationToRow = (o: Organization): OrganizationsTable => organizationRow.toRow(o);

/** organizationIds: primary first. */
export const accountFromRow = (r: AccountsTable, organizationIds: string[]): Account => accountRow.fromRow(r, { organizationIds });

export function accountToRow(a: Account): AccountsTable {
  // Every column but the derived username_key (set after: cheaper than copying the row into another literal).
  const row: Omit<AccountsTable, 'username_key'> & Partial<AccountsTable> = accountRow.toRow(a);
  row.username_key = usernameKey(a.username);
  return row as AccountsTable;
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
