import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { testEngines } from '../helpers/stores.ts';
import { REFERENCE_DATE, startTestHub, type TestHub } from '../helpers/hub.ts';
import { generateViolations } from '../../emulators/departments/traffic-police/violations.ts';
import { IDENTIFIER_CONSENT_TEXT_VERSION } from '../../src/identity/citizen.service.ts';
import { demoCitizen } from '../../src/demo/demo-citizens.ts';

const SHANGHAI = { id: 'shanghai', regionCode: '310000', platePrefix: '沪A' };

/** A Shanghai demo resident whose plate has at least `min` violations in the emulated traffic police records. */
function residentWithViolations(min: number, skip = 0): number {
  let found = 0;
  for (let n = 1; n <= 200; n++) {
    if (generateViolations('shanghai', demoCitizen(n, SHANGHAI).plate, REFERENCE_DATE).length >= min && found++ >= skip) return n;
  }
  throw new Error('no such resident');
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

for (const engine of testEngines()) {
  describe(`traffic violations end to end on ${engine.name}`, () => {
    let hub: TestHub;
    let alice: string;
    let bob: string;
    const aliceNumber = residentWithViolations(3);
    const bobNumber = residentWithViolations(1, 1) === aliceNumber ? residentWithViolations(1, 2) : residentWithViolations(1, 1);
    const alicePlate = demoCitizen(aliceNumber, SHANGHAI).plate;
    const bobPlate = demoCitizen(bobNumber, SHANGHAI).plate;
    const recordsUrl = (plate?: string) =>
      `/v1/cities/shanghai/services/traffic.violations/records${plate ? `?plate=${encodeURIComponent(plate)}` : ''}`;

    before(async () => {
      hub = await startTestHub(engine, {}, { importBatchFiles: false });
      alice = (await hub.loginPerson(aliceNumber, 'shanghai')).token;
      bob = (await hub.loginPerson(bobNumber, 'shanghai')).token;
    });
    after(() => hub.close());

    it('a web citizen links a plate and lists its violations, normalized to the standard model', async () => {
      const link = await hub.linkPlate(alice, alicePlate);
      assert.equal(link.statusCode, 201);
      assert.equal(link.json().display, `${alicePlate.slice(0, 2)}***${alicePlate.slice(-2)}`);

      const res = await hub.app.inject({ method: 'GET', url: recordsUrl(alicePlate), headers: bearer(alice) });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      const expected = generateViolations('shanghai', alicePlate, REFERENCE_DATE);
      assert.equal(body.recordType, 'TrafficViolation');
      assert.equal(body.items.length, expected.length);
      body.items.forEach((item: Record<string, unknown>, i: number) => {
        const legacy = expected[i];
        assert.equal(item.id, legacy.XH);
        assert.equal(item.plate, alicePlate);
        assert.equal(item.fineFen, Math.round(Number(legacy.FKJE) * 100));
        assert.equal(item.points, Number(legacy.WFJFS));
        assert.equal(item.status, legacy.JKBJ === '1' ? 'paid' : 'unpaid');
        assert.equal(item.occurredAt, `${legacy.WFSJ.replace(' ', 'T')}+08:00`);
        assert.equal(item.cityId, 'shanghai');
        assert.equal(item.departmentId, 'traffic-police');
      });
      assert.equal(body.sources.length, 1);
      assert.equal(body.sources[0].status, 'ok');
      assert.equal(body.sources[0].freshness, 'live');
    });

    it('serves the same query from cache the second time, for every linked plate by default', async () => {
      const res = await hub.app.inject({ method: 'GET', url: recordsUrl(), headers: bearer(alice) });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().sources[0].freshness, 'cached');
      assert.ok(res.json().items.length >= 3);
    });

    it('a citizen cannot list or link another citizen\'s plate', async () => {
      // Proving his real name let the web entrance read bob's traffic data; he withdraws that first.
      assert.equal((await hub.app.inject({ method: 'DELETE', url: '/v1/me/consents/traffic', headers: bearer(bob) })).statusCode, 200);
      const noConsent = await hub.app.inject({ method: 'GET', url: recordsUrl(alicePlate), headers: bearer(bob) });
      assert.equal(noConsent.statusCode, 403);
      assert.equal(noConsent.json().error.code, 'HUTONG_ERR_CONSENT_REQUIRED', 'bob has not let the web entrance read traffic data');
      const consent = await hub.app.inject({ method: 'PUT', url: '/v1/me/consents/traffic', headers: bearer(bob), payload: { textVersion: IDENTIFIER_CONSENT_TEXT_VERSION } });
      assert.equal(consent.statusCode, 200);
      const list = await hub.app.inject({ method: 'GET', url: recordsUrl(alicePlate), headers: bearer(bob) });
      assert.equal(list.statusCode, 403);
      assert.equal(list.json().error.code, 'HUTONG_ERR_IDENTIFIER_NOT_LINKED');
      assert.ok(!list.body.includes(alicePlate));
      const link = await hub.linkPlate(bob, alicePlate);
      assert.equal(link.statusCode, 422, 'the vehicle administration says the plate is not his');
      assert.equal(link.json().error.code, 'HUTONG_ERR_IDENTIFIER_HOLDER_MISMATCH');
      const bobList = await hub.app.inject({ method: 'GET', url: recordsUrl(), headers: bearer(bob) });
      assert.equal(bobList.statusCode, 400, 'bob has no plate yet');
      assert.equal(bobList.json().error.code, 'HUTONG_ERR_IDENTIFIER_REQUIRED');
      assert.equal((await hub.linkPlate(bob, bobPlate)).statusCode, 201);
      const own = await hub.app.inject({ method: 'GET', url: recordsUrl(), headers: bearer(bob) });
      assert.equal(own.statusCode, 200);
      assert.ok(own.json().items.every((v: { plate: string }) => v.plate === bobPlate), 'bob sees only his own plate\'s records');
      const ids = await hub.app.inject({ method: 'GET', url: '/v1/me/identifiers', headers: bearer(bob) });
      assert.deepEqual(ids.json().items.filter((i: { kind: string }) => i.kind === 'plate').map((i: { value: string }) => i.value), [bobPlate]);
      const aliceIdentifierId = (await hub.app.inject({ method: 'GET', url: '/v1/me/identifiers', headers: bearer(alice) })).json().items[0].id;
      const steal = await hub.app.inject({ method: 'DELETE', url: `/v1/me/identifiers/${aliceIdentifierId}`, headers: bearer(bob) });
      assert.equal(steal.statusCode, 404);
      assert.equal(steal.json().error.code, 'HUTONG_ERR_IDENTIFIER_NOT_FOUND');
    });

    it('refuses a malformed plate with 400 HUTONG_ERR_INVALID_PLATE, on listing and on linking', async () => {
      for (const bad of ['ABC1234', '沪AI2345', '沪A1234', '沪A123456789']) {
        const list = await hub.app.inject({ method: 'GET', url: recordsUrl(bad), headers: bearer(alice) });
        assert.equal(list.statusCode, 400, bad);
        assert.equal(list.json().error.code, 'HUTONG_ERR_INVALID_PLATE');
        const link = await hub.linkPlate(alice, bad);
        assert.equal(link.statusCode, 400);
        assert.equal(link.json().error.code, 'HUTONG_ERR_INVALID_PLATE');
      }
      const mine = await hub.app.inject({ method: 'GET', url: '/v1/me/identifiers', headers: bearer(alice) });
      assert.equal(mine.json().items.filter((i: { kind: string }) => i.kind === 'plate').length, 1, 'nothing was linked by the bad requests');
    });

    it('requires a valid token: missing, malformed, forged and logged-out tokens get 401', async () => {
      const missing = await hub.app.inject({ method: 'GET', url: recordsUrl() });
      assert.equal(missing.statusCode, 401);
      assert.equal(missing.json().error.code, 'HUTONG_ERR_UNAUTHENTICATED');
      const malformed = await hub.app.inject({ method: 'GET', url: recordsUrl(), headers: { authorization: 'Basic abc' } });
      assert.equal(malformed.statusCode, 401);
      const [header, payload] = alice.split('.');
      const forged = await hub.app.inject({ method: 'GET', url: recordsUrl(), headers: bearer(`${header}.${payload}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`) });
      assert.equal(forged.statusCode, 401);
      const temporary = await hub.login('13912340003');
      assert.equal((await hub.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(temporary) })).statusCode, 200);
      const logout = await hub.app.inject({ method: 'POST', url: '/v1/sessions/current/logout', headers: bearer(temporary) });
      assert.equal(logout.statusCode, 204);
      const after = await hub.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(temporary) });
      assert.equal(after.statusCode, 401);
    });

    it('channelLogin refuses wrong, reused and unknown-channel logins with clear codes', async () => {
      const phone = '13912340004';
      await hub.app.inject({ method: 'POST', url: '/v1/channels/web/login-codes', payload: { phone } });
      const code = /\d{6}/.exec(hub.emulators.sms.inbox(phone)[0].text)![0];
      const wrong = await hub.app.inject({ method: 'POST', url: '/v1/channels/web/login', payload: { phone, code: code === '000000' ? '111111' : '000000' } });
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json().error.code, 'HUTONG_ERR_LOGIN_CODE_INVALID');
      const ok = await hub.app.inject({ method: 'POST', url: '/v1/channels/web/login', payload: { phone, code } });
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.json().newCitizen, true);
      const reused = await hub.app.inject({ method: 'POST', url: '/v1/channels/web/login', payload: { phone, code } });
      assert.equal(reused.statusCode, 401);
      const unknown = await hub.app.inject({ method: 'POST', url: '/v1/channels/myspace/login', payload: { phone, code } });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().error.code, 'HUTONG_ERR_CHANNEL_NOT_FOUND');
      const badPhone = await hub.app.inject({ method: 'POST', url: '/v1/channels/web/login-codes', payload: { phone: '12345' } });
      assert.equal(badPhone.statusCode, 400);
      assert.equal(badPhone.json().error.code, 'HUTONG_ERR_INVALID_PHONE');
      const badBody = await hub.app.inject({ method: 'POST', url: '/v1/channels/web/login', payload: { phone } });
      assert.equal(badBody.statusCode, 400);
      assert.equal(badBody.json().error.code, 'HUTONG_ERR_VALIDATION');
    });

    it('refuses malformed bodies and requests with stable codes and loses nothing', async () => {
      const json = await hub.app.inject({ method: 'POST', url: '/v1/me/identifiers', headers: { ...bearer(alice), 'content-type': 'application/json' }, payload: '{"kind":' });
      assert.equal(json.statusCode, 400);
      assert.equal(json.json().error.code, 'HUTONG_ERR_MALFORMED_BODY');
      const media = await hub.app.inject({ method: 'POST', url: '/v1/me/identifiers', headers: { ...bearer(alice), 'content-type': 'text/csv' }, payload: 'a,b' });
      assert.equal(media.statusCode, 415);
      assert.equal(media.json().error.code, 'HUTONG_ERR_UNSUPPORTED_MEDIA_TYPE');
      const big = await hub.app.inject({ method: 'POST', url: '/v1/me/identifiers', headers: bearer(alice), payload: { kind: 'plate', value: 'x'.repeat(100_000), consentTextVersion: 'v' } });
      assert.equal(big.statusCode, 413);
      assert.equal(big.json().error.code, 'HUTONG_ERR_PAYLOAD_TOO_LARGE');
      const noConsent = await hub.app.inject({ method: 'POST', url: '/v1/me/identifiers', headers: bearer(alice), payload: { kind: 'plate', value: '沪B12345', consentTextVersion: 'old' } });
      assert.equal(noConsent.statusCode, 400);
      assert.equal(noConsent.json().error.code, 'HUTONG_ERR_CONSENT_TEXT_OUTDATED');
      const kind = await hub.app.inject({ method: 'POST', url: '/v1/me/identifiers', headers: bearer(alice), payload: { kind: 'passport', value: 'E1', consentTextVersion: 'v' } });
      assert.equal(kind.statusCode, 400);
      assert.equal(kind.json().error.code, 'HUTONG_ERR_VALIDATION');
      const unavailable = await hub.app.inject({ method: 'GET', url: '/v1/cities/shanghai/services/traffic.violation-reminders/records', headers: bearer(alice) });
      assert.equal(unavailable.statusCode, 503);
      assert.equal(unavailable.json().error.code, 'HUTONG_ERR_SERVICE_UNAVAILABLE');
      const service = await hub.app.inject({ method: 'GET', url: '/v1/cities/shanghai/services/traffic.nothing/records', headers: bearer(alice) });
      assert.equal(service.statusCode, 404);
      assert.equal(service.json().error.code, 'HUTONG_ERR_SERVICE_NOT_FOUND');
    });

    it('answers a request with raw non-ASCII bytes in the URL with 400 HUTONG_ERR_MALFORMED_REQUEST', async () => {
      await hub.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = hub.app.server.address() as net.AddressInfo;
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.write(Buffer.concat([Buffer.from('GET /v1/cities?plate='), Buffer.from('沪A12345'), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]));
        });
        let data = '';
        socket.on('data', (chunk) => (data += chunk));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
      assert.match(raw, /^HTTP\/1\.1 400/);
      assert.match(raw, /HUTONG_ERR_MALFORMED_REQUEST/);
    });

    it('never writes names, national ids, phone numbers, plates or tokens to the logs', () => {
      const text = hub.logs.join('');
      assert.ok(text.length > 1000, 'the hub logged its requests');
      const [a, b] = [demoCitizen(aliceNumber, SHANGHAI), demoCitizen(bobNumber, SHANGHAI)];
      for (const secret of [a.phone, b.phone, a.nationalId, b.nationalId, a.name, b.name, alicePlate, bobPlate, alice.split('.')[2]]) {
        assert.ok(!text.includes(secret), `logs contain ${secret.slice(0, 3)}…`);
      }
      assert.ok(!text.includes(encodeURIComponent(alicePlate)));
      assert.ok(text.includes('[plate]'), 'plates in request URLs are masked, not dropped');
    });
  });
}

