import { useEffect, useRef } from 'react';
import { clearToken, useToken } from './admin-api.ts';
import { useTexts } from './lang.tsx';
import { LiveProvider } from './live.tsx';
import { DepartmentsPage } from './pages/departments.tsx';
import { LoginPage } from './pages/login.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { PaymentsPage } from './pages/payments.tsx';
import { RemindersPage } from './pages/reminders.tsx';
import { TrafficPage } from './pages/traffic.tsx';
import { Link, useLocation } from '../navigation.tsx';
import { adminPages, matchPage, type AdminPage } from './router.tsx';
import type { Texts } from './texts.ts';

type Page = Exclude<AdminPage, 'not-found'>;

const NAV: readonly { readonly page: Page; readonly to: string; readonly label: (t: Texts) => string }[] = [
  { page: 'overview', to: adminPages.overview(), label: (t) => t.navOverview },
  { page: 'departments', to: adminPages.departments(), label: (t) => t.navDepartments },
  { page: 'traffic', to: adminPages.traffic(), label: (t) => t.navTraffic },
  { page: 'payments', to: adminPages.payments(), label: (t) => t.navPayments },
  { page: 'reminders', to: adminPages.reminders(), label: (t) => t.navReminders },
];

const TITLES: Readonly<Record<AdminPage, (t: Texts) => string>> = {
  overview: (t) => t.overviewTitle,
  departments: (t) => t.departmentsTitle,
  traffic: (t) => t.trafficTitle,
  payments: (t) => t.paymentsTitle,
  reminders: (t) => t.remindersTitle,
  'not-found': (t) => t.notFoundTitle,
};

function Header({ page, signedIn }: { page: AdminPage; signedIn: boolean }) {
  const { t, lang, setLang } = useTexts();
  return (
    <header className="console-header">
      <div className="console-bar">
        <Link to={adminPages.overview()} className="brand">
          {t.brand}
        </Link>
        <div className="header-actions">
          <button type="button" className="button button-header" aria-label={t.switchLanguageLabel} onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}>
            <span lang={lang === 'zh' ? 'en' : 'zh-CN'}>{t.switchLanguage}</span>
          </button>
          {signedIn ? (
            <button type="button" className="button button-header" onClick={() => clearToken()}>
              {t.logout}
            </button>
          ) : null}
        </div>
      </div>
      {signedIn ? (
        <nav aria-label={t.navLabel} className="console-nav">
          <ul>
            {NAV.map((item) => (
              <li key={item.page}>
                <Link to={item.to} aria-current={item.page === page ? 'page' : undefined}>
                  {item.label(t)}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
    </header>
  );
}

function NotFound() {
  const { t } = useTexts();
  return (
    <>
      <h1 tabIndex={-1}>{t.notFoundTitle}</h1>
      <p>{t.notFoundText}</p>
      <Link to={adminPages.overview()}>{t.backToOverview}</Link>
    </>
  );
}

function PageBody({ page }: { page: AdminPage }) {
  switch (page) {
    case 'overview':
      return <OverviewPage />;
    case 'departments':
      return <DepartmentsPage />;
    case 'traffic':
      return <TrafficPage />;
    case 'payments':
      return <PaymentsPage />;
    case 'reminders':
      return <RemindersPage />;
    case 'not-found':
      return <NotFound />;
  }
}

/** The operator console: the token form until a token is given, then the pages. */
export function Console() {
  const { t } = useTexts();
  const { pathname } = useLocation();
  const { token, reason } = useToken();
  const page = matchPage(pathname);
  const signedIn = token !== null;
  const shown = useRef({ pathname, signedIn });

  useEffect(() => {
    document.title = `${signedIn ? TITLES[page](t) : t.loginTitle} · ${t.appName}`;
  }, [page, signedIn, t]);

  // After a navigation, a login or a logout, the new page's heading takes focus so it is announced.
  useEffect(() => {
    if (shown.current.pathname === pathname && shown.current.signedIn === signedIn) return;
    shown.current = { pathname, signedIn };
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [pathname, signedIn]);

  return (
    <LiveProvider>
      <Header page={page} signedIn={signedIn} />
      <main id="main" className="console-main">
        {signedIn ? <PageBody page={page} /> : <LoginPage refusal={reason} />}
      </main>
    </LiveProvider>
  );
}
