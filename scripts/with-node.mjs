// Runs a command once per Node major version, in order, stopping at the first failure:
//   node scripts/with-node.mjs 20,22 vitest run [vitest args]
// `npm test` runs the suite this way on every supported Node; `npm run test:node20` / `test:node22`
// run one. A major the running Node already has runs the command as is. Any other Node comes from
// ./node-runtime.mjs: its directory goes first on PATH (so `node`, npm scripts and child processes
// all get it) and WECOM_SYNC_SQLITE_BINDING names the better-sqlite3 addon built for it, which the
// store loads instead of node_modules' (src/store/store.ts).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureNode, ensureSqliteBinding } from './node-runtime.mjs';

const [majors, ...command] = process.argv.slice(2);
if (!/^\d+(,\d+)*$/.test(majors ?? '') || command.length === 0) {
  console.error('usage: node scripts/with-node.mjs <major>[,<major>...] <command> [args...]');
  process.exit(2);
}

function environmentFor(major) {
  if (process.versions.node.split('.')[0] === major) return { version: process.version, env: process.env };
  const node = ensureNode(major);
  const env = {
    ...process.env,
    PATH: [path.dirname(node.bin), process.env.PATH].join(path.delimiter),
    WECOM_SYNC_SQLITE_BINDING: ensureSqliteBinding(node),
  };
  return { version: node.version, env };
}

for (const major of majors.split(',')) {
  let target;
  try {
    target = environmentFor(major);
  } catch (err) {
    console.error(`[with-node] cannot prepare Node ${major}: ${err.message}`);
    process.exit(1);
  }
  console.log(`\n[with-node] Node ${target.version}: ${command.join(' ')}\n`);
  const r = spawnSync(command[0], command.slice(1), { stdio: 'inherit', env: target.env });
  if (r.status !== 0) {
    console.error(`[with-node] ${command.join(' ')} failed on Node ${target.version} (${r.error?.message ?? r.signal ?? `exit ${r.status}`})`);
    process.exit(r.status || 1);
  }
}
