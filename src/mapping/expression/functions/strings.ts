// String functions. A null first argument gives null (so coalesce() can supply a fallback);
// numbers and booleans are converted to text.
import { LIMITS } from '../limits.js';
import { codePointLength, toText } from '../values.js';
import type { CallContext, FunctionDef } from './types.js';

/** Throws E_STRING_TOO_LONG if a result would exceed the string limit. */
export function checkLength(s: string, cx: CallContext): string {
  if (s.length > LIMITS.maxStringLength)
    cx.fail('E_STRING_TOO_LONG', `result is longer than ${LIMITS.maxStringLength} characters`);
  return s;
}

export const STRING_FUNCTIONS: FunctionDef[] = [
  {
    name: 'concat',
    family: 'strings',
    params: [{ name: 'value', type: 'any', variadic: true }],
    returns: 'string',
    doc: {
      en: 'Joins its arguments as text. null counts as the empty string; numbers and booleans are written out.',
      zh: '将所有参数按文本拼接。null 视为空字符串；数字和布尔值按文本写出。',
    },
    examples: [
      { expression: 'concat(name, " (", attrs.nickname, ")")', context: { name: '张三', attrs: { nickname: 'San' } }, result: '张三 (San)' },
      { expression: 'concat("a", null, 1)', result: 'a1' },
    ],
    call(args, cx) {
      let out = '';
      for (const a of args) {
        if (a !== null) out += toText(a);
        checkLength(out, cx);
      }
      return out;
    },
  },
  {
    name: 'lower',
    family: 'strings',
    params: [{ name: 'text', type: 'text' }],
    returns: 'string | null',
    doc: { en: 'Lower-case (locale-independent).', zh: '转为小写（与区域设置无关）。' },
    examples: [{ expression: 'lower("ZhangSan")', result: 'zhangsan' }],
    call: ([s]) => (s as string).toLowerCase(),
  },
  {
    name: 'upper',
    family: 'strings',
    params: [{ name: 'text', type: 'text' }],
    returns: 'string | null',
    doc: { en: 'Upper-case (locale-independent).', zh: '转为大写（与区域设置无关）。' },
    examples: [{ expression: 'upper("ab-1")', result: 'AB-1' }],
    call: ([s], cx) => checkLength((s as string).toUpperCase(), cx),
  },
  {
    name: 'trim',
    family: 'strings',
    params: [{ name: 'text', type: 'text' }],
    returns: 'string | null',
    doc: {
      en: 'Removes leading and trailing white space, including the full-width space U+3000.',
      zh: '去掉首尾空白字符（包括全角空格 U+3000）。',
    },
    examples: [{ expression: 'trim("  经理\u3000")', result: '经理' }],
    call: ([s]) => (s as string).trim(),
  },
  {
    name: 'substring',
    family: 'strings',
    params: [
      { name: 'text', type: 'text' },
      { name: 'start', type: 'integer' },
      { name: 'length', type: 'integer', optional: true },
    ],
    returns: 'string | null',
    doc: {
      en: 'Part of the text from start (0-based, in characters; negative counts from the end) for length characters (default: to the end). Out-of-range values are clamped; a negative length gives "".',
      zh: '从 start（从 0 开始按字符计；负数表示从末尾倒数）起截取 length 个字符（省略则到末尾）。越界时自动截断；length 为负时返回空字符串。',
    },
    examples: [
      { expression: 'substring("E12345678", 0, 6)', result: 'E12345' },
      { expression: 'substring("13800001234", -4)', result: '1234' },
    ],
    call([s, start, length]) {
      const chars = Array.from(s as string);
      let from = start as number;
      if (from < 0) from = Math.max(0, chars.length + from);
      from = Math.min(from, chars.length);
      const len = length === undefined ? chars.length : Math.max(0, length as number);
      return chars.slice(from, from + len).join('');
    },
  },
  {
    name: 'replace',
    family: 'strings',
    params: [
      { name: 'text', type: 'text' },
      { name: 'search', type: 'text' },
      { name: 'replacement', type: 'text' },
    ],
    returns: 'string | null',
    doc: {
      en: 'Replaces every occurrence of search (plain text, case-sensitive) with replacement. An empty search leaves the text unchanged.',
      zh: '将所有 search（普通文本，区分大小写）替换为 replacement。search 为空时原样返回。',
    },
    examples: [{ expression: 'replace("zhang.san@corp.com", "@", "_")', result: 'zhang.san_corp.com' }],
    call([s, search, replacement], cx) {
      const text = s as string;
      const find = search as string;
      const by = replacement as string;
      if (find === '') return text;
      let out = '';
      let from = 0;
      for (let at = text.indexOf(find); at !== -1; at = text.indexOf(find, from)) {
        out += text.slice(from, at) + by;
        checkLength(out, cx);
        from = at + find.length;
      }
      return checkLength(out + text.slice(from), cx);
    },
  },
  {
    name: 'length',
    family: 'strings',
    params: [{ name: 'text', type: 'text' }],
    returns: 'number | null',
    doc: { en: 'Number of characters (Unicode code points).', zh: '字符数（按 Unicode 码点计）。' },
    examples: [{ expression: 'length("研发中心")', result: 4 }],
    call: ([s]) => codePointLength(s as string),
  },
  {
    name: 'contains',
    family: 'strings',
    params: [{ name: 'text', type: 'text' }, { name: 'part', type: 'text' }],
    returns: 'boolean | null',
    doc: { en: 'True if text contains part (case-sensitive).', zh: '若 text 包含 part（区分大小写）则为 true。' },
    examples: [{ expression: 'contains("ops-team", "ops")', result: true }],
    call: ([s, part]) => (s as string).includes(part as string),
  },
  {
    name: 'starts_with',
    family: 'strings',
    params: [{ name: 'text', type: 'text' }, { name: 'prefix', type: 'text' }],
    returns: 'boolean | null',
    doc: { en: 'True if text starts with prefix (case-sensitive).', zh: '若 text 以 prefix 开头（区分大小写）则为 true。' },
    examples: [{ expression: 'starts_with("E1001", "E")', result: true }],
    call: ([s, prefix]) => (s as string).startsWith(prefix as string),
  },
  {
    name: 'ends_with',
    family: 'strings',
    params: [{ name: 'text', type: 'text' }, { name: 'suffix', type: 'text' }],
    returns: 'boolean | null',
    doc: { en: 'True if text ends with suffix (case-sensitive).', zh: '若 text 以 suffix 结尾（区分大小写）则为 true。' },
    examples: [{ expression: 'ends_with("a@old.com", "@old.com")', result: true }],
    call: ([s, suffix]) => (s as string).endsWith(suffix as string),
  },
];
