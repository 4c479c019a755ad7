// The mapping expression language: a small, safe language for computing WeCom fields from
// directory attributes. Pure: no I/O, no eval, bounded time. See README.md in this folder.
export { compile, evaluate, validate, CompiledExpression, type Context } from './compile.js';
export { parse } from './parser.js';
export { print } from './printer.js';
export { ExpressionError, ERROR_CODES } from './errors.js';
export { FUNCTIONS } from './functions/index.js';
export { LIMITS } from './limits.js';
export type { Value } from './values.js';
export type { Node, BinaryOp, PathSegment } from './ast.js';
export { normalizePhone, resolveRegion, PHONE_REGIONS } from './functions/phone.js';
