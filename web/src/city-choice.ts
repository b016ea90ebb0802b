const STORAGE_KEY = 'hutong.city';

/** The city the person chose last, so that coming back to the app opens it again. */
export function rememberedCity(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function rememberCity(cityId: string): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, cityId);
  } catch {
    // remembered in the URL only
  }
}
