import { describe, expect, it } from 'vitest';
import { FUNCTIONS, compile, evaluate } from '../../../src/mapping/expression/index.js';
import { evalError } from './helpers.js';

const ctx = {
  username: 'Li.Si@Corp.com',
  name: '李四',
  status: 'disabled',
  mobile: '0086 138-0000-0000',
  email: 'li.si@old.com',
  employee_number: 'E123456789',
  title: '  经理\u3000',
  code: 'ab-1',
  hired_at: '2024-03-01T20:00:00Z',
  count: 3,
  flag: true,
  empty: '',
  attrs: { nickname: 'Si', 'cost center': 'CC-1', cost_center: 'CC-2', wecom_userid: null },
  primary_organization: { name: '研发中心' },
  emails: ['a@x.com', 'b@x.com'],
};

type Row = [string, unknown];
const table = (rows: Row[]) =>
  it.each(rows)('%s → %j', (src, expected) => {
    expect(evaluate(src, ctx)).toEqual(expected);
  });

describe('strings', () => {
  describe('concat', () =>
    table([
      ['concat(name, " (", attrs.nickname, ")")', '李四 (Si)'],
      ['concat(name, " (", attrs.missing, ")")', '李四 ()'],
      ['concat(null)', ''],
      ['concat("n=", count, ", f=", flag)', 'n=3, f=true'],
      ['concat(1.5, -0)', '1.50'],
    ]));
  describe('lower / upper / trim', () =>
    table([
      ['lower(username)', 'li.si@corp.com'],
      ['lower(missing)', null],
      ['lower(count)', '3'],
      ['lower("ÄÖÜ İ")', 'äöü i̇'],
      ['upper(code)', 'AB-1'],
      ['upper(null)', null],
      ['upper("straße")', 'STRASSE'],
      ['trim(title)', '经理'],
      ['trim("\\t a b \\n")', 'a b'],
      ['trim(missing)', null],
    ]));
  describe('substring', () =>
    table([
      ['substring(employee_number, 0, 6)', 'E12345'],
      ['substring(employee_number, 6)', '6789'],
      ['substring(employee_number, -4)', '6789'],
      ['substring(employee_number, -4, 2)', '67'],
      ['substring(employee_number, -100, 2)', 'E1'],
      ['substring(employee_number, 100)', ''],
      ['substring(employee_number, 2, 0)', ''],
      ['substring(employee_number, 2, -1)', ''],
      ['substring("研发😀中心", 1, 3)', '发😀中'],
      ['substring(missing, 0, 1)', null],
      ['substring(12345, 1, 2)', '23'],
    ]));
  describe('replace', () =>
    table([
      ['replace(lower(username), "@", "_")', 'li.si_corp.com'],
      ['replace("a.b.c", ".", "")', 'abc'],
      ['replace("aaa", "a", "aa")', 'aaaaaa'],
      ['replace("abc", "", "x")', 'abc'],
      ['replace("a$1b", "$1", "$$")', 'a$$b'],
      ['replace(missing, "a", "b")', null],
      ['replace(2024, 2, 9)', '9094'],
    ]));
  describe('length / contains / starts_with / ends_with', () =>
    table([
      ['length(name)', 2],
      ['length("😀")', 1],
      ['length(empty)', 0],
      ['length(missing)', null],
      ['contains(email, "@old")', true],
      ['contains(email, "@new")', false],
      ['contains(missing, "x")', null],
      ['starts_with(employee_number, "E1")', true],
      ['starts_with(employee_number, "1")', false],
      ['ends_with(email, "@old.com")', true],
      ['ends_with(email, "@OLD.com")', false],
    ]));
  it('refuses a null argument other than the subject at run time', () => {
    const e = evalError('replace(name, attrs.missing, "x")', ctx);
    expect(e.code).toBe('E_TYPE');
    expect(e.position.column).toBe(15);
  });
  it('refuses a non-integer start at run time', () => {
    expect(evalError('substring(name, count + 0.5)', ctx).code).toBe('E_TYPE');
    expect(evalError('substring(name, name)', ctx).code).toBe('E_TYPE');
  });
});

