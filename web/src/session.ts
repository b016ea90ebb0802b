import { useSyncExternalStore } from 'react';

/** The tokens of the signed-in citizen, kept for this tab only (sessionStorage). */
export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly citizenId?: string;
  readonly channel?: string;
}

const listeners = new Set<() => void>();
let storageKey = 'hutong.session';

/**
 * Keeps the session under the key of the entrance a frame names (`hutong.session.<entrance>`):
 * same-origin frames share sessionStorage, and each entrance on the demo page is its own login.
 * A page the User-Agent places is the only entrance in its tab and keeps the plain key.
 * Called once, before anything reads the session.
 *
 * @example
 *   keepSessionPerEntrance(namedEntrance()) // 'alipay' → sessionStorage['hutong.session.alipay']
 */
export function keepSessionPerEntrance(entrance: string | null): void {
  storageKey = entrance ? `hutong.session.${entrance}` : 'hutong.session';
  current = undefined;
}

// Some in-app browsers refuse storage (private mode); the session then lasts as long as the page.
function readStored(): Session | null {
  try {
    const raw = window.sessionStorage.getItem(storageKey);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    return typeof parsed.accessToken === 'string' && typeof parsed.refreshToken === 'string' ? (parsed as Session) : null;
  } catch {
    return null;
  }
}

// Read on first use, once the entrance's key is known.
let current: Session | null | undefined;

function publish(next: Session | null): void {
  current = next;
  try {
    if (next) window.sessionStorage.setItem(storageKey, JSON.stringify(next));
    else window.sessionStorage.removeItem(storageKey);
  } catch {
    // kept in memory only
  }
  for (const listener of listeners) listener();
}

export function currentSession(): Session | null {
  if (current === undefined) current = readStored();
  return current;
}

export function saveSession(session: Session): void {
  publish(session);
}

export function clearSession(): void {
  publish(null);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The current session, re-rendering the component when someone logs in or out. */
export function useSession(): Session | null {
  return useSyncExternalStore(subscribe, currentSession);
}
