// Sync commands: `plan`, `apply`, `status`, `sync --watch`.
// Exit codes: 0 ok; 1 an operation failed (or the run failed — or a run a crash left behind, which
// apply resumes first and reports too — unknown connection, store or secret key unusable); 2 bad input or a confirmation that cannot be asked (no --yes and no terminal);
// 3 the run is held by the safety threshold (approve with `apply --approve RUN_ID`).
//
// The store and secret box are opened the way `connection` commands open them (same data-dir
// resolution, same SecretBox.fromEnvironment); that module keeps its helpers private, so the few
// lines are repeated here.
import { createInterface } from 'node:readline/promises';
import { styleText } from 'node:util';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { Connections, SecretBox } from '../../connections/index.js';
import { Directory } from '../../directory/directory.js';
import type { MappingProblem } from '../../mapping/definitions/index.js';
import type { Operation, OperationKind, Plan, PlanWarning } from '../../domain/plan.js';
import { OPERATION_KINDS } from '../../domain/plan.js';
import { connectionBudget } from '../../domain/connection.js';
import { resolveDataDir } from '../../store/config.js';
import type { Store } from '../../store/store.js';
import { RunInProgressError, SyncPipeline, SyncWorker, estimatePlan, planJson, problemWarnings, reasonText, runFailures, summaryCounts, syncStatus, targetText, type SyncReport, type SyncStatus } from '../../sync/index.js';
import { getRun } from '../../sync/state/runs.js';
import { type ClusterStatus, clusterStatus } from '../../jobs/registry.js';
import type { Budget } from '../../wecom/transport/rate-limiter.js';
import { formatBudgetWindow } from '../../wecom/transport/budget-text.js';
import { EXIT_FAILED, EXIT_HELD, EXIT_OK, UsageError, action, dataDirOption, usageExits, withStore } from '../shared.js';


interface CommonOptions {
  connection: string;
  dataDir?: string;
  json?: boolean;
}

// ------------------------------------------------------------------ plumbing

/** `status --cluster` for people: one line per worker with its runs, then the runs nobody registered executes, then the queue. */
function clusterText(c: ClusterStatus): string {
  const lines: string[] = [];
  const run = (r: ClusterStatus['otherRuns'][number]): string => `    ${r.connection}: run ${r.runId} (${r.status}${r.startedAt ? `, since ${r.startedAt}` : ''})`;
  if (c.workers.length === 0) lines.push('No worker has registered (the embedded store syncs inside `serve`; PostgreSQL deployments run `wecom-sync worker`).');
  for (const w of c.workers) {
    lines.push(`${w.id}  ${w.state}  ${w.slots} slots  ${w.url ?? ''}  last seen ${w.seenAt}`);
    for (const r of w.runs) lines.push(run(r));
    if (w.runs.length === 0 && w.state !== 'stopped' && w.state !== 'lost') lines.push('    idle');
  }
  if (c.otherRuns.length > 0) {
    lines.push('Runs executed by processes that are not registered workers (serve in the embedded mode, the CLI):');
    for (const r of c.otherRuns) lines.push(run(r));
  }
  lines.push(c.queued.length === 0 ? 'No run is queued.' : `Queued (waiting for a worker): ${c.queued.map((q) => `${q.connection} (${q.runId})`).join(', ')}`);
  return lines.join('\n') + '\n';
}

async function withPipeline<T>(dataDir: string | undefined, fn: (pipeline: SyncPipeline, connections: Connections, store: Store) => Promise<T>): Promise<T> {
  return withStore(dataDir, async (store) => {
    const box = SecretBox.fromEnvironment({ dataDir: resolveDataDir({ dataDir }) });
    const connections = new Connections(store, box);
    const pipeline = new SyncPipeline({ store, directory: new Directory(store), connections });
    try {
      return await fn(pipeline, connections, store);
    } finally {
      await pipeline.close();
    }
  });
}

const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
type Style = Parameters<typeof styleText>[0];
const paint = (style: Style, text: string): string => (colour ? styleText(style, text) : text);

