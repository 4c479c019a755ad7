// A small regular-expression engine with a linear-time guarantee.
//
// JavaScript's RegExp backtracks and can take exponential time on patterns such as (a+)+$; it
// has no timeout. Expressions are written by admins and run on every directory change, so we
// do not use it for user patterns. Instead, a pattern in a documented subset of the usual syntax
// is compiled to a small program and run by a *bounded backtracker*: it explores in the same
// priority order as a Perl/JavaScript engine (leftmost, greedy/lazy as written, first
// alternative first) but records every (instruction, input position) pair it has tried, and
// never tries one twice. Without backreferences, whether a pair leads to a match does not depend
// on how it was reached, so the search stays within instructions × input-length steps.
// A step budget per call bounds the rare case of many matches each re-scanning the input.
//
// Supported: literals; . ; [...] and [^...] classes with ranges; \d \D \w \W \s \S \b \B;
// \n \r \t \f \v \0 \xHH \uHHHH \u{H...}; \ before punctuation; ^ and $ (whole input);
// ( ) capturing and (?: ) non-capturing groups; | ; * + ? {n} {n,} {n,m} and their lazy forms
// (suffix ?); a leading (?i) for case-insensitive matching.
// Not supported (E_REGEX_UNSUPPORTED): backreferences, lookahead/lookbehind, named groups,
// other inline flags. Positions are Unicode code points, not UTF-16 units.
import { LIMITS } from './limits.js';

export type RegexErrorCode = 'E_REGEX_INVALID' | 'E_REGEX_UNSUPPORTED' | 'E_REGEX_UNSAFE';

export class RegexError extends Error {
  constructor(readonly code: RegexErrorCode, message: string) {
    super(message);
  }
}

type Builtin = 'd' | 'D' | 'w' | 'W' | 's' | 'S' | 'dot';
type ClassItem = readonly [number, number] | Builtin;
interface CharSet {
  items: ClassItem[];
  negated: boolean;
}
type AssertKind = 'bol' | 'eol' | 'wb' | 'nwb';

type RNode =
  | { t: 'empty' }
  | { t: 'set'; set: CharSet }
  | { t: 'cat'; items: RNode[] }
  | { t: 'alt'; items: RNode[] }
  | { t: 'group'; index: number | null; body: RNode }
  | { t: 'rep'; body: RNode; min: number; max: number; greedy: boolean }
  | { t: 'assert'; kind: AssertKind };

const SET = 0, SPLIT = 1, JMP = 2, SAVE = 3, ASSERT = 4, MATCH = 5;
type Inst =
  | { op: typeof SET; set: CharSet }
  | { op: typeof SPLIT; x: number; y: number }
  | { op: typeof JMP; x: number }
  | { op: typeof SAVE; n: number }
  | { op: typeof ASSERT; kind: AssertKind }
  | { op: typeof MATCH };

export interface CompiledRegex {
  readonly source: string;
  /** Number of capturing groups (group 0, the whole match, not counted). */
  readonly groups: number;
  readonly ignoreCase: boolean;
  readonly prog: readonly Inst[];
}

// ---------------------------------------------------------------- parsing

const cp = (s: string): number => s.codePointAt(0)!;

class RegexParser {
  private i = 0;
  groups = 0;
  constructor(private readonly p: number[]) {}

  private err(code: RegexErrorCode, msg: string): never {
    throw new RegexError(code, `${msg} (at pattern position ${this.i})`);
  }
  private peek(): number | undefined {
    return this.p[this.i];
  }
  private is(ch: string): boolean {
    return this.p[this.i] === cp(ch);
  }

  parse(): RNode {
    const node = this.alt();
    if (this.i < this.p.length) this.err('E_REGEX_INVALID', this.is(')') ? "unmatched ')'" : 'unexpected character');
    return node;
  }

  private alt(): RNode {
    const items = [this.cat()];
    while (this.is('|')) {
      this.i++;
      items.push(this.cat());
    }
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  }

  private cat(): RNode {
    const items: RNode[] = [];
    while (this.i < this.p.length && !this.is('|') && !this.is(')')) {
      const atom = this.atom();
      items.push(this.quantifier(atom));
    }
    return items.length === 0 ? { t: 'empty' } : items.length === 1 ? items[0]! : { t: 'cat', items };
  }

