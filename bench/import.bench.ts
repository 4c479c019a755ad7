// Benchmark: import 10k organizations and 100k accounts from CSV, on the embedded store and on
// PostgreSQL. Each import runs in a fresh child process, so the peak RSS reported is the
// import's own (the child reports process.resourceUsage().maxRSS after both files).
//
//   node --import tsx bench/import.bench.ts            # run and print
//   (or through `npm run bench`, which calls run())
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

const ORGS = Number(process.env.BENCH_ORGS ?? 10_000);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 100_000);
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const here = fileURLToPath(import.meta.url);

/** Writes organizations.csv and accounts.csv (every `disabledEvery`-th account disabled, 0 = none); returns their paths. */
export function generate(dir: string, orgCount = ORGS, accountCount = ACCOUNTS, disabledEvery = 50): { orgs: string; accounts: string } {
  // A 5-level tree: 1 root, 10, 100, 1000, rest at level 4.
  const paths: string[] = ['总公司'];
  const levels: string[][] = [['总公司']];
  let level = 0;
  while (paths.length < orgCount) {
    const parents = levels[level]!;
    const next: string[] = [];
    const perParent = level < 3 ? 10 : Math.ceil((orgCount - paths.length) / parents.length);
    for (const p of parents) {
      for (let i = 0; i < perParent && paths.length < orgCount; i++) {
        const child = `${p}/部门${level + 1}-${i + 1}`;
        paths.push(child);
        next.push(child);
      }
    }
    levels.push(next);
    level++;
  }
  const orgLines = ['path,order,code,external_id'];
  paths.forEach((p, i) => orgLines.push(`${p},${i % 100},D${String(i).padStart(5, '0')},hr-org-${i}`));
  const orgs = path.join(dir, 'organizations.csv');
  fs.writeFileSync(orgs, '\uFEFF' + orgLines.join('\n') + '\n');

  const leaves = paths.slice(Math.min(111, paths.length - 1));
  const accLines = ['username,name,mobile,email,organizations,status,title,gender,employee_number,external_id,attr.costCenter'];
  for (let i = 0; i < accountCount; i++) {
    const primary = leaves[i % leaves.length]!;
    const second = i % 10 === 0 && leaves.length > 1 ? `;${leaves[(i + Math.max(1, Math.floor(leaves.length / 2))) % leaves.length]!}` : '';
    const mobile = `+86 13${String(i).padStart(9, '0')}`;
    accLines.push(
      `user${i},员工${i},${mobile},user${i}@example.com,${primary}${second},${disabledEvery > 0 && i % disabledEvery === 0 ? 'disabled' : 'enabled'},工程师,${i % 2 ? '男' : '女'},E${i},hr-${i},CC${i % 300}`,
    );
  }
  const accounts = path.join(dir, 'accounts.csv');
  fs.writeFileSync(accounts, '\uFEFF' + accLines.join('\n') + '\n');
  return { orgs, accounts };
}

interface WorkerResult {
  backend: string;
  organizationsSeconds: number;
  accountsSeconds: number;
  totalSeconds: number;
  peakRssMB: number;
  feedAppendSeconds: number;
  readTreeSeconds: number;
  readSubtreeAccountsSeconds: number;
  organizations: unknown;
  accounts: unknown;
  changes: number;
}

async function worker(backend: string, target: string, orgsFile: string, accountsFile: string): Promise<void> {
  const { openStore } = await import('../src/store/store.js');
  const { Directory } = await import('../src/directory/directory.js');
  const { importFile } = await import('../src/connectors/import/importer.js');
  const store = await openStore(backend === 'sqlite' ? { kind: 'sqlite', file: target } : { kind: 'postgres', url: PG_URL, schema: target });
  const directory = new Directory(store);
  const t0 = performance.now();
  const o = await importFile(directory, orgsFile);
  const t1 = performance.now();
  const a = await importFile(directory, accountsFile);
  const t2 = performance.now();
  const changes = await directory.latestSequence();
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024); // the import's peak, before the reads below
  const r0 = performance.now();
  const tree = await directory.getTree();
  const r1 = performance.now();
  const everyone = await directory.accountsInSubtree(tree[0]!.id);
  const r2 = performance.now();
  if (everyone.length !== ACCOUNTS) throw new Error(`subtree read returned ${everyone.length} accounts`);
  // The change-feed append on its own: 110k entries in one write, rolled back afterwards.
  const { appendChanges } = await import('../src/store/changes.js');
  const feed = Array.from({ length: changes }, (_, i) => ({
    objectType: 'account' as const, objectId: `acc_bench_${i}`, operation: 'update' as const, version: 2, changedFields: ['displayName'],
  }));
  let feedAppendSeconds = 0;
  await store
    .write(async (trx) => {
      const f0 = performance.now();
      await appendChanges(store, trx, feed, new Date().toISOString());
      feedAppendSeconds = +((performance.now() - f0) / 1000).toFixed(2);
      throw new Error('rollback');
    })
    .catch(() => {});
  await store.close();
  if (o.errors.length > 0 || a.errors.length > 0) throw new Error(`import errors: ${JSON.stringify([...o.errors, ...a.errors].slice(0, 5))}`);
  const result: WorkerResult = {
    backend,
    organizationsSeconds: +((t1 - t0) / 1000).toFixed(2),
    accountsSeconds: +((t2 - t1) / 1000).toFixed(2),
    totalSeconds: +((t2 - t0) / 1000).toFixed(2),
    peakRssMB,
    feedAppendSeconds,
    readTreeSeconds: +((r1 - r0) / 1000).toFixed(2),
    readSubtreeAccountsSeconds: +((r2 - r1) / 1000).toFixed(2),
    organizations: o.organizations,
    accounts: a.accounts,
    changes,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function runChild(backend: string, target: string, orgs: string, accounts: string): WorkerResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', here, '--worker', backend, target, orgs, accounts], {
    cwd: path.resolve(path.dirname(here), '..'),
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!) as WorkerResult;
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-bench-'));
  try {
    const files = generate(dir);
    const results: Record<string, unknown> = { organizations: ORGS, accounts: ACCOUNTS, node: process.version, cpus: os.cpus().length };
    results.sqlite = runChild('sqlite', path.join(dir, 'bench.sqlite'), files.orgs, files.accounts);
    const schema = `bench_${randomBytes(4).toString('hex')}`;
    try {
      results.postgres = runChild('postgres', schema, files.orgs, files.accounts);
    } finally {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`).finally(() => c.end());
    }
    console.log(JSON.stringify(results, null, 2));
    return results;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  if (process.argv[2] === '--worker') {
    const [, , , backend, target, orgs, accounts] = process.argv;
    await worker(backend!, target!, orgs!, accounts!);
  } else {
    await run();
  }
}
