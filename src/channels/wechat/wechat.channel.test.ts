import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { startEmulators, type RunningEmulators } from '../../../emulators/index.ts';
import { WECHAT_DEMO_APPS } from '../../../emulators/channels/wechat/wechat.apps.ts';
import { isHutongError, type ErrorCode } from '../../errors.ts';
import { createWechatChannel, WechatLoginProof, type WechatChannelOptions } from './wechat.channel.ts';
import { wechatSettingsFromEnv } from './wechat.settings.ts';

const [APP_A, APP_B] = WECHAT_DEMO_APPS;
let emulators: RunningEmulators;

before(async () => {
  emulators = await startEmulators({ port: 0, smsAppKey: 'k' });
});

after(async () => {
  await emulators.close();
});

const call = () => ({ signal: AbortSignal.timeout(5_000) });

function channelFor(app = APP_A, overrides: Partial<WechatChannelOptions> = {}) {
  return createWechatChannel({
    appId: app.appId,
    appSecret: app.appSecret,
    apiBase: `${emulators.url}/wechat`,
    subscribeTemplateId: app.subscribeTemplateIds[0],
    ...overrides,
  });
}

/** What the WeChat app does when the person agrees to open the hub: an auth code for that app. */
async function authCode(appid: string, userId: string): Promise<string> {
  const response = await fetch(`${emulators.url}/wechat/_demo/auth-codes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appid, userId }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { code: string }).code;
}

async function setEmulatorClock(offsetSeconds: number): Promise<void> {
  const response = await fetch(`${emulators.url}/wechat/_demo/clock`, { method: 'POST', body: JSON.stringify({ offsetSeconds }) });
  assert.equal(response.status, 200);
}

async function tokensIssued(appid: string): Promise<number> {
  const response = await fetch(`${emulators.url}/wechat/_demo/apps/${appid}/stats`);
  return ((await response.json()) as { accessTokensIssued: number }).accessTokensIssued;
}

async function inbox(openid: string): Promise<Array<{ msgid: string; appid: string; page?: string; data: Record<string, { value: string }> }>> {
  const response = await fetch(`${emulators.url}/wechat/_demo/users/${encodeURIComponent(openid)}/messages`);
  return ((await response.json()) as { messages: [] }).messages;
}

function failsWith(code: ErrorCode, secret?: string) {
  return (error: unknown): boolean => {
    assert.ok(isHutongError(error), `expected a HutongError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (secret !== undefined) {
      assert.ok(!error.message.includes(secret), 'no secret in the message');
      assert.ok(!JSON.stringify(error.details ?? {}).includes(secret), 'no secret in the details');
    }
    return true;
  };
}

