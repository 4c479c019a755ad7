// Connections: create, update, list, get, delete, and the decrypted client options for the sync
// engine. Secrets go in plaintext and come out only through clientOptions(); every other read
// says whether a secret is set (hasSecret / hasProxyPassword), never what it is.
import type { Selectable } from 'kysely';
import {
  type Connection,
  type ConnectionInput,
  type ConnectionPatch,
  type ConnectionSettings,
  type ExtAttrConfig,
  connectionBudget,
  type OnAccountDeleted,
  type OnAccountDisabled,
  type OnOrganizationDeleted,
  checkSecretValue,
  resolveSettings,
} from '../domain/connection.js';
import { type FieldError, fieldError } from '../domain/common.js';
import { AppError } from '../domain/errors.js';
import { type CodedText, clause, coded } from '../messages/index.js';
import { newId } from '../store/ids.js';
import type { ConnectionsTable } from '../store/tables/connections.js';
import type { Store, Tx } from '../store/store.js';
import { isUniqueViolation } from '../store/errors.js';
import type { WeComClientOptions } from '../wecom/client.js';
import { type SecretBox, SecretDecryptError, connectionAad } from './crypto.js';

type Row = Selectable<ConnectionsTable>;

/** One or more fields are invalid; `errors` lists them (messages never contain a secret). */
export class ConnectionValidationError extends AppError {
  override readonly name = 'ConnectionValidationError';
  constructor(errors: FieldError[]) {
    const first = errors[0];
    // several fields: the English names them all (the CLI prints only this); the code counts them, the console lists `errors`
    const text =
      errors.length === 1 && first
        ? coded('error.invalid-connection.one', { field: first.field, message: clause(first) })
        : { ...coded('error.invalid-connection.many', { count: errors.length }), message: `invalid connection: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}` };
    super('validation', 422, text, { errors });
  }
}

export class ConnectionNotFoundError extends AppError {
  override readonly name = 'ConnectionNotFoundError';
  constructor(readonly nameOrId: string) {
    super('not-found', 404, coded('error.connection-not-found', { name: nameOrId }));
  }
}

/** The name is taken, or the expected version is not the stored one. */
export class ConnectionConflictError extends AppError {
  override readonly name = 'ConnectionConflictError';
  constructor(message: CodedText) {
    super('conflict', 409, message);
  }
}

/** The secrets a connection stores encrypted, by their field names. */
export type SecretField = 'secret' | 'proxyPassword';

interface UnreadableSecrets {
  id: string;
  name: string;
  fields: SecretField[];
}

interface UpdateOptions {
  /** optimistic concurrency: fail with ConnectionConflictError if the stored version differs */
  expectedVersion?: number;
}