describe('logic', () => {
  describe('coalesce', () =>
    table([
      ['coalesce(attrs.wecom_userid, replace(lower(username), "@", "_"))', 'li.si_corp.com'],
      ['coalesce(attrs.nickname, name)', 'Si'],
      ['coalesce(empty, null, "x")', 'x'],
      ['coalesce(null, 0)', 0],
      ['coalesce(null, false)', false],
      ['coalesce(null, missing)', null],
      ['coalesce("a", nope.x)', 'a'],
    ]));
  it('coalesce does not evaluate arguments after the first value', () => {
    // The second argument would fail (unary minus on a string) if it were evaluated.
    expect(evaluate('coalesce(name, -name)', ctx)).toBe('李四');
  });
  describe('if', () =>
    table([
      ['if(status == "disabled", 0, 1)', 0],
      ['if(status == "enabled", 0, 1)', 1],
      ['if(attrs.nickname, attrs.nickname, name)', 'Si'],
      ['if(attrs.missing, attrs.missing, name)', '李四'],
      ['if(empty, "y", "n")', 'n'],
      ['if(0, "y", "n")', 'n'],
      ['if(count, "y", "n")', 'y'],
      ['if("false", "y", "n")', 'y'],
      ['if(false, "y")', null],
      ['if(true, "y")', 'y'],
    ]));
  it('if evaluates only the chosen branch', () => {
    expect(evaluate('if(true, name, -name)', ctx)).toBe('李四');
    expect(evaluate('if(false, -name, name)', ctx)).toBe('李四');
  });
  describe('string / number', () =>
    table([
      ['string(42)', '42'],
      ['string(1.5)', '1.5'],
      ['string(true)', 'true'],
      ['string(null)', null],
      ['string("x")', 'x'],
      ['number(" 12 ")', 12],
      ['number("-1.5e2")', -150],
      ['number("12abc")', null],
      ['number("")', null],
      ['number("0x10")', null],
      ['number("1e400")', null],
      ['number(true)', 1],
      ['number(false)', 0],
      ['number(null)', null],
      ['number(7)', 7],
    ]));
});

describe('regex', () => {
  describe('regex_replace', () =>
    table([
      ['regex_replace(email, "@old\\\\.com$", "@new.com")', 'li.si@new.com'],
      ['regex_replace("li.si@oldXcom", "@old\\\\.com$", "@new.com")', 'li.si@oldXcom'],
      ['regex_replace("Zhang San", "(\\\\w+) (\\\\w+)", "$2 $1")', 'San Zhang'],
      ['regex_replace("a1b22c333", "\\\\d+", "#")', 'a#b#c#'],
      ['regex_replace("aab", "a*", "X")', 'XXbX'],
      ['regex_replace("abc", "", "-")', '-a-b-c-'],
      ['regex_replace("abc", "x*", "-")', '-a-b-c-'],
      ['regex_replace("a.b", "[.]", "$&$&")', 'a..b'],
      ['regex_replace("price 5", "\\\\d", "$$")', 'price $'],
      ['regex_replace("ABC abc", "(?i)b", "_")', 'A_C a_c'],
      ['regex_replace("研发-中心", "[\\\\u4e00-\\\\u9fff]", "字")', '字字-字字'],
      ['regex_replace("😀x😀", ".", "_")', '___'],
      ['regex_replace("aaa", "a+?", "b")', 'bbb'],
      ['regex_replace("<a><b>", "<.+>", "T")', 'T'],
      ['regex_replace("<a><b>", "<.+?>", "T")', 'TT'],
      ['regex_replace("one two", "\\\\bt", "T")', 'one Two'],
      ['regex_replace("x", "(a)?x", "[$1]")', '[]'],
      ['regex_replace(missing, "a", "b")', null],
      ['regex_replace("a-b", "-", concat("+", "+"))', 'a++b'],
    ]));
  describe('regex_match / regex_extract', () =>
    table([
      ['regex_match(employee_number, "^E\\\\d{9}$")', true],
      ['regex_match(employee_number, "^E\\\\d{5}$")', false],
      ['regex_match(missing, "x")', null],
      ['regex_match("ab", "^(a|ab)$")', true],
      ['regex_extract("dept-0042-cn", "-(\\\\d+)-", 1)', '0042'],
      ['regex_extract("dept-0042-cn", "-(\\\\d+)-")', '-0042-'],
      ['regex_extract("dept", "\\\\d+")', null],
      ['regex_extract("b", "(a)|b", 1)', null],
      ['regex_extract(email, "^([^@]+)@", 1)', 'li.si'],
    ]));
  it('refuses a group the pattern lacks at run time too', () => {
    expect(evalError('regex_extract("a", "(a)", count)', ctx).code).toBe('E_REGEX_INVALID');
  });
});

describe('phone', () =>
  table([
    ['phone(mobile)', '+86 13800000000'],
    ['phone("13800000000")', '+86 13800000000'],
    ['phone(13800000000)', '+86 13800000000'],
    ['phone("+8613800000000")', '+86 13800000000'],
    ['phone("+86-138 0000 0000")', '+86 13800000000'],
    ['phone("0086 13800000000")', '+86 13800000000'],
    ['phone("86-13800000000")', '+86 13800000000'],
    ['phone("(+86) 138-0000-0000")', '+86 13800000000'],
    ['phone("＋８６ １３８００００００００")', '+86 13800000000'],
    ['phone("+852 91234567")', '+852 91234567'],
    ['phone("+852-9123-4567")', '+852 91234567'],
    ['phone("91234567", "HK")', '+852 91234567'],
    ['phone("91234567", "+852")', '+852 91234567'],
    ['phone("0912 345 678", "TW")', '+886 912345678'],
    ['phone("+1 (415) 555-0100")', '+1 4155550100'],
    ['phone("+44 7700 900123")', '+44 7700900123'],
    ['phone("13800000000", "CN", "national")', '13800000000'],
    ['phone("+852 91234567", "CN", "national")', '+852 91234567'],
    ['phone("12345")', null],
    ['phone("1380000000")', null],
    ['phone("138000000001")', null],
    ['phone("12800000000")', null],
    ['phone("010-12345678")', null],
    ['phone("+86 010 1234 5678")', null],
    ['phone("+852 1234")', null],
    ['phone("+0 1234567")', null],
    ['phone("138 0000 0000 ext 12")', null],
    ['phone("")', null],
    ['phone(missing)', null],
    ['phone(true)', null],
    ['phone_strict("+86 138 0000 0000")', '+86 13800000000'],
    ['phone_strict(missing)', null],
  ]));

