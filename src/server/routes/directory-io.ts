// Bulk directory files over REST — the same importer as `wecom-sync import` (src/connectors/import):
//   POST /directory/import?dryRun=true|false&skipInvalid=   a CSV or JSON file in a JSON body
//        dryRun=true (the default): what would be created, updated or left unchanged, and every row
//        error (row, column, message) — nothing is written, nothing audited.
//        dryRun=false: all rows in one transaction (or, with skipInvalid, the valid ones), audited;
//        a file with row errors is refused with 422 and nothing is written.
//   GET  /directory/export   the whole directory as one JSON import file (a download)
// The file travels as its text (`content`) or, to keep its bytes (a GB18030 CSV from Excel), as
// base64 (`contentBase64`); the importer detects the encoding either way.
import { fieldError } from '../../domain/common.js';
import { clause, coded } from '../../messages/index.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { exportDirectory } from '../../connectors/import/export.js';
import { importBuffer, type ImportReport } from '../../connectors/import/importer.js';
import type { Directory } from '../../directory/directory.js';
import { audit, writesNothing } from '../audit.js';
import { ProblemError, problem } from '../problem.js';
import { defineRoute } from '../route.js';

/** The largest import file, in bytes (about 100 000 accounts in CSV). */
export const IMPORT_MAX_BYTES = 16 * 1024 * 1024;
const MIB = 1024 * 1024;

const importBody = z
  .strictObject({
    fileName: z.string().max(255).optional().describe('the file name; `.csv` or `.json` decides the format (else the content does)'),
    content: z.string().optional().describe('the file as text'),
    contentBase64: z.string().optional().describe('the file as base64 (keeps a GB18030/GBK file intact)'),
    encoding: z.enum(['auto', 'utf8', 'gb18030']).optional().describe('the file encoding; default auto (UTF-8, else GB18030)'),
  })
  .refine((b) => (b.content === undefined) !== (b.contentBase64 === undefined), { message: 'give the file as exactly one of content or contentBase64', path: ['content'] });

const importQuery = z.strictObject({
  dryRun: z.enum(['true', 'false']).optional().describe('true (default): only report what would change'),
  skipInvalid: z.enum(['true', 'false']).optional().describe('true: import the valid rows and report the others; default false: one bad row and nothing is imported'),
});

const counts = z.object({ create: z.number().int(), update: z.number().int(), unchanged: z.number().int() });
const rowError = z
  .object({
    row: z.number().int().describe('the spreadsheet row (the CSV header is row 1), or the JSON element (from 1)'),
    column: z.string().describe("the column or JSON key; '' for the whole row or file"),
    message: z.string().describe('in English'),
    code: z.string().optional().describe('the message as a catalogue code (`row.*`, `invalid.*`), for saying it in another language'),
    params: z.record(z.string(), z.union([z.string(), z.number()])).optional().describe("the code's parameters (values from the file)"),
    section: z.enum(['organizations', 'accounts']).optional().describe('JSON files: which array'),
  })
  .meta({ id: 'ImportRowError' });
const importReport = z
  .object({
    dryRun: z.boolean(),
    applied: z.boolean().describe('the directory was changed'),
    organizations: counts,
    accounts: counts,
    errors: z.array(rowError),
    skippedRows: z.number().int(),
    changes: z.number().int().describe('change-feed entries written'),
    format: z.enum(['csv', 'json']).nullable(),
    encoding: z.enum(['utf8', 'gb18030']).nullable(),
  })
  .meta({ id: 'ImportReport' });

const exported = z
  .object({ organizations: z.array(z.record(z.string(), z.unknown())), accounts: z.array(z.record(z.string(), z.unknown())) })
  .meta({ id: 'DirectoryExport', description: 'The JSON import format (docs/directory-import.md)' });

