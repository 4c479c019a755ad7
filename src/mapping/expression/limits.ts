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
  /**
   * Size of a compiled regular expression (RE2's program size, after expanding counted repetitions).
   * One search takes time proportional to program size × input length and cannot be interrupted.
   */
  maxRegexProgram: 1_000,
  /**
   * Milliseconds of regex searching for one function call, checked between matches. RE2 finds each
   * match in linear time, but a pattern whose every match scans on to the end of the input (such as
   * (?:.*x)?a) is quadratic over all the matches of a regex_replace.
   */
  maxRegexTimeMs: 250,
  /** Milliseconds of regex searching for all regex calls of one evaluation together. */
  maxRegexTimePerEvaluationMs: 1_000,
  /** Length of a date() format string. */
  maxDateFormatLength: 64,
} as const;
