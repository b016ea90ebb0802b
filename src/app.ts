import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { DestinationStream } from 'pino';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { HubConfig } from './config.ts';
import { ERROR_CODES } from './errors.ts';
import { createHubLogger } from './log.ts';
import { openStore, migrateToLatest, type Store } from './store/db.ts';
import { CatalogError, loadCatalogDir } from './catalog/catalog.loader.ts';
import { Catalog } from './catalog/catalog.service.ts';
import { BatchRecordRepository } from './store/batch-records.repository.ts';
import { DEFAULT_DEPARTMENT_LIMITS, Shield } from './shield/shield.ts';
import { SharedRedis } from './shield/shared-redis.ts';
import { HubBus } from './shield/hub-bus.ts';
import { installLoadShedding } from './shield/load-shedding.ts';
import { CitizenMemory } from './identity/citizen-memory.ts';
import { StoreWatch } from './store/store-watch.ts';
import { CitizenRepository } from './identity/citizen.repository.ts';
import { SessionRepository } from './identity/session.repository.ts';
import { SessionService } from './identity/session.service.ts';
import { CitizenService } from './identity/citizen.service.ts';
import { ConsentService } from './identity/consent.service.ts';
import { ConsentRepository } from './identity/consent.repository.ts';
import { LoginService } from './identity/login.service.ts';
import { RealNameService } from './identity/real-name.service.ts';
import { createNciicRegister } from './identity/real-name/nciic.register.ts';
import { HolderVerifier } from './identity/holder-verification.ts';
import { AuditRepository } from './audit/audit.repository.ts';
import { AuditTrail } from './audit/audit.trail.ts';
import { RecordsService } from './records/records.service.ts';
import { DashboardService } from './records/dashboard.service.ts';
import { BatchSyncService } from './records/batch-sync.service.ts';
import { createWebChannel, LOGIN_CODE_RULES } from './channels/web/web.channel.ts';
import { SmsClient } from './channels/web/sms.client.ts';
import type { Channel } from './channels/channel.ts';
import { configuredChannels } from './channels/registry.ts';
import { PartnerAppRepository } from './channels/partner/partner.repository.ts';
import { createPartnerChannel } from './channels/partner/partner.channel.ts';
import { clientErrorHandler, installErrorHandling } from './http/error-handler.ts';
import { healthRoutes } from './http/routes/health.routes.ts';
import { catalogRoutes } from './http/routes/catalog.routes.ts';
import { schemaRoutes } from './http/routes/schemas.routes.ts';
import { demoRoutes } from './http/routes/demo.routes.ts';
import { DemoWorld } from './demo/demo-world.ts';
import { identityRoutes } from './http/routes/identity.routes.ts';
import { recordsRoutes } from './http/routes/records.routes.ts';
import { adminRoutes } from './http/routes/admin.routes.ts';
import { webAppRoutes } from './http/routes/web-app.routes.ts';
import { entranceRoutes } from './http/routes/entrance.routes.ts';
import cookie from '@fastify/cookie';
import { LinkRepository } from './links/link.repository.ts';
import { LinkService } from './links/link.service.ts';
import { PaymentRepository } from './payments/payment.repository.ts';
import { PaymentService } from './payments/payment.service.ts';
import { configuredProviders } from './payments/registry.ts';
import { paymentRoutes } from './http/routes/payments.routes.ts';
import { WriteBackService } from './payments/write-back.service.ts';
import { JobQueue } from './jobs/job-queue.ts';
import { ReconciliationService } from './payments/reconciliation.service.ts';
import { BookingRepository } from './bookings/booking.repository.ts';
import { BookingService } from './bookings/booking.service.ts';
import { bookingRoutes } from './http/routes/bookings.routes.ts';
import { WaitingRoomRepository } from './bookings/waiting-room.repository.ts';
import { WaitingRoomService } from './bookings/waiting-room.service.ts';
import { waitingRoomRoutes } from './http/routes/waiting-room.routes.ts';
import { NotificationRepository } from './notify/notification.repository.ts';
import { ReminderService } from './notify/reminder.service.ts';
import { notificationRoutes } from './http/routes/notifications.routes.ts';
import { payableIdOf } from './payments/payment.service.ts';
import type { HubApp, HubServices } from './http/types.ts';
import { HubMetrics } from './operations/metrics.ts';
import { OperationsService } from './operations/operations.service.ts';
import { EmulatorFaults } from './operations/emulator-faults.ts';
import { installRequestMetrics } from './operations/request-metrics.ts';
import { MODEL_VERSION } from './model/index.ts';