function toConnection(r: Row): Connection {
  return {
    id: r.id,
    name: r.name,
    corpId: r.corp_id,
    rootDepartmentId: Number(r.root_department_id),
    defaultDepartmentId: r.default_department_id === null ? null : Number(r.default_department_id),
    extattrs: JSON.parse(r.extattrs) as ExtAttrConfig[],
    proxies: JSON.parse(r.proxies) as string[],
    proxyUsername: r.proxy_username,
    proxyCaPem: r.proxy_ca_pem,
    apiBase: r.api_base,
    caPem: r.ca_pem,
    rateBudget: r.rate_budget === null ? null : (JSON.parse(r.rate_budget) as Connection['rateBudget']),
    rateSharePercent: Number(r.rate_share_percent),
    scope: JSON.parse(r.scope) as Connection['scope'],
    policies: {
      onAccountDeleted: r.on_account_deleted as OnAccountDeleted,
      onAccountDisabled: r.on_account_disabled as OnAccountDisabled,
      onOrganizationDeleted: r.on_organization_deleted as OnOrganizationDeleted,
      safety: { maxDeletes: Number(r.max_deletes), maxDeletePercent: Number(r.max_delete_percent) },
    },
    mapping: r.mapping === null ? null : (JSON.parse(r.mapping) as unknown),
    hasSecret: r.secret_enc !== '',
    hasProxyPassword: r.proxy_password_enc !== null,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function settingsColumns(s: ConnectionSettings) {
  return {
    name: s.name,
    name_key: s.name.toLowerCase(),
    corp_id: s.corpId,
    root_department_id: s.rootDepartmentId,
    default_department_id: s.defaultDepartmentId,
    extattrs: JSON.stringify(s.extattrs),
    proxies: JSON.stringify(s.proxies),
    proxy_username: s.proxyUsername,
    proxy_ca_pem: s.proxyCaPem,
    api_base: s.apiBase,
    ca_pem: s.caPem,
    rate_budget: s.rateBudget === null ? null : JSON.stringify(s.rateBudget),
    rate_share_percent: s.rateSharePercent,
    scope: JSON.stringify(s.scope),
    on_account_deleted: s.policies.onAccountDeleted,
    on_account_disabled: s.policies.onAccountDisabled,
    on_organization_deleted: s.policies.onOrganizationDeleted,
    max_deletes: s.policies.safety.maxDeletes,
    max_delete_percent: s.policies.safety.maxDeletePercent,
    mapping: s.mapping === null ? null : JSON.stringify(s.mapping),
  };
}

function settingsOf(c: Connection): ConnectionSettings {
  const { id: _i, hasSecret: _s, hasProxyPassword: _p, version: _v, createdAt: _c, updatedAt: _u, ...rest } = c;
  return rest;
}

export class Connections {
  private readonly now: () => Date;

  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
    opts: { now?: () => Date } = {},
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  async create(input: ConnectionInput): Promise<Connection> {
    const { settings, errors } = resolveSettings(null, input);
    const secretProblem = checkSecretValue('secret', input.secret);
    if (secretProblem) errors.push(secretProblem);
    const password = input.proxyPassword ?? null;
    if (password !== null) {
      const p = checkSecretValue('proxyPassword', password);
      if (p) errors.push(p);
    }
    this.checkPasswordNeedsUser(errors, settings, password !== null);
    const id = newId('con');
    return this.store.write(async (trx) => {
      await this.checkAgainstStore(trx, errors, settings, null);
      if (errors.length > 0) throw new ConnectionValidationError(errors);
      const at = this.now().toISOString();
      try {
        await trx
          .insertInto('connections')
          .values({
            id,
            ...settingsColumns(settings),
            secret_enc: this.secrets.encrypt(input.secret, connectionAad(id, 'secret')),
            proxy_password_enc: password === null ? null : this.secrets.encrypt(password, connectionAad(id, 'proxy_password')),
            version: 1,
            created_at: at,
            updated_at: at,
          })
          .execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConnectionConflictError(coded('error.connection-name-taken', { name: settings.name }));
        throw err;
      }
      return this.mustRead(trx, id);
    });
  }

  async update(nameOrId: string, patch: ConnectionPatch, opts: UpdateOptions = {}): Promise<Connection> {
    return this.store.write(async (trx) => {
      const row = await this.findRow(trx, nameOrId);
      if (!row) throw new ConnectionNotFoundError(nameOrId);
      if (opts.expectedVersion !== undefined && opts.expectedVersion !== row.version)
        throw new ConnectionConflictError(coded('error.connection-changed', { name: row.name, version: row.version, expected: opts.expectedVersion }));
      const current = toConnection(row);
      const { settings, errors } = resolveSettings(settingsOf(current), patch);
      const cols: Partial<Row> = {};
      if (patch.secret !== undefined) {
        const p = checkSecretValue('secret', patch.secret);
        if (p) errors.push(p);
        else cols.secret_enc = this.secrets.encrypt(patch.secret, connectionAad(row.id, 'secret'));
      }
      let hasPassword = current.hasProxyPassword;
      if (patch.proxyPassword === null) {
        cols.proxy_password_enc = null;
        hasPassword = false;
      } else if (patch.proxyPassword !== undefined) {
        const p = checkSecretValue('proxyPassword', patch.proxyPassword);
        if (p) errors.push(p);
        else {
          cols.proxy_password_enc = this.secrets.encrypt(patch.proxyPassword, connectionAad(row.id, 'proxy_password'));
          hasPassword = true;
        }
      }
      this.checkPasswordNeedsUser(errors, settings, hasPassword);
      await this.checkAgainstStore(trx, errors, settings, row.id);
      if (errors.length > 0) throw new ConnectionValidationError(errors);
      try {
        await trx
          .updateTable('connections')
          .set({ ...settingsColumns(settings), ...cols, version: row.version + 1, updated_at: this.now().toISOString() })
          .where('id', '=', row.id)
          .execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConnectionConflictError(coded('error.connection-name-taken', { name: settings.name }));
        throw err;
      }
      return this.mustRead(trx, row.id);
    });
  }

  /** Every connection, by name. */
  async list(): Promise<Connection[]> {
    const rows = await this.store.db.selectFrom('connections').selectAll().orderBy('name_key').execute();
    return rows.map(toConnection);
  }

  /** By id, else by name (case-insensitive). */
  async find(nameOrId: string): Promise<Connection | null> {
    const row = await this.findRow(this.store.db, nameOrId);
    return row ? toConnection(row) : null;
  }

  async get(nameOrId: string): Promise<Connection> {
    const c = await this.find(nameOrId);
    if (!c) throw new ConnectionNotFoundError(nameOrId);
    return c;
  }

  async delete(nameOrId: string): Promise<void> {
    await this.store.write(async (trx) => {
      const row = await this.findRow(trx, nameOrId);
      if (!row) throw new ConnectionNotFoundError(nameOrId);
      await trx.deleteFrom('connections').where('id', '=', row.id).execute();
    });
  }

  /**
   * Options for createWeComClient with the decrypted secret and proxy password. For the sync engine
   * and test connection only: never log, print or return the result through an API.
   */
  async clientOptions(nameOrId: string): Promise<WeComClientOptions> {
    const row = await this.findRow(this.store.db, nameOrId);
    if (!row) throw new ConnectionNotFoundError(nameOrId);
    const c = toConnection(row);
    const secret = this.secrets.decrypt(row.secret_enc, connectionAad(row.id, 'secret'), `the secret of connection "${row.name}"`);
    const options: WeComClientOptions = { corpId: c.corpId, secret, apiBase: c.apiBase, rateLimit: connectionBudget(c) };
    if (c.caPem) options.ca = c.caPem;
    if (c.proxies.length > 0) options.proxies = c.proxies;
    if (c.proxyCaPem) options.proxyCa = c.proxyCaPem;
    if (c.proxyUsername) options.proxyUsername = c.proxyUsername;
    if (row.proxy_password_enc !== null)
      options.proxyPassword = this.secrets.decrypt(row.proxy_password_enc, connectionAad(row.id, 'proxy_password'), `the proxy password of connection "${row.name}"`);
    return options;
  }

  /**
   * The connections whose stored secrets this service's key cannot decrypt — the key was lost or
   * changed since they were stored — with which secrets, by name; only `id`'s when given. Every
   * other use of such a connection fails until the secrets are entered again (update).
   */
  async unreadableSecrets(id?: string): Promise<UnreadableSecrets[]> {
    let q = this.store.db.selectFrom('connections').select(['id', 'name', 'secret_enc', 'proxy_password_enc']).orderBy('name_key');
    if (id !== undefined) q = q.where('id', '=', id);
    const out: UnreadableSecrets[] = [];
    for (const r of await q.execute()) {
      const fields: SecretField[] = [];
      if (r.secret_enc !== '' && !this.readable(r.secret_enc, connectionAad(r.id, 'secret'))) fields.push('secret');
      if (r.proxy_password_enc !== null && !this.readable(r.proxy_password_enc, connectionAad(r.id, 'proxy_password'))) fields.push('proxyPassword');
      if (fields.length > 0) out.push({ id: r.id, name: r.name, fields });
    }
    return out;
  }

  // ------------------------------------------------------------------ internals

  private readable(stored: string, aad: string): boolean {
    try {
      this.secrets.decrypt(stored, aad);
      return true;
    } catch (err) {
      if (err instanceof SecretDecryptError) return false;
      throw err;
    }
  }

  private checkPasswordNeedsUser(errors: FieldError[], s: ConnectionSettings, hasPassword: boolean): void {
    if (hasPassword && !s.proxyUsername) errors.push(fieldError('proxyPassword', 'invalid.proxy-password-without-user'));
    if ((s.proxyUsername || hasPassword) && s.proxies.length === 0 && !errors.some((e) => e.field === 'proxies'))
      errors.push(fieldError('proxies', 'invalid.proxy-credentials-without-proxy'));
  }

  private async checkAgainstStore(trx: Tx, errors: FieldError[], s: ConnectionSettings, selfId: string | null): Promise<void> {
    if (s.name !== '') {
      const clash = await trx.selectFrom('connections').select(['id', 'name']).where('name_key', '=', s.name.toLowerCase()).executeTakeFirst();
      if (clash && clash.id !== selfId) errors.push(fieldError('name', 'invalid.connection-name-taken', { name: clash.name }));
    }
    const roots = s.scope.organizationRoots;
    if (roots.length > 0) {
      const found = new Set((await trx.selectFrom('organizations').select('id').where('id', 'in', roots).execute()).map((r) => r.id));
      for (const r of roots) if (!found.has(r)) errors.push(fieldError('scope.organizationRoots', 'invalid.organization-missing', { id: r }));
    }
  }

  private async findRow(db: Store['db'] | Tx, nameOrId: string): Promise<Row | undefined> {
    const byId = await db.selectFrom('connections').selectAll().where('id', '=', nameOrId).executeTakeFirst();
    if (byId) return byId;
    return db.selectFrom('connections').selectAll().where('name_key', '=', nameOrId.trim().toLowerCase()).executeTakeFirst();
  }

  private async mustRead(db: Tx, id: string): Promise<Connection> {
    const row = await db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return toConnection(row);
  }
}
