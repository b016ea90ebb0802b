import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { bearerAuth, principalOf } from '../auth.ts';
import { errorResponses } from '../error-handler.ts';
import { clientOrigin } from '../origin.ts';
import { hutongError } from '../../errors.ts';
import { createLoginState, LOGIN_NONCE_COOKIE, LOGIN_STATE_TTL_SECONDS, safeNextPath, verifyLoginState } from '../../identity/browser-login.ts';
import { LINK_CODE_PATTERN } from '../../links/link.service.ts';
import type { Channel } from '../../channels/channel.ts';
import type { HubApp, HubServices } from '../types.ts';

const bearer = [{ bearerAuth: [] }];

const Entrance = Type.Object({
  channel: Type.String({ description: 'the entrance the request came from: alipay, wechat, taobao, weibo, or web for a plain browser' }),
  name: Type.Object({ zh: Type.String(), en: Type.String() }),
  preferredWallet: Type.Optional(Type.String({ description: 'the wallet people in this entrance expect to pay with' })),
  login: Type.Union([
    Type.Object({ kind: Type.Literal('redirect'), url: Type.String({ description: 'start here with ?next=<path>; the platform logs the person in and the hub returns to next with #handoff=<code>' }) }),
    Type.Object({ kind: Type.Literal('sms-code') }),
  ]),
});

const LinkCode = Type.Object({ code: Type.String({ pattern: LINK_CODE_PATTERN }) });


/**
 * Entrances seen from the browser: which app a page is open in, logging in by the platform's
 * redirect, the one-time handoff back to the web app, and links (with QR codes) that open in any
 * entrance and land where they point after that entrance's login.
 */
