import { useId, type ReactNode } from 'react';
import { NETWORK_ERROR, type ApiError, type BreakerState } from './admin-api.ts';
import { formatClock } from './format.ts';
import { useTexts } from './lang.tsx';
import { BREAKER_LABELS } from './texts.ts';
import type { Data } from './use-data.ts';

/** A failed call as the operator reads it: what it means, the hub's message and its code. */
export function ErrorNotice({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const { t } = useTexts();
  const hint = error.code === 'HUTONG_ERR_ROUTE_NOT_FOUND' ? t.errorRouteMissing : error.code === NETWORK_ERROR ? t.errorNetwork : null;
  return (
    <div className="notice notice-error" role="alert">
      {hint ? <p>{hint}</p> : null}
      <p>{error.message}</p>
      <p className="error-code">
        {t.errorCode}: <code>{error.code}</code>
        {error.status ? <> · HTTP {error.status}</> : null}
      </p>
      {onRetry ? (
        <button type="button" className="button button-quiet" onClick={onRetry}>
          {t.retry}
        </button>
      ) : null}
    </div>
  );
}

export function Loading({ text }: { text?: string }) {
  const { t } = useTexts();
  return (
    <p className="loading" role="status">
      {text ?? t.loading}
    </p>
  );
}

/** A breaker state: colour and text, never colour alone. */
export function BreakerBadge({ state }: { state: BreakerState }) {
  const { lang } = useTexts();
  return <span className={`badge breaker-${state}`}>{BREAKER_LABELS[state]?.[lang] ?? state}</span>;
}

/** One headline number with what it counts. */
export function Tile({ title, value, detail, tone }: { title: string; value: ReactNode; detail?: ReactNode; tone?: 'ok' | 'warn' | 'bad' }) {
  return (
    <div className={`tile${tone ? ` tile-${tone}` : ''}`}>
      <dt>{title}</dt>
      <dd className="tile-value">{value}</dd>
      {detail ? <dd className="tile-detail">{detail}</dd> : null}
    </div>
  );
}

/** A column of a {@link DataTable}; `num` aligns a column of numbers to the right. */
export interface Column {
  readonly label: ReactNode;
  readonly num?: boolean;
  readonly key?: string;
}

/**
 * A table that may be wider (or, `tall`, longer) than the screen: it scrolls, from the keyboard too,
 * and its caption names it for screen readers. The body rows are the children.
 *
 * @example
 *   <DataTable caption={t.statementsTitle} columns={[{ label: t.colWallet }, { label: t.colLines, num: true }]}>
 *     <tbody>…</tbody>
 *   </DataTable>
 */
export function DataTable({ caption, columns, className, tall = false, children }: { caption: string; columns: readonly Column[]; className?: string; tall?: boolean; children: ReactNode }) {
  const { t } = useTexts();
  return (
    <div className={`table-region${tall ? ' table-region-tall' : ''}`} role="region" aria-label={t.tableScrollLabel(caption)} tabIndex={0}>
      <table className={className ? `data-table ${className}` : 'data-table'}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column, index) => (
              <th key={column.key ?? index} scope="col" className={column.num ? 'num' : undefined}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        {children}
      </table>
    </div>
  );
}

/** A card of a page, named by its heading; `action` sits beside the heading. */
export function Section({ id, title, action, children }: { id: string; title: ReactNode; action?: ReactNode; children: ReactNode }) {
  const heading = <h2 id={id}>{title}</h2>;
  return (
    <section aria-labelledby={id} className="section">
      {action ? (
        <div className="section-head">
          {heading}
          {action}
        </div>
      ) : (
        heading
      )}
      {children}
    </section>
  );
}

/** A load's failure (with a retry) and, until the first answer, that it is loading. */
export function LoadStatus({ data }: { data: Data<unknown> }) {
  return (
    <>
      {data.error ? <ErrorNotice error={data.error} onRetry={data.reload} /> : null}
      {data.loading && !data.data ? <Loading /> : null}
    </>
  );
}

/** When the shown numbers were made, and the controls of the automatic refresh. */
export function RefreshBar({ updatedAt, refreshSeconds, paused, onPause, onRefresh }: { updatedAt?: string | Date; refreshSeconds: number; paused: boolean; onPause(paused: boolean): void; onRefresh(): void }) {
  const { t, lang } = useTexts();
  const statusId = useId();
  return (
    <div className="refresh-bar">
      <p id={statusId} className="refresh-status">
        <span>{updatedAt ? t.updatedAt(formatClock(updatedAt, lang)) : t.notUpdatedYet}</span>
        <span className="refresh-mode">{paused ? t.autoRefreshPaused : t.autoRefreshEvery(refreshSeconds)}</span>
      </p>
      <div className="refresh-actions">
        <button type="button" className="button button-quiet" onClick={() => onPause(!paused)}>
          {paused ? t.resumeRefresh : t.pauseRefresh}
        </button>
        <button type="button" className="button button-quiet" onClick={onRefresh} aria-describedby={statusId}>
          {t.refreshNow}
        </button>
      </div>
    </div>
  );
}
