import { useId } from 'react';
import { adminApi, adminPaths, type PaymentSummary, type ReconciliationReport } from '../admin-api.ts';
import { BarChart, Gauge, type Tone } from '../charts.tsx';
import { DataTable, ErrorNotice, LoadStatus, Loading, Section, Tile } from '../components.tsx';
import { chinaDate, formatCount, formatDateTime, formatRatio, formatYuan, ratioOf } from '../format.ts';
import { useTexts } from '../lang.tsx';
import { navigate, useLocation } from '../../navigation.tsx';
import { adminPages } from '../router.tsx';
import { labelOf, MISMATCH_LABELS, MISMATCH_ORDER, PAYMENT_STATUS_LABELS, STATEMENT_LABELS, walletLabel } from '../texts.ts';
import { useData } from '../use-data.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const STATUS_TONES: Readonly<Record<string, Tone>> = { succeeded: 'ok', pending: 'warn', created: 'warn', failed: 'bad', closed: 'muted', refunded: 'muted' };

export function PaymentsPage() {
  const { t } = useTexts();
  const { search } = useLocation();
  const today = chinaDate();
  const asked = search.get('date');
  const date = asked && DATE.test(asked) ? asked : today;
  const id = useId();
  return (
    <>
      <h1 tabIndex={-1}>{t.paymentsTitle}</h1>
      <div className="filters">
        <label htmlFor={id}>{t.dateLabel}</label>
        <input
          id={id}
          type="date"
          value={date}
          max={today}
          required
          onChange={(event) => {
            if (DATE.test(event.target.value)) navigate(adminPages.payments(event.target.value), { replace: true });
          }}
        />
      </div>
      <Summary date={date} />
      <Reconciliation date={date} />
    </>
  );
}

function Summary({ date }: { date: string }) {
  const { t, lang } = useTexts();
  const summary = useData(`summary:${date}`, (signal) => adminApi<PaymentSummary>(adminPaths.paymentSummary(date), { signal }));
  const data = summary.data;
  const yuan = (fen: number) => formatYuan(fen, lang);
  const count = (n: number) => formatCount(n, lang);
  return (
    <Section id="payments-totals" title={t.totalsTitle}>
      <LoadStatus data={summary} />
      {data ? (
        <>
          <dl className="tiles">
            <Tile title={t.totalCount} value={count(data.totals.count)} />
            <Tile title={t.succeededCount} value={count(data.totals.succeededCount)} />
            <Tile title={t.succeededAmount} value={yuan(data.totals.succeededFen)} />
            <Tile title={t.refundedAmount} value={yuan(data.totals.refundedFen)} />
          </dl>
          {data.totals.count === 0 ? (
            <p>{t.noPayments}</p>
          ) : (
            <>
              <h3>{t.byWalletTitle}</h3>
              <div className="chart-grid chart-grid-2">
                <BarChart
                  label={t.byWalletChartLabel}
                  emptyText={t.noPayments}
                  bars={data.byWallet.map((w) => ({ key: w.wallet, label: walletLabel(w.wallet, lang), value: w.succeededFen, valueText: yuan(w.succeededFen) }))}
                />
                <DataTable
                  caption={t.byWalletTitle}
                  columns={[{ label: t.colWallet }, { label: t.colCount, num: true }, { label: t.colSucceededCount, num: true }, { label: t.colSucceededAmount, num: true }, { label: t.colRefunded, num: true }]}
                >
                  <tbody>
                    {data.byWallet.map((w) => (
                      <tr key={w.wallet}>
                        <th scope="row">{walletLabel(w.wallet, lang)}</th>
                        <td className="num">{count(w.count)}</td>
                        <td className="num">{count(w.succeededCount)}</td>
                        <td className="num">{yuan(w.succeededFen)}</td>
                        <td className="num">{yuan(w.refundedFen)}</td>
                      </tr>
                    ))}
                  </tbody>
                </DataTable>
              </div>

              <h3>{t.byStatusTitle}</h3>
              <BarChart
                label={t.byStatusChartLabel}
                emptyText={t.noPayments}
                bars={data.byStatus.map((s) => ({ key: s.status, label: labelOf(PAYMENT_STATUS_LABELS, s.status, lang), value: s.count, valueText: count(s.count), tone: STATUS_TONES[s.status] ?? 'neutral' }))}
              />
            </>
          )}

          <h3>{t.writeBackTitle}</h3>
          <WriteBack waiting={data.writeBack.waiting} done={data.writeBack.done} />
        </>
      ) : null}
    </Section>
  );
}

