import { Type } from '@sinclair/typebox';
import { bearerAuth, principalOf } from '../auth.ts';
import { errorResponses } from '../error-handler.ts';
import { clientOrigin } from '../origin.ts';
import { qrImage } from '../../qr-code.ts';
import { hutongError, isHutongError } from '../../errors.ts';
import type { HubApp, HubServices } from '../types.ts';

const bearer = [{ bearerAuth: [] }];
const Wallet = Type.Union([Type.Literal('alipay'), Type.Literal('wechatpay'), Type.Literal('unionpay')]);

const Payment = Type.Object({
  id: Type.String({ format: 'uuid' }),
  payableId: Type.String(),
  wallet: Wallet,
  channel: Type.String({ description: 'the entrance the payment was made from' }),
  amountFen: Type.Integer({ minimum: 0 }),
  refundedFen: Type.Integer({ minimum: 0 }),
  state: Type.Union(['created', 'pending', 'succeeded', 'failed', 'closed'].map((s) => Type.Literal(s))),
  description: Type.String({ description: 'masked: what a payer may see' }),
  outTradeNo: Type.String(),
  qrCodeContent: Type.Optional(Type.String({ description: 'scan with the wallet app while the checkout is open; GET …/qr.svg renders it' })),
  expiresAt: Type.String({ format: 'date-time' }),
  paidAt: Type.Optional(Type.String({ format: 'date-time' })),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  history: Type.Array(Type.Object({ from: Type.Union([Type.String(), Type.Null()]), to: Type.String(), reason: Type.String(), at: Type.String() })),
});

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,64}$/;

