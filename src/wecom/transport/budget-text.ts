// Rate budgets as people write them: `N/WINDOW` (e.g. 10000/60s, 200/1s, 150000/1h, 5/500ms), a
// bare window number being seconds; several windows separated by commas. Used by the simulator's
// flags and by a connection's budget override.
import type { Budget } from './rate-limiter.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** One window, or why the text is not one; a bare `N` takes `defaultWindowMs`. */
export function parseBudgetWindow(text: string, defaultWindowMs: number): Budget | { error: string } {
  const m = /^(\d+)(?:\/(\d+(?:\.\d+)?)(ms|s|m|h)?)?$/.exec(text.trim());
  if (!m) return { error: `"${text}": expected N or N/WINDOW such as 10000/60s, 200/1s or 5/500ms` };
  const count = Number(m[1]);
  const windowMs = m[2] === undefined ? defaultWindowMs : Number(m[2]) * (UNIT_MS[m[3] ?? 's'] as number);
  if (!(count >= 1) || !Number.isSafeInteger(count) || !Number.isFinite(windowMs) || windowMs < 1)
    return { error: `"${text}": count and window must be positive` };
  return { count, windowMs };
}

/** `DURATION`: e.g. 60s, 1s, 500ms, 1m, 1h; a bare number is seconds. */
export function parseDurationMs(text: string): number | { error: string } {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const ms = m ? Number(m[1]) * (UNIT_MS[m[2] ?? 's'] as number) : NaN;
  return ms >= 1 ? ms : { error: `"${text}": expected a duration such as 60s, 1s or 500ms` };
}

/** `10000/60s`, `150000/1h`, `5/500ms`. */
export function formatBudgetWindow(b: Budget): string {
  const w = b.windowMs;
  const unit = w % 3_600_000 === 0 ? `${w / 3_600_000}h` : w % 60_000 === 0 && w >= 60_000 ? `${w / 60_000}m` : w % 1000 === 0 ? `${w / 1000}s` : `${w}ms`;
  return `${b.count}/${unit}`;
}