function fileBytes(b: z.output<typeof importBody>): Buffer {
  if (b.contentBase64 !== undefined) {
    if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(b.contentBase64))
      throw new ProblemError(problem(400, coded('error.not-base64'), [fieldError('contentBase64', 'invalid.not-base64')]));
    return Buffer.from(b.contentBase64, 'base64');
  }
  return Buffer.from(b.content!, 'utf8');
}

const rowField = (e: { row: number; column: string; section?: string }): string => `${e.section ? `${e.section}.` : ''}row ${e.row}${e.column ? `.${e.column}` : ''}`;

export async function directoryIoRoutes(app: FastifyInstance, opts: { directory: Directory }): Promise<void> {
  const d = opts.directory;
  defineRoute(
    app,
    {
      method: 'POST',
      url: '/directory/import',
      operationId: 'importDirectory',
      summary: 'Import organizations and accounts from a CSV or JSON file (dry run first)',
      description:
        'The file formats of `wecom-sync import` (docs/directory-import.md). With dryRun=true (the default) nothing is written: the answer says what would be ' +
        'created, updated or left unchanged, and lists every row error. With dryRun=false the rows are written in one transaction and the import is audited; ' +
        `a file with row errors is refused (422, nothing written) unless skipInvalid=true. At most ${IMPORT_MAX_BYTES / MIB} MiB.`,
      tags: ['directory'],
      query: importQuery,
      body: importBody,
      bodyLimit: Math.ceil(IMPORT_MAX_BYTES * 1.4) + 4096,
      responses: {
        200: { description: 'The report (a dry run, or the import done)', schema: importReport },
        422: { description: 'Row errors: nothing was imported; `errors` names each row and column' },
      },
    },
    async ({ query, body }, req) => {
      const dryRun = query.dryRun !== 'false';
      const buf = fileBytes(body);
      if (buf.length > IMPORT_MAX_BYTES)
        throw new ProblemError(
          problem(413, coded('error.import-too-large', { size: (buf.length / MIB).toFixed(1), max: IMPORT_MAX_BYTES / MIB }), [
            fieldError('content', 'invalid.larger-than', { max: IMPORT_MAX_BYTES / MIB }),
          ]),
        );
      const report: ImportReport = await importBuffer(d, buf, {
        dryRun,
        skipInvalid: query.skipInvalid === 'true',
        encoding: body.encoding ?? 'auto',
        ...(body.fileName ? { fileName: body.fileName } : {}),
      });
      if (dryRun) {
        writesNothing(req);
        return report;
      }
      if (!report.applied && report.errors.length > 0 && query.skipInvalid !== 'true') {
        const shown = report.errors.slice(0, 100);
        const first = report.errors[0]!;
        throw new ProblemError(
          problem(
            422,
            coded('error.import-refused', { count: report.errors.length, row: first.row, column: first.column || '—', message: clause(first) }),
            shown.map((e) => ({ field: rowField(e), message: e.message, ...(e.code !== undefined ? { code: e.code } : {}), ...(e.params ? { params: e.params } : {}) })),
          ),
        );
      }
      await audit(req, 'directory.import', null, {
        ...(body.fileName ? { fileName: body.fileName } : {}),
        format: report.format,
        organizations: report.organizations,
        accounts: report.accounts,
        skippedRows: report.skippedRows,
        changes: report.changes,
      });
      return report;
    },
  );

  defineRoute(
    app,
    {
      method: 'GET',
      url: '/directory/export',
      operationId: 'exportDirectory',
      summary: 'The whole directory as a JSON import file',
      description: 'Organizations by path and accounts with their organizations’ paths, in the format POST /directory/import and `wecom-sync import` read (a download: Content-Disposition attachment).',
      tags: ['directory'],
      responses: { 200: { description: 'The file', schema: exported, headers: { 'content-disposition': 'attachment; filename="directory-<date>.json"' } } },
    },
    async (_input, _req, reply) => {
      const doc = exportDirectory(await d.snapshot());
      const date = new Date().toISOString().slice(0, 10);
      return reply.header('content-disposition', `attachment; filename="directory-${date}.json"`).send(doc as never);
    },
  );
}
