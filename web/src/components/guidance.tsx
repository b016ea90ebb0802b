import { useState } from 'react';
import { api, ApiError, apiPath, type ConsentState } from '../api.ts';
import { useText } from '../i18n.tsx';
import { CATEGORY_LABELS, labelOf } from '../labels.ts';
import { Link } from '../navigation.tsx';
import { pages } from '../router.tsx';
import { ErrorNotice } from './error-notice.tsx';

/** What a person can do about an error of a call (missing real name, identifier or consent), beside reading it. */
export function RecordsGuidance({ error, onRetry }: { error: ApiError; onRetry: () => void }) {
  const { t, lang } = useText();
  const [granting, setGranting] = useState(false);
  const [grantError, setGrantError] = useState<ApiError | null>(null);

  if (error.code === 'HUTONG_ERR_REAL_NAME_REQUIRED' || error.code === 'HUTONG_ERR_IDENTIFIER_REQUIRED') {
    return (
      <div className="notice notice-info">
        <p>{error.code === 'HUTONG_ERR_REAL_NAME_REQUIRED' ? t.guidanceRealName : t.guidanceIdentifier}</p>
        <Link className="button" to={pages.me()}>
          {t.goToMe}
        </Link>
      </div>
    );
  }

  const scope = (error.details as { scope?: unknown } | undefined)?.scope;
  if (error.code === 'HUTONG_ERR_CONSENT_REQUIRED' && typeof scope === 'string') {
    const grant = async () => {
      setGranting(true);
      setGrantError(null);
      try {
        const { currentTextVersion } = await api<ConsentState>('/v1/me/consents', { auth: true });
        await api<ConsentState>(apiPath.consent(scope), { method: 'PUT', auth: true, body: { textVersion: currentTextVersion } });
        onRetry();
      } catch (failure) {
        setGrantError(failure instanceof ApiError ? failure : new ApiError(0, 'UNEXPECTED', String(failure)));
      } finally {
        setGranting(false);
      }
    };
    return (
      <div className="notice notice-info">
        <p>{t.guidanceConsent(labelOf(CATEGORY_LABELS, scope, lang))}</p>
        {grantError ? <ErrorNotice error={grantError} /> : null}
        <button type="button" className="button" disabled={granting} onClick={() => void grant()}>
          {granting ? t.granting : t.grantConsent}
        </button>
      </div>
    );
  }
  return <ErrorNotice error={error} onRetry={onRetry} />;
}

