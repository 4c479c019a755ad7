// Inline styles more than one page uses.

/** Monospace text: expressions, ids, PEM, host:port lists. */
export const mono = { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' };
