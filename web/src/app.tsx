import { useEffect, useRef, useState } from 'react';
import { api, ApiError, startSession, type Tokens } from './api.ts';
import { reminderApi } from './bookings.ts';
import { useInboxVersion } from './inbox.ts';
import { useResource } from './resource.ts';
import { ErrorNotice, Loading } from './components/error-notice.tsx';
import { useText } from './i18n.tsx';
import { HomePage } from './pages/home.tsx';
import { LoginPage } from './pages/login.tsx';
import { BookingsPage } from './pages/bookings.tsx';
import { MePage } from './pages/me.tsx';
import { NotificationsPage } from './pages/notifications.tsx';
import { PayPage } from './pages/pay.tsx';
import { ServicePage } from './pages/service.tsx';
import { Link, matchRoute, pages, useLocation, type Route } from './router.tsx';
import { useSession } from './session.ts';

function Header({ route }: { route: Route }) {
  const { t, lang, setLang } = useText();
  const session = useSession();
  const inboxVersion = useInboxVersion();
  const inbox = useResource(session ? `unread:${session.citizenId ?? 'citizen'}:${inboxVersion}` : null, (signal) => reminderApi.inbox(signal));
  const unread = inbox.data?.unread ?? 0;
  return (
    <header className="app-header">
      <Link to={pages.home()} className="brand" aria-label={t.appName}>
        {t.brand}
      </Link>
      <nav aria-label={t.navLabel}>
        <Link to={pages.home()} aria-current={route.page === 'home' || route.page === 'service' ? 'page' : undefined}>
          {t.navServices}
        </Link>
        {session ? (
          <Link to={pages.notifications()} aria-current={route.page === 'notifications' ? 'page' : undefined}>
            {t.navNotifications}
            {unread > 0 ? (
              <span className="nav-badge">
                <span aria-hidden="true">{unread > 99 ? '99+' : unread}</span>
                <span className="visually-hidden">{t.unreadCount(unread)}</span>
              </span>
            ) : null}
          </Link>
        ) : null}
        <Link to={pages.me()} aria-current={route.page === 'me' || route.page === 'bookings' ? 'page' : undefined}>
          {t.navMe}
          {session ? <span className="dot" aria-hidden="true" /> : null}
        </Link>
        <button type="button" className="lang-toggle" aria-label={t.switchLanguageLabel} onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}>
          <span lang={lang === 'zh' ? 'en' : 'zh-CN'}>{t.switchLanguage}</span>
        </button>
      </nav>
    </header>
  );
}

function NotFound() {
  const { t } = useText();
  return (
    <>
      <h1 tabIndex={-1}>{t.notFoundTitle}</h1>
      <p>{t.notFoundText}</p>
      <Link className="button" to={pages.home()}>
        {t.backHome}
      </Link>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'home':
      return <HomePage />;
    case 'login':
      return <LoginPage />;
    case 'me':
      return <MePage />;
    case 'bookings':
      return <BookingsPage />;
    case 'notifications':
      return <NotificationsPage />;
    case 'service':
      return <ServicePage key={`${route.cityId}/${route.serviceId}`} cityId={route.cityId} serviceId={route.serviceId} />;
    case 'pay':
      return <PayPage key={route.code} code={route.code} />;
    case 'not-found':
      return <NotFound />;
  }
}

/** Redeems a browser login's handoff code (taken from the address before the first render). */
function useHandoff(code: string | null): { pending: boolean; error: ApiError | null } {
  const [pending, setPending] = useState(code !== null);
  const [error, setError] = useState<ApiError | null>(null);
  const redeemed = useRef(false);
  useEffect(() => {
    if (code === null || redeemed.current) return;
    redeemed.current = true; // a code is good once
    api<Tokens>('/v1/sessions/handoff', { method: 'POST', body: { code } })
      .then((tokens) => startSession(tokens))
      .catch((failure: unknown) => setError(failure instanceof ApiError ? failure : new ApiError(0, 'UNEXPECTED', String(failure))))
      .finally(() => setPending(false));
  }, [code]);
  return { pending, error };
}

export function App({ handoffCode }: { handoffCode: string | null }) {
  const { t } = useText();
  const { pathname } = useLocation();
  const route = matchRoute(pathname);
  const handoff = useHandoff(handoffCode);
  const firstPath = useRef(pathname);

  // After a navigation, move focus to the new page's heading so screen readers announce it.
  useEffect(() => {
    if (pathname === firstPath.current) return;
    firstPath.current = pathname;
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [pathname]);

  return (
    <>
      <Header route={route} />
      <main id="main">
        {handoff.error ? (
          <div className="handoff-error">
            <p>{t.handoffFailed}</p>
            <ErrorNotice error={handoff.error} />
          </div>
        ) : null}
        {handoff.pending ? <Loading text={t.handoffPending} /> : <Page route={route} />}
      </main>
    </>
  );
}
