import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { testEngines } from '../helpers/stores.ts';
import { startTestHub, type TestHub } from '../helpers/hub.ts';

const [engine] = testEngines();

describe('department failures reach citizens as distinct codes, and the breaker protects departments', () => {
  let hub: TestHub;
  let token: string;
  const get = (url: string) => hub.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  before(async () => {
    hub = await startTestHub(engine, { departmentTimeoutMs: 400 });
    ({ token } = await hub.loginDemo(9, 'qingdao'));
  });
  afterEach(() => hub.emulators.faults.reset());
  after(() => hub.close());

  it('a SOAP fault, a FHIR OperationOutcome, a 429 and a timeout each have their own code', async () => {
    hub.emulators.faults.set('traffic-police', { failRate: 1 });
    const soap = await get('/v1/cities/qingdao/services/traffic.violations/records');
    assert.equal(soap.statusCode, 502);
    assert.equal(soap.json().error.code, 'HUTONG_ERR_DEPARTMENT_SOAP_FAULT');

    hub.emulators.faults.set('hospital', { failRate: 1 });
    const fhir = await get('/v1/cities/qingdao/services/medical.hospital-registration/records');
    assert.equal(fhir.statusCode, 502);
    assert.equal(fhir.json().error.code, 'HUTONG_ERR_DEPARTMENT_OPERATION_OUTCOME');
    assert.match(fhir.json().error.message, /HIS temporarily unavailable/);

    hub.emulators.faults.set('social-security', { throttleRate: 1 });
    const throttled = await get('/v1/cities/qingdao/services/social.insurance/records');
    assert.equal(throttled.statusCode, 503);
    assert.equal(throttled.json().error.code, 'HUTONG_ERR_DEPARTMENT_THROTTLED');

    hub.emulators.faults.set('exit-entry', { hang: true });
    const started = performance.now();
    const timeout = await get('/v1/cities/qingdao/services/civil.exit-entry-progress/records');
    assert.equal(timeout.statusCode, 504);
    assert.equal(timeout.json().error.code, 'HUTONG_ERR_DEPARTMENT_TIMEOUT');
    assert.ok(performance.now() - started < 2000, 'the department deadline (400 ms) cut the call');
  });

  it('opens the breaker after the configured consecutive failures; the department sees no more calls until it half-opens', async () => {
    const { token: other } = await hub.loginDemo(10, 'qingdao');
    hub.emulators.faults.set('gas', { failRate: 1 });
    const bills = () => hub.app.inject({ method: 'GET', url: '/v1/cities/qingdao/services/living.utility-bills/records', headers: { authorization: `Bearer ${other}` } });
    const limits = hub.services.shield.policy('qingdao/gas-company').limits;
    const before = hub.emulators.faults.load('gas').calls;
    for (let i = 0; i < limits.breakerFailures; i++) {
      const res = await bills();
      assert.equal(res.statusCode, 200, 'water and electricity still answer: the section is partial');
      const gas = res.json().sources.find((s: { departmentId: string }) => s.departmentId === 'gas-company');
      assert.equal(gas.error.code, 'HUTONG_ERR_DEPARTMENT_FAULT');
    }
    assert.equal(hub.emulators.faults.load('gas').calls - before, limits.breakerFailures);
    const open = await bills();
    const gas = open.json().sources.find((s: { departmentId: string }) => s.departmentId === 'gas-company');
    assert.equal(gas.error.code, 'HUTONG_ERR_DEPARTMENT_CIRCUIT_OPEN');
    assert.equal(hub.emulators.faults.load('gas').calls - before, limits.breakerFailures, 'the open breaker kept the call from the department');
    const health = await hub.app.inject({ method: 'GET', url: '/v1/operations/departments' });
    const state = health.json().items.find((d: { department: string }) => d.department === 'qingdao/gas-company');
    assert.equal(state.breaker, 'open');
    assert.ok(state.failures >= limits.breakerFailures);
  });

  it('never lets more calls reach a department at once than its concurrency limit', async () => {
    hub.emulators.faults.set('transport-bureau', { latencyMs: 150 });
    const limits = hub.services.shield.policy('qingdao/transport-bureau').limits;
    const routes = Array.from({ length: limits.maxConcurrent * 3 }, (_, i) => `from=120.${100 + i},36.0&to=120.5,36.2`);
    const answers = await Promise.all(routes.map((q) => get(`/v1/cities/qingdao/services/traffic.road-conditions/records?${q}`)));
    const codes = answers.map((a) => (a.statusCode === 200 ? 'ok' : a.json().error.code));
    // Under load some calls may also pass their 400 ms deadline; what must never happen is more calls in flight at the department.
    assert.ok(codes.every((c) => ['ok', 'HUTONG_ERR_DEPARTMENT_BUSY', 'HUTONG_ERR_DEPARTMENT_TIMEOUT'].includes(c)), codes.join(','));
    assert.ok(codes.includes('ok'));
    assert.ok(hub.emulators.faults.load('transport-bureau').maxInFlight <= limits.maxConcurrent);
  });
});