describe('phone_strict', () => {
  it('fails on an invalid number with E_PHONE_INVALID at the argument', () => {
    const e = evalError('phone_strict(code)', ctx);
    expect(e.code).toBe('E_PHONE_INVALID');
    expect(e.position.column).toBe(14);
  });
});

describe('date', () =>
  table([
    ['date(hired_at, "YYYY-MM-DD")', '2024-03-01'],
    ['date(hired_at, "YYYY-MM-DD", "+08:00")', '2024-03-02'],
    ['date(hired_at, "YYYY-MM-DDTHH:mm:ss.SSSZ")', '2024-03-01T20:00:00.000+00:00'],
    ['date(hired_at, "YYYY年M月D日 H:m:s", "+0800")', '2024年3月2日 4:0:0'],
    ['date("2024-03-01", "YYYY/MM/DD HH:mm", "+08:00")', '2024/03/01 00:00'],
    ['date("2024-03-01 09:30", "HH:mm Z", "+08:00")', '09:30 +08:00'],
    ['date("2024-03-01T09:30:00+08:00", "YYYY-MM-DD HH:mm ZZ")', '2024-03-01 01:30 +0000'],
    ['date("2024-03-01T09:30:00+08:00", "HH:mm", "-05:30")', '20:00'],
    ['date("2024/3/1", "YYYY-MM-DD")', '2024-03-01'],
    ['date("20240301093000Z", "YYYY-MM-DD HH:mm:ss", "+08:00")', '2024-03-01 17:30:00'],
    ['date("20240301093000.0+0800", "YYYY-MM-DD HH:mm")', '2024-03-01 01:30'],
    ['date("20240301", "YY-M-D")', '24-3-1'],
    ['date(0, "YYYY-MM-DD HH:mm:ss")', '1970-01-01 00:00:00'],
    ['date(1709323200000, "YYYY-MM-DD HH:mm", "UTC")', '2024-03-01 20:00'],
    ['date("2024-03-01T20:00:00.123456Z", "ss.SSS")', '00.123'],
    ['date("0099-12-31", "YYYY-MM-DD")', '0099-12-31'],
    ['date("0001-01-01T00:00:00Z", "YYYY-MM-DD HH:mm", "-01:00")', '0000-12-31 23:00'],
    ['date("0000-01-01T00:00:00Z", "YYYY", "-01:00")', null],
    ['date("9999-12-31T23:00:00Z", "YYYY", "+08:00")', null],
    ['date("2023-02-29", "YYYY")', null],
    ['date("2024-02-29", "YYYY-MM-DD")', '2024-02-29'],
    ['date("2024-13-01", "YYYY")', null],
    ['date("2024-01-01T24:00", "YYYY")', null],
    ['date("not a date", "YYYY")', null],
    ['date("2024-01-01", "[Year] YYYY")', 'Year 2024'],
    ['date(missing, "YYYY")', null],
  ]));

describe('FUNCTIONS metadata', () => {
  it('lists every function once, with a signature and docs in English and Chinese', () => {
    const names = FUNCTIONS.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining([
      'concat', 'lower', 'upper', 'trim', 'substring', 'replace', 'regex_replace', 'coalesce', 'if', 'date', 'phone', 'phone_strict',
    ]));
    for (const f of FUNCTIONS) {
      expect(f.signature.startsWith(`${f.name}(`)).toBe(true);
      expect(f.doc.en.length).toBeGreaterThan(10);
      expect(f.doc.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(f.minArgs).toBeLessThanOrEqual(f.maxArgs);
      expect(f.examples.length).toBeGreaterThan(0);
    }
    expect(JSON.parse(JSON.stringify(FUNCTIONS))).toEqual(FUNCTIONS);
  });

  it.each(FUNCTIONS.flatMap((f) => f.examples.map((e) => [f.name, e] as const)))('%s example %j evaluates as documented', (_name, example) => {
    expect(compile(example.expression).evaluate(example.context ?? {})).toEqual(example.result);
  });
});

describe('FUNCTIONS is read-only', () => {
  it('cannot be changed by a consumer (compile() relies on it)', () => {
    const lower = FUNCTIONS.find((f) => f.name === 'lower')!;
    expect(Object.isFrozen(FUNCTIONS)).toBe(true);
    expect(Object.isFrozen(lower)).toBe(true);
    expect(Object.isFrozen(lower.doc)).toBe(true);
    expect(Object.isFrozen(lower.params[0])).toBe(true);
    expect(() => {
      (lower as { maxArgs: number }).maxArgs = 5;
    }).toThrow(TypeError);
  });
});
