import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpressionError, evaluate } from '../../../src/mapping/expression/index.js';
import { compileRegex, RegexError } from '../../../src/mapping/expression/regex.js';
import { compileError } from './helpers.js';

/** Evaluates regex_replace with the pattern as a literal (escaped for the expression language). */
const replaceAll = (input: string, pattern: string, replacement: string) =>
  evaluate(`regex_replace(s, ${JSON.stringify(pattern)}, ${JSON.stringify(replacement)})`, { s: input });

// A grammar of patterns inside the supported subset, over a small alphabet so that matches are
// common. A repeated part never matches the empty string: there the engine may choose a different
// (still valid) match than JavaScript, which refuses empty iterations (documented in README.md).
interface Pat {
  s: string;
  nullable: boolean;
}
const QUANTIFIERS: [string, boolean][] = [['*', true], ['+', false], ['?', true], ['{1,2}', false], ['{2}', false], ['{0,2}', true], ['{1,}', false], ['*?', true], ['+?', false], ['??', true], ['{1,2}?', false]];
const LITERALS = ['a', 'b', 'c', '1', ' ', '.', '[ab]', '[^a]', '[a-c1]', '\\d', '\\w', '\\s', '\\W', '\\.', '-'];
const patternArb: fc.Arbitrary<string> = fc
  .letrec<{ alt: Pat; cat: Pat; atom: Pat; piece: Pat }>((tie) => ({
    alt: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tie('cat'),
      fc.tuple(tie('cat'), tie('cat')).map(([a, b]) => ({ s: `${a.s}|${b.s}`, nullable: a.nullable || b.nullable })),
    ),
    cat: fc.array(tie('piece'), { minLength: 0, maxLength: 4 }).map((xs) => ({ s: xs.map((x) => x.s).join(''), nullable: xs.every((x) => x.nullable) })),
    piece: fc.tuple(tie('atom'), fc.option(fc.constantFrom(...QUANTIFIERS), { freq: 2 })).map(([a, q]) =>
      q === null || a.nullable ? a : { s: a.s + q[0], nullable: q[1] || a.nullable },
    ),
    atom: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(...LITERALS).map((s) => ({ s, nullable: false })),
      tie('alt').map((x) => ({ s: `(${x.s})`, nullable: x.nullable })),
      tie('alt').map((x) => ({ s: `(?:${x.s})`, nullable: x.nullable })),
    ),
  }))
  .alt.map((p) => p.s);
const anchored = fc
  .tuple(fc.constantFrom('', '', '^', '\\b'), patternArb, fc.constantFrom('', '', '$', '\\b'))
  .map(([a, p, b]) => a + p + b)
  .filter((p) => p.length <= 200);
const inputArb = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '1', ' ', '.', 'A', '-'), maxLength: 12 });

