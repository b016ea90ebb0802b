import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEngines } from '../helpers/stores.ts';
import { CONSENT_TEXT_VERSION } from '../../src/identity/consent.service.ts';
import { startTestHub, type TestHub } from '../helpers/hub.ts';

for (const engine of testEngines()) {
  describe(`sessions with rotating refresh tokens on ${engine.name}`, () => {
    let hub: TestHub;
    before(async () => {
      hub = await startTestHub(engine, {}, { importBatchFiles: false });
    });
    after(() => hub.close());

    async function login(phone: string): Promise<{ accessToken: string; refreshToken: string; expiresIn: number }> {
      await hub.app.inject({ method: 'POST', url: '/v1/channels/web/login-codes', payload: { phone } });
      const code = /\d{6}/.exec(hub.emulators.sms.inbox(phone)[0].text)![0];
      return (await hub.app.inject({ method: 'POST', url: '/v1/channels/web/login', payload: { phone, code } })).json();
    }
    const me = (token: string) => hub.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
    const refresh = (refreshToken: string) => hub.app.inject({ method: 'POST', url: '/v1/sessions/refresh', payload: { refreshToken } });

    it('a short-lived access token and a refresh token that rotates', async () => {
      const first = await login('13912346001');
      assert.equal(first.expiresIn, 900);
      const second = await refresh(first.refreshToken);
      assert.equal(second.statusCode, 200, second.body);
      assert.notEqual(second.json().refreshToken, first.refreshToken);
      assert.equal((await me(second.json().accessToken)).statusCode, 200);
      const third = await refresh(second.json().refreshToken);
      assert.equal(third.statusCode, 200);
    });

    it('a refresh token used twice ends the session for everyone holding it', async () => {
      const first = await login('13912346002');
      const rotated = (await refresh(first.refreshToken)).json();
      const stolen = await refresh(first.refreshToken);
      assert.equal(stolen.statusCode, 401);
      assert.equal(stolen.json().error.code, 'HUTONG_ERR_UNAUTHENTICATED');
      assert.equal((await me(rotated.accessToken)).statusCode, 401, 'the rotated access token died with the session');
      assert.equal((await refresh(rotated.refreshToken)).statusCode, 401);
    });

    it('logout ends the refresh token too; forged ones are refused', async () => {
      const first = await login('13912346003');
      assert.equal((await hub.app.inject({ method: 'POST', url: '/v1/sessions/current/logout', headers: { authorization: `Bearer ${first.accessToken}` } })).statusCode, 204);
      assert.equal((await refresh(first.refreshToken)).statusCode, 401);
      assert.equal((await refresh('A'.repeat(43))).statusCode, 401);
      const short = await refresh('x');
      assert.equal(short.statusCode, 400);
    });

    it('disconnecting an entrance withdraws its consents and ends every session in it, on every device', async () => {
      const phone = '13912346004';
      const [phoneA, phoneB] = [await login(phone), await login(phone)];
      await hub.app.inject({ method: 'PUT', url: '/v1/me/consents/traffic', headers: { authorization: `Bearer ${phoneA.accessToken}` }, payload: { textVersion: CONSENT_TEXT_VERSION } });
      const res = await hub.app.inject({ method: 'DELETE', url: '/v1/me/consents', headers: { authorization: `Bearer ${phoneA.accessToken}` } });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { channel: 'web', withdrawnScopes: ['traffic'], sessionsEnded: 2 });
      for (const device of [phoneA, phoneB]) {
        assert.equal((await me(device.accessToken)).statusCode, 401);
        assert.equal((await refresh(device.refreshToken)).statusCode, 401);
      }
      const again = await login(phone);
      const consents = await hub.app.inject({ method: 'GET', url: '/v1/me/consents', headers: { authorization: `Bearer ${again.accessToken}` } });
      assert.ok(consents.json().scopes.every((s: { granted: boolean }) => !s.granted), 'a new login starts with no consent');
    });
  });
}
