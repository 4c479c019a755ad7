// Inputs at the limits of the expression language, shared by the unit tests (which check what each
// gives) and bench/expression-limits.bench.ts (which times them).

/** Sources nested deeper than LIMITS.maxDepth, each within the source length limit: E_TOO_DEEP. */
export const TOO_DEEP: Array<[what: string, source: string]> = [
  ['parentheses', '('.repeat(900) + 'a' + ')'.repeat(900)],
  ['calls', 'lower('.repeat(250) + 'a' + ')'.repeat(250)],
  ['a left-leaning + chain', Array.from({ length: 900 }, () => 'a').join('+')],
  ['not not not …', 'not '.repeat(450) + 'a'],
  ['unary minus', '-'.repeat(1_500) + 'a'],
  ['nested if', 'if(a, '.repeat(150) + '1' + ', 2)'.repeat(150)],
];

/** Patterns that take exponential or high-polynomial time in a backtracking engine. */
export const EVIL_PATTERNS = [
  '(a+)+$',
  '(a|a)*b',
  '(a*)*b',
  '(a|aa)+$',
  '^(\\w+\\s?)*$',
  '(.*a){20}',
  '\\d*\\d*\\d*\\d*\\d*x',
  '^(([a-z])+.)+[A-Z]([a-z])+$',
  '(x+x+)+y',
];

/** 10,000-character inputs for them. */
export const EVIL_INPUTS = ['a'.repeat(9_999) + '!', '1'.repeat(10_000), 'ab '.repeat(3_000) + '!', 'x'.repeat(5_000)];

/** The input of the worst regex evaluations below: 10,000 characters. */
export const LONG_A = 'a'.repeat(9_999) + '!';

/** Twenty nested catastrophic-for-backtracking replacements: linear in RE2, so they just run (gives LONG_A back). */
export const NESTED_REPLACEMENTS = 'regex_replace('.repeat(20) + 's' + ', "(a|aa)+$", "b")'.repeat(20);

/**
 * RE2 finds each match in linear time, but a pattern whose every match first scans to the end of
 * the input is quadratic over all its matches: on LONG_A the time budget stops it (E_REGEX_UNSAFE).
 */
export const QUADRATIC_REPLACEMENT = 'regex_replace(s, "(?:.*x)?a", "b")';

/** Thirty of them: each finishes on 2,500 characters, together they exceed the budget of one evaluation. */
export const MANY_QUADRATIC_REPLACEMENTS = `concat(${Array.from({ length: 30 }, () => QUADRATIC_REPLACEMENT).join(', ')})`;