  private quantifier(atom: RNode): RNode {
    let min: number, max: number;
    if (this.is('*')) [min, max] = [0, -1];
    else if (this.is('+')) [min, max] = [1, -1];
    else if (this.is('?')) [min, max] = [0, 1];
    else if (this.is('{')) {
      const m = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(String.fromCodePoint(...this.p.slice(this.i, this.i + 12)));
      if (!m) this.err('E_REGEX_INVALID', "'{' must start a repetition {n}, {n,} or {n,m}; write \\{ for a literal brace");
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
      if (max !== -1 && max < min) this.err('E_REGEX_INVALID', `repetition {${min},${max}} has its numbers in the wrong order`);
      if (min > LIMITS.maxRegexRepeat || max > LIMITS.maxRegexRepeat)
        this.err('E_REGEX_UNSAFE', `repetition counts may be at most ${LIMITS.maxRegexRepeat}`);
      this.i += m[0].length - 1;
    } else return atom;
    this.i++;
    if (atom.t === 'assert' || atom.t === 'empty') this.err('E_REGEX_INVALID', 'nothing to repeat');
    let greedy = true;
    if (this.is('?')) {
      greedy = false;
      this.i++;
    }
    if (this.is('*') || this.is('+') || this.is('?') || this.is('{')) this.err('E_REGEX_INVALID', 'a repetition cannot be repeated directly; use a group');
    return { t: 'rep', body: atom, min, max, greedy };
  }

  private atom(): RNode {
    const c = this.peek()!;
    const ch = String.fromCodePoint(c);
    this.i++;
    switch (ch) {
      case '.':
        return { t: 'set', set: { items: ['dot'], negated: false } };
      case '^':
        return { t: 'assert', kind: 'bol' };
      case '$':
        return { t: 'assert', kind: 'eol' };
      case '[':
        return { t: 'set', set: this.charClass() };
      case '(': {
        let index: number | null = null;
        if (this.is('?')) {
          if (this.p[this.i + 1] === cp(':')) this.i += 2;
          else {
            const next = this.p[this.i + 1];
            const what = next === cp('=') || next === cp('!') ? 'lookahead' : next === cp('<') ? 'lookbehind and named groups' : 'inline flags other than a leading (?i)';
            this.err('E_REGEX_UNSUPPORTED', `${what} are not supported`);
          }
        } else index = ++this.groups;
        const body = this.alt();
        if (!this.is(')')) this.err('E_REGEX_INVALID', "missing ')'");
        this.i++;
        return { t: 'group', index, body };
      }
      case '*':
      case '+':
      case '?':
        this.i--;
        return this.err('E_REGEX_INVALID', 'nothing to repeat');
      case '{':
        this.i--;
        return this.err('E_REGEX_INVALID', "'{' must follow something to repeat; write \\{ for a literal brace");
      case '\\': {
        const e = this.escape(false);
        if (typeof e === 'string' && (e === 'b' || e === 'B')) return { t: 'assert', kind: e === 'b' ? 'wb' : 'nwb' };
        return { t: 'set', set: { items: [typeof e === 'number' ? [e, e] : (e as Builtin)], negated: false } };
      }
      default:
        return { t: 'set', set: { items: [[c, c]], negated: false } };
    }
  }