export interface BuildAppOptions {
  /** An already open store (tests share one); otherwise the app opens its own and closes it. */
  readonly store?: Store;
  /** Where logs go (tests capture them); standard output otherwise. */
  readonly logStream?: DestinationStream;
  /** The SMS gateway's app key; a secret, never logged. */
  readonly smsAppKey?: string;
  /** The hub's clock for holds and reminders (tests move it); the system clock otherwise. */
  readonly clock?: () => Date;
}

export const DEMO_SMS_APP_KEY = 'hutong-demo-sms-app-key';

function errorCodeTable(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.description} |`);
  return ['| code | status | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/**
 * Builds the hub: opens and migrates the store, loads and checks the city catalog, wires the
 * services and the HTTP routes. It does not listen; `server.ts` does.
 *
 * @example
 *   const { app } = await buildApp(loadConfig(process.env, { dataDir: 'memory://' }))
 *   const res = await app.inject({ method: 'GET', url: '/v1/cities' })
 */
export async function buildApp(config: HubConfig, options: BuildAppOptions = {}): Promise<{ app: HubApp; services: HubServices }> {
  const catalogResult = await loadCatalogDir(config.catalogDir, config.catalogVars);
  if (!catalogResult.ok) throw new CatalogError(catalogResult.problems);

  const store = options.store ?? (await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  try {
    await migrateToLatest(store);
  } catch (error) {
    if (!options.store) await store.close();
    throw error;
  }
  const wallets = configuredProviders(config);
  const catalog = new Catalog(catalogResult.cities, { batchRecords: new BatchRecordRepository(store.db) }, { wallets: [...wallets.keys()] });

  const logger = createHubLogger(config.logLevel, options.logStream);
  const app: HubApp = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    clientErrorHandler,
    trustProxy: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // With REDIS_URL, the hub's processes share answers, invalidations and department rates; without, this process is alone.
  const redis = config.redisUrl ? new SharedRedis(config.redisUrl, { namespace: config.redisNamespace }) : undefined;
  if (redis) await redis.ready(1500);
  const bus = new HubBus(redis);
  const citizenMemory = new CitizenMemory({ bus });
  const storeWatch = new StoreWatch(store);
  const citizenRepository = new CitizenRepository(store.db, citizenMemory);
  const sessionRepository = new SessionRepository(store.db);
  const audit = new AuditTrail(new AuditRepository(store.db), { onFlushError: (error) => app.log.error({ err: error }, 'audit entries not written yet; will retry') });
  const sessions = new SessionService(sessionRepository, { secret: config.sessionSecret, memory: citizenMemory });
  const webChannel = createWebChannel({
    sessions: sessionRepository,
    sms: new SmsClient(config.smsGatewayUrl, options.smsAppKey ?? process.env.HUTONG_SMS_APP_KEY ?? DEMO_SMS_APP_KEY),
    codeKey: async () => (await sessions.signingKey()).export().toString('base64url'),
    // Demo scripts log the same demo citizens in again and again; real deployments keep the limits.
    rules: config.demoMode ? { ...LOGIN_CODE_RULES, resendAfterSeconds: 0, maxPerHour: 10_000 } : LOGIN_CODE_RULES,
  });
  const partners = new PartnerAppRepository(store.db);
  const partnerChannel = createPartnerChannel({ partners });
  const channels = new Map<string, Channel>(
    [webChannel as unknown as Channel, ...configuredChannels(config), partnerChannel as unknown as Channel].map((c) => [c.id, c]),
  );
  const departmentDefaults = { ...DEFAULT_DEPARTMENT_LIMITS, timeoutMs: config.departmentTimeoutMs };
  // One registry per app: tests build many apps in one process.
  const metrics = new HubMetrics({
    departmentHealth: () => shield.health(),
    storeUp: () => storeWatch.up,
    waitingRooms: () => waitingRoom.queueLengths(),
    ...(redis ? { redisUp: () => redis.up } : {}),
  });
  const shield: Shield = new Shield({
    limitsFor: (department) => catalog.departmentLimits(department, departmentDefaults),
    observer: metrics,
    redis,
    processes: config.processes,
  });
  await Promise.all([shield.start(), bus.start()]);
  const consents = new ConsentService(new ConsentRepository(store.db), audit, citizenMemory);
  const paymentRepository = new PaymentRepository(store.db);
  const records = new RecordsService({
    catalog,
    citizens: citizenRepository,
    shield,
    audit,
    consents,
    paidRecords: (cityId, departmentId, recordType, ids) => paymentRepository.paidRecordIds(cityId, departmentId, recordType, ids),
    bus,
  });
  let listeningOrigin = `http://${config.host}:${config.port}`;
  // Bookings and payments need each other: a fee is paid like a fine, and a refused booking refunds it.
  let paymentService: PaymentService | undefined;
  const bookingRepository = new BookingRepository(store.db);
  const waitingRoom = new WaitingRoomService({ rooms: new WaitingRoomRepository(store.db), catalog, ...(options.clock ? { now: options.clock } : {}) });
  const bookings = new BookingService({
    bookings: bookingRepository,
    catalog,
    records,
    citizens: citizenRepository,
    consents,
    shield,
    audit,
    refundFee: (payableId, reason) => paymentService!.refundPayable(payableId, reason),
    onError: (error, bookingId) => app.log.warn({ err: error, bookingId }, 'booking not settled with its department yet'),
    waitingRoom,
    ...(options.clock ? { now: options.clock } : {}),
  });
  const writeBack = new WriteBackService({
    payments: paymentRepository,
    catalog,
    shield,
    audit,
    onError: (error, intentId) => app.log.warn({ err: error, intentId }, 'payment not recorded by its department yet; retrying'),
    feePaid: (bookingId, payment) => bookings.feePaid(bookingId, payment),
  });
  const batchSync = new BatchSyncService(catalog, app.log, config.batchSyncIntervalMs);
  paymentService = new PaymentService({
    payments: paymentRepository,
    records,
    providers: wallets,
    audit,
    writeBack,
    bookingFee: async (principal, input) => {
      if (catalog.getService(input.cityId, input.serviceId).config.recordType !== 'Slot') return undefined;
      const fee = await bookings.feePayable(principal, input.cityId, input.serviceId, input.recordId);
      await bookings.attachPayable(input.recordId, payableIdOf(input.cityId, fee.departmentId, 'Appointment', input.recordId));
      return fee;
    },
    notifyOrigin: () => config.publicUrl ?? listeningOrigin,
  });
  const reconciliation = new ReconciliationService({ payments: paymentRepository, service: paymentService, providers: wallets, audit, writeBackGraceMs: config.writeBackGraceMs });
  const reminders = new ReminderService({
    notifications: new NotificationRepository(store.db),
    bookings: bookingRepository,
    catalog,
    records,
    citizens: citizenRepository,
    consents,
    channels,
    audit,
    linkKey: async () => (await sessions.signingKey()).export(),
    origin: () => config.publicUrl ?? listeningOrigin,
    pollIntervalMs: config.reminderPollMs,
    dailyCap: config.reminderDailyCap,
    onError: (error, what) => app.log.warn({ err: error, what }, 'reminders: will try again'),
    ...(options.clock ? { now: options.clock } : {}),
  });
  const services: HubServices = {
    processes: config.processes,
    batchSync,
    partners,
    ...(config.publicUrl ? { publicOrigin: config.publicUrl } : {}),
    store,
    catalog,
    sessions,
    webChannel,
    login: new LoginService(channels, citizenRepository, sessions, audit),
    citizens: new CitizenService(citizenRepository, audit, catalog, consents, new HolderVerifier({ catalog, shield })),
    realName: new RealNameService({
      citizens: citizenRepository,
      register: createNciicRegister(config.realNameRegister),
      shield,
      sessions,
      consents,
      audit,
      subjectKey: () => sessions.signingKey(),
    }),
    consents,
    records,
    dashboard: new DashboardService(catalog, records, config.dashboardDeadlineMs, consents),
    shield,
    links: new LinkService(new LinkRepository(store.db), catalog, audit),
    payments: paymentService,
    reconciliation,
    bookings,
    waitingRoom,
    reminders,
    metrics,
    operations: new OperationsService({
      metrics,
      catalog,
      departmentHealth: () => shield.health(),
      sharing: () => shield.sharing,
      processes: config.processes,
      payments: paymentRepository,
      ...(config.demoMode && config.emulatorsUrl ? { faults: new EmulatorFaults(config.emulatorsUrl) } : {}),
    }),
  };

  app.decorateRequest('principal', null);
  installErrorHandling(app, { onStoreUnavailable: () => (metrics.storeUnavailable.inc(), storeWatch.failed()) });
  if (config.shedEventLoopDelayMs > 0) await installLoadShedding(app, { maxEventLoopDelayMs: config.shedEventLoopDelayMs, onShed: () => metrics.loadShed.inc() });
  installRequestMetrics(app, { metrics, catalog, channelIds: [...channels.keys()], recogniseEntrance: (userAgent) => services.login.recognise(userAgent).id });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Hutong (互通) city services hub',
        version: `${MODEL_VERSION}`,
        description: `Publish a city service once; reach citizens from every entrance.\n\nErrors are \`{ "error": { "code", "message" } }\`. Codes:\n\n${errorCodeTable()}`,
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, adminToken: { type: 'http', scheme: 'bearer', description: 'HUTONG_ADMIN_TOKEN' } },
      },
      tags: [
        { name: 'catalog', description: 'Cities and their services' },
        { name: 'identity', description: 'Login through a channel, linked identifiers' },
        { name: 'records', description: 'A citizen\'s records from department systems' },
        { name: 'schemas', description: 'The standard data model as JSON Schema' },
        { name: 'operations', description: 'Health, readiness and Prometheus metrics' },
        { name: 'payments', description: 'Paying fines and bills with any wallet, and wallet notifications' },
        { name: 'reminders', description: 'Reminder subscriptions, the inbox, one-tap unsubscribe' },
        { name: 'bookings', description: 'Slots and bookings: inspection stations, registry offices, hospital doctors' },
        { name: 'demo', description: 'Demo mode: the emulated world\'s residents and their phones' },
        { name: 'admin', description: 'Operators: partner apps, reconciliation, the operator console\'s overview, payments summary and (demo mode) emulator fault switches' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/', { schema: { hide: true } }, async () => ({
    name: 'Hutong (互通)',
    docs: '/docs',
    openapi: '/openapi.json',
    schemas: '/schemas',
    cities: '/v1/cities',
  }));
  healthRoutes(app, services);
  catalogRoutes(app, services);
  schemaRoutes(app);
  identityRoutes(app, services, [...channels.values()]);
  recordsRoutes(app, services);
  adminRoutes(app, services, config.adminToken);
  webAppRoutes(app);
  demoRoutes(app, services, config.demoMode && config.emulatorsUrl ? new DemoWorld(config.emulatorsUrl) : undefined);
  // Only the entrances' browser login uses a cookie (its nonce): the cookie plugin's hooks run for those routes alone.
  await app.register(async (scope) => {
    await scope.register(cookie);
    entranceRoutes(scope as HubApp, services);
  });
  paymentRoutes(app, services);
  bookingRoutes(app, services);
  waitingRoomRoutes(app, services);
  notificationRoutes(app, services);
  // Wallets notify the address the hub really listens on (port 0 picks one at listen time).
  app.addHook('onListen', async () => {
    const address = app.server.address();
    if (address && typeof address === 'object') listeningOrigin = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  });

  const jobs = await JobQueue.start(store, { onError: (error) => app.log.error({ err: error }, 'job queue error') });
  await writeBack.start(jobs, { sweepIntervalMs: config.demoMode ? 10_000 : 60_000 });
  await bookings.start(jobs, { sweepIntervalMs: config.bookingSweepMs });
  // Each subscription is polled once per interval; the tick only decides how soon its turn is noticed.
  reminders.start({ pollTickMs: config.reminderPollMs > 0 ? Math.max(200, Math.min(config.reminderPollMs / 5, 10_000)) : 0, dispatchMs: config.reminderDispatchMs });
  reconciliation.start();

  app.addHook('onClose', async () => {
    writeBack.stop();
    bookings.stop();
    await reminders.stop();
    reconciliation.stop();
    await jobs.stop();
    await writeBack.drain();
    await batchSync.stop();
    await audit.flush();
    await catalog.close();
    metrics.registry.clear();
    storeWatch.stop();
    await redis?.close();
    if (!options.store) await store.close();
  });
  await app.ready();
  if (config.batchSyncIntervalMs > 0) batchSync.start();
  return { app, services };
}
