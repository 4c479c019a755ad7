// Regular expressions on re2js, a JavaScript port of Google's RE2: it matches in time linear in
// the input (no backtracking), so admin-written patterns cannot hang a sync the way
// JavaScript's RegExp can on (a+)+$.
//
// The language keeps its own, JavaScript-like pattern syntax (documented in README.md). This
// module checks a pattern against that subset and rewrites it into RE2 syntax where the two
// differ, so a pattern means the same as before and the same as in JavaScript:
//   - \uHHHH and \u{H…} become \x{…} (RE2 has no \u);
//   - \s and \S keep JavaScript's Unicode white space (RE2's \s is ASCII only; U+3000 matters here);
//   - . keeps excluding \r, U+2028 and U+2029 as well as \n;
//   - [] matches nothing and [^] any character; [\b] is a backspace;
//   - RE2-only syntax (\A \z \Q…\E \p{…} [[:alpha:]] named groups, inline flags other than a leading
//     (?i), a literal {) is refused rather than silently accepted;
//   - backreferences and lookaround are refused with E_REGEX_UNSUPPORTED.
// RE2 then parses the rewritten pattern; its syntax errors become E_REGEX_INVALID, and its
// "invalid repeat count" for counts that are well-formed (too large, alone or multiplied through
// nesting: RE2's limit is 1,000) becomes E_REGEX_UNSAFE.
import { RE2JS, RE2JSException } from 're2js';
import { LIMITS } from './limits.js';

type RegexErrorCode = 'E_REGEX_INVALID' | 'E_REGEX_UNSUPPORTED' | 'E_REGEX_UNSAFE';

export class RegexError extends Error {
  constructor(readonly code: RegexErrorCode, message: string) {
    super(message);
  }
}

export interface CompiledRegex {
  /** The pattern as written in the expression. */
  readonly source: string;
  /** The same pattern in RE2 syntax. */
  readonly translated: string;
  /** Number of capturing groups (group 0, the whole match, not counted). */
  readonly groups: number;
  readonly re: RE2JS;
}

// JavaScript's \s: ASCII \t \n \v \f \r and space, plus Unicode space separators, line/paragraph
// separators and the BOM. As inclusive code point ranges, sorted.
const SPACE_RANGES: readonly (readonly [number, number])[] = [
  [0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029],
  [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff],
];
const MAX_CP = 0x10ffff;

function complement(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}

const hex = (c: number): string => `\\x{${c.toString(16)}}`;
const rangeText = (ranges: readonly (readonly [number, number])[]): string =>
  ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('');

const SPACE_ITEMS = rangeText(SPACE_RANGES);
const NON_SPACE_ITEMS = rangeText(complement(SPACE_RANGES));
/** JavaScript's `.`: anything but a line terminator. */
const DOT = `[^${rangeText([[0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]])}]`;

const isAsciiAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAsciiPunct = (c: number): boolean => c >= 0x21 && c <= 0x7e && !isAsciiAlnum(c);

/** A literal code point outside a class, written so RE2 reads it literally. */
function literal(c: number): string {
  if (isAsciiAlnum(c) || c === 0x20 || (c > 0x7e && c !== 0x2028 && c !== 0x2029)) return String.fromCodePoint(c);
  if (isAsciiPunct(c)) return `\\${String.fromCodePoint(c)}`;
  return hex(c);
}

type ClassEscape = { cp: number } | { items: string };

/** Rewrites a pattern of the language's subset into RE2 syntax; throws RegexError. */
class Translator {
  private i = 0;
  private out = '';
  constructor(private readonly p: readonly number[]) {}

  private err(code: RegexErrorCode, msg: string, at = this.i): never {
    throw new RegexError(code, `${msg} (at pattern position ${at})`);
  }
  private is(ch: string): boolean {
    return this.p[this.i] === ch.codePointAt(0);
  }
  private text(from: number, to: number): string {
    return String.fromCodePoint(...this.p.slice(from, to));
  }

