import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import { testEngines } from '../helpers/stores.ts';
import { IDENTIFIER_CONSENT_TEXT_VERSION } from '../../src/identity/citizen.service.ts';
import { validateNationalId } from '../../src/model/identifiers.ts';

// Demo mode: someone trying the demo in a browser becomes a resident of the emulated world through
// the hub alone — the directory names them, their phone shows the login code, and the register and
// the departments accept what the directory says.

interface Resident {
  number: number;
  name: string;
  sex: 'male' | 'female';
  birthDate: string;
  phone: string;
  nationalId: string;
  plate: string;
  electricityAccount: string;
  libraryCard: string;
  inspectionDueOn?: string;
  platformUserIds: Record<string, string>;
}

describe('demo residents and their phones (demo mode)', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub(testEngines()[0], {}, { importBatchFiles: false });
  });
  after(() => hub.close());

  const residents = async (query: string) => hub.app.inject({ method: 'GET', url: `/v1/demo/residents?${query}` });

  it('lists residents of a city with the facts the demo needs, read from their identity card', async () => {
    const res = await residents('cityId=shanghai&count=4');
    assert.equal(res.statusCode, 200, res.body);
    const { cityId, residents: people } = res.json() as { cityId: string; residents: Resident[] };
    assert.equal(cityId, 'shanghai');
    assert.deepEqual(people.map((p) => p.number), [1, 2, 3, 4]);
    for (const person of people) {
      assert.ok(validateNationalId(person.nationalId).ok, person.nationalId);
      assert.ok(person.nationalId.startsWith('310000'));
      assert.equal(person.birthDate.replaceAll('-', ''), person.nationalId.slice(6, 14));
      assert.equal(person.sex, Number(person.nationalId[16]) % 2 === 1 ? 'male' : 'female');
      assert.match(person.plate, /^沪A/);
      assert.equal(person.platformUserIds.alipay, `20880000${person.phone.slice(-8)}`);
    }
    assert.deepEqual(new Set(people.map((p) => p.sex)), new Set(['male', 'female']), 'both sexes, so a marriage booking can be tried');
    assert.equal((await residents('cityId=shanghai')).json().residents.length, 8, 'eight by default');
  });

  it('lets a newcomer be one: the code on the resident\'s phone logs in, the register accepts the name, the office the plate', async () => {
    const [person] = (await residents('cityId=hangzhou&count=1')).json().residents as Resident[];
    assert.ok(person);
    const sent = await hub.app.inject({ method: 'POST', url: '/v1/channels/web/login-codes', payload: { phone: person.phone } });
    assert.equal(sent.statusCode, 202, sent.body);
    const inbox = await hub.app.inject({ method: 'GET', url: `/v1/demo/phones/${person.phone}/messages` });
    assert.equal(inbox.statusCode, 200, inbox.body);
    const [message] = inbox.json().messages as Array<{ text: string; receivedAt: string }>;
    const code = /\d{6}/.exec(message?.text ?? '')?.[0];
    assert.ok(code, `no code on the phone: ${inbox.body}`);

    const login = await hub.app.inject({ method: 'POST', url: '/v1/channels/web/login', payload: { phone: person.phone, code } });
    assert.equal(login.statusCode, 200, login.body);
    const authorization = `Bearer ${login.json().accessToken as string}`;
    const proved = await hub.app.inject({
      method: 'POST',
      url: '/v1/me/real-name',
      headers: { authorization },
      payload: { name: person.name, nationalId: person.nationalId, consentTextVersion: IDENTIFIER_CONSENT_TEXT_VERSION },
    });
    assert.equal(proved.statusCode, 200, proved.body);
    const token = (proved.json().session?.accessToken as string | undefined) ?? login.json().accessToken;
    const linked = await hub.app.inject({
      method: 'POST',
      url: '/v1/me/identifiers',
      headers: { authorization: `Bearer ${token}` },
      payload: { kind: 'plate', value: person.plate, consentTextVersion: IDENTIFIER_CONSENT_TEXT_VERSION },
    });
    assert.equal(linked.statusCode, 201, linked.body);
  });

  it('refuses bad questions with stable codes', async () => {
    const cases: Array<[string, number, string]> = [
      ['/v1/demo/residents?cityId=atlantis', 404, 'HUTONG_ERR_CITY_NOT_FOUND'],
      ['/v1/demo/residents?cityId=shanghai&count=51', 400, 'HUTONG_ERR_VALIDATION'],
      ['/v1/demo/residents?cityId=shanghai&count=two', 400, 'HUTONG_ERR_VALIDATION'],
      ['/v1/demo/residents', 400, 'HUTONG_ERR_VALIDATION'],
      ['/v1/demo/phones/12345/messages', 400, 'HUTONG_ERR_VALIDATION'],
    ];
    for (const [url, status, code] of cases) {
      const res = await hub.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, status, `${url}: ${res.body}`);
      assert.equal(res.json().error.code, code, url);
    }
    const empty = await hub.app.inject({ method: 'GET', url: '/v1/demo/phones/13900000000/messages' });
    assert.deepEqual(empty.json().messages, [], 'a phone nobody texted has an empty inbox');
  });
});

describe('demo residents outside demo mode', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub(testEngines()[0], { demoMode: false }, { importBatchFiles: false });
  });
  after(() => hub.close());

  it('are an absent feature: 404 HUTONG_ERR_DEMO_ONLY, and no phone can be read', async () => {
    for (const url of ['/v1/demo/residents?cityId=shanghai', '/v1/demo/phones/13910000001/messages']) {
      const res = await hub.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, res.body);
      assert.equal(res.json().error.code, 'HUTONG_ERR_DEMO_ONLY');
    }
  });
});
