import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/** Where the hub serves the console. */
export const ADMIN_BASE = '/admin/';

export type AdminPage = 'overview' | 'departments' | 'traffic' | 'payments' | 'reminders' | 'not-found';

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

const snapshot = (): string => window.location.pathname + window.location.search;

/** The current path and query, re-rendering on every navigation. */
export function useLocation(): { readonly pathname: string; readonly search: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(href, window.location.origin);
  return { pathname: url.pathname, search: url.searchParams };
}

/** Goes to a page of the console without reloading it; `replace` for a filter change, not a new page. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  for (const listener of listeners) listener();
  if (!options.replace) window.scrollTo(0, 0);
}

export function matchPage(pathname: string): AdminPage {
  const path = pathname.replace(/\/+$/, '');
  switch (path) {
    case '/admin':
      return 'overview';
    case '/admin/departments':
      return 'departments';
    case '/admin/traffic':
      return 'traffic';
    case '/admin/payments':
      return 'payments';
    case '/admin/reminders':
      return 'reminders';
    default:
      return 'not-found';
  }
}

const withQuery = (path: string, query: Readonly<Record<string, string | undefined>>): string => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  const search = params.toString();
  return search ? `${path}?${search}` : path;
};

export const adminPages = {
  overview: () => ADMIN_BASE,
  departments: (cityId?: string) => withQuery(`${ADMIN_BASE}departments`, { city: cityId }),
  traffic: () => `${ADMIN_BASE}traffic`,
  payments: (date?: string) => withQuery(`${ADMIN_BASE}payments`, { date }),
  reminders: (period?: string) => withQuery(`${ADMIN_BASE}reminders`, { period }),
} as const;

/** An in-console link: a real `<a href>` (open in new tab works), followed without a reload. */
export function Link({ to, onClick, ...rest }: { to: string } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'>) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={follow} {...rest} />;
}
