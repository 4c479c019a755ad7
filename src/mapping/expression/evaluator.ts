// Evaluator: walks a checked syntax tree over a plain JSON context. No loops over user data
// other than the bounded string functions; recursion depth is bounded by LIMITS.maxDepth.
import type { BinaryNode, CallNode, Node, PathSegment } from './ast.js';
import { FORBIDDEN_SEGMENTS } from './ast.js';
import { type ErrorCode, ExpressionError } from './errors.js';
import { lookupFunction } from './functions/index.js';
import type { CallContext } from './functions/types.js';
import { LIMITS } from './limits.js';
import { type Value, describe, toText, truthy, typeOf } from './values.js';

export class Evaluator {
  private readonly budget = { regexMs: LIMITS.maxRegexTimePerEvaluationMs };

  constructor(private readonly source: string, private readonly context: unknown) {}

  private fail(code: ErrorCode, message: string, node: { span: { start: number; end: number } }): never {
    throw new ExpressionError(code, message, this.source, node.span.start, node.span.end - node.span.start);
  }

  private checked(v: Value, node: Node): Value {
    if (typeof v === 'string' && v.length > LIMITS.maxStringLength)
      this.fail('E_STRING_TOO_LONG', `value is longer than ${LIMITS.maxStringLength} characters`, node);
    return v;
  }

  evalNode(node: Node): Value {
    switch (node.kind) {
      case 'literal':
        return node.value;
      case 'path':
        return this.checked(this.readPath(node.segments, node), node);
      case 'call':
        return this.checked(this.call(node), node);
      case 'unary': {
        const v = this.evalNode(node.operand);
        if (node.op === 'not') return !truthy(v);
        if (v === null) return null;
        if (typeof v !== 'number') this.fail('E_TYPE', `unary - needs a number, not ${describe(v)}`, node);
        return -v;
      }
      case 'binary':
        return this.checked(this.binary(node), node);
    }
  }

  private readPath(segments: readonly PathSegment[], node: Node): Value {
    let cur: unknown = this.context;
    for (const seg of segments) {
      if (cur === null || typeof cur !== 'object') return null;
      if (typeof seg === 'number') {
        if (!Array.isArray(cur) || seg >= cur.length) return null;
      } else if (Array.isArray(cur) || FORBIDDEN_SEGMENTS.has(seg) || !isPlainObject(cur)) {
        return null;
      }
      // Own data properties only: no prototype chain, no getters.
      const desc = Object.getOwnPropertyDescriptor(cur, typeof seg === 'number' ? String(seg) : seg);
      if (!desc || !('value' in desc)) return null;
      cur = desc.value;
    }
    return this.leaf(cur, segments, node);
  }

  private leaf(v: unknown, segments: readonly PathSegment[], node: Node): Value {
    switch (typeof v) {
      case 'undefined':
        return null;
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        if (!Number.isFinite(v)) this.fail('E_TYPE', `attribute ${pathText(segments)} is ${v}, not a finite number`, node);
        return v;
      case 'object':
        if (v === null) return null;
        if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString();
        this.fail('E_TYPE', `attribute ${pathText(segments)} is ${Array.isArray(v) ? 'a list' : 'an object'}, not a single value; name one of its items`, node);
        break;
      default:
        this.fail('E_TYPE', `attribute ${pathText(segments)} holds a ${typeof v}, which expressions cannot read`, node);
    }
    return null;
  }

  private call(node: CallNode): Value {
    const fn = lookupFunction(node.name);
    if (!fn) this.fail('E_UNKNOWN_FUNCTION', `unknown function ${node.name}()`, node);
    const cx: CallContext = {
      fail: (code, message, argIndex) => {
        const at = argIndex !== undefined && node.args[argIndex] ? node.args[argIndex] : node;
        this.fail(code, `${node.name}(): ${message}`, at);
      },
      budget: this.budget,
    };
    const { def } = fn;
    if (def.lazy) return def.call(node.args.map((a) => () => this.evalNode(a)), cx);
    const raw = node.args.map((a) => this.evalNode(a));
    const params = def.params;
    const nullIn = def.nullIn ?? params[0]?.type === 'text';
    if (nullIn && raw[0] === null) return null;
    const args: Value[] = raw.map((v, i) => {
      const p = params[Math.min(i, params.length - 1)]!;
      const argNode = node.args[i]!;
      if (p.type === 'any') return v;
      if (v === null) this.fail('E_TYPE', `${node.name}(): argument ${p.name} is null`, argNode);
      if (p.type === 'integer') {
        if (typeof v !== 'number' || !Number.isInteger(v))
          this.fail('E_TYPE', `${node.name}(): argument ${p.name} must be a whole number, not ${describe(v)}`, argNode);
        return v;
      }
      return toText(v);
    });
    return def.call(args, cx);
  }

  private binary(node: BinaryNode): Value {
    if (node.op === 'and') return truthy(this.evalNode(node.left)) && truthy(this.evalNode(node.right));
    if (node.op === 'or') return truthy(this.evalNode(node.left)) || truthy(this.evalNode(node.right));
    const a = this.evalNode(node.left);
    const b = this.evalNode(node.right);
    switch (node.op) {
      case '==':
        return a === b;
      case '!=':
        return a !== b;
      case '+': {
        if (a === null || b === null) return null;
        if (typeof a === 'number' && typeof b === 'number') {
          const sum = a + b;
          if (!Number.isFinite(sum)) this.fail('E_NUMBER', 'the sum is too large', node);
          return sum;
        }
        if (typeof a === 'string' || typeof b === 'string') return toText(a) + toText(b);
        return this.fail('E_TYPE', `+ adds two numbers or joins text, not ${typeOf(a)} and ${typeOf(b)}`, node);
      }
      default: {
        if (a === null || b === null) return false;
        if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')))
          this.fail('E_TYPE', `${node.op} compares two numbers or two strings, not ${describe(a)} and ${describe(b)}`, node);
        switch (node.op) {
          case '<': return a < b;
          case '<=': return a <= b;
          case '>': return a > b;
          default: return a >= b;
        }
      }
    }
  }
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function pathText(segments: readonly PathSegment[]): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}
