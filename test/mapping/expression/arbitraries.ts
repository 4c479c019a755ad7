// fast-check arbitraries: syntax trees the parser can produce, and well-typed-ish calls of the built-ins.
import fc from 'fast-check';
import { type BinaryOp, type Node, FUNCTIONS } from '../../../src/mapping/expression/index.js';

const span = { start: 0, end: 0 };
const BINARY_OPS: BinaryOp[] = ['or', 'and', '==', '!=', '<', '<=', '>', '>=', '+'];
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

const segmentText = fc.oneof(
  fc.constantFrom('a', 'b', 'name', 'attrs', 'x_1', 'true', 'null', 'and', 'lower', '部门', 'key with space', '', '0', 'a-b', '$x', 'é'),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
).filter((s) => !FORBIDDEN.has(s));

const identifier = fc.oneof(
  fc.constantFrom(...FUNCTIONS.map((f) => f.name)),
  fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/),
).filter((s) => !['and', 'or', 'not', 'true', 'false', 'null'].includes(s));

const literal: fc.Arbitrary<Node> = fc
  .oneof(
    fc.string({ maxLength: 8 }),
    fc.string({ unit: 'binary', maxLength: 4 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: -1000, max: 1000 }),
    fc.boolean(),
    fc.constant(null),
  )
  .map((value) => ({ kind: 'literal', value, span }));

const pathNode: fc.Arbitrary<Node> = fc
  .tuple(segmentText, fc.array(fc.oneof(segmentText, fc.nat({ max: 1_000_000 })), { maxLength: 3 }))
  .map(([first, rest]) => ({ kind: 'path', segments: [first, ...rest], span }));

const isNumberLiteral = (n: Node) => n.kind === 'literal' && typeof n.value === 'number';

/** Any tree the parser can produce (it folds -<number> into a literal, so neg never wraps a number literal). */
export const nodeArb: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    literal,
    pathNode,
    fc.tuple(identifier, fc.array(tie('node'), { maxLength: 4 })).map(([name, args]): Node => ({ kind: 'call', name, args, nameSpan: span, span })),
    fc.tuple(fc.constantFrom('not' as const, 'neg' as const), tie('node'))
      .filter(([op, operand]) => !(op === 'neg' && isNumberLiteral(operand)))
      .map(([op, operand]): Node => ({ kind: 'unary', op, operand, span })),
    fc.tuple(fc.constantFrom(...BINARY_OPS), tie('node'), tie('node')).map(([op, left, right]): Node => ({ kind: 'binary', op, left, right, opSpan: span, span })),
  ),
})).node;

// ---- expressions that call the built-ins with a valid number of arguments

const PATTERNS = ['a+', '^(\\w+)@', '\\d', '(a|b)*c', '[^ ]+$', '(?i)x', ''];
const ctxPath = fc.constantFrom(['s'], ['n'], ['b'], ['nil'], ['missing'], ['o', 'x'], ['o', 'y', 'z'], ['l', 0], ['l', 1], ['any'], ['any', 'k'], ['any', 0]);

export const exprArb: fc.Arbitrary<Node> = fc.letrec<{ expr: Node }>((tie) => {
  const leaf = fc.oneof(
    literal,
    ctxPath.map((segments): Node => ({ kind: 'path', segments: [...segments], span })),
  );
  const call = fc.constantFrom(...FUNCTIONS).chain((f) =>
    fc.integer({ min: f.minArgs, max: Math.min(f.maxArgs, f.minArgs + 3) }).chain((n) =>
      fc
        .tuple(
          ...Array.from({ length: n }, (_, i) => {
            const p = f.params[Math.min(i, f.params.length - 1)]!;
            if (p.literal) return fc.constantFrom(...PATTERNS).map((value): Node => ({ kind: 'literal', value, span }));
            if (f.name === 'date' && i === 1) return fc.constantFrom('YYYY-MM-DD', 'HH:mm Z', '[x]YY').map((value): Node => ({ kind: 'literal', value, span }));
            if (f.name === 'date' && i === 2) return fc.constantFrom('+08:00', 'UTC').map((value): Node => ({ kind: 'literal', value, span }));
            if (f.name.startsWith('phone') && i === 1) return fc.constantFrom('CN', 'HK', '+852').map((value): Node => ({ kind: 'literal', value, span }));
            if (f.name.startsWith('phone') && i === 2) return fc.constantFrom('wecom', 'national').map((value): Node => ({ kind: 'literal', value, span }));
            return tie('expr');
          }),
        )
        .map((args): Node => ({ kind: 'call', name: f.name, args, nameSpan: span, span })),
    ),
  );
  return {
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      call,
      fc.tuple(fc.constantFrom('not' as const, 'neg' as const), tie('expr'))
        .filter(([op, operand]) => !(op === 'neg' && isNumberLiteral(operand)))
        .map(([op, operand]): Node => ({ kind: 'unary', op, operand, span })),
      fc.tuple(fc.constantFrom(...BINARY_OPS), tie('expr'), tie('expr')).map(([op, left, right]): Node => ({ kind: 'binary', op, left, right, opSpan: span, span })),
    ),
  };
}).expr;

/** Contexts with the paths exprArb reads, holding any kind of value. */
export const contextArb = fc.record(
  {
    s: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('13800000000', '+852 91234567', '2024-03-01T09:30:00Z', 'a@b.com', 'aaab')),
    n: fc.oneof(fc.integer(), fc.double()),
    b: fc.boolean(),
    nil: fc.constant(null),
    o: fc.anything(),
    l: fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 3 }),
    any: fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withBoxedValues: true, withSparseArray: true }),
  },
  { requiredKeys: [] },
);

/** Token soup: sequences of the language's tokens, mostly ungrammatical. */
export const tokenSoupArb = fc
  .array(
    fc.constantFrom(
      '(', ')', '[', ']', ',', '.', '+', '-', '==', '!=', '<', '<=', '>', '>=', 'and', 'or', 'not', 'true', 'false', 'null',
      'a', 'attrs', 'lower', 'concat', 'if', 'regex_replace', 'phone', 'date', '"s"', "'t'", '"\\u00e9"', '"(a+)+"', '1', '2.5', '1e3', ' ', '\n',
      '"', '\\', '=', '!', '&&', '（', '__proto__', '["k"]', '[0]', '"YYYY"',
    ),
    { maxLength: 40 },
  )
  .map((xs) => xs.join(''));
