// Directory sources the service pulls from (kind `ldap`): create (stores the settings, the bind
// password encrypted with the SecretBox, and tests the bind — it does not pull), list, show, test,
// pull, and the record of past pulls. The password never leaves this module except to the LDAP
// server: views say only whether one is stored.
import { AppError } from '../../domain/errors.js';
import { type TextParams, clause, coded } from '../../messages/index.js';
import { type FieldError, fieldError } from '../../domain/common.js';
import type { SecretBox } from '../../connections/crypto.js';
import type { Directory } from '../../directory/directory.js';
import { newId } from '../../store/index.js';
import type { SourcesTable } from '../../store/tables/sources.js';
import { PullBusyError, PullHeldError, SourceConflictError, SourceNotFoundError, SourceValidationError } from './errors.js';
import { ownedCounts } from './links.js';
import { type Cursor, type PullOptions, type PullResult, pullSource } from './pull.js';
import { type LdapReader, openReader } from './reader.js';
import { type Flavor, type LdapSettings, SOURCE_NAME, checkSettings, orgFilterOf, userFilterOf, withDefaults } from './settings.js';
import { first, values } from './values.js';

/** The 422 of invalid settings: the English names every field (the CLI prints only it), the code the first or the count. */
function invalidSettings(errors: FieldError[]): SourceValidationError {
  const first = errors[0];
  const text =
    errors.length === 1 && first
      ? coded('error.invalid-source.one', { field: first.field, message: clause(first) })
      : { ...coded('error.invalid-source.many', { count: errors.length }), message: `invalid source settings: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}` };
  return new SourceValidationError(text, errors);
}

/** A failed pull's code and params (an AppError's), stored beside its English message for the console to word. */
function textOfError(err: unknown): { code?: string; params?: TextParams } {
  return err instanceof AppError && err.messageCode !== undefined ? { code: err.messageCode, ...(err.params ? { params: { ...err.params } } : {}) } : {};
}

export interface PullRecord {
  id: string;
  mode: string;
  status: 'ok' | 'errors' | 'held' | 'failed';
  startedAt: string;
  finishedAt: string;
  result: Partial<PullResult> & { message?: string };
}

export interface SourceView {
  id: string;
  name: string;
  kind: 'ldap';
  settings: LdapSettings;
  /** Whether a bind password is stored (it is never shown). */
  hasPassword: boolean;
  cursor: Cursor | null;
  owned: { organizations: number; accounts: number };
  lastPull: PullRecord | null;
  createdAt: string;
  updatedAt: string;
}

export interface TestResult {
  ok: boolean;
  flavor: Flavor | null;
  /** What the bind and a count of the filters found (or what failed), in English. */
  message: string;
  /** A failure's message code and parameters (src/messages), for a client to word it in its language. */
  code?: string;
  params?: TextParams;
  users: number | null;
  organizations: number | null;
}

/** A failed test: the error's text, with its code when it has one. */
function failedTest(err: unknown): TestResult {
  return { ok: false, flavor: null, message: (err as Error).message, ...textOfError(err), users: null, organizations: null };
}

export type SourceInput = Partial<LdapSettings> & Pick<LdapSettings, 'url' | 'baseDn'>;

type Connect = (s: LdapSettings, password: string | null) => Promise<LdapReader>;

export const sourceAad = (id: string): string => `wecom-sync:source:${id}:secret`;

/** AD advertises LDAP_CAP_ACTIVE_DIRECTORY_OID in supportedCapabilities. */
async function detectFlavor(reader: LdapReader): Promise<Flavor> {
  const dse = await reader.rootDse(['supportedCapabilities', 'forestFunctionality']);
  return values(dse, 'supportedCapabilities').includes('1.2.840.113556.1.4.800') || first(dse, 'forestFunctionality') !== null ? 'ad' : 'openldap';
}

export class Sources {
  private readonly running = new Set<string>();

