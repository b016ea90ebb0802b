import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { hutongError } from '../../errors.ts';
import { errorResponses } from '../error-handler.ts';
import type { HubApp, HubServices } from '../types.ts';

const PartnerAppView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

/** Operators' routes: closed unless HUTONG_ADMIN_TOKEN is set, and then only to that bearer token. */
export function adminRoutes(app: HubApp, services: HubServices, adminToken: string | undefined): void {
  const expected = adminToken ? Buffer.from(`Bearer ${adminToken}`) : undefined;
  const operatorOnly = async (request: FastifyRequest) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    if (!expected || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw hutongError('HUTONG_ERR_ADMIN_REQUIRED', 'This route is for the hub\'s operators (Authorization: Bearer <HUTONG_ADMIN_TOKEN>)');
    }
  };
  const security = [{ adminToken: [] }];
  const view = (a: { id: string; name: string; status: string; createdAt: Date }) => ({ id: a.id, name: a.name, status: a.status, createdAt: a.createdAt.toISOString() });

  app.post(
    '/v1/admin/partners',
    {
      onRequest: operatorOnly,
      schema: {
        operationId: 'registerPartner',
        tags: ['admin'],
        summary: 'Register a partner app with its Ed25519 public key (raw base64url, JWK or PEM)',
        security,
        body: Type.Object(
          { id: Type.String({ maxLength: 63 }), name: Type.String({ maxLength: 100 }), publicKey: Type.Union([Type.String({ maxLength: 2000 }), Type.Object({}, { additionalProperties: true })]) },
          { additionalProperties: false },
        ),
        response: { 201: PartnerAppView, 200: PartnerAppView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { app: partner, created } = await services.partners.register(request.body as { id: string; name: string; publicKey: string });
      if (!created) throw hutongError('HUTONG_ERR_PARTNER_EXISTS', `A partner app "${request.body.id}" is already registered`);
      return reply.status(201).send(view(partner));
    },
  );

  app.delete(
    '/v1/admin/partners/:partnerId',
    {
      onRequest: operatorOnly,
      schema: {
        operationId: 'revokePartner',
        tags: ['admin'],
        summary: 'Revoke a partner app: its signatures are refused from the next request on',
        security,
        params: Type.Object({ partnerId: Type.String({ maxLength: 63 }) }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      if (!(await services.partners.revoke(request.params.partnerId))) throw hutongError('HUTONG_ERR_PARTNER_UNKNOWN', 'No active partner app with that id');
      return reply.status(204).send(null);
    },
  );

  const Mismatch = Type.Object({
    kind: Type.Union(['missing-here', 'unknown-trade', 'missing-there', 'amount-mismatch', 'refund-mismatch', 'not-recorded-by-department'].map((k) => Type.Literal(k))),
    wallet: Type.String(),
    outTradeNo: Type.String(),
    paymentId: Type.Optional(Type.String()),
    hubAmountFen: Type.Optional(Type.Integer()),
    walletAmountFen: Type.Optional(Type.Integer()),
    detail: Type.String(),
  });

  app.get(
    '/v1/admin/reconciliation',
    {
      onRequest: operatorOnly,
      schema: {
        operationId: 'getReconciliationReport',
        tags: ['admin'],
        summary: 'Reconcile one China-local day: every wallet\'s statement against the ledger, and payments their department has not recorded',
        security,
        querystring: Type.Object({ date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            date: Type.String(),
            generatedAt: Type.String(),
            wallets: Type.Array(Type.Object({ wallet: Type.String(), statement: Type.String(), error: Type.Optional(Type.String()), lines: Type.Integer(), matched: Type.Integer() })),
            mismatches: Type.Array(Mismatch),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => services.reconciliation.reconcileDay(request.query.date),
  );

  app.post(
    '/v1/admin/payments/settle-pending',
    {
      onRequest: operatorOnly,
      schema: {
        operationId: 'settlePendingPayments',
        tags: ['admin'],
        summary: 'Ask the wallets now about payments pending longer than the given minutes (the hub does it every 15 minutes)',
        security,
        body: Type.Object({ olderThanMinutes: Type.Integer({ minimum: 0, maximum: 10_080 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ changed: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => ({ changed: await services.reconciliation.settleStalePending(request.body.olderThanMinutes * 60_000) }),
  );

  app.post(
    '/v1/admin/payments/:paymentId/refunds',
    {
      onRequest: operatorOnly,
      schema: {
        operationId: 'refundPayment',
        tags: ['admin'],
        summary: 'Refund part or all of a paid payment through its wallet; never more than what is left to refund',
        security,
        params: Type.Object({ paymentId: Type.String({ format: 'uuid' }) }),
        body: Type.Object({ amountFen: Type.Integer({ minimum: 1 }), reason: Type.String({ minLength: 1, maxLength: 80 }) }, { additionalProperties: false }),
        response: { 201: Type.Object({ outRefundNo: Type.String(), state: Type.String(), refundedFen: Type.Integer() }), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await services.payments.refund(request.params.paymentId, request.body)),
  );

  app.get(
    '/v1/admin/reminders',
    {
      onRequest: operatorOnly,
      schema: {
        operationId: 'getReminderCounts',
        tags: ['admin'],
        summary: 'Reminders since a time, by status: scheduled, sent, failed, cancelled (unsubscribed), unknown (the sending process stopped mid-way)',
        security,
        querystring: Type.Object({ since: Type.Optional(Type.String({ format: 'date-time' })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ since: Type.String(), counts: Type.Record(Type.String(), Type.Integer({ minimum: 0 })) }), ...errorResponses },
      },
    },
    async (request) => {
      const since = request.query.since ? new Date(request.query.since) : new Date(Date.now() - 86_400_000);
      return { since: since.toISOString(), counts: await services.reminders.countsSince(since) };
    },
  );
}
