// One compiled field expression of a mapping, with the speed-ups a 100k-account run needs:
//  - a constant expression (no attribute paths) is evaluated once, at compile time;
//  - results are memoised on the values of the paths the expression reads (expressions are
//    deterministic), which turns gender/enable/filters into a map lookup; the memo switches itself
//    off for expressions whose inputs rarely repeat (userid, mobile) and is bounded in size;
//  - a few default expressions have a native twin (see ./natives.ts), used only when the compiled
//    expression is exactly the default one and proven equivalent by a property test.
import { type CompiledExpression, type Context, ExpressionError, type Value } from '../expression/index.js';
import { nativeTwin } from './natives.js';

const MEMO_MAX_ENTRIES = 50_000;
const MEMO_PROBE = 2_000;
const MEMO_MIN_HIT_RATE = 0.3;

type Outcome = { ok: true; value: Value } | { ok: false; error: ExpressionError };

export class FieldExpression {
  private readonly constant: Outcome | undefined;
  private readonly bare: boolean;
  private readonly native: ((ctx: Context) => Value | undefined) | undefined;
  private memo: Map<unknown, Outcome> | null = new Map();
  /** The only path read, when there is exactly one: the memo is then keyed by its value itself. */
  private readonly single: readonly (string | number)[] | undefined;
  private lookups = 0;
  private hits = 0;

  constructor(
    /** Where the expression sits in the definition, e.g. `members.mobile`. */
    readonly path: string,
    readonly expression: CompiledExpression,
  ) {
    this.bare = expression.ast.kind === 'path' || expression.ast.kind === 'literal';
    this.native = nativeTwin(expression);
    if (expression.paths.length === 0) {
      try {
        this.constant = { ok: true, value: expression.evaluate({}) };
      } catch (e) {
        if (!(e instanceof ExpressionError)) throw e;
        this.constant = { ok: false, error: e };
      }
    }
    if (this.bare || this.native) this.memo = null;
    this.single = expression.pathSegments.length === 1 ? expression.pathSegments[0] : undefined;
  }

  /** The error of a constant expression that always fails (reported as a definition error). */
  get constantError(): ExpressionError | undefined {
    return this.constant && !this.constant.ok ? this.constant.error : undefined;
  }

  get source(): string {
    return this.expression.source;
  }

  /** Evaluates; throws ExpressionError exactly as CompiledExpression.evaluate would. */
  run(ctx: Context): Value {
    const c = this.constant;
    if (c) {
      if (c.ok) return c.value;
      throw c.error;
    }
    if (this.native) {
      const v = this.native(ctx);
      if (v !== undefined) return v;
      return this.expression.evaluate(ctx);
    }
    const memo = this.memo;
    if (memo === null) return this.expression.evaluate(ctx);
    const key = this.single ? readScalar(this.single, ctx) : memoKey(this.expression.pathSegments, ctx);
    if (key === undefined) return this.expression.evaluate(ctx);
    this.lookups++;
    let out = memo.get(key);
    if (out) {
      this.hits++;
    } else {
      try {
        out = { ok: true, value: this.expression.evaluate(ctx) };
      } catch (e) {
        if (!(e instanceof ExpressionError)) throw e;
        out = { ok: false, error: e };
      }
      // E_REGEX_UNSAFE at run time is a wall-clock budget: it may not happen again, so never remember it.
      if (memo.size < MEMO_MAX_ENTRIES && (out.ok || out.error.code !== 'E_REGEX_UNSAFE')) memo.set(key, out);
      if (this.lookups === MEMO_PROBE && this.hits < MEMO_PROBE * MEMO_MIN_HIT_RATE) this.memo = null;
    }
    if (out.ok) return out.value;
    throw out.error;
  }
}

/** The scalar at a path (Map keys keep types apart: "1" and 1 differ), or undefined if not a scalar. */
function readScalar(segs: readonly (string | number)[], ctx: Context): string | number | boolean | null | undefined {
  let cur: unknown = ctx;
  for (const seg of segs) {
    if (cur === null || typeof cur !== 'object') return null;
    const k = typeof seg === 'number' ? String(seg) : seg;
    if (Array.isArray(cur) !== (typeof seg === 'number') || !Object.hasOwn(cur, k)) return null;
    cur = (cur as Record<string, unknown>)[k];
  }
  if (cur === undefined) return null;
  const t = typeof cur;
  return cur === null || t === 'string' || t === 'number' || t === 'boolean' ? (cur as string | number | boolean | null) : undefined;
}

/**
 * A key that is equal for two contexts only if every path the expression reads gives the same
 * scalar in both. undefined (do not memoise) when a path ends at something else.
 */
function memoKey(paths: readonly (readonly (string | number)[])[], ctx: Context): string | undefined {
  let key = '';
  for (const segs of paths) {
    let cur: unknown = ctx;
    for (const seg of segs) {
      if (cur === null || typeof cur !== 'object') {
        cur = undefined;
        break;
      }
      const k = typeof seg === 'number' ? String(seg) : seg;
      if (Array.isArray(cur) !== (typeof seg === 'number') || !Object.hasOwn(cur, k)) {
        cur = undefined;
        break;
      }
      cur = (cur as Record<string, unknown>)[k];
    }
    switch (typeof cur) {
      case 'string':
        key += `s${cur.length}:${cur}`;
        break;
      case 'number':
        key += `n${cur};`;
        break;
      case 'boolean':
        key += cur ? 't' : 'f';
        break;
      case 'undefined':
        key += 'u';
        break;
      default:
        if (cur !== null) return undefined;
        key += 'z';
    }
  }
  return key;
}
