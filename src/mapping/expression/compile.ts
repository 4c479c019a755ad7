// compile(): parse, then check every call against the registry (unknown functions, arity,
// literal-only arguments, literal argument types, function-specific checks such as regex
// patterns and date formats), so these are compile-time errors with positions.
import { type CallNode, type Node, type PathSegment, walk } from './ast.js';
import { type ErrorCode, ExpressionError } from './errors.js';
import { Evaluator } from './evaluator.js';
import { FUNCTIONS, lookupFunction } from './functions/index.js';
import type { CallContext } from './functions/types.js';
import { parse } from './parser.js';
import { print, printPath } from './printer.js';
import type { Value } from './values.js';

/** Context of an evaluation: the directory object as plain JSON. */
export type Context = Record<string, unknown>;

export class CompiledExpression {
  /** Attribute paths the expression reads, in canonical text form (`attrs.cost_center`, `attrs["a b"]`), sorted. */
  readonly paths: readonly string[];
  /** The same paths as segment lists, in the same order. */
  readonly pathSegments: readonly (readonly PathSegment[])[];

  constructor(readonly source: string, readonly ast: Node) {
    const byText = new Map<string, PathSegment[]>();
    walk(ast, (n) => {
      if (n.kind === 'path') byText.set(printPath(n.segments), n.segments);
    });
    const sorted = [...byText.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.paths = Object.freeze(sorted.map(([t]) => t));
    this.pathSegments = Object.freeze(sorted.map(([, s]) => Object.freeze([...s])));
    Object.freeze(this);
  }

  /** Evaluates against a context. Throws ExpressionError (runtime codes: E_TYPE, E_NUMBER, E_STRING_TOO_LONG, E_REGEX_UNSAFE, E_PHONE_INVALID…). */
  evaluate(context: Context): Value {
    return new Evaluator(this.source, context).evalNode(this.ast);
  }

  /**
   * True if a change at `changed` (segments, e.g. ['attrs', 'nickname'], or ['attrs'] for the whole
   * map) can change the result: some path read is equal to it, inside it, or contains it.
   */
  dependsOn(changed: readonly PathSegment[]): boolean {
    return this.pathSegments.some((p) => {
      const n = Math.min(p.length, changed.length);
      for (let i = 0; i < n; i++) if (p[i] !== changed[i]) return false;
      return true;
    });
  }

  /** Canonical source (see print()). */
  toString(): string {
    return print(this.ast);
  }
}

/** Parses and checks an expression. Throws ExpressionError with a position. */
export function compile(source: string): CompiledExpression {
  const ast = parse(source);
  walk(ast, (n) => {
    if (n.kind === 'call') checkCall(source, n);
  });
  return new CompiledExpression(source, ast);
}

/** Compiles and evaluates in one step. */
export function evaluate(source: string, context: Context): Value {
  return compile(source).evaluate(context);
}

/** The compile error of an expression, or null if it compiles (for editors). */
export function validate(source: string): ExpressionError | null {
  try {
    compile(source);
    return null;
  } catch (e) {
    if (e instanceof ExpressionError) return e;
    throw e;
  }
}

function checkCall(source: string, node: CallNode): void {
  function fail(code: ErrorCode, message: string, at: { start: number; end: number }, params?: Record<string, string>): never {
    throw new ExpressionError(code, message, source, at.start, at.end - at.start, params);
  }
  const fn = lookupFunction(node.name);
  if (!fn) {
    const hint = suggest(node.name);
    fail('E_UNKNOWN_FUNCTION', `unknown function ${node.name}()${hint ? `; did you mean ${hint}()?` : ''}`, node.nameSpan, hint ? { name: node.name, hint } : { name: node.name });
  }
  const { def, info } = fn;
  const n = node.args.length;
  if (n < info.minArgs || n > info.maxArgs) {
    const want = info.minArgs === info.maxArgs ? `${info.minArgs}` : info.maxArgs === info.minArgs + 1 ? `${info.minArgs} or ${info.maxArgs}` : `${info.minArgs} to ${info.maxArgs}`;
    const at = n > info.maxArgs ? node.args[info.maxArgs]!.span : node.span;
    fail('E_ARITY', `${info.signature} takes ${want} argument${info.maxArgs === 1 ? '' : 's'}, not ${n}`, at);
  }
  // Same rule as the evaluator: a null subject of a text function gives null; other nulls are type errors.
  const nullIn = !def.lazy && (def.nullIn ?? def.params[0]?.type === 'text');
  node.args.forEach((arg, i) => {
    const p = def.params[Math.min(i, def.params.length - 1)]!;
    if (p.literal && !(arg.kind === 'literal' && typeof arg.value === 'string'))
      fail('E_ARG_LITERAL', `${node.name}(): ${p.name} must be written as a "string" literal`, arg.span);
    if (arg.kind !== 'literal' || p.type === 'any') return;
    const v = arg.value;
    if (v === null) {
      if (i > 0 || !nullIn) fail('E_TYPE', `${node.name}(): ${p.name} cannot be null`, arg.span);
    } else if (p.type === 'integer' && !(typeof v === 'number' && Number.isInteger(v))) {
      fail('E_TYPE', `${node.name}(): ${p.name} must be a whole number`, arg.span);
    }
  });
  if (def.check) {
    const cx: CallContext = {
      fail: (code, message, argIndex) =>
        fail(code, `${node.name}(): ${message}`, argIndex !== undefined && node.args[argIndex] ? node.args[argIndex].span : node.span),
      budget: { regexMs: 0 },
    };
    def.check(node.args, cx);
  }
}

const ALIASES: Record<string, string> = {
  substr: 'substring', lowercase: 'lower', tolower: 'lower', uppercase: 'upper', toupper: 'upper',
  nvl: 'coalesce', ifnull: 'coalesce', iif: 'if', len: 'length', strlen: 'length', mobile: 'phone',
  format_date: 'date', date_format: 'date', regexp_replace: 'regex_replace', replace_all: 'replace',
};

function suggest(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (Object.hasOwn(ALIASES, lower)) return ALIASES[lower];
  let best: string | undefined;
  let bestD = 3;
  for (const f of FUNCTIONS) {
    const d = distance(lower, f.name);
    if (d < bestD) [best, bestD] = [f.name, d];
  }
  return best;
}

/** Levenshtein distance, for "did you mean". Names are short (< 64 characters after the length check). */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || a.length > 64) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
