// Recursive-descent (Pratt) parser: tokens -> syntax tree. Syntax only; function names and
// arities are checked by compile(). Bounded: source length, nesting depth and node count.
import {
  type BinaryOp, type Node, type PathSegment, type Span,
  COMPARISON_OPS, FORBIDDEN_SEGMENTS, PRECEDENCE,
} from './ast.js';
import { type ErrorCode, ExpressionError } from './errors.js';
import { type Token, type TokenType, tokenize } from './lexer.js';
import { LIMITS } from './limits.js';

// A Map, not an object literal: token text such as "constructor" must not find Object.prototype.
const INFIX: ReadonlyMap<string, { op: BinaryOp; prec: number }> = new Map([
  ['or', { op: 'or', prec: PRECEDENCE.or }],
  ['and', { op: 'and', prec: PRECEDENCE.and }],
  ['==', { op: '==', prec: PRECEDENCE.compare }],
  ['!=', { op: '!=', prec: PRECEDENCE.compare }],
  ['<', { op: '<', prec: PRECEDENCE.compare }],
  ['<=', { op: '<=', prec: PRECEDENCE.compare }],
  ['>', { op: '>', prec: PRECEDENCE.compare }],
  ['>=', { op: '>=', prec: PRECEDENCE.compare }],
  ['+', { op: '+', prec: PRECEDENCE['+'] }],
]);

/** Largest array index a path may name. */
const MAX_INDEX = 1_000_000;

/** Parses source into a syntax tree. Throws ExpressionError (and nothing else). */
export function parse(source: string): Node {
  if (typeof source !== 'string') throw new ExpressionError('E_TYPE', 'expression source must be a string', '', 0);
  if (source.length > LIMITS.maxSourceLength)
    throw new ExpressionError('E_SOURCE_TOO_LONG', `expression is ${source.length} characters long; the limit is ${LIMITS.maxSourceLength}`, source, LIMITS.maxSourceLength);
  return new Parser(source, tokenize(source)).parseAll();
}

class Parser {
  private pos = 0;
  private nodes = 0;
  private recursion = 0;
  private readonly depth = new WeakMap<Node, number>();

  constructor(private readonly source: string, private readonly tokens: Token[]) {}

  parseAll(): Node {
    const node = this.parseExpr(0);
    const t = this.peek();
    if (t.type !== 'eof') this.unexpected(t, 'expected an operator or the end of the expression');
    return node;
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    const t = this.tokens[this.pos]!;
    if (t.type !== 'eof') this.pos++;
    return t;
  }

  private fail(code: ErrorCode, message: string, at: { start: number; end: number }): never {
    throw new ExpressionError(code, message, this.source, at.start, at.end - at.start);
  }

  private unexpected(t: Token, expected: string): never {
    if (t.type === 'eof') this.fail('E_PARSE_UNEXPECTED_END', `unexpected end of expression: ${expected}`, t);
    const shown = t.type === 'string' ? 'string' : t.type === 'number' ? `number ${t.text}` : `'${t.text}'`;
    this.fail('E_PARSE_UNEXPECTED_TOKEN', `unexpected ${shown}: ${expected}`, t);
  }

  private expect(type: TokenType, expected: string): Token {
    const t = this.peek();
    if (t.type !== type) this.unexpected(t, expected);
    return this.next();
  }

  /** Registers a new node: counts it and checks the depth of the tree below it. */
  private make<T extends Node>(node: T, children: Node[]): T {
    if (++this.nodes > LIMITS.maxNodes)
      this.fail('E_TOO_COMPLEX', `expression has more than ${LIMITS.maxNodes} parts`, node.span);
    let d = 0;
    for (const c of children) d = Math.max(d, this.depth.get(c) ?? 1);
    if (d + 1 > LIMITS.maxDepth) this.fail('E_TOO_DEEP', `expression nests deeper than ${LIMITS.maxDepth} levels`, node.span);
    this.depth.set(node, d + 1);
    return node;
  }

