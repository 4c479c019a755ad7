// Installs the Debian packages the test suite needs, when missing: tinyproxy (real HTTPS proxies), slapd and
// ldap-utils (a real OpenLDAP server for the LDAP source), samba-ad-dc and samba-ad-provision (a real Active Directory DC),
// stunnel4 (TLS in front of tinyproxy: an https:// proxy), chromium (the console's browser tests) and a CJK font (so the console's Chinese screenshots show
// characters, not boxes).
// Runs before `vitest run` in `npm test`; fails loudly if a package cannot be installed.
import { execFileSync, spawnSync } from 'node:child_process';

const needed = [
  { command: 'tinyproxy', pkg: 'tinyproxy' },
  { command: 'stunnel4', pkg: 'stunnel4' },
  // OpenLDAP for the LDAP source's tests (test/helpers/slapd.ts runs it unprivileged from a temp dir)
  { check: 'test -x /usr/sbin/slapd', pkg: 'slapd', command: 'slapd' },
  { command: 'ldapadd', pkg: 'ldap-utils' },
  // Active Directory for the LDAP source's AD test (test/helpers/samba.ts provisions a DC in a temp dir)
  { check: 'test -x /usr/sbin/samba', pkg: 'samba-ad-dc', command: 'samba' },
  { command: 'samba-tool', pkg: 'samba-ad-provision' },
  { command: 'chromium', pkg: 'chromium' },
  { check: 'fc-list :lang=zh | grep -q .', pkg: 'fonts-wqy-microhei', command: 'a Chinese font' },
];

const has = (n) => spawnSync('sh', ['-c', n.check ?? `command -v ${n.command}`], { stdio: 'ignore' }).status === 0;
const missing = needed.filter((n) => !has(n));
if (missing.length > 0) {
  const pkgs = missing.map((m) => m.pkg);
  console.log(`[ensure-system-deps] installing Debian packages: ${pkgs.join(' ')}`);
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const run = (args) => {
    const [cmd, ...rest] = [...asRoot, ...args];
    execFileSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  try {
    run(['apt-get', 'update', '-qq']);
    run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...pkgs]);
  } catch (err) {
    console.error(`[ensure-system-deps] could not install ${pkgs.join(' ')}: ${err.message}`);
    console.error('Install them by hand (apt-get install -y ' + pkgs.join(' ') + ') and run the tests again.');
    process.exit(1);
  }
  const still = missing.filter((n) => !has(n));
  if (still.length > 0) {
    console.error(`[ensure-system-deps] still missing after install: ${still.map((s) => s.command).join(', ')}`);
    process.exit(1);
  }
}
