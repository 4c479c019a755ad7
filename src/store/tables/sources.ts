// Table shapes of pulled directory sources (migration 0011). Owned by src/connectors/ldap.

/** A source the service pulls from (kind `ldap`). */
export interface SourcesTable {
  id: string;
  name: string;
  kind: string;
  /** JSON of the kind's settings (no secrets). */
  settings: string;
  /** SecretBox ciphertext of the bind password (AAD: sourceAad(id)); null = anonymous bind. */
  secret: string | null;
  /** JSON of the high-water marks of the last pull that committed; null before the first. */
  cursor: string | null;
  created_at: string;
  updated_at: string;
}

/** A directory object (organization or account) a source owns, by the server's stable key. */
export interface SourceLinksTable {
  source_id: string;
  object_type: 'organization' | 'account';
  /** entryUUID (OpenLDAP) or objectGUID (AD) in canonical text. */
  key: string;
  /** Set when object_type is `organization` (deleted with it). */
  organization_id: string | null;
  /** Set when object_type is `account` (deleted with it). */
  account_id: string | null;
  /** The DN the entry had at the last pull (for placement and messages; never the identity). */
  dn: string;
  updated_at: string;
}

/** One pull of a source and what it did. */
export interface SourcePullsTable {
  id: string;
  source_id: string;
  /** `full` or `delta` */
  mode: string;
  /** `ok`, `errors` (some entries skipped), `held` (over the safety threshold) or `failed` */
  status: string;
  started_at: string;
  finished_at: string;
  /** JSON: counters, errors, message. */
  result: string;
}

export interface SourceTables {
  sources: SourcesTable;
  source_links: SourceLinksTable;
  source_pulls: SourcePullsTable;
}
