import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, apiPath, startSession, type City, type ConsentState, type LinkedIdentifier, type Me, type RealNameResult } from '../api.ts';
import { ErrorNotice, Loading } from '../components/error-notice.tsx';
import { rememberedCity } from '../city-choice.ts';
import { formatTime } from '../format.ts';
import { useText } from '../i18n.tsx';
import { CHANNEL_LABELS, DEPARTMENT_LABELS, IDENTIFIER_LABELS, labelOf, UTILITY_ISSUERS } from '../labels.ts';
import { useResource } from '../resource.ts';
import { Link, navigate, pages } from '../router.tsx';
import { clearSession, useSession } from '../session.ts';

/** Runs a form's call, keeping its busy state, error and success message. */
function useSubmission() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (call: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone(await call());
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, 'UNEXPECTED', String(failure)));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, submit };
}

function Outcome({ error, done }: { error: ApiError | null; done: string | null }) {
  if (error) return <ErrorNotice error={error} />;
  if (done)
    return (
      <p className="notice notice-ok" role="status">
        {done}
      </p>
    );
  return null;
}

function ConsentBox({ version, checked, onChange, id }: { version: string; checked: boolean; onChange(checked: boolean): void; id: string }) {
  const { t } = useText();
  return (
    <div className="checkbox">
      <input id={id} type="checkbox" required checked={checked} onChange={(event) => onChange(event.target.checked)} />
      <label htmlFor={id}>{t.consentCheckbox(version)}</label>
    </div>
  );
}

function RealNameForm({ consentVersion, onProved }: { consentVersion: string; onProved(): void }) {
  const { t } = useText();
  const session = useSession();
  const [name, setName] = useState('');
  const [nationalId, setNationalId] = useState('');
  const [agreed, setAgreed] = useState(false);
  const { busy, error, done, submit } = useSubmission();

  const prove = (event: FormEvent) => {
    event.preventDefault();
    void submit(async () => {
      const result = await api<RealNameResult>('/v1/me/real-name', {
        method: 'POST',
        auth: true,
        body: { name: name.trim(), nationalId: nationalId.trim().toUpperCase(), consentTextVersion: consentVersion },
      });
      // Another entrance proved this identity first: this entrance now belongs to that citizen.
      if (result.session) startSession(result.session, { citizenId: result.citizenId, channel: session?.channel });
      onProved();
      return result.joinedExistingCitizen ? t.realNameJoined : t.realNameDone;
    });
  };

  return (
    <form className="form" onSubmit={prove}>
      <p className="hint">{t.realNameIntro}</p>
      <label htmlFor="real-name">{t.nameLabel}</label>
      <input id="real-name" name="name" autoComplete="name" required maxLength={40} value={name} onChange={(e) => setName(e.target.value)} />
      <label htmlFor="national-id">{t.nationalIdLabel}</label>
      <input id="national-id" name="nationalId" autoComplete="off" required minLength={15} maxLength={18} value={nationalId} onChange={(e) => setNationalId(e.target.value)} />
      <ConsentBox id="real-name-consent" version={consentVersion} checked={agreed} onChange={setAgreed} />
      <Outcome error={error} done={done} />
      <button type="submit" className="button" disabled={busy || !agreed || !name.trim() || !nationalId.trim()}>
        {busy ? t.verifying : t.submitRealName}
      </button>
    </form>
  );
}

const LINKABLE_KINDS = ['plate', 'utility-account', 'library-card'] as const;
type LinkableKind = (typeof LINKABLE_KINDS)[number];