  private parseExpr(minPrec: number): Node {
    if (++this.recursion > LIMITS.maxDepth) this.fail('E_TOO_DEEP', `expression nests deeper than ${LIMITS.maxDepth} levels`, this.peek());
    let left = this.parsePrefix();
    let lastComparison = false;
    for (;;) {
      const t = this.peek();
      const info = t.type === 'keyword' ? INFIX.get(t.text) : t.type === 'ident' || t.type === 'string' || t.type === 'number' ? undefined : INFIX.get(t.type);
      if (!info) {
        if (t.type === '.' || t.type === '[')
          this.unexpected(t, 'only attribute paths can be followed by . or [ ]');
        if (t.type === '(') this.unexpected(t, 'only a function name can be called');
        if (t.type === '-') this.unexpected(t, 'there is no subtraction; + adds numbers or joins text');
        break;
      }
      if (info.prec < minPrec) break;
      const isComparison = COMPARISON_OPS.has(info.op);
      if (isComparison && lastComparison)
        this.fail('E_PARSE_CHAINED_COMPARISON', `comparisons do not chain: write (a ${'<'} b) and (b ${'<'} c)`, t);
      this.next();
      // Left-associative operators parse their right side one level tighter; comparisons
      // do too, and a second comparison in a row is refused above.
      const right = this.parseExpr(info.prec + 1);
      left = this.make(
        { kind: 'binary', op: info.op, left, right, opSpan: { start: t.start, end: t.end }, span: { start: left.span.start, end: right.span.end } },
        [left, right],
      );
      lastComparison = isComparison;
    }
    this.recursion--;
    return left;
  }

  private parsePrefix(): Node {
    const t = this.next();
    const span: Span = { start: t.start, end: t.end };
    switch (t.type) {
      case 'number':
      case 'string':
        return this.make({ kind: 'literal', value: t.value!, span }, []);
      case 'keyword':
        if (t.text === 'true' || t.text === 'false') return this.make({ kind: 'literal', value: t.text === 'true', span }, []);
        if (t.text === 'null') return this.make({ kind: 'literal', value: null, span }, []);
        if (t.text === 'not') {
          const operand = this.parseExpr(PRECEDENCE.not);
          return this.make({ kind: 'unary', op: 'not', operand, span: { start: t.start, end: operand.span.end } }, [operand]);
        }
        return this.unexpected(t, 'expected a value');
      case '-': {
        const operand = this.parseExpr(PRECEDENCE.neg);
        const whole = { start: t.start, end: operand.span.end };
        // Fold -<number> into a negative literal, so -1 is a literal like 1.
        if (operand.kind === 'literal' && typeof operand.value === 'number') {
          this.nodes--;
          return this.make({ kind: 'literal', value: -operand.value, span: whole }, []);
        }
        return this.make({ kind: 'unary', op: 'neg', operand, span: whole }, [operand]);
      }
      case '(': {
        const inner = this.parseExpr(0);
        this.expect(')', "expected ')'");
        return inner;
      }
      case 'ident':
        if (this.peek().type === '(') return this.parseCall(t);
        return this.parsePath([this.segment(t.text, t)], t.start);
      case '[': {
        const key = this.expect('string', 'a path may start with ["name"]');
        const close = this.expect(']', "expected ']'");
        return this.parsePath([this.segment(key.value as string, key)], t.start, close.end);
      }
      default:
        return this.unexpected(t, 'expected a value');
    }
  }

  private segment(name: PathSegment, at: Span): PathSegment {
    if (typeof name === 'string' && FORBIDDEN_SEGMENTS.has(name))
      this.fail('E_PATH_FORBIDDEN', `'${name}' cannot be used in an attribute path`, at);
    return name;
  }

  private parsePath(segments: PathSegment[], start: number, end = this.tokens[this.pos - 1]!.end): Node {
    for (;;) {
      const t = this.peek();
      if (t.type === '.') {
        this.next();
        const name = this.next();
        if (name.type !== 'ident' && name.type !== 'keyword') this.unexpected(name, 'expected an attribute name after "."');
        segments.push(this.segment(name.text, name));
        end = name.end;
      } else if (t.type === '[') {
        this.next();
        const key = this.next();
        if (key.type === 'string') segments.push(this.segment(key.value as string, key));
        else if (key.type === 'number' && Number.isInteger(key.value) && (key.value as number) <= MAX_INDEX) segments.push(key.value as number);
        else this.unexpected(key, `expected a "name" or an index from 0 to ${MAX_INDEX} inside [ ]`);
        end = this.expect(']', "expected ']'").end;
      } else if (t.type === '(') {
        this.unexpected(t, 'only a function name can be called, not an attribute path');
      } else break;
    }
    return this.make({ kind: 'path', segments, span: { start, end } }, []);
  }

  private parseCall(name: Token): Node {
    this.next(); // (
    const args: Node[] = [];
    if (this.peek().type !== ')') {
      for (;;) {
        args.push(this.parseExpr(0));
        const t = this.peek();
        if (t.type === ',') {
          this.next();
          continue;
        }
        if (t.type === ')') break;
        this.unexpected(t, `expected ',' or ')' in the call of ${name.text}`);
      }
    }
    const close = this.next();
    return this.make(
      { kind: 'call', name: name.text, args, nameSpan: { start: name.start, end: name.end }, span: { start: name.start, end: close.end } },
      args,
    );
  }
}
