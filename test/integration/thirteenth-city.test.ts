import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testEngines } from '../helpers/stores.ts';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import { IDENTIFIER_CONSENT_TEXT_VERSION } from '../../src/identity/citizen.service.ts';

/**
 * Onboarding by configuration: a 13th city with one REST department is one YAML file under
 * config/ — no code. Suzhou's library runs the same library product as Hangzhou's, so the
 * emulated library answers for it.
 */
const SUZHOU = `id: suzhou
regionCode: "320500"
name: { zh: 苏州, en: Suzhou }
timeZone: Asia/Shanghai
platePrefix: 苏E

departments:
  - id: library
    name: { zh: 苏州图书馆, en: Suzhou Library }
    shield: { timeoutMs: 2000, maxConcurrent: 4 }
    connector:
      kind: rest
      options:
        baseUrl: \${HUTONG_EMULATORS_URL}/library/hangzhou
        records:
          LibraryLoan:
            request: '{ "method": "GET", "path": "/readers/" & $encodeUrlComponent(identifier) & "/loans" }'
            response: ../mappings/library/loans.jsonata
            maxPages: 1
        holderChecks:
          library-card:
            request: '{ "method": "POST", "path": "/readers/" & $encodeUrlComponent(identifier) & "/verification", "body": { "idCardNo": nationalId, "rdName": name } }'
            response: ../mappings/library/reader-verification.jsonata

services:
  - id: culture.library-loans
    departments: [library]
    category: culture
    kinds: [query]
    name: { zh: 图书借阅, en: Library loans }
    recordType: LibraryLoan
    requiredIdentifiers: [library-card]
    channels: [web]
`;

const [engine] = testEngines();

describe('a 13th city from configuration alone', () => {
  let hub: TestHub;
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'hutong-13th-'));
    await cp('config', root, { recursive: true });
    await writeFile(path.join(root, 'cities', 'suzhou.yaml'), SUZHOU);
    hub = await startTestHub(engine, { catalogDir: path.join(root, 'cities') }, { importBatchFiles: false });
  });
  after(async () => {
    await hub.close();
    await rm(root, { recursive: true, force: true });
  });

  it('is listed with its service, and a citizen lists their loans there', async () => {
    const cities = (await hub.app.inject({ method: 'GET', url: '/v1/cities' })).json().items as Array<{ id: string; regionCode: string }>;
    assert.equal(cities.length, 13);
    assert.equal(cities.find((c) => c.id === 'suzhou')?.regionCode, '320500');
    const services = (await hub.app.inject({ method: 'GET', url: '/v1/cities/suzhou/services' })).json().items as Array<{ id: string; available: boolean }>;
    assert.deepEqual(services.map((s) => [s.id, s.available]), [['culture.library-loans', true]]);

    // A reader of the shared library system, who proves their real name before linking the card.
    const { token, person } = await hub.loginPerson(5, 'hangzhou');
    const link = await hub.app.inject({
      method: 'POST',
      url: '/v1/me/identifiers',
      headers: { authorization: `Bearer ${token}` },
      payload: { kind: 'library-card', value: person.libraryCard, issuer: { cityId: 'suzhou', departmentId: 'library' }, consentTextVersion: IDENTIFIER_CONSENT_TEXT_VERSION },
    });
    assert.equal(link.statusCode, 201, link.body);
    const res = await hub.app.inject({ method: 'GET', url: '/v1/cities/suzhou/services/culture.library-loans/records', headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().sources[0].status, 'ok');
    for (const loan of res.json().items) assert.equal(loan.cityId, 'suzhou');
    assert.equal(hub.services.shield.policy('suzhou/library').limits.maxConcurrent, 4, 'its shield settings came from the YAML');
  });
});