  /** After a backslash: a code point, or a builtin class letter (or b/B outside classes). */
  private escape(inClass: boolean): number | Builtin | 'b' | 'B' {
    const c = this.peek();
    if (c === undefined) this.err('E_REGEX_INVALID', 'pattern ends with a lone backslash');
    const ch = String.fromCodePoint(c!);
    this.i++;
    if ('dDwWsS'.includes(ch)) return ch as Builtin;
    if (ch === 'b') return inClass ? 8 : 'b';
    if (ch === 'B') {
      if (inClass) this.err('E_REGEX_INVALID', '\\B is not allowed in a character class');
      return 'B';
    }
    const simple: Record<string, number> = { n: 10, r: 13, t: 9, f: 12, v: 11 };
    if (Object.hasOwn(simple, ch)) return simple[ch]!;
    if (ch === '0' && !this.digitAt(this.i)) return 0;
    if (ch >= '1' && ch <= '9') this.err('E_REGEX_UNSUPPORTED', 'backreferences are not supported');
    if (ch === 'x') return this.hex(2);
    if (ch === 'u') {
      if (this.is('{')) {
        this.i++;
        const start = this.i;
        while (this.i < this.p.length && !this.is('}') && this.i - start < 7) this.i++;
        const hex = String.fromCodePoint(...this.p.slice(start, this.i));
        if (!this.is('}') || !/^[0-9a-fA-F]{1,6}$/.test(hex) || parseInt(hex, 16) > 0x10ffff) this.err('E_REGEX_INVALID', 'bad \\u{…} escape');
        this.i++;
        return parseInt(hex, 16);
      }
      return this.hex(4);
    }
    if (/[\p{L}\p{N}]/u.test(ch)) this.err('E_REGEX_INVALID', `unknown escape \\${ch}`);
    return c!;
  }

  private digitAt(i: number): boolean {
    const c = this.p[i];
    return c !== undefined && c >= 48 && c <= 57;
  }

  private hex(n: number): number {
    const s = String.fromCodePoint(...this.p.slice(this.i, this.i + n));
    if (s.length !== n || !/^[0-9a-fA-F]+$/.test(s)) this.err('E_REGEX_INVALID', `expected ${n} hex digits`);
    this.i += n;
    return parseInt(s, 16);
  }

  private charClass(): CharSet {
    const set: CharSet = { items: [], negated: false };
    if (this.is('^')) {
      set.negated = true;
      this.i++;
    }
    for (;;) {
      if (this.i >= this.p.length) this.err('E_REGEX_INVALID', "missing ']'");
      if (this.is(']')) {
        this.i++;
        return set;
      }
      const lo = this.classAtom();
      if (this.is('-') && this.p[this.i + 1] !== undefined && this.p[this.i + 1] !== cp(']')) {
        this.i++;
        const hi = this.classAtom();
        if (typeof lo !== 'number' || typeof hi !== 'number') this.err('E_REGEX_INVALID', 'a range cannot use \\d, \\w or \\s');
        if (lo > hi) this.err('E_REGEX_INVALID', 'range out of order in character class');
        set.items.push([lo, hi]);
      } else set.items.push(typeof lo === 'number' ? [lo, lo] : lo);
    }
  }

  private classAtom(): number | Builtin {
    const c = this.peek()!;
    this.i++;
    if (c !== cp('\\')) return c;
    const e = this.escape(true);
    return e as number | Builtin;
  }
}

// ---------------------------------------------------------------- compiling

class Compiler {
  readonly prog: Inst[] = [];
  private emit(inst: Inst): number {
    if (this.prog.length >= LIMITS.maxRegexProgram)
      throw new RegexError('E_REGEX_UNSAFE', `pattern is too large once repetitions are expanded (more than ${LIMITS.maxRegexProgram} steps)`);
    this.prog.push(inst);
    return this.prog.length - 1;
  }

  compile(node: RNode): void {
    this.emit({ op: SAVE, n: 0 });
    this.node(node);
    this.emit({ op: SAVE, n: 1 });
    this.emit({ op: MATCH });
  }

