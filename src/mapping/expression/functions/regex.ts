// Regular-expression functions on re2js (Google's RE2, linear-time matching), through ../re2.ts,
// which checks the language's pattern syntax and rewrites it for RE2. Patterns must be string
// literals, so every pattern is parsed and size-checked when the expression is compiled.
import type { Node } from '../ast.js';
import { LIMITS } from '../limits.js';
import { type CompiledRegex, RegexError, compileRegex, parseTemplate } from '../re2.js';
import { checkLength } from './strings.js';
import type { CallContext, FunctionDef } from './types.js';

function regex(pattern: string, cx: CallContext): CompiledRegex {
  try {
    return compileRegex(pattern);
  } catch (e) {
    if (e instanceof RegexError) cx.fail(e.code, e.message, 1);
    throw e;
  }
}

const overBudget = (cx: CallContext): never =>
  cx.fail(
    'E_REGEX_UNSAFE',
    `regular-expression work exceeded its time budget (${LIMITS.maxRegexTimeMs} ms per call, ${LIMITS.maxRegexTimePerEvaluationMs.toLocaleString('en-US')} ms per evaluation); the pattern probably re-scans the input for every match: simplify it or shorten the input`,
  );

/**
 * Runs fn, which calls `more()` before each search after the first. RE2 makes each search linear
 * in the input, but many matches that each scan to the end of the input add up to quadratic
 * time, so `more()` stops the call once it has used its share of the evaluation's time budget.
 * The time spent is taken from that budget.
 */
function timed<T>(cx: CallContext, fn: (more: () => void) => T): T {
  if (cx.budget.regexMs <= 0) overBudget(cx);
  const started = performance.now();
  const limit = Math.min(LIMITS.maxRegexTimeMs, cx.budget.regexMs);
  try {
    return fn(() => {
      if (performance.now() - started > limit) overBudget(cx);
    });
  } finally {
    cx.budget.regexMs -= performance.now() - started;
  }
}

const literalString = (node: Node | undefined): string | undefined =>
  node?.kind === 'literal' && typeof node.value === 'string' ? node.value : undefined;

function checkPattern(args: readonly Node[], cx: CallContext): CompiledRegex | undefined {
  const p = literalString(args[1]);
  return p === undefined ? undefined : regex(p, cx);
}

const PATTERN_DOC_EN = 'pattern is a string literal in a safe regular-expression subset (see the language reference); matching uses RE2 and takes linear time.';
const PATTERN_DOC_ZH = 'pattern 必须是字符串字面量，使用安全的正则子集（见语言参考），由 RE2 匹配，耗时与输入长度成线性关系。';

export const REGEX_FUNCTIONS: FunctionDef[] = [
  {
    name: 'regex_replace',
    family: 'regex',
    params: [
      { name: 'text', type: 'text' },
      { name: 'pattern', type: 'text', literal: true },
      { name: 'replacement', type: 'text' },
    ],
    returns: 'string | null',
    doc: {
      en: `Replaces every match of pattern in text. In replacement, $1…$99 insert a group, $& the whole match, $$ a dollar sign. ${PATTERN_DOC_EN}`,
      zh: `将 text 中所有匹配 pattern 的部分替换。replacement 中 $1…$99 表示分组，$& 表示整个匹配，$$ 表示美元符号。${PATTERN_DOC_ZH}`,
    },
    examples: [
      { expression: 'regex_replace(email, "@old\\\\.com$", "@new.com")', context: { email: 'a@old.com' }, result: 'a@new.com' },
      { expression: 'regex_replace("Zhang San", "(\\\\w+) (\\\\w+)", "$2 $1")', result: 'San Zhang' },
    ],
    check(args, cx) {
      const re = checkPattern(args, cx);
      const template = literalString(args[2]);
      if (re && template !== undefined) {
        try {
          parseTemplate(template, re.groups, true);
        } catch (e) {
          if (e instanceof RegexError) cx.fail(e.code, e.message, 2);
          throw e;
        }
      }
    },
    call([text, pattern, replacement], cx) {
      const re = regex(pattern as string, cx);
      const parts = parseTemplate(replacement as string, re.groups, false);
      const input = text as string;
      return timed(cx, (more) => {
        // RE2's boolean test runs on its DFA, much faster than a search that tracks groups.
        if (!re.re.test(input)) return input;
        const m = re.re.matcher(input);
        let out = '';
        let lastEnd = 0;
        let from = 0;
        while (from <= input.length && m.find(from)) {
          const [start, end] = [m.start(), m.end()];
          out += input.slice(lastEnd, start);
          for (const part of parts) out += typeof part === 'string' ? part : (m.group(part) ?? '');
          checkLength(out, cx);
          lastEnd = end;
          // After an empty match, step over one whole character (both halves of a surrogate pair).
          from = end === start ? end + ((input.codePointAt(end) ?? 0) > 0xffff ? 2 : 1) : end;
          more();
        }
        return checkLength(out + input.slice(lastEnd), cx);
      });
    },
  },
  {
    name: 'regex_match',
    family: 'regex',
    params: [
      { name: 'text', type: 'text' },
      { name: 'pattern', type: 'text', literal: true },
    ],
    returns: 'boolean | null',
    doc: {
      en: `True if pattern matches somewhere in text (use ^ and $ to match the whole text). ${PATTERN_DOC_EN}`,
      zh: `若 text 中有部分匹配 pattern 则为 true（用 ^ 和 $ 匹配整个文本）。${PATTERN_DOC_ZH}`,
    },
    examples: [{ expression: 'regex_match(employee_number, "^E\\\\d{5}$")', context: { employee_number: 'E12345' }, result: true }],
    check: (args, cx) => void checkPattern(args, cx),
    call([text, pattern], cx) {
      const re = regex(pattern as string, cx);
      return timed(cx, () => re.re.test(text as string));
    },
  },
  {
    name: 'regex_extract',
    family: 'regex',
    params: [
      { name: 'text', type: 'text' },
      { name: 'pattern', type: 'text', literal: true },
      { name: 'group', type: 'integer', optional: true },
    ],
    returns: 'string | null',
    doc: {
      en: `The first match of pattern in text, or its capture group number group (default 0, the whole match); null if there is no match or the group did not take part. ${PATTERN_DOC_EN}`,
      zh: `返回 text 中 pattern 的第一个匹配，或其第 group 个分组（默认 0，即整个匹配）；无匹配或该分组未参与匹配时返回 null。${PATTERN_DOC_ZH}`,
    },
    examples: [{ expression: 'regex_extract("dept-0042-cn", "-(\\\\d+)-", 1)', result: '0042' }],
    check(args, cx) {
      const re = checkPattern(args, cx);
      const g = args[2];
      if (re && g?.kind === 'literal' && typeof g.value === 'number' && (g.value < 0 || g.value > re.groups))
        cx.fail('E_REGEX_INVALID', `group ${g.value} does not exist; the pattern has ${re.groups} group${re.groups === 1 ? '' : 's'}`, 2);
    },
    call([text, pattern, group], cx) {
      const re = regex(pattern as string, cx);
      const g = group === undefined ? 0 : (group as number);
      if (g < 0 || g > re.groups) cx.fail('E_REGEX_INVALID', `group ${g} does not exist; the pattern has ${re.groups} group${re.groups === 1 ? '' : 's'}`, 2);
      return timed(cx, () => {
        if (!re.re.test(text as string)) return null;
        const m = re.re.matcher(text as string);
        return m.find(0) ? m.group(g) : null;
      });
    },
  },
];
