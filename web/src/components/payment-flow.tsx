import { Fragment, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../api.ts';
import { useEntrance } from '../entrance.ts';
import { yuan } from '../format.ts';
import { useText } from '../i18n.tsx';
import { labelOf, WALLET_LABELS } from '../labels.ts';
import { newIdempotencyKey, paymentApi, walletOrder, type Payment, type Wallet } from '../payments.ts';
import { ErrorNotice, Loading } from './error-notice.tsx';

/** How often an open checkout asks the hub whether it has been paid. */
const POLL_MS = 1500;

const asApiError = (failure: unknown): ApiError => (failure instanceof ApiError ? failure : new ApiError(0, 'UNEXPECTED', String(failure)));

/** The amount and the masked description of what is being paid. */
export function PaySummary({ amountFen, description }: { amountFen: number; description?: string }) {
  const { t } = useText();
  return (
    <dl className="pay-summary">
      <div>
        <dt>{t.amountLabel}</dt>
        <dd className="pay-amount">{yuan(amountFen)}</dd>
      </div>
      {description ? (
        <div>
          <dt>{t.paymentDescriptionLabel}</dt>
          <dd>
            {/* Breaks only between its words: a plate or a date stays on one line. */}
            {description.split(' ').map((word, index) => (
              <Fragment key={index}>
                {index > 0 ? ' ' : null}
                <span className="nowrap">{word}</span>
              </Fragment>
            ))}
          </dd>
        </div>
      ) : null}
    </dl>
  );
}

/** The checkout's QR code, fetched with the session's token and shown from an object URL. */
function CheckoutQr({ payment }: { payment: Payment }) {
  const { t, lang } = useText();
  const [image, setImage] = useState<{ id: string; url?: string; error?: ApiError } | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    let url: string | null = null;
    paymentApi.qrSvg(payment.id, controller.signal).then(
      (blob) => {
        if (controller.signal.aborted) return;
        url = URL.createObjectURL(blob);
        setImage({ id: payment.id, url });
      },
      (failure: unknown) => {
        if (!controller.signal.aborted) setImage({ id: payment.id, error: asApiError(failure) });
      },
    );
    return () => {
      controller.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [payment.id, attempt]);

  const current = image?.id === payment.id ? image : null;
  if (current?.error) return <ErrorNotice error={current.error} onRetry={() => setAttempt((n) => n + 1)} />;
  return (
    <div className="qr-frame">
      {current?.url ? <img src={current.url} alt={t.qrAlt(labelOf(WALLET_LABELS, payment.wallet, lang))} width={208} height={208} /> : <Loading text={t.qrLoading} />}
    </div>
  );
}

export interface PaymentFlowProps {
  readonly amountFen: number;
  readonly description?: string;
  /** Opens a checkout with the wallet chosen; `key` is new for each attempt. */
  start(wallet: Wallet, key: string): Promise<Payment>;
  /** The payment went through (called once). */
  onPaid(payment: Payment): void;
  /** The hub says it was paid already (by someone else, or with another wallet). */
  onAlreadyPaid?(): void;
  /** Shown as a "Done" button once paid (in a sheet: closes it). */
  onDone?(): void;
  /** Show the amount and description (false where the page shows them already). */
  readonly showSummary?: boolean;
}

/**
 * Paying one fine or bill: choose any wallet (the entrance's own first and preselected), show its
 * QR checkout, and follow it until it is paid.
 */
export function PaymentFlow({ amountFen, description, start, onPaid, onAlreadyPaid, onDone, showSummary = true }: PaymentFlowProps) {
  const { t, lang } = useText();
  const entrance = useEntrance();
  const preferred = entrance.data?.preferredWallet;
  const wallets = walletOrder(preferred);
  const [chosen, setChosen] = useState<Wallet | null>(null);
  const wallet = chosen ?? wallets[0]!;
  const [payment, setPayment] = useState<Payment | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const reported = useRef<string | null>(null);
  const groupName = useId();
  const walletName = (id: string) => labelOf(WALLET_LABELS, id, lang);

  const begin = async () => {
    setBusy(true);
    setError(null);
    try {
      const opened = await start(wallet, newIdempotencyKey());
      setNow(Date.now());
      setPayment(opened);
    } catch (failure) {
      const refused = asApiError(failure);
      setError(refused);
      if (refused.code === 'HUTONG_ERR_PAYMENT_ALREADY_PAID') onAlreadyPaid?.();
    } finally {
      setBusy(false);
    }
  };

  // Follow an open checkout until the wallet's payment reaches the hub; stop when the sheet closes.
  const paymentId = payment?.id;
  const state = payment?.state;
  useEffect(() => {
    if (!paymentId || state !== 'pending') return undefined;
    const controller = new AbortController();
    let timer = 0;
    const tick = async () => {
      try {
        const next = await paymentApi.get(paymentId, controller.signal);
        if (controller.signal.aborted) return;
        setNow(Date.now());
        if (next.state !== 'pending') {
          setPayment(next);
          return;
        }
      } catch {
        if (controller.signal.aborted) return; // otherwise: a passing network failure, ask again
      }
      timer = window.setTimeout(() => void tick(), POLL_MS);
    };
    timer = window.setTimeout(() => void tick(), POLL_MS);
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [paymentId, state]);

  useEffect(() => {
    if (payment?.state === 'succeeded' && reported.current !== payment.id) {
      reported.current = payment.id;
      onPaid(payment);
    }
  }, [payment, onPaid]);

  const summary = !showSummary ? null : <PaySummary amountFen={payment?.amountFen ?? amountFen} description={payment?.description ?? description} />;

  if (payment?.state === 'succeeded') {
    return (
      <div className="payment-flow">
        {summary}
        <div className="notice notice-ok paid-notice" role="status">
          <p>
            <span className="paid-mark" aria-hidden="true">
              ✓
            </span>{' '}
            {t.paymentPaid(yuan(payment.amountFen))}
          </p>
        </div>
        {onDone ? (
          <button type="button" className="button button-wide" onClick={onDone}>
            {t.done}
          </button>
        ) : null}
      </div>
    );
  }

  if (payment) {
    const expired = payment.state === 'pending' && now > Date.parse(payment.expiresAt);
    const ended = payment.state === 'failed' || payment.state === 'closed' || expired;
    const time = new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour: '2-digit', minute: '2-digit' }).format(new Date(payment.expiresAt));
    return (
      <div className="payment-flow">
        {summary}
        {ended ? (
          <div className="notice notice-warn">
            <p>{expired ? t.paymentExpired : t.paymentEnded}</p>
          </div>
        ) : (
          <div className="checkout">
            <CheckoutQr payment={payment} />
            <p>{t.scanWith(walletName(payment.wallet))}</p>
            <p className="muted">{t.expiresAt(time)}</p>
          </div>
        )}
        <p className="payment-state" role="status">
          {t.paymentStateLabel}: <strong data-state={payment.state}>{t.paymentState(payment.state)}</strong>
        </p>
        {error ? <ErrorNotice error={error} /> : null}
        {ended ? (
          <button type="button" className="button button-wide" disabled={busy} onClick={() => void begin()}>
            {busy ? t.creatingQr : t.regenerateQr}
          </button>
        ) : null}
        <button
          type="button"
          className="button button-link button-wide"
          onClick={() => {
            setPayment(null);
            setError(null);
          }}
        >
          {t.otherWallet}
        </button>
      </div>
    );
  }

  return (
    <div className="payment-flow">
      {summary}
      {entrance.loading ? (
        <Loading />
      ) : (
        <fieldset className="wallets">
          <legend>{t.walletLegend}</legend>
          {wallets.map((id) => (
            <label key={id} className="wallet-option">
              <input type="radio" name={groupName} value={id} checked={id === wallet} onChange={() => setChosen(id)} />
              <span className={`wallet-mark wallet-${id}`} aria-hidden="true">
                {WALLET_LABELS[id]?.zh.charAt(0)}
              </span>
              <span className="wallet-name">{walletName(id)}</span>
              {id === preferred ? <span className="chip">{t.walletEntranceDefault}</span> : null}
            </label>
          ))}
          <p className="hint">{t.walletAnyHint}</p>
        </fieldset>
      )}
      {error ? <ErrorNotice error={error} /> : null}
      <button type="button" className="button button-wide" disabled={busy || entrance.loading} onClick={() => void begin()}>
        {busy ? t.creatingQr : t.showQr}
      </button>
    </div>
  );
}
