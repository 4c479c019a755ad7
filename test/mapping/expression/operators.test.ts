import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../src/mapping/expression/index.js';
import { evalError } from './helpers.js';

const ctx = {
  s: 'abc',
  t: 'b',
  n: 2,
  m: 10,
  yes: true,
  no: false,
  nil: null,
  empty: '',
  zero: 0,
  attrs: { 'key with space': 'v', nested: { deep: 'd' }, list: ['x', 'y'] },
};

describe('+', () => {
  it.each([
    ['1 + 2', 3],
    ['n + m', 12],
    ['0.1 + 0.2', 0.30000000000000004],
    ['s + t', 'abcb'],
    ['s + 1', 'abc1'],
    ['1 + s', '1abc'],
    ['"n=" + n + m', 'n=210'],
    ['n + m + "!"', '12!'],
    ['s + yes', 'abctrue'],
    ['s + nil', null],
    ['nil + 1', null],
    ['missing + s', null],
    ['empty + empty', ''],
  ])('%s → %j', (src, expected) => {
    expect(evaluate(src, ctx)).toEqual(expected);
  });
  it.each([['yes + 1'], ['yes + no']])('%s is a type error', (src) => {
    const e = evalError(src, ctx);
    expect(e.code).toBe('E_TYPE');
    expect(e.position.column).toBe(1);
  });
  it('refuses a sum that is not finite', () => {
    expect(evalError('1e308 + 1e308').code).toBe('E_NUMBER');
  });
});

describe('comparison', () => {
  it.each([
    ['n == 2', true],
    ['n == "2"', false],
    ['s == "abc"', true],
    ['s != "abc"', false],
    ['nil == null', true],
    ['missing == null', true],
    ['empty == null', false],
    ['zero == false', false],
    ['yes == true', true],
    ['n < m', true],
    ['n <= 2', true],
    ['n > m', false],
    ['m >= 10', true],
    ['"a" < "b"', true],
    ['"B" < "a"', true],
    ['"abc" < "abd"', true],
    ['"10" < "9"', true],
    ['nil < 1', false],
    ['1 > missing', false],
    ['nil >= nil', false],
    ['-1 < 0', true],
    ['-0 == 0', true],
  ])('%s → %j', (src, expected) => {
    expect(evaluate(src, ctx)).toBe(expected);
  });
  it.each([['n < s'], ['yes < no'], ['s >= 1']])('%s is a type error', (src) => {
    expect(evalError(src, ctx).code).toBe('E_TYPE');
  });
});

describe('and / or / not', () => {
  it.each([
    ['yes and yes', true],
    ['yes and no', false],
    ['no or yes', true],
    ['no or no', false],
    ['not yes', false],
    ['not nil', true],
    ['not empty', true],
    ['not zero', true],
    ['not s', false],
    ['s and n', true],
    ['s and nil', false],
    ['n > 1 and s == "abc"', true],
    ['not n > 1', false],
    ['not (n > 1) or yes', true],
  ])('%s → %j', (src, expected) => {
    expect(evaluate(src, ctx)).toBe(expected);
  });
  it('short-circuits', () => {
    expect(evaluate('no and -s', ctx)).toBe(false);
    expect(evaluate('yes or -s', ctx)).toBe(true);
  });
});

describe('unary minus', () => {
  it.each([
    ['-n', -2],
    ['-(n + m)', -12],
    ['--n', 2],
    ['-nil', null],
  ])('%s → %j', (src, expected) => {
    expect(evaluate(src, ctx)).toBe(expected);
  });
  it('refuses a string', () => {
    expect(evalError('-s', ctx).code).toBe('E_TYPE');
  });
});

describe('attribute paths', () => {
  it.each([
    ['s', 'abc'],
    ['missing', null],
    ['missing.deeper.still', null],
    ['s.length', null],
    ['attrs["key with space"]', 'v'],
    ['attrs.nested.deep', 'd'],
    ['attrs.list[1]', 'y'],
    ['attrs.list[2]', null],
    ['attrs.list.length', null],
    ['attrs.nested[0]', null],
    ['n.x', null],
    ['nil.x', null],
    ['hasOwnProperty', null],
    ['toString', null],
    ['attrs.valueOf', null],
    ['s["0"]', null],
  ])('%s → %j', (src, expected) => {
    expect(evaluate(src, ctx)).toBe(expected);
  });

  it('refuses to read an object or a list as a value', () => {
    expect(evalError('attrs.nested', ctx).code).toBe('E_TYPE');
    expect(evalError('concat(attrs.list)', ctx).code).toBe('E_TYPE');
  });

  it('reads own data properties only: no prototype, no getters, no class instances', () => {
    let called = false;
    const withGetter = Object.defineProperty({}, 'g', { get: () => ((called = true), 'secret'), enumerable: true });
    expect(evaluate('g', withGetter)).toBeNull();
    expect(called).toBe(false);
    const inherited = Object.create({ inherited: 'x' }) as Record<string, unknown>;
    expect(evaluate('inherited', inherited)).toBeNull();
    expect(evaluate('m.size', { m: new Map([['size', 1]]) })).toBeNull();
    expect(evaluate('x.y', { x: Object.assign(Object.create(null), { y: 'ok' }) })).toBe('ok');
  });

  it('reads a Date as its ISO text, and refuses values that are not JSON scalars', () => {
    expect(evaluate('d', { d: new Date(Date.UTC(2024, 0, 2)) })).toBe('2024-01-02T00:00:00.000Z');
    expect(evalError('x', { x: Number.NaN }).code).toBe('E_TYPE');
    expect(evalError('x', { x: Infinity }).code).toBe('E_TYPE');
    expect(evalError('x', { x: 10n }).code).toBe('E_TYPE');
    expect(evalError('x', { x: () => 1 }).code).toBe('E_TYPE');
    expect(evalError('x', { x: Symbol('s') }).code).toBe('E_TYPE');
  });

  it('runtime errors point at the node that failed', () => {
    const e = evalError('concat("a",\n  attrs.nested)', ctx);
    expect(e.position).toEqual({ offset: 14, line: 2, column: 3 });
    expect(e.pointer()).toBe('  attrs.nested)\n  ^^^^^^^^^^^^');
  });
});
