// A Node.js other than the machine's, and a better-sqlite3 built for it, kept in .cache/ (git-ignored).
// The binary comes from the npm registry (package node-<platform>-<arch>, the one `npm i node@22`
// installs), because nodejs.org may be unreachable where only the registry is. It goes into its own
// prefix, never node_modules/.bin, where a `node` would shadow the system's for every npm script.
// better-sqlite3 is a native addon compiled for one ABI; node_modules holds the build for the Node
// that ran `npm ci`. The build for another ABI uses the headers that package ships (include/node,
// so node-gyp downloads nothing) and is cached per better-sqlite3 version and ABI.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cacheDir = path.join(root, '.cache');
const log = (msg) => console.log(`[node-runtime] ${msg}`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.status !== 0) {
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})\n${output}`);
  }
  return r.stdout.trim();
}

/** Fills dir through build(tmp) as a whole: an interrupted run never leaves a half-filled dir behind. */
function fillOnce(dir, build) {
  if (fs.existsSync(dir)) return;
  const tmp = `${dir}.partial-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    build(tmp);
    fs.renameSync(tmp, dir);
  } catch (err) {
    if (!fs.existsSync(dir)) throw err; // else a concurrent run filled it first
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Node <major> (latest of that line at first use), installed once into .cache/node/<major>/. */
export function ensureNode(major) {
  const pkg = `node-${process.platform}-${process.arch}`;
  const prefix = path.join(cacheDir, 'node', String(major));
  fillOnce(prefix, (tmp) => {
    log(`installing Node ${major} from the npm registry (${pkg}@${major}) into ${path.relative(root, prefix)}/`);
    run('npm', ['install', '--prefix', tmp, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', `${pkg}@${major}`], { cwd: tmp });
  });
  const home = path.join(prefix, 'node_modules', pkg);
  const bin = path.join(home, 'bin', 'node');
  const [version, abi] = run(bin, ['-p', 'process.version + " " + process.versions.modules']).split(' ');
  return { home, bin, version, abi };
}

/** node-gyp as npm bundles it: npm names it to its scripts; otherwise it sits beside npm. */
function nodeGyp() {
  const bundled = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const found = [process.env.npm_config_node_gyp, bundled].find((p) => p && fs.existsSync(p));
  if (!found) throw new Error('node-gyp not found: run this through an npm script (npm run test:node22)');
  return found;
}

/** Path of better-sqlite3's addon built for `node` (from ensureNode), compiling it on first use. */
export function ensureSqliteBinding(node) {
  const source = path.join(root, 'node_modules', 'better-sqlite3');
  const { version } = JSON.parse(fs.readFileSync(path.join(source, 'package.json'), 'utf8'));
  const dir = path.join(cacheDir, 'better-sqlite3', `${version}-node-v${node.abi}-${process.platform}-${process.arch}`);
  fillOnce(dir, (tmp) => {
    log(`compiling better-sqlite3 ${version} for Node ${node.version} (ABI ${node.abi}), once: about 2 minutes`);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'better-sqlite3-'));
    try {
      for (const part of ['package.json', 'binding.gyp', 'src', 'deps']) fs.cpSync(path.join(source, part), path.join(work, part), { recursive: true });
      const jobs = String(os.availableParallelism());
      // npm hands its own nodedir setting (if any, e.g. /usr) to scripts as npm_config_nodedir, which
      // node-gyp would prefer to the flag: this build needs the target's headers.
      const env = { ...process.env, npm_config_nodedir: node.home };
      run(process.execPath, [nodeGyp(), 'rebuild', '--release', `--nodedir=${node.home}`, `--jobs=${jobs}`], { cwd: work, env });
      const addon = path.join(tmp, 'better_sqlite3.node');
      fs.copyFileSync(path.join(work, 'build', 'Release', 'better_sqlite3.node'), addon);
      run(node.bin, ['-e', `require(${JSON.stringify(addon)})`]); // loads on its Node before it is cached
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
  return path.join(dir, 'better_sqlite3.node');
}
