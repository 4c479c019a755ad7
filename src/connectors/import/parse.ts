// Parsing of import files (CSV and JSON) into input records, with header checks. Text that is not
// valid Unicode (a lone surrogate escaped in JSON) is a row error naming its column; CSV text comes
// from ./decode.ts, which reports bytes that are not text.
import { parse as parseCsv } from 'csv-parse/sync';
import { invalidTextFields } from '../../domain/unicode.js';
import { coded } from '../../messages/index.js';
import { CsvRecord, type InputRecord, MapRecord, type ParsedFile, type RowError, type Section } from './types.js';

const ACCOUNT_REQUIRED_COLUMNS = ['username', 'name', 'mobile', 'email', 'organizations', 'status'] as const;
const ACCOUNT_OPTIONAL_COLUMNS = ['title', 'gender', 'telephone', 'employee_number', 'external_id'] as const;
const ORGANIZATION_REQUIRED_COLUMNS = ['path'] as const;
const ORGANIZATION_OPTIONAL_COLUMNS = ['order', 'code', 'external_id', 'status'] as const;
export const ATTRIBUTE_PREFIX = 'attr.';

const KNOWN: Record<Section, ReadonlySet<string>> = {
  accounts: new Set([...ACCOUNT_REQUIRED_COLUMNS, ...ACCOUNT_OPTIONAL_COLUMNS]),
  organizations: new Set([...ORGANIZATION_REQUIRED_COLUMNS, ...ORGANIZATION_OPTIONAL_COLUMNS]),
};
const REQUIRED: Record<Section, readonly string[]> = { accounts: ACCOUNT_REQUIRED_COLUMNS, organizations: ORGANIZATION_REQUIRED_COLUMNS };

// JSON keys accepted as aliases of the file columns.
const JSON_ALIASES: Record<string, string> = {
  displayName: 'name',
  display_name: 'name',
  employeeNumber: 'employee_number',
  externalId: 'external_id',
};

export function detectFormat(fileName: string, text: string): 'csv' | 'json' {
  if (/\.json$/i.test(fileName)) return 'json';
  if (/\.csv$/i.test(fileName)) return 'csv';
  const first = text.trimStart()[0];
  return first === '{' || first === '[' ? 'json' : 'csv';
}

function normalizeColumn(name: string): string {
  const t = name.trim();
  if (t.toLowerCase().startsWith(ATTRIBUTE_PREFIX)) return ATTRIBUTE_PREFIX + t.slice(ATTRIBUTE_PREFIX.length).trim();
  return t.toLowerCase();
}

function sectionOf(columns: string[]): Section | null {
  if (columns.includes('username')) return 'accounts';
  if (columns.includes('path')) return 'organizations';
  return null;
}

function checkColumns(section: Section, columns: string[], row: number, extra: Partial<RowError> = {}): RowError[] {
  const errors: RowError[] = [];
  for (const c of REQUIRED[section]) if (!columns.includes(c)) errors.push({ row, column: c, ...coded('row.missing-column', { column: c }), ...extra });
  for (const c of columns) {
    if (c.startsWith(ATTRIBUTE_PREFIX)) {
      if (c.length === ATTRIBUTE_PREFIX.length) errors.push({ row, column: c, ...coded('row.attribute-column'), ...extra });
    } else if (!KNOWN[section].has(c))
      errors.push({ row, column: c, ...coded(`row.unknown-column.${section}`, { column: c, known: `${[...KNOWN[section]].join(', ')}, attr.NAME` }), ...extra });
  }
  return errors;
}

export function parseCsvText(text: string, forced?: Section): ParsedFile {
  // Records are kept compact: [startLine, ...cells]. The start line is the line the record begins
  // on (its end line minus the line breaks inside quoted cells), which is the row Excel shows.
  let records: string[][];
  const lineOf: number[] = [];
  try {
    records = parseCsv(text, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      on_record: (record: string[], context: { lines: number }) => {
        let inner = 0;
        for (const f of record) if (f.includes('\n')) inner += f.split('\n').length - 1;
        lineOf.push(context.lines - inner);
        return record;
      },
    }) as string[][];
  } catch (err) {
    const e = err as { lines?: number; message: string };
    return { format: 'csv', sections: [], errors: [{ row: e.lines ?? 1, column: '', ...coded('row.csv-syntax', { detail: e.message }) }], rowErrors: [] };
  }
  const header = records[0];
  if (!header) return { format: 'csv', sections: [], errors: [{ row: 1, column: '', ...coded('row.file-empty') }], rowErrors: [] };
  const headerRow = lineOf[0] ?? 1;
  const columns = header.map(normalizeColumn);
  const errors: RowError[] = [];
  const section = forced ?? sectionOf(columns);
  if (!section)
    return {
      format: 'csv',
      sections: [],
      errors: [{ row: headerRow, column: '', ...coded('row.file-kind') }],
      rowErrors: [],
    };
  // Blank header cells (Excel's trailing empty columns) are ignored when their cells are blank too.
  const used = columns.filter((c) => c !== '');
  const seen = new Set<string>();
  for (const c of used) {
    if (seen.has(c)) errors.push({ row: headerRow, column: c, ...coded('row.column-twice', { column: c }) });
    seen.add(c);
  }
  errors.push(...checkColumns(section, used, headerRow));
  const index = new Map<string, number>();
  columns.forEach((c, i) => {
    if (c !== '' && !index.has(c)) index.set(c, i);
  });
  const out: InputRecord[] = [];
  const rowErrors: RowError[] = [];
  for (let r = 1; r < records.length; r++) {
    const record = records[r]!;
    const row = lineOf[r]!;
    records[r] = [];
    if (record.length !== columns.length) {
      rowErrors.push({ row, column: '', ...coded('row.value-count', { values: record.length, columns: columns.length }) });
      continue;
    }
    const cells: Array<string | null> = new Array(columns.length);
    let bad = false;
    for (let i = 0; i < columns.length; i++) {
      const v = record[i]!.trim();
      if (columns[i] === '' && v !== '') {
        rowErrors.push({ row, column: `#${i + 1}`, ...coded('row.value-without-header', { value: String(v) }) });
        bad = true;
      }
      cells[i] = v === '' ? null : v;
    }
    if (!bad) out.push(new CsvRecord(row, section, cells, index, used));
  }
  return { format: 'csv', sections: [{ section, records: out }], errors, rowErrors };
}

