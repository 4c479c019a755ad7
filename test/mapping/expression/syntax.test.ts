import { describe, expect, it } from 'vitest';
import { compile, parse, print } from '../../../src/mapping/expression/index.js';
import { compileError, strip } from './helpers.js';

const lit = (value: unknown) => ({ kind: 'literal', value });
const path = (...segments: unknown[]) => ({ kind: 'path', segments });

describe('literals', () => {
  it.each([
    ['"abc"', 'abc'],
    ["'abc'", 'abc'],
    ['"a\\"b\\\\c\\n\\t\\r\\/\\u4e2d\\u{1F600}\\x41"', 'a"b\\c\n\t\r/中😀A'],
    ["'it\\'s'", "it's"],
    ['"中文"', '中文'],
    ['0', 0],
    ['42', 42],
    ['3.25', 3.25],
    ['1e3', 1000],
    ['2.5E-2', 0.025],
    ['-7', -7],
    ['- 7', -7],
    ['true', true],
    ['false', false],
    ['null', null],
  ])('%s', (src, value) => {
    expect(strip(parse(src))).toEqual(lit(value));
  });
});

describe('paths', () => {
  it.each([
    ['username', ['username']],
    ['attrs.cost_center', ['attrs', 'cost_center']],
    ['primary_organization.name', ['primary_organization', 'name']],
    ['attrs["key with space"]', ['attrs', 'key with space']],
    ['["first name"]', ['first name']],
    ["attrs['部门'].名称", ['attrs', '部门', '名称']],
    ['emails[0]', ['emails', 0]],
    ['a.b[2].c', ['a', 'b', 2, 'c']],
    ['a.true.null', ['a', 'true', 'null']],
    ['lower', ['lower']],
    ['部门', ['部门']],
    ['$x', ['$x']],
  ])('%s', (src, segments) => {
    expect(strip(parse(src))).toEqual(path(...segments));
  });
});

describe('operators and precedence', () => {
  const b = (op: string, left: unknown, right: unknown) => ({ kind: 'binary', op, left, right });
  const u = (op: string, operand: unknown) => ({ kind: 'unary', op, operand });
  const a = path('a'), bb = path('b'), c = path('c');
  it.each([
    ['a or b and c', b('or', a, b('and', bb, c))],
    ['a and b or c', b('or', b('and', a, bb), c)],
    ['not a and b', b('and', u('not', a), bb)],
    ['not a == b', u('not', b('==', a, bb))],
    ['a == b + c', b('==', a, b('+', bb, c))],
    ['a + b + c', b('+', b('+', a, bb), c)],
    ['a + (b + c)', b('+', a, b('+', bb, c))],
    ['-a + b', b('+', u('neg', a), bb)],
    ['-(a + b)', u('neg', b('+', a, bb))],
    ['a != b', b('!=', a, bb)],
    ['a < b', b('<', a, bb)],
    ['a <= b', b('<=', a, bb)],
    ['a > b', b('>', a, bb)],
    ['a >= b', b('>=', a, bb)],
    ['(a < b) == c', b('==', b('<', a, bb), c)],
    ['not not a', u('not', u('not', a))],
    ['a or b or c', b('or', b('or', a, bb), c)],
  ])('%s', (src, tree) => {
    expect(strip(parse(src))).toEqual(tree);
  });

  it('parses calls with nested arguments and whitespace/newlines', () => {
    expect(strip(parse('concat(\n  name,\n  " (",\n  lower(x)\n)'))).toEqual({
      kind: 'call',
      name: 'concat',
      args: [path('name'), lit(' ('), { kind: 'call', name: 'lower', args: [path('x')] }],
    });
    expect(strip(parse('f()'))).toEqual({ kind: 'call', name: 'f', args: [] });
  });

  it('accepts the ideographic space and other Unicode white space between tokens', () => {
    expect(strip(parse('lower(\u3000name\u00a0)'))).toEqual({ kind: 'call', name: 'lower', args: [path('name')] });
  });
});