export function entranceRoutes(app: HubApp, services: HubServices): void {
  const authenticate = bearerAuth(services.sessions);

  const describe = (channel: Channel) => ({
    channel: channel.id,
    name: channel.name,
    ...(channel.preferredWallet ? { preferredWallet: channel.preferredWallet } : {}),
    login: channel.browserLogin ? { kind: 'redirect' as const, url: `/v1/channels/${channel.id}/authorize` } : { kind: 'sms-code' as const },
  });

  /** An installed entrance a page can be open in: the web, or an app whose platform logs people in through the browser. */
  const pageEntrance = (channelId: string): Channel => {
    const channel = services.login.channel(channelId);
    if (channel.id !== 'web' && !channel.browserLogin) throw hutongError('HUTONG_ERR_CHANNEL_NOT_FOUND', `No entrance "${channelId}" that a web page opens in is installed in this hub`);
    return channel;
  };

  /** Sends the browser to the platform's authorization page, bound to this browser by a cookie. */
  async function redirectToPlatform(request: FastifyRequest, reply: import('fastify').FastifyReply, channel: Channel, next: string) {
    if (!channel.browserLogin) throw hutongError('HUTONG_ERR_BROWSER_LOGIN_UNSUPPORTED', `The ${channel.id} entrance has no browser login`);
    const { state, nonce } = await createLoginState(await services.sessions.signingKey(), { channel: channel.id, next });
    const origin = clientOrigin(request, services.publicOrigin);
    reply.setCookie(LOGIN_NONCE_COOKIE, nonce, {
      path: '/v1/channels',
      httpOnly: true,
      sameSite: 'lax',
      secure: origin.startsWith('https:'),
      maxAge: LOGIN_STATE_TTL_SECONDS,
    });
    return reply.redirect(channel.browserLogin.authorizeUrl({ state, callbackUrl: `${origin}/v1/channels/${channel.id}/callback` }), 302);
  }

  app.get(
    '/v1/entrance',
    {
      schema: {
        operationId: 'getEntrance',
        tags: ['identity'],
        summary: 'Which entrance this request comes from (by its in-app browser\'s User-Agent, or the one named), its wallet and how to log in there',
        description:
          'With `channel`, describes that installed entrance instead of the User-Agent\'s (a demo page frames the app as each entrance). ' +
          'It only describes: logging in still goes through that platform\'s own authorization.',
        querystring: Type.Object(
          { channel: Type.Optional(Type.String({ maxLength: 32, description: 'an installed entrance a web page can be open in: alipay, wechat, taobao, weibo or web' })) },
          { additionalProperties: false },
        ),
        response: { 200: Entrance, ...errorResponses },
      },
    },
    async (request) => {
      const named = request.query.channel;
      return describe(named === undefined ? services.login.recognise(request.headers['user-agent']) : pageEntrance(named));
    },
  );

  app.get(
    '/v1/channels/:channelId/authorize',
    {
      schema: {
        operationId: 'startBrowserLogin',
        tags: ['identity'],
        summary: 'Start logging in through an entrance\'s authorization page (OAuth2 in the platform\'s in-app browser); redirects there',
        params: Type.Object({ channelId: Type.String({ maxLength: 32 }) }),
        querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 512, description: 'web app path to return to' })) }, { additionalProperties: false }),
        response: { 302: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => redirectToPlatform(request, reply, services.login.channel(request.params.channelId), safeNextPath(request.query.next)),
  );

  app.get(
    '/v1/channels/:channelId/callback',
    {
      schema: {
        operationId: 'finishBrowserLogin',
        tags: ['identity'],
        summary: 'Where the entrance\'s platform returns after authorization; redirects to the web app with a one-time #handoff code',
        params: Type.Object({ channelId: Type.String({ maxLength: 32 }) }),
        querystring: Type.Record(Type.String({ maxLength: 32 }), Type.String({ maxLength: 2048 })),
        response: { 302: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const channel = services.login.channel(request.params.channelId);
      const query = request.query as Record<string, string | undefined>;
      const next = await verifyLoginState(await services.sessions.signingKey(), {
        state: query.state,
        channel: channel.id,
        nonce: request.cookies[LOGIN_NONCE_COOKIE],
      });
      const { handoff } = await services.login.loginFromCallback(channel.id, query, { signal: AbortSignal.timeout(10_000) });
      reply.clearCookie(LOGIN_NONCE_COOKIE, { path: '/v1/channels' });
      reply.header('referrer-policy', 'no-referrer');
      return reply.redirect(`${next}#handoff=${handoff}`, 302);
    },
  );

  app.post(
    '/v1/sessions/handoff',
    {
      schema: {
        operationId: 'redeemHandoff',
        tags: ['identity'],
        summary: 'Trade the one-time handoff code of a browser login for an access token and a refresh token',
        body: Type.Object({ code: Type.String({ minLength: 20, maxLength: 64 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            accessToken: Type.String(),
            refreshToken: Type.String(),
            tokenType: Type.Literal('Bearer'),
            expiresIn: Type.Integer(),
            citizenId: Type.String(),
            channel: Type.String(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => ({ ...(await services.sessions.redeemHandoff(request.body.code)), tokenType: 'Bearer' as const }),
  );

  app.post(
    '/v1/links',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'createLink',
        tags: ['identity'],
        summary: 'A short link (and QR code) to a service that opens in any entrance; it carries no personal data',
        security: bearer,
        body: Type.Object({ cityId: Type.String({ maxLength: 64 }), serviceId: Type.String({ maxLength: 64 }) }, { additionalProperties: false }),
        response: {
          201: Type.Object({
            code: Type.String(),
            url: Type.String({ description: 'absolute /l/{code} URL to share' }),
            qrSvgUrl: Type.String(),
            qrPngUrl: Type.String(),
            target: Type.String({ description: 'the web app page it lands on' }),
            cityId: Type.String(),
            serviceId: Type.String(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const link = await services.links.create(principalOf(request), request.body);
      const url = `${clientOrigin(request, services.publicOrigin)}${link.path}`;
      return reply.status(201).send({ ...link, url, qrSvgUrl: `${url}/qr.svg`, qrPngUrl: `${url}/qr.png` });
    },
  );

  app.get(
    '/l/:code',
    {
      schema: {
        operationId: 'openLink',
        tags: ['identity'],
        summary: 'Open a link in whichever entrance the person is in: an in-app browser goes through that entrance\'s login, a plain browser straight to the page',
        params: LinkCode,
        response: { 302: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { target } = await services.links.open(request.params.code);
      const entrance = services.login.recognise(request.headers['user-agent']);
      reply.header('cache-control', 'no-store');
      // The web app logs a plain browser in on the page itself (SMS code), keeping any session it has.
      if (!entrance.browserLogin) return reply.redirect(target, 302);
      return redirectToPlatform(request, reply, entrance, target);
    },
  );

  for (const format of ['svg', 'png'] as const) {
    app.get(
      `/l/:code/qr.${format}`,
      {
        schema: {
          operationId: format === 'svg' ? 'getLinkQrSvg' : 'getLinkQrPng',
          tags: ['identity'],
          summary: `The link's QR code as ${format.toUpperCase()}`,
          params: LinkCode,
          response: { 200: Type.Any(), ...errorResponses },
        },
      },
      async (request, reply) => {
        const url = `${clientOrigin(request, services.publicOrigin)}/l/${request.params.code}`;
        const image = await services.links.qr(request.params.code, url, format);
        return reply
          .header('cache-control', 'public, max-age=86400')
          .type(format === 'svg' ? 'image/svg+xml' : 'image/png')
          .send(image);
      },
    );
  }
}
