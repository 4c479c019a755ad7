// Shapes shared by the import modules.

/** A problem with one row (1-based; the CSV header is row 1, JSON elements count from 1). */
export interface RowError {
  row: number;
  /** The column (CSV header name or JSON key); '' when the whole row or file is concerned. */
  column: string;
  message: string;
  /** The message's code and params (src/messages), for saying it in another language. */
  code?: string;
  params?: Record<string, string | number>;
  /** JSON files only: which array the row is in. */
  section?: Section;
}

export type Section = 'organizations' | 'accounts';

/**
 * One input row: the cells of the columns it gives (a column the row does not give is left as is).
 * CSV rows share one column index, so 100k rows cost one array each.
 */
export interface InputRecord {
  readonly row: number;
  readonly section: Section;
  has(column: string): boolean;
  /** null for an empty cell. */
  get(column: string): unknown;
  columns(): readonly string[];
}

export class CsvRecord implements InputRecord {
  constructor(
    readonly row: number,
    readonly section: Section,
    private readonly cells: ReadonlyArray<string | null>,
    private readonly index: ReadonlyMap<string, number>,
    private readonly names: readonly string[],
  ) {}
  has(column: string): boolean {
    return this.index.has(column);
  }
  get(column: string): unknown {
    const i = this.index.get(column);
    return i === undefined ? undefined : this.cells[i];
  }
  columns(): readonly string[] {
    return this.names;
  }
}

export class MapRecord implements InputRecord {
  constructor(
    readonly row: number,
    readonly section: Section,
    private readonly values: ReadonlyMap<string, unknown>,
  ) {}
  has(column: string): boolean {
    return this.values.has(column);
  }
  get(column: string): unknown {
    return this.values.get(column);
  }
  columns(): readonly string[] {
    return [...this.values.keys()];
  }
}

export interface ParsedFile {
  format: 'csv' | 'json';
  /** Sections in the order they are applied: organizations before accounts. */
  sections: Array<{ section: Section; records: InputRecord[] }>;
  /** File-level and header problems; when non-empty nothing is imported, even with skip-invalid. */
  errors: RowError[];
  /** Rows that could not be read (wrong number of values, malformed JSON element): skippable. */
  rowErrors: RowError[];
}

export interface Counts {
  create: number;
  update: number;
  unchanged: number;
}

export interface ImportSummary {
  organizations: Counts;
  accounts: Counts;
  errors: RowError[];
}
