// Secrets at rest: AES-256-GCM with a random 12-byte IV per value, stored as
//   v1:<base64 iv>:<base64 tag>:<base64 ciphertext>
// The additional authenticated data binds a value to its place (connection id + column), so a
// ciphertext copied into another row or column fails to decrypt instead of silently working.
//
// The key (32 bytes) comes from WECOM_SYNC_SECRET_KEY (base64), else from <data-dir>/secret.key,
// created on first use with mode 0600. A key file that group or others may read is refused.
// Several machines sharing one PostgreSQL database must share the key: set the variable on each.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir } from '../store/files.js';

const SECRET_KEY_ENV = 'WECOM_SYNC_SECRET_KEY';
const SECRET_KEY_FILE_NAME = 'secret.key';
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** The key is missing, malformed or unsafe; the message says how to fix it (and never contains key material). */
export class SecretKeyError extends Error {
  override readonly name = 'SecretKeyError';
}

/**
 * A stored value could not be decrypted (wrong key, tampered or moved ciphertext). The message is
 * for the operator (it names where the key comes from); `subject` names the value (`the secret of
 * connection "acme"`) for answers that must not show paths.
 */
export class SecretDecryptError extends Error {
  override readonly name = 'SecretDecryptError';
  constructor(
    message: string,
    readonly subject = 'a stored secret',
  ) {
    super(message);
  }
}

interface KeySource {
  /** 'env' (WECOM_SYNC_SECRET_KEY), 'file' (the key file) or 'given' (tests, embedding) */
  kind: 'env' | 'file' | 'given';
  /** the key file, when kind is 'file' */
  file?: string;
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeKey(text: string, where: string): Buffer {
  const t = text.trim();
  if (!BASE64_RE.test(t)) throw new SecretKeyError(`${where} is not valid base64; it must be the base64 encoding of 32 random bytes (create one with: openssl rand -base64 32)`);
  const key = Buffer.from(t, 'base64');
  if (key.length !== KEY_BYTES)
    throw new SecretKeyError(`${where} decodes to ${key.length} bytes; it must be the base64 encoding of exactly 32 random bytes (create one with: openssl rand -base64 32)`);
  return key;
}

/** Reads (or creates, mode 0600) the key file; refuses one that group or others can read. */
function loadKeyFile(file: string): Buffer {
  if (!fs.existsSync(file)) {
    // Write the key to a private temporary file, then link it into place: link() fails if the
    // name exists, so when two processes start at once both end up reading the same complete key.
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      ensurePrivateDir(path.dirname(file));
      const fd = fs.openSync(tmp, 'wx', 0o600);
      try {
        fs.writeSync(fd, randomBytes(KEY_BYTES).toString('base64') + '\n');
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      try {
        fs.linkSync(tmp, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    } catch (err) {
      throw new SecretKeyError(`cannot create the secret key file ${file}: ${(err as Error).message}`);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  const st = fs.statSync(file);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0)
    throw new SecretKeyError(
      `the secret key file ${file} may be read by other users (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); ` +
        `restrict it with: chmod 600 ${file}`,
    );
  return decodeKey(fs.readFileSync(file, 'utf8'), `the secret key file ${file}`);
}

interface SecretBoxOptions {
  env?: NodeJS.ProcessEnv;
  /** the data directory holding secret.key when the environment variable is not set */
  dataDir: string;
}

/** Encrypts and decrypts connection secrets. The key is resolved on first use. */
export class SecretBox {
  private key: Buffer | undefined;
  private readonly resolve: () => Buffer;
  readonly source: KeySource;

  private constructor(source: KeySource, resolve: () => Buffer) {
    this.source = source;
    this.resolve = resolve;
  }

  /** A box with a given key (32 bytes). */
  static fromKey(key: Buffer): SecretBox {
    if (key.length !== KEY_BYTES) throw new SecretKeyError('the secret key must be exactly 32 bytes');
    const copy = Buffer.from(key);
    return new SecretBox({ kind: 'given' }, () => copy);
  }

  /** WECOM_SYNC_SECRET_KEY when set, else <dataDir>/secret.key (created on first use). */
  static fromEnvironment(opts: SecretBoxOptions): SecretBox {
    const env = opts.env ?? process.env;
    const value = env[SECRET_KEY_ENV];
    if (value !== undefined && value.trim() !== '') return new SecretBox({ kind: 'env' }, () => decodeKey(value, SECRET_KEY_ENV));
    const file = path.join(opts.dataDir, SECRET_KEY_FILE_NAME);
    return new SecretBox({ kind: 'file', file }, () => loadKeyFile(file));
  }

  /** Where the key comes from, for messages. */
  describeSource(): string {
    if (this.source.kind === 'env') return `the ${SECRET_KEY_ENV} environment variable`;
    if (this.source.kind === 'file') return `the key file ${this.source.file}`;
    return 'the configured key';
  }

  /** Resolves the key now (creating the key file if needed); throws SecretKeyError on problems. */
  ensureKey(): void {
    this.getKey();
  }

  encrypt(plaintext: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.getKey(), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
  }

  /** Decrypts a stored value; `what` names it in errors (e.g. `the secret of connection "acme"`). */
  decrypt(stored: string, aad: string, what = 'a stored secret'): string {
    const parts = stored.split(':');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretDecryptError(`${what} is not in the expected encrypted format (${VERSION}:iv:tag:ciphertext)`, what);
    const [, ivText, tagText, ctText] = parts as [string, string, string, string];
    const iv = Buffer.from(ivText, 'base64');
    const tag = Buffer.from(tagText, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretDecryptError(`${what} is not in the expected encrypted format`, what);
    const key = this.getKey();
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(ctText, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptError(
        `cannot decrypt ${what}: the secret key from ${this.describeSource()} is not the key it was encrypted with, or the stored value was altered. ` +
          `Restore the original key (${SECRET_KEY_ENV} or <data-dir>/${SECRET_KEY_FILE_NAME}), or enter the secret again with "wecom-sync connection update".`,
        what,
      );
    }
  }

  private getKey(): Buffer {
    this.key ??= this.resolve();
    return this.key;
  }
}

/** The AAD of one encrypted column of one connection row. */
export function connectionAad(connectionId: string, column: 'secret' | 'proxy_password'): string {
  return `wecom-sync:connection:${connectionId}:${column}`;
}
