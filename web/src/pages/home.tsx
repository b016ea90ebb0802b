import { api, apiPath, type City, type CityService } from '../api.ts';
import { ErrorNotice, Loading } from '../components/error-notice.tsx';
import { MyCity } from '../components/my-city.tsx';
import { useEntrance } from '../entrance.ts';
import { rememberCity, rememberedCity } from '../city-choice.ts';
import { useText } from '../i18n.tsx';
import { CATEGORY_LABELS, FUNCTION_LABELS, labelOf, WALLET_LABELS } from '../labels.ts';
import { useResource } from '../resource.ts';
import { Link, navigate, useLocation } from '../navigation.tsx';
import { pages } from '../router.tsx';
import { useSession } from '../session.ts';

/** The entrance this page is open in, and a login that comes back to the city on screen. */
function EntranceCard({ cityId }: { cityId: string | null }) {
  const { t, pick, lang } = useText();
  const session = useSession();
  const entrance = useEntrance();
  return (
    <section className="card entrance" aria-labelledby="entrance-title">
      <h2 id="entrance-title">{t.entranceTitle}</h2>
      {entrance.loading ? <Loading /> : null}
      {entrance.error ? <ErrorNotice error={entrance.error} onRetry={entrance.reload} /> : null}
      {entrance.data ? (
        <>
          <p className="entrance-name" data-channel={entrance.data.channel}>
            {t.entranceOpenedIn(pick(entrance.data.name))}
          </p>
          {entrance.data.preferredWallet ? <p className="muted">{t.entranceWallet(labelOf(WALLET_LABELS, entrance.data.preferredWallet, lang))}</p> : null}
        </>
      ) : null}
      <p className="session-state">
        {session ? (
          <span className="badge badge-ok">{t.loggedInAs}</span>
        ) : (
          <>
            <span className="badge">{t.notLoggedIn}</span>{' '}
            <Link to={pages.login(pages.home(cityId ?? undefined))}>{t.logIn}</Link>
          </>
        )}
      </p>
    </section>
  );
}

function CityPicker({ cities, chosen }: { cities: readonly City[]; chosen: string | null }) {
  const { t, pick } = useText();
  const choose = (cityId: string) => {
    rememberCity(cityId);
    navigate(pages.home(cityId), { replace: true });
  };
  return (
    <section aria-labelledby="city-title">
      <h2 id="city-title">{t.cityTitle}</h2>
      <ul className="city-grid">
        {cities.map((city) => (
          <li key={city.id}>
            <button type="button" className="city-button" aria-pressed={city.id === chosen} onClick={() => choose(city.id)}>
              {pick(city.name)}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function ServiceList({ city }: { city: City }) {
  const { t, pick, lang } = useText();
  const services = useResource(`services:${city.id}`, (signal) => api<{ items: CityService[] }>(apiPath.services(city.id), { signal }));
  const byCategory = new Map<string, CityService[]>();
  for (const service of services.data?.items ?? []) byCategory.set(service.category, [...(byCategory.get(service.category) ?? []), service]);
  return (
    <section aria-labelledby="services-title">
      <h2 id="services-title">{t.servicesOf(pick(city.name))}</h2>
      {services.loading ? <Loading /> : null}
      {services.error ? <ErrorNotice error={services.error} onRetry={services.reload} /> : null}
      {services.data && services.data.items.length === 0 ? <p>{t.noServices}</p> : null}
      {[...byCategory].map(([category, items]) => (
        <div key={category} className="category">
          <h3>{labelOf(CATEGORY_LABELS, category, lang)}</h3>
          <ul className="service-list">
            {items.map((service) => (
              <li key={service.id}>
                <Link to={pages.service(city.id, service.id)} className="service-link">
                  <span className="service-name">{pick(service.name)}</span>
                  <span className="service-meta">
                    {service.functions.map((f) => (
                      <span key={f.kind} className={f.available ? 'chip' : 'chip chip-off'}>
                        {labelOf(FUNCTION_LABELS, f.kind, lang)}
                      </span>
                    ))}
                    {service.available ? null : <span className="chip chip-warn">{t.serviceUnavailable}</span>}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}

export function HomePage() {
  const { t } = useText();
  const { search } = useLocation();
  const cities = useResource('cities', (signal) => api<{ items: City[] }>(apiPath.cities(), { signal }));
  const chosenId = search.get('city') ?? rememberedCity();
  const chosen = cities.data?.items.find((city) => city.id === chosenId) ?? null;
  const session = useSession();
  return (
    <>
      <h1 tabIndex={-1}>{t.homeTitle}</h1>
      <p className="intro">{t.homeIntro}</p>
      <EntranceCard cityId={chosenId} />
      {cities.loading ? <Loading /> : null}
      {cities.error ? <ErrorNotice error={cities.error} onRetry={cities.reload} /> : null}
      {cities.data ? <CityPicker cities={cities.data.items} chosen={chosen?.id ?? null} /> : null}
      {chosen && session ? <MyCity city={chosen} citizenKey={session.citizenId ?? 'citizen'} /> : null}
      {chosen ? <ServiceList city={chosen} /> : cities.data ? <p className="muted">{t.pickCityFirst}</p> : null}
    </>
  );
}