  private node(n: RNode): void {
    switch (n.t) {
      case 'empty':
        return;
      case 'set':
        this.emit({ op: SET, set: n.set });
        return;
      case 'assert':
        this.emit({ op: ASSERT, kind: n.kind });
        return;
      case 'cat':
        for (const item of n.items) this.node(item);
        return;
      case 'group':
        if (n.index !== null) this.emit({ op: SAVE, n: 2 * n.index });
        this.node(n.body);
        if (n.index !== null) this.emit({ op: SAVE, n: 2 * n.index + 1 });
        return;
      case 'alt': {
        const jumps: number[] = [];
        n.items.forEach((item, k) => {
          const last = k === n.items.length - 1;
          const split = last ? -1 : this.emit({ op: SPLIT, x: this.prog.length + 1, y: -1 });
          this.node(item);
          if (!last) {
            jumps.push(this.emit({ op: JMP, x: -1 }));
            (this.prog[split] as { y: number }).y = this.prog.length;
          }
        });
        for (const j of jumps) (this.prog[j] as { x: number }).x = this.prog.length;
        return;
      }
      case 'rep': {
        const { body, min, max, greedy } = n;
        const mandatory = max === -1 ? Math.max(0, min - 1) : min;
        for (let k = 0; k < mandatory; k++) this.node(body);
        if (max === -1) {
          if (min === 0) {
            // L: split body, end; body; jmp L; end:
            const l = this.emit({ op: SPLIT, x: -1, y: -1 });
            this.node(body);
            this.emit({ op: JMP, x: l });
            this.setSplit(l, l + 1, this.prog.length, greedy);
          } else {
            // L: body; split L, end
            const l = this.prog.length;
            this.node(body);
            const s = this.emit({ op: SPLIT, x: -1, y: -1 });
            this.setSplit(s, l, s + 1, greedy);
          }
          return;
        }
        const optional: number[] = [];
        for (let k = min; k < max; k++) {
          optional.push(this.emit({ op: SPLIT, x: -1, y: -1 }));
          this.node(body);
        }
        for (const s of optional) this.setSplit(s, s + 1, this.prog.length, greedy);
        return;
      }
    }
  }

  private setSplit(at: number, body: number, skip: number, greedy: boolean): void {
    this.prog[at] = greedy ? { op: SPLIT, x: body, y: skip } : { op: SPLIT, x: skip, y: body };
  }
}

const cache = new Map<string, CompiledRegex>();
const CACHE_MAX = 256;

/** Compiles a pattern; throws RegexError. Results are cached by pattern text. */
export function compileRegex(pattern: string): CompiledRegex {
  const hit = cache.get(pattern);
  if (hit) return hit;
  if (pattern.length > LIMITS.maxRegexLength)
    throw new RegexError('E_REGEX_UNSAFE', `pattern is ${pattern.length} characters long; the limit is ${LIMITS.maxRegexLength}`);
  let body = pattern;
  let ignoreCase = false;
  if (body.startsWith('(?i)')) {
    ignoreCase = true;
    body = body.slice(4);
  }
  const parser = new RegexParser(Array.from(body, (c) => c.codePointAt(0)!));
  const tree = parser.parse();
  const compiler = new Compiler();
  compiler.compile(tree);
  const re: CompiledRegex = { source: pattern, groups: parser.groups, ignoreCase, prog: compiler.prog };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(pattern, re);
  return re;
}

// ---------------------------------------------------------------- matching

const isWordCp = (c: number | undefined): boolean =>
  c !== undefined && ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95);

const SPACES = new Set([9, 10, 11, 12, 13, 32, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff]);
const isSpace = (c: number): boolean => SPACES.has(c) || (c >= 0x2000 && c <= 0x200a);

function inItem(item: ClassItem, c: number): boolean {
  if (typeof item !== 'string') return c >= item[0] && c <= item[1];
  switch (item) {
    case 'd': return c >= 48 && c <= 57;
    case 'D': return !(c >= 48 && c <= 57);
    case 'w': return isWordCp(c);
    case 'W': return !isWordCp(c);
    case 's': return isSpace(c);
    case 'S': return !isSpace(c);
    case 'dot': return c !== 10 && c !== 13 && c !== 0x2028 && c !== 0x2029;
  }
}

function inSet(set: CharSet, c: number, ignoreCase: boolean): boolean {
  let hit = set.items.some((item) => inItem(item, c));
  if (!hit && ignoreCase) {
    const ch = String.fromCodePoint(c);
    for (const v of [ch.toLowerCase(), ch.toUpperCase()]) {
      const vc = v.codePointAt(0)!;
      if (v.length === String.fromCodePoint(vc).length && vc !== c && set.items.some((item) => inItem(item, vc))) {
        hit = true;
        break;
      }
    }
  }
  return hit !== set.negated;
}

/** Input prepared for matching: code points and their UTF-16 offsets. */
export interface Subject {
  readonly text: string;
  readonly cps: number[];
  /** offsets[i] = UTF-16 offset of code point i; offsets[cps.length] = text.length. */
  readonly offsets: number[];
}

