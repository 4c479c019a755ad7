// Logic and conversion functions. if() and coalesce() evaluate only the arguments they need.
import { type Value, toText, truthy } from '../values.js';
import type { FunctionDef } from './types.js';

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
/** WeCom's department order is a uint32, larger first. */
const WECOM_ORDER_MAX = 4_294_967_295;

export const LOGIC_FUNCTIONS: FunctionDef[] = [
  {
    name: 'coalesce',
    family: 'logic',
    params: [{ name: 'value', type: 'any', variadic: true }],
    returns: 'any',
    lazy: true,
    doc: {
      en: 'The first argument that is neither null nor the empty string "", or null if there is none. Later arguments are not evaluated.',
      zh: '返回第一个既不是 null 也不是空字符串 "" 的参数；都不满足时返回 null。其后的参数不会被求值。',
    },
    examples: [
      { expression: 'coalesce(attrs.wecom_userid, replace(lower(username), "@", "_"))', context: { username: 'Li.Si@corp.com', attrs: {} }, result: 'li.si_corp.com' },
      { expression: 'coalesce("", null, "x")', result: 'x' },
    ],
    call(args) {
      for (const arg of args) {
        const v = arg();
        if (v !== null && v !== '') return v;
      }
      return null;
    },
  },
  {
    name: 'if',
    family: 'logic',
    params: [
      { name: 'condition', type: 'any' },
      { name: 'then', type: 'any' },
      { name: 'else', type: 'any', optional: true },
    ],
    returns: 'any',
    lazy: true,
    doc: {
      en: 'then if condition is true, else the third argument (null when omitted). null, false, "" and 0 count as false. Only the chosen branch is evaluated.',
      zh: '条件为真时返回 then，否则返回第三个参数（省略时为 null）。null、false、"" 和 0 视为假。只对被选中的分支求值。',
    },
    examples: [
      { expression: 'if(status == "disabled", 0, 1)', context: { status: 'disabled' }, result: 0 },
      { expression: 'if(attrs.nickname, attrs.nickname, name)', context: { name: '王五', attrs: {} }, result: '王五' },
    ],
    call(args) {
      if (truthy(args[0]!())) return args[1]!();
      return args[2] ? args[2]() : null;
    },
  },
  {
    name: 'string',
    family: 'logic',
    params: [{ name: 'value', type: 'any' }],
    returns: 'string | null',
    doc: { en: 'The value as text; null stays null.', zh: '将值转为文本；null 仍为 null。' },
    examples: [{ expression: 'string(42)', result: '42' }],
    call: ([v]) => (v === null || v === undefined ? null : toText(v)),
  },
  {
    name: 'wecom_order',
    family: 'logic',
    params: [{ name: 'order', type: 'any' }],
    returns: 'number | null',
    doc: {
      en: 'A directory sort order (smaller first) as WeCom\'s department order (larger first): 4294967295 − order, so WeCom lists siblings in the directory\'s order. Null gives null; anything but an integer 0–4294967295 is an E_TYPE error.',
      zh: '将目录的排序值（小者在前）换算为企业微信的部门次序值（大者在前）：4294967295 − 排序值，使企业微信中同级部门的顺序与目录一致。null 返回 null；0–4294967295 以外的值为 E_TYPE 错误。',
    },
    examples: [
      { expression: 'wecom_order(1)', result: 4294967294 },
      { expression: 'wecom_order(order)', context: { order: 10 }, result: 4294967285 },
    ],
    call([v], cx): Value {
      if (v === null || v === undefined) return null;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > WECOM_ORDER_MAX) return cx.fail('E_TYPE', 'wecom_order() needs an integer from 0 to 4294967295', 0);
      return WECOM_ORDER_MAX - v;
    },
  },
  {
    name: 'number',
    family: 'logic',
    params: [{ name: 'value', type: 'any' }],
    returns: 'number | null',
    doc: {
      en: 'The value as a number: decimal text (surrounding spaces allowed) is parsed, true/false give 1/0; anything else, and null, gives null.',
      zh: '将值转为数字：十进制文本（允许首尾空格）被解析，true/false 分别为 1/0；其他值及 null 返回 null。',
    },
    examples: [
      { expression: 'number(" 12 ")', result: 12 },
      { expression: 'number(status == "enabled")', context: { status: 'enabled' }, result: 1 },
    ],
    call([v]): Value {
      if (typeof v === 'number') return v;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'string') {
        const t = v.trim();
        if (!NUMBER_RE.test(t)) return null;
        const n = Number(t);
        return Number.isFinite(n) ? n : null;
      }
      return null;
    },
  },
];