describe('syntax errors have a stable code and a position', () => {
  it.each([
    // [source, code, line, column]
    ['lower(x', 'E_PARSE_UNEXPECTED_END', 1, 8],
    ['lower(x,)', 'E_PARSE_UNEXPECTED_TOKEN', 1, 9],
    ['1 +', 'E_PARSE_UNEXPECTED_END', 1, 4],
    ['', 'E_PARSE_UNEXPECTED_END', 1, 1],
    ['a b', 'E_PARSE_UNEXPECTED_TOKEN', 1, 3],
    ['(a', 'E_PARSE_UNEXPECTED_END', 1, 3],
    ['a)', 'E_PARSE_UNEXPECTED_TOKEN', 1, 2],
    ['"abc', 'E_LEX_UNTERMINATED_STRING', 1, 1],
    ['x == "a\nb"', 'E_LEX_UNTERMINATED_STRING', 1, 6],
    ['"\\q"', 'E_LEX_BAD_ESCAPE', 1, 2],
    ['"\\u12"', 'E_LEX_BAD_ESCAPE', 1, 2],
    ['"\\u{110000}"', 'E_LEX_BAD_ESCAPE', 1, 2],
    ['1.', 'E_LEX_BAD_NUMBER', 1, 1],
    ['1e', 'E_LEX_BAD_NUMBER', 1, 1],
    ['12abc', 'E_LEX_BAD_NUMBER', 1, 1],
    ['1e999', 'E_LEX_BAD_NUMBER', 1, 1],
    ['a = b', 'E_LEX_UNEXPECTED_CHAR', 1, 3],
    ['a && b', 'E_LEX_UNEXPECTED_CHAR', 1, 3],
    ['a || b', 'E_LEX_UNEXPECTED_CHAR', 1, 3],
    ['!a', 'E_LEX_UNEXPECTED_CHAR', 1, 1],
    ['a * 2', 'E_LEX_UNEXPECTED_CHAR', 1, 3],
    ['a - 1', 'E_PARSE_UNEXPECTED_TOKEN', 1, 3],
    ['lower（name）', 'E_LEX_UNEXPECTED_CHAR', 1, 6],
    ['a < b < c', 'E_PARSE_CHAINED_COMPARISON', 1, 7],
    ['a == b != c', 'E_PARSE_CHAINED_COMPARISON', 1, 8],
    ['lower(x).y', 'E_PARSE_UNEXPECTED_TOKEN', 1, 9],
    ['(a).b', 'E_PARSE_UNEXPECTED_TOKEN', 1, 4],
    ['a.b(c)', 'E_PARSE_UNEXPECTED_TOKEN', 1, 4],
    ['"s"(1)', 'E_PARSE_UNEXPECTED_TOKEN', 1, 4],
    ['a[-1]', 'E_PARSE_UNEXPECTED_TOKEN', 1, 3],
    ['a[1.5]', 'E_PARSE_UNEXPECTED_TOKEN', 1, 3],
    ['a[b]', 'E_PARSE_UNEXPECTED_TOKEN', 1, 3],
    ['a.', 'E_PARSE_UNEXPECTED_END', 1, 3],
    ['a.1', 'E_PARSE_UNEXPECTED_TOKEN', 1, 3],
    ['[0]', 'E_PARSE_UNEXPECTED_TOKEN', 1, 2],
    ['and', 'E_PARSE_UNEXPECTED_TOKEN', 1, 1],
    ['a.__proto__', 'E_PATH_FORBIDDEN', 1, 3],
    ['__proto__', 'E_PATH_FORBIDDEN', 1, 1],
    ['a["constructor"]', 'E_PATH_FORBIDDEN', 1, 3],
    ['x.prototype.y', 'E_PATH_FORBIDDEN', 1, 3],
    ['name +\n  lower(x', 'E_PARSE_UNEXPECTED_END', 2, 10],
    ['concat(a,\n\t"b",\n\t c d)', 'E_PARSE_UNEXPECTED_TOKEN', 3, 5],
    ['"研发中心" + + ', 'E_PARSE_UNEXPECTED_TOKEN', 1, 10],
    ['"研发中心" + ', 'E_PARSE_UNEXPECTED_END', 1, 10],
    ['"😀😀" x', 'E_PARSE_UNEXPECTED_TOKEN', 1, 6],
  ])('%j → %s at %i:%i', (src, code, line, column) => {
    const e = compileError(src);
    expect(e.code).toBe(code);
    expect(e.position.line).toBe(line);
    expect(e.position.column).toBe(column);
    expect(e.name).toBe('ExpressionError');
  });

  it('formats a message with the source line and a caret under the offending text', () => {
    const e = compileError('coalesce(attrs.x, lowr(name))');
    expect(e.code).toBe('E_UNKNOWN_FUNCTION');
    expect(e.message).toContain('did you mean lower()');
    expect(e.pointer()).toBe('coalesce(attrs.x, lowr(name))\n                  ^^^^');
    expect(e.format()).toBe(
      'E_UNKNOWN_FUNCTION at line 1, column 19: unknown function lowr(); did you mean lower()?\n' +
        'coalesce(attrs.x, lowr(name))\n                  ^^^^',
    );
  });

  it('points into the right line of a multi-line expression and keeps tabs in the padding', () => {
    const e = compileError('concat(a,\n\tb c)');
    expect(e.pointer()).toBe('\tb c)\n\t  ^');
    expect(e.toJSON()).toEqual({ code: 'E_PARSE_UNEXPECTED_TOKEN', message: e.message, position: { offset: 13, line: 2, column: 4 }, length: 1 });
  });

  it('gives hints for common mistakes', () => {
    expect(compileError('a = 1').message).toContain("use '=='");
    expect(compileError('a && b').message).toContain("use 'and'");
    expect(compileError('lower（x)').message).toContain("use '('");
    expect(compileError('x == “a”').message).toContain('curly quote');
    expect(compileError('"\\d+"').message).toContain('write \'\\\\\' for one backslash');
    expect(compileError('substr(x, 1)').message).toContain('did you mean substring()');
    expect(compileError('nvl(x, 1)').message).toContain('did you mean coalesce()');
  });
});