describe('regex engine agrees with JavaScript on the supported subset', () => {
  it('whole-match replacement ($&) gives the same text as String.prototype.replace with /g', () => {
    fc.assert(
      fc.property(anchored, inputArb, fc.boolean(), (pattern, input, ignoreCase) => {
        const ours = replaceAll(input, (ignoreCase ? '(?i)' : '') + pattern, '[$&]');
        const js = input.replace(new RegExp(pattern, ignoreCase ? 'gi' : 'g'), '[$&]');
        expect(ours).toBe(js);
      }),
      { numRuns: 3000 },
    );
  });

  // Two documented differences are left out here: a group inside a repetition keeps its last
  // value (as in Perl, PCRE and RE2; JavaScript clears it on each iteration), and an optional
  // iteration of {n,m} may match the empty string (JavaScript refuses one).
  it('capture groups agree for groups outside repetitions', () => {
    const noEmptyLoops = fc.tuple(
      fc.constantFrom('(a+)(b*)', '(a|ab)(c|bcd)?', '(\\w+)@?(\\w*)\\.', '(a)|(b)', '(\\d{1,2})-(\\d+)?', '^(a*?)(a*)$', '(.)(.)', '(?:x|(b))(1)?'),
      fc.string({ unit: fc.constantFrom('a', 'b', 'c', '1', '-', '.', 'x', '@'), maxLength: 12 }),
    );
    fc.assert(
      fc.property(noEmptyLoops, ([pattern, input]) => {
        const ours = replaceAll(input, pattern, '<$1|$2>');
        const js = input.replace(new RegExp(pattern, 'g'), (_m, g1: string | undefined, g2: string | undefined) => `<${g1 ?? ''}|${g2 ?? ''}>`);
        expect(ours).toBe(js);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('regex safety', () => {
  // Patterns that take exponential or high-polynomial time in a backtracking engine.
  const evil = [
    '(a+)+$',
    '(a|a)*b',
    '(a*)*b',
    '(a|aa)+$',
    '^(\\w+\\s?)*$',
    '(.*a){20}',
    '\\d*\\d*\\d*\\d*\\d*x',
    '^(([a-z])+.)+[A-Z]([a-z])+$',
    '(x+x+)+y',
  ];
  const inputs = ['a'.repeat(9_999) + '!', '1'.repeat(10_000), 'ab '.repeat(3_000) + '!', 'x'.repeat(5_000)];

  it.each(evil)('%s finishes quickly on 10,000-character inputs (a result, or E_REGEX_UNSAFE at its budget)', (pattern) => {
    for (const input of inputs) {
      const started = performance.now();
      try {
        const out = replaceAll(input, pattern, '#');
        expect(typeof out).toBe('string');
      } catch (e) {
        expect(e).toBeInstanceOf(ExpressionError);
        expect((e as ExpressionError).code).toBe('E_REGEX_UNSAFE');
      }
      expect(performance.now() - started).toBeLessThan(1_500);
    }
  });

  it('matches (a+)+$ correctly, where JavaScript would take exponential time', () => {
    expect(evaluate('regex_match(s, "^(a+)+$")', { s: 'a'.repeat(5_000) })).toBe(true);
    expect(evaluate('regex_match(s, "^(a+)+$")', { s: 'a'.repeat(5_000) + '!' })).toBe(false);
  });

  it.each([
    ['(a{100}){100}', 'E_REGEX_UNSAFE'],
    ['a{1000}', 'E_REGEX_UNSAFE'],
    ['x'.repeat(257), 'E_REGEX_UNSAFE'],
    ['(a)\\1', 'E_REGEX_UNSUPPORTED'],
    ['(?<=a)b', 'E_REGEX_UNSUPPORTED'],
    ['(?!a)', 'E_REGEX_UNSUPPORTED'],
    ['(?<name>a)', 'E_REGEX_UNSUPPORTED'],
    ['(?m)a', 'E_REGEX_UNSUPPORTED'],
    ['(', 'E_REGEX_INVALID'],
    [')', 'E_REGEX_INVALID'],
    ['[a', 'E_REGEX_INVALID'],
    ['[z-a]', 'E_REGEX_INVALID'],
    ['*a', 'E_REGEX_INVALID'],
    ['a**', 'E_REGEX_INVALID'],
    ['a{2,1}', 'E_REGEX_INVALID'],
    ['a{x}', 'E_REGEX_INVALID'],
    ['\\', 'E_REGEX_INVALID'],
    ['\\q', 'E_REGEX_INVALID'],
    ['^*', 'E_REGEX_INVALID'],
  ])('pattern %j → %s at compile time', (pattern, code) => {
    const e = compileError(`regex_match(x, ${JSON.stringify(pattern)})`);
    expect(e.code).toBe(code);
    expect(e.position.column).toBe(16);
  });

  it('refuses every malformed pattern with a RegexError, never another exception', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '(', ')', '[', ']', '{', '}', '1', ',', '*', '+', '?', '|', '^', '$', '\\', '-', 'd', 'u', '.', ':', '=') , maxLength: 20 }), (pattern) => {
        try {
          compileRegex(pattern);
        } catch (e) {
          expect(e).toBeInstanceOf(RegexError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('caps the length of a replacement result', () => {
    const e = (() => {
      try {
        evaluate('regex_replace(s, "a", r)', { s: 'a'.repeat(5_000), r: 'bbb' });
      } catch (err) {
        return err as ExpressionError;
      }
    })();
    expect(e?.code).toBe('E_STRING_TOO_LONG');
  });
});
