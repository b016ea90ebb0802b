import type { Operations } from '../admin-api.ts';
import { useCatalogNames } from '../catalog.ts';
import { BarChart } from '../charts.tsx';
import { DataTable, Section } from '../components.tsx';
import { formatCount, formatDateTime, formatRatio, ratioOf } from '../format.ts';
import { useTexts } from '../lang.tsx';
import { LiveStatus, useOperations } from '../live.tsx';
import { entranceLabel } from '../texts.ts';

export function TrafficPage() {
  const { t } = useTexts();
  const operations = useOperations();
  return (
    <>
      <h1 tabIndex={-1}>{t.trafficTitle}</h1>
      <LiveStatus operations={operations} />
      {operations.data ? <TrafficBody operations={operations.data} /> : null}
    </>
  );
}

const OTHER = 'other';
const serviceKey = (cityId: string, serviceId: string) => `${cityId}/${serviceId}`;

function TrafficBody({ operations }: { operations: Operations }) {
  const { t, lang } = useTexts();
  const { byEntrance, byService, byEntranceAndService } = operations.traffic;
  const services = [...byService].filter((s) => s.requests > 0).sort((a, b) => b.requests - a.requests);
  const names = useCatalogNames(lang, services.map((s) => s.cityId));
  const entrances = [...byEntrance].sort((a, b) => b.requests - a.requests);
  // Entrances seen only in the matrix still get a column.
  const columns = [...new Set([...entrances.map((e) => e.entrance), ...byEntranceAndService.map((cell) => cell.entrance)])];
  const cells = new Map(byEntranceAndService.map((cell) => [`${serviceKey(cell.cityId, cell.serviceId)}|${cell.entrance}`, cell.requests]));
  const rows = [...new Map(byEntranceAndService.filter((cell) => cell.requests > 0).map((cell) => [serviceKey(cell.cityId, cell.serviceId), cell])).values()]
    .map((cell) => ({ cityId: cell.cityId, serviceId: cell.serviceId, total: columns.reduce((sum, e) => sum + (cells.get(`${serviceKey(cell.cityId, cell.serviceId)}|${e}`) ?? 0), 0) }))
    .sort((a, b) => b.total - a.total);
  const count = (n: number) => formatCount(n, lang);
  // Requests outside any one service (the catalog, logins…) are counted under "other".
  const serviceName = (cityId: string, serviceId: string) => (serviceId === OTHER ? t.otherRequests : names.serviceName(cityId, serviceId));
  const serviceLabel = (cityId: string, serviceId: string) => `${names.cityName(cityId)} · ${serviceName(cityId, serviceId)}`;

  return (
    <>
      <p className="page-note">{t.sinceStart(formatDateTime(operations.since, lang))}</p>
      <Section id="traffic-entrances" title={t.trafficEntranceTitle}>
        <BarChart
          label={t.entranceChartLabel}
          emptyText={t.noTraffic}
          bars={entrances.map((e) => ({
            key: e.entrance,
            label: `${entranceLabel(e.entrance, lang)} · ${t.colErrorRate} ${formatRatio(ratioOf(e.errors, e.requests), lang)}`,
            value: e.requests,
            valueText: t.requestsAndErrors(count(e.requests), count(e.errors)),
            tone: e.requests > 0 && e.errors / e.requests >= 0.05 ? 'bad' : 'neutral',
          }))}
        />
      </Section>

      <Section id="traffic-services" title={t.trafficServiceTitle}>
        {services.length === 0 ? (
          <p>{t.noTraffic}</p>
        ) : (
          <DataTable
            caption={t.trafficServiceTitle}
            columns={[{ label: t.colService }, { label: t.colCity }, { label: t.colRequests, num: true }, { label: t.colErrors, num: true }, { label: t.colErrorRate, num: true }]}
          >
            <tbody>
              {services.map((s) => (
                <tr key={serviceKey(s.cityId, s.serviceId)}>
                  <th scope="row">
                    {serviceName(s.cityId, s.serviceId)}
                    <span className="row-id">{s.serviceId}</span>
                  </th>
                  <td>{names.cityName(s.cityId)}</td>
                  <td className="num">{count(s.requests)}</td>
                  <td className="num">{count(s.errors)}</td>
                  <td className="num">{formatRatio(ratioOf(s.errors, s.requests), lang)}</td>
                </tr>
              ))}
            </tbody>
          </DataTable>
        )}
        {byService.length > services.length ? <p className="page-note">{t.servicesWithoutRequests(byService.length - services.length)}</p> : null}
      </Section>

      <Section id="traffic-matrix" title={t.trafficMatrixTitle}>
        {rows.length === 0 ? (
          <p>{t.noTraffic}</p>
        ) : (
          <DataTable
            caption={t.trafficMatrixCaption}
            className="matrix"
            columns={[{ label: t.colService }, ...columns.map((entrance) => ({ label: entranceLabel(entrance, lang), num: true, key: entrance }))]}
          >
            <tbody>
              {rows.map((row) => {
                const key = serviceKey(row.cityId, row.serviceId);
                return (
                  <tr key={key}>
                    <th scope="row">{serviceLabel(row.cityId, row.serviceId)}</th>
                    {columns.map((entrance) => {
                      const requests = cells.get(`${key}|${entrance}`) ?? 0;
                      return (
                        <td key={entrance} className={`num heat${heatLevel(requests, row.total)}`}>
                          {count(requests)}
                        </td>
                      );
                    })}
                  </tr>
                );
              })}
            </tbody>
          </DataTable>
        )}
      </Section>
    </>
  );
}

/** 0…3: how much of a service's requests came through one entrance, as the cell's shade. */
function heatLevel(requests: number, total: number): number {
  if (requests === 0 || total === 0) return 0;
  return Math.min(3, 1 + Math.floor((requests / total) * 3));
}
