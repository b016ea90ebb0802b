import { useId, useState } from 'react';
import { ApiError, type CityService } from '../api.ts';
import { asApiError, bookingApi, isActive, isWaiting, localDateOf, PARTNER_SERVICES, type Booking, type Slot, type WaitingTicket } from '../bookings.ts';
import { yuan } from '../format.ts';
import { useText } from '../i18n.tsx';
import { newIdempotencyKey } from '../payments.ts';
import { useResource } from '../resource.ts';
import { Link, navigate, useLocation } from '../navigation.tsx';
import { pages } from '../router.tsx';
import { useSession } from '../session.ts';
import { BookingErrorNotice } from './booking-error.tsx';
import { BookingList } from './booking-list.tsx';
import { ErrorNotice, Loading } from './error-notice.tsx';
import { RecordsGuidance } from './guidance.tsx';
import { useQueuedBooking, WaitingRoomStatus } from './waiting-room.tsx';

const NATIONAL_ID = /^[0-9]{17}[0-9Xx]$/;

type Partner = { readonly name: string; readonly nationalId: string };

/** The other party of a marriage registration: they confirm from their own account. */
function PartnerFields({ name, nationalId, onName, onNationalId }: { name: string; nationalId: string; onName(v: string): void; onNationalId(v: string): void }) {
  const { t } = useText();
  return (
    <fieldset className="form partner-fields">
      <legend>{t.partnerLegend}</legend>
      <p className="hint">{t.partnerHint}</p>
      <label htmlFor="partner-name">{t.partnerNameLabel}</label>
      <input id="partner-name" name="partnerName" autoComplete="off" required minLength={2} maxLength={30} value={name} onChange={(e) => onName(e.target.value)} />
      <label htmlFor="partner-national-id">{t.partnerNationalIdLabel}</label>
      <input
        id="partner-national-id"
        name="partnerNationalId"
        autoComplete="off"
        inputMode="text"
        required
        minLength={18}
        maxLength={18}
        value={nationalId}
        onChange={(e) => onNationalId(e.target.value)}
      />
    </fieldset>
  );
}

/** The days that have a slot with a place left, as buttons; the chosen one pressed. */
function DatePicker({ dates, chosen, onChoose }: { dates: readonly string[]; chosen: string; onChoose(date: string): void }) {
  const { t, lang } = useText();
  const format = new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { month: 'short', day: 'numeric', weekday: 'short', timeZone: 'UTC' });
  return (
    <div className="date-picker" role="group" aria-label={t.slotDateLabel}>
      {dates.map((date) => (
        <button key={date} type="button" className="date-button" aria-pressed={date === chosen} data-date={date} onClick={() => onChoose(date)}>
          {format.format(new Date(`${date}T00:00:00Z`))}
        </button>
      ))}
    </div>
  );
}

function SlotRow({ slot, busy, disabled, onBook }: { slot: Slot; busy: boolean; disabled: boolean; onBook(): void }) {
  const { t } = useText();
  const id = useId();
  return (
    <li className="slot" data-slot-id={slot.id}>
      <div id={id} className="slot-text">
        <strong className="slot-time">
          {slot.start.slice(11, 16)}–{slot.end.slice(11, 16)}
        </strong>
        <span className="slot-resource">{slot.resource}</span>
        <span className="muted">
          {t.placesLeft(slot.remaining)}
          {slot.feeFen ? ` · ${t.bookingFee} ${yuan(slot.feeFen)}` : ''}
        </span>
      </div>
      <button type="button" className="button" aria-describedby={id} disabled={disabled} onClick={onBook}>
        {busy ? t.booking : t.book}
      </button>
    </li>
  );
}

