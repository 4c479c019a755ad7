// Values of the language and the conversions between them.

/** Every expression evaluates to one of these JSON scalars. */
export type Value = string | number | boolean | null;

type ValueType = 'string' | 'number' | 'boolean' | 'null';

export function typeOf(v: Value): ValueType {
  return v === null ? 'null' : (typeof v as ValueType);
}

/** Text form of a scalar: strings as they are, numbers in JavaScript's shortest form, booleans as true/false. */
export function toText(v: string | number | boolean): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Object.is(v, -0) ? '0' : String(v);
  return v ? 'true' : 'false';
}

/** Truthiness used by if(), and, or, not: null, false, "" and 0 are false; every other value is true. */
export function truthy(v: Value): boolean {
  return !(v === null || v === false || v === '' || v === 0);
}

/** Length in Unicode code points. */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Describes a value for an error message, shortening long strings. */
export function describe(v: Value): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  return v === null ? 'null' : `${typeOf(v)} ${toText(v)}`;
}
