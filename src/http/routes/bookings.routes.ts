import { Type } from '@sinclair/typebox';
import { bearerAuth, principalOf } from '../auth.ts';
import { errorResponses } from '../error-handler.ts';
import { hutongError } from '../../errors.ts';
import type { HubApp, HubServices } from '../types.ts';
import { WAITING_TICKET_HEADER, WaitingRoomAnswer } from './waiting-room.routes.ts';

const bearer = [{ bearerAuth: [] }];
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,64}$/;

const SlotView = Type.Object({
  id: Type.String(),
  cityId: Type.String(),
  departmentId: Type.String(),
  resource: Type.String({ description: 'station, office, or doctor' }),
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
  capacity: Type.Integer({ minimum: 0 }),
  remaining: Type.Integer({ minimum: 0, description: 'places the hub can still book: the department\'s answer less places held right now' }),
  feeFen: Type.Optional(Type.Integer({ minimum: 0 })),
});

const Booking = Type.Object({
  id: Type.String({ format: 'uuid' }),
  reference: Type.String({ description: 'the hub\'s booking reference, also given to the department' }),
  cityId: Type.String(),
  serviceId: Type.String(),
  departmentId: Type.String(),
  slotId: Type.String(),
  resource: Type.String(),
  start: Type.String({ format: 'date-time' }),
  status: Type.Union(['held', 'confirmed', 'cancelled', 'expired', 'refused'].map((s) => Type.Literal(s))),
  awaiting: Type.Optional(
    Type.Union(['partner', 'payment', 'department'].map((s) => Type.Literal(s)), {
      description: 'what a held booking waits for: the other party to confirm, the fee (pay with createPayment, recordId = booking id), or the department\'s answer',
    }),
  ),
  holdExpiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  confirmationNumber: Type.Optional(Type.String()),
  feeFen: Type.Optional(Type.Integer({ minimum: 0 })),
  note: Type.Optional(Type.String()),
  role: Type.Union([Type.Literal('booker'), Type.Literal('partner')]),
  partner: Type.Optional(Type.Object({ name: Type.String(), confirmed: Type.Boolean() })),
  bookedBy: Type.Optional(Type.String({ description: 'to the other party (role partner): the proved name of who made the booking, masked' })),
  outcome: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  createdAt: Type.String({ format: 'date-time' }),
});