const KIND_STYLE: Record<OperationKind, Style> = {
  'department.create': 'green',
  'member.create': 'green',
  'department.update': 'yellow',
  'member.update': 'yellow',
  'member.disable': 'magenta',
  'department.delete': 'red',
  'member.delete': 'red',
};

const show = (v: unknown): string => (v === undefined || v === null ? '∅' : typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v));




function printWarnings(warnings: PlanWarning[], problems: MappingProblem[]): void {
  if (problems.length > 0) {
    process.stdout.write(`\n${paint('yellow', `Mapping problems (${problems.length}):`)}\n`);
    for (const p of problems) process.stdout.write(`  ${p.objectType} ${p.key} ${p.field}: ${p.message}${p.effect === 'object-skipped' ? ' [left out of this sync]' : ''}\n`);
  }
  if (warnings.length > 0) {
    process.stdout.write(`\n${paint('yellow', `Warnings (${warnings.length}):`)}\n`);
    for (const w of warnings) process.stdout.write(`  ${w.message}\n`);
  }
}

function printPlan(ops: readonly Operation[], relinks: NonNullable<Plan['relinks']> = []): void {
  if (relinks.length > 0) {
    process.stdout.write(`${paint('bold', `Links taken over (${relinks.length}):`)}\n`);
    for (const r of relinks) process.stdout.write(`  ${r.type} ${r.from} → ${r.to}  ${paint('dim', `— ${r.reason}`)}\n`);
    if (ops.length > 0) process.stdout.write('\n');
  }
  if (ops.length === 0) {
    if (relinks.length > 0) return;
    process.stdout.write('Nothing to do: WeCom already matches the directory.\n');
    return;
  }
  for (const kind of OPERATION_KINDS) {
    const group = ops.filter((o) => o.kind === kind);
    if (group.length === 0) continue;
    process.stdout.write(`${paint(['bold', KIND_STYLE[kind]] as unknown as Style, `${kind} (${group.length})`)}\n`);
    for (const op of group) {
      process.stdout.write(`  ${targetText(op.target as { departmentId?: number; userid?: string })}  ${paint('dim', `— ${reasonText(op)}`)}\n`);
      for (const c of op.reason.changes) process.stdout.write(`      ${c.field}: ${show(c.old)} → ${show(c.new)}\n`);
    }
  }
  const counts = summaryCounts(ops);
  process.stdout.write(`\n${Object.entries(counts).map(([k, n]) => `${k}: ${n}`).join(', ')}\n`);
}

