import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig, type HubConfig } from '../../src/config.ts';
import { startEmulators, type RunningEmulators } from '../../emulators/index.ts';
import { DEMO_HOUSEHOLDS } from '../../emulators/departments/water/bills.ts';
import type { HubApp, HubServices } from '../../src/http/types.ts';
import type { Store } from '../../src/store/db.ts';
import { IDENTIFIER_CONSENT_TEXT_VERSION } from '../../src/identity/citizen.service.ts';
import type { TestEngine } from './stores.ts';
import { catalogWithWaitingRooms, type WaitingRoomsSetting } from './catalog-copy.ts';
import { demoCitizen, demoIdentifierLinks, demoRealName, type DemoCitizen } from '../../src/demo/demo-citizens.ts';

/** Today at midnight in China: emulated data is counted back from it, and the hub's "today" is the same day. */
export const REFERENCE_DATE = new Date(`${new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10)}T00:00:00+08:00`);
const SMS_KEY = 'test-sms-app-key';

export interface TestHub {
  /** The hub now running (a restart replaces it). */
  readonly app: HubApp;
  readonly services: HubServices;
  /** Stops the hub and builds a new one on the same store and emulators, as a process restart would. */
  restart(): Promise<void>;
  /** Another hub on the same store and emulators, as a second process on one store would be; closed with this one. */
  another(): Promise<HubApp>;
  readonly emulators: RunningEmulators;
  readonly store: Store;
  /** Every log line the hub wrote, as text. */
  readonly logs: string[];
  /** Logs a phone in through the web channel exactly as a person would: code by SMS, then login. */
  login(phone: string): Promise<string>;
  linkPlate(token: string, plate: string): Promise<LightMyRequestResponse>;
  /** Proves a demo citizen's real name for the session; the token to use afterwards (a new one when the entrance joined an existing citizen). */
  bindRealName(token: string, person: DemoCitizen): Promise<string>;
  /** Logs demo citizen `n` of a city in through the web and proves their real name; no identifiers linked. */
  loginPerson(n: number, cityId: string): Promise<{ token: string; person: DemoCitizen }>;
  /** Logs demo citizen `n` of a city in, proves their real name and links all their demo identifiers, as `hutong demo token` does. */
  loginDemo(n: number, cityId: string): Promise<{ token: string; person: DemoCitizen }>;
  close(): Promise<void>;
}

/**
 * A real hub (real store, real emulators on loopback) for `inject()` tests. `waitingRooms` changes
 * the waiting rooms the city files give (the vehicle inspection booking's): other settings, or
 * 'off' for tests that send bursts straight at createBooking.
 */
export async function startTestHub(
  engine: TestEngine,
  overrides: Partial<HubConfig> = {},
  options: { clock?: () => Date; importBatchFiles?: boolean; waitingRooms?: WaitingRoomsSetting } = {},
): Promise<TestHub> {
  const catalogCopy = options.waitingRooms === undefined ? undefined : await catalogWithWaitingRooms(options.waitingRooms);
  const inboxDir = await mkdtemp(path.join(tmpdir(), 'hutong-inbox-'));
  // The demo residents' 200 households are all a test meets; the full 1000 per city take minutes to import across the suite.
  const emulators = await startEmulators({ port: 0, smsAppKey: SMS_KEY, referenceDate: REFERENCE_DATE, dropDir: inboxDir, waterHouseholds: DEMO_HOUSEHOLDS });
  const store = await engine.open();
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config = loadConfig(
    // Many hubs start in one test process, and a starting hub blocks the loop its neighbours measure: no load shedding unless a test asks for it.
    { HUTONG_EMULATORS_URL: emulators.url, HUTONG_INBOX_DIR: inboxDir, HUTONG_BATCH_SYNC_INTERVAL_MS: '0', LOG_LEVEL: 'info', HUTONG_DEMO: '1', HUTONG_SHED_EVENT_LOOP_DELAY_MS: '0' },
    { catalogDir: catalogCopy?.dir ?? path.resolve('config/cities'), dataDir: 'memory://', ...overrides },
  );
  let { app, services } = await buildApp(config, { store, logStream, smsAppKey: SMS_KEY, ...(options.clock ? { clock: options.clock } : {}) });
  // The water company's nightly files (all 12 cities), imported before the tests ask for bills.
  if (options.importBatchFiles !== false) await services.batchSync.runOnce();

  const others: HubApp[] = [];

  async function login(phone: string): Promise<string> {
    const sent = await app.inject({ method: 'POST', url: '/v1/channels/web/login-codes', payload: { phone } });
    if (sent.statusCode !== 202) throw new Error(`login code: ${sent.statusCode} ${sent.body}`);
    const code = /\d{6}/.exec(emulators.sms.inbox(phone)[0]?.text ?? '')?.[0];
    if (!code) throw new Error('no code arrived');
    const res = await app.inject({ method: 'POST', url: '/v1/channels/web/login', payload: { phone, code } });
    if (res.statusCode !== 200) throw new Error(`login: ${res.statusCode} ${res.body}`);
    return res.json().accessToken as string;
  }

  async function bindRealName(token: string, person: DemoCitizen): Promise<string> {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/me/real-name',
      headers: { authorization: `Bearer ${token}` },
      payload: { ...demoRealName(person), consentTextVersion: IDENTIFIER_CONSENT_TEXT_VERSION },
    });
    if (res.statusCode !== 200) throw new Error(`real name: ${res.statusCode} ${res.body}`);
    return (res.json().session?.accessToken as string | undefined) ?? token;
  }

  async function loginPerson(n: number, cityId: string): Promise<{ token: string; person: DemoCitizen }> {
    const person = demoCitizen(n, services.catalog.getCity(cityId));
    return { token: await bindRealName(await login(person.phone), person), person };
  }

  async function loginDemo(n: number, cityId: string): Promise<{ token: string; person: DemoCitizen }> {
    const { token, person } = await loginPerson(n, cityId);
    for (const link of demoIdentifierLinks(person, cityId)) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/me/identifiers',
        headers: { authorization: `Bearer ${token}` },
        payload: { ...link, consentTextVersion: IDENTIFIER_CONSENT_TEXT_VERSION },
      });
      if (res.statusCode >= 300) throw new Error(`link ${link.kind}: ${res.statusCode} ${res.body}`);
    }
    return { token, person };
  }

  return {
    get app() {
      return app;
    },
    get services() {
      return services;
    },
    async restart() {
      const address = app.server.listening ? app.server.address() : null;
      await app.close();
      ({ app, services } = await buildApp(config, { store, logStream, smsAppKey: SMS_KEY, ...(options.clock ? { clock: options.clock } : {}) }));
      // Links already handed out name the old address; the restarted hub answers there again.
      if (address && typeof address === 'object') await app.listen({ host: address.address, port: address.port });
    },
    async another() {
      const other = await buildApp(config, { store, logStream, smsAppKey: SMS_KEY, ...(options.clock ? { clock: options.clock } : {}) });
      others.push(other.app);
      return other.app;
    },
    emulators,
    store,
    logs,
    login,
    bindRealName,
    loginPerson,
    loginDemo,
    linkPlate: (token, plate) =>
      app.inject({
        method: 'POST',
        url: '/v1/me/identifiers',
        headers: { authorization: `Bearer ${token}` },
        payload: { kind: 'plate', value: plate, consentTextVersion: IDENTIFIER_CONSENT_TEXT_VERSION },
      }),
    async close() {
      for (const other of others) await other.close();
      await app.close();
      await store.close();
      await emulators.close();
      await rm(inboxDir, { recursive: true, force: true });
      await catalogCopy?.remove();
    },
  };
}
