import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { testEngines } from '../helpers/stores.ts';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import { SEED_CITY_REGIONS } from '../../src/model/regions.ts';
import { ERROR_CODES } from '../../src/errors.ts';
import { City, Service } from '../../src/model/catalog.ts';
import '../../src/model/formats.ts';
import { SEED_SERVICE_IDS } from '../helpers/seed.ts';


// The catalog and its API do not depend on the store engine; one engine is enough here.
const [engine] = testEngines();

describe('catalog, schemas and operations API', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub(engine);
  });
  after(() => hub.close());

  it('listCities returns the 12 seed cities with their GB/T 2260 codes', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/v1/cities' });
    assert.equal(res.statusCode, 200);
    const { items } = res.json() as { items: Array<{ id: string; regionCode: string }> };
    assert.equal(items.length, 12);
    for (const city of items) {
      assert.ok(Value.Check(City, city), `${city.id} follows the City schema`);
      assert.equal(city.regionCode, SEED_CITY_REGIONS[city.id as keyof typeof SEED_CITY_REGIONS].regionCode);
    }
  });

  it('listServices returns the 11 seed services of every city, with kind, category and availability', async () => {
    for (const cityId of Object.keys(SEED_CITY_REGIONS)) {
      const res = await hub.app.inject({ method: 'GET', url: `/v1/cities/${cityId}/services` });
      assert.equal(res.statusCode, 200);
      const items = res.json().items as Array<{ id: string; kind: string; category: string; available: boolean; unavailableReason?: string }>;
      assert.deepEqual(items.map((s) => s.id).sort(), [...SEED_SERVICE_IDS].sort());
      for (const service of items) {
        assert.ok(Value.Check(Service, service), `${cityId}/${service.id} follows the Service schema`);
        assert.equal(service.id.split('.')[0], service.category);
        if (!service.available) assert.ok(service.unavailableReason && service.unavailableReason.length > 10, `${service.id} says why it is unavailable`);
      }
      const violations = items.find((s) => s.id === 'traffic.violations')!;
      assert.equal(violations.available, true);
      assert.equal(violations.kind, 'query');
    }
  });

  it('offers payment where a wallet is installed and every department records payments (or confirms paid bookings)', async () => {
    const services = (await hub.app.inject({ method: 'GET', url: '/v1/cities/hangzhou/services' })).json().items as Array<{ id: string; functions: Array<{ kind: string; available: boolean; unavailableReason?: string }> }>;
    const payment = (id: string) => services.find((s) => s.id === id)!.functions.find((f) => f.kind === 'payment');
    assert.equal(payment('traffic.violations')?.available, true);
    assert.equal(payment('living.utility-bills')?.available, true);
    const hospital = payment('medical.hospital-registration');
    assert.equal(hospital?.available, true, 'registration fees: the hospital confirms the booking it locked once paid');
    assert.equal(payment('social.insurance'), undefined, 'nothing to pay for an insurance summary');
  });

  it('answers an unknown city with 404 HUTONG_ERR_CITY_NOT_FOUND', async () => {
    for (const url of ['/v1/cities/atlantis', '/v1/cities/atlantis/services', '/v1/cities/atlantis/services/traffic.violations/records']) {
      const res = await hub.app.inject({ method: 'GET', url });
      if (url.endsWith('/records')) {
        assert.equal(res.statusCode, 401, 'records need a token before anything else is revealed');
        continue;
      }
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().error.code, 'HUTONG_ERR_CITY_NOT_FOUND');
      assert.match(res.json().error.message, /atlantis/);
    }
  });

  it('answers an unknown route with 404 HUTONG_ERR_ROUTE_NOT_FOUND', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/v1/nothing-here' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'HUTONG_ERR_ROUTE_NOT_FOUND');
  });

  it('publishes OpenAPI 3.1 with the stable operationIds and every error code', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.match(doc.openapi, /^3\.1\./);
    const operationIds = Object.values(doc.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((p) => Object.values(p).map((o) => o.operationId));
    for (const id of ['listCities', 'listServices', 'getDashboard', 'listRecords', 'createPayment', 'getPayment', 'createBooking', 'cancelBooking', 'listSlots', 'channelLogin', 'paymentNotify']) assert.ok(operationIds.includes(id), `${id} is documented`);
    for (const code of Object.keys(ERROR_CODES)) assert.ok(doc.info.description.includes(code), `${code} is documented`);
    const docs = await hub.app.inject({ method: 'GET', url: '/docs' });
    assert.ok(docs.statusCode === 200 || docs.statusCode === 302);
  });

  it('serves the standard model as JSON Schema at /schemas/{name}.json', async () => {
    const list = await hub.app.inject({ method: 'GET', url: '/schemas' });
    const names = (list.json().items as Array<{ name: string }>).map((i) => i.name);
    for (const name of ['City', 'Department', 'Service', 'Citizen', 'TrafficViolation', 'LicenceStatus', 'Bill', 'Slot', 'Appointment', 'SocialInsuranceSummary', 'LibraryLoan', 'PermitApplication', 'RoadCondition', 'PaymentIntent', 'Refund', 'Payable', 'Notification', 'AuditEntry', 'city-config']) {
      assert.ok(names.includes(name), `${name} is listed`);
    }
    const res = await hub.app.inject({ method: 'GET', url: '/schemas/TrafficViolation.json' });
    assert.equal(res.statusCode, 200);
    const schema = res.json();
    assert.equal(schema.type, 'object');
    assert.equal(schema.properties.fineFen.type, 'integer');
    assert.ok(schema.required.includes('fineFen'));
    assert.match(schema.$id, /\/schemas\/TrafficViolation\.json$/);
    const missing = await hub.app.inject({ method: 'GET', url: '/schemas/Nope.json' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'HUTONG_ERR_SCHEMA_NOT_FOUND');
  });

  it('reports health and readiness', async () => {
    const health = await hub.app.inject({ method: 'GET', url: '/healthz' });
    assert.deepEqual(health.json(), { status: 'ok' });
    const ready = await hub.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().status, 'ready');
    assert.deepEqual(ready.json().store.pendingMigrations, []);
    assert.equal(ready.json().cities, 12);
  });
});
