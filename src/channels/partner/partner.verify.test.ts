import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { testEngines } from '../../../test/helpers/stores.ts';
import { migrateToLatest, type Store } from '../../store/db.ts';
import { isHutongError, type ErrorCode } from '../../errors.ts';
import { PartnerAppRepository } from './partner.repository.ts';
import { signPartnerRequest } from './partner.signing.ts';
import { verifyPartnerRequest, type PartnerRequest } from './partner.verify.ts';
import { contentDigest } from './content-digest.ts';
import { signatureBase, signatureHeaders, signatureParams } from './signature-base.ts';
import { sf, type BareItem } from './structured-fields.ts';

const NOW = new Date('2026-03-01T08:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const at = (offsetSeconds: number) => new Date((NOW_S + offsetSeconds) * 1000);
const URL_LOGIN = 'https://hub.example/v1/channels/partner/login';

function keyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

function loginRequest(body = '{"partnerUserId":"u-1001"}', url = URL_LOGIN): PartnerRequest & { body: string } {
  return { method: 'POST', url, headers: { host: 'hub.example', 'content-type': 'application/json' }, body };
}

/** A request carrying the signature headers, as the hub would receive it. */
function withHeaders(request: PartnerRequest, signed: object): PartnerRequest {
  return { ...request, headers: { ...request.headers, ...signed } };
}

/** Signs by hand, for signatures the helper never makes (missing parameters, partial coverage). */
function handSigned(request: PartnerRequest, privateKey: KeyObject, components: string[], params: Array<[string, BareItem]>): PartnerRequest {
  const digest = request.body ? { 'content-digest': contentDigest(request.body) } : {};
  const withDigest = withHeaders(request, digest);
  const input = signatureParams(components, new Map(params));
  const signature = sign(null, Buffer.from(signatureBase(withDigest, input)), privateKey);
  return withHeaders(withDigest, signatureHeaders('sig1', input, signature));
}

async function refusal(promise: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isHutongError(error), `expected a HutongError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.statusCode, 401);
    assert.match(error.message, message);
    return true;
  });
}

for (const engine of testEngines()) {
  describe(`partner request signatures on ${engine.name}`, () => {
    let store: Store;
    let partners: PartnerAppRepository;
    const metro = keyPair();
    const bike = keyPair();
    const verifyAt = (request: PartnerRequest, now = NOW) => verifyPartnerRequest(request, { partners, now });
    const signAsMetro = (request: PartnerRequest & { body?: string }, options: { created?: Date; expires?: Date; nonce?: string } = {}) =>
      withHeaders(request, signPartnerRequest(request, { keyId: 'metro-app', privateKey: metro.privateKey, created: NOW, ...options }));

    before(async () => {
      store = await engine.open();
      await migrateToLatest(store);
      partners = new PartnerAppRepository(store.db);
      await partners.register({ id: 'metro-app', name: '地铁 App', publicKey: metro.publicKey.export({ format: 'jwk' }) });
      await partners.register({ id: 'bike-app', name: 'Bike share', publicKey: bike.publicKey.export({ format: 'pem', type: 'spki' }).toString() });
    });
    after(() => store.close());

    it('registers apps by raw key, JWK or PEM, and keeps the first registration of an id', async () => {
      const keys = keyPair();
      const raw = keys.publicKey.export({ format: 'jwk' }).x as string;
      const first = await partners.register({ id: 'city-bank', name: ' City bank ', publicKey: raw });
      assert.deepEqual({ id: first.app.id, name: first.app.name, publicKey: first.app.publicKey, status: first.app.status, created: first.created }, {
        id: 'city-bank',
        name: 'City bank',
        publicKey: raw,
        status: 'active',
        created: true,
      });
      const again = await partners.register({ id: 'city-bank', name: 'Other', publicKey: keyPair().publicKey });
      assert.equal(again.created, false);
      assert.equal(again.app.publicKey, raw, 'a second registration does not replace the key');
      assert.equal((await partners.get('bike-app'))?.publicKey, bike.publicKey.export({ format: 'jwk' }).x);
      assert.equal(await partners.get('nobody'), undefined);
    });

    it('refuses to register a non-Ed25519 key or an id that is not a slug', async () => {
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
      await assert.rejects(partners.register({ id: 'rsa-app', name: 'RSA', publicKey: rsa }), { code: 'HUTONG_ERR_VALIDATION', message: /Ed25519/ });
      await assert.rejects(partners.register({ id: 'short-key', name: 'x', publicKey: 'AAAA' }), { code: 'HUTONG_ERR_VALIDATION', message: /32 bytes/ });
      await assert.rejects(partners.register({ id: 'Metro:App', name: 'x', publicKey: keyPair().publicKey }), { code: 'HUTONG_ERR_VALIDATION', message: /slug/ });
    });

    it('accepts a signed request and says which partner sent it', async () => {
      const verified = await verifyAt(signAsMetro(loginRequest(), { nonce: 'round-trip-1' }));
      assert.deepEqual(verified, {
        partnerId: 'metro-app',
        label: 'sig1',
        created: NOW,
        expires: at(60),
        nonce: 'round-trip-1',
        coveredComponents: ['@method', '@target-uri', 'content-type', 'content-digest'],
      });
      // A bodiless GET needs no digest; @authority + @path + @query may stand in for @target-uri.
      const get = { method: 'GET', url: 'https://hub.example/v1/partner/ping?x=1', headers: { host: 'hub.example' } };
      assert.equal((await verifyAt(signAsMetro(get))).partnerId, 'metro-app');
      const parts = handSigned(get, metro.privateKey, ['@method', '@authority', '@path', '@query'], [
        ['created', sf.integer(NOW_S)],
        ['expires', sf.integer(NOW_S + 30)],
        ['nonce', sf.string('parts-1')],
        ['keyid', sf.string('metro-app')],
        ['alg', sf.string('ed25519')],
      ]);
      assert.equal((await verifyAt(parts)).partnerId, 'metro-app');
    });

    it('refuses a request that is not signed at all', async () => {
      await refusal(verifyAt(loginRequest()), 'HUTONG_ERR_SIGNATURE_INVALID', /no Signature-Input header/);
    });

    it('refuses a tampered body: the digest no longer matches', async () => {
      const signed = signAsMetro(loginRequest());
      await refusal(verifyAt({ ...signed, body: '{"partnerUserId":"u-1002"}' }), 'HUTONG_ERR_SIGNATURE_INVALID', /Content-Digest sha-256 does not match the body/);
    });

    it('refuses a tampered body sent with a recomputed digest: the signature no longer verifies', async () => {
      const body = '{"partnerUserId":"u-1002"}';
      const signed = signAsMetro(loginRequest());
      await refusal(verifyAt(withHeaders({ ...signed, body }, { 'content-digest': contentDigest(body) })), 'HUTONG_ERR_SIGNATURE_INVALID', /does not verify/);
    });

    it('refuses a tampered path', async () => {
      const signed = signAsMetro(loginRequest());
      await refusal(verifyAt({ ...signed, url: 'https://hub.example/v1/channels/partner/logout' }), 'HUTONG_ERR_SIGNATURE_INVALID', /does not verify/);
    });

    it('refuses a request signed with another key than the registered one', async () => {
      const request = loginRequest();
      const forged = withHeaders(request, signPartnerRequest(request, { keyId: 'metro-app', privateKey: bike.privateKey, created: NOW }));
      await refusal(verifyAt(forged), 'HUTONG_ERR_SIGNATURE_INVALID', /does not verify with partner app "metro-app"/);
    });

    it('refuses an unknown keyid', async () => {
      const request = loginRequest();
      const signed = withHeaders(request, signPartnerRequest(request, { keyId: 'ghost-app', privateKey: keyPair().privateKey, created: NOW }));
      await refusal(verifyAt(signed), 'HUTONG_ERR_PARTNER_UNKNOWN', /No partner app "ghost-app" is registered/);
    });

    it('refuses a revoked partner, from the moment it is revoked', async () => {
      const keys = keyPair();
      await partners.register({ id: 'old-app', name: 'Old', publicKey: keys.publicKey });
      const sign = () => {
        const request = loginRequest();
        return withHeaders(request, signPartnerRequest(request, { keyId: 'old-app', privateKey: keys.privateKey, created: NOW }));
      };
      assert.equal((await verifyAt(sign())).partnerId, 'old-app');
      assert.equal(await partners.revoke('old-app'), true);
      assert.equal(await partners.revoke('old-app'), false, 'revoking twice changes nothing');
      assert.equal((await partners.get('old-app'))?.status, 'revoked');
      await refusal(verifyAt(sign()), 'HUTONG_ERR_PARTNER_UNKNOWN', /"old-app" has been revoked/);
    });

    it('refuses an expired signature, allowing for clock skew', async () => {
      const signed = signAsMetro(loginRequest(), { created: at(-200), expires: at(-100) });
      await refusal(verifyAt(signed), 'HUTONG_ERR_SIGNATURE_EXPIRED', /expired at 2026-03-01T07:58:20.000Z/);
      const justExpired = signAsMetro(loginRequest(), { created: at(-100), expires: at(-30) });
      assert.equal((await verifyAt(justExpired)).partnerId, 'metro-app', '30 s past expiry is within the 60 s skew');
    });

    it('refuses a signature created in the future beyond the skew', async () => {
      const signed = signAsMetro(loginRequest(), { created: at(120), expires: at(180) });
      await refusal(verifyAt(signed), 'HUTONG_ERR_SIGNATURE_EXPIRED', /created 120 s in the future/);
      assert.equal((await verifyAt(signAsMetro(loginRequest(), { created: at(30), expires: at(90) }))).partnerId, 'metro-app');
    });

    it('refuses a signature valid for longer than five minutes', async () => {
      const signed = signAsMetro(loginRequest(), { created: NOW, expires: at(600) });
      await refusal(verifyAt(signed), 'HUTONG_ERR_SIGNATURE_INVALID', /valid for 600 s; at most 300 s/);
      await refusal(verifyAt(signAsMetro(loginRequest(), { created: NOW, expires: NOW })), 'HUTONG_ERR_SIGNATURE_INVALID', /expires .* before or when it is created/);
    });

    it('refuses a signature without a nonce, or without created, expires or alg', async () => {
      const base: Array<[string, BareItem]> = [
        ['created', sf.integer(NOW_S)],
        ['expires', sf.integer(NOW_S + 60)],
        ['nonce', sf.string('n-missing')],
        ['keyid', sf.string('metro-app')],
        ['alg', sf.string('ed25519')],
      ];
      const components = ['@method', '@target-uri', 'content-digest'];
      for (const missing of ['nonce', 'created', 'expires', 'alg', 'keyid']) {
        const signed = handSigned(loginRequest(), metro.privateKey, components, base.filter(([name]) => name !== missing));
        await refusal(verifyAt(signed), 'HUTONG_ERR_SIGNATURE_INVALID', new RegExp(`no "${missing}" parameter`));
      }
      const rsa = handSigned(loginRequest(), metro.privateKey, components, base.map(([n, v]) => (n === 'alg' ? [n, sf.string('rsa-pss-sha512')] : [n, v])));
      await refusal(verifyAt(rsa), 'HUTONG_ERR_SIGNATURE_INVALID', /alg is "rsa-pss-sha512"/);
    });

    it('refuses signatures that leave the method, the target or the body uncovered', async () => {
      const params = (nonce: string): Array<[string, BareItem]> => [
        ['created', sf.integer(NOW_S)],
        ['expires', sf.integer(NOW_S + 60)],
        ['nonce', sf.string(nonce)],
        ['keyid', sf.string('metro-app')],
        ['alg', sf.string('ed25519')],
      ];
      await refusal(verifyAt(handSigned(loginRequest(), metro.privateKey, ['@target-uri', 'content-digest'], params('c1'))), 'HUTONG_ERR_SIGNATURE_INVALID', /must cover "@method"/);
      await refusal(verifyAt(handSigned(loginRequest(), metro.privateKey, ['@method', '@path', 'content-digest'], params('c2'))), 'HUTONG_ERR_SIGNATURE_INVALID', /must cover "@target-uri"/);
      await refusal(verifyAt(handSigned(loginRequest(), metro.privateKey, ['@method', '@target-uri'], params('c3'))), 'HUTONG_ERR_SIGNATURE_INVALID', /must cover "content-digest"/);
    });

    it('refuses a replayed nonce, whether the whole request or only the nonce is reused', async () => {
      const signed = signAsMetro(loginRequest(), { nonce: 'replay-1' });
      await verifyAt(signed);
      await refusal(verifyAt(signed), 'HUTONG_ERR_SIGNATURE_REPLAYED', /Nonce "replay-1" was already used by partner app "metro-app"/);
      const fresh = signAsMetro(loginRequest('{"partnerUserId":"u-2"}'), { nonce: 'replay-1', created: at(5) });
      await refusal(verifyAt(fresh, at(5)), 'HUTONG_ERR_SIGNATURE_REPLAYED', /already used/);
      // Nonces are per partner: another app may happen to pick the same one.
      const request = loginRequest();
      const bikeSigned = withHeaders(request, signPartnerRequest(request, { keyId: 'bike-app', privateKey: bike.privateKey, created: NOW, nonce: 'replay-1' }));
      assert.equal((await verifyAt(bikeSigned)).partnerId, 'bike-app');
    });

    it('accepts one of many copies of a request sent at once', async () => {
      const signed = signAsMetro(loginRequest(), { nonce: 'race-1' });
      const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => verifyAt(signed)));
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
      for (const o of outcomes) if (o.status === 'rejected') assert.equal((o.reason as { code: string }).code, 'HUTONG_ERR_SIGNATURE_REPLAYED');
    });

    it('does not use up a nonce on a request that fails verification', async () => {
      const signed = signAsMetro(loginRequest(), { nonce: 'forged-first' });
      await refusal(verifyAt({ ...signed, url: `${URL_LOGIN}?as=admin` }), 'HUTONG_ERR_SIGNATURE_INVALID', /does not verify/);
      assert.equal((await verifyAt(signed)).nonce, 'forged-first');
    });

    it('forgets a nonce once the signature that carried it can no longer be accepted', async () => {
      assert.equal(await partners.rememberNonce('bike-app', 'prune-1', at(60), NOW), true);
      assert.equal(await partners.rememberNonce('bike-app', 'prune-1', at(60), at(59)), false);
      assert.equal(await partners.rememberNonce('bike-app', 'prune-1', at(200), at(61)), true, 'pruned after it expired, then remembered again');
      const expired = await store.db.selectFrom('partner_nonces').select('nonce').where('expires_at', '<=', at(61)).execute();
      assert.deepEqual(expired, [], 'expired nonces are pruned');
    });
  });
}
