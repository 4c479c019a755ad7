// Shape of a built-in function. Functions are data: name, parameters, bilingual docs,
// examples, and an implementation that receives values (or, for lazy ones, thunks).
import type { Node } from '../ast.js';
import type { ErrorCode } from '../errors.js';
import type { Value } from '../values.js';

export type Family = 'strings' | 'logic' | 'regex' | 'phone' | 'date';

/**
 * `text`: a string (numbers and booleans are converted to text); `integer`: a whole number;
 * `any`: any value.
 */
type ParamType = 'text' | 'integer' | 'any';

export interface ParamInfo {
  name: string;
  type: ParamType;
  optional?: boolean;
  /** Takes any number of further arguments (up to LIMITS.maxArgs). */
  variadic?: boolean;
  /** Must be written as a literal in the source (e.g. a regex pattern), so it is checked at compile time. */
  literal?: boolean;
}

export interface FunctionInfo {
  name: string;
  family: Family;
  params: ParamInfo[];
  /** e.g. `substring(text, start, length?)`. */
  signature: string;
  minArgs: number;
  maxArgs: number;
  returns: string;
  doc: { en: string; zh: string };
  examples: { expression: string; context?: Record<string, unknown>; result: Value }[];
}

/** What an implementation may use: errors point at the call or at one of its arguments. */
export interface CallContext {
  fail(code: ErrorCode, message: string, argIndex?: number): never;
  /** Milliseconds of regex searching left for the whole evaluation; regex functions spend from it. */
  budget: { regexMs: number };
}

/** Checks literal arguments at compile time; throws through fail(). */
type CompileCheck = (args: readonly Node[], cx: CallContext) => void;

interface Base extends Omit<FunctionInfo, 'signature' | 'minArgs' | 'maxArgs'> {
  check?: CompileCheck;
}

export interface EagerFunction extends Base {
  lazy?: false;
  /** When true (the default for functions whose first parameter is `text`), a null first argument gives null without calling. */
  nullIn?: boolean;
  call(args: Value[], cx: CallContext): Value;
}

export interface LazyFunction extends Base {
  lazy: true;
  call(args: (() => Value)[], cx: CallContext): Value;
}

export type FunctionDef = EagerFunction | LazyFunction;
