// Secrets at rest: AES-256-GCM format, AAD binding, the key from the environment or a 0600 key file.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretBox, SecretDecryptError, SecretKeyError, connectionAad } from '../../src/connections/crypto.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-crypto-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('SecretBox', () => {
  const box = SecretBox.fromKey(randomBytes(32));

  it('stores v1:<iv>:<tag>:<ciphertext> with a fresh 12-byte IV per value, and decrypts it', () => {
    const a = box.encrypt('the-secret', 'aad-1');
    const b = box.encrypt('the-secret', 'aad-1');
    expect(a).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    const [, iv, tag, ct] = a.split(':') as [string, string, string, string];
    expect(Buffer.from(iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(tag, 'base64')).toHaveLength(16);
    expect(Buffer.from(ct, 'base64')).toHaveLength('the-secret'.length);
    expect(a).not.toContain('the-secret');
    expect(Buffer.from(ct, 'base64').toString('utf8')).not.toBe('the-secret');
    expect(box.decrypt(a, 'aad-1')).toBe('the-secret');
    expect(box.decrypt(box.encrypt('中文 secret', 'x'), 'x')).toBe('中文 secret');
  });

  it('refuses a value moved to another row or column (AAD) and a tampered value', () => {
    const v = box.encrypt('the-secret', connectionAad('con_a', 'secret'));
    expect(() => box.decrypt(v, connectionAad('con_b', 'secret'))).toThrow(SecretDecryptError);
    expect(() => box.decrypt(v, connectionAad('con_a', 'proxy_password'))).toThrow(SecretDecryptError);
    const parts = v.split(':');
    const ct = Buffer.from(parts[3] as string, 'base64');
    ct[0] = (ct[0] as number) ^ 1;
    parts[3] = ct.toString('base64');
    expect(() => box.decrypt(parts.join(':'), connectionAad('con_a', 'secret'))).toThrow(SecretDecryptError);
    expect(() => box.decrypt('plaintext', 'x')).toThrow(/expected encrypted format/);
  });

  it('with the wrong key: a clear error saying what to do, without the secret', () => {
    const v = box.encrypt('the-secret', 'aad');
    const other = SecretBox.fromKey(randomBytes(32));
    let err: unknown;
    try {
      other.decrypt(v, 'aad', 'the secret of connection "acme"');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SecretDecryptError);
    const msg = (err as Error).message;
    expect(msg).toContain('the secret of connection "acme"');
    expect(msg).toMatch(/not the key it was encrypted with/);
    expect(msg).toMatch(/WECOM_SYNC_SECRET_KEY/);
    expect(msg).toMatch(/connection update/);
    expect(msg).not.toContain('the-secret');
  });
});

describe('the key', () => {
  it('is read from WECOM_SYNC_SECRET_KEY (base64 of 32 bytes); no key file is created', () => {
    const key = randomBytes(32);
    const a = SecretBox.fromEnvironment({ dataDir: dir, env: { WECOM_SYNC_SECRET_KEY: key.toString('base64') } });
    const v = a.encrypt('s', 'aad');
    expect(SecretBox.fromKey(key).decrypt(v, 'aad')).toBe('s');
    expect(fs.existsSync(path.join(dir, 'secret.key'))).toBe(false);
    expect(a.source.kind).toBe('env');
  });

  it('a malformed WECOM_SYNC_SECRET_KEY is a clear error that does not echo the value', () => {
    const short = randomBytes(16).toString('base64');
    const a = SecretBox.fromEnvironment({ dataDir: dir, env: { WECOM_SYNC_SECRET_KEY: short } });
    expect(() => a.encrypt('s', 'aad')).toThrow(SecretKeyError);
    expect(() => a.ensureKey()).toThrow(/decodes to 16 bytes.*32 random bytes.*openssl rand -base64 32/);
    try {
      a.ensureKey();
    } catch (e) {
      expect((e as Error).message).not.toContain(short);
    }
    const notBase64 = SecretBox.fromEnvironment({ dataDir: dir, env: { WECOM_SYNC_SECRET_KEY: 'not base64 !!' } });
    expect(() => notBase64.ensureKey()).toThrow(/WECOM_SYNC_SECRET_KEY is not valid base64/);
  });

  it('without the variable: <data-dir>/secret.key is created on first use with mode 0600 and reused', () => {
    const file = path.join(dir, 'nested', 'secret.key');
    const a = SecretBox.fromEnvironment({ dataDir: path.join(dir, 'nested'), env: {} });
    expect(fs.existsSync(file)).toBe(false); // not before first use
    const v = a.encrypt('s', 'aad');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    const b = SecretBox.fromEnvironment({ dataDir: path.join(dir, 'nested'), env: {} });
    expect(b.decrypt(v, 'aad')).toBe('s');
    expect(fs.readdirSync(path.join(dir, 'nested'))).toEqual(['secret.key']); // no temp files left
  });

  it('refuses a key file that group or others can read, saying how to fix it', () => {
    const a = SecretBox.fromEnvironment({ dataDir: dir, env: {} });
    a.ensureKey();
    const file = path.join(dir, 'secret.key');
    fs.chmodSync(file, 0o644);
    const b = SecretBox.fromEnvironment({ dataDir: dir, env: {} });
    expect(() => b.ensureKey()).toThrow(SecretKeyError);
    expect(() => b.ensureKey()).toThrow(`chmod 600 ${file}`);
    fs.chmodSync(file, 0o600);
    expect(() => SecretBox.fromEnvironment({ dataDir: dir, env: {} }).ensureKey()).not.toThrow();
  });

  it('a corrupt key file is named in the error', () => {
    const file = path.join(dir, 'secret.key');
    fs.writeFileSync(file, 'abc\n', { mode: 0o600 });
    expect(() => SecretBox.fromEnvironment({ dataDir: dir, env: {} }).ensureKey()).toThrow(`the secret key file ${file}`);
  });
});
