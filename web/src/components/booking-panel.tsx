import { useId, useState } from 'react';
import type { ApiError, CityService } from '../api.ts';
import { asApiError, bookingApi, isActive, localDateOf, PARTNER_SERVICES, type Booking, type Slot } from '../bookings.ts';
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

const NATIONAL_ID = /^[0-9]{17}[0-9Xx]$/;

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

  const open = (slots.data?.items ?? []).filter((s) => s.remaining > 0);
  const dates = [...new Set(open.map((s) => localDateOf(s.start)))].sort();
  const date = chosenDate && dates.includes(chosenDate) ? chosenDate : dates[0];
  const shown = open.filter((s) => localDateOf(s.start) === date).sort((a, b) => a.start.localeCompare(b.start));
  const partnerReady = !askPartner || (partnerName.trim().length >= 2 && NATIONAL_ID.test(partnerId.trim()));

  const book = async (slotId: string) => {
    if (!session) {
      navigate(pages.login(href));
      return;
    }
    setPending(slotId);
    setFailure(null);
    try {
      const partner = askPartner ? { name: partnerName.trim(), nationalId: partnerId.trim().toUpperCase() } : undefined;
      const booking = await bookingApi.create({ cityId, serviceId: service.id, slotId, ...(partner ? { partner } : {}) }, newIdempotencyKey());
      setMade((previous) => [booking, ...previous.filter((b) => b.id !== booking.id)]);
    } catch (error) {
      const refused = asApiError(error);
      if (refused.code === 'HUTONG_ERR_PARTNER_REQUIRED') setAskPartner(true);
      setFailure({ slotId, error: refused });
    } finally {
      setPending(null);
      slots.reload();
    }
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
                  busy={pending === slot.id}
                  disabled={pending !== null || !partnerReady}
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
