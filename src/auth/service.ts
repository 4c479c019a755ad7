// Users, console sessions and API tokens, over the store. The HTTP layer (src/server/auth.ts)
// turns requests into calls here; nothing here knows about HTTP.
import { type CodedText, type FlatParams, clause, coded } from '../messages/index.js';
import { AppError } from '../domain/errors.js';
import { type Store, newId } from '../store/index.js';
import type { ApiTokensTable, UsersTable } from '../store/tables/auth.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, dummyHash, hashPassword, randomPassword, verifyPassword } from './passwords.js';
import { LoginRateLimiter } from './rate-limit.js';
import { API_TOKEN_PREFIX, digest, newApiToken, newSessionSecret } from './secrets.js';

export type Role = 'admin' | 'viewer';

/** Who is making a request. */
export interface Principal {
  kind: 'user' | 'token';
  userId: string;
  username: string;
  /** The effective role: for a token, the lower of the token's and its owner's role. */
  role: Role;
  /** For kind 'token'. */
  tokenId?: string;
  tokenName?: string;
}

interface User {
  id: string;
  username: string;
  role: Role;
  createdAt: string;
  disabled: boolean;
}

interface ApiToken {
  id: string;
  name: string;
  role: Role;
  userId: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Why a password check was refused: the wrong password (or user), or too many attempts (src/auth/rate-limit.ts). */
type PasswordRefusal = { ok: false; reason: 'invalid-credentials' } | { ok: false; reason: 'rate-limited'; retryAfterSeconds: number };

type LoginResult = { ok: true; user: User; sessionSecret: string; expiresAt: string } | PasswordRefusal;

/** A rejected change to `field`: 'invalid' input (422), or a 'conflict' with the current state (409). */
export class AuthError extends AppError {
  override readonly name = 'AuthError';
  constructor(reason: CodedText<FlatParams>, field: string, kind: 'invalid' | 'conflict' = 'invalid') {
    super(kind === 'conflict' ? 'conflict' : 'validation', kind === 'conflict' ? 409 : 422, coded('error.field', { field, message: clause(reason) }), { errors: [{ field, ...reason }] });
  }
}

interface AuthServiceOptions {
  /** Session lifetime (default 12 hours). */
  sessionTtlMs?: number;
  limiter?: LoginRateLimiter;
  now?: () => Date;
}

const rank = (r: Role): number => (r === 'admin' ? 2 : 1);
const lowerRole = (a: Role, b: Role): Role => (rank(a) <= rank(b) ? a : b);
export const roleAllows = (have: Role, need: Role): boolean => rank(have) >= rank(need);

const toUser = (r: UsersTable): User => ({ id: r.id, username: r.username, role: r.role, createdAt: r.created_at, disabled: Number(r.disabled) !== 0 });
const toToken = (r: ApiTokensTable): ApiToken => ({
  id: r.id,
  name: r.name,
  role: r.role,
  userId: r.user_id,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

/** Minimum time between two `last_used_at` writes for one token, so busy automation does not write on every call. */
const LAST_USED_RESOLUTION_MS = 60_000;

function checkPassword(password: string, field = 'password'): void {
  if (password.length < PASSWORD_MIN_LENGTH) throw new AuthError(coded('invalid.too-short', { min: PASSWORD_MIN_LENGTH }), field);
  if (password.length > PASSWORD_MAX_LENGTH) throw new AuthError(coded('invalid.too-long', { max: PASSWORD_MAX_LENGTH }), field);
}

export class AuthService {
  readonly sessionTtlMs: number;
  readonly limiter: LoginRateLimiter;
  private readonly now: () => Date;

  constructor(
    private readonly store: Store,
    opts: AuthServiceOptions = {},
  ) {
    this.sessionTtlMs = opts.sessionTtlMs ?? 12 * 3600_000;
    this.now = opts.now ?? (() => new Date());
    this.limiter = opts.limiter ?? new LoginRateLimiter(store, { now: () => this.now().getTime() });
  }

  private get db() {
    return this.store.db;
  }

  // ------------------------------------------------------------------ users

  async createUser(username: string, password: string, role: Role): Promise<User> {
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(username)) throw new AuthError(coded('invalid.user-name'), 'username');
    checkPassword(password);
    const exists = await this.findUser(username);
    if (exists) throw new AuthError(coded('invalid.user-name-taken', { id: exists.id }), 'username', 'conflict');
    const row: UsersTable = {
      id: newId('usr'),
      username,
      username_key: username.toLowerCase(),
      password_hash: await hashPassword(password),
      role,
      created_at: this.now().toISOString(),
      disabled: 0,
    };
    await this.db.insertInto('users').values(row).execute();
    return toUser(row);
  }

  async findUser(username: string): Promise<(User & { passwordHash: string }) | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('username_key', '=', username.toLowerCase()).executeTakeFirst();
    return r ? { ...toUser(r), passwordHash: r.password_hash } : undefined;
  }

  async countUsers(): Promise<number> {
    const r = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * First start: when there is no user yet, creates `admin` with `password` (from
   * WECOM_SYNC_ADMIN_PASSWORD) or a random one, which is returned so the caller can show it once.
   * Safe when several processes start at once: the unique username decides, the losers create nothing.
   */
  async ensureAdmin(password?: string): Promise<{ created: false } | { created: true; username: string; generatedPassword?: string }> {
    if ((await this.countUsers()) > 0) return { created: false };
    const chosen = password ?? randomPassword();
    checkPassword(chosen, 'WECOM_SYNC_ADMIN_PASSWORD');
    try {
      await this.createUser('admin', chosen, 'admin');
    } catch (err) {
      if ((await this.countUsers()) > 0) return { created: false };
      throw err;
    }
    return password === undefined ? { created: true, username: 'admin', generatedPassword: chosen } : { created: true, username: 'admin' };
  }

  async listUsers(): Promise<User[]> {
    return (await this.db.selectFrom('users').selectAll().orderBy('id').execute()).map(toUser);
  }

  /**
   * Changes a user's role, disabled flag or password. Disabling a user or changing their password
   * ends their sessions. The last active admin can be neither demoted nor disabled.
   */
  async updateUser(id: string, change: { role?: Role; disabled?: boolean; password?: string }): Promise<User | undefined> {
    if (change.password !== undefined) checkPassword(change.password);
    const hash = change.password !== undefined ? await hashPassword(change.password) : undefined;
    return this.store.write(async (trx) => {
      const r = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) return undefined;
      const losesAdmin = r.role === 'admin' && Number(r.disabled) === 0 && ((change.role !== undefined && change.role !== 'admin') || change.disabled === true);
      if (losesAdmin) {
        const others = await trx
          .selectFrom('users')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('role', '=', 'admin')
          .where('disabled', '=', 0)
          .where('id', '!=', id)
          .executeTakeFirstOrThrow();
        if (Number(others.n) === 0) throw new AuthError(coded('invalid.last-admin'), change.disabled ? 'disabled' : 'role', 'conflict');
      }
      const set: Partial<UsersTable> = {};
      if (change.role !== undefined) set.role = change.role;
      if (change.disabled !== undefined) set.disabled = change.disabled ? 1 : 0;
      if (hash !== undefined) set.password_hash = hash;
      if (Object.keys(set).length > 0) await trx.updateTable('users').set(set).where('id', '=', id).execute();
      if (change.disabled === true || hash !== undefined) await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
      return toUser({ ...r, ...set });
    });
  }

  /**
   * A user changes their own password; their other sessions end. The check of `current` counts
   * against the sign-in limit (per username and `ip`), like a sign-in.
   */
  async changeOwnPassword(userId: string, current: string, next: string, ip: string, keepSessionSecret?: string): Promise<{ ok: true } | PasswordRefusal> {
    checkPassword(next, 'newPassword');
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
    if (!r) return { ok: false, reason: 'invalid-credentials' };
    const wait = await this.limiter.admit(r.username, ip);
    if (wait > 0) return { ok: false, reason: 'rate-limited', retryAfterSeconds: wait };
    if (!(await verifyPassword(current, r.password_hash))) return { ok: false, reason: 'invalid-credentials' };
    await this.limiter.succeeded(r.username, ip);
    const hash = await hashPassword(next);
    const keep = keepSessionSecret ? digest(keepSessionSecret) : '';
    await this.store.write(async (trx) => {
      await trx.updateTable('users').set({ password_hash: hash }).where('id', '=', userId).execute();
      await trx.deleteFrom('sessions').where('user_id', '=', userId).where('id', '!=', keep).execute();
    });
    return { ok: true };
  }

  // ------------------------------------------------------------------ sessions

  /** Checks the password (rate-limited per username+IP and per IP, counted before the check) and opens a session. */
  async login(username: string, password: string, ip: string): Promise<LoginResult> {
    const wait = await this.limiter.admit(username, ip);
    if (wait > 0) return { ok: false, reason: 'rate-limited', retryAfterSeconds: wait };
    const user = await this.findUser(username);
    // Always spend one scrypt, so an unknown username takes as long as a wrong password.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    if (!user || !ok || user.disabled) return { ok: false, reason: 'invalid-credentials' };
    await this.limiter.succeeded(username, ip);
    const secret = newSessionSecret();
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.sessionTtlMs).toISOString();
    await this.db.deleteFrom('sessions').where('expires_at', '<', now.toISOString()).execute();
    await this.db.insertInto('sessions').values({ id: digest(secret), user_id: user.id, expires_at: expiresAt, created_at: now.toISOString() }).execute();
    const { passwordHash: _omit, ...plain } = user;
    return { ok: true, user: plain, sessionSecret: secret, expiresAt };
  }

