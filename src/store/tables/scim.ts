// Table shapes of inbound SCIM (migration 0008). Owned by src/connectors/scim.

/** A SCIM endpoint: one identity provider feeding the directory. */
export interface ScimEndpointsTable {
  id: string;
  /** Lower-case, URL-safe: the endpoint's path is /scim/v2/<name>. */
  name: string;
  /** JSON of ScimSettings (src/connectors/scim/settings.ts). */
  settings: string;
  created_at: string;
  updated_at: string;
}

/** A bearer token of one endpoint. Only the SHA-256 (hex) of the token is stored. */
export interface ScimTokensTable {
  id: string;
  endpoint_id: string;
  name: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** An account an endpoint owns, with the SCIM User as the identity provider sent it. */
export interface ScimUsersTable {
  /** The directory account, and the SCIM id. */
  account_id: string;
  endpoint_id: string;
  /** lower(userName): unique per endpoint. */
  user_name_key: string;
  external_id: string | null;
  /** The enterprise `manager.value` while it names no user of the endpoint yet; null once resolved or absent. */
  manager_ref: string | null;
  /** JSON: the resource as sent (no id, meta, password). */
  resource: string;
  /** meta.version, bumped by every SCIM write. */
  version: number;
  created_at: string;
  updated_at: string;
}

/** A SCIM Group of one endpoint (members in scim_group_members). */
export interface ScimGroupsTable {
  id: string;
  endpoint_id: string;
  display_name_key: string;
  external_id: string | null;
  /** The organization the group became (organizations from groups); null otherwise. */
  organization_id: string | null;
  /** 1 when the endpoint created that organization for the group (then it may rename and delete it); 0 when it found it. */
  organization_created: number;
  /** JSON: the resource as sent, without members. */
  resource: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ScimGroupMembersTable {
  group_id: string;
  account_id: string;
}

export interface ScimTables {
  scim_endpoints: ScimEndpointsTable;
  scim_tokens: ScimTokensTable;
  scim_users: ScimUsersTable;
  scim_groups: ScimGroupsTable;
  scim_group_members: ScimGroupMembersTable;
}