describe('WeChat channel against the WeChat emulator', () => {
  it('logs a person in with the code WeChat gave them: the openid, and nothing else', async () => {
    const wechat = channelFor();
    const result = await wechat.authenticate({ code: await authCode(APP_A.appId, 'citizen-1') }, call());
    assert.deepEqual(Object.keys(result), ['channelUserId']);
    assert.match(result.channelUserId, /^o[\w-]{27}$/);
    const again = await wechat.authenticate({ code: await authCode(APP_A.appId, 'citizen-1') }, call());
    assert.equal(again.channelUserId, result.channelUserId, 'the same person is the same openid next time');
    const other = await wechat.authenticate({ code: await authCode(APP_A.appId, 'citizen-2') }, call());
    assert.notEqual(other.channelUserId, result.channelUserId);
  });

  it('keeps the unionid out: the same person in two apps gets two unrelated openids', async () => {
    const inA = await channelFor(APP_A).authenticate({ code: await authCode(APP_A.appId, 'citizen-3') }, call());
    const inB = await channelFor(APP_B).authenticate({ code: await authCode(APP_B.appId, 'citizen-3') }, call());
    assert.notEqual(inA.channelUserId, inB.channelUserId);
    // On the wire WeChat does link them (one unionid); the channel never passes that on.
    const wire = async (app: typeof APP_A) => {
      const url = new URL(`${emulators.url}/wechat/sns/oauth2/access_token`);
      url.search = new URLSearchParams({ appid: app.appId, secret: app.appSecret, code: await authCode(app.appId, 'citizen-3'), grant_type: 'authorization_code' }).toString();
      return (await (await fetch(url)).json()) as { openid: string; unionid: string };
    };
    const [wireA, wireB] = [await wire(APP_A), await wire(APP_B)];
    assert.equal(wireA.unionid, wireB.unionid);
    assert.equal(wireA.openid, inA.channelUserId);
    assert.notEqual(inA.channelUserId, wireA.unionid);
  });

  it('refuses a code that was already used', async () => {
    const wechat = channelFor();
    const code = await authCode(APP_A.appId, 'citizen-4');
    await wechat.authenticate({ code }, call());
    await assert.rejects(wechat.authenticate({ code }, call()), failsWith('HUTONG_ERR_LOGIN_CODE_INVALID'));
  });

  it('refuses a forged code', async () => {
    await assert.rejects(channelFor().authenticate({ code: '0a1b2c3d4e5f60718293a4b5c6d7e8f9' }, call()), failsWith('HUTONG_ERR_LOGIN_CODE_INVALID'));
  });

  it('refuses a code after its five minutes', async () => {
    const code = await authCode(APP_A.appId, 'citizen-5');
    await setEmulatorClock(301);
    try {
      await assert.rejects(channelFor().authenticate({ code }, call()), failsWith('HUTONG_ERR_LOGIN_CODE_INVALID'));
    } finally {
      await setEmulatorClock(0);
    }
  });

  it('refuses a code WeChat issued for another app', async () => {
    const code = await authCode(APP_B.appId, 'citizen-6');
    await assert.rejects(channelFor(APP_A).authenticate({ code }, call()), failsWith('HUTONG_ERR_LOGIN_CODE_INVALID'));
  });

  it('reports a wrong AppSecret as the platform being unavailable, without the secret, and without burning the code', async () => {
    // 40125 is the hub's misconfiguration, not the person's code: telling them to log in again would not help.
    const wrongSecret = 'ffffffffffffffffffffffffffffffff';
    const code = await authCode(APP_A.appId, 'citizen-7');
    await assert.rejects(channelFor(APP_A, { appSecret: wrongSecret }).authenticate({ code }, call()), (error: unknown) => {
      failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE', wrongSecret)(error);
      assert.match((error as Error).message, /errcode 40125/);
      return true;
    });
    assert.match((await channelFor(APP_A).authenticate({ code }, call())).channelUserId, /^o/);
  });

  it('reports an unknown AppID as the platform being unavailable', async () => {
    const code = await authCode(APP_A.appId, 'citizen-8');
    await assert.rejects(channelFor(APP_A, { appId: 'wx0000000000000000' }).authenticate({ code }, call()), failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE'));
  });

  it('reports an unreachable, wrong or silent platform as unavailable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(
      channelFor(APP_A, { apiBase: `http://127.0.0.1:${port}` }).authenticate({ code: 'abc' }, call()),
      failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE', APP_A.appSecret),
    );
    await assert.rejects(channelFor(APP_A, { apiBase: `${emulators.url}/nowhere` }).authenticate({ code: 'abc' }, call()), failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE'));

    const silent = http.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      await assert.rejects(
        channelFor(APP_A, { apiBase: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` }).authenticate({ code: 'abc' }, { signal: AbortSignal.timeout(200) }),
        failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE'),
      );
      assert.ok(Date.now() - started < 2_000, 'the deadline reaches the wire');
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('sends a subscribe message that lands in the person\'s WeChat', async () => {
    const wechat = channelFor();
    const { channelUserId: openid } = await wechat.authenticate({ code: await authCode(APP_A.appId, 'citizen-9') }, call());
    assert.ok(wechat.sendMessage);
    const sent = await wechat.sendMessage(openid, { title: '新的交通违法', body: '沪A12345 在延安高架路超速，罚款200元，记3分。', link: '/l/ab12' }, call());
    const [received] = await inbox(openid);
    assert.equal(received.msgid, sent.messageId, 'the 64-bit msgid arrives with every digit');
    assert.equal(received.appid, APP_A.appId);
    assert.equal(received.page, '/l/ab12');
    assert.equal(received.data.thing1.value, '新的交通违法');
    assert.equal([...received.data.thing2.value].length, 20, 'the body is cut to what a thing keyword holds');
    assert.ok(received.data.thing2.value.endsWith('…'));
  });

  it('refuses to message a person who is not a user of the app', async () => {
    const { channelUserId: openidInB } = await channelFor(APP_B).authenticate({ code: await authCode(APP_B.appId, 'citizen-10') }, call());
    await assert.rejects(channelFor(APP_A).sendMessage!(openidInB, { title: 't', body: 'b' }, call()), (error: unknown) => {
      failsWith('HUTONG_ERR_CHANNEL_UNAVAILABLE')(error);
      assert.match((error as Error).message, /40003/);
      return true;
    });
  });

  it('fetches the app access token once for concurrent messages, and again only when it expires', async () => {
    let now = Date.now();
    const wechat = channelFor(APP_B, { now: () => now });
    const { channelUserId: openid } = await wechat.authenticate({ code: await authCode(APP_B.appId, 'citizen-11') }, call());
    const before = await tokensIssued(APP_B.appId);
    await Promise.all([1, 2, 3, 4].map((n) => wechat.sendMessage!(openid, { title: `提醒${n}`, body: '电费账单已出' }, call())));
    await wechat.sendMessage!(openid, { title: '提醒5', body: '电费账单已出' }, call());
    assert.equal(await tokensIssued(APP_B.appId), before + 1);
    now += 7_200_000;
    await wechat.sendMessage!(openid, { title: '提醒6', body: '电费账单已出' }, call());
    assert.equal(await tokensIssued(APP_B.appId), before + 2);
    assert.equal((await inbox(openid)).length, 6);
  });

  it('fetches a new token and retries once when WeChat says the cached one expired', async () => {
    const wechat = channelFor();
    const { channelUserId: openid } = await wechat.authenticate({ code: await authCode(APP_A.appId, 'citizen-12') }, call());
    await wechat.sendMessage!(openid, { title: '第一条', body: '内容' }, call());
    const before = await tokensIssued(APP_A.appId);
    await setEmulatorClock(7_201);
    try {
      await wechat.sendMessage!(openid, { title: '第二条', body: '内容' }, call());
    } finally {
      await setEmulatorClock(0);
    }
    assert.equal(await tokensIssued(APP_A.appId), before + 1);
    assert.deepEqual((await inbox(openid)).map((m) => m.data.thing1.value), ['第二条', '第一条']);
  });

  it('sends no messages without a subscribe template', () => {
    assert.equal(channelFor(APP_A, { subscribeTemplateId: undefined }).sendMessage, undefined);
  });

  it('describes the entrance: WeChat Pay, the MicroMessenger browser, a code as proof', () => {
    const wechat = channelFor();
    assert.equal(wechat.id, 'wechat');
    assert.deepEqual(wechat.name, { zh: '微信', en: 'WeChat' });
    assert.equal(wechat.preferredWallet, 'wechatpay');
    assert.ok(wechat.userAgent?.test('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN'));
    assert.ok(!wechat.userAgent?.test('Mozilla/5.0 (Linux; Android 13) AlipayClient/10.5.0'));
    assert.ok(Value.Check(WechatLoginProof, { code: '061Abc0w3Cz1Q23Vw01w3AbcDe4Abc0X' }));
    assert.ok(!Value.Check(WechatLoginProof, { code: '' }));
    assert.ok(!Value.Check(WechatLoginProof, { code: 'a b' }));
    assert.ok(!Value.Check(WechatLoginProof, { code: 'x', unionid: 'y' }));
  });
});

describe('wechatSettingsFromEnv', () => {
  const context = { emulatorsUrl: 'http://127.0.0.1:4100', demo: true };

  it('uses the emulator and its demo app in demo mode', () => {
    assert.deepEqual(wechatSettingsFromEnv({}, context), {
      appId: APP_A.appId,
      appSecret: APP_A.appSecret,
      apiBase: 'http://127.0.0.1:4100/wechat',
      authorizeBase: 'http://127.0.0.1:4100/wechat',
      subscribeTemplateId: APP_A.subscribeTemplateIds[0],
    });
  });

  it('is not installed outside demo mode unless configured', () => {
    assert.equal(wechatSettingsFromEnv({}, { ...context, demo: false }), undefined);
  });

  it('reads a configured app, pointed at the real WeChat API unless told otherwise', () => {
    assert.deepEqual(wechatSettingsFromEnv({ WECHAT_APP_ID: 'wx1234567890abcdef', WECHAT_APP_SECRET: 's3cret' }, { ...context, demo: false }), {
      appId: 'wx1234567890abcdef',
      appSecret: 's3cret',
      apiBase: 'https://api.weixin.qq.com',
      authorizeBase: 'https://open.weixin.qq.com',
      subscribeTemplateId: undefined,
    });
    const proxied = wechatSettingsFromEnv({ WECHAT_APP_ID: 'wx1', WECHAT_APP_SECRET: 's', WECHAT_AUTHORIZE_BASE: 'https://wx-auth.example/' }, context);
    assert.equal(proxied?.authorizeBase, 'https://wx-auth.example');
    assert.match(createWechatChannel(proxied!).browserLogin!.authorizeUrl({ state: 's1', callbackUrl: 'https://hutong.example/v1/channels/wechat/callback' }), /^https:\/\/wx-auth\.example\/connect\/oauth2\/authorize\?appid=wx1&/);
    assert.throws(() => wechatSettingsFromEnv({ WECHAT_APP_ID: 'wx1', WECHAT_APP_SECRET: 's', WECHAT_AUTHORIZE_BASE: 'open.weixin.qq.com' }, context), /WECHAT_AUTHORIZE_BASE/);
    assert.throws(() => wechatSettingsFromEnv({ WECHAT_APP_ID: 'wx1234567890abcdef' }, context), /WECHAT_APP_SECRET must be set/);
    assert.throws(() => wechatSettingsFromEnv({ WECHAT_APP_ID: 'wx1', WECHAT_APP_SECRET: 's', WECHAT_API_BASE: 'ftp://x' }, context), /WECHAT_API_BASE/);
  });
});
