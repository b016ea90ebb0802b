import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { testEngines } from '../helpers/stores.ts';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import { signPartnerRequest } from '../../src/channels/partner/partner.signing.ts';
import { IDENTIFIER_CONSENT_TEXT_VERSION } from '../../src/identity/citizen.service.ts';
import { demoCitizen, demoRealName, type DemoCitizen } from '../../src/demo/demo-citizens.ts';
import { WECHAT_DEMO_APPS } from '../../emulators/channels/wechat/wechat.apps.ts';
import { WEIBO_DEMO_APPS } from '../../emulators/channels/weibo/weibo.apps.ts';
import { TAOBAO_DEMO_APPS } from '../../emulators/channels/taobao/taobao.apps.ts';
import { residentName } from '../../emulators/population.ts';
import { nationalIdCheckChar } from '../../src/model/identifiers.ts';

const ADMIN = 'test-admin-token-0123456789abcdef';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

for (const engine of testEngines()) {
  describe(`one citizen across the six entrances on ${engine.name}`, () => {
    let hub: TestHub;
    let person: DemoCitizen;
    let webToken: string;
    let citizenId: string;
    const partnerKey = generateKeyPairSync('ed25519');

    before(async () => {
      hub = await startTestHub(engine, { adminToken: ADMIN });
      ({ token: webToken, person } = await hub.loginDemo(4, 'hangzhou'));
      citizenId = (await hub.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(webToken) })).json().id;
      const registered = await hub.app.inject({
        method: 'POST',
        url: '/v1/admin/partners',
        headers: bearer(ADMIN),
        payload: { id: 'metro', name: 'Metro', publicKey: partnerKey.publicKey.export({ format: 'jwk' }) },
      });
      assert.equal(registered.statusCode, 201, registered.body);
    });
    after(() => hub.close());

    async function issue(path: string, body: Record<string, string>): Promise<Record<string, string>> {
      const res = await fetch(`${hub.emulators.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.ok(res.ok, `${path}: ${res.status}`);
      return (await res.json()) as Record<string, string>;
    }

    /** Logs the person in through an entrance as its app would, with a fresh platform code. */
    async function loginThrough(channel: string): Promise<{ token: string; citizenId: string; newCitizen: boolean }> {
      const user = person.phone.slice(-8);
      let res;
      if (channel === 'partner') {
        const body = JSON.stringify({ partnerUserId: `metro-rider-${user}` });
        const headers = { 'content-type': 'application/json' };
        const signature = signPartnerRequest({ method: 'POST', url: 'http://localhost:80/v1/channels/partner/login', headers, body }, { keyId: 'metro', privateKey: partnerKey.privateKey });
        res = await hub.app.inject({ method: 'POST', url: '/v1/channels/partner/login', headers: { ...headers, host: 'localhost:80', ...signature }, payload: body });
      } else {
        const proofs: Record<string, () => Promise<Record<string, string>>> = {
          alipay: async () => ({ authCode: (await issue('/alipay/_demo/auth-codes', { userId: `20880000${user}` })).authCode! }),
          wechat: async () => ({ code: (await issue('/wechat/_demo/auth-codes', { appid: WECHAT_DEMO_APPS[0].appId, userId: `demo-${user}` })).code! }),
          weibo: async () => ({ code: (await issue('/weibo/_demo/auth-codes', { clientId: WEIBO_DEMO_APPS[0].clientId, userId: `demo-${user}` })).code! }),
          taobao: async () => ({ code: (await issue('/taobao/_demo/auth-codes', { clientId: TAOBAO_DEMO_APPS[0].clientId, userId: `demo-${user}` })).code! }),
        };
        res = await hub.app.inject({ method: 'POST', url: `/v1/channels/${channel}/login`, payload: await proofs[channel]!() });
      }
      assert.equal(res.statusCode, 200, `${channel}: ${res.body}`);
      return { token: res.json().accessToken, citizenId: res.json().citizenId, newCitizen: res.json().newCitizen };
    }

    const violations = async (token: string) => {
      const res = await hub.app.inject({ method: 'GET', url: '/v1/cities/hangzhou/services/traffic.violations/records', headers: bearer(token) });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().items as unknown[];
    };

    it('proving the same real name in five more entrances makes each of them the same citizen, with the same records', async () => {
      const expected = await violations(webToken);
      for (const channel of ['alipay', 'wechat', 'weibo', 'taobao', 'partner']) {
        const first = await loginThrough(channel);
        assert.equal(first.newCitizen, true, `${channel}: a stranger until the real name is proved`);
        assert.notEqual(first.citizenId, citizenId);
        const cut = await hub.app.inject({ method: 'GET', url: '/v1/cities/hangzhou/services/traffic.violations/records', headers: bearer(first.token) });
        assert.ok([400, 403].includes(cut.statusCode), `${channel}: nothing of the person's before the proof (${cut.statusCode})`);
        assert.ok(!cut.body.includes('items'));

        const bind = await hub.app.inject({
          method: 'POST',
          url: '/v1/me/real-name',
          headers: bearer(first.token),
          payload: { ...demoRealName(person), consentTextVersion: IDENTIFIER_CONSENT_TEXT_VERSION },
        });
        assert.equal(bind.statusCode, 200, `${channel}: ${bind.body}`);
        assert.equal(bind.json().joinedExistingCitizen, true);
        assert.equal(bind.json().citizenId, citizenId);
        assert.ok(!bind.body.includes(person.nationalId) && !bind.body.includes(person.name), 'the answer shows the identity masked');
        const joined = bind.json().session.accessToken as string;
        const old = await hub.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(first.token) });
        assert.equal(old.statusCode, 401, `${channel}: the stranger's session ended with it`);
        assert.deepEqual(await violations(joined), expected, `${channel} sees the same violations as the web`);

        const again = await loginThrough(channel);
        assert.equal(again.citizenId, citizenId, `${channel}: the next login is the person directly`);
        assert.equal(again.newCitizen, false);
      }
      const me = await hub.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(webToken) });
      assert.deepEqual(me.json().identities.map((i: { channel: string }) => i.channel).sort(), ['alipay', 'partner', 'taobao', 'web', 'wechat', 'weibo']);
      assert.equal(me.json().realName.nationalId.includes(person.nationalId.slice(6, 14)), false, 'masked');
      const user = person.phone.slice(-8);
      for (const foreign of [`20880000${user}`, `demo-${user}`, `metro-rider-${user}`]) {
        assert.ok(!me.body.includes(foreign), 'no entrance learns another entrance\'s user id');
      }
    });

    it('a real name is never matched by name alone: a wrong name, an id nobody holds and another id are refused', async () => {
      const { token } = await loginThrough('wechat'); // the person, already joined
      const stranger = (await hub.app.inject({ method: 'POST', url: '/v1/channels/alipay/login', payload: { authCode: (await issue('/alipay/_demo/auth-codes', { userId: '2088000099990001' })).authCode! } })).json().accessToken as string;
      const bind = (t: string, body: Record<string, string>) =>
        hub.app.inject({ method: 'POST', url: '/v1/me/real-name', headers: bearer(t), payload: { consentTextVersion: IDENTIFIER_CONSENT_TEXT_VERSION, ...body } });

      const wrongName = await bind(stranger, { name: person.name === '王明' ? '李明' : '王明', nationalId: person.nationalId });
      assert.equal(wrongName.statusCode, 422);
      assert.equal(wrongName.json().error.code, 'HUTONG_ERR_REAL_NAME_MISMATCH');
      const first17 = `${person.nationalId.slice(0, 14)}995`;
      const nobodys = `${first17}${nationalIdCheckChar(first17)}`;
      const unknown = await bind(stranger, { name: residentName(nobodys), nationalId: nobodys });
      assert.equal(unknown.statusCode, 422, 'the same answer for an id nobody holds: the hub does not tell which ids exist');
      assert.equal(unknown.json().error.code, 'HUTONG_ERR_REAL_NAME_MISMATCH');
      const me = await hub.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(stranger) });
      assert.notEqual(me.json().id, citizenId, 'the stranger joined nobody');

      const other = demoCitizen(5, { id: 'hangzhou', regionCode: '330100', platePrefix: '浙A' });
      const second = await bind(token, demoRealName(other));
      assert.equal(second.statusCode, 409, 'one account is one person');
      assert.equal(second.json().error.code, 'HUTONG_ERR_REAL_NAME_ALREADY_BOUND');

      const badName = await bind(stranger, { name: 'x1<script>', nationalId: person.nationalId });
      assert.equal(badName.json().error.code, 'HUTONG_ERR_INVALID_NAME');
      const badId = await bind(stranger, { name: person.name, nationalId: '330100198001011231' });
      assert.equal(badId.json().error.code, 'HUTONG_ERR_INVALID_NATIONAL_ID');

      for (let i = 0; i < 3; i++) assert.equal((await bind(stranger, { name: '赵钱', nationalId: person.nationalId })).statusCode, 422);
      const throttled = await bind(stranger, demoRealName(person));
      assert.equal(throttled.statusCode, 429, 'five failures a day, then even the right answer waits');
      assert.equal(throttled.json().error.code, 'HUTONG_ERR_REAL_NAME_THROTTLED');
    });

    it('identifiers are linked only after the real name, and only when their issuer confirms the holder', async () => {
      const fresh = (await hub.app.inject({ method: 'POST', url: '/v1/channels/alipay/login', payload: { authCode: (await issue('/alipay/_demo/auth-codes', { userId: '2088000099990002' })).authCode! } })).json().accessToken as string;
      const link = (t: string, body: Record<string, unknown>) =>
        hub.app.inject({ method: 'POST', url: '/v1/me/identifiers', headers: bearer(t), payload: { consentTextVersion: IDENTIFIER_CONSENT_TEXT_VERSION, ...body } });
      const early = await link(fresh, { kind: 'plate', value: person.plate });
      assert.equal(early.statusCode, 403);
      assert.equal(early.json().error.code, 'HUTONG_ERR_REAL_NAME_REQUIRED');
      const nationalId = await link(fresh, { kind: 'national-id', value: person.nationalId });
      assert.equal(nationalId.statusCode, 400, 'a national id is linked by proving the real name');

      const other = demoCitizen(6, { id: 'hangzhou', regionCode: '330100', platePrefix: '浙A' });
      const proved = await hub.bindRealName(fresh, other);
      const plate = await link(proved, { kind: 'plate', value: person.plate });
      assert.equal(plate.statusCode, 422, 'the vehicle register names another owner');
      assert.equal(plate.json().error.code, 'HUTONG_ERR_IDENTIFIER_HOLDER_MISMATCH');
      const gas = await link(proved, { kind: 'utility-account', value: person.gasAccount, issuer: { cityId: 'hangzhou', departmentId: 'gas-company' } });
      assert.equal(gas.json().error.code, 'HUTONG_ERR_IDENTIFIER_HOLDER_MISMATCH');
      const own = await link(proved, { kind: 'plate', value: other.plate });
      assert.equal(own.statusCode, 201, own.body);
      assert.equal(own.json().verified.by, 'hangzhou/vehicle-administration');
    });
  });
}
