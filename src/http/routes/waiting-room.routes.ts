import { Type } from '@sinclair/typebox';
import { bearerAuth, principalOf } from '../auth.ts';
import { errorResponses } from '../error-handler.ts';
import type { HubApp, HubServices } from '../types.ts';

const bearer = [{ bearerAuth: [] }];

/** The request header that carries an admitted ticket to createBooking (`Hutong-Waiting-Ticket`). */
export const WAITING_TICKET_HEADER = 'hutong-waiting-ticket';

export const WaitingTicket = Type.Object(
  {
    ticketId: Type.String({ format: 'uuid' }),
    cityId: Type.String(),
    serviceId: Type.String(),
    state: Type.Union(['waiting', 'admitted', 'expired', 'used'].map((s) => Type.Literal(s)), {
      description:
        'waiting: in the queue; admitted: book now (createBooking with the header Hutong-Waiting-Ticket) before admittedUntil; expired: admitted and not used in time, or given up (not asked for in 30 seconds while waiting); used: its one booking attempt was made',
    }),
    position: Type.Optional(Type.Integer({ minimum: 1, description: 'while waiting: 1 is the next to be admitted' })),
    estimatedWaitSeconds: Type.Optional(Type.Integer({ minimum: 0, description: 'while waiting: about how long until admitted, ceil(position / admitPerSecond)' })),
    admittedUntil: Type.Optional(Type.String({ format: 'date-time', description: 'once admitted: the booking must be asked for before this time' })),
    pollAfterSeconds: Type.Integer({ minimum: 1, description: 'ask for the ticket again after this many seconds (getWaitingRoomTicket) to keep the place' }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { title: 'WaitingRoomTicket' },
);

/** createBooking's 202: the caller has a place in the service's waiting room instead of a booking yet. */
export const WaitingRoomAnswer = Type.Object({ waitingRoom: WaitingTicket }, { title: 'WaitingRoomAnswer', description: 'in the queue of the service\'s waiting room; no booking was made' });

const WaitingRoom = Type.Object({
  cityId: Type.String(),
  serviceId: Type.String(),
  admitPerSecond: Type.Integer({ minimum: 1, description: 'people let through to book per second' }),
  burst: Type.Integer({ minimum: 1, description: 'people let through at once after a quiet time' }),
  admittedForSeconds: Type.Integer({ minimum: 1, description: 'how long an admitted ticket stays good' }),
  waiting: Type.Integer({ minimum: 0, description: 'people waiting now' }),
  estimatedWaitSeconds: Type.Integer({ minimum: 0, description: 'about how long someone joining now would wait' }),
});

const RoomParams = Type.Object({ cityId: Type.String({ maxLength: 64 }), serviceId: Type.String({ maxLength: 64 }) });

/** The waiting rooms in front of booking services in a burst: the room, joining it, and one's ticket. */
export function waitingRoomRoutes(app: HubApp, services: HubServices): void {
  const authenticate = bearerAuth(services.sessions);

  app.get(
    '/v1/cities/:cityId/services/:serviceId/waiting-room',
    {
      schema: {
        operationId: 'getWaitingRoom',
        tags: ['bookings'],
        summary: 'The waiting room of a booking service: its admission rate and how many wait now',
        description: 'Public. A service without a waiting room answers 404 `HUTONG_ERR_WAITING_ROOM_NOT_FOUND`: it takes bookings directly.',
        params: RoomParams,
        response: { 200: WaitingRoom, ...errorResponses },
      },
    },
    async (request) => services.waitingRoom.describe(request.params.cityId, request.params.serviceId),
  );

  app.post(
    '/v1/cities/:cityId/services/:serviceId/waiting-room/tickets',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'joinWaitingRoom',
        tags: ['bookings'],
        summary: 'Take a place in a booking service\'s waiting room (createBooking does it too when the room is busy)',
        description:
          'Answers 201 with a new ticket (admitted at once when nobody is ahead and the room has an admission to give), or 200 with the ticket you hold already: one place per person per room. Then follow it with getWaitingRoomTicket.',
        security: bearer,
        params: RoomParams,
        response: { 200: WaitingTicket, 201: WaitingTicket, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { ticket, created } = await services.waitingRoom.join(principalOf(request), request.params.cityId, request.params.serviceId);
      return reply.status(created ? 201 : 200).send(ticket);
    },
  );

  app.get(
    '/v1/waiting-room/tickets/:ticketId',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'getWaitingRoomTicket',
        tags: ['bookings'],
        summary: 'Your waiting-room ticket: its state, your position and the estimated wait',
        description:
          'Ask every `pollAfterSeconds` while waiting: asking keeps your place (a waiting ticket not asked for in 30 seconds is given up) and lets in whoever\'s turn has come. Once `admitted`, book with createBooking and the header `Hutong-Waiting-Ticket`. Only the ticket\'s holder sees it; anyone else gets 404 `HUTONG_ERR_WAITING_TICKET_NOT_FOUND`.',
        security: bearer,
        params: Type.Object({ ticketId: Type.String({ format: 'uuid' }) }),
        response: { 200: WaitingTicket, ...errorResponses },
      },
    },
    async (request) => services.waitingRoom.getTicket(principalOf(request), request.params.ticketId.toLowerCase()),
  );
}
