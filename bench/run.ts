// `npm run bench [-- NAME …]`: runs each bench/NAME.bench.ts in turn (all of them by default)
// and prints its figures. Record them in BENCHMARKS.md with the command, machine and date.
import { readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
const selected = wanted.length > 0 ? wanted : available;

console.log(
  `# wecom-sync benchmarks — ${new Date().toISOString()} — node ${process.version}, ` +
    `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
);
const results: Record<string, unknown> = {};
for (const name of selected) {
  console.log(`\n## ${name}`);
  const mod = (await import(pathToFileURL(join(here, `${name}.bench.ts`)).href)) as { run: () => Promise<Record<string, unknown>> };
  const started = Date.now();
  results[name] = await mod.run();
  console.log(`(${name} took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
console.log('\n```json\n' + JSON.stringify(results, null, 2) + '\n```');
