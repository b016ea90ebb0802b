import { useCallback, useEffect, useId, useState } from 'react';
import type { ApiError } from '../api.ts';
import { asApiError, bookingApi, isActive, type Booking } from '../bookings.ts';
import { formatChinaTime as formatTime, yuan } from '../format.ts';
import { useText } from '../i18n.tsx';
import { paymentApi } from '../payments.ts';
import { BookingErrorNotice } from './booking-error.tsx';
import { PaymentFlow } from './payment-flow.tsx';
import { Sheet } from './sheet.tsx';

/** How often a booking waiting for its department (or for a fee just paid) is asked about again. */
const POLL_MS = 1500;
/** The other party may take minutes to confirm from their own phone: asked about less often. */
const PARTNER_POLL_MS = 3000;

const BADGE: Record<Booking['status'], string> = {
  held: 'badge badge-warn',
  confirmed: 'badge badge-ok',
  cancelled: 'badge',
  expired: 'badge',
  refused: 'badge badge-error',
};

/** Follows a booking that waits on someone else (the department, the fee's write-back, the other party) until it settles. */
function useFollow(booking: Booking, paid: boolean, onChange: (next: Booking) => void): void {
  const awaitsPartner = booking.awaiting === 'partner' && booking.role === 'booker';
  const following = booking.status === 'held' && (booking.awaiting === 'department' || (booking.awaiting === 'payment' && paid) || awaitsPartner);
  const pollMs = awaitsPartner ? PARTNER_POLL_MS : POLL_MS;
  const { id, status, awaiting } = booking;
  useEffect(() => {
    if (!following) return undefined;
    const controller = new AbortController();
    let timer = 0;
    const tick = async () => {
      try {
        const next = await bookingApi.get(id, controller.signal);
        if (controller.signal.aborted) return;
        if (next.status !== status || next.awaiting !== awaiting) {
          onChange(next);
          return;
        }
      } catch {
        if (controller.signal.aborted) return; // a passing failure: ask again
      }
      timer = window.setTimeout(() => void tick(), pollMs);
    };
    timer = window.setTimeout(() => void tick(), pollMs);
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [following, pollMs, id, status, awaiting, onChange]);
}

/**
 * One booking: where and when, its status and what it waits for, and what can be done about it
 * (pay the fee, confirm as the other party, cancel after a second tap).
 */
export function BookingCard({ booking, serviceName, onChange }: { booking: Booking; serviceName?: string; onChange(next: Booking): void }) {
  const { t } = useText();
  const titleId = useId();
  const [paying, setPaying] = useState(false);
  const [paid, setPaid] = useState(false);
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  useFollow(booking, paid, onChange);

  const run = async (call: () => Promise<Booking>) => {
    setBusy(true);
    setError(null);
    try {
      onChange(await call());
      setConfirmingCancel(false);
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  };
  const closeSheet = useCallback(() => setPaying(false), []);
  const onPaid = useCallback(() => setPaid(true), []);

  const held = booking.status === 'held';
  const awaitingText =
    !held || !booking.awaiting
      ? null
      : booking.awaiting === 'partner'
        ? booking.role === 'partner'
          ? t.bookingAwaitingYou
          : t.bookingAwaitingPartner(booking.partner?.name ?? '')
        : booking.awaiting === 'payment'
          ? paid
            ? t.bookingFeePaidConfirming
            : t.bookingAwaitingPayment(booking.holdExpiresAt ? formatTime(booking.holdExpiresAt).slice(11) : '')
          : t.bookingAwaitingDepartment;

  const fields: Array<[string, string]> = [
    [t.bookingWhen, formatTime(booking.start)],
    ...(serviceName ? ([[t.bookingService, serviceName]] as Array<[string, string]>) : []),
    [t.bookingReference, booking.reference],
    ...(booking.confirmationNumber ? ([[t.bookingConfirmation, booking.confirmationNumber]] as Array<[string, string]>) : []),
    ...(booking.feeFen !== undefined ? ([[t.bookingFee, yuan(booking.feeFen)]] as Array<[string, string]>) : []),
    ...(booking.partner
      ? ([[booking.role === 'partner' ? t.bookingBookedBy : t.bookingPartner, booking.role === 'partner' ? t.bookingPartnerYou(booking.bookedBy) : `${booking.partner.name} · ${booking.partner.confirmed ? t.partnerConfirmed : t.partnerNotConfirmed}`]] as Array<[string, string]>)
      : []),
    ...(held && booking.holdExpiresAt ? ([[t.bookingHoldUntil, formatTime(booking.holdExpiresAt)]] as Array<[string, string]>) : []),
    ...(booking.note ? ([[t.bookingNote, booking.note]] as Array<[string, string]>) : []),
  ];

  return (
    <article className={held ? 'card record attention' : 'card record'} data-booking-id={booking.id} aria-labelledby={titleId}>
      <h3 className="record-title" id={titleId}>
        {booking.resource}
      </h3>
      <p className="booking-status">
        <span className={BADGE[booking.status]}>{t.bookingStatus(booking.status)}</span>
        {awaitingText ? <span className="muted"> {awaitingText}</span> : null}
      </p>
      <dl className="fields">
        {fields.map(([label, value]) => (
          <div key={label} className="field">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {booking.outcome ? (
        <p className="notice notice-warn">
          {t.bookingErrorExplanation(booking.outcome.code) ?? booking.outcome.message}
        </p>
      ) : null}
      {error ? <BookingErrorNotice error={error} /> : null}
      <div className="record-actions">
        {held && booking.awaiting === 'payment' && booking.role === 'booker' && !paid && booking.feeFen !== undefined ? (
          <button type="button" className="button" aria-describedby={titleId} onClick={() => setPaying(true)}>
            {t.payFee}
          </button>
        ) : null}
        {held && booking.awaiting === 'partner' && booking.role === 'partner' ? (
          <button type="button" className="button" aria-describedby={titleId} disabled={busy} onClick={() => void run(() => bookingApi.confirmAsPartner(booking.id))}>
            {busy ? t.confirmingBooking : t.confirmAsPartner}
          </button>
        ) : null}
        {isActive(booking) && booking.role === 'booker' && !confirmingCancel ? (
          <button type="button" className="button button-secondary" aria-describedby={titleId} onClick={() => setConfirmingCancel(true)}>
            {t.cancelBooking}
          </button>
        ) : null}
      </div>
      {confirmingCancel && isActive(booking) ? (
        <div className="notice notice-warn" role="group" aria-label={t.cancelBookingQuestion}>
          <p>{t.cancelBookingQuestion}</p>
          <div className="record-actions">
            <button type="button" className="button" disabled={busy} onClick={() => void run(() => bookingApi.cancel(booking.id))}>
              {busy ? t.cancellingBooking : t.cancelBookingYes}
            </button>
            <button type="button" className="button button-secondary" disabled={busy} onClick={() => setConfirmingCancel(false)}>
              {t.cancelBookingNo}
            </button>
          </div>
        </div>
      ) : null}
      {paying && booking.feeFen !== undefined ? (
        <Sheet title={t.payFeeSheetTitle} onClose={closeSheet}>
          <PaymentFlow
            amountFen={booking.feeFen}
            description={`${booking.resource} ${formatTime(booking.start)}`}
            start={(wallet, key) => paymentApi.create({ cityId: booking.cityId, serviceId: booking.serviceId, recordId: booking.id }, wallet, key)}
            onPaid={onPaid}
            onAlreadyPaid={onPaid}
            onDone={closeSheet}
          />
        </Sheet>
      ) : null}
    </article>
  );
}
