// Printer: syntax tree -> canonical source. parse(print(ast)) gives the same tree (spans aside).
import { type Node, type PathSegment, KEYWORDS, PRECEDENCE, isIdentifier, precedenceOf } from './ast.js';

/** Canonical source text of a tree: minimal parentheses, double-quoted strings, one space around binary operators. */
export function print(node: Node): string {
  switch (node.kind) {
    case 'literal':
      return printLiteral(node.value);
    case 'path':
      return printPath(node.segments);
    case 'call':
      return `${node.name}(${node.args.map((a) => print(a)).join(', ')})`;
    case 'unary': {
      const inner = wrap(node.operand, node.op === 'not' ? PRECEDENCE.not : PRECEDENCE.neg + 1);
      return node.op === 'not' ? `not ${inner}` : `-${inner}`;
    }
    case 'binary': {
      const p = precedenceOf(node);
      // Left-associative: the left side may be the same operator; comparisons do not chain.
      const leftMin = p === PRECEDENCE.compare ? p + 1 : p;
      return `${wrap(node.left, leftMin)} ${node.op} ${wrap(node.right, p + 1)}`;
    }
  }
}

function wrap(node: Node, minPrec: number): string {
  const s = print(node);
  return precedenceOf(node) < minPrec ? `(${s})` : s;
}

function printLiteral(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  return value ? 'true' : 'false';
}

/** `a.b["c d"][0]`; a first segment that is a keyword or not an identifier is written `["…"]`. */
export function printPath(segments: readonly PathSegment[]): string {
  let out = '';
  segments.forEach((seg, i) => {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (isIdentifier(seg) && (i > 0 || !KEYWORDS.has(seg))) out += i === 0 ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  });
  return out;
}
