// The sync's texts in a language: plan reasons, warnings and run summaries carry codes with
// parameters (src/messages); the API renders them for `Accept-Language` (English by default, so
// scripts that read `reason` and `message` keep working).
import type { Note, PlanWarning, Reason } from '../../domain/plan.js';
import { type Lang, isMessageCode, render } from '../../messages/index.js';
import type { RunSummary } from '../state/runs.js';

const known = (n: Note | undefined): n is Note => n !== undefined && isMessageCode(n.code);

/** "cause (note)": English as the CLI prints it; other languages from the codes when they are known. */
export function reasonIn(reason: Pick<Reason, 'cause' | 'detail' | 'note'>, lang: Lang = 'en'): string {
  const english = reason.detail ? `${reason.cause} (${reason.detail})` : reason.cause;
  if (lang === 'en' || !isMessageCode(`cause.${reason.cause}`) || (reason.detail !== undefined && !known(reason.note))) return english;
  const cause = render({ code: `cause.${reason.cause}` }, lang);
  return reason.note ? `${cause}（${render(reason.note, lang)}）` : cause;
}

export function warningsIn(warnings: readonly PlanWarning[], lang: Lang = 'en'): PlanWarning[] {
  return lang === 'en' ? [...warnings] : warnings.map((w) => (known(w.note) ? { ...w, message: render(w.note, lang) } : w));
}

export function summaryIn(summary: RunSummary | null, lang: Lang = 'en'): RunSummary | null {
  return summary && lang !== 'en' && known(summary.note) ? { ...summary, message: render(summary.note, lang) } : summary;
}
