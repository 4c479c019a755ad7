// SCIM endpoints and their bearer tokens. Each endpoint is one identity provider: its own path
// (/scim/v2/<name>), settings and tokens. A token is shown once when issued; only its SHA-256 is
// stored, and revoking it stops it at once. These are not the admin API's tokens: a SCIM token
// reaches its endpoint's /Users and /Groups and nothing else.
import { coded } from '../../messages/index.js';
import { fieldError } from '../../domain/common.js';
import { createHash, randomBytes } from 'node:crypto';
import type { FieldError } from '../../domain/common.js';
import { AppError } from '../../domain/errors.js';
import type { Directory } from '../../directory/directory.js';
import { ConflictError, NotFoundError, ValidationError, validationFrom } from '../../directory/errors.js';
import { type Store, type Tx, newId } from '../../store/index.js';
import type { ScimEndpointsTable, ScimTokensTable } from '../../store/tables/scim.js';
import { isUniqueViolation } from '../../store/errors.js';
import { DEFAULT_ORGANIZATIONS, ENDPOINT_NAME, type OrganizationSettings, type ScimSettings, checkSettings } from './settings.js';

const SCIM_TOKEN_PREFIX = 'wsc_';
export const SCIM_PATH_PREFIX = '/scim/v2';

export interface ScimEndpoint {
  id: string;
  name: string;
  /** The SCIM base path on the service: /Users, /Groups, … are directly under it. */
  path: string;
  settings: ScimSettings;
  createdAt: string;
  updatedAt: string;
}

