import { useSyncExternalStore } from 'react';

/** The tokens of the signed-in citizen, kept for this tab only (sessionStorage). */
export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly citizenId?: string;
  readonly channel?: string;
}

const STORAGE_KEY = 'hutong.session';
const listeners = new Set<() => void>();

// Some in-app browsers refuse storage (private mode); the session then lasts as long as the page.
function readStored(): Session | null {
  try {
    const raw = window.sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    return typeof parsed.accessToken === 'string' && typeof parsed.refreshToken === 'string' ? (parsed as Session) : null;
  } catch {
    return null;
  }
}

let current: Session | null = readStored();

function publish(next: Session | null): void {
  current = next;
  try {
    if (next) window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    else window.sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // kept in memory only
  }
  for (const listener of listeners) listener();
}

export function currentSession(): Session | null {
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
