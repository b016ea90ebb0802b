import { api, ApiError } from './api.ts';

/** An open slot of a booking service (a station, registry office or doctor at a time). */
export interface Slot {
  readonly id: string;
  readonly resource: string;
  readonly start: string;
  readonly end: string;
  readonly capacity: number;
  readonly remaining: number;
  readonly feeFen?: number;
}

export type BookingStatus = 'held' | 'confirmed' | 'cancelled' | 'expired' | 'refused';

/** A booking as the hub shows it to the booker, or to the other party it names. */
export interface Booking {
  readonly id: string;
  readonly reference: string;
  readonly cityId: string;
  readonly serviceId: string;
  readonly departmentId: string;
  readonly slotId: string;
  readonly resource: string;
  readonly start: string;
  readonly status: BookingStatus;
  readonly awaiting?: 'partner' | 'payment' | 'department';
  readonly holdExpiresAt?: string;
  readonly confirmationNumber?: string;
  readonly feeFen?: number;
  readonly note?: string;
  readonly role: 'booker' | 'partner';
  readonly partner?: { readonly name: string; readonly confirmed: boolean };
  /** To the other party: who booked (masked). */
  readonly bookedBy?: string;
  readonly outcome?: { readonly code: string; readonly message: string };
  readonly createdAt: string;
}

/** A place in a booking service's waiting room (a burst: people are let through to book at a rate, in order of arrival). */
export interface WaitingTicket {
  readonly ticketId: string;
  readonly cityId: string;
  readonly serviceId: string;
  readonly state: 'waiting' | 'admitted' | 'expired' | 'used';
  /** While waiting: 1 is the next to be let through. */
  readonly position?: number;
  readonly estimatedWaitSeconds?: number;
  /** Once admitted: book before this time. */
  readonly admittedUntil?: string;
  readonly pollAfterSeconds: number;
  readonly createdAt: string;
}

/** createBooking's answer: the booking, or (202) a place in the service's waiting room. */
export type BookingAnswer = Booking | { readonly waitingRoom: WaitingTicket };

export const isWaiting = (answer: BookingAnswer): answer is { readonly waitingRoom: WaitingTicket } => 'waitingRoom' in answer;

export interface NewBooking {
  readonly cityId: string;
  readonly serviceId: string;
  readonly slotId: string;
  readonly partner?: { readonly name: string; readonly nationalId: string };
}

/** A reminder topic of a city, and whether the citizen takes it. */
export interface Subscription {
  readonly cityId: string;
  readonly topic: string;
  readonly name: { readonly zh: string; readonly en: string };
  readonly subscribed: boolean;
  readonly channel?: string;
  readonly daysBefore?: number;
}

/** A reminder sent to the citizen. */
export interface Notification {
  readonly id: string;
  readonly cityId: string;
  readonly topic: string;
  readonly serviceId: string;
  readonly channel: string;
  readonly title: string;
  readonly body: string;
  readonly link?: string;
  readonly sentAt?: string;
  readonly readAt?: string;
  readonly createdAt: string;
}

/** Whether a booking still holds or has its place (and so can be cancelled). */
export const isActive = (booking: Booking): boolean => booking.status === 'held' || booking.status === 'confirmed';

/** Whether a service takes bookings (its records are slots). */
export const takesBookings = (service: { readonly functions: readonly { readonly kind: string; readonly available: boolean }[] }): boolean =>
  service.functions.some((f) => f.kind === 'booking' && f.available);

/** The local date (YYYY-MM-DD) of an RFC 3339 time written in the city's zone. */
export const localDateOf = (time: string): string => time.slice(0, 10);

export const asApiError = (failure: unknown): ApiError => (failure instanceof ApiError ? failure : new ApiError(0, 'UNEXPECTED', String(failure)));

const encode = encodeURIComponent;

export const bookingApi = {
  slots: (cityId: string, serviceId: string, signal?: AbortSignal) =>
    api<{ items: Slot[]; fetchedAt: string }>(`/v1/cities/${encode(cityId)}/services/${encode(serviceId)}/slots`, { signal }),
  /** With `ticketId`, an admitted waiting-room ticket is used for this attempt. */
  create: (input: NewBooking, key: string, ticketId?: string) =>
    api<BookingAnswer>('/v1/bookings', { method: 'POST', auth: true, headers: { 'idempotency-key': key, ...(ticketId ? { 'hutong-waiting-ticket': ticketId } : {}) }, body: input }),
  ticket: (ticketId: string, signal?: AbortSignal) => api<WaitingTicket>(`/v1/waiting-room/tickets/${encode(ticketId)}`, { auth: true, signal }),
  list: (signal?: AbortSignal) => api<{ items: Booking[] }>('/v1/bookings', { auth: true, signal }),
  get: (id: string, signal?: AbortSignal) => api<Booking>(`/v1/bookings/${encode(id)}`, { auth: true, signal }),
  cancel: (id: string) => api<Booking>(`/v1/bookings/${encode(id)}`, { method: 'DELETE', auth: true }),
  confirmAsPartner: (id: string) => api<Booking>(`/v1/bookings/${encode(id)}/partner-confirmation`, { method: 'POST', auth: true }),
} as const;

export const reminderApi = {
  subscriptions: (cityId: string, signal?: AbortSignal) => api<{ items: Subscription[] }>(`/v1/me/subscriptions?cityId=${encode(cityId)}`, { auth: true, signal }),
  subscribe: (cityId: string, topic: string) => api<Subscription>(`/v1/me/subscriptions/${encode(cityId)}/${encode(topic)}`, { method: 'PUT', auth: true, body: {} }),
  unsubscribe: (cityId: string, topic: string) => api<Subscription>(`/v1/me/subscriptions/${encode(cityId)}/${encode(topic)}`, { method: 'DELETE', auth: true }),
  inbox: (signal?: AbortSignal) => api<{ items: Notification[]; unread: number }>('/v1/me/notifications', { auth: true, signal }),
  markRead: (id: string) => api<Notification>(`/v1/me/notifications/${encode(id)}/read`, { method: 'POST', auth: true }),
} as const;

/** Services whose booking names the other party (marriage registration), who confirms it. */
export const PARTNER_SERVICES: ReadonlySet<string> = new Set(['civil.marriage-booking']);
