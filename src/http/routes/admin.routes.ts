import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { hutongError } from '../../errors.ts';
import { LiteralUnion } from '../../model/common.ts';
import { errorResponses } from '../error-handler.ts';
import type { HubApp, HubServices } from '../types.ts';

const Counts = { hits: Type.Integer({ minimum: 0 }), misses: Type.Integer({ minimum: 0 }), stale: Type.Integer({ minimum: 0 }) };

const OperationsOverview = Type.Object({
  since: Type.String({ format: 'date-time', description: 'When this process started counting' }),
  generatedAt: Type.String({ format: 'date-time' }),
  departments: Type.Array(
    Type.Object({
      department: Type.String({ description: 'city/department, e.g. shanghai/traffic-police' }),
      cityId: Type.String(),
      departmentId: Type.String(),
      breaker: LiteralUnion(['closed', 'open', 'half-open', 'isolated']),
      inFlight: Type.Integer({ minimum: 0 }),
      queued: Type.Integer({ minimum: 0, description: 'calls waiting now, for a free place or for the department\'s rate' }),
      rateLimited: Type.Integer({ minimum: 0, description: 'calls this process held back to keep the department within its rate, since start' }),
      ratePerSecond: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'the department\'s configured rate, all processes together' }),
      calls: Type.Integer({ minimum: 0 }),
      failures: Type.Integer({ minimum: 0 }),
      rejected: Type.Integer({ minimum: 0 }),
      errorRate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description: '(failures + rejected) / calls; null before the first call' }),
      latencyMs: Type.Union([Type.Object({ p50: Type.Number(), p95: Type.Number(), p99: Type.Number() }), Type.Null()], { description: 'Approximated from the histogram buckets; null before the first call' }),
      lastFailure: Type.Optional(Type.Object({ code: Type.String(), at: Type.String({ format: 'date-time' }) })),
      cache: Type.Object(Counts),
    }),
    { description: 'Every department of every city in the catalog, called or not' },
  ),
  traffic: Type.Object({
    byEntrance: Type.Array(Type.Object({ entrance: Type.String(), requests: Type.Integer({ minimum: 0 }), errors: Type.Integer({ minimum: 0, description: '4xx and 5xx answers' }) })),
    byService: Type.Array(Type.Object({ cityId: Type.String(), serviceId: Type.String(), requests: Type.Integer({ minimum: 0 }), errors: Type.Integer({ minimum: 0 }) })),
    byEntranceAndService: Type.Array(Type.Object({ entrance: Type.String(), cityId: Type.String(), serviceId: Type.String(), requests: Type.Integer({ minimum: 0 }) })),
  }),
  cache: Type.Object({
    ...Counts,
    departmentCalls: Type.Integer({ minimum: 0, description: 'Calls that reached a department (not refused by its breaker or limit)' }),
    offloadRatio: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description: '(hits + stale) / lookups; null before the first lookup' }),
  }),
  demo: Type.Object({ faultSwitches: Type.Boolean({ description: 'The emulators\' fault switches can be flipped through the hub (demo mode)' }) }),
  scale: Type.Object({
    sharing: Type.Union([Type.Literal('shared'), Type.Literal('local'), Type.Literal('alone')], { description: 'shared through Redis; local: Redis down, this process on its own; alone: no Redis configured' }),
    processes: Type.Integer({ minimum: 1 }),
  }),
});

const PaymentTotals = { count: Type.Integer({ minimum: 0 }), succeededCount: Type.Integer({ minimum: 0 }), succeededFen: Type.Integer({ minimum: 0 }), refundedFen: Type.Integer({ minimum: 0 }) };

const PaymentSummary = Type.Object({
  date: Type.String({ description: 'The China-local day (Asia/Shanghai) the payments were created on' }),
  totals: Type.Object(PaymentTotals),
  byWallet: Type.Array(Type.Object({ wallet: Type.String(), ...PaymentTotals })),
  byStatus: Type.Array(Type.Object({ status: Type.String(), count: Type.Integer({ minimum: 0 }) })),
  writeBack: Type.Object({
    waiting: Type.Integer({ minimum: 0, description: 'Succeeded payments their department has not recorded yet' }),
    done: Type.Integer({ minimum: 0, description: 'Succeeded payments their department has recorded' }),
  }),
});

