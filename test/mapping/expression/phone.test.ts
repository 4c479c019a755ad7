import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PHONE_REGIONS, evaluate, normalizePhone, resolveRegion } from '../../../src/mapping/expression/index.js';
// The WeCom rule lives in src/wecom; mapping code must not import it, but its tests may.
import { checkMemberCreate, checkMobile } from '../../../src/wecom/rules/fields.js';

const phone = (input: unknown, region?: string, format?: string): unknown => {
  const args = ['x', region, format].filter((a) => a !== undefined).map((a, i) => (i === 0 ? a : JSON.stringify(a)));
  return evaluate(`phone(${args.join(', ')})`, { x: input });
};

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const separator = fc.constantFrom('', '', ' ', '-', '  ', ' - ', '.', '\u3000', '－');
/** A mainland mobile written in one of the many ways people write it. */
const mainlandWritten = fc
  .tuple(fc.constantFrom(...'3456789'), digits(9, 9), fc.constantFrom('', '+86', '+86 ', '+86-', '0086 ', '0086', '86-', '86', '(+86) ', '＋８６ '), separator, separator, fc.boolean())
  .map(([second, rest, prefix, s1, s2, parens]) => {
    const n = `1${second}${rest}`;
    const body = `${parens ? `(${n.slice(0, 3)})` : n.slice(0, 3)}${s1}${n.slice(3, 7)}${s2}${n.slice(7)}`;
    return { written: prefix + body, canonical: `+86 ${n}`, national: n };
  });

describe('phone() output always satisfies WeCom\'s mobile rule', () => {
  it('for arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.constantFrom(undefined, ...Object.keys(PHONE_REGIONS)), (s, region) => {
        const out = phone(s, region);
        if (out !== null) expect(checkMobile(out as string)).toBeNull();
      }),
      { numRuns: 3000 },
    );
  });

  it('for number-like text', () => {
    const numberLike = fc.string({ unit: fc.constantFrom(...'0123456789+-() .'), maxLength: 24 });
    fc.assert(
      fc.property(numberLike, fc.constantFrom(undefined, 'CN', 'HK', 'TW', 'US', 'GB', '+852', '44'), fc.constantFrom(undefined, 'wecom', 'national'), (s, region, format) => {
        const out = phone(s, region ?? (format ? 'CN' : undefined), format);
        if (out !== null) {
          expect(checkMobile(out as string)).toBeNull();
          // A WeCom member carrying it passes the whole pre-send check for mobile.
          expect(checkMemberCreate({ userid: 'u1', name: 'n', department: [1], mobile: out })).toBeNull();
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('for numbers', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 99_999_999_999_999 }), fc.double({ noNaN: true, noDefaultInfinity: true })), (n) => {
        const out = phone(n);
        if (out !== null) expect(checkMobile(out as string)).toBeNull();
      }),
    );
  });
});

describe('phone() normalises mainland numbers however they are written', () => {
  it('to +86 and 11 digits, or the bare 11 digits with format "national"', () => {
    fc.assert(
      fc.property(mainlandWritten, ({ written, canonical, national }) => {
        expect(phone(written)).toBe(canonical);
        expect(phone(written, 'CN', 'national')).toBe(national);
      }),
      { numRuns: 2000 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.oneof(mainlandWritten.map((m) => m.written), fc.string({ unit: fc.constantFrom(...'0123456789+- '), maxLength: 20 })), (s) => {
        const once = phone(s);
        if (once !== null) expect(phone(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps non-mainland numbers with their own country code', () => {
    expect(phone('+852 91234567')).toBe('+852 91234567');
    expect(phone('+853 6612 3456')).toBe('+853 66123456');
    expect(phone('+886 912 345 678')).toBe('+886 912345678');
    expect(phone('+65 8123 4567')).toBe('+65 81234567');
    expect(phone('+7 912 345 67 89')).toBe('+7 9123456789');
    expect(phone('+971 50 123 4567')).toBe('+971 501234567');
    expect(phone('00852 91234567')).toBe('+852 91234567');
  });

  it('refuses numbers that are too long for E.164 or have no country code', () => {
    expect(phone('+852 912345678')).toBeNull();
    expect(phone('+971 1234567890123')).toBeNull();
    expect(phone('+')).toBeNull();
    expect(phone('+86')).toBeNull();
  });
});

describe('regions', () => {
  it('resolve by ISO code (any case) or calling code', () => {
    expect(resolveRegion('cn')?.cc).toBe('86');
    expect(resolveRegion('+852')?.cc).toBe('852');
    expect(resolveRegion('44')?.cc).toBe('44');
    expect(resolveRegion('8')).toBeNull();
    expect(resolveRegion('+0')).toBeNull();
    expect(resolveRegion('toString')).toBeNull();
    expect(resolveRegion('constructor')).toBeNull();
  });
  it('are used for numbers written without a country code', () => {
    const hk = resolveRegion('HK')!;
    expect(normalizePhone('9123 4567', hk)).toBe('+852 91234567');
    expect(normalizePhone('13800000000', hk)).toBeNull();
    expect(normalizePhone('+86 13800000000', hk)).toBe('+86 13800000000');
    expect(normalizePhone('07700 900123', resolveRegion('GB')!)).toBe('+44 7700900123');
  });
});
