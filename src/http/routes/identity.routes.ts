import { Type } from '@sinclair/typebox';
import { Citizen, LinkedIdentifier } from '../../model/citizen.ts';
import { IdentifierKind } from '../../model/common.ts';
import { WebLoginProof } from '../../channels/web/web.channel.ts';
import { IDENTIFIER_CONSENT_TEXT_VERSION } from '../../identity/citizen.service.ts';
import { bearerAuth, principalOf } from '../auth.ts';
import { errorResponses } from '../error-handler.ts';
import type { HubApp, HubServices } from '../types.ts';

const LoginResult = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds' }),
  citizenId: Type.String(),
  channel: Type.String(),
  newCitizen: Type.Boolean(),
});

const bearer = [{ bearerAuth: [] }];

export function identityRoutes(app: HubApp, services: HubServices): void {
  const authenticate = bearerAuth(services.sessions);

  app.post(
    '/v1/channels/web/login-codes',
    {
      schema: {
        operationId: 'requestLoginCode',
        tags: ['identity'],
        summary: 'Send a one-time login code by SMS (web channel)',
        body: Type.Object({ phone: Type.String({ minLength: 1, maxLength: 20 }) }, { additionalProperties: false }),
        response: {
          202: Type.Object({ sentTo: Type.String(), expiresInSeconds: Type.Integer(), resendAfterSeconds: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const sent = await services.webChannel.sendLoginCode(request.body.phone, { signal: AbortSignal.timeout(5000) });
      return reply.status(202).send(sent);
    },
  );

  app.post(
    '/v1/channels/:channelId/login',
    {
      schema: {
        operationId: 'channelLogin',
        tags: ['identity'],
        summary: 'Log in through an entrance and get a bearer token; the body is the channel\'s login proof',
        params: Type.Object({ channelId: Type.String({ maxLength: 32 }) }),
        body: Type.Union([WebLoginProof], { description: 'one login proof per installed channel' }),
        response: { 200: LoginResult, ...errorResponses },
      },
    },
    async (request) => services.login.login(request.params.channelId, request.body, { signal: AbortSignal.timeout(10_000) }),
  );

  app.post(
    '/v1/sessions/current/logout',
    {
      preHandler: authenticate,
      schema: { operationId: 'logout', tags: ['identity'], summary: 'End this session', security: bearer, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      await services.sessions.revoke(principalOf(request).sessionId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/me',
    {
      preHandler: authenticate,
      schema: { operationId: 'getMe', tags: ['identity'], summary: 'The calling citizen', security: bearer, response: { 200: Citizen, ...errorResponses } },
    },
    async (request) => services.citizens.getProfile(principalOf(request)),
  );

  app.get(
    '/v1/me/identifiers',
    {
      preHandler: authenticate,
      schema: {
        operationId: 'listIdentifiers',
        tags: ['identity'],
        summary: 'Identifiers the calling citizen has linked',
        security: bearer,
        response: { 200: Type.Object({ items: Type.Array(LinkedIdentifier) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await services.citizens.listIdentifiers(principalOf(request)) }),
  );

  app.post(
    '/v1/me/identifiers',
    {
      preHandler: authenticate,
      schema: {
        operationId: 'linkIdentifier',
        tags: ['identity'],
        summary: 'Link an identifier (plate, national id, utility account, library card), accepting the consent text of the given version',
        description: `The current consent text version is ${IDENTIFIER_CONSENT_TEXT_VERSION}.`,
        security: bearer,
        body: Type.Object(
          {
            kind: IdentifierKind,
            value: Type.String({ minLength: 1, maxLength: 64 }),
            issuer: Type.Optional(
              Type.Object(
                { cityId: Type.String({ maxLength: 64 }), departmentId: Type.String({ maxLength: 64 }) },
                { additionalProperties: false, description: 'for identifiers one department issues: utility accounts, library cards' },
              ),
            ),
            consentTextVersion: Type.String({ minLength: 1, maxLength: 32 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: LinkedIdentifier, 201: LinkedIdentifier, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { identifier, created } = await services.citizens.linkIdentifier(principalOf(request), request.body);
      return reply.status(created ? 201 : 200).send(identifier);
    },
  );

  app.delete(
    '/v1/me/identifiers/:identifierId',
    {
      preHandler: authenticate,
      schema: {
        operationId: 'unlinkIdentifier',
        tags: ['identity'],
        summary: 'Remove one of the calling citizen\'s identifiers',
        security: bearer,
        params: Type.Object({ identifierId: Type.String({ format: 'uuid' }) }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await services.citizens.unlinkIdentifier(principalOf(request), request.params.identifierId);
      return reply.status(204).send(null);
    },
  );
}
