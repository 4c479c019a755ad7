// Table shapes of authentication and the audit log (migration 0004). Owned by src/auth and src/audit.

/** An admin-API user. Passwords are stored only as scrypt hashes (src/auth/passwords.ts). */
export interface UsersTable {
  id: string;
  username: string;
  /** lower(username): the unique key. */
  username_key: string;
  /** `scrypt$N$r$p$<base64 salt>$<base64 hash>` */
  password_hash: string;
  role: 'admin' | 'viewer';
  created_at: string;
  /** 0 = active, 1 = disabled (no login, no sessions, no tokens). */
  disabled: number;
}

/** A console session. `id` is the SHA-256 (hex) of the cookie value; the value itself is never stored. */
export interface SessionsTable {
  id: string;
  user_id: string;
  expires_at: string;
  created_at: string;
}

/** An API token for automation. Only the SHA-256 (hex) of the token is stored. */
export interface ApiTokensTable {
  id: string;
  name: string;
  token_hash: string;
  /** The user who created it; the token acts on their behalf. */
  user_id: string;
  role: 'admin' | 'viewer';
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** One admin action: who, what, when. `detail` is JSON with secrets removed (src/audit/redact.ts). */
export interface AuditLogTable {
  id: string;
  at: string;
  actor: string;
  actor_kind: 'user' | 'token' | 'system' | 'anonymous';
  action: string;
  target_type: string | null;
  target_id: string | null;
  detail: string;
  ip: string | null;
}

/**
 * A sign-in attempt counter (migration 0007): `ip:<ip>` or `u:<ip>/<lower-case username>`, the
 * attempts counted in the window that ends at `reset_at` (ISO 8601). Owned by src/auth/rate-limit.ts.
 */
export interface LoginAttemptsTable {
  key: string;
  count: number;
  reset_at: string;
}

export interface AuthTables {
  users: UsersTable;
  login_attempts: LoginAttemptsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
}