  async sessionPrincipal(secret: string): Promise<Principal | null> {
    const r = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id as userId', 'users.username', 'users.role', 'users.disabled', 'sessions.expires_at'])
      .where('sessions.id', '=', digest(secret))
      .executeTakeFirst();
    if (!r || Number(r.disabled) !== 0 || r.expires_at <= this.now().toISOString()) return null;
    return { kind: 'user', userId: r.userId, username: r.username, role: r.role };
  }

  async logout(secret: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', digest(secret)).execute();
  }

  // ------------------------------------------------------------------ API tokens

  looksLikeToken(value: string): boolean {
    return value.startsWith(API_TOKEN_PREFIX);
  }

  async tokenPrincipal(token: string): Promise<Principal | null> {
    const r = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select([
        'api_tokens.id',
        'api_tokens.name',
        'api_tokens.role',
        'api_tokens.revoked_at',
        'api_tokens.last_used_at',
        'users.id as userId',
        'users.username',
        'users.role as userRole',
        'users.disabled',
      ])
      .where('api_tokens.token_hash', '=', digest(token))
      .executeTakeFirst();
    if (!r || r.revoked_at !== null || Number(r.disabled) !== 0) return null;
    const now = this.now();
    if (r.last_used_at === null || now.getTime() - Date.parse(r.last_used_at) >= LAST_USED_RESOLUTION_MS)
      await this.db.updateTable('api_tokens').set({ last_used_at: now.toISOString() }).where('id', '=', r.id).execute();
    return { kind: 'token', userId: r.userId, username: r.username, role: lowerRole(r.role, r.userRole), tokenId: r.id, tokenName: r.name };
  }

