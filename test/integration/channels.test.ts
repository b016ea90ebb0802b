import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEngines } from '../helpers/stores.ts';
import { startTestHub, type TestHub } from '../helpers/hub.ts';
import { generateKeyPairSync } from 'node:crypto';
import { signPartnerRequest } from '../../src/channels/partner/partner.signing.ts';
import { WECHAT_DEMO_APPS } from '../../emulators/channels/wechat/wechat.apps.ts';
import { WEIBO_DEMO_APPS } from '../../emulators/channels/weibo/weibo.apps.ts';
import { TAOBAO_DEMO_APPS } from '../../emulators/channels/taobao/taobao.apps.ts';

const [engine] = testEngines();

describe('logging in through the entrances', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub(engine, {}, { importBatchFiles: false });
  });
  after(() => hub.close());

  /** An auth code as the Alipay app hands one to a mini program for its user. */
  async function alipayAuthCode(userId: string): Promise<string> {
    const res = await fetch(`${hub.emulators.url}/alipay/_demo/auth-codes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId }) });
    assert.equal(res.status, 201);
    return ((await res.json()) as { authCode: string }).authCode;
  }

  it('Alipay: the official SDK exchanges the auth code; a reused or forged code is refused', async () => {
    const code = await alipayAuthCode('2088000000000042');
    const login = await hub.app.inject({ method: 'POST', url: '/v1/channels/alipay/login', payload: { authCode: code } });
    assert.equal(login.statusCode, 200, login.body);
    assert.equal(login.json().channel, 'alipay');
    const token = login.json().accessToken as string;
    const me = await hub.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(me.json().identities.map((i: { channel: string }) => i.channel), ['alipay']);
    assert.ok(!me.body.includes('2088000000000042'), 'the citizen profile does not expose the platform user id');

    const again = await hub.app.inject({ method: 'POST', url: '/v1/channels/alipay/login', payload: { authCode: code } });
    assert.equal(again.statusCode, 401);
    assert.equal(again.json().error.code, 'HUTONG_ERR_LOGIN_CODE_INVALID');
    const forged = await hub.app.inject({ method: 'POST', url: '/v1/channels/alipay/login', payload: { authCode: 'forged-code-123' } });
    assert.equal(forged.statusCode, 401);

    const second = await hub.app.inject({ method: 'POST', url: '/v1/channels/alipay/login', payload: { authCode: await alipayAuthCode('2088000000000042') } });
    assert.equal(second.json().citizenId, login.json().citizenId, 'the same Alipay user is the same citizen');
    assert.equal(second.json().newCitizen, false);
  });

  it('WeChat, Weibo and Taobao: the OAuth2 code becomes a session; each entrance knows the person by its own id', async () => {
    const codes: Record<string, [string, Record<string, string>]> = {
      wechat: ['/wechat/_demo/auth-codes', { appid: WECHAT_DEMO_APPS[0].appId, userId: 'person-5' }],
      weibo: ['/weibo/_demo/auth-codes', { clientId: WEIBO_DEMO_APPS[0].clientId, userId: 'person-5' }],
      taobao: ['/taobao/_demo/auth-codes', { clientId: TAOBAO_DEMO_APPS[0].clientId, userId: 'person-5' }],
    };
    const citizens = new Set<string>();
    for (const [channel, [path, body]] of Object.entries(codes)) {
      const issued = await fetch(`${hub.emulators.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.ok(issued.ok, `${channel}: ${issued.status}`);
      const { code } = (await issued.json()) as { code: string };
      const login = await hub.app.inject({ method: 'POST', url: `/v1/channels/${channel}/login`, payload: { code } });
      assert.equal(login.statusCode, 200, `${channel}: ${login.body}`);
      assert.equal(login.json().channel, channel);
      citizens.add(login.json().citizenId);
      const reused = await hub.app.inject({ method: 'POST', url: `/v1/channels/${channel}/login`, payload: { code } });
      assert.equal(reused.statusCode, 401, channel);
      assert.equal(reused.json().error.code, 'HUTONG_ERR_LOGIN_CODE_INVALID');
    }
    // Until the person proves their real name in each (the real-name binding), each entrance is its own citizen.
    assert.equal(citizens.size, 3);
  });

  it('refuses a proof of another entrance and an entrance not installed', async () => {
    const wrong = await hub.app.inject({ method: 'POST', url: '/v1/channels/web/login', payload: { authCode: 'x' } });
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().error.code, 'HUTONG_ERR_VALIDATION');
    const unknown = await hub.app.inject({ method: 'POST', url: '/v1/channels/myspace/login', payload: { code: 'x' } });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'HUTONG_ERR_CHANNEL_NOT_FOUND');
  });
});

