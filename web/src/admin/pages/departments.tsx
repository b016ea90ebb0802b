import { useId } from 'react';
import type { DepartmentOperations, Operations } from '../admin-api.ts';
import { useCatalogNames, type CatalogNames } from '../catalog.ts';
import { BarChart } from '../charts.tsx';
import { BreakerBadge, TableRegion } from '../components.tsx';
import { formatCount, formatDateTime, formatMs, formatRatio } from '../format.ts';
import { useTexts } from '../lang.tsx';
import { LiveStatus, useOperations } from '../live.tsx';
import { adminPages, navigate, useLocation } from '../router.tsx';
import { departmentLabel } from '../texts.ts';
import { FaultSwitches } from './fault-switches.tsx';

// Every city has about eleven departments: with all twelve cities the chart shows the slowest only.
const SLOWEST = 12;

export function DepartmentsPage() {
  const { t, lang } = useTexts();
  const { search } = useLocation();
  const cityId = search.get('city') ?? '';
  const operations = useOperations();
  const names = useCatalogNames(lang);
  return (
    <>
      <h1 tabIndex={-1}>{t.departmentsTitle}</h1>
      <LiveStatus operations={operations} />
      {operations.data ? <DepartmentsBody operations={operations.data} cityId={cityId} names={names} /> : null}
      {operations.data?.demo.faultSwitches ? <FaultSwitches /> : null}
    </>
  );
}

function CityFilter({ cityId, cityIds, names }: { cityId: string; cityIds: readonly string[]; names: CatalogNames }) {
  const { t } = useTexts();
  const id = useId();
  // The catalog's order when known; cities the catalog does not list (yet) follow.
  const ordered = [...names.cities.map((city) => city.id).filter((c) => cityIds.includes(c)), ...cityIds.filter((c) => !names.cities.some((city) => city.id === c))];
  return (
    <div className="filters">
      <label htmlFor={id}>{t.cityFilter}</label>
      <select id={id} value={cityId} onChange={(event) => navigate(adminPages.departments(event.target.value || undefined), { replace: true })}>
        <option value="">{t.allCities}</option>
        {ordered.map((c) => (
          <option key={c} value={c}>
            {names.cityName(c)}
          </option>
        ))}
      </select>
    </div>
  );
}

function DepartmentsBody({ operations, cityId, names }: { operations: Operations; cityId: string; names: CatalogNames }) {
  const { t, lang } = useTexts();
  const cityIds = [...new Set(operations.departments.map((d) => d.cityId))];
  const shown = cityId ? operations.departments.filter((d) => d.cityId === cityId) : operations.departments;
  const caption = t.departmentsTableCaption(shown.length);
  const name = (d: DepartmentOperations) => (cityId ? departmentLabel(d.departmentId, lang) : `${names.cityName(d.cityId)} · ${departmentLabel(d.departmentId, lang)}`);
  const measured = shown.filter((d): d is DepartmentOperations & { latencyMs: NonNullable<DepartmentOperations['latencyMs']> } => d.latencyMs !== null).sort((a, b) => b.latencyMs.p95 - a.latencyMs.p95);
  const charted = cityId ? measured : measured.slice(0, SLOWEST);
  const chartTitle = cityId || measured.length <= SLOWEST ? t.latencyChartAll : t.latencyChartSlowest(SLOWEST);
  const count = (n: number) => formatCount(n, lang);

  return (
    <>
      <CityFilter cityId={cityId} cityIds={cityIds} names={names} />
      <section aria-labelledby="departments-table" className="section">
        <h2 id="departments-table">{caption}</h2>
        <TableRegion label={caption} tall={shown.length > 15}>
          <table className="data-table departments">
            <caption className="visually-hidden">{caption}</caption>
            <thead>
              <tr>
                <th scope="col">{t.colDepartment}</th>
                <th scope="col">{t.colBreaker}</th>
                <th scope="col" className="num">{t.colCalls}</th>
                <th scope="col" className="num">{t.colFailures}</th>
                <th scope="col" className="num">{t.colRejected}</th>
                <th scope="col" className="num">{t.colErrorRate}</th>
                <th scope="col" className="num">p50</th>
                <th scope="col" className="num">p95</th>
                <th scope="col" className="num">p99</th>
                <th scope="col" className="num">{t.colInFlight}</th>
                <th scope="col">{t.colCache}</th>
                <th scope="col">{t.colLastFailure}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((d) => (
                <tr key={d.department}>
                  <th scope="row">
                    {name(d)}
                    <span className="row-id">{d.department}</span>
                  </th>
                  <td>
                    <BreakerBadge state={d.breaker} />
                  </td>
                  <td className="num">{count(d.calls)}</td>
                  <td className="num">{count(d.failures)}</td>
                  <td className="num">{count(d.rejected)}</td>
                  <td className="num">{formatRatio(d.errorRate, lang)}</td>
                  {d.latencyMs ? (
                    <>
                      <td className="num">{formatMs(d.latencyMs.p50, lang)}</td>
                      <td className="num">{formatMs(d.latencyMs.p95, lang)}</td>
                      <td className="num">{formatMs(d.latencyMs.p99, lang)}</td>
                    </>
                  ) : (
                    <td className="muted spanned" colSpan={3}>
                      {d.calls === 0 ? t.neverCalled : t.none}
                    </td>
                  )}
                  <td className="num">{count(d.inFlight)}</td>
                  <td className="nowrap">
                    {count(d.cache.hits)} / {count(d.cache.misses)} / {count(d.cache.stale)}
                  </td>
                  <td className="last-failure">
                    {d.lastFailure ? (
                      <>
                        <code>{d.lastFailure.code}</code>
                        <span className="row-id">{formatDateTime(d.lastFailure.at, lang)}</span>
                      </>
                    ) : (
                      t.none
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      </section>

      <section aria-labelledby="departments-latency" className="section">
        <h2 id="departments-latency">{t.latencyChartTitle}</h2>
        <BarChart
          caption={chartTitle}
          summary={(parts) => t.chartSummary(t.latencyChartLabel(chartTitle), parts)}
          emptyText={t.noLatency}
          bars={charted.map((d) => ({
            key: d.department,
            label: `${name(d)} (p50 ${formatMs(d.latencyMs.p50, lang)}, p99 ${formatMs(d.latencyMs.p99, lang)})`,
            value: d.latencyMs.p95,
            valueText: `p95 ${formatMs(d.latencyMs.p95, lang)}`,
            tone: d.breaker === 'open' ? 'bad' : d.breaker === 'closed' ? 'neutral' : 'warn',
          }))}
        />
      </section>
    </>
  );
}
