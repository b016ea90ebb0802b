import { useSyncExternalStore } from 'react';

// Bumped whenever the inbox changes here (a notification read), so the navigation's unread badge reads it again.
let version = 0;
const listeners = new Set<() => void>();

export function inboxChanged(): void {
  version += 1;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** A number that changes whenever the inbox changed on this page. */
export function useInboxVersion(): number {
  return useSyncExternalStore(subscribe, () => version);
}
