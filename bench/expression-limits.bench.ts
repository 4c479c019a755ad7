// Expression-language limits benchmark: how long the worst inputs the limits allow take to compile
// or evaluate (test/mapping/expression/worst-cases.ts; the unit tests check what each gives).
// Each figure is the slowest of its group, against the goal the limits are meant to keep.
// Run: npm run bench -- expression-limits   (or: node --import tsx bench/expression-limits.bench.ts)
import fc from 'fast-check';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { ExpressionError, compile, evaluate } from '../src/mapping/expression/index.js';
import { tokenSoupArb } from '../test/mapping/expression/arbitraries.js';
import {
  EVIL_INPUTS,
  EVIL_PATTERNS,
  LONG_A,
  MANY_QUADRATIC_REPLACEMENTS,
  NESTED_REPLACEMENTS,
  QUADRATIC_REPLACEMENT,
  TOO_DEEP,
} from '../test/mapping/expression/worst-cases.js';

/** Milliseconds fn takes; an ExpressionError is an expected outcome here. */
function timed(fn: () => unknown): number {
  const started = performance.now();
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ExpressionError)) throw e;
  }
  return performance.now() - started;
}

const slowest = (cases: Array<() => unknown>): number => Math.max(...cases.map(timed));

export async function run(): Promise<Record<string, unknown>> {
  const soups = fc.sample(tokenSoupArb, { numRuns: 5_000, seed: 1 });
  const groups: Array<{ name: string; goalMs: number; cases: Array<() => unknown> }> = [
    { name: 'deep nesting refused (E_TOO_DEEP)', goalMs: 500, cases: TOO_DEEP.map(([, src]) => () => compile(src)) },
    { name: 'source over the length limit refused', goalMs: 500, cases: [() => compile('"' + 'x'.repeat(5_000_000) + '"')] },
    { name: 'token soup compiled (5,000 random sources)', goalMs: 200, cases: soups.map((s) => () => compile(s)) },
    {
      name: 'backtracking-evil patterns on 10,000 characters',
      goalMs: 1_500,
      cases: EVIL_PATTERNS.flatMap((p) => EVIL_INPUTS.map((s) => () => evaluate(`regex_replace(s, ${JSON.stringify(p)}, "#")`, { s }))),
    },
    { name: 'twenty nested replacements on 10,000 characters', goalMs: 3_000, cases: [() => evaluate(NESTED_REPLACEMENTS, { s: LONG_A })] },
    { name: 'quadratic replacement stopped by its time budget', goalMs: 1_500, cases: [() => evaluate(QUADRATIC_REPLACEMENT, { s: LONG_A })] },
    { name: 'thirty quadratic replacements on 2,500 characters, stopped by a budget', goalMs: 3_000, cases: [() => evaluate(MANY_QUADRATIC_REPLACEMENTS, { s: 'a'.repeat(2_500) })] },
  ];
  const figures: Record<string, unknown> = { load: Number(loadavg()[0]!.toFixed(2)) };
  for (const g of groups) {
    const ms = Math.round(slowest(g.cases));
    figures[g.name] = { slowestMs: ms, goalMs: g.goalMs };
    console.log(`  ${g.name}: slowest ${ms} ms (goal < ${g.goalMs} ms)${ms < g.goalMs ? '' : '  ← over the goal'}`);
  }
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