function LinkIdentifierForm({ consentVersion, onLinked }: { consentVersion: string; onLinked(): void }) {
  const { t, pick, lang } = useText();
  const cities = useResource('cities', (signal) => api<{ items: City[] }>(apiPath.cities(), { signal }));
  const [kind, setKind] = useState<LinkableKind>('plate');
  const [value, setValue] = useState('');
  const [department, setDepartment] = useState<string>(UTILITY_ISSUERS[0]);
  const [cityId, setCityId] = useState(rememberedCity() ?? 'shanghai');
  const [agreed, setAgreed] = useState(false);
  const { busy, error, done, submit } = useSubmission();
  const issuedByDepartment = kind !== 'plate';

  const link = (event: FormEvent) => {
    event.preventDefault();
    void submit(async () => {
      const issuer = kind === 'utility-account' ? { cityId, departmentId: department } : kind === 'library-card' ? { cityId, departmentId: 'library' } : undefined;
      const linked = await api<LinkedIdentifier>('/v1/me/identifiers', {
        method: 'POST',
        auth: true,
        body: { kind, value: value.trim(), ...(issuer ? { issuer } : {}), consentTextVersion: consentVersion },
      });
      setValue('');
      onLinked();
      return t.linkDone(linked.display);
    });
  };

  return (
    <form className="form" onSubmit={link}>
      <label htmlFor="identifier-kind">{t.kindLabel}</label>
      <select id="identifier-kind" value={kind} onChange={(e) => setKind(e.target.value as LinkableKind)}>
        {LINKABLE_KINDS.map((k) => (
          <option key={k} value={k}>
            {labelOf(IDENTIFIER_LABELS, k, lang)}
          </option>
        ))}
      </select>
      {issuedByDepartment ? (
        <>
          <label htmlFor="identifier-city">{t.issuerCityLabel}</label>
          <select id="identifier-city" value={cityId} onChange={(e) => setCityId(e.target.value)}>
            {(cities.data?.items ?? []).map((city) => (
              <option key={city.id} value={city.id}>
                {pick(city.name)}
              </option>
            ))}
          </select>
        </>
      ) : null}
      {kind === 'utility-account' ? (
        <>
          <label htmlFor="identifier-issuer">{t.issuerLabel}</label>
          <select id="identifier-issuer" value={department} onChange={(e) => setDepartment(e.target.value)}>
            {UTILITY_ISSUERS.map((d) => (
              <option key={d} value={d}>
                {labelOf(DEPARTMENT_LABELS, d, lang)}
              </option>
            ))}
          </select>
        </>
      ) : null}
      <label htmlFor="identifier-value">{t.valueLabel}</label>
      <input id="identifier-value" name="value" autoComplete="off" required maxLength={64} value={value} onChange={(e) => setValue(e.target.value)} />
      <ConsentBox id="identifier-consent" version={consentVersion} checked={agreed} onChange={setAgreed} />
      <Outcome error={error} done={done} />
      <button type="submit" className="button" disabled={busy || !agreed || !value.trim()}>
        {busy ? t.linking : t.submitLink}
      </button>
    </form>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function Profile({ citizenKey }: { citizenKey: string }) {
  const { t, lang } = useText();
  const me = useResource(`me:${citizenKey}`, (signal) => api<Me>('/v1/me', { auth: true, signal }));
  const consents = useResource(`consents:${citizenKey}`, (signal) => api<ConsentState>('/v1/me/consents', { auth: true, signal }));
  const [leaving, setLeaving] = useState(false);

  const logout = async () => {
    setLeaving(true);
    try {
      await api<void>('/v1/sessions/current/logout', { method: 'POST', auth: true });
    } catch {
      // the session ends on this device whatever the hub answered
    }
    clearSession();
    navigate(pages.home(), { replace: true });
  };

  if (me.loading && !me.data) return <Loading />;
  if (me.error) return <ErrorNotice error={me.error} onRetry={me.reload} />;
  if (!me.data) return null;
  const profile = me.data;
  const consentVersion = consents.data?.currentTextVersion;

  return (
    <>
      <Section id="account-title" title={t.accountTitle}>
        <p className="muted">
          {t.citizenId}: <code>{profile.id.slice(0, 8)}</code>
        </p>
        <h3>{t.entrancesUsed}</h3>
        <ul className="plain-list">
          {profile.identities.map((identity) => (
            <li key={identity.channel}>
              <strong>{labelOf(CHANNEL_LABELS, identity.channel, lang)}</strong> <span className="muted">{t.lastLogin(formatTime(identity.lastLoginAt))}</span>
            </li>
          ))}
        </ul>
      </Section>
      <nav className="card me-links" aria-label={t.meShortcuts}>
        <Link className="me-link" to={pages.bookings()}>
          {t.bookingsTitle}
        </Link>
        <Link className="me-link" to={pages.notifications()}>
          {t.notificationsTitle}
        </Link>
      </nav>
      <Section id="real-name-title" title={t.realNameTitle}>
        {profile.realName ? (
          <p>
            <span className="badge badge-ok">✓</span> {profile.realName.name} · <code>{profile.realName.nationalId}</code>
            <br />
            <span className="muted">{t.realNameVerified(formatTime(profile.realName.verifiedAt))}</span>
          </p>
        ) : consentVersion ? (
          <RealNameForm consentVersion={consentVersion} onProved={me.reload} />
        ) : consents.error ? (
          <ErrorNotice error={consents.error} onRetry={consents.reload} />
        ) : (
          <Loading />
        )}
      </Section>
      <Section id="identifiers-title" title={t.identifiersTitle}>
        {profile.identifiers.length === 0 ? <p className="muted">{t.noIdentifiers}</p> : null}
        <ul className="plain-list">
          {profile.identifiers.map((identifier) => (
            <li key={identifier.id}>
              <strong>{labelOf(IDENTIFIER_LABELS, identifier.kind, lang)}</strong> <code>{identifier.display}</code>
              {identifier.issuer ? <span className="muted"> · {labelOf(DEPARTMENT_LABELS, identifier.issuer.departmentId, lang)}</span> : null}{' '}
              <span className={identifier.verified ? 'badge badge-ok' : 'badge'}>{identifier.verified ? t.verified : t.notVerified}</span>
            </li>
          ))}
        </ul>
      </Section>
      <Section id="link-title" title={t.linkTitle}>
        {consentVersion ? <LinkIdentifierForm consentVersion={consentVersion} onLinked={me.reload} /> : <Loading />}
      </Section>
      <button type="button" className="button button-secondary button-wide" disabled={leaving} onClick={() => void logout()}>
        {leaving ? t.loggingOut : t.logout}
      </button>
    </>
  );
}

export function MePage() {
  const { t } = useText();
  const session = useSession();
  return (
    <>
      <h1 tabIndex={-1}>{t.meTitle}</h1>
      {session ? (
        <Profile citizenKey={session.citizenId ?? 'citizen'} />
      ) : (
        <div className="card">
          <p>{t.meLoginPrompt}</p>
          <button type="button" className="button" onClick={() => navigate(pages.login(pages.me()))}>
            {t.logIn}
          </button>
        </div>
      )}
    </>
  );
}