  constructor(
    private readonly directory: Directory,
    private readonly secrets: SecretBox,
    private readonly connect: Connect = openReader,
  ) {}

  private get db() {
    return this.directory.store.db;
  }

  private async row(name: string): Promise<SourcesTable> {
    const r = await this.db.selectFrom('sources').selectAll().where('name', '=', name).executeTakeFirst();
    if (!r) throw new SourceNotFoundError(name);
    return r;
  }

  private password(r: SourcesTable): string | null {
    return r.secret === null ? null : this.secrets.decrypt(r.secret, sourceAad(r.id), `the bind password of source "${r.name}"`);
  }

  /** Stores a source after testing its bind (and finding the flavour when not given). Does not pull. */
  async create(name: string, input: SourceInput, password: string | null): Promise<SourceView> {
    if (!SOURCE_NAME.test(name)) throw new SourceValidationError(coded('error.source-name', { name }), [fieldError('name', 'invalid.source-name')]);
    const settings = withDefaults(input);
    const errors = checkSettings(settings);
    if (errors.length > 0) throw invalidSettings(errors);
    if (settings.parentOrganizationId !== null) await this.directory.requireOrganization(settings.parentOrganizationId);
    if (await this.db.selectFrom('sources').select('id').where('name', '=', name).executeTakeFirst()) throw new SourceConflictError(coded('error.source-taken', { name }));
    const reader = await this.connect(settings, password);
    try {
      if (input.flavor === undefined) settings.flavor = await detectFlavor(reader);
    } finally {
      await reader.close();
    }
    const id = newId('src');
    const t = new Date().toISOString();
    await this.db
      .insertInto('sources')
      .values({ id, name, kind: 'ldap', settings: JSON.stringify(settings), secret: password === null ? null : this.secrets.encrypt(password, sourceAad(id)), cursor: null, created_at: t, updated_at: t })
      .execute();
    return this.show(name);
  }

