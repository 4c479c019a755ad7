// Native twins of default expressions. The default userid expression runs two regex replacements
// per account, which is most of a 100k-account mapping's time; its twin below computes the same
// value in plain JavaScript. A twin is used only when the compiled expression prints exactly as
// the default does, and it returns undefined (= evaluate the expression) for any input outside the
// plain case it handles. test/mapping/definitions/natives.test.ts proves twin ≡ expression on
// random inputs; if the language's semantics change, that test fails rather than the mapping.
import { type CompiledExpression, type Context, type Value, compile } from '../expression/index.js';
import { DEFAULT_USERID } from './default.js';

const NOT_USERID_CHAR = /[^a-z0-9_.-]/g;
const LEADING_NON_ALNUM = /^[^a-z0-9]+/;
const SURROGATE = /[\uD800-\uDFFF]/;

/** Twin of DEFAULT_USERID. */
export function defaultUseridNative(ctx: Context): Value | undefined {
  if (!Object.hasOwn(ctx, 'username')) return undefined;
  const u = ctx.username;
  if (u === null) return null;
  if (typeof u !== 'string' || u.length > 1000 || SURROGATE.test(u)) return undefined;
  const lowered = u.toLowerCase();
  if (SURROGATE.test(lowered)) return undefined;
  return lowered.replace(NOT_USERID_CHAR, '_').replace(LEADING_NON_ALNUM, '').slice(0, 64);
}

let twins: Map<string, (ctx: Context) => Value | undefined> | undefined;

/** The native twin of an expression, if it is one of the defaults that have one. */
export function nativeTwin(expression: CompiledExpression): ((ctx: Context) => Value | undefined) | undefined {
  twins ??= new Map([[String(compile(DEFAULT_USERID)), defaultUseridNative]]);
  return twins.get(String(expression));
}
