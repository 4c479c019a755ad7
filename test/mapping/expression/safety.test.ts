// What the limits refuse or stop, and with which error. How long the worst cases take is measured by
// `npm run bench -- expression-limits`, not here: a machine-speed bound fails on a loaded machine.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LIMITS, compile, evaluate } from '../../../src/mapping/expression/index.js';
import { compileError, evalError } from './helpers.js';
import { LONG_A, MANY_QUADRATIC_REPLACEMENTS, NESTED_REPLACEMENTS, QUADRATIC_REPLACEMENT, TOO_DEEP } from './worst-cases.js';

describe('deep nesting is refused, before any stack overflow', () => {
  it.each(TOO_DEEP)('%s → E_TOO_DEEP', (_what, src) => {
    expect(src.length).toBeLessThanOrEqual(LIMITS.maxSourceLength);
    expect(compileError(src).code).toBe('E_TOO_DEEP');
  });

  it('accepts nesting within the limit', () => {
    const depth = LIMITS.maxDepth - 1;
    expect(evaluate('lower('.repeat(depth) + '"A"' + ')'.repeat(depth), {})).toBe('a');
  });

  it('refuses too many nodes with E_TOO_COMPLEX', () => {
    const src = `concat(${Array.from({ length: 600 }, () => 'a').join(',')})`;
    expect(compileError(src).code).toBe('E_TOO_COMPLEX');
  });
});

describe('huge input', () => {
  it('refuses source over the length limit before tokenizing', () => {
    const e = compileError('"' + 'x'.repeat(5_000_000) + '"');
    expect(e.code).toBe('E_SOURCE_TOO_LONG');
    expect(e.position.offset).toBe(LIMITS.maxSourceLength);
    expect(compileError('a'.repeat(LIMITS.maxSourceLength + 1)).code).toBe('E_SOURCE_TOO_LONG');
    expect(() => compile('a'.repeat(LIMITS.maxSourceLength))).not.toThrow();
  });

  it('refuses to read or build strings over the string limit', () => {
    const big = 'a'.repeat(LIMITS.maxStringLength + 1);
    expect(evalError('s', { s: big }).code).toBe('E_STRING_TOO_LONG');
    const s100 = 'a'.repeat(100);
    expect(evalError('replace(replace(s, "a", s), "a", s)', { s: s100 }).code).toBe('E_STRING_TOO_LONG');
    expect(evalError('concat(s, s, s, s, s, s, s, s, s, s, s)', { s: 'x'.repeat(1_000) }).code).toBe('E_STRING_TOO_LONG');
    expect(evalError('s + s', { s: 'x'.repeat(6_000) }).code).toBe('E_STRING_TOO_LONG');
    expect(evalError('upper(s)', { s: 'ß'.repeat(6_000) }).code).toBe('E_STRING_TOO_LONG');
  });

  it('bounds the worst expressions the limits allow', () => {
    expect(evaluate(NESTED_REPLACEMENTS, { s: LONG_A })).toBe(LONG_A);
    // stopped by the time budget (the mechanism is tested with a fake clock below)
    expect(evalError(QUADRATIC_REPLACEMENT, { s: LONG_A }).code).toBe('E_REGEX_UNSAFE');
    expect(evaluate(QUADRATIC_REPLACEMENT, { s: 'a'.repeat(500) })).toBe('b'.repeat(500));
    expect(evalError(MANY_QUADRATIC_REPLACEMENTS, { s: 'a'.repeat(2_500) }).code).toBe('E_REGEX_UNSAFE');
  });
});

describe('the regex time budget', () => {
  // A fake clock that moves 1 ms at each reading: regex_replace reads it once per match, so the
  // budget becomes a number of matches, the same on every machine.
  beforeEach(() => {
    let t = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => t++);
  });
  afterEach(() => vi.restoreAllMocks());
  const replace = 'regex_replace(s, "a", "b")';

  it('stops a call once its searching has taken LIMITS.maxRegexTimeMs', () => {
    const within = 'a'.repeat(LIMITS.maxRegexTimeMs - 50);
    expect(evaluate(replace, { s: within })).toBe('b'.repeat(within.length));
    expect(evalError(replace, { s: 'a'.repeat(LIMITS.maxRegexTimeMs + 50) }).code).toBe('E_REGEX_UNSAFE');
  });

  it('stops an evaluation once all its calls together have taken LIMITS.maxRegexTimePerEvaluationMs', () => {
    const s = 'a'.repeat(100); // about 100 ms per call on this clock
    const calls = (n: number): string => `concat(${Array.from({ length: n }, () => replace).join(', ')})`;
    const fit = Math.floor(LIMITS.maxRegexTimePerEvaluationMs / 100) - 2;
    expect(evaluate(calls(fit), { s })).toBe('b'.repeat(100 * fit));
    expect(evalError(calls(fit + 4), { s }).code).toBe('E_REGEX_UNSAFE');
  });
});

describe('prototype access', () => {
  it.each(['__proto__', 'a.__proto__', 'a.constructor', 'a.prototype', 'a["__proto__"]', "a['constructor'].name", '["prototype"]', 'lower(x.__proto__.y)'])(
    '%s is refused at compile time',
    (src) => {
      expect(compileError(src).code).toBe('E_PATH_FORBIDDEN');
    },
  );

  it('never reaches Object.prototype or functions through paths', () => {
    for (const name of ['toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf']) {
      expect(evaluate(name, {})).toBeNull();
      expect(evaluate(`a.${name}`, { a: {} })).toBeNull();
      expect(evaluate(`a["${name}"]`, { a: [] })).toBeNull();
    }
    expect(evaluate('s.length', { s: 'abc' })).toBeNull();
    expect(evaluate('l.length', { l: [1, 2] })).toBeNull();
  });

  it('reads an own "__proto__" key of JSON data only if the path could name it (it cannot)', () => {
    const ctx = JSON.parse('{"__proto__": {"polluted": "yes"}, "a": 1}') as Record<string, unknown>;
    expect(evaluate('polluted', ctx)).toBeNull();
    expect(evaluate('a', ctx)).toBe(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('has no function that reaches JavaScript', () => {
    for (const name of ['eval', 'Function', 'require', 'import', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(compileError(`${name}("1")`).code).toMatch(/E_UNKNOWN_FUNCTION|E_PATH_FORBIDDEN/);
    }
  });
});

describe('catastrophic regular expressions', () => {
  it('are matched in linear time, not refused', () => {
    const s = 'a'.repeat(9_999) + '!';
    expect(evaluate('regex_match(s, "^(a+)+$")', { s })).toBe(false);
    expect(evaluate('regex_replace(s, "(a|a)*!", "x")', { s })).toBe('x');
  });

  it('that would blow up in size are refused at compile time with E_REGEX_UNSAFE', () => {
    const e = compileError('regex_replace(s, "((a{50}){50}){50}", "")');
    expect(e.code).toBe('E_REGEX_UNSAFE');
    expect(e.position.column).toBe(18);
  });
});