const FaultSettings = Type.Object({ latencyMs: Type.Integer(), failRate: Type.Number(), throttleRate: Type.Number(), hang: Type.Boolean(), down: Type.Boolean() });
const FaultSettingsChange = Type.Partial(
  Type.Object({
    latencyMs: Type.Integer({ minimum: 0, maximum: 600_000, description: 'Added to every answer' }),
    failRate: Type.Number({ minimum: 0, maximum: 1, description: 'Share of calls answered with an error' }),
    throttleRate: Type.Number({ minimum: 0, maximum: 1, description: 'Share of calls answered 429' }),
    hang: Type.Boolean({ description: 'Accept calls and never answer' }),
    down: Type.Boolean({ description: 'Drop connections' }),
  }),
  { additionalProperties: false },
);
const NamedFaultSettings = Type.Object({ name: Type.String(), settings: FaultSettings });
const FaultSwitchName = Type.Object({ name: Type.String({ pattern: '^[a-z0-9-]{1,63}$', description: 'Department system name, e.g. traffic-police, hospital, water' }) });

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

  app.get(
    '/v1/admin/operations',
    {
      onRequest: operatorOnly,
      schema: {
        operationId: 'getOperationsOverview',
        tags: ['admin'],
        summary: 'The operator console\'s overview: every department\'s breaker, calls, failures, latency and cache; traffic by entrance and service; cache offload',
        security,
        response: { 200: OperationsOverview, ...errorResponses },
      },
    },
    async () => services.operations.overview(),
  );

  app.get(
    '/v1/admin/payments/summary',
    {
      onRequest: operatorOnly,
      schema: {
        operationId: 'getPaymentSummary',
        tags: ['admin'],
        summary: 'Payments created on one China-local day (today when no date): totals, by wallet, by state, and their write-back to departments',
        security,
        querystring: Type.Object({ date: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD, Asia/Shanghai' })) }, { additionalProperties: false }),
        response: { 200: PaymentSummary, ...errorResponses },
      },
    },
    async (request) => services.operations.paymentSummary(request.query.date),
  );

  // Checked before the request is validated, so outside demo mode every fault route answers the same 404.
  const demoOnly = async () => {
    services.operations.faultSwitches();
  };

  app.get(
    '/v1/admin/emulator-faults',
    {
      onRequest: operatorOnly,
      preValidation: demoOnly,
      schema: {
        operationId: 'listEmulatorFaults',
        tags: ['admin'],
        summary: 'Demo mode: every emulated department system with its fault switches',
        security,
        response: { 200: Type.Object({ departments: Type.Array(NamedFaultSettings) }), ...errorResponses },
      },
    },
    async () => ({ departments: await services.operations.faultSwitches().list() }),
  );

  app.put(
    '/v1/admin/emulator-faults/:name',
    {
      onRequest: operatorOnly,
      preValidation: demoOnly,
      schema: {
        operationId: 'setEmulatorFaults',
        tags: ['admin'],
        summary: 'Demo mode: change some fault switches of one emulated department system (the others stay as they are)',
        security,
        params: FaultSwitchName,
        body: FaultSettingsChange,
        response: { 200: NamedFaultSettings, ...errorResponses },
      },
    },
    async (request) => services.operations.faultSwitches().set(request.params.name, request.body),
  );

  app.delete(
    '/v1/admin/emulator-faults/:name',
    {
      onRequest: operatorOnly,
      preValidation: demoOnly,
      schema: {
        operationId: 'resetEmulatorFaults',
        tags: ['admin'],
        summary: 'Demo mode: clear every fault switch of one emulated department system',
        security,
        params: FaultSwitchName,
        response: { 200: NamedFaultSettings, ...errorResponses },
      },
    },
    async (request) => services.operations.faultSwitches().reset(request.params.name),
  );
}
