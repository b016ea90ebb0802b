import { api, apiPath, cityApiPath, type City, type CityService, type Dashboard, type DashboardSection } from '../api.ts';
import { daysUntil, yuan } from '../format.ts';
import { useText, type Lang } from '../i18n.tsx';
import { CATEGORY_LABELS, IDENTIFIER_LABELS, labelOf } from '../labels.ts';
import { useResource } from '../resource.ts';
import { Link } from '../navigation.tsx';
import { pages } from '../router.tsx';
import { useServiceText, type ServiceTexts } from '../texts/services.ts';
import { billOverdue } from './bill-card.tsx';
import { ErrorNotice, Loading } from './error-notice.tsx';
import { num, text } from './fields.tsx';
import '../styles/services.css';

/** Identifier kinds linked on the "Me" page; linking one also gives consent to the scopes it opens. */
const LINKED_ON_ME = new Set(['plate', 'utility-account', 'library-card']);

const sum = (values: readonly (number | undefined)[]) => values.reduce<number>((total, v) => total + (v ?? 0), 0);

/** One line saying where the citizen stands in a section: unpaid fines, points left, the next due date… */
export function summarizeSection(section: DashboardSection, s: ServiceTexts, lang: Lang): string {
  const items = section.items;
  switch (section.recordType) {
    case 'TrafficViolation': {
      const unpaid = items.filter((i) => i.status === 'unpaid');
      return unpaid.length ? s.unpaidFines(unpaid.length, yuan(sum(unpaid.map((i) => num(i.fineFen))))) : s.noUnpaidFines;
    }
    case 'LicenceStatus': {
      const left = num(items[0]?.pointsLeft);
      return left === undefined ? s.nothingHere : `${s.pointsLeft(left)} · ${s.licenceStatus(text(items[0]?.status) ?? 'valid')}`;
    }
    case 'Bill': {
      const unpaid = items.filter((i) => i.status !== 'paid');
      if (unpaid.length === 0) return s.noUnpaidBills;
      const overdue = unpaid.filter(billOverdue);
      if (overdue.length) return s.billsOverdue(overdue.length, yuan(sum(overdue.map((i) => num(i.amountFen)))));
      const first = unpaid.map((i) => text(i.dueOn) ?? '').sort()[0] ?? '';
      const total = yuan(sum(unpaid.map((i) => num(i.amountFen))));
      return unpaid.length === 1 ? s.billDue(first, total) : s.billsDue(unpaid.length, first, total);
    }
    case 'LibraryLoan': {
      if (items.length === 0) return s.noLoans;
      const overdue = items.filter((i) => i.overdue === true || daysUntil(text(i.dueOn) ?? '9999-12-31') < 0);
      if (overdue.length) return s.loansOverdue(overdue.length);
      const first = items.map((i) => text(i.dueOn) ?? '').sort()[0] ?? '';
      const days = daysUntil(first);
      return days <= 14 ? s.loanDueIn(items.filter((i) => i.dueOn === first).length, days) : s.loansHeld(items.length, first);
    }
    case 'PermitApplication':
      return items.length
        ? items
            .slice(0, 2)
            .map((i) => s.permitStage(s.permitType(text(i.permitType) ?? ''), s.stageName(text(i.stage) ?? '')))
            .join(lang === 'zh' ? '；' : '; ')
        : s.nothingHere;
    case 'SocialInsuranceSummary': {
      const months = num(items[0]?.contributionMonths);
      return months === undefined ? s.nothingHere : s.insuranceSummary(months, text(items[0]?.lastContributionMonth) ?? '');
    }
    default:
      return items.length ? String(items.length) : s.nothingHere;
  }
}

function ageText(seconds: number | undefined, s: ServiceTexts): string | null {
  if (seconds === undefined) return null;
  return seconds < 60 ? s.updatedJustNow : s.updatedAgo(Math.round(seconds / 60));
}

const BADGE: Readonly<Record<string, string>> = { ok: 'badge badge-ok', stale: 'badge badge-warn', partial: 'badge badge-warn', unavailable: 'badge badge-error' };

