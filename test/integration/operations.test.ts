import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEngines } from '../helpers/stores.ts';
import { REFERENCE_DATE, startTestHub, type TestHub } from '../helpers/hub.ts';
import { generateViolations } from '../../emulators/departments/traffic-police/violations.ts';
import { demoCitizen } from '../../src/demo/demo-citizens.ts';
import { localDate } from '../../src/time-zone.ts';
import { scanAndPay } from '../helpers/wallets.ts';

const [engine] = testEngines();
const ADMIN = 'operations-admin-token-0123456789';
const admin = { authorization: `Bearer ${ADMIN}` };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const CHENGDU = { id: 'chengdu', regionCode: '510100', platePrefix: '川A' };

interface DepartmentRow {
  department: string;
  breaker: string;
  calls: number;
  failures: number;
  rejected: number;
  errorRate: number | null;
  latencyMs: { p50: number; p95: number; p99: number } | null;
  lastFailure?: { code: string; at: string };
  cache: { hits: number; misses: number; stale: number };
}

interface Overview {
  since: string;
  generatedAt: string;
  departments: DepartmentRow[];
  traffic: {
    byEntrance: Array<{ entrance: string; requests: number; errors: number }>;
    byService: Array<{ cityId: string; serviceId: string; requests: number; errors: number }>;
    byEntranceAndService: Array<{ entrance: string; cityId: string; serviceId: string; requests: number }>;
  };
  cache: { hits: number; misses: number; stale: number; departmentCalls: number; offloadRatio: number | null };
  demo: { faultSwitches: boolean };
}

/** The first Chengdu demo resident whose plate has an unpaid fine. */
function residentWithUnpaidFine(): number {
  for (let n = 1; n <= 200; n++) {
    if (generateViolations('chengdu', demoCitizen(n, CHENGDU).plate, REFERENCE_DATE).some((v) => v.JKBJ !== '1')) return n;
  }
  throw new Error('no Chengdu demo resident with an unpaid fine');
}