/** A booking service's page: pick a day and a slot with places left, book it, and follow the booking. */
export function BookingPanel({ cityId, service }: { cityId: string; service: CityService }) {
  const { t, pick } = useText();
  const session = useSession();
  const { href } = useLocation();
  const slots = useResource(`slots:${cityId}:${service.id}`, (signal) => bookingApi.slots(cityId, service.id, signal));
  const [chosenDate, setChosenDate] = useState<string | null>(null);
  const [askPartner, setAskPartner] = useState(PARTNER_SERVICES.has(service.id));
  const [partnerName, setPartnerName] = useState('');
  const [partnerId, setPartnerId] = useState('');
  const [pending, setPending] = useState<string | null>(null);
  const [failure, setFailure] = useState<{ slotId: string; error: ApiError } | null>(null);
  const [made, setMade] = useState<Booking[]>([]);
  // Kept for this tab: coming back to the page goes on waiting with the same ticket.
  const [queued, setQueued] = useQueuedBooking(session, cityId, service.id);

  const open = (slots.data?.items ?? []).filter((s) => s.remaining > 0);
  const dates = [...new Set(open.map((s) => localDateOf(s.start)))].sort();
  const date = chosenDate && dates.includes(chosenDate) ? chosenDate : dates[0];
  const shown = open.filter((s) => localDateOf(s.start) === date).sort((a, b) => a.start.localeCompare(b.start));
  const partnerReady = !askPartner || (partnerName.trim().length >= 2 && NATIONAL_ID.test(partnerId.trim()));

  /** One booking request; in a burst the answer may be a place in the waiting room, followed until admitted. */
  const attempt = async (slotId: string, partner: Partner | undefined, key: string, ticketId?: string) => {
    setPending(slotId);
    setFailure(null);
    try {
      const answer = await bookingApi.create({ cityId, serviceId: service.id, slotId, ...(partner ? { partner } : {}) }, key, ticketId);
      if (isWaiting(answer)) {
        setQueued({ slotId, ...(partner ? { partner } : {}), key, ticket: answer.waitingRoom });
        return;
      }
      setQueued(null);
      setMade((previous) => [answer, ...previous.filter((b) => b.id !== answer.id)]);
      // The other party's national id is not left on screen once the booking carries it.
      setPartnerName('');
      setPartnerId('');
    } catch (error) {
      setQueued(null);
      const refused = asApiError(error);
      if (refused.code === 'HUTONG_ERR_PARTNER_REQUIRED') setAskPartner(true);
      setFailure({ slotId, error: refused });
    } finally {
      setPending(null);
      slots.reload();
    }
  };

  const book = async (slotId: string) => {
    if (!session) {
      navigate(pages.login(href));
      return;
    }
    const partner = askPartner ? { name: partnerName.trim(), nationalId: partnerId.trim().toUpperCase() } : undefined;
    await attempt(slotId, partner, newIdempotencyKey());
  };

  const admitted = (ticketId: string) => {
    if (queued) void attempt(queued.slotId, queued.partner, queued.key, ticketId);
  };

  const queueEnded = (ticket: WaitingTicket | null, error?: ApiError) => {
    const slotId = queued?.slotId;
    const resumed = queued?.resumed === true;
    setQueued(null);
    if (!slotId) return;
    if (error) {
      // A kept ticket the hub no longer knows is simply dropped: the person had not just asked for it.
      if (!resumed) setFailure({ slotId, error });
    } else if (ticket?.state === 'expired') setFailure({ slotId, error: new ApiError(409, 'HUTONG_ERR_WAITING_TICKET_EXPIRED', 'The waiting-room ticket ran out; book again to join the waiting room again') });
  };

  const guided = failure && ['HUTONG_ERR_CONSENT_REQUIRED', 'HUTONG_ERR_REAL_NAME_REQUIRED', 'HUTONG_ERR_IDENTIFIER_REQUIRED'].includes(failure.error.code);

  return (
    <>
      {session ? (
        <section className="card" aria-labelledby="service-bookings-title">
          <h2 id="service-bookings-title">{t.serviceBookingsTitle}</h2>
          <BookingList
            citizenKey={session.citizenId ?? 'citizen'}
            made={made}
            show={(b) => b.cityId === cityId && b.serviceId === service.id && (isActive(b) || made.some((m) => m.id === b.id))}
            empty={t.noServiceBookings}
          />
          <p>
            <Link to={pages.bookings()}>{t.allMyBookings}</Link>
          </p>
        </section>
      ) : null}
      <section className="card" aria-labelledby="slots-title">
        <h2 id="slots-title">{t.slotsTitle}</h2>
        {slots.loading && !slots.data ? <Loading text={t.slotsLoading} /> : null}
        {slots.error ? <ErrorNotice error={slots.error} onRetry={slots.reload} /> : null}
        {slots.data && dates.length === 0 ? <p className="muted">{t.noSlots}</p> : null}
        {!session && slots.data ? <p className="hint">{t.loginToBook}</p> : null}
        {askPartner ? <PartnerFields name={partnerName} nationalId={partnerId} onName={setPartnerName} onNationalId={setPartnerId} /> : null}
        {askPartner && !partnerReady ? <p className="hint">{t.partnerFirst}</p> : null}
        {queued ? <WaitingRoomStatus key={queued.ticket.ticketId} ticket={queued.ticket} checkAtOnce={queued.resumed === true} onAdmitted={admitted} onEnded={queueEnded} onLeave={() => setQueued(null)} /> : null}
        {failure ? (
          <div className="booking-failure">
            {guided ? (
              <RecordsGuidance error={failure.error} onRetry={() => void book(failure.slotId)} />
            ) : (
              <BookingErrorNotice error={failure.error} />
            )}
          </div>
        ) : null}
        {date ? (
          <>
            <h3>{t.slotDateLabel}</h3>
            <DatePicker dates={dates} chosen={date} onChoose={setChosenDate} />
            <h3>{t.slotsOn(pick(service.name))}</h3>
            <ul className="slots" aria-busy={slots.loading}>
              {shown.map((slot) => (
                <SlotRow
                  key={slot.id}
                  slot={slot}
                  busy={pending === slot.id || queued?.slotId === slot.id}
                  disabled={pending !== null || queued !== null || !partnerReady}
                  onBook={() => void book(slot.id)}
                />
              ))}
            </ul>
          </>
        ) : null}
      </section>
    </>
  );
}
