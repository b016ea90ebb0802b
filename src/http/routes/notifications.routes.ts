import { Type } from '@sinclair/typebox';
import { bearerAuth, principalOf } from '../auth.ts';
import { errorResponses } from '../error-handler.ts';
import type { HubApp, HubServices } from '../types.ts';

const bearer = [{ bearerAuth: [] }];
const Name = Type.Object({ zh: Type.String(), en: Type.String() });
const Subscription = Type.Object({
  cityId: Type.String(),
  topic: Type.String(),
  name: Name,
  subscribed: Type.Boolean(),
  channel: Type.Optional(Type.String({ description: 'the entrance whose push messages (SMS for the web) deliver it' })),
  daysBefore: Type.Optional(Type.Integer({ minimum: 0 })),
});
const NotificationView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  cityId: Type.String(),
  topic: Type.String(),
  serviceId: Type.String(),
  channel: Type.String(),
  title: Type.String(),
  body: Type.String(),
  link: Type.Optional(Type.String()),
  status: Type.Union([Type.Literal('sent'), Type.Literal('unknown')], { description: 'unknown: the entrance may not have delivered it; it is not sent twice' }),
  sentAt: Type.Optional(Type.String({ format: 'date-time' })),
  readAt: Type.Optional(Type.String({ format: 'date-time' })),
  createdAt: Type.String({ format: 'date-time' }),
});
const CityTopic = Type.Object({ cityId: Type.String({ maxLength: 64 }), topic: Type.String({ maxLength: 64 }) });

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Reminder subscriptions, the inbox, and one-tap unsubscribe links. */
export function notificationRoutes(app: HubApp, services: HubServices): void {
  const authenticate = bearerAuth(services.sessions);
  const reminders = services.reminders;

  app.get(
    '/v1/me/subscriptions',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'listSubscriptions',
        tags: ['reminders'],
        summary: 'The reminder topics a city offers, and which you subscribed to',
        security: bearer,
        querystring: Type.Object({ cityId: Type.String({ maxLength: 64 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(Subscription) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await reminders.listSubscriptions(principalOf(request), request.query.cityId) }),
  );

  app.put(
    '/v1/me/subscriptions/:cityId/:topic',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'subscribeReminder',
        tags: ['reminders'],
        summary: 'Subscribe to a reminder topic; it is delivered through the entrance you use now',
        description: 'Quiet hours 22:00–08:00 in the city\'s zone and a daily cap apply; each thing is reminded of once. `daysBefore` sets how early a due date is reminded.',
        security: bearer,
        params: CityTopic,
        body: Type.Object({ daysBefore: Type.Optional(Type.Integer({ minimum: 0, maximum: 366 })) }, { additionalProperties: false }),
        response: { 200: Subscription, ...errorResponses },
      },
      // A PUT without a body subscribes with the topic's defaults.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => reminders.subscribe(principalOf(request), request.params.cityId, request.params.topic, request.body),
  );

  app.delete(
    '/v1/me/subscriptions/:cityId/:topic',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'unsubscribeReminder',
        tags: ['reminders'],
        summary: 'Unsubscribe from a reminder topic; reminders scheduled for it are withdrawn',
        security: bearer,
        params: CityTopic,
        response: { 200: Subscription, ...errorResponses },
      },
    },
    async (request) => reminders.unsubscribe(principalOf(request), request.params.cityId, request.params.topic),
  );

  app.get(
    '/v1/me/notifications',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'listNotifications',
        tags: ['reminders'],
        summary: 'Your inbox: reminders sent to you, newest first',
        security: bearer,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(NotificationView), unread: Type.Integer({ minimum: 0 }) }), ...errorResponses },
      },
    },
    async (request) => reminders.inbox(principalOf(request), request.query.limit ?? 50),
  );

  app.post(
    '/v1/me/notifications/:notificationId/read',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'markNotificationRead',
        tags: ['reminders'],
        summary: 'Mark a notification of your inbox read',
        security: bearer,
        params: Type.Object({ notificationId: Type.String({ maxLength: 64 }) }),
        response: { 200: NotificationView, ...errorResponses },
      },
    },
    async (request) => reminders.markRead(principalOf(request), request.params.notificationId),
  );

  const Token = Type.Object({ token: Type.String({ minLength: 10, maxLength: 512 }) });

  app.get(
    '/v1/unsubscribe/:token',
    {
      schema: {
        operationId: 'showUnsubscribe',
        tags: ['reminders'],
        summary: 'The page a reminder\'s unsubscribe link opens: one button, no login',
        params: Token,
        produces: ['text/html'],
      },
    },
    async (request, reply) => {
      const action = `/v1/unsubscribe/${encodeURIComponent(request.params.token)}`;
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(
          `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>退订提醒 Unsubscribe</title></head>` +
            `<body style="font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem"><h1>退订提醒</h1><p>Stop these reminders?</p>` +
            `<form method="post" action="${escapeHtml(action)}"><button type="submit" style="font-size:1.2rem;padding:.6rem 1.4rem">退订 Unsubscribe</button></form></body></html>`,
        );
    },
  );

  // The page's form posts urlencoded; only this route reads it (and ignores its empty body).
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_request, _body, done) => done(null, undefined));
    unsubscribeRoute(scope as HubApp);
  });

  function unsubscribeRoute(app: HubApp): void {
  app.post(
    '/v1/unsubscribe/:token',
    {
      schema: {
        operationId: 'unsubscribeByLink',
        tags: ['reminders'],
        summary: 'One-tap unsubscribe from a reminder\'s link (RFC 8058 style POST; the token is the proof)',
        params: Token,
        response: { 200: Type.Object({ cityId: Type.String(), topic: Type.String(), name: Name, subscribed: Type.Literal(false) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const done = await reminders.unsubscribeByToken(request.params.token);
      if ((request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') || (request.headers.accept ?? '').includes('text/html')) {
        return reply.type('text/html; charset=utf-8').send(<never>`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>已退订</title></head><body style="font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto"><h1>已退订 Unsubscribed</h1><p>${escapeHtml(done.name.zh)} / ${escapeHtml(done.name.en)}</p></body></html>`);
      }
      return { ...done, subscribed: false as const };
    },
  );
  }
}