export function subject(text: string): Subject {
  const cps: number[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text.codePointAt(i)!;
    cps.push(c);
    offsets.push(i);
    i += c > 0xffff ? 2 : 1;
  }
  offsets.push(text.length);
  return { text, cps, offsets };
}

export class RegexBudgetError extends RegexError {
  constructor() {
    super(
      'E_REGEX_UNSAFE',
      `regular expression work exceeded its budget (${LIMITS.maxRegexSteps} steps per call, ${LIMITS.maxRegexStepsPerEvaluation} per evaluation); simplify the pattern or shorten the input`,
    );
  }
}

/** A matcher for one function call: the visited set and step budget are shared by its searches. */
export class Matcher {
  private readonly visited: Uint32Array;
  private readonly touched: number[] = [];
  private readonly stack: number[] = [];
  /** Matcher steps taken so far. */
  steps = 0;
  private readonly width: number;

  constructor(private readonly re: CompiledRegex, private readonly s: Subject, private readonly budget: number = LIMITS.maxRegexSteps) {
    this.width = re.prog.length;
    this.visited = new Uint32Array(Math.ceil((this.width * (s.cps.length + 1)) / 32));
  }

  /** Leftmost match starting at or after code point `from`: capture positions (code points, -1 if unset), or null. */
  search(from: number): Int32Array | null {
    const n = this.s.cps.length;
    const caps = new Int32Array(2 * (this.re.groups + 1)).fill(-1);
    for (const w of this.touched) this.visited[w] = 0;
    this.touched.length = 0;
    for (let start = from; start <= n; start++) {
      if (this.run(start, caps)) return caps;
    }
    return null;
  }

  private run(startPos: number, caps: Int32Array): boolean {
    const { prog, ignoreCase } = this.re;
    const { cps } = this.s;
    const n = cps.length;
    const P = this.width;
    const stack = this.stack;
    stack.length = 0;
    stack.push(0, startPos);
    while (stack.length > 0) {
      let pos = stack.pop()!;
      let pc = stack.pop()!;
      if (pc < 0) {
        caps[-1 - pc] = pos;
        continue;
      }
      for (;;) {
        const key = pos * P + pc;
        const w = key >>> 5;
        const bit = 1 << (key & 31);
        if (this.visited[w]! & bit) break;
        this.visited[w]! |= bit;
        this.touched.push(w);
        if (++this.steps > this.budget) throw new RegexBudgetError();
        const inst = prog[pc]!;
        if (inst.op === SET) {
          if (pos < n && inSet(inst.set, cps[pos]!, ignoreCase)) {
            pc++;
            pos++;
            continue;
          }
          break;
        } else if (inst.op === SPLIT) {
          stack.push(inst.y, pos);
          pc = inst.x;
        } else if (inst.op === JMP) {
          pc = inst.x;
        } else if (inst.op === SAVE) {
          stack.push(-1 - inst.n, caps[inst.n]!);
          caps[inst.n] = pos;
          pc++;
        } else if (inst.op === ASSERT) {
          let ok: boolean;
          if (inst.kind === 'bol') ok = pos === 0;
          else if (inst.kind === 'eol') ok = pos === n;
          else ok = (isWordCp(cps[pos - 1]) !== isWordCp(cps[pos])) === (inst.kind === 'wb');
          if (!ok) break;
          pc++;
        } else {
          return true;
        }
      }
    }
    return false;
  }

  /** Text of capture group g of a match, or null if the group did not take part. */
  group(caps: Int32Array, g: number): string | null {
    const a = caps[2 * g]!;
    const b = caps[2 * g + 1]!;
    if (a < 0 || b < 0) return null;
    return this.s.text.slice(this.s.offsets[a], this.s.offsets[b]);
  }

  slice(a: number, b: number): string {
    return this.s.text.slice(this.s.offsets[a], this.s.offsets[b]);
  }
}

// ---------------------------------------------------------------- replacement templates

export type TemplatePart = string | number;

/**
 * Parses a replacement template: `$1`…`$99` insert a group, `$&` the whole match, `$$` a dollar.
 * As in JavaScript, `$nn` means group nn when it exists, else group n followed by a digit.
 * A reference to a group the pattern lacks is an error when `strict`, literal text otherwise.
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
