import { useCallback, useState } from 'react';
import { bookingApi, type Booking } from '../bookings.ts';
import { useText } from '../i18n.tsx';
import { useResource } from '../resource.ts';
import { BookingCard } from './booking-card.tsx';
import { ErrorNotice, Loading } from './error-notice.tsx';

/**
 * The citizen's bookings (and those naming them as the other party) that `show` keeps, newest
 * first; `made` are bookings just made on this page, shown before the list has been read again.
 */
export function BookingList({
  citizenKey,
  show = () => true,
  made = [],
  serviceName,
  empty,
}: {
  citizenKey: string;
  show?: (booking: Booking) => boolean;
  made?: readonly Booking[];
  serviceName?: (booking: Booking) => string | undefined;
  empty?: string;
}) {
  const { t } = useText();
  const bookings = useResource(`bookings:${citizenKey}`, (signal) => bookingApi.list(signal));
  const [updates, setUpdates] = useState<Readonly<Record<string, Booking>>>({});
  const update = useCallback((next: Booking) => setUpdates((previous) => ({ ...previous, [next.id]: next })), []);

  if (bookings.loading && !bookings.data && made.length === 0) return <Loading />;
  const loaded = bookings.data?.items ?? [];
  const all = [...made, ...loaded.filter((b) => !made.some((m) => m.id === b.id))].map((b) => updates[b.id] ?? b).filter(show);
  return (
    <>
      {bookings.error ? <ErrorNotice error={bookings.error} onRetry={bookings.reload} /> : null}
      {all.length === 0 && bookings.data ? <p className="muted">{empty ?? t.noBookings}</p> : null}
      <div className="records">
        {all.map((booking) => (
          <BookingCard key={booking.id} booking={booking} serviceName={serviceName?.(booking)} onChange={update} />
        ))}
      </div>
    </>
  );
}