export interface ScimToken {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Settings as a caller gives them: any part may be left out (the defaults, or what is stored). */
export interface ScimSettingsInput {
  defaultOrganizationId?: string;
  organizations?: Partial<OrganizationSettings>;
  fields?: ScimSettings['fields'];
  attributes?: Record<string, string>;
}

const LAST_USED_RESOLUTION_MS = 60_000;

const endpointPath = (name: string): string => `${SCIM_PATH_PREFIX}/${name}`;
const digest = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

function toEndpoint(r: ScimEndpointsTable): ScimEndpoint {
  return { id: r.id, name: r.name, path: endpointPath(r.name), settings: JSON.parse(r.settings) as ScimSettings, createdAt: r.created_at, updatedAt: r.updated_at };
}

function toToken(r: ScimTokensTable): ScimToken {
  return { id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at };
}

export class ScimEndpoints {
  constructor(
    private readonly store: Store,
    private readonly directory: Directory,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async list(): Promise<Array<ScimEndpoint & { users: number; groups: number; activeTokens: number }>> {
    const rows = await this.store.db.selectFrom('scim_endpoints').selectAll().orderBy('name').execute();
    const count = async (table: 'scim_users' | 'scim_groups') =>
      new Map((await this.store.db.selectFrom(table).select(['endpoint_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('endpoint_id').execute()).map((r) => [r.endpoint_id, Number(r.n)]));
    const users = await count('scim_users');
    const groups = await count('scim_groups');
    const tokens = new Map(
      (await this.store.db.selectFrom('scim_tokens').select(['endpoint_id', (eb) => eb.fn.countAll<number>().as('n')]).where('revoked_at', 'is', null).groupBy('endpoint_id').execute()).map((r) => [r.endpoint_id, Number(r.n)]),
    );
    return rows.map((r) => ({ ...toEndpoint(r), users: users.get(r.id) ?? 0, groups: groups.get(r.id) ?? 0, activeTokens: tokens.get(r.id) ?? 0 }));
  }

  async get(name: string): Promise<ScimEndpoint | undefined> {
    const r = await this.store.db.selectFrom('scim_endpoints').selectAll().where('name', '=', name.toLowerCase()).executeTakeFirst();
    return r ? toEndpoint(r) : undefined;
  }

  async require(name: string): Promise<ScimEndpoint> {
    const e = await this.get(name);
    if (!e) throw new NotFoundError(coded('error.scim-endpoint-not-found', { name }));
    return e;
  }

  /**
   * Creates an endpoint and its first token (returned here and never again). Without a default
   * organization, a top-level organization named after the endpoint is used (created if missing),
   * so an endpoint works on an empty directory.
   */
  async create(name: string, input: ScimSettingsInput = {}, tokenName = 'default'): Promise<{ endpoint: ScimEndpoint; token: string; tokenRecord: ScimToken }> {
    if (!ENDPOINT_NAME.test(name))
      throw new ValidationError(coded('error.scim-endpoint-name', { name }), [fieldError('name', 'invalid.scim-endpoint-name')]);
    if (await this.get(name)) throw new ConflictError(coded('error.scim-endpoint-taken', { name }), [fieldError('name', 'invalid.exists')]);
    const defaultOrganizationId = input.defaultOrganizationId ?? (await this.organizationNamed(name));
    const settings = this.merge({ defaultOrganizationId, organizations: { ...DEFAULT_ORGANIZATIONS }, fields: {}, attributes: {} }, input);
    const t = this.now().toISOString();
    const row: ScimEndpointsTable = { id: newId('scim'), name, settings: JSON.stringify(settings), created_at: t, updated_at: t };
    const issued = newToken(row.id, tokenName, t);
    try {
      await this.store.write(async (trx) => {
        await this.checkReferences(trx, settings);
        await trx.insertInto('scim_endpoints').values(row).execute();
        await trx.insertInto('scim_tokens').values(issued.row).execute();
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(coded('error.scim-endpoint-taken', { name }), [fieldError('name', 'invalid.exists')]);
      throw err;
    }
    return { endpoint: toEndpoint(row), token: issued.token, tokenRecord: toToken(issued.row) };
  }

  /** Changes some settings; the rest stay as they are. */
  async update(name: string, input: ScimSettingsInput): Promise<ScimEndpoint> {
    return this.store.write(async (trx) => {
      const row = await trx.selectFrom('scim_endpoints').selectAll().where('name', '=', name.toLowerCase()).executeTakeFirst();
      if (!row) throw new NotFoundError(coded('error.scim-endpoint-not-found', { name }));
      const settings = this.merge(JSON.parse(row.settings) as ScimSettings, input);
      await this.checkReferences(trx, settings);
      const updated = { settings: JSON.stringify(settings), updated_at: this.now().toISOString() };
      await trx.updateTable('scim_endpoints').set(updated).where('id', '=', row.id).execute();
      return toEndpoint({ ...row, ...updated });
    });
  }

  /** Deletes an endpoint and its tokens; the accounts it fed stay in the directory, owned by no endpoint. */
  async remove(name: string): Promise<void> {
    const e = await this.require(name);
    await this.store.write(async (trx) => {
      await trx.deleteFrom('scim_endpoints').where('id', '=', e.id).execute();
    });
  }

  async issueToken(name: string, tokenName = 'default'): Promise<{ token: string; record: ScimToken; endpoint: ScimEndpoint }> {
    const e = await this.require(name);
    const issued = newToken(e.id, tokenName, this.now().toISOString());
    await this.store.db.insertInto('scim_tokens').values(issued.row).execute();
    return { token: issued.token, record: toToken(issued.row), endpoint: e };
  }

  async tokens(name: string, opts: { includeRevoked?: boolean } = {}): Promise<ScimToken[]> {
    const e = await this.require(name);
    let q = this.store.db.selectFrom('scim_tokens').selectAll().where('endpoint_id', '=', e.id).orderBy('id');
    if (!opts.includeRevoked) q = q.where('revoked_at', 'is', null);
    return (await q.execute()).map(toToken);
  }

  /** Revokes a token of the endpoint; undefined when it has no such token. Revoking twice is harmless. */
  async revokeToken(name: string, id: string): Promise<ScimToken | undefined> {
    const e = await this.require(name);
    const r = await this.store.db.selectFrom('scim_tokens').selectAll().where('id', '=', id).where('endpoint_id', '=', e.id).executeTakeFirst();
    if (!r) return undefined;
    if (r.revoked_at === null) {
      r.revoked_at = this.now().toISOString();
      await this.store.db.updateTable('scim_tokens').set({ revoked_at: r.revoked_at }).where('id', '=', id).execute();
    }
    return toToken(r);
  }

  /** The endpoint and token a bearer token opens, when it is a live token of that endpoint; else null. */
  async authenticate(name: string, token: string): Promise<{ endpoint: ScimEndpoint; token: ScimToken } | null> {
    if (!token.startsWith(SCIM_TOKEN_PREFIX)) return null;
    const r = await this.store.db
      .selectFrom('scim_tokens')
      .innerJoin('scim_endpoints', 'scim_endpoints.id', 'scim_tokens.endpoint_id')
      .selectAll('scim_tokens')
      .select(['scim_endpoints.name as endpoint_name', 'scim_endpoints.settings', 'scim_endpoints.created_at as endpoint_created_at', 'scim_endpoints.updated_at as endpoint_updated_at'])
      .where('scim_tokens.token_hash', '=', digest(token))
      .executeTakeFirst();
    if (!r || r.revoked_at !== null || r.endpoint_name !== name.toLowerCase()) return null;
    const now = this.now();
    if (r.last_used_at === null || now.getTime() - Date.parse(r.last_used_at) >= LAST_USED_RESOLUTION_MS) {
      r.last_used_at = now.toISOString();
      await this.store.db.updateTable('scim_tokens').set({ last_used_at: r.last_used_at }).where('id', '=', r.id).execute();
    }
    const endpoint = toEndpoint({ id: r.endpoint_id, name: r.endpoint_name, settings: r.settings, created_at: r.endpoint_created_at, updated_at: r.endpoint_updated_at });
    return { endpoint, token: toToken(r) };
  }

  private merge(base: ScimSettings, input: ScimSettingsInput): ScimSettings {
    const s: ScimSettings = {
      defaultOrganizationId: input.defaultOrganizationId ?? base.defaultOrganizationId,
      organizations: { ...base.organizations, ...definedOnly(input.organizations ?? {}) },
      fields: { ...base.fields, ...(input.fields ?? {}) },
      attributes: input.attributes ?? base.attributes,
    };
    // an empty expression restores the default
    for (const [k, v] of Object.entries(s.fields)) if (v === undefined || v.trim() === '') delete s.fields[k as keyof ScimSettings['fields']];
    const errors = checkSettings(s);
    if (errors.length > 0) throw validationFrom(errors, 'scim-endpoint');
    return s;
  }

  private async checkReferences(trx: Tx, s: ScimSettings): Promise<void> {
    const errors: FieldError[] = [];
    const exists = async (id: string) => (await trx.selectFrom('organizations').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
    if (!(await exists(s.defaultOrganizationId))) errors.push(fieldError('defaultOrganizationId', 'invalid.organization-missing-plain', { id: s.defaultOrganizationId }));
    if (s.organizations.parentId !== null && !(await exists(s.organizations.parentId))) errors.push(fieldError('organizations.parentId', 'invalid.organization-missing-plain', { id: s.organizations.parentId }));
    if (errors.length > 0) throw validationFrom(errors, 'scim-endpoint');
  }

  /** The top-level organization with this name, created when missing. */
  private async organizationNamed(name: string): Promise<string> {
    const found = await this.store.db.selectFrom('organizations').select('id').where('parent_id', 'is', null).where('name', '=', name).executeTakeFirst();
    if (found) return found.id;
    try {
      return (await this.directory.createOrganization({ name })).id;
    } catch (err) {
      // created at the same moment by another process
      const again = await this.store.db.selectFrom('organizations').select('id').where('parent_id', 'is', null).where('name', '=', name).executeTakeFirst();
      if (again && err instanceof AppError) return again.id;
      throw err;
    }
  }
}

function newToken(endpointId: string, name: string, at: string): { token: string; row: ScimTokensTable } {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 100) throw new ValidationError(coded('error.token-name'), [fieldError('tokenName', 'invalid.length-range', { min: 1, max: 100 })]);
  const token = SCIM_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, row: { id: newId('stk'), endpoint_id: endpointId, name: trimmed, token_hash: digest(token), created_at: at, last_used_at: null, revoked_at: null } };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