describe('compile-time checks of calls', () => {
  it.each([
    ['nope(1)', 'E_UNKNOWN_FUNCTION', 1],
    ['constructor(1)', 'E_UNKNOWN_FUNCTION', 1],
    ['toString(1)', 'E_UNKNOWN_FUNCTION', 1],
    ['lower()', 'E_ARITY', 1],
    ['lower(a, b)', 'E_ARITY', 10],
    ['if(a)', 'E_ARITY', 1],
    ['if(a, b, c, d)', 'E_ARITY', 13],
    ['concat()', 'E_ARITY', 1],
    ['coalesce()', 'E_ARITY', 1],
    ['substring(x, 1, 2, 3)', 'E_ARITY', 20],
    ['date(x)', 'E_ARITY', 1],
    ['regex_replace(x, p, "y")', 'E_ARG_LITERAL', 18],
    ['regex_match(x, concat("a"))', 'E_ARG_LITERAL', 16],
    ['regex_replace(x, "(", "y")', 'E_REGEX_INVALID', 18],
    ['regex_replace(x, "a", "$2")', 'E_REGEX_INVALID', 23],
    ['regex_extract(x, "(a)", 2)', 'E_REGEX_INVALID', 25],
    ['regex_match(x, "(a)\\\\1")', 'E_REGEX_UNSUPPORTED', 16],
    ['regex_match(x, "(?=a)")', 'E_REGEX_UNSUPPORTED', 16],
    ['substring(x, "1")', 'E_TYPE', 14],
    ['substring(x, 1.5)', 'E_TYPE', 14],
    ['replace(x, null, "a")', 'E_TYPE', 12],
    ['date(x, "yyyy-MM-dd")', 'E_DATE_FORMAT', 9],
    ['date(x, "YYYY", "Mars/Base")', 'E_DATE_FORMAT', 17],
    ['phone(x, "XX")', 'E_PHONE_REGION', 10],
    ['phone(x, "CN", "e164")', 'E_PHONE_REGION', 16],
  ])('%s → %s at column %i', (src, code, column) => {
    const e = compileError(src);
    expect(e.code).toBe(code);
    expect(e.position.column).toBe(column);
  });

  it('accepts null as the subject of a string function and any literal where any value is allowed', () => {
    expect(() => compile('lower(null)')).not.toThrow();
    expect(() => compile('concat(null, 1, true)')).not.toThrow();
    expect(() => compile('coalesce(null, "x")')).not.toThrow();
  });

  it('checks calls nested anywhere in the tree', () => {
    expect(compileError('if(a, b, concat(x, lower()))').code).toBe('E_ARITY');
    expect(compileError('not (a and nope())').code).toBe('E_UNKNOWN_FUNCTION');
  });
});

