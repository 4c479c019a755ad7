// Installs the Debian packages the test suite needs (real HTTPS proxies), when missing.
// Runs before `vitest run` in `npm test`; fails loudly if a package cannot be installed.
import { execFileSync, spawnSync } from 'node:child_process';

const needed = [{ command: 'tinyproxy', pkg: 'tinyproxy' }];

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const missing = needed.filter((n) => !has(n.command));
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
  const still = missing.filter((n) => !has(n.command));
  if (still.length > 0) {
    console.error(`[ensure-system-deps] still missing after install: ${still.map((s) => s.command).join(', ')}`);
    process.exit(1);
  }
}