/** Slots, bookings with holds, and the marriage partner's confirmation. */
export function bookingRoutes(app: HubApp, services: HubServices): void {
  const authenticate = bearerAuth(services.sessions);

  app.get(
    '/v1/cities/:cityId/services/:serviceId/slots',
    {
      schema: {
        operationId: 'listSlots',
        tags: ['bookings'],
        summary: 'Open slots of a booking service (inspection stations, registry offices, doctors), with the places left',
        description: 'Public: slots are nobody\'s data. `remaining` already counts places other citizens hold at this moment.',
        params: Type.Object({ cityId: Type.String({ maxLength: 64 }), serviceId: Type.String({ maxLength: 64 }) }),
        querystring: Type.Object(
          {
            date: Type.Optional(Type.String({ maxLength: 10, description: 'only slots on this local date, YYYY-MM-DD' })),
            resource: Type.Optional(Type.String({ maxLength: 64, description: 'only slots whose station, office or doctor contains this text' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ cityId: Type.String(), serviceId: Type.String(), items: Type.Array(SlotView), fetchedAt: Type.String({ format: 'date-time' }) }), ...errorResponses },
      },
    },
    async (request) => services.bookings.listSlots(request.params.cityId, request.params.serviceId, request.query),
  );

  app.post(
    '/v1/bookings',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'createBooking',
        tags: ['bookings'],
        summary: 'Book a slot: a place is held for you, the office\'s rules are checked, and the department confirms',
        description: [
          'Answers 201 with the new booking, or 200 with the same booking when it is asked again (a double click, or the same `Idempotency-Key`).',
          'A booking is `confirmed` when the department took it; `held` while it waits for the other party (`awaiting: partner`, marriage registration), for the fee (`awaiting: payment`: pay it with createPayment, recordId = the booking id) or for a department that did not answer yet (`awaiting: department`).',
          'Refusals: `HUTONG_ERR_SLOT_FULL`, `HUTONG_ERR_BOOKING_LIMIT` (one active booking per service per day), `HUTONG_ERR_BOOKING_NOT_DUE`, `HUTONG_ERR_BOOKING_REFUSED` (the department said no; the place is released).',
          'Waiting room: a service with one (`getWaitingRoom`) takes bookings at its admission rate. Beyond it the answer is **202** `{ waitingRoom: { ticketId, state: "waiting", position, estimatedWaitSeconds, … } }`: you have a place in its queue, first come first admitted (asking again while waiting answers the same place). Follow it with `getWaitingRoomTicket` every `pollAfterSeconds` (a ticket not asked for in 30 seconds is given up); once it is `admitted`, ask for the booking again with the header `Hutong-Waiting-Ticket: <ticketId>` before `admittedUntil` (without the header your admitted ticket is used too). A ticket is good for one booking attempt, whatever its outcome (a full slot too). Ticket refusals: `HUTONG_ERR_WAITING_TICKET_NOT_FOUND`, `HUTONG_ERR_WAITING_TICKET_WRONG_ROOM`, `HUTONG_ERR_WAITING_TICKET_USED`, `HUTONG_ERR_WAITING_TICKET_EXPIRED`.',
        ].join('\n\n'),
        security: bearer,
        headers: Type.Object({
          'idempotency-key': Type.Optional(Type.String({ maxLength: 64 })),
          [WAITING_TICKET_HEADER]: Type.Optional(Type.String({ format: 'uuid', description: 'an admitted waiting-room ticket of yours (services with a waiting room)' })),
        }),
        body: Type.Object(
          {
            cityId: Type.String({ maxLength: 64 }),
            serviceId: Type.String({ maxLength: 64 }),
            slotId: Type.String({ minLength: 1, maxLength: 64, description: 'as listSlots gives it' }),
            identifierId: Type.Optional(Type.String({ format: 'uuid', description: 'which linked identifier to book with (a plate); your national id otherwise' })),
            partner: Type.Optional(
              Type.Object(
                { name: Type.String({ minLength: 2, maxLength: 30 }), nationalId: Type.String({ pattern: '^[0-9]{17}[0-9Xx]$' }) },
                { additionalProperties: false, description: 'the other party of a marriage registration; they confirm from their own account' },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Booking, 201: Booking, 202: WaitingRoomAnswer, ...errorResponses },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) throw hutongError('HUTONG_ERR_VALIDATION', 'Idempotency-Key must be 1 to 64 visible ASCII characters');
      const ticket = request.headers[WAITING_TICKET_HEADER];
      const partner = request.body.partner ? { name: request.body.partner.name, nationalId: request.body.partner.nationalId.toUpperCase() } : undefined;
      const answer = await services.bookings.createBooking(principalOf(request), {
        ...request.body,
        ...(partner ? { partner } : {}),
        ...(key ? { idempotencyKey: key } : {}),
        ...(ticket ? { waitingTicketId: ticket.toLowerCase() } : {}),
      });
      if ('waitingRoom' in answer) return reply.status(202).header('retry-after', String(answer.waitingRoom.pollAfterSeconds)).send(answer);
      return reply.status(answer.created ? 201 : 200).send(answer.booking);
    },
  );

  app.get(
    '/v1/bookings',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'listBookings',
        tags: ['bookings'],
        summary: 'Your bookings, newest first, and those naming you as the other party',
        security: bearer,
        response: { 200: Type.Object({ items: Type.Array(Booking) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await services.bookings.listBookings(principalOf(request)) }),
  );

  app.get(
    '/v1/bookings/:bookingId',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'getBooking',
        tags: ['bookings'],
        summary: 'One of your bookings',
        security: bearer,
        params: Type.Object({ bookingId: Type.String({ format: 'uuid' }) }),
        response: { 200: Booking, ...errorResponses },
      },
    },
    async (request) => services.bookings.getBooking(principalOf(request), request.params.bookingId),
  );

  app.delete(
    '/v1/bookings/:bookingId',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'cancelBooking',
        tags: ['bookings'],
        summary: 'Cancel your booking: the department cancels it, the place is released, a paid fee is refunded',
        security: bearer,
        params: Type.Object({ bookingId: Type.String({ format: 'uuid' }) }),
        response: { 200: Booking, ...errorResponses },
      },
    },
    async (request) => services.bookings.cancelBooking(principalOf(request), request.params.bookingId),
  );

  app.post(
    '/v1/bookings/:bookingId/partner-confirmation',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'confirmBookingAsPartner',
        tags: ['bookings'],
        summary: 'As the other party named in a booking (marriage registration), confirm it within the hold; then the office books both of you',
        security: bearer,
        params: Type.Object({ bookingId: Type.String({ format: 'uuid' }) }),
        response: { 200: Booking, ...errorResponses },
      },
    },
    async (request) => services.bookings.confirmAsPartner(principalOf(request), request.params.bookingId),
  );
}
