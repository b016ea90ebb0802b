import type { ApiError } from '../api.ts';
import { useText } from '../i18n.tsx';
import { useBookingText } from '../texts/bookings.ts';
import { ErrorNotice } from './error-notice.tsx';

/** A refused booking call: the hub's message and code, and for known codes what it means in the person's language. */
export function BookingErrorNotice({ error }: { error: ApiError }) {
  const { t } = useText();
  const w = useBookingText();
  const explanation = t.bookingErrorExplanation(error.code) ?? w.waitingErrorExplanation(error.code);
  return (
    <div className="booking-error">
      {explanation ? (
        <p className="notice notice-warn booking-explanation" data-code={error.code}>
          {explanation}
        </p>
      ) : null}
      <ErrorNotice error={error} />
    </div>
  );
}
