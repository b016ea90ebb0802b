import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, apiPath, startSession, type City, type ConsentState, type LinkedIdentifier, type Me, type RealNameResult } from '../api.ts';
import { ErrorNotice, Loading } from '../components/error-notice.tsx';
import { chosenDemoResident, DemoResidentPicker, type ChosenDemoResident } from '../components/demo-residents.tsx';
import { useDemoText } from '../texts/demo.ts';
import { rememberedCity } from '../city-choice.ts';
import { formatTime } from '../format.ts';
import { useText } from '../i18n.tsx';
import { CATEGORY_LABELS, CHANNEL_LABELS, DEPARTMENT_LABELS, IDENTIFIER_LABELS, labelOf, UTILITY_ISSUERS } from '../labels.ts';
import { useResource, type Resource } from '../resource.ts';
import { Link, navigate } from '../navigation.tsx';
import { pages } from '../router.tsx';
import { clearSession, useSession } from '../session.ts';
import { useMeText } from '../texts/me.ts';
import '../styles/me.css';

/** One consent as `listConsents` reports it in `history`, standing or withdrawn. */
interface ConsentRecord {
  readonly channel: string;
  readonly scope: string;
  readonly textVersion: string;
  readonly grantedAt: string;
  readonly revokedAt?: string;
}

/** The answer of `listConsents`, `grantConsent` and `revokeConsent`. */
interface ConsentOverview extends ConsentState {
  readonly history: readonly ConsentRecord[];
}

/** Where "My City" sends a person who still has to consent; the section below carries this id. */
const DATA_ACCESS_ID = 'data-access';

const asApiError = (failure: unknown): ApiError => (failure instanceof ApiError ? failure : new ApiError(0, 'UNEXPECTED', String(failure)));

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
      setError(asApiError(failure));
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
  const d = useDemoText();
  const [demoResident, setDemoResident] = useState(chosenDemoResident);
  const fillFrom = (resident: ChosenDemoResident) => {
    setName(resident.name);
    setNationalId(resident.nationalId);
  };

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
      {demoResident ? (
        <button type="button" className="button button-link demo-fill" onClick={() => fillFrom(demoResident)}>
          {d.fillRealName(demoResident.name)}
        </button>
      ) : (
        <DemoResidentPicker
          cityId={rememberedCity() ?? 'shanghai'}
          onChoose={(resident) => {
            setDemoResident(resident);
            fillFrom(resident);
          }}
        />
      )}
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

/** The demo resident's number of a kind (and, for a utility account, of that company). */
function demoIdentifier(resident: ChosenDemoResident, kind: LinkableKind, department: string): string | undefined {
  if (kind === 'plate') return resident.plate;
  if (kind === 'library-card') return resident.libraryCard;
  const accounts: Record<string, string> = { 'water-company': resident.waterAccount, 'electricity-company': resident.electricityAccount, 'gas-company': resident.gasAccount };
  return accounts[department];
}

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
  const d = useDemoText();
  const demoResident = chosenDemoResident();
  const demoValue = demoResident ? demoIdentifier(demoResident, kind, department) : undefined;

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
      {demoResident && demoValue ? (
        <button
          type="button"
          className="button button-link demo-fill"
          onClick={() => {
            setValue(demoValue);
            if (issuedByDepartment) setCityId(demoResident.cityId);
          }}
        >
          {d.fillIdentifier(demoResident.name, demoValue)}
        </button>
      ) : null}
      <ConsentBox id="identifier-consent" version={consentVersion} checked={agreed} onChange={setAgreed} />
      <Outcome error={error} done={done} />
      <button type="submit" className="button" disabled={busy || !agreed || !value.trim()}>
        {busy ? t.linking : t.submitLink}
      </button>
    </form>
  );
}

/** The latest consent of one scope in this entrance, standing or withdrawn. */
function latestConsent(history: readonly ConsentRecord[], channel: string, scope: string): ConsentRecord | undefined {
  return history.filter((c) => c.channel === channel && c.scope === scope).sort((a, b) => b.grantedAt.localeCompare(a.grantedAt))[0];
}

