import { useId } from 'react';
import { adminApi, adminPaths, type ReminderCounts } from '../admin-api.ts';
import { BarChart, type Tone } from '../charts.tsx';
import { DataTable, LoadStatus } from '../components.tsx';
import { formatCount, formatDateTime } from '../format.ts';
import { useTexts } from '../lang.tsx';
import { navigate, useLocation } from '../../navigation.tsx';
import { adminPages } from '../router.tsx';
import { labelOf, REMINDER_STATUS_LABELS, REMINDER_STATUS_ORDER } from '../texts.ts';
import { useData } from '../use-data.ts';

const PERIODS = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
type Period = keyof typeof PERIODS;
const isPeriod = (value: string | null): value is Period => value !== null && value in PERIODS;
const STATUS_TONES: Readonly<Record<string, Tone>> = { sent: 'ok', scheduled: 'neutral', sending: 'neutral', failed: 'bad', unknown: 'warn', cancelled: 'muted' };

export function RemindersPage() {
  const { t, lang } = useTexts();
  const { search } = useLocation();
  const asked = search.get('period');
  const period: Period = isPeriod(asked) ? asked : '24h';
  const id = useId();
  // The period is the key; the start time is taken when the counts are asked for.
  const reminders = useData(`reminders:${period}`, (signal) => adminApi<ReminderCounts>(adminPaths.reminders(new Date(Date.now() - PERIODS[period]).toISOString()), { signal }));
  const data = reminders.data;
  const labels: Record<Period, string> = { '24h': t.period24h, '7d': t.period7d, '30d': t.period30d };

  const statuses = data ? [...REMINDER_STATUS_ORDER.filter((s) => s in data.counts), ...Object.keys(data.counts).filter((s) => !(REMINDER_STATUS_ORDER as readonly string[]).includes(s))] : [];
  const total = data ? Object.values(data.counts).reduce((sum, n) => sum + n, 0) : 0;
  const count = (n: number) => formatCount(n, lang);

  return (
    <>
      <h1 tabIndex={-1}>{t.remindersTitle}</h1>
      <div className="filters">
        <label htmlFor={id}>{t.periodLabel}</label>
        <select id={id} value={period} onChange={(event) => navigate(adminPages.reminders(event.target.value), { replace: true })}>
          {(Object.keys(PERIODS) as Period[]).map((p) => (
            <option key={p} value={p}>
              {labels[p]}
            </option>
          ))}
        </select>
        <button type="button" className="button button-quiet" onClick={reminders.reload}>
          {t.refreshNow}
        </button>
      </div>
      <LoadStatus data={reminders} />
      {data ? (
        <>
          <p className="page-note">{t.remindersSince(formatDateTime(data.since, lang))}</p>
          {total === 0 ? <p>{t.noReminders}</p> : null}
          <div className="chart-grid chart-grid-2">
            <BarChart
              caption={t.remindersChartLabel}
              label={t.remindersChartLabel}
              emptyText={t.noReminders}
              bars={statuses.map((s) => ({ key: s, label: labelOf(REMINDER_STATUS_LABELS, s, lang), value: data.counts[s] ?? 0, valueText: count(data.counts[s] ?? 0), tone: STATUS_TONES[s] ?? 'neutral' }))}
            />
            <DataTable caption={t.remindersTableCaption} columns={[{ label: t.colStatus }, { label: t.colReminders, num: true }]}>
              <tbody>
                {statuses.map((s) => (
                  <tr key={s}>
                    <th scope="row">{labelOf(REMINDER_STATUS_LABELS, s, lang)}</th>
                    <td className="num">{count(data.counts[s] ?? 0)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">{t.remindersTotal}</th>
                  <td className="num">{count(total)}</td>
                </tr>
              </tfoot>
            </DataTable>
          </div>
        </>
      ) : null}
    </>
  );
}
