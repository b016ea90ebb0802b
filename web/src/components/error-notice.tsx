import type { ApiError } from '../api.ts';
import { useText } from '../i18n.tsx';

/** An error of the hub as a person reads it: its message, and its code for whoever helps them. */
export function ErrorNotice({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const { t } = useText();
  return (
    <div className="notice notice-error" role="alert">
      <p>{error.message}</p>
      <p className="error-code">
        {t.errorCode}: <code>{error.code}</code>
      </p>
      {onRetry ? (
        <button type="button" className="button button-secondary" onClick={onRetry}>
          {t.retry}
        </button>
      ) : null}
    </div>
  );
}

export function Loading({ text }: { text?: string }) {
  const { t } = useText();
  return (
    <p className="loading" role="status">
      {text ?? t.loading}
    </p>
  );
}
