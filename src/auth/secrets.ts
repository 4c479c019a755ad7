// Opaque random credentials (session ids and API tokens) and how they are stored: only a
// SHA-256 digest is kept, so a copy of the database grants no access.
import { createHash, randomBytes } from 'node:crypto';

export const API_TOKEN_PREFIX = 'wst_';

/** 256 random bits, base64url. */
export function newSessionSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** `wst_` + 256 random bits, base64url. The prefix makes leaked tokens easy to spot (secret scanners). */
export function newApiToken(): string {
  return API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function digest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
