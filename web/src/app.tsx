import { useEffect, useRef, useState, type ReactNode } from 'react';
import { api, ApiError, startSession, type Tokens } from './api.ts';
import { reminderApi } from './bookings.ts';
import { useInboxVersion } from './inbox.ts';
import { useResource } from './resource.ts';
import { ErrorNotice, Loading } from './components/error-notice.tsx';
import { useText } from './i18n.tsx';
import { namedEntrance, skinOf, useEntrance, type EntranceId } from './entrance.ts';
import { DemoPage } from './pages/demo.tsx';
import { HomePage } from './pages/home.tsx';
import { LoginPage } from './pages/login.tsx';
import { BookingsPage } from './pages/bookings.tsx';
import { MePage } from './pages/me.tsx';
import { NotificationsPage } from './pages/notifications.tsx';
import { PayPage } from './pages/pay.tsx';
import { ServicePage } from './pages/service.tsx';
import { Link, useLocation } from './navigation.tsx';
import { matchRoute, pages, type Route } from './router.tsx';
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

/**
 * The title bar an app draws above the pages it opens (drawn here only when a demo frame names the
 * entrance: a real in-app browser draws its own). Its buttons are pictures of the app's, not ours.
 */
function ContainerBar({ entrance }: { entrance: Exclude<EntranceId, 'web'> }) {
  const { t } = useText();
  const back = <span className="bar-glyph bar-back" />;
  const close = <span className="bar-glyph bar-close">✕</span>;
  const more = <span className="bar-glyph bar-more" />;
  const capsule = (
    <span className="bar-capsule">
      <span className="bar-more" />
      <span className="bar-capsule-rule" />
      <span className="bar-target" />
    </span>
  );
  const sides: Record<typeof entrance, [ReactNode, ReactNode]> = {
    alipay: [<>{back}{close}</>, more],
    wechat: [null, capsule],
    taobao: [back, more],
    weibo: [close, more],
  };
  const [left, right] = sides[entrance];
  return (
    <div className="container-bar" data-container={entrance}>
      <span className="bar-side" aria-hidden="true">
        {left}
      </span>
      <span className="bar-title">{t.appName}</span>
      <span className="bar-side bar-side-end" aria-hidden="true">
        {right}
      </span>
    </div>
  );
}

/** Dresses the page in its entrance's skin (`<html data-entrance>`), once the hub has said which one it is. */
function useSkin(skin: EntranceId): void {
  useEffect(() => {
    document.documentElement.dataset.entrance = skin;
  }, [skin]);
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
    case 'demo':
      return <DemoPage />;
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

const HEADING_WAIT_MS = 10_000;

function focusHeadingWhenShown(): () => void {
  const main = document.querySelector('main');
  const tryFocus = (): boolean => {
    const heading = document.querySelector<HTMLElement>('main h1');
    if (!heading) return false;
    const active = document.activeElement;
    // Focus still on the link just followed (now gone) or nowhere: the heading takes it.
    if (active === null || active === document.body || !active.isConnected || main?.contains(active) === false) heading.focus();
    return true;
  };
  if (tryFocus() || !main) return () => undefined;
  const observer = new MutationObserver(() => {
    if (tryFocus()) stop();
  });
  const timer = window.setTimeout(() => stop(), HEADING_WAIT_MS);
  const stop = () => {
    observer.disconnect();
    window.clearTimeout(timer);
  };
  observer.observe(main, { childList: true, subtree: true });
  return stop;
}

export function App({ handoffCode }: { handoffCode: string | null }) {
  const { t } = useText();
  const { pathname } = useLocation();
  const route = matchRoute(pathname);
  const handoff = useHandoff(handoffCode);
  const firstPath = useRef(pathname);
  const framed = namedEntrance();
  const entrance = useEntrance();
  const demo = route.page === 'demo';
  useSkin(demo ? 'web' : skinOf(entrance.data?.channel ?? framed ?? undefined));

  // After a navigation, move focus to the new page's heading so screen readers announce it; a page
  // that loads first gets its heading later, and takes the focus then unless the person moved it.
  useEffect(() => {
    if (pathname === firstPath.current) return;
    firstPath.current = pathname;
    return focusHeadingWhenShown();
  }, [pathname]);

  // The demo page is a desktop page of its own around the phone frames: no app header.
  if (demo) return <DemoPage />;

  return (
    <>
      {framed && framed !== 'web' ? <ContainerBar entrance={framed} /> : null}
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
