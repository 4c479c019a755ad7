import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpressionError, LIMITS, compile, parse, print } from '../../../src/mapping/expression/index.js';
import { contextArb, exprArb, nodeArb, tokenSoupArb } from './arbitraries.js';
import { strip } from './helpers.js';

/** Parses, returning the tree or the error; anything else thrown fails the property. */
function tryParse(src: string): unknown {
  try {
    return parse(src);
  } catch (e) {
    if (!(e instanceof ExpressionError)) throw e;
    expect(e.position.offset).toBeGreaterThanOrEqual(0);
    expect(e.position.offset).toBeLessThanOrEqual(src.length);
    expect(typeof e.format()).toBe('string');
    return e;
  }
}

describe('the parser never throws anything but ExpressionError, and never hangs', () => {
  it('on random strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => void tryParse(s)), { numRuns: 5000 });
  });
  it('on random UTF-16 (lone surrogates included) and full Unicode', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 100 }), fc.string({ unit: 'grapheme', maxLength: 50 })), (s) => void tryParse(s)), { numRuns: 3000 });
  });
  // (the slowest of such compiles: `npm run bench -- expression-limits`)
  it('on token soup, through compile() too', () => {
    fc.assert(
      fc.property(tokenSoupArb, (s) => {
        try {
          compile(s);
        } catch (e) {
          expect(e).toBeInstanceOf(ExpressionError);
        }
      }),
      { numRuns: 5000 },
    );
  });
  it('on mutations of a valid expression', () => {
    const base = 'coalesce(attrs.wecom_userid, regex_replace(lower(trim(username)), "[^a-z0-9]+", "_"), if(a == 1 and not b, "x", phone(mobile, "CN")))';
    fc.assert(
      fc.property(fc.nat({ max: base.length }), fc.nat({ max: 5 }), fc.string({ maxLength: 3 }), (at, del, ins) => {
        tryParse(base.slice(0, at) + ins + base.slice(at + del));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('printing and re-parsing gives the same tree', () => {
  it('for any tree the parser can produce', () => {
    fc.assert(
      fc.property(nodeArb, (ast) => {
        const src = print(ast);
        fc.pre(src.length <= LIMITS.maxSourceLength);
        let again;
        try {
          again = parse(src);
        } catch (e) {
          // Only the size limits may refuse a printed tree.
          expect(['E_TOO_DEEP', 'E_TOO_COMPLEX']).toContain((e as ExpressionError).code);
          return;
        }
        expect(strip(again)).toEqual(strip(ast));
        expect(print(again)).toBe(src);
      }),
      { numRuns: 3000 },
    );
  });
  it('for trees parsed from random token soup', () => {
    fc.assert(
      fc.property(tokenSoupArb, (s) => {
        const ast = tryParse(s);
        if (ast instanceof ExpressionError) return;
        const again = parse(print(ast as never));
        expect(strip(again)).toEqual(strip(ast as never));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('evaluation is deterministic and only throws ExpressionError', () => {
  it('on random expressions over random contexts', () => {
    let evaluated = 0;
    fc.assert(
      fc.property(exprArb, contextArb, (ast, context) => {
        const src = print(ast);
        let compiled;
        try {
          compiled = compile(src);
        } catch (e) {
          expect(e).toBeInstanceOf(ExpressionError);
          return;
        }
        const run = () => {
          try {
            return { value: compiled.evaluate(context as Record<string, unknown>) };
          } catch (e) {
            if (!(e instanceof ExpressionError)) throw e;
            return { code: e.code, offset: e.position.offset };
          }
        };
        const first = run();
        expect(run()).toEqual(first);
        if ('value' in first) {
          evaluated++;
          expect(['string', 'number', 'boolean']).toContain(first.value === null ? 'string' : typeof first.value);
          if (typeof first.value === 'number') expect(Number.isFinite(first.value)).toBe(true);
        }
      }),
      { numRuns: 4000 },
    );
    // The generator must reach real evaluation, not only errors.
    expect(evaluated).toBeGreaterThan(1000);
  });
});
