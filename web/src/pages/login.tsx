import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, startSession, type Entrance, type LoginCodeSent, type Tokens } from '../api.ts';
import { ErrorNotice, Loading } from '../components/error-notice.tsx';
import { DemoPhone, DemoResidentPicker } from '../components/demo-residents.tsx';
import { rememberedCity } from '../city-choice.ts';
import { useEntrance } from '../entrance.ts';
import { useText } from '../i18n.tsx';
import { navigate, useLocation } from '../navigation.tsx';
import { safeNext } from '../router.tsx';
import { useSession } from '../session.ts';

/** The plain web entrance's login, for hubs that do not describe their entrances. */
const WEB_ENTRANCE: Entrance = { channel: 'web', name: { zh: '网页', en: 'Web' }, login: { kind: 'sms-code' } };

/** The platform's login page, told where to come back to. */
function redirectUrl(loginUrl: string, next: string): string {
  const url = new URL(loginUrl, window.location.origin);
  url.searchParams.set('next', next);
  return url.toString();
}

function RedirectLogin({ entrance, url, next }: { entrance: Entrance; url: string; next: string }) {
  const { t, pick } = useText();
  const target = redirectUrl(url, next);
  const started = useRef(false);
  useEffect(() => {
    // The platform logs the person in and the hub comes back to `next` with #handoff=…; replacing
    // this page in the history keeps "back" on the platform from bouncing straight to it again.
    if (started.current) return;
    started.current = true;
    window.location.replace(target);
  }, [target]);
  return (
    <div className="card">
      <p role="status">{t.loginRedirecting(pick(entrance.name))}</p>
      <a className="button" href={target}>
        {t.loginRedirectButton(pick(entrance.name))}
      </a>
    </div>
  );
}

function SmsLogin({ next }: { next: string }) {
  const { t } = useText();
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [sent, setSent] = useState<LoginCodeSent | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [waitSeconds, setWaitSeconds] = useState(0);
  // Texts the emulated phone received from a little before the code was asked for are this login's.
  const [sentSince, setSentSince] = useState('');
  const codeInput = useRef<HTMLInputElement>(null);
  const phoneInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (waitSeconds <= 0) return undefined;
    const timer = window.setTimeout(() => setWaitSeconds((s) => s - 1), 1000);
    return () => window.clearTimeout(timer);
  }, [waitSeconds]);

  useEffect(() => {
    if (sent) codeInput.current?.focus();
  }, [sent]);

  const run = async (step: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await step();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, 'UNEXPECTED', String(failure)));
    } finally {
      setBusy(false);
    }
  };

  const sendCode = (event?: FormEvent) => {
    event?.preventDefault();
    setSentSince(new Date(Date.now() - 5_000).toISOString());
    void run(async () => {
      const answer = await api<LoginCodeSent>('/v1/channels/web/login-codes', { method: 'POST', body: { phone: phone.trim() } });
      setSent(answer);
      setWaitSeconds(answer.resendAfterSeconds);
    });
  };

  const logIn = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const tokens = await api<Tokens>('/v1/channels/web/login', { method: 'POST', body: { phone: phone.trim(), code: code.trim() } });
      startSession(tokens, { channel: 'web' });
      navigate(next, { replace: true });
    });
  };

  if (!sent) {
    return (
      <>
        <form className="card form" onSubmit={sendCode} noValidate>
          <label htmlFor="login-phone">{t.phoneLabel}</label>
          <input
            id="login-phone"
            ref={phoneInput}
            name="phone"
            type="tel"
            inputMode="numeric"
            autoComplete="tel-national"
            required
            maxLength={20}
            value={phone}
            aria-describedby="login-phone-hint"
            onChange={(event) => setPhone(event.target.value)}
          />
          <p id="login-phone-hint" className="hint">
            {t.phoneHint}
          </p>
          {error ? <ErrorNotice error={error} /> : null}
          <button type="submit" className="button" disabled={busy || phone.trim() === ''}>
            {busy ? t.sending : t.sendCode}
          </button>
        </form>
        <DemoResidentPicker
          cityId={rememberedCity() ?? 'shanghai'}
          onChoose={(resident) => {
            setPhone(resident.phone);
            phoneInput.current?.focus();
          }}
        />
      </>
    );
  }

  return (
    <form className="card form" onSubmit={logIn} noValidate>
      <p role="status">{t.codeSentTo(sent.sentTo)}</p>
      <label htmlFor="login-code">{t.codeLabel}</label>
      <input
        id="login-code"
        ref={codeInput}
        name="code"
        type="text"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]{6}"
        maxLength={6}
        required
        value={code}
        aria-describedby="login-code-hint"
        onChange={(event) => setCode(event.target.value.replace(/\D/g, ''))}
      />
      <p id="login-code-hint" className="hint">
        {t.codeHint}
      </p>
      <DemoPhone
        phone={phone.trim()}
        since={sentSince}
        onCode={(demoCode) => {
          setCode(demoCode);
          codeInput.current?.focus();
        }}
      />
      {error ? <ErrorNotice error={error} /> : null}
      <button type="submit" className="button" disabled={busy || code.length !== 6}>
        {busy ? t.loggingIn : t.submitLogin}
      </button>
      <div className="row">
        <button type="button" className="button button-link" disabled={busy || waitSeconds > 0} onClick={() => sendCode()}>
          {waitSeconds > 0 ? t.resendIn(waitSeconds) : t.resend}
        </button>
        <button
          type="button"
          className="button button-link"
          onClick={() => {
            setSent(null);
            setCode('');
            setError(null);
          }}
        >
          {t.changePhone}
        </button>
      </div>
    </form>
  );
}

export function LoginPage() {
  const { t, pick } = useText();
  const { search } = useLocation();
  const next = safeNext(search.get('next'));
  const session = useSession();
  const entranceResource = useEntrance();
  // A hub that does not describe its entrances still has the web entrance's SMS login.
  const entrance = entranceResource.error?.code === 'HUTONG_ERR_ROUTE_NOT_FOUND' ? WEB_ENTRANCE : entranceResource.data;

  return (
    <>
      <h1 tabIndex={-1}>{t.loginTitle}</h1>
      {session ? (
        <div className="card">
          <p>{t.alreadyLoggedIn}</p>
          <button type="button" className="button" onClick={() => navigate(next, { replace: true })}>
            {t.continue}
          </button>
        </div>
      ) : entrance ? (
        <>
          <p className="intro">{t.loginVia(pick(entrance.name))}</p>
          {entrance.login.kind === 'redirect' ? <RedirectLogin entrance={entrance} url={entrance.login.url} next={next} /> : <SmsLogin next={next} />}
        </>
      ) : entranceResource.error ? (
        <ErrorNotice error={entranceResource.error} onRetry={entranceResource.reload} />
      ) : (
        <Loading />
      )}
    </>
  );
}
