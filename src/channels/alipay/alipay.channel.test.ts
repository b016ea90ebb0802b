import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { startEmulators, type RunningEmulators } from '../../../emulators/index.ts';
import { createAlipayOpenPlatform, type AlipayTemplateMessage } from '../../../emulators/channels/alipay/alipay.open-platform.ts';
import { isHutongError, type ErrorCode } from '../../errors.ts';
import { AlipayLoginProof, alipaySettingsFromEnv, createAlipayChannel, type AlipaySettings } from './alipay.channel.ts';
import { listenOnLoopback, serveRoute } from '../../../test/helpers/loopback.ts';

const PERSON = '2088000000000001';
const OTHER_PERSON = '2088000000000002';
const call = () => ({ signal: AbortSignal.timeout(10_000) });

function rejectsWith(code: ErrorCode, check?: (error: Error & { details?: unknown }) => void) {
  return (error: unknown): boolean => {
    assert.ok(isHutongError(error), `expected a HutongError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    check?.(error);
    return true;
  };
}

async function issueAuthCode(emulatorsUrl: string, userId: string): Promise<string> {
  const response = await fetch(`${emulatorsUrl}/alipay/_demo/auth-codes`, { method: 'POST', body: JSON.stringify({ userId }) });
  assert.equal(response.status, 201);
  return ((await response.json()) as { authCode: string }).authCode;
}

async function messagesOf(emulatorsUrl: string, userId: string): Promise<AlipayTemplateMessage[]> {
  return ((await (await fetch(`${emulatorsUrl}/alipay/_demo/users/${userId}/messages`)).json()) as { messages: AlipayTemplateMessage[] }).messages;
}



const anotherKeyPair = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

describe('alipay channel against the Alipay open platform emulator (official alipay-sdk)', () => {
  let emulators: RunningEmulators;
  let settings: AlipaySettings;
  const closers: Array<() => Promise<void>> = [];

  before(async () => {
    emulators = await startEmulators({ port: 0, smsAppKey: 'k' });
    const demo = alipaySettingsFromEnv({}, { emulatorsUrl: emulators.url, demo: true });
    assert.ok(demo);
    settings = demo;
  });
  after(async () => {
    for (const close of closers) await close();
    await emulators.close();
  });

  it('describes the Alipay entrance', () => {
    const channel = createAlipayChannel(settings);
    assert.equal(channel.id, 'alipay');
    assert.deepEqual(channel.name, { zh: '支付宝', en: 'Alipay' });
    assert.equal(channel.preferredWallet, 'alipay');
    assert.ok(channel.userAgent?.test('Mozilla/5.0 (iPhone) AlipayClient/10.5.86 Language/zh-Hans'));
    assert.ok(!channel.userAgent?.test('Mozilla/5.0 (iPhone) MicroMessenger/8.0.47'));
    assert.ok(Value.Check(AlipayLoginProof, { authCode: '4b203fe6c11548bcabd8da5bb087a83b' }));
    assert.ok(!Value.Check(AlipayLoginProof, { code: 'x' }));
  });

  it('exchanges the auth code the Alipay app handed out for the person\'s Alipay user id, once', async () => {
    const channel = createAlipayChannel(settings);
    const authCode = await issueAuthCode(emulators.url, PERSON);
    assert.deepEqual(await channel.authenticate({ authCode }, call()), { channelUserId: PERSON });
    await assert.rejects(channel.authenticate({ authCode }, call()), rejectsWith('HUTONG_ERR_LOGIN_CODE_INVALID'));
  });

  it('refuses a forged auth code', async () => {
    const channel = createAlipayChannel(settings);
    await assert.rejects(channel.authenticate({ authCode: '4b203fe6c11548bcabd8da5bb087a83b' }, call()), rejectsWith('HUTONG_ERR_LOGIN_CODE_INVALID'));
  });

  it('refuses an auth code after its five minutes', async () => {
    let clock = Date.now();
    const platform = createAlipayOpenPlatform({ now: () => clock });
    const server = await listenOnLoopback(serveRoute(platform.route));
    closers.push(server.close);
    const channel = createAlipayChannel({ ...settings, gateway: `${server.url}/alipay/gateway.do` });

    const fresh = await issueAuthCode(server.url, PERSON);
    clock += 299_000;
    assert.deepEqual(await channel.authenticate({ authCode: fresh }, call()), { channelUserId: PERSON });

    const stale = await issueAuthCode(server.url, OTHER_PERSON);
    clock += 300_000;
    await assert.rejects(channel.authenticate({ authCode: stale }, call()), rejectsWith('HUTONG_ERR_LOGIN_CODE_INVALID'));
  });

  it('is refused by the platform when its requests are signed with a key the platform does not know', async () => {
    const impostor = createAlipayChannel({ ...settings, privateKey: anotherKeyPair().privateKey });
    const authCode = await issueAuthCode(emulators.url, PERSON);
    await assert.rejects(
      impostor.authenticate({ authCode }, call()),
      rejectsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE', (error) => {
        assert.match(error.message, /isv\.invalid-signature/);
        assert.doesNotMatch(error.message, new RegExp(authCode));
      }),
    );
    // The gateway refused the call before the method ran: the person's code is still good.
    assert.deepEqual(await createAlipayChannel(settings).authenticate({ authCode }, call()), { channelUserId: PERSON });
  });

  it('rejects an answer signed with another platform key', async () => {
    const fooled = createAlipayChannel({ ...settings, alipayPublicKey: anotherKeyPair().publicKey });
    const authCode = await issueAuthCode(emulators.url, PERSON);
    await assert.rejects(
      fooled.authenticate({ authCode }, call()),
      rejectsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE', (error) => {
        assert.match(error.message, /signature verification/);
        // The unverified answer holds an access token: neither the message nor a cause carries it.
        assert.doesNotMatch(error.message, /authusr/);
        assert.equal(error.cause, undefined);
      }),
    );
    // Refusals are verified too: with the wrong platform key even a refused code is not trusted.
    await assert.rejects(fooled.authenticate({ authCode: 'forged' }, call()), rejectsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE'));
  });

  it('rejects an answer tampered with on the way (the user id swapped, the platform\'s signature kept)', async () => {
    const proxy = await listenOnLoopback(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const upstream = await fetch(`${emulators.url}${req.url}`, {
        method: req.method,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' },
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      });
      const text = (await upstream.text()).replace(`"user_id":"${PERSON}"`, `"user_id":"${OTHER_PERSON}"`);
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' }).end(text);
    });
    closers.push(proxy.close);
    const channel = createAlipayChannel({ ...settings, gateway: `${proxy.url}/alipay/gateway.do` });
    const authCode = await issueAuthCode(emulators.url, PERSON);
    await assert.rejects(channel.authenticate({ authCode }, call()), rejectsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE'));
  });

  it('reports an unreachable platform as unavailable', async () => {
    const server = await listenOnLoopback((_req, res) => res.destroy());
    await server.close();
    const channel = createAlipayChannel({ ...settings, gateway: `${server.url}/alipay/gateway.do` });
    await assert.rejects(channel.authenticate({ authCode: 'whatever' }, call()), rejectsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE'));
  });

  it('gives up when the caller\'s deadline has passed', async () => {
    const channel = createAlipayChannel(settings);
    const controller = new AbortController();
    controller.abort(new DOMException('deadline passed', 'TimeoutError'));
    await assert.rejects(channel.authenticate({ authCode: 'whatever' }, { signal: controller.signal }), { name: 'TimeoutError' });
  });

  it('pushes a template message into the person\'s Alipay inbox', async () => {
    const channel = createAlipayChannel(settings);
    assert.ok(channel.sendMessage);
    const authCode = await issueAuthCode(emulators.url, OTHER_PERSON);
    const { channelUserId } = await channel.authenticate({ authCode }, call());
    const { messageId } = await channel.sendMessage(channelUserId, { title: '新的交通违法', body: '沪A12345 于 5 月 3 日被记录超速', link: '/l/ab12' }, call());

    const [received, ...older] = await messagesOf(emulators.url, OTHER_PERSON);
    assert.equal(older.length, 0);
    assert.equal(received.id, messageId);
    assert.equal(received.toUserId, OTHER_PERSON);
    assert.deepEqual(received.data, { keyword1: { value: '新的交通违法' }, keyword2: { value: '沪A12345 于 5 月 3 日被记录超速' } });
    assert.match(received.page ?? '', /link=%2Fl%2Fab12/);
    assert.deepEqual(await messagesOf(emulators.url, PERSON), []);
  });

  it('reports a message the platform refuses', async () => {
    const channel = createAlipayChannel({ ...settings, messageTemplateId: 'not-a-template-of-this-app' });
    await assert.rejects(
      channel.sendMessage!(PERSON, { title: 't', body: 'b' }, call()),
      rejectsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE', (error) => assert.match(error.message, /USER_TEMPLATE_ILLEGAL/)),
    );
  });
});

describe('alipaySettingsFromEnv', () => {
  const emulatorsUrl = 'http://127.0.0.1:4100';

  it('leaves Alipay out when it is not configured and the emulators are not running', () => {
    assert.equal(alipaySettingsFromEnv({}, { emulatorsUrl, demo: false }), undefined);
  });

  it('uses the emulator and the demo app in demo mode', () => {
    const settings = alipaySettingsFromEnv({}, { emulatorsUrl, demo: true });
    assert.equal(settings?.appId, '2021000000000001');
    assert.equal(settings?.gateway, 'http://127.0.0.1:4100/alipay/gateway.do');
    assert.equal(settings?.authorizeUrl, 'http://127.0.0.1:4100/alipay/oauth2/publicAppAuthorize.htm');
    assert.ok(settings?.messageTemplateId);
    const sandbox = 'https://openauth-sandbox.example/oauth2/publicAppAuthorize.htm';
    assert.equal(alipaySettingsFromEnv({ ALIPAY_AUTHORIZE_URL: sandbox }, { emulatorsUrl, demo: true })?.authorizeUrl, sandbox);
    assert.throws(() => alipaySettingsFromEnv({ ALIPAY_AUTHORIZE_URL: `${sandbox}?x=1` }, { emulatorsUrl, demo: true }), /ALIPAY_AUTHORIZE_URL/);
  });

  it('reads a configured app, with keys given inline or as file paths, and defaults to the production gateway', () => {
    const app = anotherKeyPair();
    const platform = anotherKeyPair();
    const settings = alipaySettingsFromEnv(
      { ALIPAY_APP_ID: '2021004100000001', ALIPAY_APP_PRIVATE_KEY: app.privateKey, ALIPAY_PUBLIC_KEY: new URL('../../../emulators/channels/alipay/demo-keys/platform-public.pem', import.meta.url).pathname },
      { emulatorsUrl, demo: true },
    );
    assert.equal(settings?.appId, '2021004100000001');
    assert.equal(settings?.gateway, 'https://openapi.alipay.com/gateway.do');
    assert.equal(settings?.authorizeUrl, 'https://openauth.alipay.com/oauth2/publicAppAuthorize.htm');
    assert.match(settings?.alipayPublicKey ?? '', /BEGIN PUBLIC KEY/);
    assert.equal(settings?.messageTemplateId, undefined);
    assert.equal(createAlipayChannel(settings!).sendMessage, undefined);
    const bare = platform.publicKey.replace(/-----[^-]+-----|\s/g, '');
    assert.equal(alipaySettingsFromEnv({ ALIPAY_APP_ID: 'x', ALIPAY_APP_PRIVATE_KEY: app.privateKey, ALIPAY_PUBLIC_KEY: bare }, { emulatorsUrl, demo: false })?.alipayPublicKey, bare);
  });

  it('refuses half a configuration', () => {
    assert.throws(() => alipaySettingsFromEnv({ ALIPAY_APP_ID: '2021004100000001' }, { emulatorsUrl, demo: true }), /ALIPAY_APP_PRIVATE_KEY is required/);
    assert.throws(
      () => alipaySettingsFromEnv({ ALIPAY_APP_ID: 'x', ALIPAY_APP_PRIVATE_KEY: '/nonexistent/key.pem', ALIPAY_PUBLIC_KEY: 'y' }, { emulatorsUrl, demo: false }),
      /ALIPAY_APP_PRIVATE_KEY is neither/,
    );
  });
});
