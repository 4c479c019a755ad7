// date(value, format, zone?): formats a date or date-time from the directory.
//
// Accepted values: ISO 8601 text (2024-03-01, 2024-03-01T09:30:00Z, 2024-03-01 09:30:00+08:00,
// 2024/03/01), compact LDAP GeneralizedTime (20240301093000Z, 20240301093000.0+0800, 20240301),
// and numbers as milliseconds since 1970-01-01T00:00:00Z. Values with an offset (or numbers) are
// instants and are shown in `zone` (default UTC); values without an offset are shown as written.
// Invalid values give null. No current time is ever read: evaluation stays deterministic.
import type { Node } from '../ast.js';
import { LIMITS } from '../limits.js';
import type { CallContext, FunctionDef } from './types.js';

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

type Parsed = { fields: Fields; offsetMinutes: number | null };

const ISO_RE =
  /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const COMPACT_RE = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(?:(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?:\d{2})?)?$/i;

function daysIn(y: number, m: number): number {
  const d = new Date(0);
  d.setUTCFullYear(y, m, 0);
  return d.getUTCDate();
}

function parseOffset(text: string): number | null {
  if (/^(Z|UTC)$/i.test(text)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(text);
  if (!m) return null;
  const h = Number(m[2]);
  const min = Number(m[3] ?? '0');
  if (h > 23 || min > 59) return null;
  return (m[1] === '-' ? -1 : 1) * (h * 60 + min);
}

function parseDate(v: string | number): Parsed | null {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || Math.abs(v) > 8.64e15) return null;
    return { fields: fieldsOfInstant(Math.trunc(v)), offsetMinutes: 0 };
  }
  const text = v.trim();
  const m = ISO_RE.exec(text) ?? COMPACT_RE.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const hour = Number(m[4] ?? 0);
  const minute = Number(m[5] ?? 0);
  const second = Number(m[6] ?? 0);
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes: number | null = null;
  if (m[8] !== undefined) {
    offsetMinutes = parseOffset(m[8]);
    if (offsetMinutes === null) return null;
  }
  return { fields: { year, month, day, hour, minute, second, ms }, offsetMinutes };
}

function fieldsOfInstant(t: number): Fields {
  const d = new Date(t);
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), ms: d.getUTCMilliseconds(),
  };
}

function toZone(p: Parsed, zone: number): Fields {
  if (p.offsetMinutes === null) return p.fields;
  return fieldsOfInstant(utcMs(p.fields) - p.offsetMinutes * 60_000 + zone * 60_000);
}

/** Milliseconds since the epoch of UTC fields; unlike Date.UTC, years 0–99 stay as written. */
function utcMs(f: Fields): number {
  const d = new Date(0);
  d.setUTCFullYear(f.year, f.month - 1, f.day);
  d.setUTCHours(f.hour, f.minute, f.second, f.ms);
  return d.getTime();
}

type FormatPart = string | { token: string };
const TOKENS = ['YYYY', 'SSS', 'MM', 'DD', 'HH', 'mm', 'ss', 'YY', 'ZZ', 'M', 'D', 'H', 'm', 's', 'Z'];

/** Parses a format: tokens as listed in the docs, [text] for literal text, T and non-letters as themselves. */
function parseFormat(format: string): FormatPart[] | string {
  if (format.length > LIMITS.maxDateFormatLength) return `format is longer than ${LIMITS.maxDateFormatLength} characters`;
  const parts: FormatPart[] = [];
  for (let i = 0; i < format.length; ) {
    if (format[i] === '[') {
      const close = format.indexOf(']', i);
      if (close === -1) return "'[' without its ']'";
      parts.push(format.slice(i + 1, close));
      i = close + 1;
      continue;
    }
    const token = TOKENS.find((t) => format.startsWith(t, i));
    if (token) {
      parts.push({ token });
      i += token.length;
      continue;
    }
    const ch = format[i]!;
    if (/[A-Za-z]/.test(ch) && ch !== 'T')
      return `unknown format letter '${ch}' at position ${i}: use YYYY MM DD HH mm ss SSS (see the reference) and put literal text in [brackets]`;
    parts.push(ch);
    i++;
  }
  return parts;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

function offsetText(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  return `${sign}${pad(Math.floor(a / 60), 2)}${colon ? ':' : ''}${pad(a % 60, 2)}`;
}

function render(parts: FormatPart[], f: Fields, zone: number): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    switch (p.token) {
      case 'YYYY': out += pad(f.year, 4); break;
      case 'YY': out += pad(f.year % 100, 2); break;
      case 'MM': out += pad(f.month, 2); break;
      case 'M': out += String(f.month); break;
      case 'DD': out += pad(f.day, 2); break;
      case 'D': out += String(f.day); break;
      case 'HH': out += pad(f.hour, 2); break;
      case 'H': out += String(f.hour); break;
      case 'mm': out += pad(f.minute, 2); break;
      case 'm': out += String(f.minute); break;
      case 'ss': out += pad(f.second, 2); break;
      case 's': out += String(f.second); break;
      case 'SSS': out += pad(f.ms, 3); break;
      case 'Z': out += offsetText(zone, true); break;
      case 'ZZ': out += offsetText(zone, false); break;
    }
  }
  return out;
}

