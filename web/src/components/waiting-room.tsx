import { useEffect, useRef, useState } from 'react';
import type { ApiError } from '../api.ts';
import { asApiError, bookingApi, type WaitingTicket } from '../bookings.ts';
import { useBookingText } from '../texts/bookings.ts';

/** Refusals that mean the ticket is gone for good: the person books again. */
const TICKET_GONE = new Set(['HUTONG_ERR_WAITING_TICKET_NOT_FOUND', 'HUTONG_ERR_WAITING_ROOM_NOT_FOUND', 'HUTONG_ERR_UNAUTHENTICATED']);

/**
 * A place in a booking service's waiting room: the people ahead and the estimated wait, asked for
 * again every `pollAfterSeconds` (asking keeps the place). When the turn comes, `onAdmitted` books
 * with the ticket; a ticket that ran out or is gone ends with `onEnded`.
 */
export function WaitingRoomStatus({
  ticket,
  onAdmitted,
  onEnded,
  onLeave,
}: {
  ticket: WaitingTicket;
  onAdmitted(ticketId: string): void;
  onEnded(ticket: WaitingTicket | null, error?: ApiError): void;
  onLeave(): void;
}) {
  const w = useBookingText();
  const [current, setCurrent] = useState(ticket);
  // The callbacks of the latest render, without restarting the polling when they change.
  const handlers = useRef({ onAdmitted, onEnded });
  handlers.current = { onAdmitted, onEnded };

  useEffect(() => setCurrent(ticket), [ticket]);

  useEffect(() => {
    if (current.state !== 'waiting') return undefined;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      bookingApi.ticket(current.ticketId, controller.signal).then(
        (next) => setCurrent(next),
        (error: unknown) => {
          if (controller.signal.aborted) return;
          const refused = asApiError(error);
          if (TICKET_GONE.has(refused.code)) handlers.current.onEnded(null, refused);
          // A failed look (the network) is tried again after the same pause.
          else setCurrent((same) => ({ ...same }));
        },
      );
    }, Math.max(1, current.pollAfterSeconds) * 1000);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [current]);

  useEffect(() => {
    if (current.state === 'admitted') handlers.current.onAdmitted(current.ticketId);
    else if (current.state !== 'waiting') handlers.current.onEnded(current);
  }, [current.state, current.ticketId]);

  const line =
    current.state === 'waiting' && current.position !== undefined
      ? w.waitingInQueue(current.position - 1, current.estimatedWaitSeconds ?? 0)
      : w.waitingAdmitted;
  return (
    <div className="waiting-room" data-ticket-state={current.state}>
      <p className="notice notice-info waiting-room-status" role="status" aria-live="polite" aria-atomic="true">
        {line}
      </p>
      <p className="hint">{w.waitingHint}</p>
      {current.state === 'waiting' ? (
        <button type="button" className="button button-secondary" onClick={onLeave}>
          {w.waitingLeave}
        </button>
      ) : null}
    </div>
  );
}
