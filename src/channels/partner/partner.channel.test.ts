import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { testEngines } from '../../../test/helpers/stores.ts';
import { migrateToLatest, type Store } from '../../store/db.ts';
import type { ChannelRequest } from '../channel.ts';
import { createPartnerChannel, type PartnerChannel } from './partner.channel.ts';
import { PartnerAppRepository } from './partner.repository.ts';
import { signPartnerRequest } from './partner.signing.ts';

const LOGIN_URL = 'http://127.0.0.1:3000/v1/channels/partner/login';
const signal = AbortSignal.timeout(5000);

for (const engine of testEngines()) {
  describe(`partner channel on ${engine.name}`, () => {
    let store: Store;
    let channel: PartnerChannel;
    const metro = generateKeyPairSync('ed25519');
    const bike = generateKeyPairSync('ed25519');

    /** The login request a partner app sends, as the route hands it to the channel. */
    function signedLogin(keyId: string, privateKey: typeof metro.privateKey, partnerUserId: string): ChannelRequest {
      const rawBody = Buffer.from(JSON.stringify({ partnerUserId }));
      const headers = { host: '127.0.0.1:3000', 'content-type': 'application/json' };
      const signed = signPartnerRequest({ method: 'POST', url: LOGIN_URL, headers, body: rawBody }, { keyId, privateKey });
      return { method: 'POST', url: LOGIN_URL, headers: { ...headers, ...signed }, rawBody };
    }

    before(async () => {
      store = await engine.open();
      await migrateToLatest(store);
      const partners = new PartnerAppRepository(store.db);
      await partners.register({ id: 'metro-app', name: '地铁 App', publicKey: metro.publicKey });
      await partners.register({ id: 'bike-app', name: 'Bike share', publicKey: bike.publicKey });
      channel = createPartnerChannel({ partners });
    });
    after(() => store.close());

    it('is the partner entrance with a { partnerUserId } proof', () => {
      assert.equal(channel.id, 'partner');
      assert.deepEqual(channel.name, { zh: '合作应用', en: 'Partner app' });
      assert.ok(Value.Check(channel.loginProofSchema, { partnerUserId: 'u-1001' }));
      for (const bad of [{}, { partnerUserId: '' }, { partnerUserId: 'has space' }, { partnerUserId: 'x'.repeat(129) }, { partnerUserId: 'u', extra: 1 }]) {
        assert.equal(Value.Check(channel.loginProofSchema, bad), false, JSON.stringify(bad));
      }
    });

    it('logs in the user a signing partner vouches for, under an id of that partner only', async () => {
      const metroUser = await channel.authenticate({ partnerUserId: 'u-1001' }, { signal, request: signedLogin('metro-app', metro.privateKey, 'u-1001') });
      assert.deepEqual(metroUser, { channelUserId: 'metro-app:u-1001' });
      const bikeUser = await channel.authenticate({ partnerUserId: 'u-1001' }, { signal, request: signedLogin('bike-app', bike.privateKey, 'u-1001') });
      assert.deepEqual(bikeUser, { channelUserId: 'bike-app:u-1001' }, 'the same user id at two partners is two people');
    });

    it('refuses a login that is not a signed request', async () => {
      await assert.rejects(channel.authenticate({ partnerUserId: 'u-1001' }, { signal }), { code: 'HUTONG_ERR_SIGNATURE_INVALID', message: /signed per RFC 9421/ });
      const unsigned: ChannelRequest = { method: 'POST', url: LOGIN_URL, headers: { 'content-type': 'application/json' }, rawBody: Buffer.from('{"partnerUserId":"u-1001"}') };
      await assert.rejects(channel.authenticate({ partnerUserId: 'u-1001' }, { signal, request: unsigned }), { code: 'HUTONG_ERR_SIGNATURE_INVALID' });
    });

    it('refuses a proof that is not the body the partner signed', async () => {
      const request = signedLogin('metro-app', metro.privateKey, 'u-1001');
      await assert.rejects(channel.authenticate({ partnerUserId: 'u-9999' }, { signal, request }), {
        code: 'HUTONG_ERR_SIGNATURE_INVALID',
        message: /not the body that was signed/,
      });
    });

    it('refuses the same signed login twice', async () => {
      const request = signedLogin('metro-app', metro.privateKey, 'u-1002');
      await channel.authenticate({ partnerUserId: 'u-1002' }, { signal, request });
      await assert.rejects(channel.authenticate({ partnerUserId: 'u-1002' }, { signal, request }), { code: 'HUTONG_ERR_SIGNATURE_REPLAYED' });
    });

    it('refuses a partner signing as another', async () => {
      await assert.rejects(channel.authenticate({ partnerUserId: 'u-1001' }, { signal, request: signedLogin('metro-app', bike.privateKey, 'u-1001') }), {
        code: 'HUTONG_ERR_SIGNATURE_INVALID',
        message: /does not verify/,
      });
    });
  });
}