/** Which kinds of data the entrance in use may read: one switch per scope, withdrawals confirmed first. */
function DataAccess({ consents }: { consents: Resource<ConsentOverview> }) {
  const m = useMeText();
  const { lang } = useText();
  // The answer of the last change, kept until the list is loaded again.
  const [answer, setAnswer] = useState<{ base: ConsentOverview | undefined; state: ConsentOverview } | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [askDisconnect, setAskDisconnect] = useState(false);
  const [disconnecting, setDisconnecting] = useState(false);
  const sectionRef = useRef<HTMLElement>(null);
  const state = answer && answer.base === consents.data ? answer.state : consents.data;
  const ready = state !== undefined;

  // Opened from a "consent to see more" link: bring the section into view once it has content.
  useEffect(() => {
    if (!ready || window.location.hash !== `#${DATA_ACCESS_ID}`) return;
    sectionRef.current?.scrollIntoView({ block: 'start' });
    sectionRef.current?.focus({ preventScroll: true });
  }, [ready]);

  const entrance = state ? labelOf(CHANNEL_LABELS, state.channel, lang) : '';
  const scopeName = (scope: string) => labelOf(CATEGORY_LABELS, scope, lang);
  const switchId = (scope: string) => `consent-${scope}`;

  const change = async (scope: string, grant: boolean) => {
    if (!state) return;
    setPending(scope);
    setError(null);
    setDone(null);
    try {
      const next = await api<ConsentOverview>(
        apiPath.consent(scope),
        grant ? { method: 'PUT', auth: true, body: { textVersion: state.currentTextVersion } } : { method: 'DELETE', auth: true },
      );
      setAnswer({ base: consents.data, state: next });
      setDone(grant ? m.grantDone(entrance, scopeName(scope)) : m.withdrawDone(entrance, scopeName(scope)));
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setPending(null);
      setConfirming(null);
      document.getElementById(switchId(scope))?.focus();
    }
  };

  const onSwitch = (scope: string, on: boolean) => {
    if (pending !== null || disconnecting) return;
    if (on) {
      setConfirming(null);
      void change(scope, true);
      return;
    }
    setError(null);
    setDone(null);
    setConfirming(scope);
  };

  const keep = (scope: string) => {
    setConfirming(null);
    document.getElementById(switchId(scope))?.focus();
  };

  const disconnect = async () => {
    setDisconnecting(true);
    setError(null);
    setDone(null);
    try {
      await api<unknown>('/v1/me/consents', { method: 'DELETE', auth: true });
    } catch (failure) {
      setError(asApiError(failure));
      setDisconnecting(false);
      return;
    }
    // The hub ended every session of this entrance, this one too: leave as a logout does.
    clearSession();
    navigate(pages.home(), { replace: true });
  };

  const status = pending ? (confirming === pending ? m.withdrawing(scopeName(pending)) : m.granting(scopeName(pending))) : disconnecting ? m.disconnecting : done;

  return (
    <section id={DATA_ACCESS_ID} ref={sectionRef} tabIndex={-1} className="card data-access" aria-labelledby="data-access-title" aria-busy={pending !== null || disconnecting}>
      <h2 id="data-access-title">{m.dataAccessTitle}</h2>
      {consents.error && !state ? <ErrorNotice error={consents.error} onRetry={consents.reload} /> : null}
      {!state && !consents.error ? <Loading /> : null}
      {state ? (
        <>
          <p className="hint">{m.dataAccessIntro}</p>
          <h3 id="data-access-entrance">{m.entranceReads(entrance)}</h3>
          <p className="consent-sentence" id="data-access-sentence">
            {m.consentSentence(entrance, state.currentTextVersion)}
          </p>
          <ul className="consent-list" aria-labelledby="data-access-entrance">
            {state.scopes.map(({ scope, granted }) => {
              const id = switchId(scope);
              const latest = latestConsent(state.history, state.channel, scope);
              const when = granted && latest ? m.grantedAt(formatTime(latest.grantedAt)) : !granted && latest?.revokedAt ? m.withdrawnAt(formatTime(latest.revokedAt)) : null;
              return (
                <li key={scope} className="consent-row" data-granted={granted}>
                  <div className="consent-line">
                    <div className="consent-text">
                      <label htmlFor={id} className="consent-name">
                        {scopeName(scope)}
                      </label>
                      <span id={`${id}-state`} className="consent-state">
                        <span className={granted ? 'badge badge-ok' : 'badge'}>{granted ? m.granted : m.notGranted}</span>
                        {when ? <span className="muted"> · {when}</span> : null}
                      </span>
                    </div>
                    <input
                      id={id}
                      type="checkbox"
                      role="switch"
                      className="switch"
                      checked={granted}
                      // aria-disabled, not disabled: the switch keeps the focus while its change is sent
                      aria-disabled={pending !== null || disconnecting}
                      aria-describedby={granted ? `${id}-state` : `${id}-state data-access-sentence`}
                      onChange={(event) => onSwitch(scope, event.target.checked)}
                    />
                  </div>
                  {confirming === scope ? (
                    <InlineConfirm
                      questionId={`${id}-question`}
                      question={m.withdrawQuestion(entrance, scopeName(scope))}
                      yes={m.withdrawYes}
                      no={m.withdrawNo}
                      busy={pending !== null}
                      onYes={() => void change(scope, false)}
                      onNo={() => keep(scope)}
                    />
                  ) : null}
                </li>
              );
            })}
          </ul>
          {error ? <ErrorNotice error={error} /> : null}
          <p className="notice notice-ok consent-outcome" role="status" hidden={!status}>
            {status}
          </p>
          {askDisconnect ? (
            <InlineConfirm
              questionId="disconnect-question"
              question={m.disconnectQuestion(entrance)}
              yes={disconnecting ? m.disconnecting : m.disconnectYes}
              no={m.disconnectNo}
              danger
              busy={disconnecting}
              onYes={() => void disconnect()}
              onNo={() => {
                setAskDisconnect(false);
                document.getElementById('disconnect-entrance')?.focus();
              }}
            />
          ) : (
            <button
              id="disconnect-entrance"
              type="button"
              className="button button-secondary button-wide"
              disabled={pending !== null}
              onClick={() => {
                setConfirming(null);
                setAskDisconnect(true);
              }}
            >
              {m.disconnect(entrance)}
            </button>
          )}
        </>
      ) : null}
    </section>
  );
}

