// Bulk import of organizations and accounts from CSV or JSON: decode, parse, plan, and either
// report (dry-run) or apply all of it in one transaction. Without skipInvalid a single bad row
// rejects the whole file; with it, valid rows are applied and every skipped row is reported.
import fs from 'node:fs/promises';
import type { Directory } from '../../directory/directory.js';
import { type Encoding, type EncodingOption, decode } from './decode.js';
import { detectFormat, parseCsvText, parseJsonText } from './parse.js';
import { type PlanOutcome, planImport } from './plan.js';
import type { ImportSummary, ParsedFile, Section } from './types.js';

export type ImportPhase = 'read' | 'plan' | 'write' | 'done';

export interface ImportOptions {
  dryRun?: boolean;
  skipInvalid?: boolean;
  encoding?: EncodingOption;
  /** Force the file kind instead of detecting it from the header / keys. */
  kind?: Section;
  /** Used to tell CSV from JSON (by extension); content sniffing otherwise. */
  fileName?: string;
  onProgress?: (phase: ImportPhase, done: number, total: number) => void;
}

export interface ImportReport extends ImportSummary {
  dryRun: boolean;
  /** True when the directory was changed (or would be, for a dry-run, false). */
  applied: boolean;
  /** Rows left out because of errors (only with skipInvalid, otherwise nothing is imported). */
  skippedRows: number;
  /** Change-feed entries appended. */
  changes: number;
  format: 'csv' | 'json' | null;
  encoding: Encoding | null;
}

class RejectedImport extends Error {
  constructor(readonly outcome: PlanOutcome) {
    super('import rejected');
  }
}

function emptyReport(dryRun: boolean): ImportReport {
  return {
    organizations: { create: 0, update: 0, unchanged: 0 },
    accounts: { create: 0, update: 0, unchanged: 0 },
    errors: [],
    dryRun,
    applied: false,
    skippedRows: 0,
    changes: 0,
    format: null,
    encoding: null,
  };
}

function parseImportText(text: string, fileName: string | undefined, kind?: Section): ParsedFile {
  const format = detectFormat(fileName ?? '', text);
  return format === 'json' ? parseJsonText(text, kind) : parseCsvText(text, kind);
}

export async function importBuffer(directory: Directory, buf: Buffer, opts: ImportOptions = {}): Promise<ImportReport> {
  const dryRun = opts.dryRun ?? false;
  const report = emptyReport(dryRun);
  const progress = opts.onProgress ?? (() => {});
  progress('read', 0, 1);
  const decoded = decode(buf, opts.encoding ?? 'auto');
  report.encoding = decoded.encoding;
  if (decoded.errors.length > 0) return { ...report, errors: decoded.errors };
  const parsed = parseImportText(decoded.text, opts.fileName, opts.kind);
  report.format = parsed.format;
  if (parsed.errors.length > 0) return { ...report, errors: [...parsed.errors, ...parsed.rowErrors] };
  progress('read', 1, 1);

  const planOpts = { skipInvalid: opts.skipInvalid ?? false, onProgress: (d: number, t: number) => progress('plan', d, t) };
  if (dryRun) {
    const outcome = planImport(await directory.snapshot(), parsed, planOpts);
    progress('done', 1, 1);
    return { ...report, ...outcome.summary, skippedRows: outcome.skippedRows };
  }
  try {
    const result = await directory.applyBatch((snapshot) => {
      const outcome = planImport(snapshot, parsed, planOpts);
      if (outcome.summary.errors.length > 0 && !opts.skipInvalid) throw new RejectedImport(outcome);
      progress('write', 0, 1);
      return { plan: outcome.plan, result: outcome };
    });
    progress('done', 1, 1);
    return { ...report, ...result.summary, skippedRows: result.skippedRows, changes: result.changes, applied: result.changes > 0 };
  } catch (err) {
    if (err instanceof RejectedImport) return { ...report, ...err.outcome.summary, skippedRows: err.outcome.skippedRows };
    throw err;
  }
}

export async function importFile(directory: Directory, file: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const buf = await fs.readFile(file);
  return importBuffer(directory, buf, { fileName: file, ...opts });
}

/** The summary object printed by `wecom-sync import --json`. */
export function summaryJson(r: ImportReport): Record<string, unknown> {
  return {
    organizations: r.organizations,
    accounts: r.accounts,
    errors: r.errors,
    dryRun: r.dryRun,
    applied: r.applied,
    skippedRows: r.skippedRows,
  };
}
