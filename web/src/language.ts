import { useCallback, useEffect, useState } from 'react';

export type Lang = 'zh' | 'en';

// One key for the citizen app and the console, so one choice holds for both.
const STORAGE_KEY = 'hutong.lang';

function storedLang(): Lang {
  try {
    return window.localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

/**
 * The language chosen in this browser (Chinese unless English was chosen), kept in `<html lang>`.
 *
 * @example
 *   const [lang, setLang] = useStoredLang();
 */
export function useStoredLang(): readonly [Lang, (lang: Lang) => void] {
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
  return [lang, setLang];
}
