// Hard limits that keep compiling and evaluating an expression small and fast.
// Every limit is enforced with an ExpressionError, never by hanging or by a stack overflow.

export const LIMITS = {
  /** Characters (UTF-16 code units) of expression source. */
  maxSourceLength: 2_000,
  /** Depth of the syntax tree: nesting of calls, operators and parentheses. */
  maxDepth: 48,
  /** Nodes of the syntax tree. */
  maxNodes: 500,
  /** Arguments of one variadic call (concat, coalesce). */
  maxArgs: 32,
  /** Length of any string read or produced during evaluation (UTF-16 code units). */
  maxStringLength: 10_000,
  /** Length of a regular-expression pattern. */
  maxRegexLength: 256,
  /** Instructions of a compiled regular expression, after expanding counted repetitions. */
  maxRegexProgram: 1_000,
  /** Largest count in a `{n,m}` repetition. */
  maxRegexRepeat: 100,
  /** Matcher steps for one regex function call, across all its matches. */
  maxRegexSteps: 1_000_000,
  /** Matcher steps for all regex calls of one evaluation together. */
  maxRegexStepsPerEvaluation: 2_000_000,
  /** Length of a date() format string. */
  maxDateFormatLength: 64,
} as const;
