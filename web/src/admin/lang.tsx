import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { useStoredLang } from '../language.ts';
import { TEXTS, type Lang, type Texts } from './texts.ts';

interface LangState {
  readonly lang: Lang;
  readonly t: Texts;
  setLang(lang: Lang): void;
}

const LangContext = createContext<LangState | null>(null);

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, setLang] = useStoredLang();
  const value = useMemo<LangState>(() => ({ lang, t: TEXTS[lang], setLang }), [lang, setLang]);
  return <LangContext.Provider value={value}>{children}</LangContext.Provider>;
}

export function useTexts(): LangState {
  const state = useContext(LangContext);
  if (!state) throw new Error('useTexts needs a LangProvider above it');
  return state;
}
