// Syntax tree of the expression language. Plain data: it can be printed, compared and stored.

/** Half-open range of source offsets [start, end) in UTF-16 code units. */
export interface Span {
  start: number;
  end: number;
}

/** A segment of an attribute path: a property name or an array index. */
export type PathSegment = string | number;

export type Node = LiteralNode | PathNode | CallNode | UnaryNode | BinaryNode;

export interface LiteralNode {
  kind: 'literal';
  value: string | number | boolean | null;
  span: Span;
}

/** `a.b["c d"][0]`: read from the evaluation context. Segments are always static. */
export interface PathNode {
  kind: 'path';
  segments: PathSegment[];
  span: Span;
}

export interface CallNode {
  kind: 'call';
  name: string;
  args: Node[];
  /** Span of the function name alone, for errors about the function. */
  nameSpan: Span;
  span: Span;
}

type UnaryOp = 'not' | 'neg';

export interface UnaryNode {
  kind: 'unary';
  op: UnaryOp;
  operand: Node;
  span: Span;
}

export type BinaryOp = 'or' | 'and' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+';

export interface BinaryNode {
  kind: 'binary';
  op: BinaryOp;
  left: Node;
  right: Node;
  /** Span of the operator token. */
  opSpan: Span;
  span: Span;
}

/** Binding power of each operator; larger binds tighter. Shared by the parser and the printer. */
export const PRECEDENCE = {
  or: 10,
  and: 20,
  not: 30,
  compare: 40,
  '+': 50,
  neg: 60,
  atom: 100,
} as const;

export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set(['==', '!=', '<', '<=', '>', '>=']);

export function precedenceOf(node: Node): number {
  switch (node.kind) {
    case 'literal':
      // A negative number literal prints with a leading minus, so it binds like unary minus.
      return typeof node.value === 'number' && (node.value < 0 || Object.is(node.value, -0)) ? PRECEDENCE.neg : PRECEDENCE.atom;
    case 'path':
    case 'call':
      return PRECEDENCE.atom;
    case 'unary':
      return node.op === 'not' ? PRECEDENCE.not : PRECEDENCE.neg;
    case 'binary':
      if (node.op === 'or') return PRECEDENCE.or;
      if (node.op === 'and') return PRECEDENCE.and;
      if (node.op === '+') return PRECEDENCE['+'];
      return PRECEDENCE.compare;
  }
}

/** Words that cannot be used as the first segment of a path (use `["word"]` instead). */
export const KEYWORDS: ReadonlySet<string> = new Set(['and', 'or', 'not', 'true', 'false', 'null']);

const IDENT_RE = /^[\p{ID_Start}_$][\p{ID_Continue}$\u200c\u200d]*$/u;

/** True if `s` may be written as a bare identifier (after a dot, any such word is fine, keywords included). */
export function isIdentifier(s: string): boolean {
  return IDENT_RE.test(s);
}

/** Forbidden path segments: reading them could reach JavaScript internals. */
export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Walks the tree depth-first, parents before children. */
export function walk(node: Node, visit: (n: Node) => void): void {
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    visit(n);
    if (n.kind === 'call') for (let i = n.args.length - 1; i >= 0; i--) stack.push(n.args[i]!);
    else if (n.kind === 'unary') stack.push(n.operand);
    else if (n.kind === 'binary') stack.push(n.right, n.left);
  }
}
