// Table shapes of connections (migration 0002). Owned by src/connections.

/** One WeCom company to sync into. Secrets are stored only encrypted (src/connections/crypto.ts). */
export interface ConnectionsTable {
  id: string;
  name: string;
  /** lower(name): names are unique case-insensitively. */
  name_key: string;
  corp_id: string;
  /** `v1:<iv>:<tag>:<ciphertext>` (AES-256-GCM, AAD bound to this row's id and the column). */
  secret_enc: string;
  root_department_id: number;
  default_department_id: number | null;
  /** JSON array of { name, type, expression? }. */
  extattrs: string;
  /** JSON array of "host:port", in failover order. */
  proxies: string;
  proxy_username: string | null;
  /** Encrypted like secret_enc; null = no proxy password. */
  proxy_password_enc: string | null;
  api_base: string;
  ca_pem: string | null;
  /** JSON array of { count, windowMs } (migration 0008); null = WeCom's documented budget. */
  rate_budget: string | null;
  /** Share (0–100] of the budget the connection may use (migration 0008). */
  rate_share_percent: number;
  /** CA (PEM) trusted for https:// proxies (migration 0008). */
  proxy_ca_pem: string | null;
  /** JSON { organizationRoots: string[] }. */
  scope: string;
  on_account_deleted: string;
  on_account_disabled: string;
  on_organization_deleted: string;
  max_deletes: number;
  max_delete_percent: number;
  /** JSON MappingDefinition, or null for the default. */
  mapping: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ConnectionTables {
  connections: ConnectionsTable;
}