describe('compiled expressions', () => {
  it('list the attribute paths they read, canonical, sorted and de-duplicated', () => {
    const c = compile('coalesce(attrs.wecom_userid, replace(lower(username), "@", "_"), attrs["a b"], username, emails[0], ["x y"].z)');
    expect(c.paths).toEqual(['["x y"].z', 'attrs.wecom_userid', 'attrs["a b"]', 'emails[0]', 'username']);
    expect(c.pathSegments).toEqual([['x y', 'z'], ['attrs', 'wecom_userid'], ['attrs', 'a b'], ['emails', 0], ['username']]);
    expect(compile('"constant"').paths).toEqual([]);
  });

  it('tell whether a changed attribute can affect them', () => {
    const c = compile('concat(name, attrs.nickname)');
    expect(c.dependsOn(['name'])).toBe(true);
    expect(c.dependsOn(['attrs'])).toBe(true);
    expect(c.dependsOn(['attrs', 'nickname'])).toBe(true);
    expect(c.dependsOn(['attrs', 'nickname', 'x'])).toBe(true);
    expect(c.dependsOn(['attrs', 'title'])).toBe(false);
    expect(c.dependsOn(['mobile'])).toBe(false);
  });

  it('are immutable and print canonically', () => {
    const c = compile("concat( name ,' (' , attrs . nickname,')' )");
    expect(String(c)).toBe('concat(name, " (", attrs.nickname, ")")');
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.paths)).toBe(true);
  });
});

describe('print', () => {
  it.each([
    ['a+b', 'a + b'],
    ['(a + b) + c', 'a + b + c'],
    ['a + (b + c)', 'a + (b + c)'],
    ['not (a and b)', 'not (a and b)'],
    ['(not a) == b', '(not a) == b'],
    ['a == (not b)', 'a == (not b)'],
    ['(a == b) == c', '(a == b) == c'],
    ['a or (b or c)', 'a or (b or c)'],
    ['(a or b) and c', '(a or b) and c'],
    ['-(-a)', '-(-a)'],
    ['--a', '-(-a)'],
    ['-(1)', '-1'],
    ['- -1', '1'],
    ['1 + -2', '1 + -2'],
    ["'x'", '"x"'],
    ['"\\u0001\\n"', '"\\u0001\\n"'],
    ['["and"].x', '["and"].x'],
    ['["a-b"]["c d"][0].e', '["a-b"]["c d"][0].e'],
    ['a["b"]', 'a.b'],
    ['1e21 + 0.000001', '1e+21 + 0.000001'],
    ['f( a ,b )', 'f(a, b)'],
  ])('%s → %s', (src, printed) => {
    const ast = parse(src);
    expect(print(ast)).toBe(printed);
    expect(strip(parse(print(ast)))).toEqual(strip(ast));
  });
});
