import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEngines } from '../helpers/stores.ts';
import { REFERENCE_DATE, startTestHub, type TestHub } from '../helpers/hub.ts';
import { SEED_SERVICE_IDS } from '../helpers/seed.ts';
import { SEED_CITY_REGIONS } from '../../src/model/regions.ts';
import { generateViolations } from '../../emulators/departments/traffic-police/violations.ts';
import { generateLibraryLoans } from '../../emulators/departments/library/records.ts';
import { generatePermitApplications } from '../../emulators/departments/exit-entry/records.ts';

/** Services whose records a demo citizen lists, and how many records at least (0: may be empty). */
const QUERIES: Record<string, { min: number; query?: string }> = {
  'traffic.violations': { min: 0 },
  'traffic.licence': { min: 1 },
  'traffic.inspection-booking': { min: 1 },
  'traffic.road-conditions': { min: 1 },
  'living.utility-bills': { min: 1 },
  'medical.hospital-registration': { min: 1 },
  'social.insurance': { min: 1 },
  'culture.library-loans': { min: 0 },
  'civil.marriage-booking': { min: 1 },
  'civil.exit-entry-progress': { min: 0 },
};

const [engine] = testEngines();

describe('every seed service answers for demo citizens in all 12 cities', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub(engine);
  });
  after(() => hub.close());

  it('offers every function of every seed service, bookings, fees and reminders included', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/v1/cities/ningbo/services' });
    const items = res.json().items as Array<{ id: string; available: boolean; functions: Array<{ kind: string; available: boolean; unavailableReason?: string }> }>;
    const missing = items.flatMap((s) => s.functions.filter((f) => !f.available).map((f) => `${s.id}/${f.kind}: ${f.unavailableReason}`));
    assert.deepEqual(missing, []);
    assert.ok(items.find((s) => s.id === 'medical.hospital-registration')!.functions.some((f) => f.kind === 'payment' && f.available), 'registration fees');
    assert.deepEqual(Object.keys(QUERIES).sort(), SEED_SERVICE_IDS.filter((s) => s !== 'traffic.violation-reminders').sort());
  });

  for (const cityId of Object.keys(SEED_CITY_REGIONS)) {
    it(`${cityId}: demo citizen 3 gets records from every department`, async () => {
      const { token, person } = await hub.loginDemo(3, cityId);
      for (const [serviceId, expectation] of Object.entries(QUERIES)) {
        const res = await hub.app.inject({
          method: 'GET',
          url: `/v1/cities/${cityId}/services/${serviceId}/records`,
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(res.statusCode, 200, `${cityId} ${serviceId}: ${res.body}`);
        const body = res.json() as { items: Array<Record<string, unknown>>; sources: Array<{ status: string; departmentId: string }> };
        assert.ok(body.sources.length >= 1);
        for (const source of body.sources) assert.equal(source.status, 'ok', `${cityId} ${serviceId} ${source.departmentId}`);
        assert.ok(body.items.length >= expectation.min, `${cityId} ${serviceId} has ${body.items.length} records`);
        for (const item of body.items) {
          if ('cityId' in item) assert.equal(item.cityId, cityId);
        }
      }
      // Independent checks of the mapping against what the departments hold.
      const records = async (serviceId: string) =>
        (await hub.app.inject({ method: 'GET', url: `/v1/cities/${cityId}/services/${serviceId}/records`, headers: { authorization: `Bearer ${token}` } })).json().items as Array<
          Record<string, unknown>
        >;
      const violations = await records('traffic.violations');
      assert.deepEqual(violations.map((v) => v.id), generateViolations(cityId, person.plate, REFERENCE_DATE).map((v) => v.XH));
      const bills = await records('living.utility-bills');
      assert.deepEqual([...new Set(bills.map((b) => b.utility))].sort(), ['electricity', 'gas', 'water']);
      const loans = await records('culture.library-loans');
      assert.equal(loans.length, generateLibraryLoans(cityId, person.libraryCard, REFERENCE_DATE).loans.length);
      const permits = await records('civil.exit-entry-progress');
      assert.equal(permits.length, generatePermitApplications(cityId, person.nationalId, REFERENCE_DATE).length);
    });
  }
});
