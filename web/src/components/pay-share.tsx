import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../api.ts';
import { useText } from '../i18n.tsx';
import { paymentApi, type PayableRef, type PayShare } from '../payments.ts';
import { ErrorNotice, Loading } from './error-notice.tsx';
import { PaySummary } from './payment-flow.tsx';

/** "Pay for me": makes a link to one fine or bill that anyone can open and pay, with its QR code. */
export function PayShareLink({ payable }: { payable: PayableRef }) {
  const { t } = useText();
  const [share, setShare] = useState<PayShare | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const [attempt, setAttempt] = useState(0);
  const made = useRef(-1);

  useEffect(() => {
    // Each attempt makes one link, however often the effect runs (React runs it twice in development).
    if (made.current === attempt) return;
    made.current = attempt;
    paymentApi.share(payable).then(setShare, (failure: unknown) => setError(failure instanceof ApiError ? failure : new ApiError(0, 'UNEXPECTED', String(failure))));
  }, [attempt, payable]);

  const copyLink = async (url: string) => {
    try {
      await navigator.clipboard.writeText(url);
      setCopy('copied');
    } catch {
      setCopy('failed'); // the link stays on screen to copy by hand
    }
  };

  if (error) {
    return (
      <ErrorNotice
        error={error}
        onRetry={() => {
          setError(null);
          setAttempt((n) => n + 1);
        }}
      />
    );
  }
  if (!share) return <Loading text={t.shareCreating} />;
  return (
    <div className="pay-share">
      <PaySummary amountFen={share.amountFen} description={share.description} />
      <p className="hint">{t.sharePayHint}</p>
      <div className="share">
        <img src={share.qrSvgUrl} alt={t.sharePayQrAlt} width={192} height={192} />
        <p className="share-url">
          <a href={share.url}>{share.url}</a>
        </p>
        <button type="button" className="button button-secondary" onClick={() => void copyLink(share.url)}>
          {copy === 'copied' ? t.copied : t.copyLink}
        </button>
        <p className="hint" role="status">
          {copy === 'failed' ? t.copyFailed : ''}
        </p>
      </div>
    </div>
  );
}