/** The identifiers the citizen linked, each removable after an inline confirmation. */
function IdentifierList({ identifiers, onRemoved }: { identifiers: readonly LinkedIdentifier[]; onRemoved(): void }) {
  const { t, lang } = useText();
  const m = useMeText();
  const [confirming, setConfirming] = useState<string | null>(null);
  const { busy, error, done, submit } = useSubmission();
  const outcomeRef = useRef<HTMLDivElement>(null);

  // The removed row is gone: focus stays in the section, on what happened.
  useEffect(() => {
    if (done) outcomeRef.current?.focus();
  }, [done]);

  const remove = (identifier: LinkedIdentifier, name: string) =>
    void submit(async () => {
      await api<void>(`/v1/me/identifiers/${encodeURIComponent(identifier.id)}`, { method: 'DELETE', auth: true });
      setConfirming(null);
      onRemoved();
      return m.removeDone(name);
    });

  return (
    <>
      {identifiers.length === 0 ? <p className="muted">{t.noIdentifiers}</p> : null}
      <ul className="plain-list identifier-list">
        {identifiers.map((identifier) => {
          const kind = labelOf(IDENTIFIER_LABELS, identifier.kind, lang);
          const name = `${kind} ${identifier.display}`;
          const nameId = `identifier-${identifier.id}`;
          return (
            <li key={identifier.id} className="identifier-row">
              <div className="identifier-line">
                <span>
                  <span id={nameId}>
                    <strong>{kind}</strong> <code>{identifier.display}</code>
                  </span>
                  {identifier.issuer ? <span className="muted"> · {labelOf(DEPARTMENT_LABELS, identifier.issuer.departmentId, lang)}</span> : null}{' '}
                  <span className={identifier.verified ? 'badge badge-ok' : 'badge'}>{identifier.verified ? t.verified : t.notVerified}</span>
                </span>
                {confirming === identifier.id ? null : (
                  <button
                    id={`remove-${identifier.id}`}
                    type="button"
                    className="button button-secondary button-small"
                    aria-describedby={nameId}
                          disabled={busy}
                    onClick={() => setConfirming(identifier.id)}
                  >
                    {m.removeIdentifier}
                  </button>
                )}
              </div>
              {confirming === identifier.id ? (
                <InlineConfirm
                  questionId={`${nameId}-question`}
                  question={m.removeQuestion(name)}
                  yes={busy ? m.removing : m.removeYes}
                  no={m.removeNo}
                  danger
                  busy={busy}
                  onYes={() => remove(identifier, name)}
                  onNo={() => {
                    setConfirming(null);
                    // the Remove button is back once this renders
                    requestAnimationFrame(() => document.getElementById(`remove-${identifier.id}`)?.focus());
                  }}
                />
              ) : null}
            </li>
          );
        })}
      </ul>
      <div ref={outcomeRef} tabIndex={-1} className="identifier-outcome">
        <Outcome error={error} done={done} />
      </div>
    </>
  );
}

/** A question asked in place before a change; the confirming button takes the focus, `danger` when the change cannot be taken back. */
function InlineConfirm({ questionId, question, yes, no, danger = false, busy, onYes, onNo }: { questionId: string; question: string; yes: string; no: string; danger?: boolean; busy: boolean; onYes(): void; onNo(): void }) {
  return (
    <div className="inline-confirm" role="group" aria-labelledby={questionId}>
      <p id={questionId}>{question}</p>
      <div className="inline-confirm-buttons">
        <button type="button" className={danger ? 'button button-danger' : 'button'} autoFocus disabled={busy} onClick={onYes}>
          {yes}
        </button>
        <button type="button" className="button button-secondary" disabled={busy} onClick={onNo}>
          {no}
        </button>
      </div>
    </div>
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
  const consents = useResource(`consents:${citizenKey}`, (signal) => api<ConsentOverview>('/v1/me/consents', { auth: true, signal }));
  const [leaving, setLeaving] = useState(false);
  // Proving the real name or linking an identifier also consents to the scopes it opens.
  const reloadAll = () => {
    me.reload();
    consents.reload();
  };

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
          <RealNameForm consentVersion={consentVersion} onProved={reloadAll} />
        ) : consents.error ? (
          <ErrorNotice error={consents.error} onRetry={consents.reload} />
        ) : (
          <Loading />
        )}
      </Section>
      <Section id="identifiers-title" title={t.identifiersTitle}>
        <IdentifierList identifiers={profile.identifiers} onRemoved={me.reload} />
      </Section>
      <Section id="link-title" title={t.linkTitle}>
        {consentVersion ? <LinkIdentifierForm consentVersion={consentVersion} onLinked={reloadAll} /> : <Loading />}
      </Section>
      <DataAccess consents={consents} />
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
