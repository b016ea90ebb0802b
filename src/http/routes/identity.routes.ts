import { Type } from '@sinclair/typebox';
import { Citizen, Consent, LinkedIdentifier } from '../../model/citizen.ts';
import { IdentifierKind, Scope } from '../../model/common.ts';
import { CONSENT_TEXT_VERSION, SCOPES } from '../../identity/consent.service.ts';
import type { Channel } from '../../channels/channel.ts';
import { IDENTIFIER_CONSENT_TEXT_VERSION } from '../../identity/citizen.service.ts';
import { bearerAuth, principalOf } from '../auth.ts';
import { hutongError } from '../../errors.ts';
import { errorResponses } from '../error-handler.ts';
import { clientOrigin } from '../origin.ts';
import type { HubApp, HubServices } from '../types.ts';

const LoginResult = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String({ description: 'good for one POST /v1/sessions/refresh; a second use ends the session' }),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds' }),
  citizenId: Type.String(),
  channel: Type.String(),
  newCitizen: Type.Boolean(),
});

const bearer = [{ bearerAuth: [] }];

const LoginTokens = Type.Object({ accessToken: Type.String(), refreshToken: Type.String(), tokenType: Type.Literal('Bearer'), expiresIn: Type.Integer() });

export function identityRoutes(app: HubApp, services: HubServices, channels: readonly Channel[]): void {
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

  // The login keeps the body's raw bytes: a partner app's RFC 9421 signature covers them.
  app.register(async (scope: HubApp) => {
    const rawBodies = new WeakMap<object, Buffer>();
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      rawBodies.set(request, body as Buffer);
      try {
        done(null, (body as Buffer).length === 0 ? undefined : JSON.parse((body as Buffer).toString('utf8')));
      } catch {
        done(hutongError('HUTONG_ERR_MALFORMED_BODY', 'The body is not valid JSON'), undefined);
      }
    });
    scope.post(
      '/v1/channels/:channelId/login',
      {
        // An entrance that is not installed is a 404, whatever the body says.
        preValidation: async (request) => {
          services.login.channel((request.params as { channelId: string }).channelId);
        },
        schema: {
          operationId: 'channelLogin',
          tags: ['identity'],
          summary: 'Log in through an entrance and get a bearer token; the body is the channel\'s login proof',
          description: 'A partner app signs this request per RFC 9421 (Ed25519, with created, expires and nonce) and sends the id of its own signed-in user.',
          params: Type.Object({ channelId: Type.String({ maxLength: 32 }) }),
          body: Type.Union(
            channels.map((c) => c.loginProofSchema),
            { description: `one login proof per installed channel: ${channels.map((c) => c.id).join(', ')}` },
          ),
          response: { 200: LoginResult, ...errorResponses },
        },
      },
      async (request) =>
        services.login.login(request.params.channelId, request.body, {
          signal: AbortSignal.timeout(10_000),
          request: {
            method: request.method,
            url: `${clientOrigin(request, services.publicOrigin)}${request.url}`,
            headers: request.headers,
            rawBody: rawBodies.get(request),
          },
        }),
    );
  });

  app.post(
    '/v1/sessions/refresh',
    {
      schema: {
        operationId: 'refreshSession',
        tags: ['identity'],
        summary: 'Trade a refresh token for a new access token and refresh token (rotation; a reused token ends the session)',
        body: Type.Object({ refreshToken: Type.String({ minLength: 20, maxLength: 200 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ accessToken: Type.String(), refreshToken: Type.String(), tokenType: Type.Literal('Bearer'), expiresIn: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (request) => ({ ...(await services.sessions.refresh(request.body.refreshToken)), tokenType: 'Bearer' as const }),
  );

  app.post(
    '/v1/sessions/current/logout',
    {
      onRequest: authenticate,
      schema: { operationId: 'logout', tags: ['identity'], summary: 'End this session', security: bearer, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      await services.sessions.revoke(principalOf(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/me',
    {
      onRequest: authenticate,
      schema: { operationId: 'getMe', tags: ['identity'], summary: 'The calling citizen', security: bearer, response: { 200: Citizen, ...errorResponses } },
    },
    async (request) => services.citizens.getProfile(principalOf(request)),
  );

  app.get(
    '/v1/me/identifiers',
    {
      onRequest: authenticate,
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
      onRequest: authenticate,
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
      const { identifier, created } = await services.citizens.linkIdentifier(principalOf(request), request.body, { signal: AbortSignal.timeout(10_000) });
      return reply.status(created ? 201 : 200).send(identifier);
    },
  );

  app.post(
    '/v1/me/real-name',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'bindRealName',
        tags: ['identity'],
        summary: 'Prove your real name (name + national id) with the public-security register; an entrance proving an identity already held joins that citizen',
        description:
          `The register must confirm the name and id together. When another entrance has already proved the same identity, this entrance joins that citizen: the answer carries a new session (\`session\`) and the calling token ends. Accepting consent text version ${CONSENT_TEXT_VERSION} lets this entrance read the traffic, medical, social and civil data the id opens. At most five failed checks per account and per id a day.`,
        security: bearer,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 40, description: 'as printed on the identity card' }),
            nationalId: Type.String({ minLength: 15, maxLength: 20 }),
            consentTextVersion: Type.String({ minLength: 1, maxLength: 32 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            citizenId: Type.String(),
            name: Type.String({ description: 'masked' }),
            nationalId: Type.String({ description: 'masked' }),
            verifiedAt: Type.String({ format: 'date-time' }),
            joinedExistingCitizen: Type.Boolean(),
            session: Type.Optional(LoginTokens),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => services.realName.bind(principalOf(request), request.body, { signal: AbortSignal.timeout(10_000) }),
  );

  const ScopeParam = Type.Object({ scope: Scope });
  const ConsentState = Type.Object({
    channel: Type.String({ description: 'the calling entrance' }),
    currentTextVersion: Type.String(),
    scopes: Type.Array(Type.Object({ scope: Scope, granted: Type.Boolean() })),
    history: Type.Array(Consent, { description: 'every consent of the citizen, in every entrance, standing and withdrawn' }),
  });
  const consentState = async (principal: ReturnType<typeof principalOf>) => {
    const [standing, history] = await Promise.all([services.consents.standing(principal), services.consents.history(principal.citizenId)]);
    return {
      channel: principal.channel,
      currentTextVersion: CONSENT_TEXT_VERSION,
      scopes: SCOPES.map((scope) => ({ scope, granted: standing.has(scope) })),
      history,
    };
  };

  app.get(
    '/v1/me/consents',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'listConsents',
        tags: ['identity'],
        summary: 'Which data scopes the calling entrance may read, and the history of consents',
        security: bearer,
        response: { 200: ConsentState, ...errorResponses },
      },
    },
    async (request) => consentState(principalOf(request)),
  );

  app.put(
    '/v1/me/consents/:scope',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'grantConsent',
        tags: ['identity'],
        summary: 'Let the calling entrance read one data scope, agreeing to the consent text of the given version',
        security: bearer,
        params: ScopeParam,
        body: Type.Object({ textVersion: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false }),
        response: { 200: ConsentState, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      await services.consents.grant(principal, [request.params.scope], request.body.textVersion);
      return consentState(principal);
    },
  );

  app.delete(
    '/v1/me/consents/:scope',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'revokeConsent',
        tags: ['identity'],
        summary: 'Withdraw the calling entrance\'s consent for one data scope; it takes effect on the next request',
        security: bearer,
        params: ScopeParam,
        response: { 200: ConsentState, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      await services.consents.revoke(principal, request.params.scope);
      return consentState(principal);
    },
  );

  app.delete(
    '/v1/me/consents',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'disconnectEntrance',
        tags: ['identity'],
        summary: 'Withdraw every consent of the calling entrance and end all its sessions (this one, other devices, their refresh tokens)',
        security: bearer,
        response: { 200: Type.Object({ channel: Type.String(), withdrawnScopes: Type.Array(Scope), sessionsEnded: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const withdrawnScopes = (await services.consents.revokeChannel(principal)) as Array<(typeof SCOPES)[number]>;
      const sessionsEnded = await services.sessions.revokeChannel(principal.citizenId, principal.channel);
      return { channel: principal.channel, withdrawnScopes, sessionsEnded };
    },
  );

  app.delete(
    '/v1/me/identifiers/:identifierId',
    {
      onRequest: authenticate,
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