  translate(): string {
    // What the previous token was: can a quantifier follow it?
    let prev: 'start' | 'atom' | 'assert' | 'quant' = 'start';
    while (this.i < this.p.length) {
      const at = this.i;
      const c = this.p[this.i++]!;
      const ch = String.fromCodePoint(c);
      switch (ch) {
        case '*':
        case '+':
        case '?':
        case '{': {
          let q: string = ch;
          if (ch === '{') {
            const m = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(this.text(at, at + 12));
            if (!m) this.err('E_REGEX_INVALID', "'{' must start a repetition {n}, {n,} or {n,m}; write \\{ for a literal brace", at);
            const min = Number(m[1]);
            const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
            if (max < min) this.err('E_REGEX_INVALID', `repetition {${min},${max}} has its numbers in the wrong order`, at);
            if (prev !== 'atom') this.err('E_REGEX_INVALID', prev === 'quant' ? 'a repetition cannot be repeated directly; use a group' : "'{' must follow something to repeat; write \\{ for a literal brace", at);
            q = m[0];
            this.i = at + m[0].length;
          } else if (prev !== 'atom') {
            this.err('E_REGEX_INVALID', prev === 'quant' ? 'a repetition cannot be repeated directly; use a group' : 'nothing to repeat', at);
          }
          if (this.is('?')) {
            q += '?';
            this.i++;
          }
          this.out += q;
          prev = 'quant';
          break;
        }
        case '(':
          if (this.is('?')) {
            const next = this.p[this.i + 1];
            if (next !== ':'.codePointAt(0)) {
              const what = next === 0x3d || next === 0x21 ? 'lookahead' : next === 0x3c ? 'lookbehind and named groups' : 'inline flags other than a leading (?i)';
              this.err('E_REGEX_UNSUPPORTED', `${what} are not supported`, at);
            }
            this.i += 2;
            this.out += '(?:';
          } else this.out += '(';
          prev = 'start';
          break;
        case ')':
        case '|':
          this.out += ch;
          prev = ch === ')' ? 'atom' : 'start';
          break;
        case '^':
        case '$':
          this.out += ch;
          prev = 'assert';
          break;
        case '.':
          this.out += DOT;
          prev = 'atom';
          break;
        case '[':
          this.out += this.charClass(at);
          prev = 'atom';
          break;
        case '\\': {
          if (this.is('b') || this.is('B')) {
            this.out += `\\${String.fromCodePoint(this.p[this.i++]!)}`;
            prev = 'assert';
            break;
          }
          const e = this.escape(at);
          // \d \D \w \W mean the same in RE2; \s and \S are rewritten as classes.
          this.out += 'cp' in e ? literal(e.cp) : /^\\[dDwW]$/.test(e.items) ? e.items : `[${e.items}]`;
          prev = 'atom';
          break;
        }
        default:
          this.out += literal(c);
          prev = 'atom';
      }
    }
    return this.out;
  }

  /** After a backslash (at `at`): a code point or the items of a class (\d \w \s and negations). */
  private escape(at: number): ClassEscape {
    const c = this.p[this.i];
    if (c === undefined) this.err('E_REGEX_INVALID', 'pattern ends with a lone backslash', at);
    const ch = String.fromCodePoint(c);
    this.i++;
    switch (ch) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        return { items: `\\${ch}` };
      case 's':
        return { items: SPACE_ITEMS };
      case 'S':
        return { items: NON_SPACE_ITEMS };
      case 'b':
        return { cp: 8 }; // only reached inside a class
      case 'B':
        return this.err('E_REGEX_INVALID', '\\B is not allowed in a character class', at);
      case 'n': return { cp: 10 };
      case 'r': return { cp: 13 };
      case 't': return { cp: 9 };
      case 'f': return { cp: 12 };
      case 'v': return { cp: 11 };
      case 'x':
        return { cp: this.hexDigits(2, at) };
      case 'u': {
        if (!this.is('{')) return { cp: this.hexDigits(4, at) };
        const start = ++this.i;
        while (this.i < this.p.length && !this.is('}') && this.i - start < 7) this.i++;
        const digits = this.text(start, this.i);
        if (!this.is('}') || !/^[0-9a-fA-F]{1,6}$/.test(digits) || parseInt(digits, 16) > MAX_CP) this.err('E_REGEX_INVALID', 'bad \\u{…} escape', at);
        this.i++;
        return { cp: parseInt(digits, 16) };
      }
      default:
        break;
    }
    const next = this.p[this.i];
    if (ch === '0' && !(next !== undefined && next >= 48 && next <= 57)) return { cp: 0 };
    if (ch >= '1' && ch <= '9') this.err('E_REGEX_UNSUPPORTED', 'backreferences are not supported', at);
    if (/[\p{L}\p{N}]/u.test(ch)) this.err('E_REGEX_INVALID', `unknown escape \\${ch}`, at);
    return { cp: c };
  }

  private hexDigits(n: number, at: number): number {
    const s = this.text(this.i, this.i + n);
    if (s.length !== n || !/^[0-9a-fA-F]+$/.test(s)) this.err('E_REGEX_INVALID', `expected ${n} hex digits`, at);
    this.i += n;
    return parseInt(s, 16);
  }

  /** A class after its '[' (at `at`), written out item by item in RE2 syntax. */
  private charClass(at: number): string {
    let negated = false;
    if (this.is('^')) {
      negated = true;
      this.i++;
    }
    let items = '';
    for (;;) {
      if (this.i >= this.p.length) this.err('E_REGEX_INVALID', "missing ']'", at);
      if (this.is(']')) {
        this.i++;
        break;
      }
      const loAt = this.i;
      const lo = this.classAtom();
      if (this.is('-') && this.p[this.i + 1] !== undefined && this.p[this.i + 1] !== 0x5d) {
        this.i++;
        const hi = this.classAtom();
        if (!('cp' in lo) || !('cp' in hi)) this.err('E_REGEX_INVALID', 'a range cannot use \\d, \\w or \\s', loAt);
        if (lo.cp > hi.cp) this.err('E_REGEX_INVALID', 'range out of order in character class', loAt);
        items += `${hex(lo.cp)}-${hex(hi.cp)}`;
      } else items += 'cp' in lo ? hex(lo.cp) : lo.items;
    }
    // RE2 has no empty class: [] matches nothing, [^] any character.
    if (items === '') return negated ? `[${hex(0)}-${hex(MAX_CP)}]` : `[^${hex(0)}-${hex(MAX_CP)}]`;
    return `[${negated ? '^' : ''}${items}]`;
  }

  private classAtom(): ClassEscape {
    const at = this.i;
    const c = this.p[this.i++]!;
    return c === 0x5c ? this.escape(at) : { cp: c };
  }
}

