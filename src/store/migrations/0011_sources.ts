// Migration 0011: directory sources that the service pulls from (src/connectors/ldap): the sources
// with their settings and encrypted bind password, the links from each source's stable keys
// (entryUUID, objectGUID) to the directory objects it owns, and a record of every pull.
// Never edit once released; add a new migration.
import type { Step } from '../migrations.js';

export const m0011_sources: Step = async (db) => {
  await db.schema
    .createTable('sources')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    // JSON of the kind's settings (no secrets)
    .addColumn('settings', 'text', (c) => c.notNull())
    // SecretBox ciphertext (v1:iv:tag:ct) bound to this source's id
    .addColumn('secret', 'text')
    // JSON: where the last pull left off (high-water marks), written with the data it produced
    .addColumn('cursor', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sources_name').unique().on('sources').column('name').execute();

  // One row per directory object a source owns, keyed by the server's stable key (never the DN).
  // Exactly one of organization_id / account_id is set; deleting the object by hand forgets the link.
  await db.schema
    .createTable('source_links')
    .addColumn('source_id', 'text', (c) => c.notNull().references('sources.id').onDelete('cascade'))
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.references('organizations.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('dn', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('source_links_pk', ['source_id', 'object_type', 'key'])
    .execute();
  await db.schema.createIndex('source_links_organization').unique().on('source_links').column('organization_id').execute();
  await db.schema.createIndex('source_links_account').unique().on('source_links').column('account_id').execute();

  await db.schema
    .createTable('source_pulls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source_id', 'text', (c) => c.notNull().references('sources.id').onDelete('cascade'))
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text', (c) => c.notNull())
    // JSON: {organizations:{…}, accounts:{…}, errors:[{dn,message}], message?}
    .addColumn('result', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('source_pulls_source').on('source_pulls').columns(['source_id', 'started_at']).execute();
};
