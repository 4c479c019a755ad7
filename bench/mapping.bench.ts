// Mapping benchmark: mapDirectory with the default mapping over 10k organizations and 100k accounts
// (the synthetic directory of the mapping tests). Goal: well under 1 s on an idle machine.
// Run: npm run bench -- mapping   (or: node --import tsx bench/mapping.bench.ts)
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { mapDirectory } from '../src/mapping/definitions/index.js';
import { bigDirectory, compiled } from '../test/mapping/definitions/fixtures.js';

const ORGS = Number(process.env.BENCH_ORGS ?? 10_000);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 100_000);

export async function run(): Promise<Record<string, unknown>> {
  const directory = bigDirectory(ORGS, ACCOUNTS);
  const mapping = compiled();
  mapDirectory(directory, mapping, {}); // warm-up: compiled code and memo tables
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const r = mapDirectory(directory, mapping, {});
    times.push(performance.now() - started);
    if (r.desired.members.length !== ACCOUNTS || r.desired.departments.length !== ORGS || r.problems.length > 0)
      throw new Error(`unexpected result: ${r.desired.members.length} members, ${r.desired.departments.length} departments, ${r.problems.length} problems`);
  }
  const figures = {
    organizations: ORGS,
    accounts: ACCOUNTS,
    bestMs: Math.round(Math.min(...times)),
    worstMs: Math.round(Math.max(...times)),
    load: Number(loadavg()[0]!.toFixed(2)),
  };
  console.log(`  mapDirectory: ${ACCOUNTS} accounts + ${ORGS} organizations in ${figures.bestMs} ms (best of 3, worst ${figures.worstMs} ms; goal well under 1,000 ms), load ${figures.load}`);
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
