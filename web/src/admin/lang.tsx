import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { TEXTS, type Lang, type Texts } from './texts.ts';

// Shared with the citizen app, so one choice holds for both.
const STORAGE_KEY = 'hutong.lang';

interface LangState {
  readonly lang: Lang;
  readonly t: Texts;
  setLang(lang: Lang): void;
}

const LangContext = createContext<LangState | null>(null);

function storedLang(): Lang {
  try {
    return window.localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(storedLang);
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // the choice lasts for this page only
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  }, [lang]);
  const value = useMemo<LangState>(() => ({ lang, t: TEXTS[lang], setLang }), [lang, setLang]);
  return <LangContext.Provider value={value}>{children}</LangContext.Provider>;
}

export function useTexts(): LangState {
  const state = useContext(LangContext);
  if (!state) throw new Error('useTexts needs a LangProvider above it');
  return state;
}
