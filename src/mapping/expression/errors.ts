// Errors of the expression language: one class, stable codes, a position in the source.

/** Stable error codes. Tests, the API and the console match on these, never on messages. */
export const ERROR_CODES = {
  E_SOURCE_TOO_LONG: 'the expression is longer than the limit',
  E_LEX_UNEXPECTED_CHAR: 'a character that cannot start a token',
  E_LEX_UNTERMINATED_STRING: 'a string literal without its closing quote',
  E_LEX_BAD_ESCAPE: 'an unknown escape sequence in a string literal',
  E_LEX_BAD_NUMBER: 'a malformed number literal',
  E_PARSE_UNEXPECTED_TOKEN: 'a token where the grammar does not allow it',
  E_PARSE_UNEXPECTED_END: 'the expression ends too early',
  E_PARSE_CHAINED_COMPARISON: 'a < b < c: comparisons do not chain',
  E_TOO_DEEP: 'nesting deeper than the limit',
  E_TOO_COMPLEX: 'more syntax nodes than the limit',
  E_UNKNOWN_FUNCTION: 'a call of a function that does not exist',
  E_ARITY: 'a call with too few or too many arguments',
  E_ARG_LITERAL: 'an argument that must be written as a literal is an expression',
  E_PATH_FORBIDDEN: 'an attribute path through __proto__, constructor or prototype',
  E_TYPE: 'a value of the wrong type',
  E_NUMBER: 'arithmetic that leaves the finite numbers',
  E_STRING_TOO_LONG: 'a string longer than the limit',
  E_REGEX_INVALID: 'a regular expression that does not parse, or a replacement or group number naming a missing group',
  E_REGEX_UNSUPPORTED: 'a regular-expression feature outside the safe subset (backreferences, lookaround)',
  E_REGEX_UNSAFE: 'a regular expression that is too large, or regex work over its time budget',
  E_DATE_FORMAT: 'an invalid date format or time zone',
  E_PHONE_REGION: 'an unknown default region or output format for phone()',
  E_PHONE_INVALID: 'phone_strict() on a value that is not a valid phone number',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

interface Position {
  /** 0-based index into the source string (UTF-16 code units, as JavaScript indexes strings). */
  offset: number;
  /** 1-based line number. */
  line: number;
  /** 1-based column, counted in Unicode code points from the start of the line. */
  column: number;
}

/** Turns an offset into line and column. Out-of-range offsets are clamped. */
function positionAt(source: string, offset: number): Position {
  const off = Math.max(0, Math.min(offset, source.length));
  const lineStart = source.lastIndexOf('\n', off - 1) + 1;
  let line = 1;
  for (let i = source.indexOf('\n'); i !== -1 && i < off; i = source.indexOf('\n', i + 1)) line++;
  let column = 1;
  for (let i = lineStart; i < off; i++) {
    const c = source.charCodeAt(i);
    // The high half of a surrogate pair starts a code point; the low half does not.
    if (c < 0xdc00 || c > 0xdfff || i === lineStart || !isHigh(source.charCodeAt(i - 1))) column++;
  }
  return { offset: off, line, column };
}

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;

export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  readonly code: ErrorCode;
  readonly position: Position;
  /** Length of the offending text in UTF-16 code units (at least 1 for the caret). */
  readonly length: number;
  /** The expression source the position refers to. */
  readonly source: string;
  /** What the message names, for saying it in another language (src/messages: mapping.<code>). */
  readonly params?: Record<string, string>;

  constructor(code: ErrorCode, message: string, source: string, offset: number, length = 1, params?: Record<string, string>) {
    super(message);
    this.code = code;
    if (params) this.params = params;
    this.source = source;
    this.position = positionAt(source, offset);
    this.length = Math.max(1, length);
  }

  /** The source line holding the error and a caret line under the offending text. */
  pointer(): string {
    const { offset, column } = this.position;
    const lineStart = this.source.lastIndexOf('\n', offset - 1) + 1;
    let lineEnd = this.source.indexOf('\n', offset);
    if (lineEnd === -1) lineEnd = this.source.length;
    let text = this.source.slice(lineStart, lineEnd);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    // Keep tabs in the padding so the caret lines up under a tab-indented source line.
    const pad = [...text].slice(0, column - 1).map((ch) => (ch === '\t' ? '\t' : ' ')).join('');
    const span = Math.max(1, Math.min([...this.source.slice(offset, offset + this.length)].length, [...text].length - (column - 1)));
    return `${text}\n${pad}${'^'.repeat(span)}`;
  }

  /** `E_CODE at line L, column C: message` followed by the pointer. */
  format(): string {
    const { line, column } = this.position;
    return `${this.code} at line ${line}, column ${column}: ${this.message}\n${this.pointer()}`;
  }

  toJSON(): { code: ErrorCode; message: string; position: Position; length: number } {
    return { code: this.code, message: this.message, position: this.position, length: this.length };
  }
}
