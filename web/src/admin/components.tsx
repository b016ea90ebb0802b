import { useId, type ReactNode } from 'react';
import { NETWORK_ERROR, type AdminApiError, type BreakerState } from './admin-api.ts';
import { formatClock } from './format.ts';
import { useTexts } from './lang.tsx';
import { BREAKER_LABELS } from './texts.ts';

/** A failed call as the operator reads it: what it means, the hub's message and its code. */
export function ErrorNotice({ error, onRetry }: { error: AdminApiError; onRetry?: () => void }) {
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

/** A table that may be wider (or, `tall`, longer) than the screen: it scrolls, from the keyboard too. */
export function TableRegion({ label, tall = false, children }: { label: string; tall?: boolean; children: ReactNode }) {
  const { t } = useTexts();
  return (
    <div className={`table-region${tall ? ' table-region-tall' : ''}`} role="region" aria-label={t.tableScrollLabel(label)} tabIndex={0}>
      {children}
    </div>
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
