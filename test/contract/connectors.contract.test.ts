import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEngines } from '../helpers/stores.ts';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import { SEED_CITY_REGIONS } from '../../src/model/regions.ts';
import { checkConnector, formatConnectorCheck } from '../../src/connectors/contract.ts';
import { demoCitizen } from '../../src/demo/demo-citizens.ts';
import type { IdentifierKind } from '../../src/model/common.ts';

/**
 * The connector contract, run against every department of every city: each connector kind
 * (SOAP, REST, CSV, FHIR) and each emulated department system answers every record type its
 * configuration maps, and every record maps to the standard model field by field; and every
 * department that confirms who holds an identifier confirms the demo citizen as its holder.
 */
const [engine] = testEngines();

describe('connector contract against every emulated department', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub(engine);
  });
  after(() => hub.close());

  for (const cityId of Object.keys(SEED_CITY_REGIONS)) {
    it(`${cityId}: every department passes`, async () => {
      const catalog = hub.services.catalog;
      const person = demoCitizen(2, catalog.getCity(cityId));
      const kinds = new Set<string>();
      const holderChecked = new Set<string>();
      for (const department of catalog.listDepartments(cityId)) {
        const samples: Partial<Record<IdentifierKind, string>> = {
          plate: person.plate,
          'national-id': person.nationalId,
          'library-card': person.libraryCard,
          'utility-account': { 'water-company': person.waterAccount, 'electricity-company': person.electricityAccount, 'gas-company': person.gasAccount }[department.id],
        };
        const check = await checkConnector(catalog, cityId, department.id, { identifiers: samples, holder: { name: person.name, nationalId: person.nationalId } });
        assert.ok(check.ok, formatConnectorCheck(check));
        kinds.add(check.kind);
        for (const holderCheck of check.holderChecks) holderChecked.add(`${department.id}:${holderCheck.identifier.kind}:${holderCheck.answer}`);
      }
      assert.deepEqual([...kinds].sort(), ['csv', 'fhir', 'rest', 'soap']);
      assert.deepEqual([...holderChecked].sort(), [
        'electricity-company:utility-account:match',
        'gas-company:utility-account:match',
        'library:library-card:match',
        'vehicle-administration:plate:match',
        'water-company:utility-account:match',
      ]);
    });
  }

  it('reports, per field, what failed to map', async () => {
    // A mapping that drops a field: the check names the field and the number of records.
    const catalog = hub.services.catalog;
    const connector = catalog.connectorFor('wuhan', 'exit-entry');
    const original = connector.fetchRecords.bind(connector);
    const person = demoCitizen(1, catalog.getCity('wuhan'));
    (connector as { fetchRecords: typeof connector.fetchRecords }).fetchRecords = async (query, options) =>
      (await original(query, options)).map((r) => ({ ...(r as object), stage: 'somewhere' }));
    try {
      const check = await checkConnector(catalog, 'wuhan', 'exit-entry', { identifiers: { 'national-id': person.nationalId } });
      const records = check.recordTypes[0].records;
      if (records === 0) return; // this person has no applications; nothing to mis-map
      assert.equal(check.ok, false);
      assert.equal(check.recordTypes[0].outcome, 'mapping-failed');
      assert.ok(check.recordTypes[0].fields.some((f) => f.path === '/stage' && f.records === records), formatConnectorCheck(check));
    } finally {
      (connector as { fetchRecords: typeof connector.fetchRecords }).fetchRecords = original;
    }
  });
});
