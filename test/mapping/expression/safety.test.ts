import { describe, expect, it } from 'vitest';
import { LIMITS, compile, evaluate } from '../../../src/mapping/expression/index.js';
import { compileError, evalError } from './helpers.js';

/** Runs fn and checks it took less than ms milliseconds. */
function fast<T>(fn: () => T, ms = 500): T {
  const started = performance.now();
  const out = fn();
  expect(performance.now() - started).toBeLessThan(ms);
  return out;
}

describe('deep nesting is refused quickly, before any stack overflow', () => {
  it.each([
    ['parentheses', '('.repeat(900) + 'a' + ')'.repeat(900)],
    ['calls', 'lower('.repeat(250) + 'a' + ')'.repeat(250)],
    ['a left-leaning + chain', Array.from({ length: 900 }, () => 'a').join('+')],
    ['not not not …', 'not '.repeat(450) + 'a'],
    ['unary minus', '-'.repeat(1_500) + 'a'],
    ['nested if', 'if(a, '.repeat(150) + '1' + ', 2)'.repeat(150)],
  ])('%s → E_TOO_DEEP', (_what, src) => {
    expect(src.length).toBeLessThanOrEqual(LIMITS.maxSourceLength);
    expect(fast(() => compileError(src)).code).toBe('E_TOO_DEEP');
  });

  it('accepts nesting within the limit', () => {
    const depth = LIMITS.maxDepth - 1;
    expect(evaluate('lower('.repeat(depth) + '"A"' + ')'.repeat(depth), {})).toBe('a');
  });

  it('refuses too many nodes with E_TOO_COMPLEX', () => {
    const src = `concat(${Array.from({ length: 600 }, () => 'a').join(',')})`;
    expect(fast(() => compileError(src)).code).toBe('E_TOO_COMPLEX');
  });
});

describe('huge input', () => {
  it('refuses source over the length limit before tokenizing', () => {
    const e = fast(() => compileError('"' + 'x'.repeat(5_000_000) + '"'));
    expect(e.code).toBe('E_SOURCE_TOO_LONG');
    expect(e.position.offset).toBe(LIMITS.maxSourceLength);
    expect(compileError('a'.repeat(LIMITS.maxSourceLength + 1)).code).toBe('E_SOURCE_TOO_LONG');
    expect(() => compile('a'.repeat(LIMITS.maxSourceLength))).not.toThrow();
  });

  it('refuses to read or build strings over the string limit', () => {
    const big = 'a'.repeat(LIMITS.maxStringLength + 1);
    expect(evalError('s', { s: big }).code).toBe('E_STRING_TOO_LONG');
    const s100 = 'a'.repeat(100);
    expect(fast(() => evalError('replace(replace(s, "a", s), "a", s)', { s: s100 })).code).toBe('E_STRING_TOO_LONG');
    expect(fast(() => evalError('concat(s, s, s, s, s, s, s, s, s, s, s)', { s: 'x'.repeat(1_000) })).code).toBe('E_STRING_TOO_LONG');
    expect(fast(() => evalError('s + s', { s: 'x'.repeat(6_000) })).code).toBe('E_STRING_TOO_LONG');
    expect(fast(() => evalError('upper(s)', { s: 'ß'.repeat(6_000) })).code).toBe('E_STRING_TOO_LONG');
  });

  it('bounds the worst expressions the limits allow', () => {
    const s = 'a'.repeat(9_999) + '!';
    // Twenty nested catastrophic-for-backtracking replacements over a 10,000-character input: linear, so they just run.
    const nested = 'regex_replace('.repeat(20) + 's' + ', "(a|aa)+$", "b")'.repeat(20);
    expect(fast(() => evaluate(nested, { s }), 3_000)).toBe(s);
    // RE2 finds each match in linear time, but a pattern whose every match first scans to the end
    // of the input is quadratic over all its matches; the time budget stops it.
    // (The budget is LIMITS.maxRegexTimeMs of wall-clock time; the margin is for a loaded machine.)
    expect(fast(() => evalError('regex_replace(s, "(?:.*x)?a", "b")', { s }), 1_500).code).toBe('E_REGEX_UNSAFE');
    // Such calls on shorter inputs finish; many of them together exceed the budget of one evaluation.
    const one = 'regex_replace(s, "(?:.*x)?a", "b")';
    expect(evaluate(one, { s: 'a'.repeat(500) })).toBe('b'.repeat(500));
    const many = `concat(${Array.from({ length: 30 }, () => one).join(', ')})`;
    expect(fast(() => evalError(many, { s: 'a'.repeat(2_500) }), 3_000).code).toBe('E_REGEX_UNSAFE');
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
    expect(fast(() => evaluate('regex_match(s, "^(a+)+$")', { s }))).toBe(false);
    expect(fast(() => evaluate('regex_replace(s, "(a|a)*!", "x")', { s }))).toBe('x');
  });

  it('that would blow up in size are refused at compile time with E_REGEX_UNSAFE', () => {
    const e = fast(() => compileError('regex_replace(s, "((a{50}){50}){50}", "")'));
    expect(e.code).toBe('E_REGEX_UNSAFE');
    expect(e.position.column).toBe(18);
  });
});
