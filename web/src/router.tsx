/** Where the hub serves the app. */
export const BASE = '/app/';

export type Route =
  | { readonly page: 'home' }
  | { readonly page: 'login' }
  | { readonly page: 'me' }
  | { readonly page: 'bookings' }
  | { readonly page: 'notifications' }
  | { readonly page: 'service'; readonly cityId: string; readonly serviceId: string }
  | { readonly page: 'pay'; readonly code: string }
  | { readonly page: 'demo' }
  | { readonly page: 'not-found' };

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

export function matchRoute(pathname: string): Route {
  if (pathname === BASE || pathname === BASE.slice(0, -1)) return { page: 'home' };
  if (pathname === `${BASE}login`) return { page: 'login' };
  if (pathname === `${BASE}me`) return { page: 'me' };
  if (pathname === `${BASE}bookings`) return { page: 'bookings' };
  if (pathname === `${BASE}notifications`) return { page: 'notifications' };
  if (pathname === `${BASE}demo`) return { page: 'demo' };
  const service = /^\/app\/cities\/([^/]+)\/services\/([^/]+)\/?$/.exec(pathname);
  if (service) {
    const cityId = decodeSegment(service[1]);
    const serviceId = decodeSegment(service[2]);
    if (cityId && serviceId) return { page: 'service', cityId, serviceId };
  }
  const pay = /^\/app\/pay\/([^/]+)\/?$/.exec(pathname);
  if (pay) {
    const code = decodeSegment(pay[1]);
    if (code) return { page: 'pay', code };
  }
  return { page: 'not-found' };
}

export const pages = {
  home: (cityId?: string) => (cityId ? `${BASE}?city=${encodeURIComponent(cityId)}` : BASE),
  login: (next: string) => `${BASE}login?next=${encodeURIComponent(next)}`,
  me: () => `${BASE}me`,
  bookings: () => `${BASE}bookings`,
  notifications: () => `${BASE}notifications`,
  service: (cityId: string, serviceId: string) => `${BASE}cities/${encodeURIComponent(cityId)}/services/${encodeURIComponent(serviceId)}`,
  /** Where a "pay for me" link (`/l/{code}`) lands. */
  pay: (code: string) => `${BASE}pay/${encodeURIComponent(code)}`,
  /** The app in a phone frame as each entrance shows it, for trying the entrances side by side. */
  demo: () => `${BASE}demo`,
} as const;

/** Where a login may send the person afterwards: a page of this app, never another site. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith(BASE) || next.startsWith('//') || next.includes('\\')) return BASE;
  return next;
}