describe('department failures reach the citizen as distinct codes', () => {
  const [engine] = testEngines();
  let hub: TestHub;
  let token: string;
  before(async () => {
    hub = await startTestHub(engine, { departmentTimeoutMs: 500 }, { importBatchFiles: false });
    const { token: signedIn, person } = await hub.loginPerson(7, 'wuhan');
    token = signedIn;
    assert.equal((await hub.linkPlate(token, person.plate)).statusCode, 201);
  });
  after(() => hub.close());

  it('a department that cannot be reached gives 502 HUTONG_ERR_DEPARTMENT_UNREACHABLE', async () => {
    await hub.emulators.close();
    const res = await hub.app.inject({ method: 'GET', url: `/v1/cities/wuhan/services/traffic.violations/records`, headers: bearer(token) });
    assert.equal(res.statusCode, 502, res.body);
    assert.equal(res.json().error.code, 'HUTONG_ERR_DEPARTMENT_UNREACHABLE');
  });
});

describe('login codes are throttled outside demo mode', () => {
  const [engine] = testEngines();
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub(engine, { demoMode: false }, { importBatchFiles: false });
  });
  after(() => hub.close());

  it('a second code within a minute is refused with 429 and Retry-After', async () => {
    const first = await hub.app.inject({ method: 'POST', url: '/v1/channels/web/login-codes', payload: { phone: '+86 139 1234 0201' } });
    assert.equal(first.statusCode, 202);
    assert.equal(first.json().sentTo, '139****0201');
    const second = await hub.app.inject({ method: 'POST', url: '/v1/channels/web/login-codes', payload: { phone: '13912340201' } });
    assert.equal(second.statusCode, 429);
    assert.equal(second.json().error.code, 'HUTONG_ERR_LOGIN_CODE_THROTTLED');
    assert.ok(Number(second.headers['retry-after']) > 0);
    assert.equal(hub.emulators.sms.inbox('13912340201').length, 1, 'only one SMS was sent');
  });
});
