// Directory commands: `import FILE`, `accounts list`, `organizations list`.
// Exit codes: 0 ok, 1 validation errors (nothing imported) or a store that cannot be opened,
// 2 usage errors (bad options, unreadable file). Errors are printed as sentences, never stacks.
import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { type Command, Option } from 'commander';
import { type ImportPhase, type ImportReport, importBuffer, summaryJson } from '../../connectors/import/importer.js';
import { parseEncodingOption } from '../../connectors/import/decode.js';
import { organizationPaths } from '../../connectors/import/export.js';
import type { Section } from '../../connectors/import/types.js';
import { Directory } from '../../directory/directory.js';
import type { Store } from '../../store/store.js';
import { EXIT_FAILED as EXIT_INVALID, EXIT_OK, UsageError, action, dataDirOption, usageExits, withStore } from '../shared.js';



async function withDirectory<T>(dataDir: string | undefined, fn: (d: Directory, store: Store) => Promise<T>): Promise<T> {
  return withStore(dataDir, (store) => fn(new Directory(store), store));
}


interface ImportCliOptions {
  dryRun?: boolean;
  json?: boolean;
  skipInvalid?: boolean;
  encoding?: string;
  kind?: string;
  dataDir?: string;
}

function progressReporter(enabled: boolean): { onProgress?: (phase: ImportPhase, done: number, total: number) => void; stop: () => void } {
  if (!enabled) return { stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: ' {phase} [{bar}] {percentage}% | {value}/{total} rows', hideCursor: true, clearOnComplete: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const labels: Record<ImportPhase, string> = { read: 'reading ', plan: 'checking', write: 'writing ', done: 'done    ' };
  return {
    onProgress(phase, done, total) {
      if (phase === 'plan') {
        if (!started) {
          bar.start(total, 0, { phase: labels.plan });
          started = true;
        }
        bar.update(done, { phase: labels.plan });
      } else if (started && (phase === 'write' || phase === 'done')) {
        bar.update(bar.getTotal(), { phase: labels[phase] });
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function printHuman(file: string, r: ImportReport, opts: ImportCliOptions): void {
  const out: string[] = [];
  const what = `${path.basename(file)}${r.format ? ` (${r.format.toUpperCase()}${r.encoding ? `, ${r.encoding === 'utf8' ? 'UTF-8' : 'GB18030'}` : ''})` : ''}`;
  const rejected = r.errors.length > 0 && !opts.skipInvalid;
  if (r.dryRun) out.push(`Dry run of ${what}: nothing was changed.${rejected ? ' The file has errors; an import would change nothing.' : ''}`);
  else if (rejected) out.push(`Import of ${what} rejected: nothing was imported.`);
  else out.push(`Imported ${what}.`);
  const pad = (s: string | number, n: number): string => String(s).padStart(n);
  const verb = r.dryRun || rejected ? 'would ' : '';
  out.push(`${''.padEnd(14)}${pad(verb + 'create', 14)}${pad(verb + 'update', 14)}${pad('unchanged', 11)}`);
  for (const k of ['organizations', 'accounts'] as const)
    out.push(`${k.padEnd(14)}${pad(r[k].create, 14)}${pad(r[k].update, 14)}${pad(r[k].unchanged, 11)}`);
  if (r.errors.length > 0) {
    out.push('');
    out.push(opts.skipInvalid ? `${r.skippedRows} row(s) skipped:` : `${r.errors.length} error(s):`);
    for (const e of r.errors)
      out.push(`  ${e.section ? `${e.section} ` : ''}row ${e.row}${e.column ? `, column ${e.column}` : ''}: ${e.message}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

/** Terminal columns a string takes: East Asian wide characters take two. */
function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => displayWidth(r[i] ?? ''))));
  return rows.map((r) => r.map((c, i) => c + ' '.repeat(Math.max(0, widths[i]! - displayWidth(c)))).join('  ').trimEnd()).join('\n') + '\n';
}

export function registerDirectoryCommands(program: Command): void {
  usageExits(
    program
      .command('import')
      .description('Import organizations or accounts from a CSV or JSON file (all or nothing unless --skip-invalid)')
      .argument('<file>', 'CSV (UTF-8 with or without BOM, or GB18030) or JSON file')
      .option('--dry-run', 'report what would change and every row error; change nothing')
      .option('--json', 'print one JSON summary object')
      .option('--skip-invalid', 'import the valid rows and report every skipped row')
      .addOption(new Option('--encoding <encoding>', 'file encoding').choices(['auto', 'utf8', 'gb18030']).default('auto'))
      .addOption(new Option('--kind <kind>', 'file kind (default: from the header)').choices(['organizations', 'accounts']))
      .addOption(dataDirOption())
      .action(
        action(async (file: string, opts: ImportCliOptions) => {
          const encoding = parseEncodingOption(opts.encoding);
          if (!encoding) throw new UsageError(`unknown encoding "${opts.encoding}" (use utf8 or gb18030)`);
          let buf: Buffer;
          try {
            buf = fs.readFileSync(file);
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            throw new UsageError(code === 'ENOENT' ? `file not found: ${file}` : code === 'EISDIR' ? `${file} is a directory` : `cannot read ${file}: ${(err as Error).message}`);
          }
          const progress = progressReporter(Boolean(process.stdout.isTTY) && !opts.json);
          let report: ImportReport;
          try {
            report = await withDirectory(opts.dataDir, (directory) =>
              importBuffer(directory, buf, {
                fileName: file,
                dryRun: opts.dryRun ?? false,
                skipInvalid: opts.skipInvalid ?? false,
                encoding,
                ...(opts.kind ? { kind: opts.kind as Section } : {}),
                ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
              }),
            );
          } finally {
            progress.stop();
          }
          if (opts.json) process.stdout.write(JSON.stringify(summaryJson(report)) + '\n');
          else printHuman(file, report, opts);
          return report.errors.length > 0 && !opts.skipInvalid ? EXIT_INVALID : EXIT_OK;
        }),
      ),
  );

  const accounts = program.command('accounts').description('Accounts in the directory');
  usageExits(
    accounts
      .command('list')
      .description('List the accounts the directory holds')
      .option('--json', 'print a JSON array')
      .addOption(dataDirOption())
      .action(
        action(async (opts: { json?: boolean; dataDir?: string }) => {
          await withDirectory(opts.dataDir, async (directory) => {
            const [orgs, list] = [await directory.getTree(), await directory.allAccounts()];
            const paths = organizationPaths(orgs);
            if (opts.json) {
              process.stdout.write(JSON.stringify(list.map((a) => ({ ...a, organizationPaths: a.organizationIds.map((id) => paths.get(id) ?? id) }))) + '\n');
              return;
            }
            const rows = [['USERNAME', 'NAME', 'MOBILE', 'EMAIL', 'STATUS', 'ORGANIZATIONS']];
            for (const a of list)
              rows.push([a.username, a.displayName, a.mobile ?? '', a.email ?? '', a.status, a.organizationIds.map((id) => paths.get(id) ?? id).join('; ')]);
            process.stdout.write(list.length === 0 ? 'No accounts.\n' : table(rows));
          });
          return EXIT_OK;
        }),
      ),
  );

  const organizations = program.command('organizations').description('Organizations in the directory');
  usageExits(
    organizations
      .command('list')
      .description('List the organization tree, parents before children')
      .option('--json', 'print a JSON array')
      .addOption(dataDirOption())
      .action(
        action(async (opts: { json?: boolean; dataDir?: string }) => {
          await withDirectory(opts.dataDir, async (directory) => {
            const orgs = await directory.getTree();
            const paths = organizationPaths(orgs);
            if (opts.json) {
              process.stdout.write(JSON.stringify(orgs.map((o) => ({ ...o, path: paths.get(o.id) }))) + '\n');
              return;
            }
            const rows = [['PATH', 'ID', 'ORDER', 'CODE', 'EXTERNAL ID', 'STATUS']];
            for (const o of orgs) rows.push([paths.get(o.id) ?? o.name, o.id, String(o.order), o.code ?? '', o.externalId ?? '', o.status]);
            process.stdout.write(orgs.length === 0 ? 'No organizations.\n' : table(rows));
          });
          return EXIT_OK;
        }),
      ),
  );
}