/** `45 s`, `12 min 30 s`, `1 h 4 min`. */
function durationText(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

/** How long WeCom's rate budget makes the plan take (nothing when it is empty). */
function printEstimate(ops: readonly Operation[], budget: readonly Budget[]): void {
  if (ops.length === 0) return;
  const e = estimatePlan(ops, budget);
  const per = budget.map(formatBudgetWindow).join(' and ');
  process.stdout.write(
    e.limitedBy === null
      ? `Expected duration: no waiting for WeCom's rate budget (${per} per API)\n`
      : `Expected duration: at least ${durationText(e.seconds)}, set by WeCom's rate budget (${e.limitedBy.api}: ${formatBudgetWindow(e.limitedBy)} of ${per} per API)\n`,
  );
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(question);
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** A run's result as `apply --json` prints it. */
async function resultJson(store: Store, report: SyncReport) {
  const failures = report.runId ? await runFailures(store, report.runId) : [];
  return {
    run: report.runId,
    status: report.status,
    summary: { succeeded: report.summary.succeeded, failed: report.summary.failed, skipped: report.summary.skipped },
    failures: failures.map((f) => ({ kind: f.kind, target: f.target, errcode: f.errcode, errmsg: f.errmsg, explanation: f.explanation?.en ?? f.note ?? null })),
  };
}

async function printRun(store: Store, report: SyncReport, label: string): Promise<void> {
  process.stdout.write(`\n${label} ${report.runId ?? '(none)'}: ${report.status} — ${report.summary.message}\n`);
  if (report.error) process.stdout.write(`${paint('red', 'Error:')} ${report.error.message}${report.error.explanation ? `\n  ${report.error.explanation.en}` : ''}\n`);
  const failures = report.runId ? await runFailures(store, report.runId) : [];
  if (failures.length === 0) return;
  process.stdout.write(`\n${paint('red', `Failed operations (${failures.length}):`)}\n`);
  for (const f of failures)
    process.stdout.write(`  ${f.kind} ${f.target}: ${f.errcode ?? ''} ${f.errmsg ?? ''}\n${f.explanation ? `      ${f.explanation.en}\n      ${f.explanation.zh}\n` : f.note ? `      ${f.note}\n` : ''}`);
}

const failed = (r: SyncReport): boolean => r.status === 'failed' || r.status === 'taken-over' || r.summary.failed > 0;

/**
 * Prints every run the command executed: runs a crash left behind, resumed first, then this one.
 * Exit 1 when any of them failed; 3 when this one is held.
 */
async function printResult(store: Store, name: string, report: SyncReport, json: boolean | undefined): Promise<number> {
  const resumed = report.resumed ?? [];
  if (json) {
    const out = { ...(await resultJson(store, report)), warnings: [...report.warnings, ...problemWarnings(report.problems)], resumed: await Promise.all(resumed.map((r) => resultJson(store, r))) };
    process.stdout.write(JSON.stringify(out) + '\n');
  } else {
    for (const r of resumed) await printRun(store, r, 'Resumed run (left unfinished by an earlier process)');
    printWarnings(report.warnings, report.problems);
    await printRun(store, report, 'Run');
  }
  if (report.status === 'held') {
    process.stderr.write(`The run is held by the safety threshold: ${report.summary.message}\nReview it, then approve it with: wecom-sync apply --connection ${name} --approve ${report.runId}\n`);
    return EXIT_HELD;
  }
  return [...resumed, report].some(failed) ? EXIT_FAILED : EXIT_OK;
}

function statusText(s: SyncStatus): string {
  const lines = [`Connection ${s.connection.name} (${s.connection.id}), root department ${s.connection.rootDepartmentId}${s.connection.defaultDepartmentId !== null ? `, default department ${s.connection.defaultDepartmentId}` : ''}`];
  lines.push(`Links: ${s.links.departments} departments, ${s.links.members} members${s.links.pending > 0 ? ` (${s.links.pending} pending)` : ''}`);
  lines.push(
    `Change feed: synced up to ${s.cursor.lastChangeSeq ?? 'never'}, latest ${s.cursor.latestSequence}, lag ${s.cursor.lag} change${s.cursor.lag === 1 ? '' : 's'}`,
  );
  if (s.mapping.pending) lines.push(paint('yellow', `Mapping changed since the last full run: not applied yet (wecom-sync apply --connection ${s.connection.name}; the service's worker starts a full run when a mapping is saved through it)`));
  if (s.held.length > 0) lines.push(paint('yellow', `Held for approval: ${s.held.join(', ')} (wecom-sync apply --connection ${s.connection.name} --approve RUN_ID)`));
  lines.push('', 'Recent runs:');
  if (s.runs.length === 0) lines.push('  none yet (wecom-sync apply --connection NAME)');
  for (const r of s.runs) lines.push(`  ${r.id}  ${r.kind.padEnd(11)} ${r.status.padEnd(9)} ${r.createdAt}  ${r.summary ?? r.error ?? ''}`);
  if (s.failures.length > 0) {
    lines.push('', `Failed operations of the last run (${s.failures.length}):`);
    for (const f of s.failures) {
      lines.push(`  ${f.kind} ${f.target}: ${f.errcode ?? ''} ${f.errmsg ?? ''}`);
      if (f.explanation) lines.push(`      ${f.explanation.en}`, `      ${f.explanation.zh}`);
      else if (f.note) lines.push(`      ${f.note}`);
    }
  }
  return lines.join('\n') + '\n';
}

// ------------------------------------------------------------------ commands

export function registerSyncCommands(program: Command): void {
  usageExits(
    program
      .command('plan')
      .description('Show what a sync would change in WeCom (nothing is sent or stored)')
      .requiredOption('--connection <name>', 'connection name or id')
      .option('--json', 'print {"operations":[…],"summary":{…},"estimate":{"seconds","limitedBy"},"relinks":[…],"warnings":[…]}')
      .addOption(dataDirOption())
      .action(
        action(async (opts: CommonOptions) =>
          withPipeline(opts.dataDir, async (pipeline, connections) => {
            const report = await pipeline.plan(opts.connection);
            const budget = connectionBudget(await connections.get(report.connection.id));
            if (opts.json) process.stdout.write(JSON.stringify(planJson(report, budget)) + '\n');
            else {
              printPlan(report.plan.operations, report.plan.relinks);
              printEstimate(report.plan.operations, budget);
              printWarnings(report.warnings, report.problems);
              if (report.plan.safety.exceeded) process.stdout.write(`\n${paint('yellow', 'Applying this plan will be held for approval (safety threshold).')}\n`);
            }
            return EXIT_OK;
          }),
        ),
      ),
  );

  usageExits(
    program
      .command('apply')
      .description('Sync the directory into WeCom now (a full run)')
      .requiredOption('--connection <name>', 'connection name or id')
      .option('--yes', 'do not ask for confirmation (required without a terminal)')
      .option('--approve <runId>', 'execute a run held by the safety threshold')
      .option('--json', 'print {"run","status","summary":{…},"failures":[…],"warnings":[…],"resumed":[…runs a crash left behind, finished first]}')
      .addOption(dataDirOption())
      .action(
        action(async (opts: CommonOptions & { yes?: boolean; approve?: string }) => {
          const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
          if (!opts.yes && !tty)
            throw new UsageError(
              `refusing to apply without --yes: there is no terminal to confirm on. Review the changes with "wecom-sync plan --connection ${opts.connection}", then run "wecom-sync apply --connection ${opts.connection} --yes".`,
            );
          return withPipeline(opts.dataDir, async (pipeline, connections, store) => {
            if (!opts.yes && opts.approve) {
              const run = await getRun(store.db, opts.approve);
              if (!run) throw new UsageError(`run ${opts.approve} does not exist`);
              if (run.status !== 'held') throw new UsageError(`run ${opts.approve} is ${run.status}, not held for approval`);
              process.stdout.write(`Run ${run.id} (${run.kind}, planned ${run.createdAt}): ${run.summary?.message ?? ''}\n`);
              if (run.plan) process.stdout.write(`${Object.entries(run.plan.summary.byKind).filter(([, n]) => n > 0).map(([k, n]) => `${k}: ${n}`).join(', ')}\n`);
              if (!(await confirm('\nApprove and apply this run? [y/N] '))) {
                process.stdout.write('Nothing was applied.\n');
                return EXIT_OK;
              }
            } else if (!opts.yes) {
              const preview = await pipeline.plan(opts.connection);
              const ops = preview.plan.operations;
              printPlan(ops, preview.plan.relinks);
              printEstimate(ops, connectionBudget(await connections.get(preview.connection.id)));
              printWarnings(preview.warnings, preview.problems);
              if (ops.length === 0 && !preview.plan.relinks?.length) return EXIT_OK;
              if (!(await confirm(`\nApply ${ops.length} operation${ops.length === 1 ? '' : 's'} to WeCom? [y/N] `))) {
                process.stdout.write('Nothing was applied.\n');
                return EXIT_OK;
              }
            }
            const bar = tty && !opts.json ? new cliProgress.SingleBar({ format: 'Applying [{bar}] {value}/{total} operations', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
            let started = false;
            const onProgress = (done: number, total: number): void => {
              if (!bar) return;
              if (!started) {
                bar.start(total, done);
                started = true;
              } else bar.update(done);
            };
            let report: SyncReport;
            try {
              report = opts.approve ? await pipeline.approve(opts.connection, opts.approve, { onProgress }) : await pipeline.apply(opts.connection, { onProgress });
            } catch (e) {
              if (e instanceof RunInProgressError) throw new Error(`${e.message}; try again when it has finished (wecom-sync status --connection ${opts.connection})`);
              throw e;
            } finally {
              if (started) bar?.stop();
            }
            return printResult(store, opts.connection, report, opts.json);
          });
        }),
      ),
  );

  usageExits(
    program
      .command('status')
      .description('Recent runs, links, failures with explanations, change-feed lag; --cluster: the workers of a PostgreSQL deployment and what each runs')
      .option('--connection <name>', 'connection name or id')
      .option('--cluster', 'the workers sharing the database (PostgreSQL deployments), the runs each executes, the runs queued')
      .option('--json', 'print the status as JSON')
      .addOption(dataDirOption())
      .action(
        action(async (opts: CommonOptions & { cluster?: boolean }) => {
          if (opts.cluster) {
            if (opts.connection) throw new UsageError('--cluster and --connection: give one');
            return withStore(opts.dataDir, async (store) => {
              const c = await clusterStatus(store.db);
              process.stdout.write(opts.json ? JSON.stringify(c) + '\n' : clusterText(c));
              return EXIT_OK;
            });
          }
          if (!opts.connection) throw new UsageError("required option '--connection <name>' not specified (or --cluster)");
          return withPipeline(opts.dataDir, async (pipeline, connections, store) => {
            const s = await syncStatus(store, pipeline.directory, await connections.get(opts.connection!));
            process.stdout.write(opts.json ? JSON.stringify(s) + '\n' : statusText(s));
            return EXIT_OK;
          });
        }),
      ),
  );

  usageExits(
    program
      .command('sync')
      .description('Keep WeCom in step continuously: incremental syncs from the change feed (until Ctrl-C)')
      .requiredOption('--connection <name>', 'connection name or id')
      .requiredOption('--watch', 'run in the foreground, watching the directory')
      .option('--full-interval <seconds>', 'also run a full reconcile this often', '3600')
      .option('--poll <ms>', 'change-feed poll interval', '25')
      .addOption(dataDirOption())
      .action(
        action(async (opts: CommonOptions & { fullInterval: string; poll: string }) => {
          const full = Number(opts.fullInterval);
          const poll = Number(opts.poll);
          if (!Number.isFinite(full) || full < 0) throw new UsageError(`--full-interval must be a number of seconds, got "${opts.fullInterval}"`);
          if (!Number.isInteger(poll) || poll < 1) throw new UsageError(`--poll must be a positive integer, got "${opts.poll}"`);
          return withPipeline(opts.dataDir, async (pipeline, connections) => {
            const { id, name } = await connections.get(opts.connection);
            const worker = new SyncWorker({ pipeline, connections: async () => [id], pollMs: poll, fullIntervalMs: full * 1000 });
            worker.on('event', (e) => {
              const at = new Date().toISOString();
              if (e.type === 'run' && e.report.runId) process.stdout.write(`${at} ${e.report.kind} run ${e.report.runId}: ${e.report.status} — ${e.report.summary.message}\n`);
              else if (e.type === 'error') process.stderr.write(`${at} error: ${e.error.message}\n`);
              else if (e.type === 'blocked') process.stderr.write(`${at} ${e.reason}\n`);
            });
            process.stdout.write(`Watching the directory for connection "${name}" (Ctrl-C to stop)…\n`);
            await new Promise<void>((resolve) => {
              const stop = (): void => {
                process.off('SIGINT', stop);
                process.off('SIGTERM', stop);
                resolve();
              };
              process.on('SIGINT', stop);
              process.on('SIGTERM', stop);
              worker.start();
            });
            await worker.stop();
            process.stdout.write('Stopped.\n');
            return EXIT_OK;
          });
        }),
      ),
  );
}