/** Rewrites a pattern into RE2 syntax without compiling it; throws RegexError. */
export function translatePattern(pattern: string): string {
  if (pattern.length > LIMITS.maxRegexLength)
    throw new RegexError('E_REGEX_UNSAFE', `pattern is ${pattern.length} characters long; the limit is ${LIMITS.maxRegexLength}`);
  const ignoreCase = pattern.startsWith('(?i)');
  const body = ignoreCase ? pattern.slice(4) : pattern;
  const translated = new Translator(Array.from(body, (c) => c.codePointAt(0)!)).translate();
  return (ignoreCase ? '(?i)' : '') + translated;
}

const cache = new Map<string, CompiledRegex>();
const CACHE_MAX = 256;

/** Checks and compiles a pattern; throws RegexError. Results are cached by pattern text. */
export function compileRegex(pattern: string): CompiledRegex {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const translated = translatePattern(pattern);
  let re: RE2JS;
  try {
    re = RE2JS.compile(translated);
  } catch (e) {
    if (!(e instanceof RE2JSException)) throw e;
    const why = e.message.replace(/^error parsing regexp: /, '');
    // The translator has already checked the form and order of every {n,m}, so RE2 refuses a
    // repeat count only for its size (over 1,000, counting nested repetitions multiplied).
    if (/invalid repeat count|too large|nests too deeply/.test(why))
      throw new RegexError('E_REGEX_UNSAFE', `pattern is too large once repetitions are expanded (repetition counts, multiplied through nesting, may be at most 1,000): ${why}`);
    throw new RegexError('E_REGEX_INVALID', `invalid pattern: ${why}`);
  }
  if (re.programSize() > LIMITS.maxRegexProgram)
    throw new RegexError('E_REGEX_UNSAFE', `pattern is too large once repetitions are expanded (${re.programSize()} instructions; the limit is ${LIMITS.maxRegexProgram})`);
  const compiled: CompiledRegex = { source: pattern, translated, groups: re.groupCount(), re };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(pattern, compiled);
  return compiled;
}

// ---------------------------------------------------------------- replacement templates

type TemplatePart = string | number;

/**
 * Parses a replacement template: `$1`…`$99` insert a group, `$&` the whole match, `$$` a dollar.
 * As in JavaScript, `$nn` means group nn when it exists, else group n followed by a digit.
 * A reference to a group the pattern lacks is an error when `strict`, literal text otherwise.
 * (re2js has its own expansion; ours is kept so the language's rules, and the compile-time check
 * of literal templates, do not depend on the library.)
 */
export function parseTemplate(template: string, groups: number, strict: boolean): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let lit = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch !== '$' || i + 1 >= template.length) {
      lit += ch;
      continue;
    }
    const next = template[i + 1]!;
    if (next === '$') {
      lit += '$';
      i++;
      continue;
    }
    if (next === '&') {
      if (lit) parts.push(lit);
      lit = '';
      parts.push(0);
      i++;
      continue;
    }
    if (next >= '0' && next <= '9') {
      const two = template.slice(i + 1, i + 3);
      let g = -1;
      let used = 0;
      if (/^\d\d$/.test(two) && Number(two) >= 1 && Number(two) <= groups) [g, used] = [Number(two), 2];
      else if (Number(next) >= 1 && Number(next) <= groups) [g, used] = [Number(next), 1];
      if (g > 0) {
        if (lit) parts.push(lit);
        lit = '';
        parts.push(g);
        i += used;
        continue;
      }
      if (strict && next !== '0')
        throw new RegexError('E_REGEX_INVALID', `replacement refers to group $${next} but the pattern has ${groups} group${groups === 1 ? '' : 's'}; write $$ for a literal $`);
    }
    lit += ch;
  }
  if (lit) parts.push(lit);
  return parts;
}
