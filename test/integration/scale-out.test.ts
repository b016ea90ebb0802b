import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import type { HubApp, HubServices } from '../../src/http/types.ts';
import { REFERENCE_DATE, startTestHub, type TestHub } from '../helpers/hub.ts';
import { generateViolations } from '../../emulators/departments/traffic-police/violations.ts';
import { demoCitizen } from '../../src/demo/demo-citizens.ts';
import type { TestEngine } from '../helpers/stores.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { redisMissing, TEST_REDIS_URL } from '../helpers/redis.ts';
import { until } from '../helpers/until.ts';
import { scanAndPay } from '../helpers/wallets.ts';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const VIOLATIONS = '/v1/cities/wuhan/services/traffic.violations/records';
const WUHAN = { id: 'wuhan', regionCode: '420100', platePrefix: '鄂A' };

const why = process.env.DATABASE_URL ? await redisMissing() : 'needs PostgreSQL (DATABASE_URL)';

describe('two hub processes on one PostgreSQL and one Redis', { skip: why }, () => {
  let database: string;
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let a: TestHub;
  let b: { app: HubApp; services: HubServices; store: Store };

  before(async () => {
    const base = new URL(process.env.DATABASE_URL!);
    database = `hutong_scale_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base.toString() });
    await admin.connect();
    await admin.query(`create database ${database}`);
    await admin.end();
    // Both processes reach PostgreSQL and Redis through proxies the tests can cut.
    pgProxy = await startTcpProxy({ host: base.hostname, port: Number(base.port || 5432) });
    const redisTarget = new URL(TEST_REDIS_URL);
    redisProxy = await startTcpProxy({ host: redisTarget.hostname, port: Number(redisTarget.port || 6379) });
    const databaseUrl = Object.assign(new URL(base.toString()), { port: String(pgProxy.port), pathname: `/${database}` }).toString();
    const redisUrl = `redis://127.0.0.1:${redisProxy.port}`;
    const engine: TestEngine = { name: 'postgres', open: () => openStore({ databaseUrl, dataDir: 'memory://' }) };
    // A namespace of their own: other runs' answers in the same Redis are not theirs.
    const redisNamespace = `hutong-test-${randomBytes(4).toString('hex')}`;
    a = await startTestHub(engine, { redisUrl, redisNamespace, processes: 2 }, { importBatchFiles: false });
    await a.app.listen({ host: '127.0.0.1', port: 0 }); // the wallets notify this process
    const config = loadConfig(
      { HUTONG_EMULATORS_URL: a.emulators.url, HUTONG_BATCH_SYNC_INTERVAL_MS: '0', LOG_LEVEL: 'warn', HUTONG_DEMO: '1' },
      { catalogDir: path.resolve('config/cities'), dataDir: 'memory://', databaseUrl, redisUrl, redisNamespace, processes: 2, reminderPollMs: 0, bookingSweepMs: 0, shedEventLoopDelayMs: 0 },
    );
    const store = await openStore({ databaseUrl, dataDir: 'memory://' });
    b = { ...(await buildApp(config, { store, smsAppKey: 'test-sms-app-key' })), store };
  });

  after(async () => {
    await pgProxy?.restore();
    await redisProxy?.restore();
    await b?.app.close();
    await b?.store.close();
    await a?.close();
    await pgProxy?.close();
    await redisProxy?.close();
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  });

  // Wuhan demo residents whose plate has unpaid fines.
  const residents = Array.from({ length: 200 }, (_, i) => i + 1).filter((n) => generateViolations('wuhan', demoCitizen(n, WUHAN).plate, REFERENCE_DATE).some((v) => v.JKBJ !== '1'));

  /** The `i`-th Wuhan demo resident with unpaid fines, logged in on the first process, with their plate linked. */
  async function withPlate(i: number): Promise<string> {
    const { token, person } = await a.loginPerson(residents[i]!, 'wuhan');
    assert.equal((await a.linkPlate(token, person.plate)).statusCode, 201);
    return token;
  }

  const callsTo = (services: HubServices, department: string) => services.shield.health().find((h) => h.department === department)?.calls ?? 0;

  it('an answer loaded by one process is served by the other; a fine paid through one shows paid in the other at once; a session ended in one ends in both', async () => {
    const token = await withPlate(1);
    const first = await a.app.inject({ method: 'GET', url: VIOLATIONS, headers: bearer(token) });
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(callsTo(a.services, 'wuhan/traffic-police'), 1);
    const other = await b.app.inject({ method: 'GET', url: VIOLATIONS, headers: bearer(token) });
    assert.equal(other.statusCode, 200, other.body);
    assert.equal(callsTo(b.services, 'wuhan/traffic-police'), 0, 'the second process asked no department');
    assert.deepEqual(other.json().items, first.json().items);
    assert.equal(other.json().sources[0].freshness, 'cached');

    const fine = (first.json().items as Array<{ id: string; status: string }>).find((v) => v.status === 'unpaid');
    assert.ok(fine, 'the demo citizen has an unpaid fine');
    const created = await a.app.inject({ method: 'POST', url: '/v1/payments', headers: { ...bearer(token), 'idempotency-key': 'scale-1' }, payload: { cityId: 'wuhan', serviceId: 'traffic.violations', recordId: fine.id, wallet: 'alipay' } });
    assert.equal(created.statusCode, 201, created.body);
    await scanAndPay(a.emulators.url, 'alipay', created.json().qrCodeContent);
    await until('the payment to succeed', async () => {
      const res = await a.app.inject({ method: 'GET', url: `/v1/payments/${created.json().id}`, headers: bearer(token) });
      return res.json().state === 'succeeded' || undefined;
    }, 10_000);
    // Read in the other process right away: never the old "unpaid".
    const after = await b.app.inject({ method: 'GET', url: VIOLATIONS, headers: bearer(token) });
    assert.equal((after.json().items as Array<{ id: string; status: string }>).find((v) => v.id === fine.id)?.status, 'paid');

    const logout = await a.app.inject({ method: 'POST', url: '/v1/sessions/current/logout', headers: bearer(token) });
    assert.equal(logout.statusCode, 204);
    const ended = await until('the other process to refuse the ended session', async () => {
      const res = await b.app.inject({ method: 'GET', url: VIOLATIONS, headers: bearer(token) });
      return res.statusCode === 401 ? res : undefined;
    }, 1000);
    assert.equal(ended.json().error.code, 'HUTONG_ERR_UNAUTHENTICATED');
  });

  it('with Redis down both processes keep serving from their own memory and say so; shared again once it is back', async () => {
    const token = await withPlate(2);
    assert.equal((await a.app.inject({ method: 'GET', url: VIOLATIONS, headers: bearer(token) })).statusCode, 200);
    await redisProxy.cut();
    await until('both processes to notice', () => (a.services.shield.sharing === 'local' && b.services.shield.sharing === 'local') || undefined, 10_000);
    const ready = await b.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual([ready.json().status, ready.json().sharing], ['degraded', 'local']);
    assert.match((await b.app.inject({ method: 'GET', url: '/metrics' })).body, /^hutong_redis_up 0$/m);
    const started = Date.now();
    const fromB = await b.app.inject({ method: 'GET', url: VIOLATIONS, headers: bearer(token) });
    assert.equal(fromB.statusCode, 200, fromB.body);
    assert.ok(Date.now() - started < 2000, 'nothing waits for Redis');
    const again = await a.app.inject({ method: 'GET', url: VIOLATIONS, headers: bearer(token) });
    assert.equal(again.json().sources[0].freshness, 'cached', 'A answers from its own memory');

    await redisProxy.restore();
    await until('both processes to share again', () => (a.services.shield.sharing === 'shared' && b.services.shield.sharing === 'shared') || undefined, 15_000);
    assert.equal((await a.app.inject({ method: 'GET', url: '/readyz' })).json().status, 'ready');
    assert.match((await a.app.inject({ method: 'GET', url: '/metrics' })).body, /^hutong_redis_up 1$/m);
  });

  it('with PostgreSQL down, cached reads are served and changes are refused with 503 HUTONG_ERR_STORE_UNAVAILABLE; all works again once it is back', async () => {
    const token = await withPlate(3);
    const before = await b.app.inject({ method: 'GET', url: VIOLATIONS, headers: bearer(token) });
    assert.equal(before.statusCode, 200, before.body);
    await pgProxy.cut();
    try {
      const read = await b.app.inject({ method: 'GET', url: VIOLATIONS, headers: bearer(token) });
      assert.equal(read.statusCode, 200, read.body);
      assert.deepEqual(read.json().items, before.json().items);

      const started = Date.now();
      const fine = (before.json().items as Array<{ id: string; status: string }>).find((v) => v.status === 'unpaid')!;
      const write = await b.app.inject({ method: 'POST', url: '/v1/payments', headers: { ...bearer(token), 'idempotency-key': 'down-1' }, payload: { cityId: 'wuhan', serviceId: 'traffic.violations', recordId: fine.id, wallet: 'wechatpay' } });
      assert.equal(write.statusCode, 503, write.body);
      assert.equal(write.json().error.code, 'HUTONG_ERR_STORE_UNAVAILABLE');
      assert.ok(Number(write.headers['retry-after']) > 0, 'Retry-After');
      assert.ok(Date.now() - started < 6000, `refused promptly (${Date.now() - started} ms)`);
      const consent = await b.app.inject({ method: 'DELETE', url: '/v1/me/consents/culture', headers: bearer(token) });
      assert.equal(consent.statusCode, 503);
      assert.equal(consent.json().error.code, 'HUTONG_ERR_STORE_UNAVAILABLE');

      const ready = await b.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 200, 'still in service: cached reads work');
      assert.deepEqual([ready.json().status, ready.json().store.reachable], ['degraded', false]);
      assert.match((await b.app.inject({ method: 'GET', url: '/metrics' })).body, /^hutong_store_up 0$/m);
    } finally {
      await pgProxy.restore();
    }
    const retried = await until('a payment once the store is back', async () => {
      const res = await b.app.inject({ method: 'POST', url: '/v1/payments', headers: { ...bearer(token), 'idempotency-key': 'down-2' }, payload: { cityId: 'wuhan', serviceId: 'traffic.violations', recordId: (before.json().items as Array<{ id: string; status: string }>).find((v) => v.status === 'unpaid')!.id, wallet: 'wechatpay' } });
      return res.statusCode === 503 ? undefined : res;
    }, 15_000);
    assert.equal(retried.statusCode, 201, retried.body);
    assert.equal((await b.app.inject({ method: 'GET', url: '/readyz' })).json().store.reachable, true);
  });
});
