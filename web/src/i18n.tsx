// Chinese and English. Each page keeps its own messages next to its code:
//
//   const messages = { zh: { title: '连接' }, en: { title: 'Connections' } } satisfies Messages;
//   const t = useT(messages);   t('title')   t('count', { n: 3 })  // "{n}" placeholders
//
// The chosen language is remembered in localStorage; antd's own texts follow (zh_CN / en_US).
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import type { Explanation } from './api/types';

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
  if (saved === 'zh' || saved === 'en') return saved;
  return typeof navigator !== 'undefined' && navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, set] = useState<Lang>(initialLang);
  const setLang = useCallback((l: Lang) => {
    localStorage.setItem(KEY, l);
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