  /**
   * Changes settings and/or the bind password (undefined: keep it; null: anonymous), testing the
   * bind with the result before storing it. A changed flavour, server or base DN makes the next
   * pull a full pass (the high-water mark is forgotten).
   */
  async update(name: string, patch: Partial<LdapSettings>, password?: string | null): Promise<SourceView> {
    const r = await this.row(name);
    const before = JSON.parse(r.settings) as LdapSettings;
    const settings: LdapSettings = { ...before, ...patch, safety: { ...before.safety, ...patch.safety }, fields: patch.fields ?? before.fields };
    const errors = checkSettings(settings);
    if (errors.length > 0) throw invalidSettings(errors);
    if (settings.parentOrganizationId !== null && settings.parentOrganizationId !== before.parentOrganizationId) await this.directory.requireOrganization(settings.parentOrganizationId);
    const newPassword = password === undefined ? this.password(r) : password;
    await (await this.connect(settings, newPassword)).close();
    const resetCursor = settings.flavor !== before.flavor || settings.url !== before.url || settings.baseDn !== before.baseDn || settings.userFilter !== before.userFilter;
    await this.db
      .updateTable('sources')
      .set({
        settings: JSON.stringify(settings),
        ...(password !== undefined ? { secret: password === null ? null : this.secrets.encrypt(password, sourceAad(r.id)) } : {}),
        ...(resetCursor ? { cursor: null } : {}),
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', r.id)
      .execute();
    return this.show(name);
  }

  /** Deletes a source and its links and pull records; what it imported stays in the directory, owned by no source. */
  async remove(name: string): Promise<void> {
    const r = await this.row(name);
    await this.db.deleteFrom('sources').where('id', '=', r.id).execute();
  }

  async list(): Promise<SourceView[]> {
    const rows = await this.db.selectFrom('sources').selectAll().orderBy('name').execute();
    const owned = await ownedCounts(this.db);
    return Promise.all(rows.map((r) => this.view(r, owned)));
  }

  async show(name: string): Promise<SourceView> {
    return this.view(await this.row(name), await ownedCounts(this.db));
  }

  private async view(r: SourcesTable, owned: Map<string, { organizations: number; accounts: number }>): Promise<SourceView> {
    const [last] = await this.pulls(r.id, 1);
    return {
      id: r.id,
      name: r.name,
      kind: 'ldap',
      settings: JSON.parse(r.settings) as LdapSettings,
      hasPassword: r.secret !== null,
      cursor: r.cursor === null ? null : (JSON.parse(r.cursor) as Cursor),
      owned: owned.get(r.id) ?? { organizations: 0, accounts: 0 },
      lastPull: last ?? null,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  /** The latest pulls of a source (by id), newest first. */
  async pulls(sourceId: string, limit = 20): Promise<PullRecord[]> {
    const rows = await this.db.selectFrom('source_pulls').selectAll().where('source_id', '=', sourceId).orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((p) => ({ id: p.id, mode: p.mode, status: p.status as PullRecord['status'], startedAt: p.started_at, finishedAt: p.finished_at, result: JSON.parse(p.result) as PullRecord['result'] }));
  }

  /** Binds and counts what the filters match; never throws for a server problem (ok: false, message). */
  async test(name: string): Promise<TestResult> {
    const r = await this.row(name);
    const s = JSON.parse(r.settings) as LdapSettings;
    let reader: LdapReader;
    try {
      reader = await this.connect(s, this.password(r));
    } catch (err) {
      return failedTest(err);
    }
    try {
      const flavor = await detectFlavor(reader);
      const users = await reader.count(s.baseDn, userFilterOf(s));
      const organizations = await reader.count(s.baseDn, orgFilterOf(s));
      const warn = flavor !== s.flavor ? ` (the server looks like ${flavor === 'ad' ? 'Active Directory' : 'OpenLDAP'}, the source is set up for ${s.flavor})` : '';
      return { ok: true, flavor, message: `bound to ${new URL(s.url).host}${s.bindDn ? ` as "${s.bindDn}"` : ' anonymously'}; the filters match ${users} user entries and ${organizations} organizational units under "${s.baseDn}"${warn}`, users, organizations };
    } catch (err) {
      return failedTest(err);
    } finally {
      await reader.close();
    }
  }

  /** Pulls now. Held pulls (PullHeldError) and failures are recorded and rethrown. */
  async pull(name: string, opts: PullOptions = {}): Promise<PullResult> {
    const r = await this.row(name);
    if (this.running.has(r.id)) throw new PullBusyError(name);
    this.running.add(r.id);
    const started = new Date().toISOString();
    try {
      const settings = JSON.parse(r.settings) as LdapSettings;
      const password = this.password(r);
      return await pullSource(this.directory, { id: r.id, name: r.name, settings, cursor: r.cursor === null ? null : (JSON.parse(r.cursor) as Cursor) }, () => this.connect(settings, password), opts);
    } catch (err) {
      const held = err instanceof PullHeldError;
      await this.db
        .insertInto('source_pulls')
        .values({
          id: newId('pull'),
          source_id: r.id,
          mode: opts.full ? 'full' : 'delta',
          status: held ? 'held' : 'failed',
          started_at: started,
          finished_at: new Date().toISOString(),
          result: JSON.stringify({ message: (err as Error).message, ...textOfError(err), ...(held ? { preview: err.preview } : {}) }),
        })
        .execute()
        .catch(() => undefined);
      throw err;
    } finally {
      this.running.delete(r.id);
    }
  }

  /** Sources with a pull interval that is due (for the service's scheduler). */
  async due(now = Date.now()): Promise<string[]> {
    const out: string[] = [];
    for (const s of await this.list()) {
      const every = s.settings.intervalMinutes;
      if (every === null) continue;
      const last = s.lastPull ? Date.parse(s.lastPull.startedAt) : 0;
      if (now - last >= every * 60_000) out.push(s.name);
    }
    return out;
  }
}
