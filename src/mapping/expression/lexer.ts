// Tokenizer: source text -> tokens with offsets. Linear in the source length.
import { ExpressionError } from './errors.js';
import { KEYWORDS } from './ast.js';

export type TokenType =
  | 'number' | 'string' | 'ident' | 'keyword'
  | '(' | ')' | '[' | ']' | ',' | '.' | '+' | '-'
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | 'eof';

export interface Token {
  type: TokenType;
  /** Source text of the token (for strings: the raw text with quotes). */
  text: string;
  /** Decoded value for number and string tokens. */
  value?: string | number;
  start: number;
  end: number;
}

const ID_START = /[\p{ID_Start}_$]/u;
const ID_CONTINUE = /[\p{ID_Continue}$\u200c\u200d]/u;
const SPACE = /\s/u;

/** Characters people type by mistake, with the hint to show. */
const HINTS: Record<string, string> = {
  '=': "use '==' to compare",
  '!': "use 'not' (or '!=' to compare)",
  '&': "use 'and'",
  '|': "use 'or'",
  '（': "full-width '（': use '('",
  '）': "full-width '）': use ')'",
  '，': "full-width '，': use ','",
  '“': "curly quote '“': use '\"'",
  '”': "curly quote '”': use '\"'",
  '‘': "curly quote '‘': use \"'\"",
  '’': "curly quote '’': use \"'\"",
  '【': "full-width '【': use '['",
  '】': "full-width '】': use ']'",
  '。': "full-width '。': use '.'",
};

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const n = source.length;
  let i = 0;
  const fail = (code: 'E_LEX_UNEXPECTED_CHAR' | 'E_LEX_BAD_NUMBER' | 'E_LEX_BAD_ESCAPE' | 'E_LEX_UNTERMINATED_STRING', msg: string, at: number, len = 1): never => {
    throw new ExpressionError(code, msg, source, at, len);
  };
  while (i < n) {
    const cp = source.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (SPACE.test(ch)) {
      i += ch.length;
      continue;
    }
    const start = i;
    if (ch >= '0' && ch <= '9') {
      i = scanNumber(source, i, fail);
      const text = source.slice(start, i);
      const value = Number(text);
      if (!Number.isFinite(value)) fail('E_LEX_BAD_NUMBER', `number ${text} is too large`, start, i - start);
      tokens.push({ type: 'number', text, value, start, end: i });
      continue;
    }
    if (ch === '"' || ch === "'") {
      const [value, end] = scanString(source, i, fail);
      i = end;
      tokens.push({ type: 'string', text: source.slice(start, i), value, start, end: i });
      continue;
    }
    if (ID_START.test(ch)) {
      i += ch.length;
      while (i < n) {
        const c = String.fromCodePoint(source.codePointAt(i)!);
        if (!ID_CONTINUE.test(c)) break;
        i += c.length;
      }
      const text = source.slice(start, i);
      tokens.push({ type: KEYWORDS.has(text) ? 'keyword' : 'ident', text, start, end: i });
      continue;
    }
    const two = source.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
      i += 2;
      tokens.push({ type: two, text: two, start, end: i });
      continue;
    }
    if ('()[],.+-<>'.includes(ch)) {
      i += 1;
      tokens.push({ type: ch as TokenType, text: ch, start, end: i });
      continue;
    }
    if (two === '&&' || two === '||') fail('E_LEX_UNEXPECTED_CHAR', `unexpected '${two}': ${HINTS[ch]}`, start, 2);
    const hint = HINTS[ch];
    const shown = cp < 0x20 || cp === 0x7f ? `U+${cp.toString(16).toUpperCase().padStart(4, '0')}` : `'${ch}'`;
    fail('E_LEX_UNEXPECTED_CHAR', `unexpected character ${shown}${hint ? `: ${hint}` : ''}`, start, ch.length);
  }
  tokens.push({ type: 'eof', text: '', start: n, end: n });
  return tokens;
}

type Fail = (code: 'E_LEX_BAD_NUMBER' | 'E_LEX_BAD_ESCAPE' | 'E_LEX_UNTERMINATED_STRING', msg: string, at: number, len?: number) => never;

const isDigit = (s: string, i: number): boolean => {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
};

function scanNumber(s: string, i: number, fail: Fail): number {
  const start = i;
  while (isDigit(s, i)) i++;
  if (s[i] === '.') {
    if (!isDigit(s, i + 1)) fail('E_LEX_BAD_NUMBER', 'a decimal point must be followed by digits', start, i + 1 - start);
    i++;
    while (isDigit(s, i)) i++;
  }
  if (s[i] === 'e' || s[i] === 'E') {
    let j = i + 1;
    if (s[j] === '+' || s[j] === '-') j++;
    if (!isDigit(s, j)) fail('E_LEX_BAD_NUMBER', 'an exponent must have digits', start, j - start);
    i = j;
    while (isDigit(s, i)) i++;
  }
  // `12abc` is a mistake, not the number 12 followed by the path abc.
  if (i < s.length && ID_CONTINUE.test(String.fromCodePoint(s.codePointAt(i)!)))
    fail('E_LEX_BAD_NUMBER', `malformed number '${s.slice(start, i + 1)}'`, start, i + 1 - start);
  return i;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"', "'": "'", '\\': '\\', '/': '/', n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', '0': '\0',
};

function scanString(s: string, i: number, fail: Fail): [string, number] {
  const quote = s[i]!;
  const start = i;
  i++;
  let out = '';
  for (;;) {
    if (i >= s.length) fail('E_LEX_UNTERMINATED_STRING', `string starting here has no closing ${quote}`, start, 1);
    const ch = s[i]!;
    if (ch === quote) return [out, i + 1];
    if (ch === '\n' || ch === '\r') fail('E_LEX_UNTERMINATED_STRING', `string starting here has no closing ${quote} on its line (write \\n for a newline)`, start, 1);
    if (ch !== '\\') {
      out += ch;
      i++;
      continue;
    }
    const e = s[i + 1];
    if (e === undefined) fail('E_LEX_UNTERMINATED_STRING', `string starting here has no closing ${quote}`, start, 1);
    const simple = SIMPLE_ESCAPES[e!];
    if (simple !== undefined && !(e === '0' && isDigit(s, i + 2))) {
      out += simple;
      i += 2;
      continue;
    }
    if (e === 'u') {
      if (s[i + 2] === '{') {
        const close = s.indexOf('}', i + 3);
        const hex = close === -1 ? '' : s.slice(i + 3, close);
        const cp = /^[0-9a-fA-F]{1,6}$/.test(hex) ? parseInt(hex, 16) : -1;
        if (cp < 0 || cp > 0x10ffff) fail('E_LEX_BAD_ESCAPE', 'expected \\u{…} with 1–6 hex digits up to 10FFFF', i, Math.max(2, close + 1 - i));
        out += String.fromCodePoint(cp);
        i = close + 1;
        continue;
      }
      const hex = s.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('E_LEX_BAD_ESCAPE', 'expected \\u followed by 4 hex digits', i, 2);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 6;
      continue;
    }
    if (e === 'x') {
      const hex = s.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) fail('E_LEX_BAD_ESCAPE', 'expected \\x followed by 2 hex digits', i, 2);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
      continue;
    }
    fail('E_LEX_BAD_ESCAPE', `unknown escape '\\${e}' (in a regular expression pattern, write '\\\\' for one backslash)`, i, 2);
  }
}