function WriteBack({ waiting, done }: { waiting: number; done: number }) {
  const { t, lang } = useTexts();
  const share = ratioOf(done, waiting + done);
  return (
    <div className="write-back">
      <Gauge ratio={share} ratioText={formatRatio(share, lang)} label={t.writeBackChartLabel(formatRatio(share, lang))} tone={waiting > 0 ? 'warn' : 'ok'} />
      <dl className="tiles">
        <Tile title={t.writeBackWaiting} value={formatCount(waiting, lang)} tone={waiting > 0 ? 'warn' : undefined} />
        <Tile title={t.writeBackDone} value={formatCount(done, lang)} />
      </dl>
    </div>
  );
}

function Reconciliation({ date }: { date: string }) {
  const { t, lang } = useTexts();
  const report = useData(`reconciliation:${date}`, (signal) => adminApi<ReconciliationReport>(adminPaths.reconciliation(date), { signal }));
  const data = report.data;
  const incomplete = data?.wallets.some((w) => w.error !== undefined) ?? false;
  const amount = (fen: number | undefined) => (fen === undefined ? t.none : formatYuan(fen, lang));
  const mismatchColumns = [{ label: t.colTradeNo }, { label: t.colWallet }, { label: t.colPayment }, { label: t.colHubAmount, num: true }, { label: t.colWalletAmount, num: true }, { label: t.colDetail }];
  return (
    <Section
      id="payments-reconciliation"
      title={t.reconciliationTitle}
      action={
        <button type="button" className="button button-quiet" onClick={report.reload}>
          {t.reconcileAgain}
        </button>
      }
    >
      {report.loading ? <Loading text={t.reconciliationRunning} /> : null}
      {report.error ? <ErrorNotice error={report.error} onRetry={report.reload} /> : null}
      {data ? (
        <>
          <p className="page-note">{t.generatedAt(formatDateTime(data.generatedAt, lang))}</p>
          <h3>{t.statementsTitle}</h3>
          <DataTable caption={t.statementsTitle} columns={[{ label: t.colWallet }, { label: t.colStatement }, { label: t.colLines, num: true }, { label: t.colMatched, num: true }, { label: t.colError }]}>
            <tbody>
              {data.wallets.map((w) => (
                <tr key={w.wallet}>
                  <th scope="row">{walletLabel(w.wallet, lang)}</th>
                  <td>{labelOf(STATEMENT_LABELS, w.statement, lang)}</td>
                  <td className="num">{formatCount(w.lines, lang)}</td>
                  <td className="num">{formatCount(w.matched, lang)}</td>
                  <td className={w.error ? 'text-bad' : undefined}>{w.error ?? t.none}</td>
                </tr>
              ))}
            </tbody>
          </DataTable>

          <h3>
            {t.mismatchesTitle} <span className="muted">({t.mismatchCount(data.mismatches.length)})</span>
          </h3>
          {data.mismatches.length === 0 ? (
            <p className={`notice ${incomplete ? 'notice-warn' : 'notice-ok'}`}>{incomplete ? t.noMismatchesPartial : t.noMismatches}</p>
          ) : (
            MISMATCH_ORDER.map((kind) => {
              const found = data.mismatches.filter((m) => m.kind === kind);
              if (found.length === 0) return null;
              const title = MISMATCH_LABELS[kind][lang];
              return (
                <section key={kind} className="mismatch-group" aria-labelledby={`mismatch-${kind}`}>
                  <h4 id={`mismatch-${kind}`}>
                    {title} <span className="muted">({t.mismatchCount(found.length)})</span>
                  </h4>
                  <DataTable caption={title} columns={mismatchColumns}>
                    <tbody>
                      {found.map((m) => (
                        <tr key={`${m.wallet}:${m.outTradeNo}`}>
                          <th scope="row">
                            <code>{m.outTradeNo}</code>
                          </th>
                          <td>{walletLabel(m.wallet, lang)}</td>
                          <td>{m.paymentId ? <code>{m.paymentId}</code> : t.none}</td>
                          <td className="num">{amount(m.hubAmountFen)}</td>
                          <td className="num">{amount(m.walletAmountFen)}</td>
                          <td>{m.detail}</td>
                        </tr>
                      ))}
                    </tbody>
                  </DataTable>
                </section>
              );
            })
          )}
        </>
      ) : null}
    </Section>
  );
}
