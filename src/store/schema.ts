// Table shapes as the typed query layer (Kysely) sees them; the same on both backends.
// Timestamps are ISO-8601 UTC strings and JSON values are text, so both backends store and
// return identical values. Columns are snake_case; src/directory maps rows to domain objects.
import type { Generated } from 'kysely';
import type { ConnectionTables } from './tables/connections.js';
import type { SyncTables } from './tables/sync.js';
import type { AuthTables } from './tables/auth.js';
import type { DemoTables } from './tables/demo.js';
import type { ScimTables } from './tables/scim.js';
import type { SourceTables } from './tables/sources.js';
import type { JobTables } from './tables/jobs.js';

export interface OrganizationsTable {
  id: string;
  external_id: string | null;
  name: string;
  parent_id: string | null;
  sort_order: number;
  code: string | null;
  status: string;
  /** JSON object text. */
  attributes: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface AccountsTable {
  id: string;
  external_id: string | null;
  username: string;
  /** lower(username): the unique key. */
  username_key: string;
  display_name: string;
  mobile: string | null;
  email: string | null;
  telephone: string | null;
  title: string | null;
  gender: string;
  employee_number: string | null;
  manager_id: string | null;
  primary_organization_id: string;
  status: string;
  attributes: string;
  version: number;
  created_at: string;
  updated_at: string;
}

interface AccountOrganizationsTable {
  account_id: string;
  organization_id: string;
  /** 0 = primary, then the order the organizations were given in. */
  position: number;
}

interface ChangesTable {
  seq: number;
  object_type: string;
  object_id: string;
  operation: string;
  version: number;
  /** JSON array of domain field names. */
  changed_fields: string;
  occurred_at: string;
}

/** Single-row counters; `changes` holds the last change-feed sequence handed out. */
interface CountersTable {
  name: string;
  value: Generated<number>;
}

/** The directory's tables (migration 0001). */
interface DirectoryTables {
  organizations: OrganizationsTable;
  accounts: AccountsTable;
  account_organizations: AccountOrganizationsTable;
  changes: ChangesTable;
  counters: CountersTable;
}

/**
 * Every table, grouped by the area that owns it. Each later area keeps its table shapes in
 * ./tables/<area>.ts and its migration in ./migrations/<number>_<area>.ts.
 */
export interface Database extends DirectoryTables, ConnectionTables, SyncTables, AuthTables, DemoTables, ScimTables, SourceTables, JobTables {}
