import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, FUNCTIONS, LIMITS, evaluate } from '../../../src/mapping/expression/index.js';

const readme = readFileSync(new URL('../../../src/mapping/expression/README.md', import.meta.url), 'utf8');

describe('the language reference stays true', () => {
  it('documents every function with its signature', () => {
    for (const f of FUNCTIONS) expect(readme).toContain(`| \`${f.signature}\` |`);
  });
  it('documents every error code', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(readme).toContain(`\`${code}\``);
  });
  it('states the limits the code enforces', () => {
    const n = (x: number) => x.toLocaleString('en-US');
    for (const v of [LIMITS.maxSourceLength, LIMITS.maxDepth, LIMITS.maxNodes, LIMITS.maxArgs, LIMITS.maxStringLength, LIMITS.maxRegexLength,
      LIMITS.maxRegexProgram, LIMITS.maxRegexTimeMs, LIMITS.maxRegexTimePerEvaluationMs, LIMITS.maxDateFormatLength])
      expect(readme).toContain(n(v));
  });
  it('gives examples that evaluate as shown', () => {
    const rows = readme.slice(readme.indexOf('## Examples')).split('\n').filter((l) => l.startsWith('| `'));
    expect(rows.length).toBeGreaterThan(8);
    for (const row of rows) {
      const [exprCell, ctxCell, resultCell] = row.split(' | ').map((c) => c.replace(/^\| /, ''));
      const exprs = exprCell!.split(' / ').map((e) => e.replace(/^`|`$/g, ''));
      const results = resultCell!.replace(/ \|$/, '').split(' / ').map((r) => JSON.parse(r.replace(/^`|`$/g, '')) as unknown);
      // Contexts are written as relaxed JSON (bare keys); quote the keys to parse them.
      const ctx = JSON.parse(ctxCell!.replace(/^`|`$/g, '').replace(/([{,]\s*)([A-Za-z_]\w*):/g, '$1"$2":')) as Record<string, unknown>;
      exprs.forEach((e, i) => expect(evaluate(e, ctx), e).toEqual(results[i]));
    }
  });
});
