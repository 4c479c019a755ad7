// Migration 0008: inbound SCIM 2.0 (src/connectors/scim): endpoints, their bearer tokens, and the
// links from each endpoint's users and groups to the directory. Never edit once released; add a new migration.
import type { Step } from '../migrations.js';

export const m0009_scim: Step = async (db) => {
  await db.schema
    .createTable('scim_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('scim_endpoints_name').unique().on('scim_endpoints').column('name').execute();

  await db.schema
    .createTable('scim_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('scim_endpoints.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('scim_tokens_hash').unique().on('scim_tokens').column('token_hash').execute();
  await db.schema.createIndex('scim_tokens_endpoint').on('scim_tokens').column('endpoint_id').execute();

  // One row per account an endpoint owns; the SCIM id is the account id. Deleting the account
  // (by hand) or the endpoint removes the link.
  await db.schema
    .createTable('scim_users')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('scim_endpoints.id').onDelete('cascade'))
    .addColumn('user_name_key', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('manager_ref', 'text')
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('scim_users_user_name').unique().on('scim_users').columns(['endpoint_id', 'user_name_key']).execute();
  await db.schema.createIndex('scim_users_external_id').on('scim_users').columns(['endpoint_id', 'external_id']).execute();
  await db.schema.createIndex('scim_users_manager_ref').on('scim_users').columns(['endpoint_id', 'manager_ref']).execute();

  await db.schema
    .createTable('scim_groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('scim_endpoints.id').onDelete('cascade'))
    .addColumn('display_name_key', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('organization_id', 'text', (c) => c.references('organizations.id').onDelete('set null'))
    .addColumn('organization_created', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('scim_groups_display_name').on('scim_groups').columns(['endpoint_id', 'display_name_key']).execute();
  await db.schema.createIndex('scim_groups_external_id').on('scim_groups').columns(['endpoint_id', 'external_id']).execute();
  await db.schema.createIndex('scim_groups_organization').on('scim_groups').column('organization_id').execute();

  await db.schema
    .createTable('scim_group_members')
    .addColumn('group_id', 'text', (c) => c.notNull().references('scim_groups.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('scim_users.account_id').onDelete('cascade'))
    .addPrimaryKeyConstraint('scim_group_members_pk', ['group_id', 'account_id'])
    .execute();
  await db.schema.createIndex('scim_group_members_account').on('scim_group_members').column('account_id').execute();
};
