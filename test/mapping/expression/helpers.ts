import { expect } from 'vitest';
import { type Node, ExpressionError, compile, evaluate } from '../../../src/mapping/expression/index.js';

/** Runs fn and returns the ExpressionError it throws (fails the test if it throws something else or nothing). */
function errorOf(fn: () => unknown): ExpressionError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ExpressionError);
    return e as ExpressionError;
  }
  throw new Error('expected an ExpressionError, but nothing was thrown');
}

export const compileError = (source: string): ExpressionError => errorOf(() => compile(source));
export const evalError = (source: string, ctx: Record<string, unknown> = {}): ExpressionError => errorOf(() => evaluate(source, ctx));

/** A tree without source positions, for comparing trees parsed from different texts. */
export function strip(node: Node): unknown {
  switch (node.kind) {
    case 'literal':
      return { kind: 'literal', value: node.value };
    case 'path':
      return { kind: 'path', segments: node.segments };
    case 'call':
      return { kind: 'call', name: node.name, args: node.args.map(strip) };
    case 'unary':
      return { kind: 'unary', op: node.op, operand: strip(node.operand) };
    case 'binary':
      return { kind: 'binary', op: node.op, left: strip(node.left), right: strip(node.right) };
  }
}
