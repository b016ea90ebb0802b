import type { Operations } from '../admin-api.ts';
import { useCatalogNames } from '../catalog.ts';
import { BarChart, Gauge, type Tone } from '../charts.tsx';
import { BreakerBadge, Section, Tile } from '../components.tsx';
import { formatCount, formatDateTime, formatRatio, ratioOf } from '../format.ts';
import { useTexts } from '../lang.tsx';
import { LiveStatus, useOperations } from '../live.tsx';
import { Link } from '../../navigation.tsx';
import { adminPages } from '../router.tsx';
import { BREAKER_LABELS, BREAKER_ORDER, departmentLabel, entranceLabel } from '../texts.ts';

const BREAKER_TONES: Readonly<Record<string, Tone>> = { closed: 'ok', 'half-open': 'warn', open: 'bad', isolated: 'muted' };

export function OverviewPage() {
  const { t } = useTexts();
  const operations = useOperations();
  return (
    <>
      <h1 tabIndex={-1}>{t.overviewTitle}</h1>
      <LiveStatus operations={operations} />
      {operations.data ? <OverviewBody operations={operations.data} /> : null}
    </>
  );
}

function OverviewBody({ operations }: { operations: Operations }) {
  const { t, lang } = useTexts();
  const names = useCatalogNames(lang);
  const { departments, traffic, cache } = operations;
  const byBreaker = new Map(BREAKER_ORDER.map((state) => [state, departments.filter((d) => d.breaker === state).length]));
  const requests = traffic.byEntrance.reduce((sum, e) => sum + e.requests, 0);
  const errors = traffic.byEntrance.reduce((sum, e) => sum + e.errors, 0);
  const errorRate = ratioOf(errors, requests);
  const notClosed = departments.filter((d) => d.breaker !== 'closed');
  const count = (n: number) => formatCount(n, lang);
  const breakerDetail = BREAKER_ORDER.filter((state) => (byBreaker.get(state) ?? 0) > 0)
    .map((state) => `${BREAKER_LABELS[state][lang]} ${count(byBreaker.get(state) ?? 0)}`)
    .join(' · ');

  return (
    <>
      <p className="page-note">{t.sinceStart(formatDateTime(operations.since, lang))}</p>
      <dl className="tiles">
        <Tile title={t.tileDepartments} value={count(departments.length)} detail={breakerDetail} tone={(byBreaker.get('open') ?? 0) > 0 ? 'bad' : notClosed.length > 0 ? 'warn' : 'ok'} />
        <Tile title={t.tileRequests} value={count(requests)} detail={t.tileRequestsHint(count(errors))} />
        <Tile title={t.tileErrorRate} value={formatRatio(errorRate, lang)} detail={t.tileErrorRateHint} tone={errorRate !== null && errorRate >= 0.05 ? 'bad' : undefined} />
        <Tile title={t.tileOffload} value={formatRatio(cache.offloadRatio, lang)} detail={t.tileOffloadHint(count(cache.departmentCalls))} />
        <Tile title={t.tileProcesses} value={count(operations.scale.processes)} detail={t.sharing[operations.scale.sharing]} tone={operations.scale.sharing === 'local' ? 'warn' : undefined} />
      </dl>

      <div className="chart-grid">
        <BarChart
          caption={t.breakerCounts}
          label={t.breakerChartLabel}
          emptyText={t.noDataYet}
          bars={BREAKER_ORDER.map((state) => ({ key: state, label: BREAKER_LABELS[state][lang], value: byBreaker.get(state) ?? 0, valueText: count(byBreaker.get(state) ?? 0), tone: BREAKER_TONES[state] }))}
        />
        <Gauge
          caption={t.tileOffload}
          ratio={cache.offloadRatio}
          ratioText={formatRatio(cache.offloadRatio, lang)}
          label={t.offloadChartLabel(formatRatio(cache.offloadRatio, lang))}
          detail={`${t.cacheHits} ${count(cache.hits)} · ${t.cacheMisses} ${count(cache.misses)} · ${t.cacheStale} ${count(cache.stale)}`}
        />
        <BarChart
          caption={t.entranceChartTitle}
          label={t.entranceChartLabel}
          emptyText={t.noTraffic}
          bars={[...traffic.byEntrance]
            .sort((a, b) => b.requests - a.requests)
            .map((e) => ({ key: e.entrance, label: entranceLabel(e.entrance, lang), value: e.requests, valueText: t.requestsAndErrors(count(e.requests), count(e.errors)), tone: e.errors > 0 && e.errors / e.requests >= 0.05 ? 'bad' : 'neutral' }))}
        />
      </div>

      <Section id="overview-problems" title={t.problemsTitle}>
        {notClosed.length === 0 ? (
          <p>{t.noProblems}</p>
        ) : (
          <ul className="problem-list">
            {notClosed.map((d) => (
              <li key={d.department}>
                <BreakerBadge state={d.breaker} />{' '}
                <Link to={adminPages.departments(d.cityId)}>
                  {names.cityName(d.cityId)} · {departmentLabel(d.departmentId, lang)}
                </Link>
                {d.lastFailure ? (
                  <span className="muted">
                    {' '}
                    — <code>{d.lastFailure.code}</code> {formatDateTime(d.lastFailure.at, lang)}
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        )}
        <p>
          <Link to={adminPages.departments()}>{t.seeDepartments}</Link>
        </p>
      </Section>
    </>
  );
}
