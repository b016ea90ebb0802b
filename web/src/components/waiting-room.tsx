import { useEffect, useId, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import type { ApiError } from '../api.ts';
import { asApiError, bookingApi, type WaitingTicket } from '../bookings.ts';
import type { Session } from '../session.ts';
import { useBookingText } from '../texts/bookings.ts';

/** Refusals that mean the ticket is gone for good: the person books again. */
const TICKET_GONE = new Set(['HUTONG_ERR_WAITING_TICKET_NOT_FOUND', 'HUTONG_ERR_WAITING_ROOM_NOT_FOUND', 'HUTONG_ERR_UNAUTHENTICATED']);

const TICKET_STATES: ReadonlySet<string> = new Set(['waiting', 'admitted', 'expired', 'used']);

/** A booking waiting its turn in the service's waiting room: asked again, with the ticket, once admitted. */
export interface QueuedBooking {
  readonly slotId: string;
  readonly partner?: { readonly name: string; readonly nationalId: string };
  /** The booking request's Idempotency-Key: the attempt once admitted is the same request. */
  readonly key: string;
  readonly ticket: WaitingTicket;
  /** Read back from this tab's storage when the page was opened again: its place is looked at at once. */
  readonly resumed?: boolean;
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** What sessionStorage held, when it is a place in a queue of this app's shape. */
function asQueuedBooking(value: unknown): QueuedBooking | null {
  if (typeof value !== 'object' || value === null) return null;
  const { slotId, partner, key, ticket } = value as Record<string, unknown>;
  if (!isText(slotId) || !isText(key) || typeof ticket !== 'object' || ticket === null) return null;
  const t = ticket as Record<string, unknown>;
  if (!isText(t.ticketId) || !isText(t.state) || !TICKET_STATES.has(t.state) || typeof t.pollAfterSeconds !== 'number') return null;
  if (partner !== undefined) {
    const p = partner as Record<string, unknown> | null;
    if (typeof p !== 'object' || p === null || !isText(p.name) || !isText(p.nationalId)) return null;
  }
  return { ...(value as QueuedBooking), resumed: true };
}

const placeKey = (citizenId: string, cityId: string, serviceId: string) => `hutong.waiting.${citizenId}.${cityId}.${serviceId}`;

// Some in-app browsers refuse storage (private mode); the place then lasts as long as the page.
function readPlace(key: string): QueuedBooking | null {
  try {
    const raw = window.sessionStorage.getItem(key);
    return raw ? asQueuedBooking(JSON.parse(raw)) : null;
  } catch {
    return null;
  }
}

function writePlace(key: string, queued: QueuedBooking | null): void {
  try {
    if (queued) window.sessionStorage.setItem(key, JSON.stringify({ slotId: queued.slotId, ...(queued.partner ? { partner: queued.partner } : {}), key: queued.key, ticket: queued.ticket }));
    else window.sessionStorage.removeItem(key);
  } catch {
    // kept in memory only
  }
}

/**
 * The booking a person waits to make in a service's waiting room, kept for this tab per citizen and
 * service (sessionStorage), so that leaving the page and coming back goes on with the same ticket
 * instead of starting over. Nobody signed in: nothing is read back.
 *
 * @example
 *   const [queued, setQueued] = useQueuedBooking(useSession(), 'shanghai', 'traffic.inspection-booking');
 */
export function useQueuedBooking(session: Session | null, cityId: string, serviceId: string): [QueuedBooking | null, Dispatch<SetStateAction<QueuedBooking | null>>] {
  const key = placeKey(session?.citizenId ?? 'citizen', cityId, serviceId);
  const [queued, setQueued] = useState<QueuedBooking | null>(() => (session ? readPlace(key) : null));
  const written = useRef(queued);
  useEffect(() => {
    // Only changes are written: a page opened for another person or service leaves their place alone.
    if (written.current === queued) return;
    written.current = queued;
    writePlace(key, queued);
  }, [key, queued]);
  return [queued, setQueued];
}

/**
 * A place in a booking service's waiting room: the people ahead and the estimated wait, asked for
 * again every `pollAfterSeconds` (asking keeps the place), or at once when `checkAtOnce` (a place
 * kept while the person was on another page). When the turn comes, `onAdmitted` books with the
 * ticket; a ticket that ran out or is gone ends with `onEnded`.
 */
export function WaitingRoomStatus({
  ticket,
  checkAtOnce = false,
  onAdmitted,
  onEnded,
  onLeave,
}: {
  ticket: WaitingTicket;
  checkAtOnce?: boolean;
  onAdmitted(ticketId: string): void;
  onEnded(ticket: WaitingTicket | null, error?: ApiError): void;
  onLeave(): void;
}) {
  const w = useBookingText();
  const titleId = useId();
  const [current, setCurrent] = useState(ticket);
  const [checked, setChecked] = useState(!checkAtOnce);
  // The callbacks of the latest render, without restarting the polling when they change.
  const handlers = useRef({ onAdmitted, onEnded });
  handlers.current = { onAdmitted, onEnded };

  useEffect(() => setCurrent(ticket), [ticket]);

  useEffect(() => {
    if (current.state !== 'waiting') return undefined;
    const controller = new AbortController();
    const timer = setTimeout(
      () => {
        bookingApi.ticket(current.ticketId, controller.signal).then(
          (next) => {
            setChecked(true);
            setCurrent(next);
          },
          (error: unknown) => {
            if (controller.signal.aborted) return;
            setChecked(true);
            const refused = asApiError(error);
            if (TICKET_GONE.has(refused.code)) handlers.current.onEnded(null, refused);
            // A failed look (the network) is tried again after the same pause.
            else setCurrent((same) => ({ ...same }));
          },
        );
      },
      checked ? Math.max(1, current.pollAfterSeconds) * 1000 : 0,
    );
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [current, checked]);

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
      <h3 id={titleId}>{w.waitingTitle}</h3>
      <p className="notice notice-info waiting-room-status" role="status" aria-live="polite" aria-atomic="true" aria-labelledby={titleId}>
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