describe('the operator console\'s API: overview, metrics, payments summary, fault switches', () => {
  let hub: TestHub;
  const overview = async (): Promise<Overview> => {
    const res = await hub.app.inject({ method: 'GET', url: '/v1/admin/operations', headers: admin });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as Overview;
  };
  const departmentOf = (o: Overview, name: string) => {
    const row = o.departments.find((d) => d.department === name);
    assert.ok(row, `${name} is listed`);
    return row;
  };

  before(async () => {
    hub = await startTestHub(engine, { adminToken: ADMIN, departmentTimeoutMs: 1000 });
    await hub.app.listen({ host: '127.0.0.1', port: 0 }); // the wallet notifies this address
  });
  after(() => hub.close());

  it('closes every operator route without the admin token, or with a wrong one', async () => {
    const routes = [
      ['GET', '/v1/admin/operations'],
      ['GET', '/v1/admin/payments/summary'],
      ['GET', '/v1/admin/emulator-faults'],
      ['PUT', '/v1/admin/emulator-faults/library'],
      ['DELETE', '/v1/admin/emulator-faults/library'],
    ] as const;
    for (const [method, url] of routes) {
      for (const headers of [{}, { authorization: `Bearer ${ADMIN}x` }, { authorization: `Bearer ${'y'.repeat(ADMIN.length)}` }]) {
        const res = await hub.app.inject({ method, url, headers, ...(method === 'PUT' ? { payload: { failRate: 1 } } : {}) });
        assert.equal(res.statusCode, 403, `${method} ${url}`);
        assert.equal(res.json().error.code, 'HUTONG_ERR_ADMIN_REQUIRED', `${method} ${url}`);
      }
    }
  });

  it('lists every department of the catalog before any call, with nothing counted', async () => {
    const o = await overview();
    const cities = (await hub.app.inject({ method: 'GET', url: '/v1/cities' })).json().items as Array<{ id: string }>;
    assert.ok(o.departments.length >= cities.length * 11, 'eleven departments in each city');
    const quiet = departmentOf(o, 'beijing/exit-entry');
    assert.deepEqual(
      { breaker: quiet.breaker, calls: quiet.calls, errorRate: quiet.errorRate, latencyMs: quiet.latencyMs, cache: quiet.cache },
      { breaker: 'closed', calls: 0, errorRate: null, latencyMs: null, cache: { hits: 0, misses: 0, stale: 0 } },
    );
    assert.equal(o.demo.faultSwitches, true);
    assert.ok(Date.parse(o.since) <= Date.parse(o.generatedAt));
  });

  it('counts citizen requests per entrance and per service, department calls with latency, and cache hits on a repeated read', async () => {
    const before = await overview();
    const { token: webToken } = await hub.loginDemo(3, 'chengdu');
    // The same person from Alipay: the entrance is the session's, whatever the User-Agent says.
    const code = await fetch(`${hub.emulators.url}/alipay/_demo/auth-codes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: '2088000000000333' }) });
    const login = await hub.app.inject({ method: 'POST', url: '/v1/channels/alipay/login', payload: { authCode: ((await code.json()) as { authCode: string }).authCode } });
    assert.equal(login.statusCode, 200, login.body);
    const alipayToken = await hub.bindRealName(login.json().accessToken, demoCitizen(3, CHENGDU));

    const violations = '/v1/cities/chengdu/services/traffic.violations/records';
    const loans = '/v1/cities/chengdu/services/culture.library-loans/records';
    for (const url of [violations, violations, loans]) {
      const res = await hub.app.inject({ method: 'GET', url, headers: bearer(webToken) });
      assert.equal(res.statusCode, 200, res.body);
    }
    const fromAlipay = await hub.app.inject({ method: 'GET', url: violations, headers: { ...bearer(alipayToken), 'user-agent': 'Mozilla/5.0 (Linux) MicroMessenger/8.0' } });
    assert.equal(fromAlipay.statusCode, 200, fromAlipay.body);
    const unknownService = await hub.app.inject({ method: 'GET', url: '/v1/cities/chengdu/services/no.such-service/records', headers: bearer(alipayToken) });
    assert.equal(unknownService.statusCode, 404);
    const noRoute = await hub.app.inject({ method: 'GET', url: '/v1/no-such-route', headers: { 'user-agent': 'Mozilla/5.0 AlipayClient/10.5' } });
    assert.equal(noRoute.statusCode, 404);

    const after = await overview();
    const requestsOf = (o: Overview, entrance: string) => o.traffic.byEntrance.find((e) => e.entrance === entrance) ?? { requests: 0, errors: 0 };
    assert.ok(requestsOf(after, 'web').requests - requestsOf(before, 'web').requests >= 3, 'the web requests');
    assert.equal(requestsOf(after, 'alipay').requests - requestsOf(before, 'alipay').requests >= 3, true, 'Alipay: login, real name, records, the unknown service');
    assert.ok(requestsOf(after, 'alipay').errors >= 1, 'the 404 is an error of the Alipay entrance');
    assert.equal(after.traffic.byEntrance.find((e) => e.entrance === 'wechat'), undefined, 'a User-Agent does not override the session\'s entrance');
    assert.ok(requestsOf(after, 'alipay').errors >= 2, 'without a session the entrance is recognised from the User-Agent');

    const service = (cityId: string, serviceId: string) => after.traffic.byService.find((s) => s.cityId === cityId && s.serviceId === serviceId);
    assert.equal(service('chengdu', 'traffic.violations')?.requests, 3);
    assert.equal(service('chengdu', 'culture.library-loans')?.requests, 1);
    assert.equal(service('chengdu', 'other')?.errors, 1, 'an unknown service id is counted as "other"');
    const pair = (entrance: string) => after.traffic.byEntranceAndService.find((p) => p.entrance === entrance && p.cityId === 'chengdu' && p.serviceId === 'traffic.violations')?.requests;
    assert.equal(pair('web'), 2);
    assert.equal(pair('alipay'), 1);

    const police = departmentOf(after, 'chengdu/traffic-police');
    assert.ok(police.calls >= 1, 'the traffic police was called');
    assert.equal(police.failures, 0);
    assert.equal(police.errorRate, 0);
    assert.ok(police.latencyMs && police.latencyMs.p50 > 0 && police.latencyMs.p50 <= police.latencyMs.p95 && police.latencyMs.p95 <= police.latencyMs.p99, JSON.stringify(police.latencyMs));
    assert.ok(police.cache.hits >= 2, `the repeated reads came from the cache: ${JSON.stringify(police.cache)}`);
    assert.ok(after.cache.hits > before.cache.hits);
    assert.ok(after.cache.departmentCalls > before.cache.departmentCalls);
    assert.ok(after.cache.offloadRatio !== null && after.cache.offloadRatio > 0 && after.cache.offloadRatio < 1, String(after.cache.offloadRatio));
  });

  it('shows a failing department\'s failures, error rate and last failure', async () => {
    const { token } = await hub.loginDemo(4, 'chengdu');
    const set = await hub.app.inject({ method: 'PUT', url: '/v1/admin/emulator-faults/social-security', headers: admin, payload: { failRate: 1 } });
    assert.equal(set.statusCode, 200, set.body);
    try {
      const res = await hub.app.inject({ method: 'GET', url: '/v1/cities/chengdu/services/social.insurance/records', headers: bearer(token) });
      assert.ok(res.statusCode >= 500, res.body);
    } finally {
      await hub.app.inject({ method: 'DELETE', url: '/v1/admin/emulator-faults/social-security', headers: admin });
    }
    const social = departmentOf(await overview(), 'chengdu/social-security');
    assert.ok(social.failures >= 1, JSON.stringify(social));
    assert.ok(social.errorRate !== null && social.errorRate > 0, JSON.stringify(social));
    assert.equal(social.lastFailure?.code, 'HUTONG_ERR_DEPARTMENT_FAULT');
  });

  it('serves Prometheus metrics at /metrics, openly, with no personal data', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    for (const name of ['hutong_http_requests_total', 'hutong_department_call_duration_seconds_bucket', 'hutong_cache_lookups_total', 'hutong_breaker_open', 'hutong_department_in_flight', 'process_cpu_user_seconds_total']) {
      assert.match(res.body, new RegExp(`^${name}`, 'm'), name);
    }
    assert.match(res.body, /hutong_http_requests_total\{entrance="alipay",city="chengdu",service="traffic.violations",status_class="2xx"\} 1/);
    const labels = [...res.body.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]).join('\n');
    assert.doesNotMatch(labels, /[\u4e00-\u9fff]|\d{17}[\dX]|1[3-9]\d{9}/, 'no plate, national id or phone in a label');
    const openapi = (await hub.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.equal(openapi.paths['/metrics'].get.operationId, 'getMetrics');
  });

  it('summarises a day\'s payments by wallet and state, with their write-back', async () => {
    const today = localDate(new Date(), 'Asia/Shanghai');
    const empty = await hub.app.inject({ method: 'GET', url: '/v1/admin/payments/summary?date=2001-01-01', headers: admin });
    assert.equal(empty.statusCode, 200, empty.body);
    assert.deepEqual(empty.json(), { date: '2001-01-01', totals: { count: 0, succeededCount: 0, succeededFen: 0, refundedFen: 0 }, byWallet: [], byStatus: [], writeBack: { waiting: 0, done: 0 } });
    for (const date of ['2025-13-01', '2025-02-30', 'yesterday', '2025-1-1']) {
      const bad = await hub.app.inject({ method: 'GET', url: `/v1/admin/payments/summary?date=${date}`, headers: admin });
      assert.equal(bad.statusCode, 400, date);
      assert.equal(bad.json().error.code, 'HUTONG_ERR_VALIDATION', date);
    }

    const { token } = await hub.loginDemo(residentWithUnpaidFine(), 'chengdu');
    const records = await hub.app.inject({ method: 'GET', url: '/v1/cities/chengdu/services/traffic.violations/records', headers: bearer(token) });
    const fine = (records.json().items as Array<{ id: string; status: string; fineFen: number }>).find((v) => v.status === 'unpaid')!;
    const created = await hub.app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...bearer(token), 'idempotency-key': 'operations-summary-1' },
      payload: { cityId: 'chengdu', serviceId: 'traffic.violations', recordId: fine.id, wallet: 'unionpay' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const payment = created.json();
    await scanAndPay(hub.emulators.url, 'unionpay', payment.qrCodeContent);
    let summary: { date?: string; totals?: unknown; byWallet?: unknown; byStatus?: unknown; writeBack?: { waiting: number; done: number } } = {};
    for (let i = 0; i < 200; i++) {
      summary = (await hub.app.inject({ method: 'GET', url: '/v1/admin/payments/summary', headers: admin })).json();
      if (summary.writeBack?.done === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(summary.date, today, 'today in China when no date is given');
    assert.deepEqual(summary.totals, { count: 1, succeededCount: 1, succeededFen: fine.fineFen, refundedFen: 0 });
    assert.deepEqual(summary.byWallet, [{ wallet: 'unionpay', count: 1, succeededCount: 1, succeededFen: fine.fineFen, refundedFen: 0 }]);
    assert.deepEqual(summary.byStatus, [{ status: 'succeeded', count: 1 }]);
    assert.deepEqual(summary.writeBack, { waiting: 0, done: 1 }, 'the traffic police recorded the fine as paid');

    const o = await overview();
    assert.ok(o.traffic.byService.some((s) => s.cityId === 'chengdu' && s.serviceId === 'traffic.violations' && s.requests >= 5), 'createPayment is counted under the service named in its body');
  });

  it('flips, reads back and resets an emulated department\'s fault switches in demo mode', async () => {
    const list = await hub.app.inject({ method: 'GET', url: '/v1/admin/emulator-faults', headers: admin });
    assert.equal(list.statusCode, 200, list.body);
    const names = (list.json().departments as Array<{ name: string }>).map((d) => d.name);
    for (const name of ['traffic-police', 'hospital', 'water', 'library', 'public-security']) assert.ok(names.includes(name), name);
    assert.deepEqual(list.json().departments.find((d: { name: string }) => d.name === 'library').settings, { latencyMs: 0, failRate: 0, throttleRate: 0, hang: false, down: false });

    const set = await hub.app.inject({ method: 'PUT', url: '/v1/admin/emulator-faults/library', headers: admin, payload: { latencyMs: 250, throttleRate: 0.5 } });
    assert.equal(set.statusCode, 200, set.body);
    assert.deepEqual(set.json(), { name: 'library', settings: { latencyMs: 250, failRate: 0, throttleRate: 0.5, hang: false, down: false } });
    const partial = await hub.app.inject({ method: 'PUT', url: '/v1/admin/emulator-faults/library', headers: admin, payload: { hang: true } });
    assert.deepEqual(partial.json().settings, { latencyMs: 250, failRate: 0, throttleRate: 0.5, hang: true, down: false }, 'a partial change keeps the other switches');
    assert.deepEqual(hub.emulators.faults.get('library'), partial.json().settings, 'the emulators have it');
    const readBack = (await hub.app.inject({ method: 'GET', url: '/v1/admin/emulator-faults', headers: admin })).json();
    assert.equal(readBack.departments.find((d: { name: string }) => d.name === 'library').settings.hang, true);

    const reset = await hub.app.inject({ method: 'DELETE', url: '/v1/admin/emulator-faults/library', headers: admin });
    assert.equal(reset.statusCode, 200, reset.body);
    assert.deepEqual(reset.json(), { name: 'library', settings: { latencyMs: 0, failRate: 0, throttleRate: 0, hang: false, down: false } });
    assert.equal(hub.emulators.faults.get('library').hang, false);

    const unknown = await hub.app.inject({ method: 'PUT', url: '/v1/admin/emulator-faults/tax-bureau', headers: admin, payload: { failRate: 1 } });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'HUTONG_ERR_FAULT_SWITCH_NOT_FOUND');
    for (const payload of [{ failRate: 2 }, { latencyMs: -1 }, { hang: 'yes' }, { explode: true }]) {
      const bad = await hub.app.inject({ method: 'PUT', url: '/v1/admin/emulator-faults/library', headers: admin, payload });
      assert.equal(bad.statusCode, 400, JSON.stringify(payload));
      assert.equal(bad.json().error.code, 'HUTONG_ERR_VALIDATION', JSON.stringify(payload));
    }
  });

  describe('outside demo mode', () => {
    let plain: TestHub;
    before(async () => {
      plain = await startTestHub(engine, { adminToken: ADMIN, demoMode: false }, { importBatchFiles: false });
    });
    after(() => plain.close());

    it('has no fault switches: 404 HUTONG_ERR_DEMO_ONLY, and the overview says so', async () => {
      for (const [method, url] of [['GET', '/v1/admin/emulator-faults'], ['PUT', '/v1/admin/emulator-faults/library'], ['DELETE', '/v1/admin/emulator-faults/library'], ['PUT', '/v1/admin/emulator-faults/NOT A NAME']] as const) {
        const res = await plain.app.inject({ method, url, headers: admin, ...(method === 'PUT' ? { payload: { failRate: 1 } } : {}) });
        assert.equal(res.statusCode, 404, `${method} ${url}`);
        assert.equal(res.json().error.code, 'HUTONG_ERR_DEMO_ONLY', `${method} ${url}`);
      }
      const o = await plain.app.inject({ method: 'GET', url: '/v1/admin/operations', headers: admin });
      assert.equal(o.statusCode, 200, o.body);
      assert.equal(o.json().demo.faultSwitches, false);
      const refused = await plain.app.inject({ method: 'GET', url: '/v1/admin/emulator-faults' });
      assert.equal(refused.statusCode, 403, 'the admin token is checked first');
    });
  });
});
