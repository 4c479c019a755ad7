// Starts a real Active Directory domain controller for tests: Debian's Samba AD DC
// (samba-ad-dc + samba-ad-provision, installed by scripts/ensure-system-deps.mjs), provisioned into
// a temp dir (about 7 s) and serving only LDAP on loopback (port 389: Samba has no setting for
// another). Needs root, as CI runs; callers skip with a printed reason otherwise. Stopped by its
// pid, its temp directory removed with it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Attribute, Change, Client } from 'ldapts';
import { startDaemon } from './daemon.js';

export const AD_BASE = 'DC=corp,DC=example';
export const AD_ADMIN_DN = `CN=Administrator,CN=Users,${AD_BASE}`;
export const AD_ADMIN_PASSWORD = 'Passw0rd!Adm1n';

export interface RunningSamba {
  url: string;
  add(dn: string, attributes: Record<string, string | string[]>): Promise<void>;
  modify(dn: string, replace: Record<string, string | string[]>): Promise<void>;
  rename(dn: string, newDn: string): Promise<void>;
  del(dn: string): Promise<void>;
  stop(): Promise<void>;
}

/** Why an AD DC cannot run here, or null when it can. */
export function sambaUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'the Samba AD DC needs root (CI runs as root)';
  try {
    readFileSync('/usr/sbin/samba');
    return null;
  } catch {
    return 'samba-ad-dc is not installed (scripts/ensure-system-deps.mjs installs it)';
  }
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startSamba(): Promise<RunningSamba> {
  if (await accepting(389)) throw new Error('port 389 on 127.0.0.1 is taken: another LDAP server (or Samba) is running');
  const dir = mkdtempSync(join(tmpdir(), 'wecom-sync-samba-'));
  const prov = join(dir, 'prov');
  await promisify(execFile)('samba-tool', [
    'domain', 'provision', '--targetdir', prov, '--realm', 'CORP.EXAMPLE', '--domain', 'CORP', '--adminpass', AD_ADMIN_PASSWORD,
    '--server-role', 'dc', '--dns-backend', 'NONE', '--option=interfaces=lo', '--option=bind interfaces only=yes',
  ], { timeout: 120_000 });
  const conf = join(prov, 'etc', 'smb.conf');
  const text = readFileSync(conf, 'utf8')
    .replace(/^\s*server services = .*$/m, '\tserver services = ldap, cldap\n\tldap server require strong auth = no')
    .replace(/^\s*log file = .*$/m, `\tlog file = ${join(dir, 'log.%m')}`)
    .replace(/^\s*logging = .*\n/m, '');
  writeFileSync(conf, text);
  const daemon = await startDaemon('samba', ['-i', '-M', 'single', '-s', conf], 'samba version', dir);
  const deadline = Date.now() + 30_000;
  while (!(await accepting(389))) {
    if (Date.now() > deadline) {
      await daemon.stop();
      throw new Error('samba did not accept LDAP connections within 30 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = 'ldap://127.0.0.1:389';
  const client = new Client({ url, timeout: 20_000 });
  await client.bind(AD_ADMIN_DN, AD_ADMIN_PASSWORD);
  return {
    url,
    add: (dn, attributes) => client.add(dn, attributes),
    modify: (dn, replace) => client.modify(dn, Object.entries(replace).map(([type, v]) => new Change({ operation: 'replace', modification: new Attribute({ type, values: Array.isArray(v) ? v : [v] }) }))),
    rename: (dn, newDn) => client.modifyDN(dn, newDn),
    del: (dn) => client.del(dn),
    stop: async () => {
      await client.unbind().catch(() => undefined);
      await daemon.stop();
    },
  };
}