describe('partner apps join with an Ed25519 key and RFC 9421 signed requests', () => {
  const ADMIN = 'test-admin-token-0123456789abcdef';
  let hub: TestHub;
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  before(async () => {
    hub = await startTestHub(engine, { adminToken: ADMIN }, { importBatchFiles: false });
  });
  after(() => hub.close());

  async function signedLogin(partnerUserId: string, key = privateKey, keyId = 'citybus') {
    const body = JSON.stringify({ partnerUserId });
    const url = 'http://localhost:80/v1/channels/partner/login';
    const headers = { 'content-type': 'application/json' };
    const signature = signPartnerRequest({ method: 'POST', url, headers, body }, { keyId, privateKey: key });
    return hub.app.inject({ method: 'POST', url: '/v1/channels/partner/login', headers: { ...headers, host: 'localhost:80', ...signature }, payload: body });
  }

  it('an operator registers the partner; its signed login gets a token; replays, forgeries and revoked partners are refused', async () => {
    const refused = await hub.app.inject({ method: 'POST', url: '/v1/admin/partners', payload: { id: 'citybus', name: 'City Bus', publicKey: publicKey.export({ format: 'jwk' }) } });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'HUTONG_ERR_ADMIN_REQUIRED');
    const registered = await hub.app.inject({
      method: 'POST',
      url: '/v1/admin/partners',
      headers: { authorization: `Bearer ${ADMIN}` },
      payload: { id: 'citybus', name: 'City Bus', publicKey: publicKey.export({ format: 'jwk' }) },
    });
    assert.equal(registered.statusCode, 201, registered.body);

    const login = await signedLogin('rider-77');
    assert.equal(login.statusCode, 200, login.body);
    assert.equal(login.json().channel, 'partner');

    const unsigned = await hub.app.inject({ method: 'POST', url: '/v1/channels/partner/login', payload: { partnerUserId: 'rider-77' } });
    assert.equal(unsigned.statusCode, 401);
    assert.equal(unsigned.json().error.code, 'HUTONG_ERR_SIGNATURE_INVALID');

    const other = generateKeyPairSync('ed25519').privateKey;
    const forged = await signedLogin('rider-77', other);
    assert.equal(forged.statusCode, 401);
    assert.equal(forged.json().error.code, 'HUTONG_ERR_SIGNATURE_INVALID');

    const stranger = await signedLogin('rider-77', privateKey, 'nobody');
    assert.equal(stranger.json().error.code, 'HUTONG_ERR_PARTNER_UNKNOWN');

    const revoke = await hub.app.inject({ method: 'DELETE', url: '/v1/admin/partners/citybus', headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(revoke.statusCode, 204);
    const afterRevoke = await signedLogin('rider-77');
    assert.equal(afterRevoke.statusCode, 401);
    assert.equal(afterRevoke.json().error.code, 'HUTONG_ERR_PARTNER_UNKNOWN');
  });

  it('refuses a replayed signed request', async () => {
    const { publicKey: pub, privateKey: priv } = generateKeyPairSync('ed25519');
    await hub.app.inject({ method: 'POST', url: '/v1/admin/partners', headers: { authorization: `Bearer ${ADMIN}` }, payload: { id: 'parking', name: 'Parking', publicKey: pub.export({ format: 'jwk' }) } });
    const body = JSON.stringify({ partnerUserId: 'driver-1' });
    const url = 'http://localhost:80/v1/channels/partner/login';
    const signature = signPartnerRequest({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body }, { keyId: 'parking', privateKey: priv });
    const send = () => hub.app.inject({ method: 'POST', url: '/v1/channels/partner/login', headers: { 'content-type': 'application/json', host: 'localhost:80', ...signature }, payload: body });
    assert.equal((await send()).statusCode, 200);
    const replay = await send();
    assert.equal(replay.statusCode, 401);
    assert.equal(replay.json().error.code, 'HUTONG_ERR_SIGNATURE_REPLAYED');
  });
});

describe('the web entrance pushes by SMS', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub(engine, {}, { importBatchFiles: false });
  });
  after(() => hub.close());

  it('sendMessage reaches the phone the person logged in with', async () => {
    const sent = await hub.services.webChannel.sendMessage!('13912347777', { title: '新的交通违法', body: '您的车辆有一条新的违法记录', link: '/l/abc' }, { signal: AbortSignal.timeout(5000) });
    assert.match(sent.messageId, /^sms:/);
    const [message] = hub.emulators.sms.inbox('13912347777');
    assert.match(message.text, /新的交通违法：您的车辆有一条新的违法记录 \/l\/abc/);
  });
});