function SectionCard({ cityId, section }: { cityId: string; section: DashboardSection }) {
  const s = useServiceText();
  const { pick, lang } = useText();
  const age = ageText(section.ageSeconds, s);
  return (
    <li className="my-city-section" data-status={section.status} data-service-id={section.serviceId}>
      <h3>
        <Link to={pages.service(cityId, section.serviceId)}>{pick(section.name)}</Link>
      </h3>
      {section.status !== 'unavailable' ? <p className="my-city-summary">{summarizeSection(section, s, lang)}</p> : null}
      <p className="my-city-meta">
        <span className={BADGE[section.status] ?? 'badge'}>
          <span className="visually-hidden">{s.statusLabel}: </span>
          {s.sectionStatus(section.status)}
        </span>
        {age ? <span>{age}</span> : null}
      </p>
      {section.error ? <p className="my-city-error">{section.error.message}</p> : null}
    </li>
  );
}

/** "My City": each personal service of the city in one line, and what to link to see more. */
export function MyCity({ city, citizenKey }: { city: City; citizenKey: string }) {
  const s = useServiceText();
  const { pick, lang } = useText();
  const dashboard = useResource(`dashboard:${city.id}:${citizenKey}`, (signal) => api<Dashboard>(cityApiPath.dashboard(city.id), { auth: true, signal }));
  const services = useResource(`services:${city.id}`, (signal) => api<{ items: CityService[] }>(apiPath.services(city.id), { signal }));
  const nameOf = (serviceId: string) => {
    const service = services.data?.items.find((x) => x.id === serviceId);
    return service ? pick(service.name) : serviceId;
  };
  const data = dashboard.data;

  return (
    <section className="card my-city" aria-labelledby="my-city-title" aria-busy={dashboard.loading}>
      <div className="my-city-head">
        <h2 id="my-city-title">{s.myCityTitle}</h2>
        <button type="button" className="button button-secondary" onClick={dashboard.reload} disabled={dashboard.loading}>
          {dashboard.loading && data ? s.myCityReloading : s.myCityReload}
        </button>
      </div>
      <p className="hint">{s.myCityIntro}</p>
      {dashboard.loading && !data ? <Loading text={s.myCityLoading} /> : null}
      {dashboard.error ? <ErrorNotice error={dashboard.error} onRetry={dashboard.reload} /> : null}
      {data && data.sections.length === 0 ? <p className="muted">{s.myCityEmpty}</p> : null}
      {data && data.sections.length > 0 ? (
        <ul className="my-city-sections">
          {data.sections.map((section) => (
            <SectionCard key={section.serviceId} cityId={city.id} section={section} />
          ))}
        </ul>
      ) : null}
      {data && data.suggestions.length > 0 ? (
        <>
          <h3>{s.suggestionsTitle}</h3>
          <ul className="suggestions">
            {data.suggestions.map((suggestion) => {
              const service = nameOf(suggestion.serviceId);
              const onMe = LINKED_ON_ME.has(suggestion.identifierKind) || (!suggestion.consentScope && suggestion.identifierKind !== 'none');
              // A consent alone (the identifier is proved through the real name, or none is needed) is given under "Me", data access.
              const line = onMe
                ? s.suggestLink(service, labelOf(IDENTIFIER_LABELS, suggestion.identifierKind, lang))
                : s.suggestConsent(service, labelOf(CATEGORY_LABELS, suggestion.consentScope ?? '', lang));
              return (
                <li key={suggestion.serviceId}>
                  <span id={`suggestion-${suggestion.serviceId}`}>{line}</span>
                  {onMe ? (
                    <Link to={pages.me()} aria-describedby={`suggestion-${suggestion.serviceId}`}>
                      {s.suggestGoToMe}
                    </Link>
                  ) : (
                    <Link to={`${pages.me()}#data-access`} aria-describedby={`suggestion-${suggestion.serviceId}`}>
                      {s.suggestGoToService}
                    </Link>
                  )}
                </li>
              );
            })}
          </ul>
        </>
      ) : null}
    </section>
  );
}
