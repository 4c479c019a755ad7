// What the server says, as codes with parameters: one catalogue (./catalogue.ts) renders them in
// English (the CLI, the API's default) or Chinese (the console, `Accept-Language: zh`).
//
//   const note = msg('note.dept.new-id', { id: 7 });
//   render(note)        → "new department id 7 chosen by the planner"
//   render(note, 'zh')  → "规划器为新部门选定的 ID 7"
//
// A parameter may itself be a message (a clause that has variants of its own), rendered in the
// same language. The console imports this module and the catalogue as they are (they are pure),
// so the server and the console can never disagree about a text.
import { CATALOGUE, type MessageCode } from './catalogue.js';

export { CATALOGUE, type MessageCode };
export type Lang = 'en' | 'zh';

/** A parameter: a value, or a clause (any code: a stored note may carry one a newer server added). */
export type Param = string | number | { code: string; params?: Record<string, Param> };
export interface Message {
  code: MessageCode;
  params?: Record<string, Param>;
}

export function msg(code: MessageCode, params?: Record<string, Param>): Message {
  return params ? { code, params } : { code };
}

/** Plain parameters (a field error's). */
export type FlatParams = Record<string, string | number>;
/** Parameters of an error's text as the API sends them: values, or clauses (a field error's own text) with parameters of their own. */
export interface TextParams {
  [name: string]: string | number | { code: string; params?: TextParams };
}

/** An error's text as the API sends it: the English `message` beside its `code` and `params`. */
export interface CodedText<P extends TextParams = TextParams> {
  message: string;
  code: MessageCode;
  params?: P;
}

/** An error's text (an AppError's message and code) as a clause, or its message when it has no code. */
export function clauseOf(err: unknown): TextParams[string] {
  if (!(err instanceof Error)) return String(err);
  const { messageCode, params } = err as { messageCode?: unknown; params?: TextParams };
  return typeof messageCode === 'string' ? clause({ message: err.message, code: messageCode, ...(params ? { params } : {}) }) : err.message;
}

/** The English text of a code with its code and parameters kept, for a client to word it in its own language. */
export function coded<P extends TextParams = FlatParams>(code: MessageCode, params?: P): CodedText<P> {
  return params ? { message: render({ code, params }), code, params } : { message: render({ code }), code };
}

/** A text that may have a code (a field error, a row error) as a clause parameter: its code when it has one, else its text. */
export function clause(t: { message: string; code?: string | undefined; params?: TextParams | undefined }): TextParams[string] {
  return t.code !== undefined && isMessageCode(t.code) ? (t.params ? { code: t.code, params: t.params } : { code: t.code }) : t.message;
}

/** A code that is in the catalogue (server data may carry codes a newer server added). */
export function isMessageCode(code: string): code is MessageCode {
  return Object.hasOwn(CATALOGUE, code);
}

/** The text of a message (an unknown code renders as itself, so nothing is ever lost). */
export function render(m: { code: string; params?: Record<string, unknown> }, lang: Lang = 'en'): string {
  const entry = isMessageCode(m.code) ? CATALOGUE[m.code] : undefined;
  let text: string = entry ? entry[lang] : m.code;
  for (const [k, v] of Object.entries(m.params ?? {})) text = text.replaceAll(`{${k}}`, paramText(v, lang));
  return text;
}

/**
 * The text of a message in parts, for a client that shows some parameters as data (a network error
 * as the network said it, in a code span): a part is text, or `{ data }` for a parameter named in
 * `data` (at any depth of clauses).
 */
export function renderParts(m: { code: string; params?: Record<string, unknown> }, lang: Lang, data: ReadonlySet<string>): Array<string | { data: string }> {
  const entry = isMessageCode(m.code) ? CATALOGUE[m.code] : undefined;
  if (!entry) return [m.code];
  const out: Array<string | { data: string }> = [];
  const template: string = entry[lang];
  let last = 0;
  for (const match of template.matchAll(/\{(\w+)\}/g)) {
    const name = match[1]!;
    const params = m.params ?? {};
    if (!Object.hasOwn(params, name)) continue; // a placeholder without a value stays as written
    out.push(template.slice(last, match.index));
    const v = params[name];
    if (data.has(name)) out.push({ data: paramText(v, lang) });
    else if (v !== null && typeof v === 'object' && typeof (v as { code?: unknown }).code === 'string') out.push(...renderParts(v as Message, lang, data));
    else out.push(String(v));
    last = match.index + match[0].length;
  }
  out.push(template.slice(last));
  return out.filter((p) => p !== '');
}

function paramText(v: unknown, lang: Lang): string {
  if (v !== null && typeof v === 'object' && 'code' in v && typeof (v as { code: unknown }).code === 'string') return render(v as Message, lang);
  return String(v);
}

/**
 * A text stored as English (an operation's result note, a skip's reason) as a message again: the
 * catalogue entry whose English is exactly this text, or one of the few with a parameter.
 */
export function messageOfEnglish(text: string): Message | null {
  const dep = /^dependency (\S+) (was skipped|failed)$/.exec(text);
  if (dep) return msg(dep[2] === 'failed' ? 'result.dependency-failed' : 'result.dependency-skipped', { op: dep[1]! });
  for (const [code, entry] of Object.entries(CATALOGUE) as Array<[MessageCode, { en: string }]>) if (code.startsWith('result.') && entry.en === text) return msg(code);
  return null;
}

/** The language asked for by an Accept-Language header: Chinese when zh is preferred to en, else English. */
export function negotiateLang(header: string | undefined): Lang {
  if (!header) return 'en';
  let best: { lang: Lang; q: number } | null = null;
  for (const part of header.split(',')) {
    const [tag = '', ...opts] = part.trim().toLowerCase().split(';');
    const qOpt = opts.map((o) => o.trim()).find((o) => o.startsWith('q='));
    const q = qOpt ? Number(qOpt.slice(2)) : 1;
    const lang: Lang | null = tag.startsWith('zh') ? 'zh' : tag.startsWith('en') ? 'en' : null;
    if (lang && Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? 'en';
}
