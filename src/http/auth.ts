import type { FastifyReply, FastifyRequest } from 'fastify';
import { hutongError } from '../errors.ts';
import type { Principal, SessionService } from '../identity/session.service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** An onRequest hook that requires a valid bearer token and sets `request.principal`, before the body is even read. */
export function bearerAuth(sessions: SessionService) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(header) : null;
    if (!match) throw hutongError('HUTONG_ERR_UNAUTHENTICATED', 'Send "Authorization: Bearer <token>"; log in through a channel to get one');
    request.principal = await sessions.verify(match[1]);
  };
}

/** The caller of a route guarded by {@link bearerAuth}. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw hutongError('HUTONG_ERR_UNAUTHENTICATED', 'This route needs a bearer token');
  return request.principal;
}