/** Formats a date value; null if the value is not a valid date or its year falls outside 0–9999. */
function formatDate(value: string | number, format: FormatPart[], zone: number): string | null {
  const parsed = parseDate(value);
  if (!parsed) return null;
  const f = toZone(parsed, zone);
  if (f.year < 0 || f.year > 9999 || Number.isNaN(f.year)) return null;
  return render(format, f, zone);
}

function formatArg(format: string, cx: CallContext): FormatPart[] {
  const parts = parseFormat(format);
  if (typeof parts === 'string') cx.fail('E_DATE_FORMAT', parts, 1);
  return parts;
}

function zoneArg(zone: string | undefined, cx: CallContext): number {
  if (zone === undefined) return 0;
  const z = parseOffset(zone.trim());
  if (z === null) cx.fail('E_DATE_FORMAT', `unknown time zone ${JSON.stringify(zone)}: use "UTC" or an offset such as "+08:00"`, 2);
  return z;
}

const literalText = (node: Node | undefined): string | undefined =>
  node?.kind === 'literal' && typeof node.value === 'string' ? node.value : undefined;

export const DATE_FUNCTIONS: FunctionDef[] = [
  {
    name: 'date',
    family: 'date',
    params: [
      { name: 'value', type: 'any' },
      { name: 'format', type: 'text' },
      { name: 'zone', type: 'text', optional: true },
    ],
    returns: 'string | null',
    doc: {
      en: 'Formats a date: value is ISO 8601 text, LDAP time such as 20240301093000Z, or milliseconds since 1970 (UTC). Tokens: YYYY YY MM M DD D HH H mm m ss s SSS Z (+08:00) ZZ (+0800); [text] is literal; T and non-letters are kept. Values with an offset are shown in zone (default "UTC", or "+08:00"); values without one are shown as written. An invalid value gives null.',
      zh: '格式化日期：value 可以是 ISO 8601 文本、LDAP 时间（如 20240301093000Z）或自 1970 年起的毫秒数（UTC）。格式记号：YYYY YY MM M DD D HH H mm m ss s SSS Z（+08:00）ZZ（+0800）；[文本] 原样输出；T 和非字母字符保留。带时区偏移的值按 zone 显示（默认 "UTC"，也可写 "+08:00"）；不带偏移的值按原样显示。无效值返回 null。',
    },
    examples: [
      { expression: 'date(hired_at, "YYYY-MM-DD")', context: { hired_at: '2024-03-01T09:30:00Z' }, result: '2024-03-01' },
      { expression: 'date("2024-02-29T20:00:00Z", "YYYY年M月D日 HH:mm", "+08:00")', result: '2024年3月1日 04:00' },
      { expression: 'date("not a date", "YYYY")', result: null },
    ],
    nullIn: true,
    check(args, cx) {
      const f = literalText(args[1]);
      if (f !== undefined) formatArg(f, cx);
      const z = literalText(args[2]);
      if (z !== undefined) zoneArg(z, cx);
    },
    call([value, format, zone], cx) {
      const parts = formatArg(format as string, cx);
      const z = zoneArg(zone as string | undefined, cx);
      if (typeof value === 'boolean') cx.fail('E_TYPE', 'date() needs text or a number of milliseconds, not a boolean', 0);
      return formatDate(value as string | number, parts, z);
    },
  },
];
