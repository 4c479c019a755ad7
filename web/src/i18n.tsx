// Chinese and English. Each page keeps its own messages next to its code:
//
//   const messages = { zh: { title: '连接' }, en: { title: 'Connections' } } satisfies Messages;
//   const t = useT(messages);   t('title')   t('count', { n: 3 })  // "{n}" placeholders
//
// The chosen language is remembered in localStorage; antd's own texts follow (zh_CN / en_US).
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { setApiLanguage } from './api';
import type { Explanation } from './api/types';
import { isMessageCode, render, renderParts } from '../../src/messages/index';

export type Lang = 'zh' | 'en';
export type Messages = { zh: Record<string, string>; en: Record<string, string> };

interface LangState {
  lang: Lang;
  setLang: (l: Lang) => void;
}

const LangContext = createContext<LangState>({ lang: 'zh', setLang: () => {} });
const KEY = 'wecom-sync.lang';

function initialLang(): Lang {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(KEY) : null;
  const lang: Lang = saved === 'zh' || saved === 'en' ? saved : typeof navigator !== 'undefined' && navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
  setApiLanguage(lang); // before the first request: API errors and Accept-Language follow the console's language
  return lang;
}

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, set] = useState<Lang>(initialLang);
  const setLang = useCallback((l: Lang) => {
    localStorage.setItem(KEY, l);
    setApiLanguage(l);
    set(l); // <html lang> follows (components/PageTitle)
  }, []);
  const value = useMemo(() => ({ lang, setLang }), [lang, setLang]);
  return <LangContext.Provider value={value}>{children}</LangContext.Provider>;
}

export const useLang = (): LangState => useContext(LangContext);

/** A translator for one page's messages; falls back to English, then to the key. */
export function useT<M extends Messages>(messages: M): (key: keyof M['en'] & string, vars?: Record<string, string | number>) => string {
  const { lang } = useLang();
  return useCallback(
    (key, vars) => {
      let s = messages[lang][key] ?? messages.en[key] ?? key;
      if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
      return s;
    },
    [lang, messages],
  );
}

/** Pick the text of a {en, zh} explanation (WeCom errcode explanations, test verdicts). */
export function useExplain(): (e: Explanation | null | undefined) => string {
  const { lang } = useLang();
  return useCallback((e) => (e ? (lang === 'zh' ? e.zh : e.en) : ''), [lang]);
}

/**
 * What the server says as a code with parameters (plan reasons, warnings, run summaries), in the
 * user's language, from the same catalogue the server renders its English from (src/messages).
 * `fallback` (the server's English) is shown when there is no code, or the code is not known here.
 */
export function useServerText(): (note: { code: string; params?: Record<string, unknown> } | null | undefined, fallback?: string) => string {
  const { lang } = useLang();
  return useCallback((note, fallback = '') => (note && isMessageCode(note.code) ? render(note, lang) : fallback), [lang]);
}

/** A WeCom field as a person names it ("mobile" → 手机), and a value as a person reads it (gender 2 → 女). */
export function useFieldText(): { field: (f: string) => string; value: (f: string, v: unknown) => string | null } {
  const { lang } = useLang();
  return useMemo(
    () => ({
      field: (f) => (isMessageCode(`field.${f}`) ? render({ code: `field.${f}` }, lang) : f),
      value: (f, v) => {
        const code = `value.${f}.${String(v)}`;
        return (f === 'gender' || f === 'enable') && isMessageCode(code) ? render({ code }, lang) : null;
      },
    }),
    [lang],
  );
}

/**
 * A coded text in the user's language with some parameters shown as data (`data`: their names, e.g. a
 * network error as the network said it): those are in code spans, never translated. `fallback` when
 * the code is not known here.
 */
export function ServerText({ note, data, fallback }: { note: { code: string; params?: Record<string, unknown> }; data: readonly string[]; fallback: string }) {
  const { lang } = useLang();
  if (!isMessageCode(note.code)) return <>{fallback}</>;
  const names = new Set(data);
  return (
    <>
      {renderParts(note, lang, names).map((p, i) =>
        typeof p === 'string' ? (
          <span key={i}>{p}</span>
        ) : (
          <code key={i} data-data className="server-data">
            {p.data}
          </code>
        ),
      )}
    </>
  );
}