  /** Creates a token acting for `owner`; the token text is returned here and never again. */
  async createToken(owner: Principal, name: string, role: Role): Promise<{ token: string; record: ApiToken }> {
    const token = newApiToken();
    const row: ApiTokensTable = {
      id: newId('tok'),
      name,
      token_hash: digest(token),
      user_id: owner.userId,
      role: lowerRole(role, owner.role),
      created_at: this.now().toISOString(),
      last_used_at: null,
      revoked_at: null,
    };
    await this.db.insertInto('api_tokens').values(row).execute();
    return { token, record: toToken(row) };
  }

  async listTokens(opts: { includeRevoked?: boolean } = {}): Promise<ApiToken[]> {
    let q = this.db.selectFrom('api_tokens').selectAll().orderBy('id');
    if (!opts.includeRevoked) q = q.where('revoked_at', 'is', null);
    return (await q.execute()).map(toToken);
  }

  /** Revokes a token; returns it, or undefined when there is no such token. Revoking twice is harmless. */
  async revokeToken(id: string): Promise<ApiToken | undefined> {
    const r = await this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) return undefined;
    if (r.revoked_at === null) {
      r.revoked_at = this.now().toISOString();
      await this.db.updateTable('api_tokens').set({ revoked_at: r.revoked_at }).where('id', '=', id).execute();
    }
    return toToken(r);
  }
}