/** Paying fines and bills with any installed wallet, and the wallets' notifications. */
export function paymentRoutes(app: HubApp, services: HubServices): void {
  const authenticate = bearerAuth(services.sessions);

  app.post(
    '/v1/payments',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'createPayment',
        tags: ['payments'],
        summary: 'Pay a fine or a bill with any installed wallet: the amount is confirmed with the department, and a QR checkout opens',
        description:
          'Send an `Idempotency-Key` header: the same key and body replay the first answer (with `Idempotent-Replayed: true`); the same key with another body is 422 `HUTONG_ERR_IDEMPOTENCY_KEY_REUSED`.',
        security: bearer,
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 64 })) }),
        body: Type.Object(
          {
            cityId: Type.String({ maxLength: 64 }),
            serviceId: Type.String({ maxLength: 64 }),
            recordId: Type.String({ minLength: 1, maxLength: 64, description: 'the fine or bill, as listRecords gives it' }),
            wallet: Type.String({ maxLength: 16, description: `one of the installed wallets: ${services.payments.wallets.join(', ') || 'none'}` }),
            expectedAmountFen: Type.Optional(Type.Integer({ minimum: 0, description: 'the amount the payer saw; refused with HUTONG_ERR_PAYABLE_CHANGED when the department now asks for another' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Payment, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await services.payments.createPaymentIdempotently(principalOf(request), idempotencyKeyOf(request.headers), request.body);
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(result.status).send(result.body);
    },
  );

  const idempotencyKeyOf = (headers: Record<string, unknown>): string => {
    const key = headers['idempotency-key'];
    if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
      throw hutongError('HUTONG_ERR_IDEMPOTENCY_KEY_REQUIRED', 'Send an Idempotency-Key header of 1 to 64 visible ASCII characters, new for each payment');
    }
    return key;
  };

  app.post(
    '/v1/payments/shares',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'sharePayable',
        tags: ['payments'],
        summary: '"Pay for me": turn one of your fines or bills into a link that anyone can open in any app and pay; it shows only the amount and a masked description',
        security: bearer,
        body: Type.Object({ cityId: Type.String({ maxLength: 64 }), serviceId: Type.String({ maxLength: 64 }), recordId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
        response: {
          201: Type.Object({ code: Type.String(), url: Type.String(), qrSvgUrl: Type.String(), amountFen: Type.Integer(), description: Type.String() }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const shared = await services.payments.sharePayable(principalOf(request), request.body, services.links);
      const url = `${clientOrigin(request, services.publicOrigin)}${shared.path}`;
      return reply.status(201).send({ code: shared.code, url, qrSvgUrl: `${url}/qr.svg`, amountFen: shared.amountFen, description: shared.description });
    },
  );

  app.get(
    '/v1/pay-links/:code',
    {
      schema: {
        operationId: 'getSharedPayable',
        tags: ['payments'],
        summary: 'What a "pay for me" link asks to pay: the amount, a masked description, and whether it is paid',
        params: Type.Object({ code: Type.String({ maxLength: 16 }) }),
        response: {
          200: Type.Object({ code: Type.String(), cityId: Type.String(), serviceId: Type.String(), amountFen: Type.Integer(), description: Type.String(), status: Type.Union([Type.Literal('open'), Type.Literal('paid')]) }),
          ...errorResponses,
        },
      },
    },
    async (request) => services.payments.sharedPayable(request.params.code, services.links),
  );

  app.post(
    '/v1/pay-links/:code/payments',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'payShared',
        tags: ['payments'],
        summary: 'Pay a fine or bill someone shared with you, with any installed wallet; you are recorded as the payer, they as the owner',
        security: bearer,
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 64 })) }),
        params: Type.Object({ code: Type.String({ maxLength: 16 }) }),
        body: Type.Object({ wallet: Type.String({ maxLength: 16 }) }, { additionalProperties: false }),
        response: { 201: Payment, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await services.payments.payShared(principalOf(request), request.params.code, request.body.wallet, idempotencyKeyOf(request.headers), services.links);
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(result.status).send(result.body);
    },
  );

  app.get(
    '/v1/payments/:paymentId',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'getPayment',
        tags: ['payments'],
        summary: 'A payment you made, or one that pays something of yours, with every state it went through',
        security: bearer,
        params: Type.Object({ paymentId: Type.String({ maxLength: 64 }) }),
        response: { 200: Payment, ...errorResponses },
      },
    },
    async (request) => services.payments.getPayment(principalOf(request), request.params.paymentId),
  );

  app.get(
    '/v1/payments/:paymentId/qr.svg',
    {
      onRequest: authenticate,
      schema: {
        operationId: 'getPaymentQr',
        tags: ['payments'],
        summary: 'The checkout QR code to scan with the wallet app, as SVG, while the checkout is open',
        security: bearer,
        params: Type.Object({ paymentId: Type.String({ maxLength: 64 }) }),
        response: { 200: Type.Any(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const payment = await services.payments.getPayment(principalOf(request), request.params.paymentId);
      if (!payment.qrCodeContent) throw hutongError('HUTONG_ERR_PAYMENT_NOT_FOUND', 'The checkout of this payment is over');
      const svg = await qrImage(payment.qrCodeContent, 'svg');
      return reply.header('cache-control', 'no-store').type('image/svg+xml').send(svg);
    },
  );

  // Wallet notifications: the body is kept byte for byte, since its signature covers exactly those bytes.
  app.register(async (scope: HubApp) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_request, body, done) => done(null, body));
    scope.post(
      '/v1/payments/notify/:wallet',
      {
        schema: {
          operationId: 'paymentNotify',
          tags: ['payments'],
          summary: 'Where wallets send their asynchronous notifications; each is kept as received, verified, and confirmed with the wallet before it counts',
          params: Type.Object({ wallet: Type.String({ maxLength: 16 }) }),
          response: { 200: Type.Any(), 204: Type.Null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        const provider = services.payments.provider(request.params.wallet);
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        try {
          await services.payments.handleNotification(provider.id, { headers: request.headers, body });
          const ack = provider.acknowledge(true);
          return reply.status(ack.status).type(ack.contentType).send(ack.body);
        } catch (error) {
          request.log.warn({ err: error, wallet: provider.id }, 'wallet notification not taken');
          const ack = provider.acknowledge(false);
          const status = isHutongError(error) && error.statusCode < 500 ? Math.max(ack.status, 400) : 500;
          return reply.status(status).type(ack.contentType).send(ack.body);
        }
      },
    );
  });
}