function jsonErrorRow(text: string, message: string): number {
  const lineOf = (offset: number): number => text.slice(0, offset).split('\n').length;
  const pos = /position (\d+)/.exec(message);
  if (pos) return lineOf(Number(pos[1]));
  const line = /line (\d+)/.exec(message);
  if (line) return Number(line[1]);
  // Node 20 quotes ~10 characters either side of the bad token: `..."sername": }\n]}" is not valid JSON`.
  const excerpt = /"(\.\.\.)?([\s\S]*?)(\.\.\.)?" is not valid JSON$/.exec(message);
  if (excerpt && excerpt[2]) {
    const at = text.indexOf(excerpt[2]);
    if (at >= 0) return lineOf(at + (excerpt[1] ? Math.min(10, excerpt[2].length) : 0));
  }
  return 1;
}

export function parseJsonText(text: string, forced?: Section): ParsedFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const message = (err as Error).message;
    return { format: 'json', sections: [], errors: [{ row: jsonErrorRow(text, message), column: '', ...coded('row.json-syntax', { detail: message }) }] , rowErrors: [] };
  }
  const arrays: Array<[Section, unknown[]]> = [];
  if (Array.isArray(doc)) {
    const first = doc[0];
    const keys = first && typeof first === 'object' ? Object.keys(first) : [];
    const section = forced ?? sectionOf(keys);
    if (!section && doc.length > 0)
      return { format: 'json', sections: [], errors: [{ row: 1, column: '', ...coded('row.json-kind') }] , rowErrors: [] };
    if (section) arrays.push([section, doc]);
  } else if (doc && typeof doc === 'object') {
    const o = doc as Record<string, unknown>;
    const unknownKeys = Object.keys(o).filter((k) => k !== 'organizations' && k !== 'accounts');
    if (unknownKeys.length > 0)
      return { format: 'json', sections: [], errors: [{ row: 1, column: unknownKeys[0]!, ...coded('row.json-keys') }] , rowErrors: [] };
    for (const s of ['organizations', 'accounts'] as const) {
      if (o[s] === undefined) continue;
      if (!Array.isArray(o[s])) return { format: 'json', sections: [], errors: [{ row: 1, column: s, ...coded('row.json-array', { section: s }), section: s }] , rowErrors: [] };
      arrays.push([s, o[s] as unknown[]]);
    }
  } else {
    return { format: 'json', sections: [], errors: [{ row: 1, column: '', ...coded('row.json-shape') }] , rowErrors: [] };
  }
  const errors: RowError[] = [];
  const rowErrors: RowError[] = [];
  const sections: ParsedFile['sections'] = [];
  for (const [section, items] of arrays) {
    const records: InputRecord[] = [];
    items.forEach((item, i) => {
      const row = i + 1;
      if (!item || typeof item !== 'object' || Array.isArray(item)) {
        rowErrors.push({ row, column: '', ...coded('row.json-element'), section });
        return;
      }
      const values = new Map<string, unknown>();
      for (const field of invalidTextFields(item)) {
        const [key = '', ...rest] = field.split('.');
        const column = key === 'attributes' && rest.length > 0 ? ATTRIBUTE_PREFIX + rest.join('.') : (JSON_ALIASES[key] ?? normalizeColumn(key));
        rowErrors.push({ row, column, ...coded('row.invalid-text'), section });
      }
      for (const [k0, v] of Object.entries(item as Record<string, unknown>)) {
        if (k0 === 'attributes') {
          if (!v || typeof v !== 'object' || Array.isArray(v)) rowErrors.push({ row, column: 'attributes', ...coded('invalid.not-object'), section });
          else for (const [ak, av] of Object.entries(v)) values.set(ATTRIBUTE_PREFIX + ak, av === '' ? null : av);
          continue;
        }
        const k = JSON_ALIASES[k0] ?? normalizeColumn(k0);
        values.set(k, v === '' ? null : v);
      }
      const present = [...values.keys()];
      const required = section === 'accounts' ? ['username', 'name', 'organizations'] : ['path'];
      const elementErrors = checkColumns(section, present, row, { section }).filter((e) => e.code !== 'row.missing-column');
      for (const c of required) if (!values.has(c)) elementErrors.push({ row, column: c, ...coded('row.missing-key', { column: c }), section });
      const hadErrors = rowErrors.some((e) => e.row === row && e.section === section);
      if (elementErrors.length > 0 || hadErrors) rowErrors.push(...elementErrors);
      else records.push(new MapRecord(row, section, values));
    });
    sections.push({ section, records });
  }
  sections.sort((a, b) => (a.section === b.section ? 0 : a.section === 'organizations' ? -1 : 1));
  return { format: 'json', sections, errors, rowErrors };
}
