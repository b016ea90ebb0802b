import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEngines } from '../helpers/stores.ts';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import { CONSENT_TEXT_VERSION } from '../../src/identity/consent.service.ts';

for (const engine of testEngines()) {
  describe(`consent per channel and data scope on ${engine.name}`, () => {
    let hub: TestHub;
    let token: string;
    const auth = () => ({ authorization: `Bearer ${token}` });
    before(async () => {
      hub = await startTestHub(engine);
      ({ token } = await hub.loginDemo(11, 'nanchang'));
    });
    after(() => hub.close());

    it('linking identifiers consented the scopes they open, for this entrance', async () => {
      const res = await hub.app.inject({ method: 'GET', url: '/v1/me/consents', headers: auth() });
      assert.equal(res.statusCode, 200);
      const granted = (res.json().scopes as Array<{ scope: string; granted: boolean }>).filter((s) => s.granted).map((s) => s.scope).sort();
      assert.deepEqual(granted, ['civil', 'culture', 'living', 'medical', 'social', 'traffic']);
      assert.equal(res.json().channel, 'web');
    });

    it('withdrawing a scope cuts access on the next request, and only to that scope', async () => {
      const url = '/v1/cities/nanchang/services/traffic.violations/records';
      assert.equal((await hub.app.inject({ method: 'GET', url, headers: auth() })).statusCode, 200);
      const revoke = await hub.app.inject({ method: 'DELETE', url: '/v1/me/consents/traffic', headers: auth() });
      assert.equal(revoke.statusCode, 200);
      const cut = await hub.app.inject({ method: 'GET', url, headers: auth() });
      assert.equal(cut.statusCode, 403);
      assert.equal(cut.json().error.code, 'HUTONG_ERR_CONSENT_REQUIRED');
      assert.ok(!cut.body.includes('items'));
      const licence = await hub.app.inject({ method: 'GET', url: '/v1/cities/nanchang/services/traffic.licence/records', headers: auth() });
      assert.equal(licence.statusCode, 403, 'every traffic service is cut');
      const social = await hub.app.inject({ method: 'GET', url: '/v1/cities/nanchang/services/social.insurance/records', headers: auth() });
      assert.equal(social.statusCode, 200, 'other scopes are untouched');
      const slots = await hub.app.inject({ method: 'GET', url: '/v1/cities/nanchang/services/traffic.inspection-booking/records', headers: auth() });
      assert.equal(slots.statusCode, 200, 'public slots need no consent');

      const dashboard = (await hub.app.inject({ method: 'GET', url: '/v1/cities/nanchang/dashboard', headers: auth() })).json();
      const shown = (dashboard.sections as Array<{ serviceId: string }>).map((s) => s.serviceId);
      assert.ok(!shown.some((id) => id.startsWith('traffic.')));
      assert.ok((dashboard.suggestions as Array<{ serviceId: string; consentScope?: string }>).some((s) => s.serviceId === 'traffic.violations' && s.consentScope === 'traffic'));

      const history = (await hub.app.inject({ method: 'GET', url: '/v1/me/consents', headers: auth() })).json().history as Array<{ scope: string; revokedAt?: string }>;
      assert.ok(history.some((c) => c.scope === 'traffic' && c.revokedAt), 'the withdrawn consent stays in the history');

      const again = await hub.app.inject({ method: 'PUT', url: '/v1/me/consents/traffic', headers: auth(), payload: { textVersion: CONSENT_TEXT_VERSION } });
      assert.equal(again.statusCode, 200);
      assert.equal((await hub.app.inject({ method: 'GET', url, headers: auth() })).statusCode, 200);
    });

    it('consent given in one entrance does not open another', async () => {
      const { token: other } = await hub.loginDemo(12, 'nanchang');
      // Consents belong to (citizen, channel); a second web session of the same citizen shares them,
      // and revoking in it affects the first.
      const second = await hub.login((await hub.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${other}` } })).json().identities ? '13915001200' : '');
      const res = await hub.app.inject({ method: 'GET', url: '/v1/me/consents', headers: { authorization: `Bearer ${second}` } });
      assert.ok((res.json().scopes as Array<{ granted: boolean }>).every((s) => !s.granted), 'a different citizen starts with none');
    });

    it('refuses an outdated text and an unknown scope', async () => {
      const old = await hub.app.inject({ method: 'PUT', url: '/v1/me/consents/living', headers: auth(), payload: { textVersion: '2020-v0' } });
      assert.equal(old.statusCode, 400);
      assert.equal(old.json().error.code, 'HUTONG_ERR_CONSENT_TEXT_OUTDATED');
      assert.equal(old.json().error.details.currentTextVersion, CONSENT_TEXT_VERSION);
      const unknown = await hub.app.inject({ method: 'PUT', url: '/v1/me/consents/everything', headers: auth(), payload: { textVersion: CONSENT_TEXT_VERSION } });
      assert.equal(unknown.statusCode, 400);
      assert.equal(unknown.json().error.code, 'HUTONG_ERR_VALIDATION');
    });
  });
}
