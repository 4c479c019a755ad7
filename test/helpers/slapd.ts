// Starts a real OpenLDAP server (Debian's slapd, installed by scripts/ensure-system-deps.mjs) for
// tests: one per test file, from a slapd.conf in a temp dir (back_mdb + syncprov), on free loopback
// ports — plain ldap:// (with StartTLS) and ldaps://, both with a self-signed certificate for
// 127.0.0.1 — run unprivileged as `nobody` when the tests run as root. Stopped by its pid, its temp
// directory removed with it.
import { chownSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { Attribute, Change, Client } from 'ldapts';
import { selfSignedCert } from '../../src/simulator/index.js';
import { startDaemon } from './daemon.js';
import { freePort } from './tinyproxy.js';

export const SUFFIX = 'dc=example,dc=com';
export const ROOT_DN = `cn=admin,${SUFFIX}`;
export const ROOT_PASSWORD = 'admin-secret';
/** A read-only account for sources to bind as (password in READER_PASSWORD). */
export const READER_DN = `cn=reader,${SUFFIX}`;
export const READER_PASSWORD = 'rEad er#pw';

export interface RunningSlapd {
  /** ldap://127.0.0.1:PORT */
  url: string;
  /** ldaps://127.0.0.1:PORT */
  ldapsUrl: string;
  /** The self-signed certificate slapd presents (PEM): the CA a client must trust. */
  caPem: string;
  /** A client bound as the root DN, for loading and changing entries; closed by stop(). */
  admin(): Promise<Client>;
  /** Adds entries (DN + attributes), parents first. */
  add(entries: Array<{ dn: string; attributes: Record<string, string | string[]> }>): Promise<void>;
  modify(dn: string, replace: Record<string, string | string[]>): Promise<void>;
  /** Renames or moves (newDn is the full new DN). */
  rename(dn: string, newDn: string): Promise<void>;
  del(dn: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startSlapd(): Promise<RunningSlapd> {
  const dir = mkdtempSync(join(tmpdir(), 'wecom-sync-slapd-'));
  const [port, tlsPort] = [await freePort(), await freePort()];
  const { key, cert } = await selfSignedCert('127.0.0.1');
  writeFileSync(join(dir, 'key.pem'), key, { mode: 0o600 });
  writeFileSync(join(dir, 'cert.pem'), cert);
  mkdirSync(join(dir, 'db'));
  const schema = (n: string): string => `include /etc/ldap/schema/${n}.schema`;
  const conf = [
    schema('core'),
    schema('cosine'),
    schema('inetorgperson'),
    schema('nis'),
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'moduleload syncprov',
    `TLSCertificateFile ${join(dir, 'cert.pem')}`,
    `TLSCertificateKeyFile ${join(dir, 'key.pem')}`,
    'sizelimit unlimited',
    'database mdb',
    'maxsize 268435456',
    `suffix "${SUFFIX}"`,
    `rootdn "${ROOT_DN}"`,
    `rootpw ${ROOT_PASSWORD}`,
    `directory ${join(dir, 'db')}`,
    'index objectClass,entryCSN,entryUUID eq',
    'overlay syncprov',
    'access to attrs=userPassword by self write by anonymous auth by * none',
    'access to * by * read',
  ];
  writeFileSync(join(dir, 'slapd.conf'), conf.join('\n') + '\n');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const nobody = Number(execFileSync('id', ['-u', 'nobody']).toString().trim());
    const group = Number(execFileSync('id', ['-g', 'nobody']).toString().trim());
    for (const f of ['', 'db', ...readdirSync(dir)]) chownSync(join(dir, f), nobody, group);
  }
  const urls = `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${tlsPort}/`;
  // -d 256 (stats) keeps it in the foreground and logs "slapd starting" once it accepts connections
  const daemon = await startDaemon('/usr/sbin/slapd', ['-f', join(dir, 'slapd.conf'), '-h', urls, '-d', '256', ...(asRoot ? ['-u', 'nobody'] : [])], 'slapd starting', dir);

  // "slapd starting" comes just before its listener thread calls listen(): wait until both ports accept
  try {
    for (const p of [port, tlsPort]) await untilAccepting(p);
  } catch (err) {
    await daemon.stop();
    throw err;
  }

  const url = `ldap://127.0.0.1:${port}`;
  const clients: Client[] = [];
  const admin = async (): Promise<Client> => {
    const c = new Client({ url, timeout: 10_000 });
    await c.bind(ROOT_DN, ROOT_PASSWORD);
    clients.push(c);
    return c;
  };
  let shared: Client | null = null;
  const client = async (): Promise<Client> => (shared ??= await admin());

  await (await client()).add(SUFFIX, { objectClass: ['top', 'dcObject', 'organization'], o: 'Example', dc: 'example' });
  await (await client()).add(READER_DN, { objectClass: ['simpleSecurityObject', 'organizationalRole'], cn: 'reader', userPassword: READER_PASSWORD });

  return {
    url,
    ldapsUrl: `ldaps://127.0.0.1:${tlsPort}`,
    caPem: cert,
    admin,
    add: async (entries) => {
      const c = await client();
      for (const e of entries) await c.add(e.dn, e.attributes);
    },
    modify: async (dn, replace) => {
      const c = await client();
      await c.modify(dn, Object.entries(replace).map(([type, v]) => new Change({ operation: 'replace', modification: new Attribute({ type, values: Array.isArray(v) ? v : [v] }) })));
    },
    rename: async (dn, newDn) => {
      await (await client()).modifyDN(dn, newDn);
    },
    del: async (dn) => {
      await (await client()).del(dn);
    },
    stop: async () => {
      for (const c of clients) await c.unbind().catch(() => undefined);
      await daemon.stop();
    },
  };
}

/** Resolves once 127.0.0.1:port accepts a TCP connection (retrying a refused one for up to 10 s). */
async function untilAccepting(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`slapd did not accept connections on port ${port} within 10 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
