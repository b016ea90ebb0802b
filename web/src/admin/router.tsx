/** Where the hub serves the console. */
export const ADMIN_BASE = '/admin/';

export type AdminPage = 'overview' | 'departments' | 'traffic' | 'payments' | 'reminders' | 'not-found';

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
