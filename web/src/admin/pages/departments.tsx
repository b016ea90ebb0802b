import { useId } from 'react';
import type { DepartmentOperations, Operations } from '../admin-api.ts';
import { useCatalogNames, type CatalogNames } from '../catalog.ts';
import { BarChart } from '../charts.tsx';
import { BreakerBadge, DataTable, Section, type Column } from '../components.tsx';
import { formatCount, formatDateTime, formatMs, formatRatio } from '../format.ts';
import { useTexts } from '../lang.tsx';
import { LiveStatus, useOperations } from '../live.tsx';
import { navigate, useLocation } from '../../navigation.tsx';
import { adminPages } from '../router.tsx';
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
  const columns: readonly Column[] = [
    { label: t.colDepartment },
    { label: t.colBreaker },
    ...[t.colCalls, t.colFailures, t.colRejected, t.colErrorRate, 'p50', 'p95', 'p99', t.colInFlight].map((label) => ({ label, num: true })),
    { label: t.colCache },
    { label: t.colLastFailure },
  ];

  return (
    <>
      <CityFilter cityId={cityId} cityIds={cityIds} names={names} />
      <Section id="departments-table" title={caption}>
        <DataTable caption={caption} className="departments" tall={shown.length > 15} columns={columns}>
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
                <td className="num">
                  {count(d.inFlight)}
                  {d.queued > 0 ? t.queuedSuffix(count(d.queued)) : null}
                </td>
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
        </DataTable>
      </Section>

      <Section id="departments-latency" title={t.latencyChartTitle}>
        <BarChart
          caption={chartTitle}
          label={t.latencyChartLabel(chartTitle)}
          emptyText={t.noLatency}
          bars={charted.map((d) => ({
            key: d.department,
            label: `${name(d)} (p50 ${formatMs(d.latencyMs.p50, lang)}, p99 ${formatMs(d.latencyMs.p99, lang)})`,
            value: d.latencyMs.p95,
            valueText: `p95 ${formatMs(d.latencyMs.p95, lang)}`,
            tone: d.breaker === 'open' ? 'bad' : d.breaker === 'closed' ? 'neutral' : 'warn',
          }))}
        />
      </Section>
    </>
  );
}
